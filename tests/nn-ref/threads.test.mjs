// Threads change no bit: on every model of the manifest, a run split among threads gives
// exactly the bytes of the single-threaded run — natively (nn-run --threads, best kernels and
// the scalar ones) and in WebAssembly (build/nn-mt.wasm through web/js/nn/nn.js with helper
// Workers, against itself on one thread and against the single-threaded build nn.wasm).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { BUILD, NN_JS, NN_WASM, fixturesFor, inputTensor, manifest, modelBytes, runNative } from './harness.mjs';

const NN_MT_WASM = join(BUILD, 'nn-mt.wasm');
const SCALAR_MAX_MACS = 100e6;

function sameBytes(a, b, what) {
  assert.equal(a.length, b.length, `${what}: output count`);
  a.forEach((x, i) => {
    const bx = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    const by = Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength);
    if (!bx.equals(by)) {
      let k = 0;
      while (x[k] === b[i][k] || (Number.isNaN(x[k]) && Number.isNaN(b[i][k]))) k++;
      assert.fail(`${what}: output ${i} differs first at ${k}: ${x[k]} vs ${b[i][k]}`);
    }
  });
}

for (const model of manifest().models) {
  const kernelSets = ['auto', ...(model.macs <= SCALAR_MAX_MACS ? ['scalar'] : [])];
  test(`native ${model.id}: threads 2 and 3 = 1 thread, bit for bit`, () => {
    const fx = fixturesFor(model)[0];
    for (const k of kernelSets) {
      const one = runNative(model, fx, k);
      for (const t of [2, 3]) sameBytes(runNative(model, fx, k, ['--threads', String(t)]), one, `${k} threads=${t}`);
    }
  });
}

let rts = null;
async function runtimes() {
  if (!rts) {
    const { NN } = await import(pathToFileURL(NN_JS).href);
    rts = {
      mt: await NN.create(readFileSync(NN_MT_WASM), { threads: 2 }),
      st: await NN.create(readFileSync(NN_WASM)),
    };
  }
  return rts;
}
after(async () => { if (rts) await rts.mt.close(); });

test('build/nn-mt.wasm exists and nn.js starts its helper threads', async () => {
  assert.ok(existsSync(NN_MT_WASM), `${NN_MT_WASM} missing: run make`);
  const { mt } = await runtimes();
  assert.equal(mt.maxThreads, 2);
  assert.throws(() => mt.setThreads(3), /threads must be 1\.\.2/);
});

for (const model of manifest().models) {
  test(`wasm ${model.id}: nn-mt.wasm on 2 threads = 1 thread = nn.wasm, bit for bit`, async () => {
    const { mt, st } = await runtimes();
    const bytes = modelBytes(model.id);
    const a = mt.load(bytes), b = st.load(bytes);
    try {
      for (const fx of fixturesFor(model).slice(0, 2)) {
        const input = inputTensor(model, fx);
        mt.setThreads(2);
        const two = a.run([input]);
        mt.setThreads(1);
        const one = a.run([input]);
        mt.setThreads(2);
        const again = a.run([input]);
        sameBytes(two, one, `${fx.file} 2 vs 1 thread`);
        sameBytes(again, one, `${fx.file} second 2-thread run`);
        sameBytes(one, b.run([input]), `${fx.file} nn-mt.wasm vs nn.wasm`);
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });
}
