// The effects Worker: reads camera frames from a MediaStreamTrackProcessor's stream, runs the
// effect session (model input, nn.wasm inference, mask refinement, compositing — all in C)
// and writes the result to a MediaStreamTrackGenerator's stream. Both streams are made on the
// main thread and transferred here (Chromium cannot transfer tracks to Workers, and has no
// generator inside Workers). Messages: session.js, plus
//   source {readable, writable?, targetFps}   start reading a (new) camera stream
//   stop                                      stop reading (the effect was turned off)
// and out: ended (the camera stream finished).

import { EffectSession } from './session.js';
import { frameToEngine, engineToFrame } from './frame-io.js';

const session = new EffectSession((m) => self.postMessage(m), { glCapable: true });
let sink = null;                     // the generator's writable, kept across sources
let loop = null;                     // {reader, gen}
let gen = 0;
let loopDone = Promise.resolve();

async function run(readable, my, targetFps) {
  const reader = readable.getReader();
  loop = { reader, gen: my };
  const writer = sink.getWriter();
  session.startSource(targetFps);
  try {
    for (;;) {
      let r;
      try { r = await reader.read(); } catch { break; }
      if (r.done) break;
      const frame = r.value;
      if (gen !== my) { frame.close(); break; }
      const ok = await session.frame(frame.timestamp / 1000,
        async (engine) => (await frameToEngine(engine, frame)).color,
        (engine, color) => engineToFrame(engine, frame, color),
        async (out) => {
          try {
            await writer.write(out ?? frame);
            if (out) frame.close();
            return true;
          } catch {
            out?.close();
            frame.close();
            return false;
          }
        }, frame);
      if (!ok) break;
    }
  } finally {
    writer.releaseLock();
    if (loop?.gen === my) {
      loop = null;
      self.postMessage({ type: 'ended' });
    }
  }
}

function stopLoop() {
  gen++;
  if (loop) {
    loop.reader.cancel().catch(() => {});
    loop = null;
  }
}

self.onmessage = async (e) => {
  const m = e.data;
  try {
    if (m?.type === 'source') {
      if (m.writable) sink = m.writable;
      stopLoop();
      const my = gen;
      const prev = loopDone;
      loopDone = (async () => {
        await prev;
        const engine = await session.ready();
        if (!engine || !sink || gen !== my) { m.readable.cancel().catch(() => {}); return; }
        await run(m.readable, my, m.targetFps);
      })().catch((err) => session.fail(err));
    } else if (m?.type === 'stop') {
      stopLoop();
    } else if (m) {
      await session.handle(m);
    }
  } catch (err) {
    session.fail(err);
  }
};
