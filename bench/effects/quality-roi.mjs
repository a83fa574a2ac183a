// Candidate tier definitions built from several model runs per frame (quality.mjs
// --candidates2), with only what the browser engine has: fx_wasm_create/resize/frame/
// make_input/update_mask/mask and nn model runs; every other step is plain JavaScript meant to
// be reused by web/js/effects/engine.js as it is (the pure functions now live in
// web/js/effects/roi.js, shared with the engine, and are re-exported here):
//
//   personBox    bounding box of p ≥ 0.5 on a model's full-frame output, in frame pixels
//   roiRect      that box expanded, fitted to an aspect, clamped to the frame, even-aligned
//   stableRect   hysteresis: keep last frame's rectangle while every edge is within tol
//   cropI420     the rectangle's I420 planes (packed) into a second fx ctx's frame buffer
//   pasteRoi     full-frame probabilities + the crop's probabilities → one GW×GH grid over
//                the frame (crop inside its rectangle, feathered blend at its inner border)
//   resampleGrid bilinear resample of a full-frame probability map to another grid
//   combine      per-pixel ensemble of two full-frame maps (mean, geo, min, gated)
//
// Pipelines (same interface as quality-engine.mjs's: reset, step, mask, destroy):
//   { kind: 'roi', first, second, expand, aspect, fit, head, grid, feather, tol, blend, refine,
//     more: [{ second, head, expand, fit, blend }] }   (further looks pasted in turn)
//   { kind: 'ensemble', models: [a, b], op, grid, refine }
//   { kind: 'grid', model, grid, refine }   one model, its output resampled to grid (control)

import { sample, resampleGrid, personBox, headBox, roiRect, stableRect, cropI420, pasteRoi, combine }
  from '../../web/js/effects/roi.js';

export { sample, resampleGrid, personBox, headBox, roiRect, stableRect, cropI420, pasteRoi, combine };

export class MultiPipeline {
  constructor(engine, spec, W, H) {
    this.engine = engine;
    this.e = engine.e;
    this.spec = { grid: [512, 288], feather: 32, tol: 24, blend: 'replace', expand: 0.15, aspect: 'model', ...spec };
    this.W = W;
    this.H = H;
    this.ctx = this.e.fx_wasm_create(W, H);
    if (!this.ctx) throw new Error('fx: cannot create context');
    const [gw, gh] = this.spec.grid;
    this.gridPtr = engine.rt.alloc(gw * gh * 4);
    this.grid = new Float32Array(gw * gh);
    this.cropCtx = 0;
    this.cropSize = null;
    this.prevRect = null;
    this.rects = [];
  }

  check(rc, what) {
    if (rc !== 0) throw new Error(`fx: ${what}: ${this.engine.rt.cstring(this.e.fx_wasm_strerror(rc))}`);
  }

  reset() {
    this.e.fx_wasm_reset_mask(this.ctx);
    this.prevRect = null;
  }

  /** Runs model id on ctx's frame; returns {p (copy of output 0), ow, oh}. */
  run(id, ctx) {
    const e = this.e, m = this.engine.model(id);
    const [, mh, mw] = m.inputs[0].shape;
    const [, oh, ow] = m.outputs[0].shape;
    this.check(e.fx_wasm_make_input(ctx, e.nn_wasm_input(m.handle, 0), mw, mh, 0, 1), 'make_input');
    const rc = e.nn_wasm_run(m.handle);
    if (rc !== 0) throw new Error(`nn: run failed: ${this.engine.rt.cstring(e.nn_wasm_strerror(rc))}`);
    return { p: new Float32Array(e.memory.buffer, e.nn_wasm_output(m.handle, 0), ow * oh).slice(), ow, oh, mw, mh };
  }

  step() {
    const e = this.e, s = this.spec, { W, H } = this;
    const [GW, GH] = s.grid;
    this.check(e.fx_wasm_rgba_to_i420(this.engine.rgbaPtr, W, H, 0, e.fx_wasm_frame(this.ctx)), 'rgba_to_i420');
    if (s.kind === 'grid') {
      const a = this.run(s.model, this.ctx);
      resampleGrid(a.p, a.ow, a.oh, GW, GH, this.grid);
    } else if (s.kind === 'ensemble') {
      const a = this.run(s.models[0], this.ctx), b = this.run(s.models[1], this.ctx);
      const ga = resampleGrid(a.p, a.ow, a.oh, GW, GH), gb = resampleGrid(b.p, b.ow, b.oh, GW, GH);
      combine(ga, gb, s.op, this.grid);
    } else {
      const a = this.run(s.first, this.ctx);
      let box = personBox(a.p, a.ow, a.oh, W, H);
      if (box && s.head) box = headBox(a.p, a.ow, a.oh, W, H, box, s.head);
      if (!box) {
        resampleGrid(a.p, a.ow, a.oh, GW, GH, this.grid);
      } else {
        const second = this.engine.model(s.second);
        const [, mh2, mw2] = second.inputs[0].shape;
        const aspect = s.aspect === 'model' ? mw2 / mh2 : s.aspect === 'free' ? 0 : s.aspect;
        const rect = stableRect(this.prevRect, roiRect(box, W, H, s.expand, aspect, s.fit), s.tol);
        this.prevRect = rect;
        this.rects.push(rect);
        if (!this.cropCtx) {
          this.cropCtx = e.fx_wasm_create(rect.w, rect.h);
          if (!this.cropCtx) throw new Error('fx: cannot create crop context');
        } else if (this.cropSize[0] !== rect.w || this.cropSize[1] !== rect.h) {
          this.check(e.fx_wasm_resize(this.cropCtx, rect.w, rect.h), 'resize');
        }
        this.cropSize = [rect.w, rect.h];
        const buf = e.memory.buffer;
        const src = new Uint8Array(buf, e.fx_wasm_frame(this.ctx), (W * H * 3) >> 1);
        const dst = new Uint8Array(buf, e.fx_wasm_frame(this.cropCtx), (rect.w * rect.h * 3) >> 1);
        cropI420(src, W, H, rect, dst);
        const c = this.run(s.second, this.cropCtx);
        pasteRoi(a.p, a.ow, a.oh, c.p, c.ow, c.oh, rect, W, H, GW, GH, s.feather, s.blend, this.grid);
        // Further looks (s.more: [{second, head, expand, fit}]), each pasted over the grid so far.
        (s.more ?? []).forEach((look, k) => {
          let b2 = personBox(a.p, a.ow, a.oh, W, H);
          if (look.head) b2 = headBox(a.p, a.ow, a.oh, W, H, b2, look.head);
          const m2 = this.engine.model(look.second);
          const [, h2, w2] = m2.inputs[0].shape;
          this.prevMore ??= [];
          const r2 = stableRect(this.prevMore[k], roiRect(b2, W, H, look.expand ?? s.expand, w2 / h2, look.fit ?? 'aspect'), s.tol);
          this.prevMore[k] = r2;
          this.moreCtx ??= [];
          if (!this.moreCtx[k]) this.moreCtx[k] = { ctx: e.fx_wasm_create(r2.w, r2.h), w: r2.w, h: r2.h };
          const mc = this.moreCtx[k];
          if (mc.w !== r2.w || mc.h !== r2.h) { this.check(e.fx_wasm_resize(mc.ctx, r2.w, r2.h), 'resize'); mc.w = r2.w; mc.h = r2.h; }
          const b = e.memory.buffer;
          cropI420(new Uint8Array(b, e.fx_wasm_frame(this.ctx), (W * H * 3) >> 1), W, H, r2,
            new Uint8Array(b, e.fx_wasm_frame(mc.ctx), (r2.w * r2.h * 3) >> 1));
          const c2 = this.run(look.second, mc.ctx);
          const base = this.grid.slice();
          pasteRoi(base, GW, GH, c2.p, c2.ow, c2.oh, r2, W, H, GW, GH, s.feather, look.blend ?? 'replace', this.grid);
        });
      }
    }
    new Float32Array(e.memory.buffer, this.gridPtr, GW * GH).set(this.grid);
    this.check(e.fx_wasm_update_mask(this.ctx, this.gridPtr, GW, GH, 0, s.refine), 'update_mask');
  }

  mask() {
    const e = this.e;
    const width = e.fx_wasm_mask_width(this.ctx), height = e.fx_wasm_mask_height(this.ctx);
    return { width, height, data: new Uint8Array(e.memory.buffer, e.fx_wasm_mask(this.ctx), width * height).slice() };
  }

  destroy() {
    this.e.fx_wasm_destroy(this.ctx);
    if (this.cropCtx) this.e.fx_wasm_destroy(this.cropCtx);
    for (const m of this.moreCtx ?? []) this.e.fx_wasm_destroy(m.ctx);
    this.e.nn_wasm_free(this.gridPtr);
  }
}
