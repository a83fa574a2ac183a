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

const WASI = 'wasi_snapshot_preview1';
const ENOSYS = 52;

// nn.wasm is a WASI reactor but needs almost nothing from WASI: stdout/stderr go to the
// console, the clock and random numbers come from the platform, everything else fails
// cleanly with ENOSYS instead of being a missing import.
function wasiImports(module, getMemory) {
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
          lines[fd] += decoder.decode(new Uint8Array(getMemory().buffer, ptr, len));
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
      crypto.getRandomValues(new Uint8Array(getMemory().buffer, ptr, len));
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

export class NN {
  // src: wasm bytes (ArrayBuffer / typed array), a compiled WebAssembly.Module, or a URL.
  static async create(src) {
    const module = await compileModule(src);
    let memory = null;
    const instance = await WebAssembly.instantiate(module, wasiImports(module, () => memory));
    memory = instance.exports.memory;
    if (instance.exports._initialize) instance.exports._initialize();
    return new NN(instance.exports);
  }

  constructor(exports) {
    this.exports = exports;
  }

  // Copies a NUL-terminated C string out of wasm memory.
  cstring(ptr) {
    if (!ptr) return '';
    const bytes = new Uint8Array(this.exports.memory.buffer);
    let end = ptr;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(ptr, end));
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
      new Uint8Array(e.memory.buffer).set(bytes, data);
      if (options.kernels) {
        const enc = new TextEncoder().encode(`${options.kernels}\0`);
        name = this.alloc(enc.length);
        new Uint8Array(e.memory.buffer).set(enc, name);
      }
      const handle = e.nn_wasm_load(data, bytes.length, name);
      if (!handle) throw new Error(`nn: ${this.cstring(e.nn_wasm_last_error())}`);
      return new NNModel(this, handle);
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
    return new Float32Array(this.rt.exports.memory.buffer, ptr, this.inputs[i].count);
  }

  outputView(i = 0) {
    this.checkAlive();
    const ptr = this.rt.exports.nn_wasm_output(this.handle, i);
    return new Float32Array(this.rt.exports.memory.buffer, ptr, this.outputs[i].count);
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
    if (this.viewBuffer !== this.rt.exports.memory.buffer) {
      this.views = this.outputs.map((_, i) => this.outputView(i));
      this.viewBuffer = this.rt.exports.memory.buffer;
    }
    return this.views;
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
    new Uint8Array(e.memory.buffer).set(src, this.rgbaPtr);
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
    this.handle = 0;
    this.rgbaPtr = 0;
    this.views = null;
    this.viewBuffer = null;
  }
}

export default NN;
