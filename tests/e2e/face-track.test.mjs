// Face tracking on real faces, without a browser: the effects worker's FaceEngine
// (web/js/effects/face-engine.js) on build/nn.wasm, frame by frame, against a fresh detection +
// landmark run of the reference runtime (TensorFlow Lite + XNNPACK; tests/lib/face-ref.mjs).
//
// - the still astronaut picture (the e2e camera): one face, landmarks within 1 % of the image;
// - a clip made at test time that slides the head across the frame and tilts it ±20°
//   (tests/lib/face-video.mjs): every 10th frame within 1 % (mean) and 2 % (95th percentile)
//   of the image width, tracked without re-detecting every frame (detections counted);
// - two heads side by side: both found and tracked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { originalFrameRGBA } from '../lib/person.mjs';
import { reference, ours, meshDistance, pairMeshes } from '../lib/face-ref.mjs';
import { movingFaceY4m, pairFacesY4m, clipFrames } from '../lib/face-video.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-face-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the still picture: tracked landmarks agree with the reference within 1 % of the image', { timeout: 120000 }, async (t) => {
  const img = await originalFrameRGBA({ width: 1280, height: 720 });
  const ref = await reference(img);
  assert.equal(ref.length, 1, 'the reference finds one face');
  const o = await ours();
  t.after(() => o.destroy());
  for (let n = 0; n < 10; n++) o.track(img, n * 33.3);
  const meshes = o.meshes();
  assert.equal(meshes.length, 1, 'one face tracked');
  const d = meshDistance(meshes[0], ref[0].mesh);
  t.diagnostic(`1280×720: mean ${d.mean.toFixed(2)} px, p95 ${d.p95.toFixed(2)}, max ${d.max.toFixed(2)}`);
  assert.ok(d.max <= 0.01 * 1280, `every point within 1 % (12.8 px): max ${d.max.toFixed(2)}`);
  const s = o.stats();
  assert.equal(s.detections, 1, `one detection for ten still frames: ${JSON.stringify(s)}`);
  assert.equal(s.trackedFrames, 9);
});

test('a moving, tilting face is tracked from the previous mesh and agrees with the reference', { timeout: 240000 }, async (t) => {
  const clip = await movingFaceY4m(dir, { frames: 90 });
  const frames = await clipFrames(clip);
  assert.equal(frames.length, 90);
  const o = await ours({ tier: 'medium' });
  t.after(() => o.destroy());
  const worst = { mean: 0, p95: 0 };
  let compared = 0;
  for (let n = 0; n < frames.length; n++) {
    const r = o.track(frames[n], (n * 1000) / clip.fps);
    assert.equal(r.faces, 1, `frame ${n}: the face is tracked`);
    if (n % 10 !== 5) continue;
    const ref = await reference(frames[n]);
    assert.equal(ref.length, 1, `frame ${n}: the reference finds the face`);
    const d = meshDistance(o.meshes()[0], ref[0].mesh);
    worst.mean = Math.max(worst.mean, d.mean);
    worst.p95 = Math.max(worst.p95, d.p95);
    compared++;
    assert.ok(d.mean <= 0.01 * clip.width, `frame ${n}: mean ${d.mean.toFixed(2)} px within 1 % of ${clip.width}`);
    assert.ok(d.p95 <= 0.02 * clip.width, `frame ${n}: p95 ${d.p95.toFixed(2)} px within 2 %`);
  }
  const s = o.stats();
  t.diagnostic(`${compared} frames compared: worst mean ${worst.mean.toFixed(2)} px, worst p95 ${worst.p95.toFixed(2)} px; ${JSON.stringify(s)}`);
  // Detection on the first frame and then at most once per redetect interval (30 frames on
  // medium): never lost, never every frame.
  assert.ok(s.detections <= 4, `detections: ${s.detections}`);
  assert.ok(s.redetections <= 3, `re-detections: ${s.redetections}`);
  assert.ok(s.trackedFrames >= 85, `tracked frames: ${s.trackedFrames}`);
});

test('two faces are both found and tracked', { timeout: 120000 }, async (t) => {
  const clip = await pairFacesY4m(dir);
  const frames = await clipFrames(clip);
  const o = await ours();
  t.after(() => o.destroy());
  for (let n = 0; n < 6; n++) o.track(frames[n], n * 33.3);
  const meshes = o.meshes();
  const ref = await reference(frames[5]);
  assert.equal(ref.length, 2, 'the reference finds two faces');
  assert.equal(meshes.length, 2, 'two faces tracked');
  for (const [a, b] of pairMeshes(meshes, ref.map((r) => r.mesh))) {
    const d = meshDistance(a, b);
    t.diagnostic(`face: mean ${d.mean.toFixed(2)} px, p95 ${d.p95.toFixed(2)}`);
    assert.ok(d.mean <= 0.01 * clip.width && d.p95 <= 0.02 * clip.width, JSON.stringify(d));
  }
});
