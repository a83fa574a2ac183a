// Whole-model accuracy of nn.wasm (through web/js/nn/nn.js, as the browser uses it) against
// the reference runtime, fed the very same float tensors.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import {
  NN_JS, NN_WASM, compareOutputs, fixturesFor, inputTensor, manifest, modelBytes, reference,
} from './harness.mjs';

test('build/nn.wasm and web/js/nn/nn.js exist', () => {
  assert.ok(existsSync(NN_WASM), `${NN_WASM} missing: run make`);
  assert.ok(existsSync(NN_JS), `${NN_JS} missing`);
});

let runtime = null;
async function nn() {
  if (!runtime) {
    const { NN } = await import(pathToFileURL(NN_JS).href);
    runtime = await NN.create(readFileSync(NN_WASM));
  }
  return runtime;
}

// Best kernels (wasm-simd128) for every model; the scalar wasm kernels too where a model is
// cheap enough to keep the suite's run time bounded.
const SCALAR_MAX_MACS = 100e6;
const cases = manifest().models.flatMap((model) =>
  [null, ...(model.macs <= SCALAR_MAX_MACS ? ['scalar'] : [])].map((kernels) => ({ model, kernels })));

for (const { model, kernels } of cases) {
  test(`wasm ${model.id} kernels=${kernels ?? 'default'}`, async (t) => {
    const m = (await nn()).load(modelBytes(model.id), kernels ? { kernels } : {});
    try {
      t.diagnostic(`kernels ${m.kernels}`);
      if (kernels) assert.equal(m.kernels, kernels);
      assert.deepEqual(m.inputs[0].shape, model.input.shape);
      for (const fx of fixturesFor(model)) {
        const ref = await reference(model, fx);
        const ours = m.run([inputTensor(model, fx)]);
        const { metrics, failures } = compareOutputs(model, ours, ref);
        t.diagnostic(`${fx.file} ${JSON.stringify(metrics)}`);
        assert.deepEqual(failures, [], fx.file);
      }
    } finally {
      m.dispose();
    }
  });
}
