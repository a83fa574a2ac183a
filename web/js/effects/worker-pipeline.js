// The Worker path: camera track → MediaStreamTrackProcessor (main thread) → its readable
// stream transferred to the effects Worker → frames written to a MediaStreamTrackGenerator's
// writable stream (also made here and transferred) → the generator's track is what peers get.
// The generator and the Worker outlive camera switches: only the processor is replaced.

export class WorkerPipeline {
  /** @param {object} o  {base, manifest, tier, onMessage(msg)} */
  constructor(o) {
    this.onMessage = o.onMessage;
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'effects' });
    this.worker.onmessage = (e) => this.onMessage(e.data);
    this.worker.onerror = (e) => this.onMessage({ type: 'error', code: 'effects_unsupported',
      message: `The effects worker failed: ${e.message || 'script error'}`, fatal: true });
    this.worker.postMessage({ type: 'init', base: o.base, manifest: o.manifest, tier: o.tier,
      targetFps: 30 });
    const Gen = globalThis.MediaStreamTrackGenerator;
    if (Gen) {
      this.generator = new Gen({ kind: 'video' });
      this.track = this.generator;
    } else {
      this.generator = new globalThis.VideoTrackGenerator();
      this.track = this.generator.track;
    }
    this.writableSent = false;
    this.source = null;
  }

  get name() { return 'worker'; }

  /** Feeds a new camera track (or none). */
  setSource(track) {
    if (this.source === track) return;
    this.source = track;
    this.worker.postMessage({ type: 'stop' });
    if (!track) return;
    const processor = new globalThis.MediaStreamTrackProcessor({ track, maxBufferSize: 2 });
    const msg = { type: 'source', readable: processor.readable,
      targetFps: track.getSettings?.().frameRate || 30 };
    const transfer = [processor.readable];
    if (!this.writableSent) {
      msg.writable = this.generator.writable;
      transfer.push(this.generator.writable);
      this.writableSent = true;
    }
    this.worker.postMessage(msg, transfer);
  }

  post(msg, transfer = []) { this.worker.postMessage(msg, transfer); }

  stop() { this.setSource(null); }

  destroy() {
    this.worker.postMessage({ type: 'stop' });
    this.worker.terminate();
    this.track.stop();
  }
}
