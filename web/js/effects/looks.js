// The medium and large tiers' "second looks": after selfie_landscape has found the person on
// the whole frame, selfie_general runs again on a square crop around them (medium), and
// large adds a third look at the head, averaged in. The probabilities are pasted into one
// 512×288 grid over the frame that fx_update_mask refines like a single model's output.
// Measured in bench/effects/quality.mjs (docs/effects.md, "Quality per tier"): IoU 0.949 →
// 0.973 → 0.976 against a known matte; the whole frame squashed into selfie_general was 0.855.

import { effectError } from './settings.js';
import { personBox, headBox, roiRect, stableRect, cropI420, pasteRoi, resampleGrid } from './roi.js';

const GW = 512, GH = 288;   // the pasted grid (fx_update_mask takes up to 512×512 values)
const EXPAND = 0.15;        // each side of the person's box moved out by this × its size
const TOL = 24;             // frame pixels the crop may jitter before it is moved
const FEATHER = 32;         // frame pixels of blend at a crop edge inside the frame

export class SecondLooks {
  constructor(engine) {
    this.engine = engine;
    this.ctxs = [];           // per look: {ctx, w, h}
    this.prev = [];           // per look: last crop rectangle
    this.gridPtr = 0;
    this.grid = new Float32Array(GW * GH);
    this.base = new Float32Array(GW * GH);
    this.pf = new Float32Array(0);
  }

  /** A fx context for look k at w×h (made or resized; may grow wasm memory). */
  _ctx(k, w, h) {
    const e = this.engine.e;
    let c = this.ctxs[k];
    if (!c) {
      const ctx = e.fx_wasm_create(w, h);
      if (!ctx) throw effectError('effects_unsupported', `fx: cannot make a ${w}x${h} crop`);
      c = this.ctxs[k] = { ctx, w, h };
    } else if (c.w !== w || c.h !== h) {
      if (e.fx_wasm_resize(c.ctx, w, h) !== 0) throw effectError('effects_unsupported', `fx: cannot resize a crop to ${w}x${h}`);
      c.w = w;
      c.h = h;
    }
    return c.ctx;
  }

  /**
   * Runs `looks` ([{model, head, blend}]) on the engine's current frame, given the full-frame
   * output `out` (a view, ow×oh probabilities). Returns {ptr, w, h, inferMs}: the grid in wasm
   * memory for fx_update_mask.
   */
  run(looks, out, ow, oh) {
    const eng = this.engine, e = eng.e, W = eng.w, H = eng.h;
    if (this.pf.length !== ow * oh) this.pf = new Float32Array(ow * oh);
    this.pf.set(out);                                  // before anything can grow memory
    if (!this.gridPtr) this.gridPtr = eng.rt.alloc(GW * GH * 4);
    const pf = this.pf;
    let inferMs = 0;
    const box = personBox(pf, ow, oh, W, H);
    if (!box) {
      resampleGrid(pf, ow, oh, GW, GH, this.grid);
    } else {
      looks.forEach((look, k) => {
        const m = eng.ready.get(look.model);
        const [, mh, mw] = m.inputs[0].shape;
        const [, moh, mow] = m.outputs[0].shape;
        const b = look.head ? headBox(pf, ow, oh, W, H, box, look.head) : box;
        const rect = stableRect(this.prev[k], roiRect(b, W, H, EXPAND, mw / mh, 'aspect'), TOL);
        this.prev[k] = rect;
        const ctx = this._ctx(k, rect.w, rect.h);
        const buf = e.memory.buffer;
        cropI420(new Uint8Array(buf, e.fx_wasm_frame(eng.ctx), (W * H * 3) >> 1), W, H, rect,
          new Uint8Array(buf, e.fx_wasm_frame(ctx), (rect.w * rect.h * 3) >> 1));
        const [matrix, full] = eng.color ?? [0, 0];
        e.fx_wasm_set_color(ctx, matrix, full);
        let rc = e.fx_wasm_make_input(ctx, e.nn_wasm_input(m.handle, 0), mw, mh, 0, 1);
        const t0 = performance.now();
        if (rc === 0) rc = e.nn_wasm_run(m.handle);
        inferMs += performance.now() - t0;
        if (rc !== 0) throw effectError('effects_unsupported', `nn: second look failed (${rc})`);
        const pc = new Float32Array(e.memory.buffer, e.nn_wasm_output(m.handle, 0), mow * moh);
        if (k === 0) {
          pasteRoi(pf, ow, oh, pc, mow, moh, rect, W, H, GW, GH, FEATHER, look.blend, this.grid);
        } else {
          this.base.set(this.grid);
          pasteRoi(this.base, GW, GH, pc, mow, moh, rect, W, H, GW, GH, FEATHER, look.blend, this.grid);
        }
      });
    }
    new Float32Array(e.memory.buffer, this.gridPtr, GW * GH).set(this.grid);
    return { ptr: this.gridPtr, w: GW, h: GH, inferMs };
  }

  /** The person may be elsewhere now (new camera, effect restarted). */
  reset() { this.prev = []; }

  destroy() {
    const e = this.engine.e;
    for (const c of this.ctxs) if (c) e.fx_wasm_destroy(c.ctx);
    if (this.gridPtr) e.nn_wasm_free(this.gridPtr);
    this.ctxs = [];
    this.gridPtr = 0;
  }
}
