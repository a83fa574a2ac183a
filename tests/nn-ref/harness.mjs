// Shared pieces of the whole-model accuracy tests: the model list (models/manifest.json),
// the fixture pictures, running our engine (native nn-run or nn.wasm through web/js/nn/nn.js)
// and the reference, and the per-task comparisons with their thresholds.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBlazeface, decodeLandmarks } from './decode.mjs';
import { decodePng, toTensor } from './png.mjs';
import { referenceRun } from './ref-runtime.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = process.env.BUILD_DIR ? resolve(process.env.BUILD_DIR) : join(ROOT, 'build');
export const NN_RUN = join(BUILD, 'nn-run');
export const NN_WASM = join(BUILD, 'nn.wasm');
export const NN_JS = join(ROOT, 'web', 'js', 'nn', 'nn.js');
const FIXTURES = join(ROOT, 'tests', 'nn-ref', 'fixtures');

// Thresholds from the issue: masks IoU >= 0.99 at 0.5 and mean |diff| <= 0.01; points within
// 1 % of the image size; scores within 0.01.
export const LIMITS = { iou: 0.99, mad: 0.01, point: 0.01, score: 0.01 };

export function manifest() {
  return JSON.parse(readFileSync(join(ROOT, 'models', 'manifest.json'), 'utf8'));
}

export function modelBytes(id) {
  const p = join(BUILD, 'models', `${id}.tflite`);
  if (!existsSync(p)) throw new Error(`${p} missing: run make (models/models.mk)`);
  return readFileSync(p);
}

// Fixtures whose size matches the model input; the face-landmark model gets face crops only.
export function fixturesFor(model) {
  const [, h, w] = model.input.shape;
  const index = JSON.parse(readFileSync(join(FIXTURES, 'index.json'), 'utf8'));
  return index
    .filter((f) => f.width === w && f.height === h)
    .filter((f) => model.task !== 'face-landmarks' || f.file.includes('_face'))
    .map((f) => ({ ...f, path: join(FIXTURES, f.file) }));
}

export function inputTensor(model, fixture) {
  return toTensor(decodePng(readFileSync(fixture.path)), model.input.range);
}

const refCache = new Map();
export async function reference(model, fixture) {
  const key = `${model.id}:${fixture.file}`;
  if (!refCache.has(key)) {
    const outs = await referenceRun(modelBytes(model.id), inputTensor(model, fixture), outputsCompared(model));
    refCache.set(key, outs.map((o) => o.data));
  }
  return refCache.get(key);
}

// Runs build/nn-run on the fixture PNG; returns its raw outputs in model order.
export function runNative(model, fixture, kernels, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'nnref-'));
  try {
    const out = join(dir, 'out');
    const range = model.input.range.join(',');
    execFileSync(NN_RUN, ['--model', join(BUILD, 'models', `${model.id}.tflite`), '--input', fixture.path,
      '--output', out, '--raw', '--kernels', kernels, '--range', range, ...extra],
    { timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'] });
    const n = model.outputs.length;
    return model.outputs.map((_, i) => {
      const b = readFileSync(n === 1 ? out : `${out}.${i}`);
      return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// nn-run --decode prints progress lines and then one JSON line.
export function runNativeDecode(model, fixture, mode) {
  const stdout = execFileSync(NN_RUN, ['--model', join(BUILD, 'models', `${model.id}.tflite`),
    '--input', fixture.path, '--decode', mode, '--range', model.input.range.join(',')],
  { timeout: 120000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`nn-run --decode ${mode} printed no JSON:\n${stdout}`);
  return JSON.parse(line);
}

// --- comparisons -------------------------------------------------------------------------

const sigmoid = (v) => 1 / (1 + Math.exp(-v));

export function maskStats(a, b, map = (v) => v) {
  let inter = 0, union = 0, sad = 0, maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = map(a[i]), y = map(b[i]);
    const pa = x >= 0.5, pb = y >= 0.5;
    inter += pa && pb; union += pa || pb;
    const d = Math.abs(x - y);
    sad += d;
    if (d > maxAbs) maxAbs = d;
  }
  return { iou: union ? inter / union : 1, mad: sad / a.length, maxAbs, positive: union };
}

export function pointStats(a, b) {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i][0] - b[i][0]), Math.abs(a[i][1] - b[i][1]));
  }
  return max;
}

function rawMaxAbs(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Each returns { metrics, failures[] } for ours vs reference (arrays of output tensors).
const COMPARE = {
  segmentation(ours, ref) {
    const s = maskStats(ours[0], ref[0]);
    return { metrics: s, failures: maskFailures(s, 'mask') };
  },
  pose(ours, ref) {
    const pts = pointStats(decodeLandmarks(ours[0], 5, 256), decodeLandmarks(ref[0], 5, 256));
    const presence = Math.abs(ours[1][0] - ref[1][0]);
    const s = maskStats(ours[2], ref[2], sigmoid);
    const failures = maskFailures(s, 'segmentation mask');
    if (!(pts <= LIMITS.point)) failures.push(`landmarks differ by ${pts} of the image size`);
    if (!(presence <= LIMITS.score)) failures.push(`presence differs by ${presence}`);
    return { metrics: { landmarks: pts, presence, ...s }, failures };
  },
  'face-detection'(ours, ref) {
    const r = compareFaces(decodeBlazeface(ours[0], ours[1]), decodeBlazeface(ref[0], ref[1]));
    // Stricter than the decoded faces: every anchor's box/keypoint offsets (input pixels)
    // within 1 % of the image size and every anchor's score within 0.01.
    const offsets = rawMaxAbs(ours[0], ref[0]) / 128;
    let scores = 0;
    for (let i = 0; i < ref[1].length; i++) scores = Math.max(scores, Math.abs(sigmoid(ours[1][i]) - sigmoid(ref[1][i])));
    if (!(offsets <= LIMITS.point)) r.failures.push(`anchor offsets differ by ${offsets} of the image size`);
    if (!(scores <= LIMITS.score)) r.failures.push(`anchor scores differ by ${scores}`);
    Object.assign(r.metrics, { anchorOffsets: offsets, anchorScores: scores });
    return r;
  },
  'face-landmarks'(ours, ref) {
    const pts = pointStats(decodeLandmarks(ours[0], 3, 192), decodeLandmarks(ref[0], 3, 192));
    const score = Math.abs(sigmoid(ours[1][0]) - sigmoid(ref[1][0]));
    const failures = [];
    if (!(pts <= LIMITS.point)) failures.push(`landmarks differ by ${pts} of the image size`);
    if (!(score <= LIMITS.score)) failures.push(`face score differs by ${score}`);
    return { metrics: { landmarks: pts, score }, failures };
  },
};

function maskFailures(s, what) {
  const f = [];
  if (!(s.iou >= LIMITS.iou)) f.push(`${what} IoU ${s.iou} < ${LIMITS.iou}`);
  if (!(s.mad <= LIMITS.mad)) f.push(`${what} mean |diff| ${s.mad} > ${LIMITS.mad}`);
  return f;
}

// Faces must match one to one (both lists are sorted by score).
export function compareFaces(ours, ref) {
  const failures = [];
  if (ours.length !== ref.length) failures.push(`${ours.length} faces, reference has ${ref.length}`);
  let worst = 0, score = 0;
  for (let i = 0; i < Math.min(ours.length, ref.length); i++) {
    const a = ours[i], b = ref[i];
    const pa = [[a.xmin, a.ymin], [a.xmax, a.ymax], ...a.keypoints];
    const pb = [[b.xmin, b.ymin], [b.xmax, b.ymax], ...b.keypoints];
    worst = Math.max(worst, pointStats(pa, pb));
    score = Math.max(score, Math.abs(a.score - b.score));
  }
  if (!(worst <= LIMITS.point)) failures.push(`face box/keypoints differ by ${worst} of the image size`);
  if (!(score <= LIMITS.score)) failures.push(`face score differs by ${score}`);
  return { metrics: { faces: ref.length, points: worst, score }, failures };
}

export function compareOutputs(model, ours, ref) {
  const r = COMPARE[model.task](ours, ref);
  r.metrics.rawMaxAbs = ref.map((t, i) => rawMaxAbs(ours[i], t));
  return r;
}

// Outputs the comparison reads (the reference needs one instance per output): pose heatmap
// and world landmarks are not compared.
export function outputsCompared(model) {
  return model.task === 'pose' ? [0, 1, 2] : model.outputs.map((_, i) => i);
}
