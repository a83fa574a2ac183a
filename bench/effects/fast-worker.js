// A dedicated module Worker that feeds BuzzStream's effect engine (web/js/effects/engine.js,
// imported from buzzd) the same 1280×720 I420 picture as fast as it goes: per frame the
// steps of the Worker pipeline (worker.js + session.js) without the camera and track
// streams — copy the VideoFrame into wasm (frame-io.js), process (model input, inference,
// mask refinement in C), composite on the back end asked for (the C kernels, or WebGL2
// through gl-compositor.js as session.js's _glOut does it) and build the output VideoFrame.
// bench/effects/fast.mjs starts it from a Blob, so every import is an absolute URL on
// buzzd's origin.
//
// Messages in:  init {origin, picture (I420 bytes), width, height, strength}
//               run {tier, backend: 'cpu' | 'webgl', frames, warmup, maxMs}
// Messages out: ready {kernels} · result {ms, inferMs, compositeMs, inferred, tiers, wallMs}
//               · error {message}

let engine = null;
let io = null;
let GLCompositor = null;
let gl = null;                         // the WebGL2 compositor, made on first use
let picture = null;                    // {bytes, width, height}
let ts = 0;                            // µs, advanced 1/30 s per frame like a camera's

const COLOR = { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: false };

async function init(m) {
  const at = (p) => new URL(p, m.origin).href;
  const { assetBase, loadManifest } = await import(at('/js/effects/assets.js'));
  const { EffectEngine, TIERS } = await import(at('/js/effects/engine.js'));
  io = await import(at('/js/effects/frame-io.js'));
  ({ GLCompositor } = await import(at('/js/effects/gl-compositor.js')));
  // As session.js does it: the assets base from /api/config, the manifest, then the engine.
  const base = await assetBase(m.origin);
  const manifest = await loadManifest(base);
  engine = await EffectEngine.create({ base, manifest, targetFps: 30, tier: 'small' });
  for (const t of TIERS) await engine.ensureModel(t);
  engine.configure({ mode: 'blur', strength: m.strength });
  picture = { bytes: new Uint8Array(m.picture), width: m.width, height: m.height };
  return { type: 'ready', kernels: engine.kernels() };
}

function cameraFrame() {
  ts += 33333;
  return new VideoFrame(picture.bytes, { format: 'I420', codedWidth: picture.width,
    codedHeight: picture.height, timestamp: ts, duration: 33333, colorSpace: COLOR });
}

/** The WebGL2 composite of the current mask over `frame` as a new VideoFrame (session.js). */
function glOut(frame) {
  if (!gl) gl = new GLCompositor(new OffscreenCanvas(2, 2));
  const m = engine.maskView();
  gl.composite(frame, m.data, m.w, m.h, engine.modeName, engine.strength);
  // Making the VideoFrame waits for the GPU (here SwiftShader) to finish the draws.
  return new VideoFrame(gl.canvas, { timestamp: frame.timestamp, duration: frame.duration });
}

/**
 * One frame through the engine; returns {ms, res}. The input frame is made before timing.
 * res.compositeMs is, as session.js counts it, everything from process() to the output
 * frame but the inference.
 */
async function oneFrame(backend) {
  const frame = cameraFrame();
  const t0 = performance.now();
  engine.enter();
  let out = null, res;
  try {
    const { color } = await io.frameToEngine(engine, frame);
    const t1 = performance.now();
    res = engine.process({ dropped: 0, composite: backend === 'cpu' });
    if (!res.passThrough) out = backend === 'webgl' ? glOut(frame) : io.engineToFrame(engine, frame, color);
    res.compositeMs = performance.now() - t1 - res.inferMs;
  } finally {
    engine.leave();
  }
  const ms = performance.now() - t0;
  out?.close();
  frame.close();
  return { ms, res };
}

// The policy is told nothing (no engine.feed), so the pinned tier runs the model on every
// frame: the full per-frame cost, as MediaPipe's solution pays it.
async function run(m) {
  engine.configure({ tier: m.tier });
  for (let i = 0; i < m.warmup; i++) await oneFrame(m.backend);
  const r = { type: 'result', ms: [], inferMs: [], compositeMs: [], inferred: 0, tiers: {} };
  const t0 = performance.now();
  for (let i = 0; i < m.frames && performance.now() - t0 < m.maxMs; i++) {
    const { ms, res } = await oneFrame(m.backend);
    r.ms.push(ms);
    if (res.inferred) { r.inferred++; r.inferMs.push(res.inferMs); }
    r.compositeMs.push(res.compositeMs);
    r.tiers[res.tier] = (r.tiers[res.tier] ?? 0) + 1;
  }
  r.wallMs = performance.now() - t0;
  return r;
}

self.onmessage = async (e) => {
  try {
    const m = e.data;
    self.postMessage(m.type === 'init' ? await init(m) : await run(m));
  } catch (err) {
    self.postMessage({ type: 'error', message: `${err.code ?? ''} ${err.message}\n${err.stack ?? ''}` });
  }
};
