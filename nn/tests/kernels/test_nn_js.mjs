// End-to-end check of the WebAssembly build through its JavaScript wrapper, under node:
// web/js/nn/nn.js loads build/nn.wasm, runs MediaPipe's landscape selfie model on a
// synthetic image, and must match the native engine (build/nn-run, scalar kernels) on
// the same pixels. Also checks the wrapper's error paths.
//
// Tolerance: max |wasm − native| ≤ 1e-4 on the sigmoid mask (values in [0, 1]). Both run
// the same float32 graph; only the summation order inside kernels differs (SIMD128 vs
// scalar), which moves each layer by ~1e-6 relative, and the final sigmoid squashes it.
// A wrong kernel, layout or pre-processing changes the mask by 1e-2 or more.
// Usage: node test_nn_js.mjs [build-dir]
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NN } from '../../../web/js/nn/nn.js';

const build = process.argv[2] || 'build';
const modelPath = 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite';
const TOL = 1e-4;
let failed = 0;
let passed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (err) {
    failed++;
    console.log(`not ok - ${name}: ${err.stack || err}`);
  }
}

// A deterministic RGBA test image with edges and gradients (not flat: a flat image would
// hide spatial indexing bugs).
function makeImage(w, h) {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const inside = (x - w / 2) ** 2 / (w * w / 16) + (y - h / 2) ** 2 / (h * h / 6) < 1;
      rgba[i] = inside ? 200 : (x * 7 + y * 3) & 255;
      rgba[i + 1] = inside ? 160 - (y & 31) : (x + y * 5) & 255;
      rgba[i + 2] = inside ? 120 : (x * y) & 255;
      rgba[i + 3] = 255;
    }
  return rgba;
}

function toPPM(rgba, w, h) {
  const header = Buffer.from(`P6\n${w} ${h}\n255\n`);
  const rgb = Buffer.alloc(w * h * 3);
  for (let p = 0; p < w * h; p++) rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
  return Buffer.concat([header, rgb]);
}

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = d; // NaN propagates as a failure
  }
  return worst;
}

const rt = await NN.create(readFileSync(join(build, 'nn.wasm')));
const tflite = readFileSync(modelPath);
const W = 256;
const H = 144;
const image = makeImage(W, H);

await check('loads the landscape model with the SIMD128 kernels', () => {
  const model = rt.load(tflite);
  assert.deepEqual(model.inputs[0].shape, [1, H, W, 3]);
  assert.deepEqual(model.outputs[0].shape, [1, H, W, 1]);
  assert.equal(model.kernels, 'wasm-simd128');
  model.dispose();
});

await check(`runRGBA matches native nn-run (scalar) within ${TOL}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-js-'));
  try {
    writeFileSync(join(dir, 'in.ppm'), toPPM(image, W, H));
    execFileSync(join(build, 'nn-run'), ['--model', modelPath, '--input', join(dir, 'in.ppm'),
      '--output', join(dir, 'out.f32'), '--raw', '--range', '0,1', '--kernels', 'scalar'],
    { stdio: 'pipe', timeout: 60000 });
    const raw = readFileSync(join(dir, 'out.f32'));
    const native = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    const model = rt.load(tflite);
    const [mask] = model.runRGBA(image, W, H, { range: [0, 1] });
    const d = maxDiff(mask, native);
    let lo = 1;
    let hi = 0;
    for (const v of mask) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    console.log(`# max |wasm - native| = ${d.toExponential(2)}, mask range [${lo.toFixed(3)}, ${hi.toFixed(3)}]`);
    assert.ok(d <= TOL, `max diff ${d}`);
    assert.ok(hi - lo > 0.1, 'mask is flat: the model did not see the image');
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

await check('wasm scalar and SIMD128 kernel sets agree on the whole model', () => {
  const simd = rt.load(tflite);
  const scalar = rt.load(tflite, { kernels: 'scalar' });
  assert.equal(scalar.kernels, 'scalar');
  const [a] = simd.runRGBA(image, W, H);
  const [b] = scalar.runRGBA(image, W, H);
  assert.ok(maxDiff(a, b) <= TOL);
  // run() with raw input gives the same as runRGBA on the same pixels.
  // (lo + v·scale in float32, as nn_wasm_rgba_to_input computes it.)
  const x = new Float32Array(W * H * 3);
  const scale = Math.fround(1 / 255);
  for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) x[p * 3 + c] = scale * image[p * 4 + c];
  const [c] = simd.run([x]);
  assert.ok(maxDiff(a, c) <= 1e-6);
  simd.dispose();
  scalar.dispose();
});

await check('bad models throw the loader message', () => {
  assert.throws(() => rt.load(new Uint8Array([1, 2, 3])), /^Error: nn: .+/);
  assert.throws(() => rt.load(tflite.subarray(0, tflite.length >> 1)), /^Error: nn: .+/);
  const junk = Uint8Array.from(tflite);
  junk[4] ^= 0xff; // the file identifier "TFL3"
  assert.throws(() => rt.load(junk), /^Error: nn: .+/);
  assert.throws(() => rt.load(tflite, { kernels: 'no-such-set' }), /^Error: nn: .+/);
});

await check('size mismatches and use after dispose throw', () => {
  const model = rt.load(tflite);
  assert.throws(() => model.runRGBA(image, 128, 72), /does not fit input 0/);
  assert.throws(() => model.run([new Float32Array(5)]), /model wants/);
  model.dispose();
  assert.throws(() => model.run(), /after dispose/);
  model.dispose(); // idempotent
});

await check('many loads and disposes do not grow memory', () => {
  const before = rt.exports.memory.buffer.byteLength;
  for (let i = 0; i < 20; i++) rt.load(tflite).dispose();
  assert.equal(rt.exports.memory.buffer.byteLength, before);
});

console.log(`# ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
