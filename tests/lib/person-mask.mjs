// The reference person mask of the fake-camera picture (person-picture.mjs), from the
// independent reference runtime (TFLite + XNNPACK wasm, tests/nn-ref/ref-runtime.mjs), never
// from the engine under test, and the eroded person/background regions the e2e tests measure.
//
// Both MediaPipe selfie models run on the still picture as the camera carries it, area-scaled
// from 1280×720 to their input (selfie_landscape 256×144, the same aspect; selfie_general
// 256×256, stretched, as MediaPipe feeds it). Each sigmoid output is upsampled bilinearly
// (pixel centres aligned) to the requested size, the two are averaged, and p ≥ 0.5 is person.
// On this picture the two models disagree on ~0.5 % of pixels, all at the outline.

import { manifest, modelBytes } from '../nn-ref/harness.mjs';
import { RefModel } from '../nn-ref/ref-runtime.mjs';
import { pictureForModel } from './person-picture.mjs';

export const MASK_MODELS = ['selfie_landscape', 'selfie_general'];

let probsPromise = null; // [{ id, width, height, data: Float32Array }] at model resolution
const maskCache = new Map(); // "WxH" -> mask

async function runModel(id) {
  const model = manifest().models.find((m) => m.id === id);
  if (!model) throw new Error(`person mask: model ${id} not in models/manifest.json`);
  const [, h, w, c] = model.input.shape;
  if (c !== 3) throw new Error(`person mask: ${id} input is not RGB`);
  const [lo, hi] = model.input.range;
  const pic = await pictureForModel(w, h);
  const ref = await RefModel.load(modelBytes(id));
  ref.setInput(Float32Array.from(pic.data, (v) => lo + (v * (hi - lo)) / 255));
  ref.invoke();
  if (!ref.intact()) throw new Error(`person mask: reference overwrote the ${id} model bytes`);
  const out = ref.readOutput();
  if (out.length !== w * h) throw new Error(`person mask: ${id} output has ${out.length} values, expected ${w * h}`);
  return { id, width: w, height: h, data: out };
}

/** The models' raw probabilities at their own resolution (cached for the process). */
export function referenceProbabilities() {
  if (!probsPromise) {
    probsPromise = (async () => {
      const out = [];
      for (const id of MASK_MODELS) out.push(await runModel(id)); // one wasm instance at a time
      return out;
    })();
    probsPromise.catch(() => { probsPromise = null; });
  }
  return probsPromise;
}

// Bilinear upsampling of a w×h float map to W×H with pixel centres aligned (edges clamped).
export function upsample({ width: w, height: h, data }, W, H) {
  const out = new Float32Array(W * H);
  const xs = axis(w, W), ys = axis(h, H);
  for (let y = 0; y < H; y++) {
    const [y0, y1, fy] = ys[y];
    for (let x = 0; x < W; x++) {
      const [x0, x1, fx] = xs[x];
      const top = data[y0 * w + x0] * (1 - fx) + data[y0 * w + x1] * fx;
      const bot = data[y1 * w + x0] * (1 - fx) + data[y1 * w + x1] * fx;
      out[y * W + x] = top * (1 - fy) + bot * fy;
    }
  }
  return out;
}

function axis(n, N) {
  return Array.from({ length: N }, (_, i) => {
    const s = Math.min(n - 1, Math.max(0, ((i + 0.5) * n) / N - 0.5));
    const i0 = Math.floor(s);
    return [i0, Math.min(n - 1, i0 + 1), s - i0];
  });
}

/**
 * The reference mask at width×height: { width, height, data: Uint8Array (0 = background,
 * 255 = person), models }. Cached per size for the process.
 */
export async function referenceMask({ width = 1280, height = 720 } = {}) {
  const key = `${width}x${height}`;
  if (maskCache.has(key)) return maskCache.get(key);
  const probs = await referenceProbabilities();
  const sum = new Float32Array(width * height);
  for (const p of probs) {
    const up = upsample(p, width, height);
    for (let i = 0; i < sum.length; i++) sum[i] += up[i];
  }
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = sum[i] / probs.length >= 0.5 ? 255 : 0;
  const mask = { width, height, data, models: probs.map((p) => p.id) };
  maskCache.set(key, mask);
  return mask;
}

// --- regions -----------------------------------------------------------------------------

const INF = 1e20;

// 1-D squared distance transform (Felzenszwalb & Huttenlocher): d[q] = min_p (q − p)² + f[p]
// over the lower envelope of parabolas; v (int, n) and z (float, n + 1) are scratch.
function dt1(f, n, d, v, z) {
  const cross = (q, p) => (f[q] + q * q - (f[p] + p * p)) / (2 * (q - p));
  let k = 0;
  v[0] = 0; z[0] = -Infinity; z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = cross(q, v[k]);
    while (s <= z[k]) { k--; s = cross(q, v[k]); }
    k++; v[k] = q; z[k] = s; z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}

/**
 * Squared Euclidean distance from each pixel to the nearest pixel where `seed(i)` is true
 * (INF-ish where there is none). Exact, O(w·h).
 */
export function squaredDistance(w, h, seed) {
  const g = new Float64Array(w * h);
  for (let i = 0; i < g.length; i++) g[i] = seed(i) ? 0 : INF;
  const n = Math.max(w, h);
  const f = new Float64Array(n), d = new Float64Array(n), v = new Int32Array(n), z = new Float64Array(n + 1);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = g[y * w + x];
    dt1(f, h, d, v, z);
    for (let y = 0; y < h; y++) g[y * w + x] = d[y];
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = g[y * w + x];
    dt1(f, w, d, v, z);
    for (let x = 0; x < w; x++) g[y * w + x] = d[x];
  }
  return g;
}

/** Default erosion: 24 pixels at 1280 wide, in proportion for other widths. */
export function defaultErode(width) {
  return Math.max(1, Math.round((24 * width) / 1280));
}

/**
 * Person and background regions of a mask, each eroded by `erode` pixels (Euclidean disk):
 * a pixel belongs (1) when every pixel within `erode` of it has its class, so the uncertain
 * outline is in neither. The frame border does not erode. Returns
 * { person: Uint8Array, background: Uint8Array, erode } (width*height, 0/1).
 */
export function regions(mask, { erode = defaultErode(mask.width) } = {}) {
  const { width: w, height: h, data } = mask;
  const r2 = erode * erode;
  const toBackground = squaredDistance(w, h, (i) => data[i] < 128);
  const toPerson = squaredDistance(w, h, (i) => data[i] >= 128);
  const person = new Uint8Array(w * h), background = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    person[i] = data[i] >= 128 && toBackground[i] > r2 ? 1 : 0;
    background[i] = data[i] < 128 && toPerson[i] > r2 ? 1 : 0;
  }
  return { person, background, erode };
}

/**
 * The reference mask and its regions at a received frame size, the erosion scaled with the
 * width unless given: { width, height, mask, person, background, erode }.
 */
export async function regionsAt(width, height, { erode = defaultErode(width) } = {}) {
  const mask = await referenceMask({ width, height });
  return { width, height, mask, ...regions(mask, { erode }) };
}
