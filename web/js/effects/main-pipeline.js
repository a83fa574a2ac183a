// The fallback path for browsers without MediaStreamTrackProcessor (Firefox, Safari): on the
// main thread, a hidden <video> plays the camera, requestVideoFrameCallback hands us each
// new frame, a canvas reads its pixels into the engine, and the result is painted on a second
// canvas whose captureStream() track is what peers get. Same session and engine as the
// Worker; only the frame copies differ (RGBA in and out, converted in C).

import { EffectSession } from './session.js';

export class MainThreadPipeline {
  /** @param {object} o  {base, manifest, tier, onMessage(msg)} */
  constructor(o) {
    this.onMessage = o.onMessage;
    this.session = new EffectSession((m) => queueMicrotask(() => this.onMessage(m)));
    this.session.handle({ type: 'init', base: o.base, manifest: o.manifest, tier: o.tier, targetFps: 30 });
    this.out = document.createElement('canvas');
    this.out.width = 640;
    this.out.height = 360;
    this.outCtx = this.out.getContext('2d');
    this.stream = this.out.captureStream(0);
    this.track = this.stream.getVideoTracks()[0];
    this.read = document.createElement('canvas');
    this.readCtx = this.read.getContext('2d', { willReadFrequently: true });
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.source = null;
    this.cbId = 0;
    this.busy = false;
  }

  get name() { return 'main-thread'; }

  setSource(track) {
    if (this.source === track) return;
    this.source = track;
    if (this.cbId) this.video.cancelVideoFrameCallback(this.cbId);
    this.cbId = 0;
    this.video.srcObject = track ? new MediaStream([track]) : null;
    if (!track) return;
    this.session.startSource(track.getSettings?.().frameRate || 30);
    this.video.play().catch(() => {});
    this._next();
  }

  _next() {
    if (!this.source) return;
    this.cbId = this.video.requestVideoFrameCallback((now, meta) => this._onFrame(now, meta));
  }

  async _onFrame(now, meta) {
    this.cbId = 0;
    const engine = await this.session.ready();
    if (!engine || !this.source) return;
    if (this.busy) { this._next(); return; }
    this.busy = true;
    const w = (this.video.videoWidth & ~1), h = (this.video.videoHeight & ~1);
    if (w >= 2 && h >= 2) {
      // The frame clock: captureTime where the browser gives it, else when it was presented.
      const captureMs = meta?.captureTime ?? now;
      await this.session.frame(captureMs, async (eng) => {
        if (this.read.width !== w || this.read.height !== h) { this.read.width = w; this.read.height = h; }
        this.readCtx.drawImage(this.video, 0, 0, w, h);
        const px = this.readCtx.getImageData(0, 0, w, h).data;
        eng.frameView(w, h);
        eng.scratch(px.length).view.set(px);
        eng.rgbaToFrame(w, h, 0);
        eng.setColor(0, false);
        return null;
      }, (eng) => eng.outToRgba(0), async (rgba) => {
        if (this.out.width !== w || this.out.height !== h) { this.out.width = w; this.out.height = h; }
        if (rgba) this.outCtx.putImageData(new ImageData(new Uint8ClampedArray(rgba), w, h), 0, 0);
        else this.outCtx.drawImage(this.video, 0, 0, w, h);
        this.track.requestFrame?.();
        return true;
      });
    }
    this.busy = false;
    this._next();
  }

  post(msg) {
    if (msg.type === 'stop') { this.setSource(null); return; }
    this.session.handle(msg);
  }

  stop() { this.setSource(null); }

  destroy() {
    this.setSource(null);
    this.session.destroy();
    this.track.stop();
  }
}
