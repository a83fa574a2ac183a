// Our engine, driven per tier exactly as the browser's effect engine drives it
// (web/js/effects/engine.js, EffectEngine.process): build/nn.wasm through web/js/nn/nn.js,
// one fx context per pipeline, the frame as I420 made by the fx_wasm_rgba_to_i420 export,
// fx_wasm_make_input into the model's input tensor (range 0..1), nn_wasm_run, then
// fx_wasm_update_mask(output, ow, oh, probabilities, refine) and fx_wasm_mask for the mask at
// working resolution. Nothing here re-implements a step of the pipeline.
//
// Besides the tiers, two kinds of pipeline for comparison:
// - raw: the model's own output (probabilities at the model's resolution), no temporal
//   smoothing and no refinement; the caller upsamples it bilinearly.
// - letterbox: a 256×256 pose model fed the frame with its aspect kept (black rows above and
//   below: fx_wasm_make_input writes the frame's 256×144 into the middle rows of the input),
//   its output's middle rows given to fx_wasm_update_mask (is_logit 1 for the pose models'
//   logits, 0 for a selfie model's probabilities). fx has no letterboxed make_input of its
//   own; this builds one from the existing exports.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NN } from '../../web/js/nn/nn.js';

export const REFINE = { fast: 0, guided: 1, full: 2 };

// The tiers of web/js/effects/engine.js (TIER_SPEC), kept in step by hand: this bench
// measures them, it does not define them.
export const TIERS = {
  small: { model: 'selfie_landscape', refine: REFINE.guided },
  medium: { model: 'selfie_general', refine: REFINE.guided },
  large: { model: 'selfie_general', refine: REFINE.full },
};

export class Engine {
  static async create(buildDir) {
    const rt = await NN.create(readFileSync(join(buildDir, 'nn.wasm')));
    for (const name of ['fx_wasm_create', 'fx_wasm_rgba_to_i420', 'fx_wasm_update_mask', 'fx_wasm_mask']) {
      if (!rt.exports[name]) throw new Error(`nn.wasm lacks ${name}`);
    }
    return new Engine(rt, buildDir);
  }

  constructor(rt, buildDir) {
    this.rt = rt;
    this.e = rt.exports;
    this.buildDir = buildDir;
    this.models = new Map();
    this.rgbaPtr = 0;
    this.rgbaBytes = 0;
  }

  model(id) {
    if (!this.models.has(id)) this.models.set(id, this.rt.load(readFileSync(join(this.buildDir, 'models', `${id}.tflite`))));
    return this.models.get(id);
  }

  /** A pipeline for w×h frames: { model, refine } for a tier, plus raw / letterbox / output
   * (index of the mask output) / isLogit for the comparison pipelines. */
  pipeline(spec, w, h) {
    return new Pipeline(this, { output: 0, raw: false, letterbox: false, isLogit: 0, ...spec }, w, h);
  }

  /** Copies an RGBA picture into wasm memory once; pipelines convert it from there. */
  setPicture(rgba) {
    if (this.rgbaBytes < rgba.length) {
      if (this.rgbaPtr) this.e.nn_wasm_free(this.rgbaPtr);
      this.rgbaPtr = this.rt.alloc(rgba.length);
      this.rgbaBytes = rgba.length;
    }
    new Uint8Array(this.e.memory.buffer, this.rgbaPtr, rgba.length).set(rgba);
  }

  destroy() {
    for (const m of this.models.values()) m.dispose();
    if (this.rgbaPtr) this.e.nn_wasm_free(this.rgbaPtr);
  }
}

class Pipeline {
  constructor(engine, spec, w, h) {
    const e = engine.e;
    this.engine = engine;
    this.e = e;
    this.spec = spec;
    this.w = w;
    this.h = h;
    this.model = engine.model(spec.model);
    this.ctx = e.fx_wasm_create(w, h);
    if (!this.ctx) throw new Error(`fx: cannot create a ${w}x${h} context`);
    const [, mh, mw] = this.model.inputs[0].shape;
    const [, oh, ow] = this.model.outputs[spec.output].shape;
    Object.assign(this, { mw, mh, ow, oh });
    if (spec.letterbox) {
      // The frame's rows in the square input and output: 256·h/w of them, centred.
      this.rows = Math.round((mw * h) / w);
      this.top = (mh - this.rows) >> 1;
      this.rowsOut = engine.rt.alloc(ow * this.rows * 4);
    }
  }

  check(rc, what) {
    if (rc !== 0) throw new Error(`fx: ${what}: ${this.engine.rt.cstring(this.e.fx_wasm_strerror(rc))}`);
  }

  /** Forgets the mask history (a new scene). */
  reset() { this.e.fx_wasm_reset_mask(this.ctx); }

  /** One inference frame on the picture last given to Engine.setPicture. */
  step() {
    const e = this.e;
    const frame = e.fx_wasm_frame(this.ctx);
    this.check(e.fx_wasm_rgba_to_i420(this.engine.rgbaPtr, this.w, this.h, 0, frame), 'rgba_to_i420');
    const input = e.nn_wasm_input(this.model.handle, 0);
    if (this.spec.letterbox) {
      new Float32Array(e.memory.buffer, input, this.mw * this.mh * 3).fill(0);
      this.check(e.fx_wasm_make_input(this.ctx, input + this.top * this.mw * 12, this.mw, this.rows, 0, 1), 'make_input');
    } else {
      this.check(e.fx_wasm_make_input(this.ctx, input, this.mw, this.mh, 0, 1), 'make_input');
    }
    const rc = e.nn_wasm_run(this.model.handle);
    if (rc !== 0) throw new Error(`nn: run failed: ${this.engine.rt.cstring(e.nn_wasm_strerror(rc))}`);
    const out = e.nn_wasm_output(this.model.handle, this.spec.output);
    if (this.spec.raw) {
      this.rawOut = new Float32Array(e.memory.buffer, out, this.ow * this.oh).slice();
      return;
    }
    if (this.spec.letterbox) {
      const src = out + this.top * this.ow * 4;
      new Uint8Array(e.memory.buffer).copyWithin(this.rowsOut, src, src + this.ow * this.rows * 4);
      this.check(e.fx_wasm_update_mask(this.ctx, this.rowsOut, this.ow, this.rows, this.spec.isLogit, this.spec.refine), 'update_mask');
    } else {
      this.check(e.fx_wasm_update_mask(this.ctx, out, this.ow, this.oh, 0, this.spec.refine), 'update_mask');
    }
  }

  /** The current mask: { width, height, data } on the 0..255 scale (a copy). For a tier the
   * working-resolution mask of fx_wasm_mask; for raw, the model's probabilities × 255. */
  mask() {
    const e = this.e;
    if (this.spec.raw) return { width: this.ow, height: this.oh, data: this.rawOut.map((p) => p * 255) };
    const width = e.fx_wasm_mask_width(this.ctx), height = e.fx_wasm_mask_height(this.ctx);
    const data = new Uint8Array(e.memory.buffer, e.fx_wasm_mask(this.ctx), width * height).slice();
    return { width, height, data };
  }

  destroy() {
    this.e.fx_wasm_destroy(this.ctx);
    if (this.rowsOut) this.e.nn_wasm_free(this.rowsOut);
  }
}
