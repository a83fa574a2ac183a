// Figures of the quality bench: IoU against the truth, the error of the soft mask near the
// truth's outline (where IoU saturates), and the change of a mask between consecutive frames.
// Masks are row-major; "person" is ≥ 128 on the 0..255 scale, ≥ 0.5 on the 0..1 scale.

import { squaredDistance, upsample } from '../../tests/lib/person-mask.mjs';

/** A w×h mask (0..255, any numeric array) bilinearly resampled to W×H, pixel centres
 * aligned (fx's own 2× upsampling of the half-resolution mask is the same filter). */
export function maskAt(mask, W, H) {
  if (mask.width === W && mask.height === H) return Float32Array.from(mask.data);
  return upsample({ width: mask.width, height: mask.height, data: mask.data }, W, H);
}

/** IoU of (m ≥ threshold) against truth (0/1), both W×H. */
export function iou(m, truth, threshold = 128) {
  let inter = 0, union = 0;
  for (let i = 0; i < truth.length; i++) {
    const a = m[i] >= threshold, b = truth[i] !== 0;
    inter += a && b;
    union += a || b;
  }
  return union ? inter / union : 1;
}

/** IoU of (m ≥ 128) against the truth counted only on the band's pixels: where the outline
 * lies, without the soft values that edgeError rewards for hedging. */
export function bandIou(m, truth, band) {
  let inter = 0, union = 0;
  for (let i = 0; i < band.length; i++) {
    if (!band[i]) continue;
    const a = m[i] >= 128, b = truth[i] !== 0;
    inter += a && b;
    union += a || b;
  }
  return union ? inter / union : 1;
}

/** The pixels within `radius` of the truth's outline (either side), 0/1 per pixel. */
export function edgeBand(truth, w, h, radius) {
  const toBg = squaredDistance(w, h, (i) => truth[i] === 0);
  const toFg = squaredDistance(w, h, (i) => truth[i] !== 0);
  const r2 = radius * radius;
  return Uint8Array.from(truth, (t, i) => ((t ? toBg[i] : toFg[i]) <= r2 ? 1 : 0));
}

/** Mean |m/255 − α| over the band: how far the soft mask is from the matte near the edge. */
export function edgeError(m, alpha, band) {
  let sum = 0, n = 0;
  for (let i = 0; i < band.length; i++) {
    if (!band[i]) continue;
    sum += Math.abs(m[i] / 255 - alpha[i]);
    n++;
  }
  return sum / n;
}

/** The band (W×H, 0/1) sampled at a w×h mask's pixel centres (nearest full-size pixel). */
export function bandAt(band, W, H, w, h) {
  if (w === W && h === H) return band;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(H - 1, Math.floor(((y + 0.5) * H) / h));
    for (let x = 0; x < w; x++) out[y * w + x] = band[sy * W + Math.min(W - 1, Math.floor(((x + 0.5) * W) / w))];
  }
  return out;
}

/** Mean |a − b| (0..255 scale) over every pixel and over the band's pixels. */
export function meanDelta(a, b, band) {
  let all = 0, inBand = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    all += d;
    if (band[i]) { inBand += d; n++; }
  }
  return { all: all / a.length, band: n ? inBand / n : 0 };
}

/** Seeded Gaussian noise source (xorshift32 + Box–Muller), the same sequence on every run. */
export function gaussian(seed) {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  let spare = null;
  return () => {
    if (spare !== null) { const v = spare; spare = null; return v; }
    const r = Math.sqrt(-2 * Math.log(uniform())), t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/** The picture with fresh noise of standard deviation sigma levels on R, G and B (rounded,
 * clamped to 0..255), written into out (RGBA8, alpha copied). */
export function addNoise(rgba, sigma, next, out) {
  for (let i = 0; i < rgba.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round(rgba[i + c] + sigma * next());
      out[i + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    out[i + 3] = rgba[i + 3];
  }
  return out;
}

export function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b), k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}
