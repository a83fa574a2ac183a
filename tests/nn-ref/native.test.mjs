// Whole-model accuracy of the native engine (build/nn-run, scalar and best SIMD kernels)
// against the reference runtime, on real pictures, for every model in the manifest.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import {
  NN_RUN, compareFaces, compareOutputs, fixturesFor, manifest, reference, runNative, runNativeDecode,
} from './harness.mjs';
import { decodeBlazeface, decodeLandmarks } from './decode.mjs';

const KERNELS = ['scalar', 'auto'];

test('build/nn-run exists', () => assert.ok(existsSync(NN_RUN), `${NN_RUN} missing: run make`));

for (const model of manifest().models) {
  for (const fx of fixturesFor(model)) {
    for (const kernels of KERNELS) {
      test(`${model.id} ${fx.file} --kernels ${kernels}`, async (t) => {
        const ref = await reference(model, fx);
        const ours = runNative(model, fx, kernels);
        const { metrics, failures } = compareOutputs(model, ours, ref);
        t.diagnostic(JSON.stringify(metrics));
        assert.deepEqual(failures, []);
      });
    }
  }
}

// nn-run's own decoders (C) against this suite's JS decoders run on the reference tensors.
test('nn-run --decode blazeface matches the reference detections', async () => {
  const model = manifest().models.find((m) => m.id === 'face_detection_short');
  for (const fx of fixturesFor(model)) {
    const [reg, cls] = await reference(model, fx);
    const json = runNativeDecode(model, fx, 'blazeface');
    const ours = json.faces.map((f) => ({
      xmin: f.box.xmin, ymin: f.box.ymin, xmax: f.box.xmin + f.box.w, ymax: f.box.ymin + f.box.h,
      score: f.score, keypoints: f.keypoints,
    }));
    const { failures } = compareFaces(ours, decodeBlazeface(reg, cls));
    assert.deepEqual(failures, [], fx.file);
  }
});

test('nn-run --decode landmarks matches the reference landmarks', async () => {
  const model = manifest().models.find((m) => m.id === 'face_landmark');
  const fx = fixturesFor(model)[0];
  const [pts] = await reference(model, fx);
  const json = runNativeDecode(model, fx, 'landmarks');
  const refPts = decodeLandmarks(pts, 3, 192);
  assert.equal(json.landmarks.length, refPts.length);
  let worst = 0;
  json.landmarks.forEach(([x, y], i) => {
    worst = Math.max(worst, Math.abs(x / fx.width - refPts[i][0]), Math.abs(y / fx.height - refPts[i][1]));
  });
  assert.ok(worst <= 0.01, `landmarks differ by ${worst} of the image size`);
});
