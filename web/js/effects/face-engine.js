// The per-frame core of the face effects, beside the background's EffectEngine and on the same
// nn.wasm runtime and fx context (one wasm memory: the frame, the model inputs, the meshes and
// the output). Tracking, smoothing and every pixel operation are C (fx/include/fx_face.h,
// exports fxf_wasm_*); this file runs the two models when the tracker asks and measures time.
// It works in the Worker, on the main-thread fallback and in node (the face tests drive it).
//
// Per frame (after the background composite has written fx_out): begin → [detect] → landmarks
// per face → end → low light → touch-up → filter, all in place on fx_out.

export const FACE_MODELS = ['face_detection_short', 'face_landmark'];
// The landmark model runs on the frames the shared policy runs inference on (its infer_every:
// 1, 2 or 3; the mesh is reused between), so the policy's frame skipping relieves both
// effects. What a tier means for the face comes from the same C policy
// (fx_policy_face_detail, fx/include/fx_policy.h): the tracking interval (frames between
// detections while faces are tracked), the landmark refinement (a second landmark pass when
// the fresh mesh moves its crop) and the filter's detail (its picture's resolution).
// docs/effects.md ("Face effects") has the costs.
export const FACE_TIERS = ['small', 'medium', 'large'];
const DETECT_MIN_SCORE = 0.5;
const DETECT_IOU = 0.3;

export class FaceEngine {
  /** rt: the NN runtime of nn.wasm; models: {face_detection_short, face_landmark} (NNModel). */
  constructor(rt, models) {
    this.rt = rt;
    this.e = rt.exports;
    for (const name of ['fxf_wasm_create', 'fxf_wasm_detect', 'fxf_wasm_touchup', 'fxf_wasm_refine_roi', 'fxp_wasm_face_detail']) {
      if (!this.e[name]) throw new Error(`nn.wasm lacks ${name}`);
    }
    this.det = models.face_detection_short;
    this.lm = models.face_landmark;
    this.f = 0;
    this.w = 0;
    this.h = 0;
    this.frameNo = 0;
    this.tier = 'medium';
    this.detail = this._detail(1);
    this.setting = { touchUp: 0, lowLight: false };
    this.sprite = null;           // {rgba, w, h, box: [u0, v0, u1, v1]} or null
    this.spriteDirty = false;
  }

  get active() { return this.setting.touchUp > 0 || this.setting.lowLight || !!this.sprite; }

  configure({ touchUp, lowLight }) {
    if (touchUp !== undefined) this.setting.touchUp = touchUp;
    if (lowLight !== undefined) this.setting.lowLight = lowLight;
  }

  /** The filter picture (RGBA w×h over texture box [u0, v0, u1, v1]), or null for none. */
  setSprite(s) {
    this.sprite = s;
    this.spriteDirty = true;
  }

  setTier(name) {
    const t = FACE_TIERS.indexOf(name);
    if (t < 0 || name === this.tier) return;
    this.tier = name;
    this.detail = this._detail(t);
    this._params();
  }

  /** The shared policy's face detail of tier t: {redetectEvery, refineShift, filterPx}. */
  _detail(t) {
    const p = this.e.fxp_wasm_face_detail(t);
    if (!p) throw new Error(`fx policy: no face detail for tier ${t}`);
    const d = new Int32Array(this.e.memory.buffer, p, 3);
    return { redetectEvery: d[0], refineShift: d[1] / 1000, filterPx: d[2] };
  }

  _params() {
    if (!this.f) return;
    const rc = this.e.fxf_wasm_set_params(this.f, this.detail.redetectEvery, 3, 0.5, 0.6, 15, 1.5);
    if (rc !== 0) throw new Error('fx face: bad parameters');
  }

  _ensure(w, h) {
    if (this.f && this.w === w && this.h === h) return;
    if (!this.f) {
      this.f = this.e.fxf_wasm_create(w, h);
      if (!this.f) throw new Error(`fx face: cannot process ${w}x${h} frames`);
    } else if (this.e.fxf_wasm_resize(this.f, w, h) !== 0) {
      throw new Error(`fx face: cannot process ${w}x${h} frames`);
    }
    this.w = w;
    this.h = h;
    this.spriteDirty = true;
    this._params();
  }

  reset() { if (this.f) this.e.fxf_wasm_reset(this.f); this.frameNo = 0; }

  _run(model) {
    const rc = this.e.nn_wasm_run(model.handle);
    if (rc !== 0) throw new Error(`nn: ${this.rt.cstring(this.e.nn_wasm_strerror(rc))}`);
  }

  /**
   * Tracks the faces of the frame in fx_frame(ctx) (w×h) captured at tMs. Returns
   * {faces, detected, detectMs, landmarkMs, ran} (ran: the landmark model ran this frame).
   */
  track(ctx, w, h, tMs) {
    const e = this.e;
    this._ensure(w, h);
    const out = { faces: 0, detected: false, detectMs: 0, landmarkMs: 0, ran: false };
    this.frameNo++;
    const t0 = performance.now();
    if (e.fxf_wasm_begin(this.f)) {
      const [, mh, mw] = this.det.inputs[0].shape;
      let rc = e.fxf_wasm_detect_input(ctx, e.nn_wasm_input(this.det.handle, 0), mw, mh, -1, 1);
      if (rc !== 0) throw new Error('fx face: detection input failed');
      this._run(this.det);
      rc = e.fxf_wasm_detect(this.f, e.nn_wasm_output(this.det.handle, 0), e.nn_wasm_output(this.det.handle, 1),
        DETECT_MIN_SCORE, DETECT_IOU);
      if (rc < 0) throw new Error('fx face: detection decoding failed');
      out.detected = true;
    }
    const t1 = performance.now();
    const [, lh, lw] = this.lm.inputs[0].shape;
    const n = e.fxf_wasm_roi_count(this.f);
    const shift = this.detail.refineShift;
    for (let i = 0; i < n; i++) {
      // Refinement (larger tiers): a second pass on the crop of this frame's own mesh when it
      // moved (after a detection, whose crop is rough, or a quick move).
      for (let pass = 0; pass < 2; pass++) {
        let rc = e.fxf_wasm_roi_input(ctx, this.f, i, e.nn_wasm_input(this.lm.handle, 0), lw, lh, 0, 1);
        if (rc !== 0) throw new Error('fx face: landmark input failed');
        this._run(this.lm);
        const presence = new Float32Array(e.memory.buffer, e.nn_wasm_output(this.lm.handle, 1), 1)[0];
        rc = e.fxf_wasm_landmarks(this.f, i, e.nn_wasm_output(this.lm.handle, 0), lw, lh, presence);
        if (rc !== 0) throw new Error('fx face: landmark output rejected');
        if (pass === 0 && !(shift > 0 && e.fxf_wasm_refine_roi(this.f, i, shift) === 1)) break;
      }
    }
    out.faces = e.fxf_wasm_end(this.f, tMs);
    out.ran = n > 0;
    out.detectMs = t1 - t0;
    out.landmarkMs = performance.now() - t1;
    return out;
  }

  /** A frame without the landmark model: the meshes moved on to tMs by their speed. */
  predict(tMs) { if (this.f) this.e.fxf_wasm_predict(this.f, tMs); }

  /** Applies the face effects to fx_out(ctx) in place (after the background composite). */
  render(ctx) {
    const e = this.e;
    if (!this.f) return;
    if (this.spriteDirty) {
      this.spriteDirty = false;
      const s = this.sprite;
      if (!s) {
        e.fxf_wasm_set_sprite(ctx, this.f, 0, 0, 0, 0, 0, 0, 0);
      } else {
        const ptr = this.rt.alloc(s.rgba.length);
        new Uint8Array(e.memory.buffer, ptr, s.rgba.length).set(s.rgba);
        const rc = e.fxf_wasm_set_sprite(ctx, this.f, ptr, s.w, s.h, ...s.box);
        e.nn_wasm_free(ptr);
        if (rc !== 0) throw new Error('fx face: the filter picture was refused');
      }
    }
    if (this.setting.lowLight) e.fxf_wasm_lowlight(ctx, this.f, 100);
    if (this.setting.touchUp > 0) e.fxf_wasm_touchup(ctx, this.f, this.setting.touchUp);
    if (this.sprite) e.fxf_wasm_overlay(ctx, this.f);
  }

  /**
   * What the WebGL2 back end draws the effects with, from the camera frame fx_frame(ctx) (the
   * CPU composite is skipped there): {touch, skin: {data, w, h} | null, radius (frame pixels,
   * the guided filter's window), light: {data, gw, gh} | null, lattices: [Float32Array(98)],
   * sprite}. The views point into wasm memory: use them before the next wasm call that may
   * allocate.
   */
  glData(ctx) {
    const e = this.e;
    const out = { touch: 0, skin: null, radius: 0, light: null, lattices: [], sprite: this.sprite };
    if (!this.f) return out;
    const w = this.w, h = this.h, gw = Math.ceil(w / 16), gh = Math.ceil(h / 16);
    if (this.setting.lowLight && (!this.lightPtr || this.lightBytes !== 2 * gw * gh)) {
      if (this.lightPtr) e.nn_wasm_free(this.lightPtr);
      this.lightBytes = 2 * gw * gh;
      this.lightPtr = this.rt.alloc(this.lightBytes);
    }
    const n = e.fxf_wasm_count(this.f);
    if (this.setting.touchUp > 0 && n > 0) {
      const width = e.fxf_wasm_skin_frame(ctx, this.f);
      if (width < 0) throw new Error('fx face: the skin mask failed');
      if (width > 0) {
        out.touch = this.setting.touchUp;
        out.radius = 2 * Math.min(24, Math.max(2, Math.floor(width / 30)));   // as fx_face_touchup
        out.skin = { data: new Uint8Array(e.memory.buffer, e.fxf_wasm_skin_mask(this.f), w * h), w, h };
      }
    }
    if (this.setting.lowLight) {
      if (e.fxf_wasm_lowlight_grid(ctx, this.f, 100, this.lightPtr) !== 0) throw new Error('fx face: the low-light grid failed');
      out.light = { data: new Uint8Array(e.memory.buffer, this.lightPtr, this.lightBytes), gw, gh };
    }
    if (this.sprite) {
      for (let i = 0; i < n; i++) {
        const p = e.fxf_wasm_lattice(this.f, i);
        if (p) out.lattices.push(new Float32Array(e.memory.buffer, p, 98).slice());
      }
    }
    return out;
  }

  /** The smoothed meshes now: [Float32Array(468 × 3)] in frame pixels (copies). */
  meshes() {
    const e = this.e;
    const out = [];
    if (!this.f) return out;
    for (let i = 0; i < e.fxf_wasm_count(this.f); i++) {
      const p = e.fxf_wasm_mesh(this.f, i);
      if (p) out.push(new Float32Array(e.memory.buffer, p, 468 * 3).slice());
    }
    return out;
  }

  /** {faces, trackedFrames, detections, redetections, refinements} since the effect started. */
  stats() {
    if (!this.f) return { faces: 0, trackedFrames: 0, detections: 0, redetections: 0, refinements: 0 };
    const s = new Int32Array(this.e.memory.buffer, this.e.fxf_wasm_stats(this.f), 5);
    return { faces: s[0], trackedFrames: s[1], detections: s[2], redetections: s[3], refinements: s[4] };
  }

  destroy() {
    if (this.f) this.e.fxf_wasm_destroy(this.f);
    if (this.lightPtr) this.e.nn_wasm_free(this.lightPtr);
    this.f = 0;
    this.lightPtr = 0;
  }
}
