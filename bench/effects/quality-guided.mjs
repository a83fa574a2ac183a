// The colour guided filter (He, Sun & Tang, "Guided Image Filtering", TPAMI 2013, §3.5),
// full resolution, in plain JavaScript: used once per run to turn the reference runtime's
// low-resolution pose_heavy mask into the soft matte that defines the composites' truth
// (quality-matte.mjs). Written for clarity, not speed (about a second at 1280×720).
//
// In every (2r+1)² window k the output is a linear function of the RGB guide I,
// q = a_k·I + b_k, with a_k = (Σ_k + εU)⁻¹ cov_k(I, p) and b_k = mean_k(p) − a_k·mean_k(I);
// each pixel averages the a, b of the windows that cover it. Windows are clipped at the
// picture's edges (the mean is over the pixels inside).

// Mean of `src` (w×h) over the (2r+1)² window around each pixel, clipped at the edges:
// running sums, O(1) per pixel whatever r.
export function boxMean(src, w, h, r) {
  const tmp = new Float64Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s = 0;
    for (let x = 0; x < Math.min(r, w); x++) s += src[row + x];
    for (let x = 0; x < w; x++) {
      if (x + r < w) s += src[row + x + r];
      if (x - r - 1 >= 0) s -= src[row + x - r - 1];
      tmp[row + x] = s / (Math.min(w - 1, x + r) - Math.max(0, x - r) + 1);
    }
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let y = 0; y < Math.min(r, h); y++) s += tmp[y * w + x];
    for (let y = 0; y < h; y++) {
      if (y + r < h) s += tmp[(y + r) * w + x];
      if (y - r - 1 >= 0) s -= tmp[(y - r - 1) * w + x];
      out[y * w + x] = s / (Math.min(h - 1, y + r) - Math.max(0, y - r) + 1);
    }
  }
  return out;
}

function product(a, b) {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i];
  return out;
}

/**
 * Colour guided filter. rgba: the guide (w×h RGBA8, alpha ignored); p: the input (w×h
 * floats, here 0..1); r: window radius in pixels; eps: regularisation on the 0..1 colour
 * scale (a window whose colour variance is well below eps is smoothed, one well above it
 * keeps its edge). Returns the filtered w×h Float32Array (not clamped).
 */
export function guidedFilterRGB(rgba, w, h, p, { r, eps }) {
  const n = w * h;
  const I = [0, 1, 2].map((c) => {
    const plane = new Float32Array(n);
    for (let i = 0; i < n; i++) plane[i] = rgba[i * 4 + c] / 255;
    return plane;
  });
  const mean = (x) => boxMean(x, w, h, r);
  const mI = I.map(mean);
  const mp = mean(p);
  const mIp = I.map((c) => mean(product(c, p)));
  // Covariance of the guide: rr, rg, rb, gg, gb, bb.
  const pairs = [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]];
  const v = pairs.map(([i, j]) => mean(product(I[i], I[j])));
  const A = [0, 1, 2].map(() => new Float32Array(n));
  const B = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const m0 = mI[0][k], m1 = mI[1][k], m2 = mI[2][k], pk = mp[k];
    const c0 = mIp[0][k] - m0 * pk, c1 = mIp[1][k] - m1 * pk, c2 = mIp[2][k] - m2 * pk;
    const rr = v[0][k] - m0 * m0 + eps, rg = v[1][k] - m0 * m1, rb = v[2][k] - m0 * m2;
    const gg = v[3][k] - m1 * m1 + eps, gb = v[4][k] - m1 * m2, bb = v[5][k] - m2 * m2 + eps;
    // Σ⁻¹ through the adjugate (Σ + εU is symmetric positive definite, det > 0).
    const i00 = gg * bb - gb * gb, i01 = rb * gb - rg * bb, i02 = rg * gb - rb * gg;
    const i11 = rr * bb - rb * rb, i12 = rb * rg - rr * gb, i22 = rr * gg - rg * rg;
    const det = rr * i00 + rg * i01 + rb * i02;
    const a0 = (i00 * c0 + i01 * c1 + i02 * c2) / det;
    const a1 = (i01 * c0 + i11 * c1 + i12 * c2) / det;
    const a2 = (i02 * c0 + i12 * c1 + i22 * c2) / det;
    A[0][k] = a0; A[1][k] = a1; A[2][k] = a2;
    B[k] = pk - a0 * m0 - a1 * m1 - a2 * m2;
  }
  const mA = A.map(mean);
  const mB = mean(B);
  const q = new Float32Array(n);
  for (let k = 0; k < n; k++) q[k] = mA[0][k] * I[0][k] + mA[1][k] * I[1][k] + mA[2][k] * I[2][k] + mB[k];
  return q;
}
