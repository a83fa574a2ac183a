// Runs in the bench's sender page before the client's own scripts (an init script, like
// tests/lib/client.mjs's watchPeerConnections). It only observes: MediaStreamTrackProcessor
// and the track generators are wrapped in Proxies that remember the camera track the effects
// pipeline reads and the track it writes, and otherwise construct exactly what was asked.
// window.__fxProbe.startLatency(src) then reads clones of both tracks in a Worker of its own
// (src: bench/effects/latency-worker.js) until stopLatency() resolves its per-frame figures.
(() => {
  const Processor = window.MediaStreamTrackProcessor;
  if (typeof Processor !== 'function') return;
  const probe = { camera: null, output: null, worker: null, clones: [] };
  window.__fxProbe = probe;

  const watch = (Ctor, seen) => new Proxy(Ctor, {
    construct(target, args) {
      const o = Reflect.construct(target, args);
      seen(o, args);
      return o;
    },
  });
  window.MediaStreamTrackProcessor = watch(Processor, (o, args) => { probe.camera = args[0]?.track ?? null; });
  if (typeof window.MediaStreamTrackGenerator === 'function') {
    window.MediaStreamTrackGenerator = watch(window.MediaStreamTrackGenerator, (o) => { probe.output = o; });
  }
  if (typeof window.VideoTrackGenerator === 'function') {
    window.VideoTrackGenerator = watch(window.VideoTrackGenerator, (o) => { probe.output = o.track; });
  }

  probe.startLatency = (src) => {
    if (!probe.camera || !probe.output) throw new Error('the effects pipeline has not started');
    const cam = probe.camera.clone();
    const out = probe.output.clone();
    probe.clones = [cam, out];
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    probe.worker = new Worker(url, { name: 'bench-latency' });
    URL.revokeObjectURL(url);
    const camera = new Processor({ track: cam, maxBufferSize: 8 }).readable;
    const output = new Processor({ track: out, maxBufferSize: 8 }).readable;
    probe.worker.postMessage({ type: 'start', camera, output }, [camera, output]);
  };

  probe.stopLatency = () => new Promise((resolve, reject) => {
    const w = probe.worker;
    if (!w) { reject(new Error('no latency window running')); return; }
    w.onmessage = (e) => {
      w.terminate();
      probe.worker = null;
      for (const t of probe.clones) t.stop();
      probe.clones = [];
      resolve(e.data);
    };
    w.onerror = (e) => reject(new Error(`latency worker: ${e.message}`));
    w.postMessage({ type: 'stop' });
  });
})();
