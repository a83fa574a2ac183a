// What this browser offers the effects pipeline, checked once. The Worker path needs
// MediaStreamTrackProcessor and a track generator; the fallback needs requestVideoFrameCallback
// and canvas captureStream; both need WebAssembly SIMD (nn.wasm is built with -msimd128).

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1,
  0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);

export function effectsSupport(g = globalThis) {
  const wasm = typeof g.WebAssembly === 'object' && g.WebAssembly.validate(SIMD_PROBE);
  const worker = typeof g.Worker === 'function' && typeof g.MediaStreamTrackProcessor === 'function' &&
    (typeof g.MediaStreamTrackGenerator === 'function' || typeof g.VideoTrackGenerator === 'function') &&
    typeof g.VideoFrame === 'function';
  const fallback = Boolean(g.HTMLVideoElement?.prototype?.requestVideoFrameCallback) &&
    Boolean(g.HTMLCanvasElement?.prototype?.captureStream);
  let missing = null;
  if (!wasm) missing = 'WebAssembly SIMD';
  else if (!worker && !fallback) {
    missing = g.HTMLVideoElement?.prototype?.requestVideoFrameCallback ? 'HTMLCanvasElement.captureStream' :
      'MediaStreamTrackProcessor or requestVideoFrameCallback';
  }
  return { ok: !missing, missing, path: worker ? 'worker' : fallback ? 'main-thread' : null };
}
