// JavaScript wrapper of nn.wasm, the C inference engine built for WebAssembly.
// Works in browsers and in node (pass the wasm bytes there; browsers may pass a URL).
//
//   const rt = await NN.create(wasmBytesOrUrl);
//   const model = rt.load(tfliteBytes);           // throws Error(loader message) if bad
//   model.inputs[0].shape                         // e.g. [1, 144, 256, 3]
//   const [mask] = model.runRGBA(rgba, 256, 144, { range: [0, 1] });
//   model.dispose();
//
// Outputs are copies unless { copy: false } is passed: then they are views into wasm
// memory, valid until the next call into this runtime (memory growth detaches them); the
// same array of views comes back from every such run while the memory is unchanged.
//
// Threads (docs/nn.md, "Threads"): with the threaded build nn-mt.wasm,
//   const rt = await NN.create('/assets/nn-mt.wasm', { threads: 2 }); // needs
//   NN.threadsAvailable() (cross-origin isolation in browsers); rt.setThreads(1..rt.maxThreads)
//   between runs; outputs are bit-identical for every thread count; await rt.close() at the end.

const WASI = 'wasi_snapshot_preview1';
const ENOSYS = 52;
// nn-mt.wasm imports its memory: this many 64 KiB pages to start with (NNW_MT_PAGES in
// nn/wasm.mk), growing to at most 2 GiB.
const MT_PAGES = 128;
const MT_MAX_PAGES = 32768;
const HELPER_STACK = 256 * 1024;

// nn.wasm is a WASI reactor but needs almost nothing from WASI: stdout/stderr go to the
// console, the clock and random numbers come from the platform, everything else fails
// cleanly with ENOSYS instead of being a missing import.
export function wasiImports(module, getMemory) {
  const decoder = new TextDecoder();
  const lines = { 1: '', 2: '' };
  const impl = {
    fd_write(fd, iovs, iovsLen, nwritten) {
      const view = new DataView(getMemory().buffer);
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        if (fd === 1 || fd === 2) {
          lines[fd] += decoder.decode(new Uint8Array(getMemory().buffer).slice(ptr, ptr + len));
          const parts = lines[fd].split('\n');
          lines[fd] = parts.pop();
          for (const line of parts) (fd === 2 ? console.warn : console.log)(`nn.wasm: ${line}`);
        }
        total += len;
      }
      view.setUint32(nwritten, total, true);
      return 0;
    },
    clock_time_get(_id, _precision, out) {
      const ns = BigInt(Math.round(performance.now() * 1e6));
      new DataView(getMemory().buffer).setBigUint64(out, ns, true);
      return 0;
    },
    random_get(ptr, len) {
      const bytes = new Uint8Array(len); // getRandomValues refuses shared memory
      crypto.getRandomValues(bytes);
      new Uint8Array(getMemory().buffer).set(bytes, ptr);
      return 0;
    },
    proc_exit(code) {
      throw new Error(`nn.wasm exited with status ${code}`);
    },
  };
  const ns = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== WASI || imp.kind !== 'function') continue;
    ns[imp.name] = impl[imp.name] || (() => ENOSYS);
  }
  return { [WASI]: ns };
}

async function compileModule(src) {
  if (src instanceof WebAssembly.Module) return src;
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return WebAssembly.compile(src);
  const response = await fetch(src);
  if (!response.ok) throw new Error(`nn.wasm: fetch ${src} failed: HTTP ${response.status}`);
  if (WebAssembly.compileStreaming && response.headers.get('content-type') === 'application/wasm')
    return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}

// True where the threaded build can run: shared memory exists (browsers: cross-origin
// isolated pages and their Workers only).
function threadsAvailable() {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (typeof crossOriginIsolated !== 'undefined' && !crossOriginIsolated) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

// A module whose one function uses f32x4.relaxed_madd: valid only where the engine has
// relaxed SIMD (Chromium 114+; node 20 behind --experimental-wasm-relaxed-simd).
function relaxedSimdAvailable() {
  const c = [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const 0
  const body = [0x00, ...c, ...c, ...c, 0xfd, 0x85, 0x02, 0x0b]; // f32x4.relaxed_madd, end
  return WebAssembly.validate(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b,
    3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body]));
}

const importsMemory = (module) =>
  WebAssembly.Module.imports(module).some((i) => i.kind === 'memory' && i.module === 'env' && i.name === 'memory');

// A helper thread: a Worker running nn-thread.js (a browser Worker, or a node worker_threads
// Worker under node). Resolves once it has instantiated the module on the shared memory.
async function startHelper(module, memory, pool, index, stackTop) {
  const url = new URL('./nn-thread.js', import.meta.url);
  let w;
  if (typeof Worker !== 'undefined') {
    w = new Worker(url, { type: 'module', name: `nn-thread-${index}` });
  } else {
    const { Worker: NodeWorker } = await import('node:worker_threads');
    w = new NodeWorker(url);
    w.unref();
  }
  const on = (fn) => (w.on ? w.on('message', fn) : w.addEventListener('message', (e) => fn(e.data)));
  const done = new Promise((resolve) => on((d) => { if (d && d.done) resolve(); }));
  await new Promise((resolve, reject) => {
    on((d) => { if (d && d.ready) resolve(); else if (d && d.error) reject(new Error(`nn: helper thread: ${d.error}`)); });
    if (w.on) w.on('error', reject); else w.addEventListener('error', (e) => reject(new Error(`nn: helper thread: ${e.message}`)));
    w.postMessage({ module, memory, pool, index, stackTop });
  });
  return { worker: w, done };
}

export class NN {
  // src: wasm bytes (ArrayBuffer / typed array), a compiled WebAssembly.Module, or a URL.
  // options.threads: threads per run (default 1); more than 1 needs the threaded build
  // (nn-mt.wasm) and NN.threadsAvailable(). The helpers start here, before it resolves.
  static async create(src, options = {}) {
    const module = await compileModule(src);
    const threads = options.threads ?? 1;
    const shared = importsMemory(module);
    if (threads > 1 && !shared) throw new Error('nn: threads need the threaded build (nn-mt.wasm)');
    if (shared && !threadsAvailable()) throw new Error('nn: nn-mt.wasm needs shared memory (cross-origin isolation)');
    let memory = shared ? new WebAssembly.Memory({ initial: MT_PAGES, maximum: MT_MAX_PAGES, shared: true }) : null;
    const imports = wasiImports(module, () => memory);
    if (shared) imports.env = { memory };
    const instance = await WebAssembly.instantiate(module, imports);
    if (!shared) memory = instance.exports.memory;
    if (instance.exports._initialize) instance.exports._initialize();
    // Callers that read rt.exports.memory (the effects engine) find it in both builds.
    const exports = shared ? Object.freeze({ ...instance.exports, memory }) : instance.exports;
    const rt = new NN(exports, memory);
    if (threads > 1) await rt.startThreads(module, threads);
    return rt;
  }

  static threadsAvailable() {
    return threadsAvailable();
  }

  static relaxedSimdAvailable() {
    return relaxedSimdAvailable();
  }

  // Which build to load, by feature detection: builds = { simd, relaxed, threads } (URLs or
  // bytes; relaxed and threads optional). threads > 1 picks the threaded build where shared
  // memory is available, else relaxed where the engine has relaxed SIMD, else simd.
  // Returns { src, threads } to pass on: NN.create(c.src, { threads: c.threads }).
  static chooseBuild(builds, { threads = 1 } = {}) {
    if (threads > 1 && builds.threads && threadsAvailable()) return { src: builds.threads, threads };
    if (builds.relaxed && relaxedSimdAvailable()) return { src: builds.relaxed, threads: 1 };
    return { src: builds.simd, threads: 1 };
  }

  constructor(exports, memory = exports.memory) {
    this.exports = exports;
    this.memory = memory;
    this.pool = 0;
    this.helpers = [];
    this.maxThreads = 1;
    this.threads = 1;
  }

  async startThreads(module, threads) {
    const e = this.exports;
    this.pool = e.nn_wasm_pool_create(threads);
    if (!this.pool) throw new Error(`nn: cannot create a pool of ${threads} threads`);
    this.maxThreads = this.threads = threads;
    for (let i = 1; i < threads; i++) {
      const stack = this.alloc(HELPER_STACK);
      const h = await startHelper(module, this.memory, this.pool, i, (stack + HELPER_STACK) & ~15);
      this.helpers.push({ ...h, stack });
    }
  }

  // Threads used by the next runs of every model of this runtime: 1..maxThreads.
  setThreads(n) {
    if (!Number.isInteger(n) || n < 1 || n > this.maxThreads) throw new Error(`nn: threads must be 1..${this.maxThreads}`);
    if (this.pool) this.exports.nn_wasm_pool_set_threads(this.pool, n);
    this.threads = n;
  }

  // Stops the helper threads (models of this runtime keep running on one thread).
  async close() {
    if (!this.pool) return;
    const e = this.exports;
    this.setThreads(1);
    e.nn_wasm_pool_destroy(this.pool);
    await Promise.all(this.helpers.map((h) => h.done));
    for (const h of this.helpers) {
      h.worker.terminate();
      e.nn_wasm_free(h.stack);
    }
    for (const m of this.models ?? []) if (m.handle) e.nn_wasm_set_pool(m.handle, 0);
    e.nn_wasm_pool_free(this.pool);
    this.pool = 0;
    this.helpers = [];
    this.maxThreads = 1;
  }

  // Copies a NUL-terminated C string out of wasm memory.
  cstring(ptr) {
    if (!ptr) return '';
    const bytes = new Uint8Array(this.memory.buffer);
    let end = ptr;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.slice(ptr, end)); // a copy: shared memory too
  }

  // Allocates n bytes in wasm memory, or throws.
  alloc(n) {
    const ptr = this.exports.nn_wasm_malloc(n);
    if (!ptr) throw new Error(`nn.wasm: out of memory allocating ${n} bytes`);
    return ptr;
  }

  // Loads a .tflite model. options.kernels: 'scalar' or another set name (default: best).
  load(tfliteBytes, options = {}) {
    const bytes = tfliteBytes instanceof Uint8Array ? tfliteBytes : new Uint8Array(tfliteBytes);
    const e = this.exports;
    const data = this.alloc(bytes.length);
    let name = 0;
    try {
      new Uint8Array(this.memory.buffer).set(bytes, data);
      if (options.kernels) {
        const enc = new TextEncoder().encode(`${options.kernels}\0`);
        name = this.alloc(enc.length);
        new Uint8Array(this.memory.buffer).set(enc, name);
      }
      const handle = e.nn_wasm_load(data, bytes.length, name);
      if (!handle) throw new Error(`nn: ${this.cstring(e.nn_wasm_last_error())}`);
      if (this.pool && e.nn_wasm_set_pool(handle, this.pool) !== 0) {
        e.nn_wasm_destroy(handle);
        throw new Error('nn: out of memory for thread scratch');
      }
      const model = new NNModel(this, handle);
      (this.models ??= new Set()).add(model);
      return model;
    } finally {
      e.nn_wasm_free(data);
      if (name) e.nn_wasm_free(name);
    }
  }
}

function tensorList(e, handle, isOutput) {
  const n = isOutput ? e.nn_wasm_num_outputs(handle) : e.nn_wasm_num_inputs(handle);
  const list = [];
  for (let i = 0; i < n; i++) {
    const ndim = e.nn_wasm_tensor_dim(handle, isOutput ? 1 : 0, i, -1);
    const shape = [];
    for (let j = 0; j < ndim; j++) shape.push(e.nn_wasm_tensor_dim(handle, isOutput ? 1 : 0, i, j));
    list.push({ shape, count: shape.reduce((a, b) => a * b, 1) });
  }
  return list;
}

export class NNModel {
  constructor(rt, handle) {
    this.rt = rt;
    this.handle = handle;
    const e = rt.exports;
    this.inputs = tensorList(e, handle, false); // [{ shape: [1, h, w, c], count }]
    this.outputs = tensorList(e, handle, true);
    this.kernels = rt.cstring(e.nn_wasm_kernels(handle)); // e.g. 'wasm-simd128'
  }

  checkAlive() {
    if (!this.handle) throw new Error('nn: model used after dispose()');
  }

  // A Float32Array view of input i in wasm memory (valid until the next call).
  inputView(i = 0) {
    this.checkAlive();
    const ptr = this.rt.exports.nn_wasm_input(this.handle, i);
    return new Float32Array(this.rt.memory.buffer, ptr, this.inputs[i].count);
  }

  outputView(i = 0) {
    this.checkAlive();
    const ptr = this.rt.exports.nn_wasm_output(this.handle, i);
    return new Float32Array(this.rt.memory.buffer, ptr, this.outputs[i].count);
  }

  // Runs the model. inputs (optional): Float32Arrays copied into the model's inputs first.
  run(inputs = [], { copy = true } = {}) {
    this.checkAlive();
    inputs.forEach((data, i) => {
      if (!data) return;
      if (data.length !== this.inputs[i].count)
        throw new Error(`nn: input ${i} has ${data.length} values, model wants ${this.inputs[i].count}`);
      this.inputView(i).set(data);
    });
    const rc = this.rt.exports.nn_wasm_run(this.handle);
    if (rc !== 0) throw new Error(`nn: run failed: ${this.rt.cstring(this.rt.exports.nn_wasm_strerror(rc))}`);
    if (copy) return this.outputs.map((_, i) => this.outputView(i).slice());
    // Views are made once per wasm memory buffer (growth replaces it), so a per-frame loop
    // with { copy: false } allocates nothing and gives the garbage collector no work.
    const buffer = this.rt.memory.buffer;
    if (this.viewBuffer !== buffer || (this.viewBytes ?? buffer.byteLength) !== buffer.byteLength) {
      this.views = this.outputs.map((_, i) => this.outputView(i));
      this.viewBuffer = buffer;
      this.viewBytes = buffer.byteLength;
    }
    return this.views;
  }

  // Per-operator profile of `runs` runs (developer tool; the bench page prints it): time of
  // each step summed over the runs, then per operator kind. Returns
  // { runs, total_ms, steps: [{ op, ms }], ops: { OP: ms } } (ms per run). Timing uses
  // performance.now() through the WASI clock, 5 µs granularity in isolated pages.
  profile(runs = 20) {
    this.checkAlive();
    const e = this.rt.exports;
    const steps = e.nn_wasm_profile_steps(this.handle);
    const ms = this.rt.alloc(8 * steps);
    try {
      if (e.nn_wasm_profile(this.handle, runs, ms) !== 0) throw new Error('nn: profile failed');
      const t = new Float64Array(this.rt.memory.buffer).slice(ms / 8, ms / 8 + steps);
      const out = { runs, total_ms: 0, steps: [], ops: {} };
      for (let s = 0; s < steps; s++) {
        const op = this.rt.cstring(e.nn_wasm_profile_op(this.handle, s));
        const v = t[s] / runs;
        out.steps.push({ op, ms: v });
        out.ops[op] = (out.ops[op] ?? 0) + v;
        out.total_ms += v;
      }
      return out;
    } finally {
      e.nn_wasm_free(ms);
    }
  }

  // Feeds an RGBA8 image whose size matches input 0 ([1][height][width][3]), mapping
  // 0..255 onto options.range (default [0, 1]), then runs. Resizing is the caller's job.
  runRGBA(rgba, width, height, { range = [0, 1], copy = true } = {}) {
    this.checkAlive();
    if (rgba.length < width * height * 4) throw new Error('nn: RGBA buffer smaller than width*height*4');
    const e = this.rt.exports;
    const n = width * height * 4;
    if (!this.rgbaPtr || this.rgbaBytes < n) {
      if (this.rgbaPtr) e.nn_wasm_free(this.rgbaPtr);
      this.rgbaPtr = this.rt.alloc(n);
      this.rgbaBytes = n;
    }
    const src = rgba instanceof Uint8Array || rgba instanceof Uint8ClampedArray
      ? rgba.subarray(0, n) : new Uint8Array(rgba.buffer, rgba.byteOffset, n);
    new Uint8Array(this.rt.memory.buffer).set(src, this.rgbaPtr);
    const rc = e.nn_wasm_rgba_to_input(this.handle, 0, this.rgbaPtr, width, height, range[0], range[1]);
    if (rc !== 0) {
      const shape = this.inputs[0] ? this.inputs[0].shape.join('x') : 'none';
      throw new Error(`nn: a ${width}x${height} RGBA image does not fit input 0 (${shape})`);
    }
    return this.run([], { copy });
  }

  dispose() {
    if (!this.handle) return;
    const e = this.rt.exports;
    if (this.rgbaPtr) e.nn_wasm_free(this.rgbaPtr);
    e.nn_wasm_destroy(this.handle);
    this.rt.models?.delete(this);
    this.handle = 0;
    this.rgbaPtr = 0;
    this.views = null;
    this.viewBuffer = null;
  }
}

export default NN;
