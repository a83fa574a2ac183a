import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, BACKOFF_CAP_MS } from '../../web/js/backoff.js';

test('first retry is about 0.25 s', () => {
  assert.equal(backoffDelay(0, () => 0), 125);
  assert.equal(backoffDelay(0, () => 1), 250);
});

test('doubles per attempt and is capped at 5 s', () => {
  const hi = [0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(n, () => 1));
  assert.deepEqual(hi, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  assert.equal(backoffDelay(1000, () => 1), BACKOFF_CAP_MS);
});

test('jitter stays within [step/2, step]', () => {
  for (let n = 0; n < 10; n++) {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(n);
      const step = Math.min(5000, 250 * 2 ** n);
      assert.ok(d >= step / 2 && d <= step, `${n}: ${d}`);
    }
  }
});

test('bad inputs fall back to the first step', () => {
  assert.equal(backoffDelay(-3, () => 1), 250);
  assert.equal(backoffDelay(NaN, () => 1), 250);
  assert.equal(backoffDelay(2, () => 7), 1000);
});
