// One effect session: the engine plus everything around a frame that does not depend on how
// frames arrive — settings and their versions, the background picture, stats, the policy's
// measurements. The Worker (worker.js) and the main-thread fallback (main-pipeline.js) each
// own one and differ only in how they copy frames in and out.
//
// Messages it takes (handle): init {base, manifest, tier, targetFps} · setting {mode,
// strength, tier, version} (mode "none": only the face effects run) · face {touchUp,
// lowLight, filter, version} · background {bitmap | rgba+w+h, version} · encoder {ql, encodeMs}.
// Messages it posts: ready {kernels} · error {code, message, fatal} · applied {version}
// · tier {from, to, reason} · stats {fps, inferMs, compositeMs, addedLatencyMs, inferEvery,
// activeTier, switches, face: {faces, detectMs, landmarkMs, trackedFrames, redetections,
// refinements, detail: {redetectEvery, refineShift, filterPx} | null}}.

import { effectError, median } from './settings.js';
import { EffectEngine, tierName } from './engine.js';
import { FrameStats, WaitEstimator } from './frame-stats.js';
import { BackendChooser } from './backend.js';
import { outputColorSpace } from './frame-io.js';

function bitmapToRgba(bitmap) {
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = c.getContext('2d');
  g.drawImage(bitmap, 0, 0);
  bitmap.close();
  const w = c.width & ~1 || 2, h = c.height & ~1 || 2;
  return { rgba: g.getImageData(0, 0, w, h).data, w, h };
}

export class EffectSession {
  /** glCapable: frames arrive as VideoFrames the WebGL2 back end can take (the Worker path). */
  constructor(post, { glCapable = false } = {}) {
    this.post = post;
    this.glCapable = glCapable;
    this.backends = new BackendChooser();
    this.engine = null;
    this.enginePromise = null;
    this.setting = { mode: 'blur', strength: 35, tier: 'auto', version: 0 };
    this.appliedVersion = -1;
    this.pendingBackground = null;
    this.stats = new FrameStats();
    this.waits = new WaitEstimator();
    this.statsTimer = 0;
    this.lastTs = null;
    this.interval = 1000 / 30;
    this.face = { touchUp: 0, lowLight: false, filter: null };
    this.faceQueue = Promise.resolve();
    this.landmarkMs = [];         // [{at, ms}] of the last second
    this.lastDetectMs = 0;
  }

  fail(err, fatal = false) {
    this.post({ type: 'error', code: err.code ?? 'effects_unsupported', message: err.message, fatal });
  }

  async init(m) {
    this.enginePromise = EffectEngine.create({ base: m.base, manifest: m.manifest,
      targetFps: m.targetFps ?? 30, tier: m.tier ?? 'auto' });
    try {
      this.engine = await this.enginePromise;
    } catch (err) {
      this.fail(err, true);
      return;
    }
    const e = this.engine;
    e.onTier = (t) => this.post({ type: 'tier', ...t });
    e.onError = (err) => this.fail(err);
    e.configure({ mode: this.setting.mode, strength: this.setting.strength, tier: this.setting.tier });
    e.configureFace(this.face).catch((err) => this.fail(err));
    e.preloadAll();
    this.post({ type: 'ready', kernels: e.kernels() });
    e.announceStart();
    this.statsTimer = setInterval(() => this.postStats(), 500);
  }

  /** Resolves the engine once init has run (null if it failed). */
  ready() { return this.engine ? Promise.resolve(this.engine) : (this.enginePromise ?? Promise.resolve(null)).catch(() => null); }

  handle(m) {
    switch (m.type) {
      case 'init': return this.init(m);
      case 'setting': {
        this.setting = { mode: m.mode, strength: m.strength, tier: m.tier, version: m.version };
        this.engine?.configure({ mode: m.mode, strength: m.strength, tier: m.tier });
        const want = m.backend ?? 'auto';
        let err = null;
        if (want === 'webgl' && !this.glCapable) {
          err = effectError('effects_unsupported', 'WebGL2 compositing runs on the Worker path only; this browser uses the main-thread fallback.');
        } else if (want !== this.backends.wanted || want === 'webgl') {
          err = this.backends.want(this.glCapable ? want : 'cpu');
        }
        if (err) this.post({ type: 'error', code: err.code, message: err.message, reject: m.version });
        return null;
      }
      case 'background':
        try {
          this.pendingBackground = m.bitmap ? bitmapToRgba(m.bitmap) :
            m.rgba ? { rgba: m.rgba, w: m.w, h: m.h } : null;
        } catch (err) {
          this.fail(effectError('image_invalid', `The image cannot be used: ${err.message}`));
        }
        this.setting = { ...this.setting, version: m.version };
        return null;
      case 'face': {
        // The version counts as applied only once the face models are in: wait for them.
        this.face = { touchUp: m.touchUp, lowLight: m.lowLight, filter: m.filter };
        const face = this.face;
        this.faceQueue = this.faceQueue.then(async () => {
          const engine = await this.ready();
          if (!engine) return;
          try {
            await engine.configureFace(face);
          } catch (err) {
            this.post({ type: 'error', code: err.code ?? 'model_load_failed', message: err.message, reject: m.version, face: true });
            return;
          }
          if (m.version > this.setting.version) this.setting = { ...this.setting, version: m.version };
        });
        return null;
      }
      case 'encoder': this.engine?.encoder(m.ql, m.encodeMs); return null;
      default: return null;
    }
  }

  postStats() {
    if (!this.engine) return;
    const d = this.engine.decision();
    const now = performance.now();
    this.landmarkMs = this.landmarkMs.filter((x) => now - x.at < 1000);
    const fs = this.engine.faceStats();
    this.post({ type: 'stats', ...this.stats.summary(), inferEvery: d.inferEvery,
      activeTier: tierName(d.tier), switches: this.engine.switches(),
      backend: this.lastBackend ?? this.backends.current,
      backendTrial: this.backends.result ?? null,
      face: { faces: fs.faces, detectMs: this.lastDetectMs, landmarkMs: median(this.landmarkMs.map((x) => x.ms)),
        trackedFrames: fs.trackedFrames, redetections: fs.redetections, refinements: fs.refinements,
        detail: fs.detail } });
  }

  /** A new source starts: frame-rate target and clean measurements. */
  startSource(targetFps) {
    this.interval = 1000 / (targetFps || 30);
    this.engine?.configure({ targetFps: targetFps || 30 });
    this.engine?.forgetMask();
    this.lastTs = null;
    this.waits = new WaitEstimator();
    this.stats.reset();
  }

  /**
   * Processes one camera frame. captureMs: its capture time on the frame clock.
   * copyIn(engine) → Promise<color> puts the frame into the engine; makeOut(engine, color)
   * builds the output of the CPU back end; deliver(out | null) hands it to the track (null:
   * pass the camera frame through). glSource: the frame as the WebGL2 back end takes it (a
   * VideoFrame), or null. Returns what deliver returned.
   */
  async frame(captureMs, copyIn, makeOut, deliver, glSource = null) {
    const engine = this.engine;
    const readAt = performance.now();
    const waitMs = this.waits.wait(readAt, captureMs);
    const dropped = this.lastTs === null ? 0 :
      Math.max(0, Math.round((captureMs - this.lastTs) / this.interval) - 1);
    this.lastTs = captureMs;
    const version = this.setting.version;
    let out = null, res = null;
    engine.enter();
    try {
      if (this.pendingBackground) {
        const b = this.pendingBackground;
        this.pendingBackground = null;
        engine.setBackground(b.rgba, b.w, b.h);
        this.backends.setBackground(b);
      }
      const color = await copyIn(engine);
      // Both back ends draw the face effects (WebGL2 only with float render targets: a trial
      // frame it cannot take counts as infinitely slow).
      let which = glSource ? this.backends.next() : 'cpu';
      if (which === 'webgl' && engine.faceOn && !this.backends.gl.faceSupported) {
        this.backends.measured('webgl', Infinity);
        which = 'cpu';
      }
      this.lastBackend = which;
      const t0 = performance.now();
      res = engine.process({ dropped, composite: which === 'cpu', captureMs, deferInfer: true });
      if (res.faceComposited) {
        const fm = engine.faceMs;
        if (fm.detected) this.lastDetectMs = fm.detectMs;
        if (fm.landmarkMs > 0) this.landmarkMs.push({ at: performance.now(), ms: fm.landmarkMs });
      }
      if (!res.passThrough) {
        out = which === 'webgl' ? this._glOut(glSource, color, res.face) : makeOut(engine, color);
        // Compositing as each back end costs it, output frame included, inference not.
        const ms = performance.now() - t0 - res.inferMs;
        if (out) this.backends.measured(which, ms);
        if (which === 'webgl') res.compositeMs = ms;
      }
    } catch (err) {
      this.fail(err);
      out = null;
    } finally {
      engine.leave();
    }
    const delivered = await deliver(out);
    const at = performance.now();
    if (version > this.appliedVersion) {
      this.appliedVersion = version;
      this.post({ type: 'applied', version });
    }
    // The frame is out: the model runs on it now, for the frames after it.
    let later = { inferMs: 0, otherMs: 0 };
    if (engine.pendingInfer) {
      engine.enter();
      try {
        later = engine.inferDeferred();
      } catch (err) {
        this.fail(err);
      } finally {
        engine.leave();
      }
    }
    if (res) {
      const latencyMs = waitMs + (at - readAt);
      const deferred = later.inferMs > 0;
      const inferMs = res.inferMs + later.inferMs;
      this.stats.add({ at, inferMs, compositeMs: res.compositeMs + later.otherMs, latencyMs,
        inferred: res.inferred || deferred });
      // The policy's frame cost is all of the frame's work, on the latency path or after it.
      const d = engine.feed({ captureMs, totalMs: latencyMs, inferMs,
        compositeMs: Math.max(0, at - readAt - res.inferMs) + later.otherMs, dropped });
      if (d.changed && d.reason === 2) this.backends.recheck();
    }
    return delivered;
  }

  /**
   * The WebGL2 composite of the current mask (and the face effects' data) over `src`, as a new
   * VideoFrame: I420 in the camera's colour space (`color` from frameToEngine), as the CPU back
   * end's, so the receiver never sees the colour space change between the two (the canvas
   * itself, RGB, is sent as full-range BT.709) — the canvas only for sizes readI420 cannot pack.
   */
  _glOut(src, color, face = null) {
    const gl = this.backends.gl;
    const engine = this.engine;
    try {
      const m = engine.maskView();
      gl.composite(src, m.data, m.w, m.h, engine.modeName, engine.strength, face);
      const init = { timestamp: src.timestamp };
      if (src.duration) init.duration = src.duration;
      const yuv = gl.readI420(color?.matrix ?? 0, color?.fullRange ?? false);
      if (yuv) {
        return new VideoFrame(yuv, { ...init, format: 'I420', codedWidth: gl.w, codedHeight: gl.h,
          colorSpace: outputColorSpace(src, color ?? { matrix: 0, fullRange: false }) });
      }
      return new VideoFrame(gl.canvas, init);
    } catch (err) {
      this.backends.failed(err);
      this.fail(effectError('effects_unsupported', `WebGL2 compositing stopped (${err.message}); using the CPU.`));
      return null;
    }
  }

  destroy() {
    clearInterval(this.statsTimer);
    this.engine?.destroy();
    this.engine = null;
  }
}
