// Independent JS decoders for the reference's raw face/pose tensors, written from MediaPipe's
// published graph options (not from nn/): BlazeFace short-range SSD anchors + weighted NMS,
// face-mesh and pose landmark tensors. All coordinates come out normalised to 0..1 of the
// model input, so "within 1 % of the image size" is |a - b| <= 0.01.

// face_detection_short_range_common.pbtxt: SsdAnchorsCalculator options.
const BLAZEFACE = {
  size: 128, strides: [8, 16, 16, 16], anchorsPerLayer: 2, // aspect 1.0 + interpolated scale
  scoreClip: 100, minScore: 0.5, nmsIou: 0.3, keypoints: 6,
};

// Anchor centres, normalised; layers with equal strides share one grid (as SSD does).
export function blazefaceAnchors() {
  const a = [];
  const { size, strides, anchorsPerLayer } = BLAZEFACE;
  for (let l = 0; l < strides.length;) {
    let perCell = 0, last = l;
    while (last < strides.length && strides[last] === strides[l]) { perCell += anchorsPerLayer; last++; }
    const g = Math.ceil(size / strides[l]);
    for (let y = 0; y < g; y++) {
      for (let x = 0; x < g; x++) {
        for (let k = 0; k < perCell; k++) a.push([(x + 0.5) / g, (y + 0.5) / g]);
      }
    }
    l = last;
  }
  return a;
}

const sigmoid = (v) => 1 / (1 + Math.exp(-v));

function iou(a, b) {
  const ix = Math.max(0, Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin));
  const iy = Math.max(0, Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin));
  const inter = ix * iy;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
  return union > 0 ? inter / union : 0;
}

// Weighted NMS (MediaPipe NonMaxSuppressionCalculator, algorithm WEIGHTED): each kept face is
// the score-weighted mean of the boxes/keypoints overlapping the best remaining one.
function weightedNms(dets, thr) {
  let rest = [...dets].sort((p, q) => q.score - p.score);
  const out = [];
  while (rest.length) {
    const best = rest[0];
    const group = rest.filter((d) => iou(best, d) > thr);
    rest = rest.filter((d) => iou(best, d) <= thr);
    const total = group.reduce((s, d) => s + d.score, 0);
    const avg = (f) => group.reduce((s, d) => s + f(d) * d.score, 0) / total;
    const keys = ['xmin', 'ymin', 'xmax', 'ymax'];
    const m = Object.fromEntries(keys.map((k) => [k, avg((d) => d[k])]));
    m.score = best.score;
    m.keypoints = best.keypoints.map((_, i) => [avg((d) => d.keypoints[i][0]), avg((d) => d.keypoints[i][1])]);
    out.push(m);
  }
  return out;
}

// regressors: 896 x 16 floats, classificators: 896 floats. Returns faces sorted by score:
// { xmin, ymin, xmax, ymax, score, keypoints: [[x, y] x 6] }, normalised coordinates.
export function decodeBlazeface(regressors, classificators) {
  const anchors = blazefaceAnchors();
  const { size, scoreClip, minScore, keypoints } = BLAZEFACE;
  if (classificators.length !== anchors.length || regressors.length !== anchors.length * 16) {
    throw new Error(`blazeface: expected ${anchors.length} anchors`);
  }
  const dets = [];
  for (let i = 0; i < anchors.length; i++) {
    const s = sigmoid(Math.max(-scoreClip, Math.min(scoreClip, classificators[i])));
    if (s < minScore) continue;
    const r = regressors.subarray(i * 16, i * 16 + 16);
    const [ax, ay] = anchors[i];
    const cx = r[0] / size + ax, cy = r[1] / size + ay, w = r[2] / size, h = r[3] / size;
    const kp = Array.from({ length: keypoints }, (_, k) => [r[4 + 2 * k] / size + ax, r[5 + 2 * k] / size + ay]);
    dets.push({ xmin: cx - w / 2, ymin: cy - h / 2, xmax: cx + w / 2, ymax: cy + h / 2, score: s, keypoints: kp });
  }
  return weightedNms(dets, BLAZEFACE.nmsIou);
}

// Landmark tensors are [x, y, z, ...] per point in input pixels; returns [[x, y], ...] / size.
export function decodeLandmarks(t, stride, size) {
  const n = Math.floor(t.length / stride);
  return Array.from({ length: n }, (_, i) => [t[i * stride] / size, t[i * stride + 1] / size]);
}
