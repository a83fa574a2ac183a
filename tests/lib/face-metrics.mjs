// Regions and probe points of a face for the face-effect browser tests, from a reference mesh
// (tests/lib/face-ref.mjs, in the pixels of the picture it was run on), scaled to the size the
// test grabs frames at. The point lists are the face_landmark model's topology (MediaPipe's
// published mesh), written here for the tests.
import { localVariance } from './person-metrics.mjs';

export const EYE_R = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246];
export const EYE_L = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];
export const LIPS = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185];
export const CHEEKS = [50, 280, 205, 425, 187, 411];

/** The mesh scaled from a `from`-sized picture to w×h: Float32Array(468 × 2). */
export function scaleMesh(mesh, from, w, h) {
  const sx = w / from.width, sy = h / from.height;
  const out = new Float32Array(468 * 2);
  for (let i = 0; i < 468; i++) { out[2 * i] = mesh[3 * i] * sx; out[2 * i + 1] = mesh[3 * i + 1] * sy; }
  return out;
}

const pt = (m, i) => [m[2 * i], m[2 * i + 1]];

/** A region (Uint8Array w×h) of squares of half-side r around points `idx` of mesh m. */
export function patches(m, idx, w, h, r) {
  const reg = new Uint8Array(w * h);
  for (const i of idx) {
    const [x, y] = pt(m, i);
    for (let yy = Math.round(y - r); yy <= Math.round(y + r); yy++) {
      for (let xx = Math.round(x - r); xx <= Math.round(x + r); xx++) {
        if (xx >= 0 && yy >= 0 && xx < w && yy < h) reg[yy * w + xx] = 1;
      }
    }
  }
  return reg;
}

/** The bounding box of points `idx` grown by g pixels, as a region. */
export function boxOf(m, idx, w, h, g = 1) {
  let lx = Infinity, hx = -Infinity, ly = Infinity, hy = -Infinity;
  for (const i of idx) {
    const [x, y] = pt(m, i);
    lx = Math.min(lx, x); hx = Math.max(hx, x); ly = Math.min(ly, y); hy = Math.max(hy, y);
  }
  const reg = new Uint8Array(w * h);
  for (let y = Math.max(0, Math.floor(ly - g)); y <= Math.min(h - 1, Math.ceil(hy + g)); y++) {
    for (let x = Math.max(0, Math.floor(lx - g)); x <= Math.min(w - 1, Math.ceil(hx + g)); x++) reg[y * w + x] = 1;
  }
  return reg;
}

/** Mean gradient magnitude of the luma over a region (edge energy: blur lowers it). */
export function edgeEnergy(luma, w, h, region) {
  let s = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!region[i]) continue;
      const gx = luma[i + 1] - luma[i - 1], gy = luma[i + w] - luma[i - w];
      s += Math.hypot(gx, gy);
      n++;
    }
  }
  return n ? s / n : 0;
}

export function regionMean(luma, region) {
  let s = 0, n = 0;
  for (let i = 0; i < luma.length; i++) if (region[i]) { s += luma[i]; n++; }
  return n ? s / n : 0;
}

export { localVariance };

// The face's texture space as docs/effects.md defines it (fx_face_overlay): u, v = −1, 0, 1 at
// forehead 103 / 10 / 332, eye line 234 / 168 / 454, jaw 172 / 152 / 397, extended linearly
// outside; each lattice cell is two triangles split along its (u, v) → (u + 1, v + 1)
// diagonal, each mapped affinely.
const LATTICE = [[103, 10, 332], [234, 168, 454], [172, 152, 397]];

/** Picture position (x, y) of texture point (u, v) on mesh m (scaled, 468 × 2). */
export function texToPixel(m, u, v) {
  const P = (r, c) => {
    // r, c in −3..3: extend from the inner 3 × 3 by the nearest two rows / columns.
    const clampI = (k) => Math.max(-1, Math.min(1, k));
    const base = (rr, cc) => pt(m, LATTICE[rr + 1][cc + 1]);
    const cr = clampI(c), rr = clampI(r);
    const rowPoint = (ri) => {
      const a = base(ri, cr);
      if (c === cr) return a;
      const b = base(ri, cr - Math.sign(c));
      return [a[0] + (a[0] - b[0]) * (Math.abs(c) - 1), a[1] + (a[1] - b[1]) * (Math.abs(c) - 1)];
    };
    const a = rowPoint(rr);
    if (r === rr) return a;
    const b = rowPoint(rr - Math.sign(r));
    return [a[0] + (a[0] - b[0]) * (Math.abs(r) - 1), a[1] + (a[1] - b[1]) * (Math.abs(r) - 1)];
  };
  const c0 = Math.max(-3, Math.min(2, Math.floor(u))), r0 = Math.max(-3, Math.min(2, Math.floor(v)));
  const fu = u - c0, fv = v - r0;
  const p00 = P(r0, c0), p01 = P(r0, c0 + 1), p10 = P(r0 + 1, c0), p11 = P(r0 + 1, c0 + 1);
  // Two triangles per cell, split along the diagonal (u, v) → (u + 1, v + 1), each affine.
  const add = (a, b, k) => [a[0] + b[0] * k, a[1] + b[1] * k];
  const sub = (a, b) => [a[0] - b[0], a[1] - b[1]];
  if (fu >= fv) return add(add(p00, sub(p01, p00), fu), sub(p11, p01), fv);
  return add(add(p00, sub(p10, p00), fv), sub(p11, p10), fu);
}

/** Mean RGB of the (2r+1)² pixels around (x, y) of an RGBA frame. */
export function rgbAt(frame, x, y, r = 1) {
  const out = [0, 0, 0];
  let n = 0;
  for (let yy = Math.round(y) - r; yy <= Math.round(y) + r; yy++) {
    for (let xx = Math.round(x) - r; xx <= Math.round(x) + r; xx++) {
      if (xx < 0 || yy < 0 || xx >= frame.width || yy >= frame.height) continue;
      const i = (yy * frame.width + xx) * 4;
      for (let k = 0; k < 3; k++) out[k] += frame.data[i + k];
      n++;
    }
  }
  return out.map((v) => v / Math.max(1, n));
}

// Each filter's probes: texture points well inside its artwork (web/js/effects/face-filters.js)
// and what the pixel there must look like.
const luma = ([r, g, b]) => 0.299 * r + 0.587 * g + 0.114 * b;
export const FILTER_PROBES = {
  sunglasses: { points: [[-0.47, -0.06], [0.47, -0.06]], ok: (c) => luma(c) < 75 && c[2] >= c[0] - 10, what: 'dark tinted lens' },
  crown: { points: [[-0.54, -1.48], [0.54, -1.48]], ok: (c) => c[0] - c[2] > 70 && c[1] > 90, what: 'gold band' },
  moustache: { points: [[0, 0.43]], ok: (c) => luma(c) < 80 && c[0] >= c[2], what: 'dark brown' },
  'face-paint': { points: [[-0.65, 0.235], [0.65, 0.235]], ok: (c) => c[2] - c[0] > 40, what: 'blue stripe' },
};
