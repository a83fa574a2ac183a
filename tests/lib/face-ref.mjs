// The face tests' two pipelines on an RGBA picture:
//
// - reference(): a fresh detection + landmark run by the reference runtime (TensorFlow Lite +
//   XNNPACK, tests/nn-ref/ref-runtime.mjs) with tests/nn-ref/decode.mjs's BlazeFace decoder
//   and crops made here in JavaScript (bilinear, rotated square, black outside), written from
//   MediaPipe's published graph options: the crop is the box centre, 1.5 × the box's longer
//   side, rotated to the eye line. Shares no code with fx/ or nn/.
// - ours(): the browser's FaceEngine (web/js/effects/face-engine.js) on build/nn.wasm, fed the
//   picture as I420 through fx_wasm_rgba_to_i420, exactly as the effects worker runs it.
//
// Meshes are Float32Array(468 × 3) in picture pixels.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NN } from '../../web/js/nn/nn.js';
import { FaceEngine } from '../../web/js/effects/face-engine.js';
import { RefModel } from '../nn-ref/ref-runtime.mjs';
import { decodeBlazeface } from '../nn-ref/decode.mjs';
import { BUILD, modelBytes } from '../nn-ref/harness.mjs';

/** Bilinear RGB sample of an RGBA picture at (x, y) (pixel centres at +0.5); null outside. */
function rgbAt(img, x, y) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return null;
  const fx = Math.min(Math.max(x - 0.5, 0), img.width - 1), fy = Math.min(Math.max(y - 0.5, 0), img.height - 1);
  const x0 = Math.floor(fx), y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, img.width - 1), y1 = Math.min(y0 + 1, img.height - 1);
  const ax = fx - x0, ay = fy - y0, d = img.data, w = img.width;
  const out = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const a = d[(y0 * w + x0) * 4 + k] * (1 - ax) + d[(y0 * w + x1) * 4 + k] * ax;
    const b = d[(y1 * w + x0) * 4 + k] * (1 - ax) + d[(y1 * w + x1) * 4 + k] * ax;
    out[k] = a * (1 - ay) + b * ay;
  }
  return out;
}

/** A rotated square {xc, yc, size, rot} of the picture as a model input (n×n×3, [lo, hi]);
 * ss × ss samples per pixel when shrinking a lot. */
export function cropTensor(img, r, n, [lo, hi], ss = 1) {
  const t = new Float32Array(n * n * 3);
  const c = Math.cos(r.rot), s = Math.sin(r.rot);
  for (let oy = 0; oy < n; oy++) {
    for (let ox = 0; ox < n; ox++) {
      const acc = [0, 0, 0];
      for (let j = 0; j < ss; j++) {
        for (let i = 0; i < ss; i++) {
          const u = (ox + (i + 0.5) / ss) / n - 0.5, v = (oy + (j + 0.5) / ss) / n - 0.5;
          const p = rgbAt(img, r.xc + (c * u - s * v) * r.size, r.yc + (s * u + c * v) * r.size);
          if (p) for (let k = 0; k < 3; k++) acc[k] += p[k];
        }
      }
      for (let k = 0; k < 3; k++) t[(oy * n + ox) * 3 + k] = lo + ((hi - lo) * acc[k]) / (255 * ss * ss);
    }
  }
  return t;
}

let refModels = null;
async function refLoad() {
  if (!refModels) {
    const det = modelBytes('face_detection_short'), lm = modelBytes('face_landmark');
    refModels = {
      reg: await RefModel.load(det, 0), cls: await RefModel.load(det, 1),
      mesh: await RefModel.load(lm, 0), presence: await RefModel.load(lm, 1),
    };
  }
  return refModels;
}

function run(m, input) {
  m.setInput(input);
  m.invoke();
  return m.readOutput();
}

/** Reference faces of `img` ({width, height, data: RGBA}): [{mesh, presence, rect}];
 * `refine` extra landmark passes on the crop of the previous pass's mesh. */
export async function reference(img, { refine = 1 } = {}) {
  const m = await refLoad();
  const side = Math.max(img.width, img.height);
  const square = { xc: img.width / 2, yc: img.height / 2, size: side, rot: 0 };
  const input = cropTensor(img, square, 128, [-1, 1], 4);
  const faces = decodeBlazeface(run(m.reg, input), run(m.cls, input));
  const ox = (img.width - side) / 2, oy = (img.height - side) / 2;
  const out = [];
  for (const f of faces) {
    const px = (v) => v * side + ox, py = (v) => v * side + oy;
    const [re, le] = f.keypoints;
    const rect = { xc: px((f.xmin + f.xmax) / 2), yc: py((f.ymin + f.ymax) / 2),
      size: 1.5 * Math.max(f.xmax - f.xmin, f.ymax - f.ymin) * side,
      rot: Math.atan2(py(le[1]) - py(re[1]), px(le[0]) - px(re[0])) };
    // MediaPipe's steady state: the crop of the detection, then the crop of that mesh
    // (landmarks' bounding box, rotation from points 33 and 263, 1.5 × the longer side). On
    // a tilted face BlazeFace's eye keypoints can be off by tens of degrees; the second pass
    // is what MediaPipe's own tracking converges to.
    let r = landmarksIn(m, img, rect);
    for (let pass = 0; pass < refine; pass++) r = landmarksIn(m, img, meshRect(r.mesh));
    out.push(r);
  }
  return out;
}

function landmarksIn(m, img, rect) {
  const lmIn = cropTensor(img, rect, 192, [0, 1]);
  const raw = run(m.mesh, lmIn);
  const presence = 1 / (1 + Math.exp(-run(m.presence, lmIn)[0]));
  const c = Math.cos(rect.rot), s = Math.sin(rect.rot);
  const mesh = new Float32Array(468 * 3);
  for (let i = 0; i < 468; i++) {
    const x = (raw[3 * i] / 192 - 0.5) * rect.size, y = (raw[3 * i + 1] / 192 - 0.5) * rect.size;
    mesh[3 * i] = c * x - s * y + rect.xc;
    mesh[3 * i + 1] = s * x + c * y + rect.yc;
    mesh[3 * i + 2] = (raw[3 * i + 2] / 192) * rect.size;
  }
  return { mesh, presence, rect };
}

/** MediaPipe's face_landmarks_to_roi: axis-aligned box of the points, rotation from 33 → 263. */
export function meshRect(mesh) {
  let lx = Infinity, hx = -Infinity, ly = Infinity, hy = -Infinity;
  for (let i = 0; i < 468; i++) {
    lx = Math.min(lx, mesh[3 * i]); hx = Math.max(hx, mesh[3 * i]);
    ly = Math.min(ly, mesh[3 * i + 1]); hy = Math.max(hy, mesh[3 * i + 1]);
  }
  return { xc: (lx + hx) / 2, yc: (ly + hy) / 2, size: 1.5 * Math.max(hx - lx, hy - ly),
    rot: Math.atan2(mesh[3 * 263 + 1] - mesh[3 * 33 + 1], mesh[3 * 263] - mesh[3 * 33]) };
}

/** Our pipeline: {track(img, tMs) → {faces, detected, ...}, meshes(), stats(), engine, destroy()}. */
export async function ours({ tier = 'medium' } = {}) {
  const rt = await NN.create(readFileSync(join(BUILD, 'nn.wasm')));
  const models = {};
  for (const id of ['face_detection_short', 'face_landmark']) models[id] = rt.load(modelBytes(id));
  const fe = new FaceEngine(rt, models);
  fe.setTier(tier);
  const e = rt.exports;
  let ctx = 0, w = 0, h = 0, rgba = 0;
  return {
    engine: fe,
    rt,
    /** Puts an RGBA picture in the frame buffer (and returns the ctx). */
    load(img) {
      if (!ctx || img.width !== w || img.height !== h) {
        if (ctx) e.fx_wasm_destroy(ctx);
        if (rgba) e.nn_wasm_free(rgba);
        ({ width: w, height: h } = img);
        ctx = e.fx_wasm_create(w, h);
        rgba = rt.alloc(w * h * 4);
      }
      new Uint8Array(e.memory.buffer, rgba, w * h * 4).set(img.data);
      const rc = e.fx_wasm_rgba_to_i420(rgba, w, h, 0, e.fx_wasm_frame(ctx));
      if (rc !== 0) throw new Error('fx_wasm_rgba_to_i420 failed');
      return ctx;
    },
    track(img, tMs) { return fe.track(this.load(img), img.width, img.height, tMs); },
    meshes: () => fe.meshes(),
    stats: () => fe.stats(),
    destroy() { fe.destroy(); if (ctx) e.fx_wasm_destroy(ctx); },
  };
}

/** Distance of two meshes: {mean, max, p95} of the per-point 2-D distance, in pixels. */
export function meshDistance(a, b) {
  const d = [];
  for (let i = 0; i < 468; i++) d.push(Math.hypot(a[3 * i] - b[3 * i], a[3 * i + 1] - b[3 * i + 1]));
  d.sort((x, y) => x - y);
  return { mean: d.reduce((s, v) => s + v, 0) / d.length, p95: d[Math.floor(0.95 * d.length)], max: d[d.length - 1] };
}

/** Pairs each mesh of `a` with the nearest (by centre) of `b`. */
export function pairMeshes(a, b) {
  const centre = (m) => { let x = 0, y = 0; for (let i = 0; i < 468; i++) { x += m[3 * i]; y += m[3 * i + 1]; } return [x / 468, y / 468]; };
  return a.map((m) => {
    const [x, y] = centre(m);
    let best = null, bd = Infinity;
    for (const n of b) { const [u, v] = centre(n); const dd = Math.hypot(u - x, v - y); if (dd < bd) { bd = dd; best = n; } }
    return [m, best];
  });
}
