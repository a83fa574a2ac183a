// The per-frame core of the background effects, shared by the Worker pipeline and the
// main-thread fallback: nn.wasm (the C engine, with fx/ linked in) holds the frame, the model
// input, the mask and the output in one wasm memory. The adaptive policy (fx_policy, C) picks
// the tier and how often inference runs; this file only moves bytes and measures time.

import { NN } from '../nn/nn.js';
import { fetchAsset } from './assets.js';
import { SecondLooks } from './looks.js';
import { effectError } from './settings.js';
import { FaceEngine, FACE_MODELS } from './face-engine.js';
import { renderFilter } from './face-filters.js';

export const TIERS = ['small', 'medium', 'large'];
// Per tier: the full-frame model, the second looks (looks.js) and the mask refinement
// (FX_REFINE_GUIDED). docs/effects.md has the quality table behind this: quality rises with
// the number of looks, and the full-resolution refinement only added flicker.
const FULL_MODEL = 'selfie_landscape';
const TIER_SPEC = {
  small: { looks: [], refine: 1 },
  medium: { looks: [{ model: 'selfie_general', head: 0, blend: 'replace' }], refine: 1 },
  large: { looks: [{ model: 'selfie_general', head: 0, blend: 'replace' },
    { model: 'selfie_general', head: 0.45, blend: 'mean' }], refine: 1 },
};
const tierModels = (tier) => [FULL_MODEL, ...new Set(TIER_SPEC[tier].looks.map((l) => l.model))];
const PIN = { auto: -2, small: 0, medium: 1, large: 2 };
// FX_REASON_CONFIG (7, the largest tier shrank) never happens here: maxTier only grows.
const REASONS = ['none', 'start', 'slow', 'headroom', 'encoder', 'pinned', 'paused', 'slow'];
export const QL = { none: 0, cpu: 1, bandwidth: 2, other: 3 };
const MODE = { none: 0, blur: 1, image: 2 };

export function tierName(t) { return t < 0 ? 'paused' : TIERS[t]; }


export class EffectEngine {
  /** Loads nn.wasm (verified against the manifest) and the small tier's model. */
  static async create({ base, manifest, targetFps = 30, tier = 'auto' }) {
    // The relaxed-SIMD build (f32x4.relaxed_madd) runs the models 3-13 % faster where the
    // browser validates it (docs/nn.md, "Relaxed SIMD"); nn.wasm everywhere else.
    const relaxed = Boolean(manifest.wasm_relaxed) && NN.relaxedSimdAvailable();
    const wasm = await fetchAsset(base, relaxed ? manifest.wasm_relaxed : manifest.wasm,
      { what: relaxed ? 'nn-relaxed.wasm' : 'nn.wasm' });
    let rt;
    try {
      rt = await NN.create(wasm);
    } catch (err) {
      throw effectError('model_load_failed', `nn.wasm could not be started: ${err.message}`);
    }
    for (const name of ['fx_wasm_create', 'fxp_wasm_create', 'fx_wasm_rgba_to_i420']) {
      if (!rt.exports[name]) throw effectError('model_load_failed', `nn.wasm lacks ${name}`);
    }
    const engine = new EffectEngine(rt, base, manifest, targetFps, tier);
    await engine.ensureModel('small');
    if (tier !== 'auto') await engine.ensureModel(tier);
    return engine;
  }

  constructor(rt, base, manifest, targetFps, tier) {
    this.rt = rt;
    this.e = rt.exports;
    this.base = base;
    this.manifest = manifest;
    this.models = new Map();         // model id → Promise<NNModel>
    this.ready = new Map();          // model id → NNModel once loaded
    this.ctx = 0;
    this.w = 0;
    this.h = 0;
    this.mode = MODE.blur;
    this.strength = 35;
    this.targetFps = targetFps;
    this.pinned = tier;
    this.policy = this.e.fxp_wasm_create(targetFps, 0, PIN[tier] ?? -2);
    if (!this.policy) throw effectError('model_load_failed', 'fx policy could not be created');
    this.frameNo = 0;
    this.hasMask = false;
    this.maskFrame = 0;            // frameNo of the frame the current mask was made from
    this.pendingInfer = null;      // {spec, model}: process() left the inference to inferDeferred()
    this.lastTier = null;          // tier whose model made the current mask
    this.looks = new SecondLooks(this);
    this.segment = true;           // the background effect is on (else frames are copied through)
    this.face = null;              // FaceEngine once its models have loaded
    this.faceSetting = { touchUp: 0, lowLight: false, filter: null };
    this.faceLoading = null;
    this.faceMs = { detectMs: 0, landmarkMs: 0, faces: 0, renderMs: 0 };
    this.busy = false;             // a frame is being copied in or processed
    this.idleWaiters = [];
    this.onTier = () => {};        // ({from, to, reason}) on every switch
    this.onError = () => {};
  }

  /** Brackets the processing of one frame (see _whenIdle). */
  enter() { this.busy = true; }
  leave() {
    this.busy = false;
    for (const f of this.idleWaiters.splice(0)) f();
  }

  _whenIdle() { return this.busy ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve(); }

  /** Loads (once) the models behind a tier; resolves when it can run. */
  ensureModel(tier) {
    return Promise.all(tierModels(tier).map((id) => this._loadModel(id)));
  }

  _loadModel(id) {
    if (!this.models.has(id)) {
      const entry = this.manifest.models[id];
      const p = (async () => {
        const bytes = await fetchAsset(this.base, entry, { what: `model ${id}` });
        // Loading allocates wasm memory, which may grow it and detach the views a frame in
        // flight is being copied into: wait for the frame boundary.
        await this._whenIdle();
        let m;
        try { m = this.rt.load(bytes); } catch (err) { throw effectError('model_load_failed', `model ${id}: ${err.message}`); }
        this.ready.set(id, m);
        this._updateMaxTier();
        return m;
      })();
      p.catch(() => this.models.delete(id));
      this.models.set(id, p);
    }
    return this.models.get(id);
  }

  /** Every tier the policy may pick is one whose model is loaded. */
  _updateMaxTier() {
    let max = -1;
    for (let t = 0; t < TIERS.length; t++) {
      if (tierModels(TIERS[t]).every((id) => this.ready.has(id))) max = t; else break;
    }
    this.maxTier = Math.max(0, max);
    this.e.fxp_wasm_configure(this.policy, this.targetFps, this.maxTier, PIN[this.pinned] ?? -2);
  }

  /** Loads the larger tiers' models in the background (small first, then the rest). */
  preloadAll() {
    for (const t of TIERS) this.ensureModel(t).catch((err) => this.onError(err));
  }

  configure({ mode, strength, tier, targetFps }) {
    if (mode !== undefined) {
      this.segment = mode !== 'none';
      this.mode = MODE[mode] ?? MODE.blur;
    }
    if (strength !== undefined) this.strength = strength;
    if (targetFps !== undefined && targetFps > 0) this.targetFps = targetFps;
    if (tier !== undefined && tier !== this.pinned) {
      this.pinned = tier;
      if (tier !== 'auto') this.ensureModel(tier).catch((err) => this.onError(err));
    }
    this.e.fxp_wasm_configure(this.policy, this.targetFps, this.maxTier ?? 0, PIN[this.pinned] ?? -2);
  }

  /** The face setting {touchUp, lowLight, filter}; loads the face models on first use. */
  configureFace(setting) {
    const prevFilter = this.faceSetting.filter;
    this.faceSetting = { ...setting };
    if (this.faceOn && !this.faceLoading) {
      this.faceLoading = Promise.all(FACE_MODELS.map((id) => this._loadModel(id))).then(([det, lm]) => {
        this.face = new FaceEngine(this.rt, { face_detection_short: det, face_landmark: lm });
        this._faceApply(true);
      });
      this.faceLoading.catch((err) => { this.faceLoading = null; this.onError(err); });
    }
    this._faceApply(prevFilter !== setting.filter);
    return this.faceLoading ?? Promise.resolve();
  }

  get faceOn() { const f = this.faceSetting; return f.touchUp > 0 || f.lowLight || f.filter !== null; }

  _faceApply(filterChanged) {
    if (!this.face) return;
    this.face.configure(this.faceSetting);
    if (filterChanged) {
      const id = this.faceSetting.filter;
      this.face.setSprite(id ? renderFilter(id, this.face.detail.filterPx) : null);
    }
  }

  /** Face statistics for localStats().effects (detail: the running tier's face knobs). */
  faceStats() {
    const s = this.face?.stats() ?? { faces: 0, trackedFrames: 0, detections: 0, redetections: 0, refinements: 0 };
    return { ...s, faces: this.face ? this.faceMs.faces : 0, detail: this.face ? { ...this.face.detail } : null };
  }

  _ensureCtx(w, h) {
    if (this.ctx && this.w === w && this.h === h) return;
    if (!this.ctx) {
      this.ctx = this.e.fx_wasm_create(w, h);
      if (!this.ctx) throw effectError('effects_unsupported', `fx: cannot process ${w}x${h} frames`);
    } else {
      const rc = this.e.fx_wasm_resize(this.ctx, w, h);
      if (rc !== 0) throw effectError('effects_unsupported', `fx: cannot process ${w}x${h} frames`);
    }
    this.w = w;
    this.h = h;
    this.hasMask = false;
    this.looks.reset();
    this.face?.reset();
    this.faceTracked = false;
    if (this.bg) this._applyBackground();
  }

  /** The wasm view where the next I420 frame (w×h, packed) goes. */
  frameView(w, h) {
    this._ensureCtx(w, h);
    return new Uint8Array(this.e.memory.buffer, this.e.fx_wasm_frame(this.ctx), (w * h * 3) >> 1);
  }

  outView() {
    return new Uint8Array(this.e.memory.buffer, this.e.fx_wasm_out(this.ctx), (this.w * this.h * 3) >> 1);
  }

  /** A scratch buffer in wasm memory of n bytes (kept and grown). */
  scratch(n) {
    if (!this.scratchPtr || this.scratchBytes < n) {
      if (this.scratchPtr) this.e.nn_wasm_free(this.scratchPtr);
      this.scratchPtr = this.rt.alloc(n);
      this.scratchBytes = n;
    }
    return { ptr: this.scratchPtr, view: new Uint8Array(this.e.memory.buffer, this.scratchPtr, n) };
  }

  /** NV12 in the scratch buffer → the frame buffer. */
  nv12ToFrame(w, h) {
    this._ensureCtx(w, h);
    this.e.fx_wasm_nv12_to_i420(this.scratchPtr, w, h, this.e.fx_wasm_frame(this.ctx));
  }

  /** RGBA in the scratch buffer → the frame buffer. */
  rgbaToFrame(w, h, matrix = 0) {
    this._ensureCtx(w, h);
    this.e.fx_wasm_rgba_to_i420(this.scratchPtr, w, h, matrix, this.e.fx_wasm_frame(this.ctx));
  }

  /** The output frame as RGBA in the scratch buffer (after the frame's bytes there are used). */
  outToRgba(matrix = 0) {
    const n = this.w * this.h * 4;
    const s = this.scratch(n);
    this.e.fx_wasm_i420_to_rgba(this.e.fx_wasm_out(this.ctx), this.w, this.h, matrix, s.ptr);
    return new Uint8ClampedArray(this.e.memory.buffer, s.ptr, n);
  }

  setColor(matrix, fullRange) {
    if (this.ctx) this.e.fx_wasm_set_color(this.ctx, matrix, fullRange ? 1 : 0);
    this.color = [matrix, fullRange ? 1 : 0];
  }

  /** Background picture for mode "image": RGBA bytes (bw×bh). */
  setBackground(rgba, bw, bh) {
    this.bg = { rgba: new Uint8Array(rgba), bw, bh };
    if (this.ctx) this._applyBackground();
  }

  _applyBackground() {
    const { rgba, bw, bh } = this.bg;
    const s = this.scratch(rgba.length);
    s.view.set(rgba);
    const rc = this.e.fx_wasm_set_background(this.ctx, s.ptr, bw, bh);
    if (rc !== 0) throw effectError('image_invalid', `the image (${bw}x${bh}) cannot be used`);
  }

  /** The refined mask (0 background … 255 person) as a view into wasm memory: {data, w, h}. */
  maskView() {
    const e = this.e;
    const w = e.fx_wasm_mask_width(this.ctx), h = e.fx_wasm_mask_height(this.ctx);
    return { data: new Uint8Array(e.memory.buffer, e.fx_wasm_mask(this.ctx), w * h), w, h };
  }

  get modeName() { return ['none', 'blur', 'image'][this.mode] ?? 'blur'; }

  /** The policy's current decision: {tier, inferEvery}. */
  decision() {
    const p = this.e.fxp_wasm_current(this.policy);
    return this._readDecision(p);
  }

  _readDecision(ptr) {
    const d = new Int32Array(this.e.memory.buffer, ptr, 5);
    return { tier: d[0], inferEvery: d[1], changed: d[2], from: d[3], reason: d[4] };
  }

  /**
   * Processes the frame in the frame buffer (copied there by the caller).
   * t: {dropped, composite}: composite false leaves the compositing to another back end (the
   * mask is ready in maskView(), the face effects' data in the result's `face`). Returns
   * {passThrough, inferred, inferMs, compositeMs, tier, faceComposited, face}
   * — passThrough when the policy paused the effect (the caller sends the camera frame as
   * it is).
   */
  process(t = {}) {
    const e = this.e;
    const d = this.decision();
    let inferMs = 0, compositeMs = 0, inferred = false;
    const out = { passThrough: d.tier < 0, inferred: false, inferMs: 0, compositeMs: 0, tier: d.tier };
    if (d.tier >= 0) {
      let spec = TIER_SPEC[TIERS[d.tier]];
      if (!tierModels(TIERS[d.tier]).every((id) => this.ready.has(id))) spec = TIER_SPEC.small;
      const model = this.ready.get(FULL_MODEL);
      const due = (this.segment && !this.hasMask) || this.frameNo % Math.max(1, d.inferEvery) === 0;
      if (model && due && this.segment) {
        // Deferred: this frame is composited with the newest mask and the model runs on it
        // once it has been handed out (inferDeferred), so inference is off the added latency.
        // A missing or stale mask (effect just on, resumed, new source) is made first.
        const fresh = this.hasMask && this.frameNo - this.maskFrame <= Math.max(1, d.inferEvery);
        if (t.deferInfer && fresh) {
          this.pendingInfer = { spec, model };
        } else {
          const r = this._segment(spec, model);
          inferMs = r.inferMs;
          compositeMs += r.otherMs;
          inferred = true;
        }
      }
      const t3 = performance.now();
      const faceOn = this.faceOn && this.face;
      const cpu = t.composite !== false;
      if (cpu) this._check(e.fx_wasm_composite(this.ctx, this.segment ? this.mode : MODE.none, this.strength));
      compositeMs += performance.now() - t3;
      if (faceOn) {
        // The face models run on the policy's inference frames and count as inference (one
        // frame budget for both effects); the drawing runs on every frame.
        this.face.setTier(TIERS[d.tier]);
        // The tier's filter detail: the picture is drawn again at its resolution (once per switch).
        if (this.faceSetting.filter && this.face.sprite?.px !== this.face.detail.filterPx) this._faceApply(true);
        let tr = { detectMs: 0, landmarkMs: 0, faces: this.faceMs.faces, detected: false };
        const tMs = t.captureMs ?? performance.now();
        if (due || !this.faceTracked) {
          tr = this.face.track(this.ctx, this.w, this.h, tMs);
          this.faceTracked = true;
          inferMs += tr.detectMs + tr.landmarkMs;
          inferred = true;
        } else {
          this.face.predict(tMs);
        }
        const t4 = performance.now();
        // On the CPU the effects are drawn into fx_out here; for the WebGL2 back end only what
        // it draws them with is prepared (out.face, for GLCompositor.composite).
        if (cpu) this.face.render(this.ctx);
        else out.face = this.face.glData(this.ctx);
        const renderMs = performance.now() - t4;
        this.faceMs = { detectMs: tr.detectMs, landmarkMs: tr.landmarkMs, faces: tr.faces, renderMs, detected: tr.detected };
        compositeMs += renderMs;
        out.faceComposited = true;
      }
      Object.assign(out, { inferred, inferMs, compositeMs });
    }
    this.frameNo++;
    return out;
  }

  /** Runs the segmentation (and the tier's second looks) on the frame in the frame buffer. */
  _segment(spec, model) {
    const e = this.e;
    const t0 = performance.now();
    const [, mh, mw] = model.inputs[0].shape;
    const inPtr = e.nn_wasm_input(model.handle, 0);
    let rc = e.fx_wasm_make_input(this.ctx, inPtr, mw, mh, 0, 1);
    const t1 = performance.now();
    if (rc === 0) rc = e.nn_wasm_run(model.handle);
    let inferMs = performance.now() - t1;
    if (rc === 0) {
      const [, oh, ow] = model.outputs[0].shape;
      const outPtr = e.nn_wasm_output(model.handle, 0);
      if (spec.looks.length) {
        const g = this.looks.run(spec.looks, new Float32Array(e.memory.buffer, outPtr, ow * oh), ow, oh);
        inferMs += g.inferMs;
        rc = e.fx_wasm_update_mask(this.ctx, g.ptr, g.w, g.h, 0, spec.refine);
      } else {
        rc = e.fx_wasm_update_mask(this.ctx, outPtr, ow, oh, 0, spec.refine);
      }
    }
    this._check(rc);
    this.hasMask = true;
    this.maskFrame = this.frameNo;
    return { inferMs, otherMs: performance.now() - t0 - inferMs };
  }

  /** A new camera: its first frame is segmented before it is composited. */
  forgetMask() {
    this.hasMask = false;
    this.pendingInfer = null;
  }

  /**
   * The inference process({deferInfer: true}) left for after the frame was handed out, on
   * the same frame (still in the frame buffer): its mask serves the next frames. Returns
   * {inferMs, otherMs} (zeros when nothing was pending).
   */
  inferDeferred() {
    const p = this.pendingInfer;
    this.pendingInfer = null;
    if (!p || !this.ctx) return { inferMs: 0, otherMs: 0 };
    // The frame counter already moved on: the mask belongs to the frame before.
    const r = this._segment(p.spec, p.model);
    this.maskFrame = this.frameNo - 1;
    return r;
  }

  /** Throws for a failed fx call (rc < 0), naming the fx error. */
  _check(rc) {
    if (rc !== 0) throw effectError('effects_unsupported', `fx: ${this.rt.cstring(this.e.fx_wasm_strerror(rc))}`);
  }

  /** Tells the policy how the frame went (after it was handed to the track). */
  feed({ captureMs, totalMs, inferMs, compositeMs, dropped }) {
    const p = this.e.fxp_wasm_frame(this.policy, captureMs, totalMs, inferMs, compositeMs, dropped);
    const d = this._readDecision(p);
    if (d.changed) {
      this.onTier({ from: d.from === -2 ? null : tierName(d.from), to: tierName(d.tier),
        reason: REASONS[d.reason] ?? 'slow' });
    }
    return d;
  }

  /** The first decision (reason "start" or "pinned"), reported once. */
  announceStart() {
    const d = this.decision();
    this.onTier({ from: null, to: tierName(d.tier), reason: this.pinned === 'auto' ? 'start' : 'pinned' });
  }

  encoder(ql, encodeMs) { this.e.fxp_wasm_encoder(this.policy, QL[ql] ?? QL.other, encodeMs || 0); }
  switches() { return this.e.fxp_wasm_switches(this.policy); }
  /** The kernel set the models run on (nn's: "wasm-relaxed-simd128" in the relaxed build). */
  kernels() { return this.ready.get(FULL_MODEL)?.kernels ?? this.rt.cstring(this.e.fx_wasm_kernels()); }

  destroy() {
    this.looks.destroy();
    this.face?.destroy();
    if (this.ctx) this.e.fx_wasm_destroy(this.ctx);
    if (this.policy) this.e.fxp_wasm_destroy(this.policy);
    for (const m of this.ready.values()) m.dispose();
    this.ctx = 0;
    this.policy = 0;
  }
}
