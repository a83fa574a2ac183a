// The reference harness itself: the relocated reference build (used for models larger than
// the runtime's static buffer) reproduces the original build bit for bit, output reordering
// exposes the other outputs, and the reference's answers on the real pictures make sense.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeBlazeface, decodeLandmarks } from './decode.mjs';
import {
  BUILD, ROOT, compareOutputs, fixturesFor, inputTensor, manifest, modelBytes, reference,
} from './harness.mjs';
import { RefModel, referenceRun } from './ref-runtime.mjs';

const byId = (id) => manifest().models.find((m) => m.id === id);

test('relocated reference build gives bit-identical output to the original build', async () => {
  const m = byId('selfie_landscape');
  const input = inputTensor(m, fixturesFor(m)[0]);
  const outs = [];
  for (const relocate of [false, true]) {
    const r = await RefModel.load(modelBytes(m.id), 0, { relocate });
    assert.equal(r.relocated, relocate);
    r.setInput(input);
    r.invoke();
    outs.push(r.readOutput());
    assert.ok(r.intact());
  }
  assert.deepEqual(outs[0], outs[1]);
});

test('reference finds the astronaut face where it is', async () => {
  const m = byId('face_detection_short');
  const fx = fixturesFor(m).find((f) => f.source === 'astronaut');
  const [reg, cls] = await referenceRun(modelBytes(m.id), inputTensor(m, fx));
  const faces = decodeBlazeface(reg.data, cls.data);
  assert.equal(faces.length, 1);
  const f = faces[0];
  assert.ok(f.score > 0.9, `score ${f.score}`);
  // Face centre near (225, 128) of the 512x512 picture.
  assert.ok(Math.abs((f.xmin + f.xmax) / 2 - 225 / 512) < 0.03);
  assert.ok(Math.abs((f.ymin + f.ymax) / 2 - 128 / 512) < 0.03);
});

test('reference segments the astronaut: person in the centre, not in the top corners', async () => {
  const m = byId('selfie_general');
  const fx = fixturesFor(m).find((f) => f.source === 'astronaut');
  const [mask] = await referenceRun(modelBytes(m.id), inputTensor(m, fx));
  const at = (x, y) => mask.data[y * 256 + x];
  assert.ok(at(128, 100) > 0.9, `face ${at(128, 100)}`);
  assert.ok(at(5, 5) < 0.1 && at(250, 5) < 0.1);
});

test('reference face mesh: landmarks inside the crop, face score high', async () => {
  const m = byId('face_landmark');
  const [pts, score] = await referenceRun(modelBytes(m.id), inputTensor(m, fixturesFor(m)[0]));
  assert.ok(score.data[0] > 2, `face logit ${score.data[0]}`);
  for (const [x, y] of decodeLandmarks(pts.data, 3, 192)) assert.ok(x > 0 && x < 1 && y > 0 && y < 1);
});

// The comparisons must catch a real disagreement, not only pass agreement.
test('comparisons fail on perturbed outputs', async () => {
  const seg = byId('selfie_landscape');
  const fx = fixturesFor(seg)[0];
  const ref = await reference(seg, fx);
  assert.deepEqual(compareOutputs(seg, ref, ref).failures, []);
  const shifted = Float32Array.from(ref[0], (v, i) => ref[0][Math.max(0, i - 3)]); // 3 pixels left
  assert.ok(compareOutputs(seg, [shifted], ref).failures.some((f) => /IoU/.test(f)));
  const face = byId('face_landmark');
  const fref = await reference(face, fixturesFor(face)[0]);
  const moved = Float32Array.from(fref[0], (v, i) => (i % 3 === 0 ? v + 0.015 * 192 : v)); // x + 1.5 %
  assert.ok(compareOutputs(face, [moved, fref[1]], fref).failures.some((f) => /landmarks differ/.test(f)));
  const det = byId('face_detection_short');
  const dfx = fixturesFor(det).find((f) => f.source === 'astronaut');
  const dref = await reference(det, dfx);
  const noFace = Float32Array.from(dref[1], () => -10);
  assert.ok(compareOutputs(det, [dref[0], noFace], dref).failures.some((f) => /faces/.test(f)));
});

test('ref-run.mjs CLI writes each output as raw float32, like nn-run --raw', async () => {
  const m = byId('face_detection_short');
  const fx = fixturesFor(m).find((f) => f.source === 'astronaut');
  const dir = mkdtempSync(join(tmpdir(), 'nnref-cli-'));
  try {
    const out = join(dir, 'ref');
    const summary = JSON.parse(execFileSync('node', [join(ROOT, 'tests/nn-ref/ref-run.mjs'),
      '--model', join(BUILD, 'models', `${m.id}.tflite`), '--input', fx.path, '--range', '-1,1',
      '--output', out], { encoding: 'utf8', timeout: 60000 }));
    assert.deepEqual(summary.outputs.map((o) => o.name), ['regressors', 'classificators']);
    const want = await reference(m, fx);
    for (const k of [0, 1]) {
      const b = readFileSync(`${out}.${k}`);
      assert.deepEqual(new Float32Array(b.buffer, b.byteOffset, b.length / 4), want[k]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
