// Moving a camera VideoFrame into the engine's I420 frame buffer and building the output
// VideoFrame, whatever format the camera delivers (I420, NV12, or RGB-like formats that are
// converted by VideoFrame.copyTo). Used by the Worker pipeline.

const MATRIX = { bt709: 1, smpte170m: 0, bt470bg: 0 };

/** The even-sized visible rectangle of a frame. */
export function frameRect(frame) {
  const r = frame.visibleRect;
  return { x: r.x, y: r.y, width: r.width & ~1, height: r.height & ~1 };
}

export function colorOf(frame) {
  const cs = frame.colorSpace ?? {};
  return { matrix: MATRIX[cs.matrix] ?? 0, fullRange: Boolean(cs.fullRange) };
}

/** Copies `frame` into the engine (awaits VideoFrame.copyTo). Returns {w, h}. */
export async function frameToEngine(engine, frame) {
  const rect = frameRect(frame);
  const { width: w, height: h } = rect;
  const ys = w * h, cs = ys >> 2;
  const color = colorOf(frame);
  if (frame.format === 'I420') {
    const view = engine.frameView(w, h);
    await frame.copyTo(view, { rect, layout: [{ offset: 0, stride: w },
      { offset: ys, stride: w >> 1 }, { offset: ys + cs, stride: w >> 1 }] });
  } else if (frame.format === 'NV12') {
    engine.frameView(w, h);
    const s = engine.scratch(ys + 2 * cs);
    await frame.copyTo(s.view, { rect, layout: [{ offset: 0, stride: w }, { offset: ys, stride: w }] });
    engine.nv12ToFrame(w, h);
  } else {
    engine.frameView(w, h);
    const s = engine.scratch(ys * 4);
    await frame.copyTo(s.view, { rect, format: 'RGBA', layout: [{ offset: 0, stride: w * 4 }] });
    engine.rgbaToFrame(w, h, color.matrix);
    color.fullRange = false;  // our RGBA → I420 conversion writes limited range
  }
  engine.setColor(color.matrix, color.fullRange);
  return { w, h, color };
}

// What the engine assumes for each matrix when the camera leaves a field unset (Chromium's
// fake camera sets none): BT.601 or BT.709 throughout.
const SPACES = [
  { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m' },
  { matrix: 'bt709', primaries: 'bt709', transfer: 'bt709' },
];

/**
 * The colour space of the engine's I420 output for camera frame `src`: the camera's own
 * fields where it sets them, the engine's matrix and range always, the rest filled in. Every
 * field is set on purpose: the receiver keeps the last colour space the RTP stream signalled
 * (WebRTC's color-space header extension) for frames that carry none, so an untagged frame
 * after the WebGL2 back end's frames (RGB, sent as full-range BT.709) would be decoded as
 * those — on the face e2e's camera a background shift of mean |Δ| 11 in luma.
 */
export function outputColorSpace(src, color) {
  const cs = src.colorSpace?.toJSON ? src.colorSpace.toJSON() : {};
  const def = SPACES[color.matrix] ?? SPACES[0];
  return {
    matrix: MATRIX[cs.matrix] === color.matrix ? cs.matrix : def.matrix,
    primaries: cs.primaries ?? def.primaries,
    transfer: cs.transfer ?? def.transfer,
    fullRange: color.fullRange,
  };
}

/** The engine's output as a new I420 VideoFrame carrying the camera frame's timing and colour. */
export function engineToFrame(engine, src, color) {
  const init = { format: 'I420', codedWidth: engine.w, codedHeight: engine.h,
    timestamp: src.timestamp, colorSpace: outputColorSpace(src, color) };
  if (src.duration) init.duration = src.duration;
  return new VideoFrame(engine.outView(), init);
}
