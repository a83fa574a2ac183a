// The sender page's latency observer (started by sender-probe.js): reads a clone of the
// camera track and a clone of the effect's output track and turns their frames into
// per-frame latencies, capture timestamp → arrival on the output track.
//
// A camera VideoFrame's timestamp is its capture time on a clock of its own (µs); the
// effect's output frame keeps it (frame-io.js engineToFrame). The offset between that clock
// and performance.now() is smallest for the camera frame delivered soonest after capture, so
// latency = arrival of the output frame − (timestamp + that smallest offset): zero for a
// frame handed on the moment it could be, every wait and every step of the effect counted.
// This is how session.js's WaitEstimator counts queueing too, with the generator's own
// delivery added.

let minOffset = Infinity;             // ms, min over camera frames of (arrival − timestamp)
let cameraFrames = 0;
const outputs = [];                   // [timestamp ms, arrival ms]
const readers = [];
let t0 = 0;

async function pump(readable, onFrame) {
  const reader = readable.getReader();
  readers.push(reader);
  for (;;) {
    let r;
    try { r = await reader.read(); } catch { return; }
    if (r.done) return;
    onFrame(r.value.timestamp / 1000, performance.now());
    r.value.close();
  }
}

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'start') {
    t0 = performance.now();
    pump(m.camera, (ts, at) => {
      cameraFrames++;
      if (at - ts < minOffset) minOffset = at - ts;
    });
    pump(m.output, (ts, at) => outputs.push([ts, at]));
  } else if (m.type === 'stop') {
    for (const r of readers) r.cancel().catch(() => {});
    const latencyMs = outputs.map(([ts, at]) => at - (ts + minOffset));
    self.postMessage({ latencyMs, cameraFrames, outputFrames: outputs.length,
      seconds: (performance.now() - t0) / 1000 });
  }
};
