// The background-effect setting (web/js/effects/settings.js) and the per-second frame
// statistics (web/js/effects/frame-stats.js): validation, merging, persistence, medians and
// the queue-wait estimate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSetting, loadSetting, saveSetting, storableSetting, DEFAULT_SETTING, median,
  MAX_IMAGE_BYTES } from '../../web/js/effects/settings.js';
import { FrameStats, WaitEstimator } from '../../web/js/effects/frame-stats.js';

const BUILTINS = ['coffee', 'space'];

function memStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)) };
}

test('omitted fields keep their values; each field is validated', () => {
  let s = mergeSetting(DEFAULT_SETTING, { background: 'blur-light' }, BUILTINS);
  assert.deepEqual(s, { background: 'blur-light', image: null, tier: 'auto', backend: 'auto' });
  s = mergeSetting(s, { tier: 'medium' }, BUILTINS);
  assert.equal(s.background, 'blur-light');
  assert.equal(s.tier, 'medium');
  s = mergeSetting(s, { background: 'image', image: 'space' }, BUILTINS);
  assert.equal(s.image, 'space');
  assert.equal(s.tier, 'medium');
  for (const bad of [{ background: 'sepia' }, { tier: 'huge' }, { backend: 'gpu' }, { colour: 1 }]) {
    assert.throws(() => mergeSetting(s, bad, BUILTINS), (e) => e.code === 'invalid_argument', JSON.stringify(bad));
  }
  assert.throws(() => mergeSetting(s, null, BUILTINS), (e) => e.code === 'invalid_argument');
});

test('image: a built-in id, a URL, or an object; anything else is image_invalid', () => {
  for (const ok of ['coffee', 'https://example.org/a.jpg', '/static/b.png', 'blob:x', 'data:image/png;base64,AA==']) {
    assert.equal(mergeSetting(DEFAULT_SETTING, { background: 'image', image: ok }, BUILTINS).image, ok);
  }
  for (const bad of ['beach', 42, { src: 'x' }]) {
    assert.throws(() => mergeSetting(DEFAULT_SETTING, { background: 'image', image: bad }, BUILTINS),
      (e) => e.code === 'image_invalid', String(bad));
  }
  // "image" without an image picks the first built-in one.
  assert.equal(mergeSetting(DEFAULT_SETTING, { background: 'image' }, BUILTINS).image, 'coffee');
  assert.throws(() => mergeSetting(DEFAULT_SETTING, { background: 'image' }, []), (e) => e.code === 'image_invalid');
  assert.equal(MAX_IMAGE_BYTES, 25 * 1024 * 1024);
});

test('the setting is remembered; uploads as "custom"; junk in storage is ignored', () => {
  const st = memStorage();
  assert.deepEqual(loadSetting(st), DEFAULT_SETTING);
  saveSetting({ background: 'blur-strong', image: null, tier: 'small', backend: 'cpu' }, st);
  assert.deepEqual(loadSetting(st), { background: 'blur-strong', image: null, tier: 'small', backend: 'cpu' });
  assert.equal(storableSetting({ background: 'image', image: new Blob(['x']), tier: 'auto', backend: 'auto' }).image, 'custom');
  assert.equal(storableSetting({ background: 'image', image: 'blob:abc', tier: 'auto', backend: 'auto' }).image, 'custom');
  st.setItem('buzz.effect', '{"background":"rainbow","tier":7}');
  assert.deepEqual(loadSetting(st), DEFAULT_SETTING);
  st.setItem('buzz.effect', 'not json');
  assert.deepEqual(loadSetting(st), DEFAULT_SETTING);
  st.setItem('buzz.effect', '{"background":"image"}');
  assert.equal(loadSetting(st).background, 'none', 'an image background without an image is dropped');
});

test('frame stats: medians over the last second, fps as frames in it', () => {
  const fs = new FrameStats();
  for (let i = 0; i < 60; i++) {
    fs.add({ at: i * 33.3, inferMs: i % 2 ? 6 : 60, compositeMs: 4, latencyMs: 12, inferred: i % 3 !== 0 });
  }
  const s = fs.summary(59 * 33.3);
  assert.ok(s.fps >= 29 && s.fps <= 31, `fps ${s.fps}`);
  assert.equal(s.compositeMs, 4);
  assert.equal(s.addedLatencyMs, 12);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), 0);
  assert.equal(fs.summary(10000).fps, 0, 'nothing in the last second');
});

test('queue wait: offset minus the smallest recent offset', () => {
  const w = new WaitEstimator(3000);
  // Frames every 33 ms; our clock is 5000 ms ahead of the frame clock; some frames wait.
  const waits = [0, 0, 12, 0, 20, 0];
  const got = waits.map((x, i) => w.wait(5000 + i * 33 + x, i * 33));
  assert.deepEqual(got, waits);
});
