// Which compositing back end runs a frame: the C kernels on the CPU (fx in WebAssembly) or
// WebGL2 (gl-compositor.js). "auto" measures both on the first frames and keeps the faster —
// on a device with a real GPU that may be WebGL2, under a software WebGL (headless Chromium's
// SwiftShader) it is the CPU — and measures again when the policy reports the device slow
// (at most every RECHECK_MS), so a choice that stopped being the fastest does not stick.

import { effectError } from './settings.js';
import { GLCompositor } from './gl-compositor.js';

const TRIAL_FRAMES = 4;        // per back end; the first of each is a warm-up
const RECHECK_MS = 120000;

export class BackendChooser {
  constructor() {
    this.wanted = null;          // until the first setting arrives
    this.current = 'cpu';
    this.gl = null;
    this.glError = null;
    this.trial = null;           // {order: ['cpu', 'webgl'], i, times: {cpu: [], webgl: []}}
    this.lastTrial = -Infinity;
    this.background = null;      // {data, width, height} for the GL back end
  }

  /** want: 'auto' | 'cpu' | 'webgl'. Returns an Error when 'webgl' cannot run here. */
  want(want) {
    this.wanted = want;
    if (want === 'cpu') { this.current = 'cpu'; this.trial = null; return null; }
    if (want === 'webgl') {
      const err = this._ensureGL();
      this.trial = null;
      this.current = err ? 'cpu' : 'webgl';
      return err;
    }
    this.startTrial();
    return null;
  }

  _ensureGL() {
    if (this.gl) return null;
    if (this.glError) return this.glError;
    try {
      if (typeof OffscreenCanvas !== 'function') throw effectError('effects_unsupported', 'OffscreenCanvas is missing');
      this.gl = new GLCompositor(new OffscreenCanvas(2, 2));
      if (this.background) this.gl.setBackground(this.background);
    } catch (err) {
      this.glError = effectError('effects_unsupported', `WebGL2 compositing is unavailable: ${err.message}`);
      this.gl = null;
    }
    return this.glError;
  }

  setBackground(bg) {
    this.background = bg ? { data: bg.rgba, width: bg.w, height: bg.h } : null;
    try { this.gl?.setBackground(this.background); } catch { /* re-sent with the next frame */ }
  }

  startTrial(now = performance.now()) {
    if (this.wanted !== 'auto' || this._ensureGL()) { if (this.wanted === 'auto') this.current = 'cpu'; return; }
    this.trial = { order: [...Array(TRIAL_FRAMES).fill('cpu'), ...Array(TRIAL_FRAMES).fill('webgl')], i: 0,
      times: { cpu: [], webgl: [] } };
    this.lastTrial = now;
  }

  /** The back end for the next frame. */
  next() {
    if (this.trial) return this.trial.order[this.trial.i];
    return this.current === 'webgl' && this.gl ? 'webgl' : 'cpu';
  }

  /** How long the frame's compositing took on `which` (ms, inference excluded). */
  measured(which, ms) {
    const t = this.trial;
    if (!t || t.order[t.i] !== which) return;
    t.times[which].push(ms);
    t.i++;
    if (t.i < t.order.length) return;
    const best = (xs) => Math.min(...xs.slice(1));
    this.current = best(t.times.webgl) < best(t.times.cpu) ? 'webgl' : 'cpu';
    this.result = { cpuMs: best(t.times.cpu), webglMs: best(t.times.webgl), chosen: this.current };
    this.trial = null;
  }

  /** The policy found the device slow: measure again, if it has been a while. */
  recheck(now = performance.now()) {
    if (this.wanted === 'auto' && !this.trial && now - this.lastTrial > RECHECK_MS) this.startTrial(now);
  }

  /** A WebGL failure mid-call (context lost): fall back to the CPU for good. */
  failed(err) {
    this.glError = err;
    this.gl = null;
    this.trial = null;
    this.current = 'cpu';
  }
}
