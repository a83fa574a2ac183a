// The "second look" of the medium and large effect tiers, as pure functions over typed
// arrays (no wasm pointers), shared by the engine (engine.js) and the quality benchmark
// (bench/effects/quality-roi.mjs), which measured why: selfie_general run on the whole frame
// squashed to 256×256 takes background objects for the person, run on a square crop around
// the person found by selfie_landscape it is the best mask of all (docs/effects.md, "Quality
// per tier").
//
//   personBox    bounding box of p ≥ 0.5 on a model's full-frame output, in frame pixels
//   headBox      the top rows of that box, x extent from those rows only
//   roiRect      a box expanded, fitted to an aspect, clamped to the frame, even-aligned
//   stableRect   hysteresis: keep last frame's rectangle while every edge is within tol
//   cropI420     the rectangle's I420 planes (packed) into another packed buffer
//   pasteRoi     full-frame probabilities + a crop's probabilities → one grid over the frame
//   resampleGrid bilinear resample of a full-frame probability map to another grid
//   combine      per-pixel ensemble of two maps (measured, not used by a tier)

/** Bilinear sample of a sw×sh map at continuous source coordinates (sx, sy) in pixels
 * (pixel i covers [i, i+1), centre i+0.5), edges clamped. */
export function sample(src, sw, sh, sx, sy) {
  let x = sx - 0.5, y = sy - 0.5;
  if (x < 0) x = 0; else if (x > sw - 1) x = sw - 1;
  if (y < 0) y = 0; else if (y > sh - 1) y = sh - 1;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const x1 = x0 + 1 < sw ? x0 + 1 : x0, y1 = y0 + 1 < sh ? y0 + 1 : y0;
  const fx = x - x0, fy = y - y0;
  const a = src[y0 * sw + x0], b = src[y0 * sw + x1], c = src[y1 * sw + x0], d = src[y1 * sw + x1];
  return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

/** A sw×sh map covering the whole frame resampled to gw×gh (pixel centres aligned). */
export function resampleGrid(src, sw, sh, gw, gh, out = new Float32Array(gw * gh)) {
  if (sw === gw && sh === gh) { out.set(src.subarray ? src.subarray(0, gw * gh) : src); return out; }
  for (let y = 0; y < gh; y++) {
    const sy = ((y + 0.5) * sh) / gh;
    for (let x = 0; x < gw; x++) out[y * gw + x] = sample(src, sw, sh, ((x + 0.5) * sw) / gw, sy);
  }
  return out;
}

/** Bounding box of p ≥ thr on an ow×oh map covering the W×H frame: {x0, y0, x1, y1} in
 * frame pixels (x1, y1 exclusive), or null when no value reaches thr. */
export function personBox(p, ow, oh, W, H, thr = 0.5) {
  let minx = ow, miny = oh, maxx = -1, maxy = -1;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      if (p[y * ow + x] >= thr) {
        if (x < minx) minx = x;
        if (x > maxx) maxx = x;
        if (y < miny) miny = y;
        if (y > maxy) maxy = y;
      }
    }
  }
  if (maxx < 0) return null;
  return { x0: (minx * W) / ow, y0: (miny * H) / oh, x1: ((maxx + 1) * W) / ow, y1: ((maxy + 1) * H) / oh };
}

/** The head's box: the top `frac` of the person box's rows, with the x extent of p ≥ thr in
 * those rows only (frame pixels, like personBox). */
export function headBox(p, ow, oh, W, H, box, frac, thr = 0.5) {
  const y0 = Math.floor((box.y0 * oh) / H), y1 = Math.min(oh, Math.ceil(((box.y0 + (box.y1 - box.y0) * frac) * oh) / H));
  let minx = ow, maxx = -1;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < ow; x++) if (p[y * ow + x] >= thr) { if (x < minx) minx = x; if (x > maxx) maxx = x; }
  }
  if (maxx < 0) return box;
  return { x0: (minx * W) / ow, y0: (y0 * H) / oh, x1: ((maxx + 1) * W) / ow, y1: (y1 * H) / oh };
}

/**
 * The crop rectangle for a box: each side moved out by `expand` × the box's size along that
 * axis, then the shorter side grown (about the centre) to `aspect` = width / height (0: keep
 * the box's own), each side clamped to the frame's (so a box as tall as the frame gets a
 * crop as tall as the frame, and its width then only grows to W), shifted to lie inside the
 * frame, rounded outwards to even pixels (I420). At least 32×32. Returns {x, y, w, h}.
 */
export function roiRect(box, W, H, expand, aspect, fit = 'cover') {
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  let w = bw * (1 + 2 * expand), h = bh * (1 + 2 * expand);
  if (aspect > 0) {
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    // fit 'aspect': shrink both sides to keep the aspect inside the frame (the box may then
    // be cut at its sides; the full pass fills the rest) instead of clamping each side.
    if (fit === 'aspect') {
      const k = Math.min(1, W / w, H / h);
      w *= k; h *= k;
    }
  }
  w = Math.min(W, Math.max(32, w));
  h = Math.min(H, Math.max(32, h));
  const cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2;
  let x0 = Math.max(0, Math.min(W - w, cx - w / 2)), y0 = Math.max(0, Math.min(H - h, cy - h / 2));
  let x1 = x0 + w, y1 = y0 + h;
  x0 = Math.floor(x0 / 2) * 2; y0 = Math.floor(y0 / 2) * 2;
  x1 = Math.min(W, Math.ceil(x1 / 2) * 2); y1 = Math.min(H, Math.ceil(y1 / 2) * 2);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Hysteresis on the crop: the previous rectangle is kept while each of its edges is within
 * tol pixels of the new one's (noise moves the box by a few pixels; a moving person by more). */
export function stableRect(prev, next, tol) {
  if (!prev) return next;
  const d = Math.max(Math.abs(prev.x - next.x), Math.abs(prev.y - next.y),
    Math.abs(prev.x + prev.w - next.x - next.w), Math.abs(prev.y + prev.h - next.y - next.h));
  return d <= tol ? prev : next;
}

/** Copies rect (even x, y, w, h) of a packed W×H I420 frame into a packed w×h I420 buffer. */
export function cropI420(src, W, H, rect, dst) {
  const { x, y, w, h } = rect;
  for (let r = 0; r < h; r++) dst.set(src.subarray((y + r) * W + x, (y + r) * W + x + w), r * w);
  const cw = w >> 1, ch = h >> 1, CW = W >> 1, CH = H >> 1, cx = x >> 1, cy = y >> 1;
  for (let p = 0; p < 2; p++) {
    const so = W * H + p * CW * CH, d0 = w * h + p * cw * ch;
    for (let r = 0; r < ch; r++) {
      const s = so + (cy + r) * CW + cx;
      dst.set(src.subarray(s, s + cw), d0 + r * cw);
    }
  }
}

/**
 * One GW×GH probability grid over the W×H frame from the full-frame pass (fw×fh map) and the
 * crop's pass (cw×ch map covering rect): at each grid cell's centre, inside rect the crop's
 * value, outside it the full pass's; within `feather` frame pixels of a rect edge that is not
 * a frame edge the two are blended linearly (weight of the crop = distance / feather).
 * blend 'replace' (the crop's value), 'mean' or 'min' (inside the rect the mean or the minimum
 * of both passes).
 */
export function pasteRoi(full, fw, fh, crop, cw, ch, rect, W, H, GW, GH, feather, blend = 'replace', out = new Float32Array(GW * GH)) {
  const { x: rx, y: ry, w: rw, h: rh } = rect;
  const left = rx > 0, top = ry > 0, right = rx + rw < W, bottom = ry + rh < H;
  for (let gy = 0; gy < GH; gy++) {
    const py = ((gy + 0.5) * H) / GH;
    for (let gx = 0; gx < GW; gx++) {
      const px = ((gx + 0.5) * W) / GW;
      const pf = sample(full, fw, fh, (px * fw) / W, (py * fh) / H);
      let v = pf;
      if (px >= rx && px < rx + rw && py >= ry && py < ry + rh) {
        let pc = sample(crop, cw, ch, ((px - rx) * cw) / rw, ((py - ry) * ch) / rh);
        if (blend === 'mean') pc = (pc + pf) / 2;
        else if (blend === 'min') pc = Math.min(pc, pf);
        let d = Infinity;
        if (left) d = Math.min(d, px - rx);
        if (top) d = Math.min(d, py - ry);
        if (right) d = Math.min(d, rx + rw - px);
        if (bottom) d = Math.min(d, ry + rh - py);
        const wgt = feather > 0 ? Math.min(1, d / feather) : 1;
        v = pf + (pc - pf) * wgt;
      }
      out[gy * GW + gx] = v;
    }
  }
  return out;
}

/** Per-pixel ensemble of two maps on the same grid: mean, geo (√(a·b)), min, or gated (b
 * where a is uncertain, |a − 0.5| < 0.3, else a). */
export function combine(a, b, op, out = new Float32Array(a.length)) {
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    out[i] = op === 'mean' ? (x + y) / 2 : op === 'geo' ? Math.sqrt(Math.max(0, x) * Math.max(0, y))
      : op === 'min' ? Math.min(x, y) : Math.abs(x - 0.5) < 0.3 ? y : x;
  }
  return out;
}
