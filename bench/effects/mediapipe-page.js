// MediaPipe's own solution (@mediapipe/selfie_segmentation, loaded by mediapipe.html the
// documented way) blurring the background of the bench picture, fed as fast as it goes:
// every send() waits for the previous frame's result. The blur is the classic Canvas2D
// recipe of MediaPipe's demos: draw the mask, keep the frame where the mask is
// ('source-in'), then draw the frame blurred by a CSS filter underneath
// ('destination-over'). Driven by bench/effects/fast.mjs through window.__mp.

const W = 1280;
const H = 720;

let seg = null;
let model = null;
let input = null;
let g = null;
let blurPx = 10.5;
let drawn = 0;
let drawMs = [];

function draw(r) {
  const t0 = performance.now();
  g.save();
  g.clearRect(0, 0, W, H);
  g.drawImage(r.segmentationMask, 0, 0, W, H);
  g.globalCompositeOperation = 'source-in';
  g.drawImage(r.image, 0, 0, W, H);
  g.globalCompositeOperation = 'destination-over';
  g.filter = `blur(${blurPx}px)`;
  g.drawImage(r.image, 0, 0, W, H);
  g.restore();
  // A 2D canvas records draw calls and rasterises them when it is read or shown; reading
  // one pixel makes the frame's blur and blending happen inside the timed frame.
  g.getImageData(0, 0, 1, 1);
  drawMs.push(performance.now() - t0);
  drawn++;
}

/** Loads the picture and the solution. o: {blurPx}. Resolves {version}. */
async function init(o = {}) {
  blurPx = o.blurPx ?? blurPx;
  const rgba = new Uint8ClampedArray(await (await fetch('/picture.rgba')).arrayBuffer());
  input = document.createElement('canvas');
  input.width = W;
  input.height = H;
  input.getContext('2d').putImageData(new ImageData(rgba, W, H), 0, 0);
  const out = document.createElement('canvas');
  out.width = W;
  out.height = H;
  g = out.getContext('2d');
  document.body.append(out);
  seg = new window.SelfieSegmentation({ locateFile: (f) => `/mediapipe/${f}` });
  seg.onResults(draw);
  await seg.initialize();
  return { version: window.VERSION ?? null };
}

/**
 * modelSelection 1 (landscape) or 0 (general): `warmup` frames, then up to `frames` timed
 * ones or until `maxMs` passed. Resolves {ms: [per frame], drawMs: [...], wallMs}.
 */
async function run({ model: want, frames, warmup = 5, maxMs = 10000 }) {
  // A change of options reloads the graph on the next send (the warm-up's).
  if (want !== model) {
    seg.setOptions({ modelSelection: want, selfieMode: false });
    model = want;
  }
  for (let i = 0; i < warmup; i++) await seg.send({ image: input });
  const ms = [];
  drawMs = [];
  const t0 = performance.now();
  for (let i = 0; i < frames && performance.now() - t0 < maxMs; i++) {
    const before = drawn;
    const a = performance.now();
    await seg.send({ image: input });
    if (drawn !== before + 1) throw new Error(`send() resolved with ${drawn - before} results drawn`);
    ms.push(performance.now() - a);
  }
  return { ms, drawMs, wallMs: performance.now() - t0 };
}

/** The output canvas as a PNG data URL (for checking by eye, --save-images). */
function snapshot() { return g.canvas.toDataURL('image/png'); }

window.__mp = { init, run, snapshot };
