// The background effect's engine (web/js/effects/engine.js) on the real nn.wasm and the
// small tier's real model, in Node: when the segmentation runs relative to the frame that is
// handed out. With deferInfer the frame is composited with the newest mask and the model runs
// on that frame only after it is out (inferDeferred), so inference stays off the added
// latency; a missing or stale mask is made before compositing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NN } from '../../web/js/nn/nn.js';
import { EffectEngine } from '../../web/js/effects/engine.js';
import { originalFrameRGBA } from '../lib/person.mjs';

const ASSETS = join(import.meta.dirname, '../../build/assets');
const W = 320, H = 180;

async function smallEngine() {
  const manifest = JSON.parse(readFileSync(join(ASSETS, 'manifest.json'), 'utf8'));
  const rt = await NN.create(readFileSync(join(ASSETS, manifest.wasm.path)));
  const engine = new EffectEngine(rt, 'http://localhost/', manifest, 30, 'small');
  const id = 'selfie_landscape';
  engine.ready.set(id, rt.load(readFileSync(join(ASSETS, manifest.models[id].path))));
  engine._updateMaxTier();
  return engine;
}

/** The person picture, or the same moved `dx` pixels to the right (the left edge repeated). */
function shifted(rgba, dx) {
  const out = new Uint8ClampedArray(rgba.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = Math.max(0, x - dx);
      out.set(rgba.subarray((y * W + sx) * 4, (y * W + sx) * 4 + 4), (y * W + x) * 4);
    }
  }
  return out;
}

function load(engine, rgba) {
  engine.frameView(W, H);
  engine.scratch(rgba.length).view.set(rgba);
  engine.rgbaToFrame(W, H);
}

/** Mean |Δ| between two masks (0..255). */
function maskDelta(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

test('deferred inference: frames go out with the newest mask, the model runs on each after it', async () => {
  const engine = await smallEngine();
  const person = (await originalFrameRGBA({ width: W, height: H })).data;
  const moved = shifted(person, 60);

  // First frame: no mask yet, so the model runs before compositing.
  load(engine, person);
  let r = engine.process({ deferInfer: true });
  assert.equal(r.passThrough, false);
  assert.equal(r.inferred, true, 'the first frame is segmented before it goes out');
  assert.ok(r.inferMs > 0);
  assert.equal(engine.pendingInfer, null);
  for (let i = 0; i < 3; i++) {
    load(engine, person);
    engine.process({ deferInfer: true });
    engine.inferDeferred();
  }
  const still = Uint8Array.from(engine.maskView().data);

  // The person moves: the frame is composited with the mask of the frame before (unchanged),
  // and the model then runs on the moved frame.
  load(engine, moved);
  r = engine.process({ deferInfer: true });
  assert.equal(r.inferred, false, 'inference waits until the frame is out');
  assert.equal(r.inferMs, 0);
  assert.ok(engine.pendingInfer, 'an inference is pending');
  assert.equal(maskDelta(engine.maskView().data, still), 0, 'the output used the newest mask as it was');
  const later = engine.inferDeferred();
  assert.ok(later.inferMs > 0, 'the deferred inference ran');
  assert.equal(engine.pendingInfer, null);
  const d = maskDelta(engine.maskView().data, still);
  assert.ok(d > 3, `the mask follows the moved person after the deferred run (mean |Δ| ${d.toFixed(1)})`);
  assert.equal(engine.inferDeferred().inferMs, 0, 'nothing runs twice');

  // Without deferInfer every frame is segmented before it goes out, as before.
  load(engine, person);
  r = engine.process({});
  assert.equal(r.inferred, true);
  assert.equal(engine.pendingInfer, null);
  engine.destroy();
});

test('deferred inference: a stale mask (effect turned off and on again) is remade before compositing', async () => {
  const engine = await smallEngine();
  const person = (await originalFrameRGBA({ width: W, height: H })).data;
  for (let i = 0; i < 3; i++) {
    load(engine, person);
    engine.process({ deferInfer: true });
    engine.inferDeferred();
  }
  engine.configure({ mode: 'none' });
  for (let i = 0; i < 5; i++) {
    load(engine, person);
    const r = engine.process({ deferInfer: true });
    assert.equal(r.inferred, false, 'no segmentation while the background effect is off');
    assert.equal(engine.pendingInfer, null);
  }
  engine.configure({ mode: 'blur' });
  load(engine, shifted(person, 60));
  const r = engine.process({ deferInfer: true });
  assert.equal(r.inferred, true, 'the first frame after turning the effect on again gets a fresh mask');
  assert.equal(engine.pendingInfer, null);
  // A new camera (the session calls forgetMask): its first frame is not drawn with the old mask.
  load(engine, person);
  engine.process({ deferInfer: true });
  engine.inferDeferred();
  engine.forgetMask();
  load(engine, person);
  assert.equal(engine.process({ deferInfer: true }).inferred, true, 'a new source is segmented first');
  engine.destroy();
});
