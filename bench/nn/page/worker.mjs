// The Chromium side of bench-nn: a dedicated Worker (where the effects pipeline runs the
// engine) that loads both engines into this one cross-origin-isolated page and times them in
// interleaved rounds (bench/nn/rounds.mjs), as the node bench does. Driven by index.html,
// which forwards one job per model from bench/nn/chromium.mjs and posts back the results.
//
// job: { id, model: URL, input: URL (raw float32), ref: { glue, wasm, meta } URLs/meta,
//        contenders: [{ name, wasm: URL, threads, kernels }], opt: timeRounds options,
//        profile: bool }
import { NN } from '/web/js/nn/nn.js';
import { timeRounds } from '/bench/nn/rounds.mjs';

const bytes = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetch ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};

const factories = new Map();
async function refFactory(url) {
  if (!factories.has(url)) {
    const text = await (await fetch(url)).text();
    // An emscripten MODULARIZE script: evaluate it and keep its factory.
    factories.set(url, new Function(`${text}\nreturn createTFLiteSIMDModule;`)());
  }
  return factories.get(url);
}

// The relocated reference build needs memory grown and sbrk moved before any code runs
// (tests/nn-ref/ref-runtime.mjs, bigModelHook); same steps here.
function relocHook(wasm, meta, fail) {
  return (imports, receive) => {
    WebAssembly.instantiate(wasm, imports).then(({ instance, module }) => {
      const mem = instance.exports[meta.memExport];
      const want = Math.ceil(meta.heapStart / meta.page) * meta.page + meta.headroom;
      if (mem.buffer.byteLength < want) mem.grow((want - mem.buffer.byteLength) / meta.page);
      const dv = new DataView(mem.buffer);
      if (dv.getUint32(meta.sbrkValAddr, true) !== meta.heapBase) throw new Error('reference: sbrk_val not where expected');
      dv.setUint32(meta.sbrkValAddr, meta.heapStart, true);
      receive(instance, module);
    }).catch(fail);
    return {};
  };
}

async function loadReference(job, model, input) {
  const factory = await refFactory(job.ref.glue);
  const wasm = await bytes(job.ref.wasm);
  const { meta } = job.ref;
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  const opts = { wasmBinary: wasm, print: () => {}, printErr: () => {} };
  if (meta.relocated) opts.instantiateWasm = relocHook(wasm, meta, fail);
  const mod = await Promise.race([factory(opts), failed]);
  if (mod._getModelBufferMemoryOffset() !== meta.modelAt) throw new Error('reference: model buffer address mismatch');
  mod.HEAPU8.set(model, meta.modelAt);
  const rc = mod._loadModel(model.length);
  if (rc !== 0) throw new Error(`reference: _loadModel failed (${rc})`);
  new Float32Array(mod.HEAPU8.buffer, mod._getInputMemoryOffset(), input.length).set(input);
  const intact = () => {
    const h = mod.HEAPU8;
    for (let i = 0; i < model.length; i += 61) if (h[meta.modelAt + i] !== model[i]) return false;
    return true;
  };
  return {
    kernels: meta.relocated ? 'tflite-xnnpack-wasm-simd(relocated)' : 'tflite-xnnpack-wasm-simd',
    run: () => { if (mod._runInference() !== 0) throw new Error('reference: _runInference failed'); },
    check: intact,
  };
}

const runtimes = new Map();
async function runtime(c) {
  const key = `${c.wasm}|${c.threads || 1}`;
  if (!runtimes.has(key)) {
    const opts = c.threads > 1 ? { threads: c.threads } : {};
    runtimes.set(key, await NN.create(c.wasm, opts));
  }
  return runtimes.get(key);
}

async function loadOurs(c, model, input) {
  const rt = await runtime(c);
  const m = rt.load(model, c.kernels ? { kernels: c.kernels } : {});
  m.inputView(0).set(input);
  return { kernels: m.kernels, run: () => m.run([], { copy: false }), model: m, rt };
}

async function runJob(job) {
  const model = await bytes(job.model);
  const input = new Float32Array((await bytes(job.input)).buffer);
  const out = {};
  const live = [];
  try {
    live.push(['reference', await loadReference(job, model, input)]);
  } catch (e) {
    out.reference = { error: String(e.message ?? e) };
  }
  for (const c of job.contenders) {
    try {
      live.push([c.name, await loadOurs(c, model, input)]);
    } catch (e) {
      out[c.name] = { error: String(e.message ?? e) };
    }
  }
  const res = timeRounds(live.map(([, x]) => x.run), job.opt);
  live.forEach(([name, x], i) => { out[name] = { ...res[i], kernels: x.kernels }; });
  const ref = live.find(([n]) => n === 'reference');
  if (ref && !ref[1].check()) out.reference = { error: 'reference model bytes overwritten' };
  if (job.profile) {
    for (const [name, x] of live) if (x.model?.profile) out[name].profile = x.model.profile(job.profile);
  }
  for (const [, x] of live) x.model?.dispose();
  return out;
}

// The SIMD128 ceiling of this core under V8 (bench/nn/peak.c): GFLOP/s of the fastest of
// several calls, for mul+add and, where the browser has relaxed SIMD, relaxed_madd.
async function peak(job) {
  const out = {};
  for (const [key, url, name] of [['simd128', job.peak.simd, 'peak_simd'], ['relaxed', job.peak.relaxed, 'peak_relaxed']]) {
    try {
      const { instance } = await WebAssembly.instantiate(await bytes(url));
      const fn = instance.exports[name];
      const iters = 1 << 20;
      fn(iters, 0.5);
      let best = 0;
      for (let r = 0; r < 15; r++) {
        const t = performance.now();
        fn(iters, 0.5);
        best = Math.max(best, (iters * 64) / ((performance.now() - t) * 1e6));
      }
      out[key] = best;
    } catch (e) {
      out[key] = null;
    }
  }
  return out;
}

self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ ok: true, result: data.peak ? await peak(data) : await runJob(data) });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e.stack ?? e) });
  }
};
self.postMessage({ ready: true, isolated: self.crossOriginIsolated, hc: navigator.hardwareConcurrency });
