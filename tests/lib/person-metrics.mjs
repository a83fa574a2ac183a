// Pixel metrics for the background-effect e2e tests. Pictures are row-major arrays (RGBA as
// from getImageData or ffmpeg rawvideo rgba; luma as from lumaOf); a region is a
// Uint8Array of width*height with 1 where the pixel counts (see person-mask.mjs regions),
// or null for every pixel.

/** BT.601 luma (0..255) of RGBA pixels: Float32Array of w*h. */
export function lumaOf(rgba, w, h) {
  if (rgba.length !== w * h * 4) throw new RangeError(`lumaOf: ${rgba.length} bytes is not ${w}×${h} RGBA`);
  const y = new Float32Array(w * h);
  for (let i = 0, j = 0; i < y.length; i++, j += 4) {
    y[i] = 0.299 * rgba[j] + 0.587 * rgba[j + 1] + 0.114 * rgba[j + 2];
  }
  return y;
}

function pixelsOf(region, n) {
  if (region && region.length !== n) throw new RangeError(`region has ${region.length} pixels, picture ${n}`);
  let count = 0;
  for (let i = 0; i < n; i++) count += region ? region[i] !== 0 : 1;
  return count;
}

// Mean |a − b| over the first `used` of every `channels` values of each pixel in the region.
function mad(a, b, region, channels, used) {
  if (a.length !== b.length) throw new RangeError(`sizes differ: ${a.length} vs ${b.length}`);
  const n = a.length / channels;
  if (!Number.isInteger(n)) throw new RangeError(`${a.length} values are not whole ${channels}-channel pixels`);
  const count = pixelsOf(region, n);
  if (!count) throw new RangeError('region is empty');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (region && !region[i]) continue;
    for (let c = 0, j = i * channels; c < used; c++, j++) sum += Math.abs(a[j] - b[j]);
  }
  return sum / (count * used);
}

/**
 * Mean absolute difference of two pictures of the same layout over the region's pixels.
 * With a region the channel count is inferred (1 for luma, 3 RGB, 4 RGBA: alpha ignored);
 * without one every value counts.
 */
export function meanAbsDiff(a, b, region = null) {
  if (!region) return mad(a, b, null, 1, 1);
  const channels = a.length / region.length;
  return mad(a, b, region, channels, channels === 4 ? 3 : channels);
}

/** Mean absolute RGB difference (0..255) of two RGBA pictures over the region. */
export function matchImage(rgbaFrame, rgbaExpected, region = null) {
  return mad(rgbaFrame, rgbaExpected, region, 4, 3);
}

/**
 * Mean over the region of the luma variance in the (2r+1)² window around each pixel (the
 * window clipped at the picture's edges). Blur lowers it; texture raises it.
 */
export function localVariance(luma, w, h, region = null, radius = 3) {
  if (luma.length !== w * h) throw new RangeError(`localVariance: ${luma.length} values is not ${w}×${h}`);
  // Summed-area tables of y and y² with a zero row and column in front; doubles hold the
  // sums exactly (255² · 2^20 pixels < 2^53).
  const W = w + 1;
  const s1 = new Float64Array(W * (h + 1)), s2 = new Float64Array(W * (h + 1));
  for (let y = 0; y < h; y++) {
    let r1 = 0, r2 = 0;
    for (let x = 0; x < w; x++) {
      const v = luma[y * w + x];
      r1 += v; r2 += v * v;
      s1[(y + 1) * W + x + 1] = s1[y * W + x + 1] + r1;
      s2[(y + 1) * W + x + 1] = s2[y * W + x + 1] + r2;
    }
  }
  const box = (s, x0, y0, x1, y1) => s[y1 * W + x1] - s[y0 * W + x1] - s[y1 * W + x0] + s[y0 * W + x0];
  const count = pixelsOf(region, w * h);
  if (!count) throw new RangeError('region is empty');
  let total = 0;
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - radius), y1 = Math.min(h, y + radius + 1);
    for (let x = 0; x < w; x++) {
      if (region && !region[y * w + x]) continue;
      const x0 = Math.max(0, x - radius), x1 = Math.min(w, x + radius + 1);
      const n = (x1 - x0) * (y1 - y0);
      const m = box(s1, x0, y0, x1, y1) / n;
      total += Math.max(0, box(s2, x0, y0, x1, y1) / n - m * m);
    }
  }
  return total / count;
}
