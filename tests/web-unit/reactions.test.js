import { test } from 'node:test';
import assert from 'node:assert/strict';

test('the reaction budget: 6 in a row, then 2 per second, as the server counts', async () => {
  const { ReactionBucket, REACTIONS, REACTION_INFO } = await import('../../web/js/reactions.js');
  const b = new ReactionBucket();
  let ok = 0;
  for (let i = 0; i < 10; i++) ok += b.take(1000) ? 1 : 0;
  assert.equal(ok, 6);
  assert.equal(b.take(1400), false, '0.4 s gives back less than one');
  assert.equal(b.take(1500), true, '0.5 s gives back one');
  assert.equal(b.take(1500), false);
  assert.equal(b.take(10000), true, 'refilled');
  for (const k of REACTIONS) assert.ok(REACTION_INFO[k], k);
});
