// The fx_wasm_* exports of build/nn.wasm, driven from JavaScript the way the effects worker
// uses them (web/js/effects/): every name the worker relies on must exist, and a short
// session (frame in, model input out, mask in, composite out, background, resize) must give
// the known answers: an all-person mask returns the frame unchanged, an all-background mask
// with FX_MODE_IMAGE returns the background image.
// Usage: node fx_exports.mjs build/nn.wasm
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const file = process.argv[2] || 'build/nn.wasm';
const NAMES = [
  'fx_wasm_create', 'fx_wasm_destroy', 'fx_wasm_resize', 'fx_wasm_frame', 'fx_wasm_out',
  'fx_wasm_set_color', 'fx_wasm_make_input', 'fx_wasm_update_mask', 'fx_wasm_reset_mask',
  'fx_wasm_set_background', 'fx_wasm_composite', 'fx_wasm_mask', 'fx_wasm_mask_width',
  'fx_wasm_mask_height', 'fx_wasm_strerror', 'fx_wasm_kernels', 'fx_wasm_use_scalar',
  'nn_wasm_malloc', 'nn_wasm_free',
];

const wasi = new WASI({ version: 'preview1', args: [], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
wasi.initialize(instance);
const x = instance.exports;
for (const n of NAMES) assert.equal(typeof x[n], 'function', `export ${n}`);

const u8 = () => new Uint8Array(x.memory.buffer); // views go stale when memory grows
const f32 = () => new Float32Array(x.memory.buffer);
const cstr = (p) => {
  const m = u8();
  let e = p;
  while (m[e]) e++;
  return new TextDecoder().decode(m.subarray(p, e));
};

const W = 64, H = 48, N = W * H * 3 / 2;
const c = x.fx_wasm_create(W, H);
assert.ok(c, 'create');
assert.equal(x.fx_wasm_create(63, 48), 0, 'odd size refused');
assert.equal(x.fx_wasm_mask(c), 0, 'no mask before the first update');

// A frame with a gradient and texture.
let frame = x.fx_wasm_frame(c);
for (let i = 0; i < N; i++) u8()[frame + i] = (i * 7 + (i >> 6)) & 255;
x.fx_wasm_set_color(c, 1, 0);

const inp = x.nn_wasm_malloc(32 * 24 * 3 * 4);
assert.equal(x.fx_wasm_make_input(c, inp, 32, 24, -1, 1), 0);
const vals = f32().subarray(inp / 4, inp / 4 + 32 * 24 * 3);
assert.ok(vals.every((v) => v >= -1 && v <= 1), 'model input within [lo, hi]');
assert.equal(x.fx_wasm_make_input(c, 0, 32, 24, 0, 1), -2, 'NULL dst refused');

// All person: the output is the frame.
const mo = x.nn_wasm_malloc(16 * 12 * 4);
f32().fill(1, mo / 4, mo / 4 + 16 * 12);
for (const refine of [0, 1, 2]) {
  assert.equal(x.fx_wasm_update_mask(c, mo, 16, 12, 0, refine), 0);
  const mw = x.fx_wasm_mask_width(c), mh = x.fx_wasm_mask_height(c);
  assert.deepEqual([mw, mh], refine === 2 ? [W, H] : [W / 2, H / 2]);
  const m = u8().subarray(x.fx_wasm_mask(c), x.fx_wasm_mask(c) + mw * mh);
  assert.ok(m.every((v) => v === 255), 'mask all person');
  for (const mode of [0, 1]) {
    assert.equal(x.fx_wasm_composite(c, mode, 60), 0);
    const o = x.fx_wasm_out(c);
    assert.deepEqual(u8().slice(o, o + N), u8().slice(frame, frame + N), `identity, mode ${mode}`);
  }
}

// All background with a solid image: the output is the image.
const rgba = x.nn_wasm_malloc(4 * 4 * 4);
for (let i = 0; i < 16; i++) u8().set([30, 160, 220, 255], rgba + 4 * i);
assert.equal(x.fx_wasm_set_background(c, rgba, 4, 4), 0);
f32().fill(0, mo / 4, mo / 4 + 16 * 12);
x.fx_wasm_reset_mask(c);
assert.equal(x.fx_wasm_update_mask(c, mo, 16, 12, 0, 1), 0);
assert.equal(x.fx_wasm_composite(c, 2, 0), 0);
let o = x.fx_wasm_out(c);
const y0 = u8()[o];
assert.ok(u8().slice(o, o + W * H).every((v) => v === y0), 'uniform background luma');
assert.ok(y0 > 100 && y0 < 160, `background luma ${y0}`);

// Errors, names, kernel sets.
assert.equal(x.fx_wasm_composite(c, 9, 0), -2);
assert.equal(cstr(x.fx_wasm_strerror(-2)), 'invalid argument');
assert.equal(cstr(x.fx_wasm_strerror(-1)), 'out of memory');
assert.equal(cstr(x.fx_wasm_kernels()), 'wasm-simd128');
x.fx_wasm_use_scalar(1);
assert.equal(cstr(x.fx_wasm_kernels()), 'scalar');
x.fx_wasm_use_scalar(0);

// Resize: the mask goes, the background is rebuilt at the new size.
assert.equal(x.fx_wasm_resize(c, 3, 3), -2);
assert.equal(x.fx_wasm_resize(c, 320, 180), 0);
assert.equal(x.fx_wasm_mask(c), 0);
frame = x.fx_wasm_frame(c);
assert.equal(x.fx_wasm_update_mask(c, mo, 16, 12, 0, 0), 0);
assert.equal(x.fx_wasm_composite(c, 2, 0), 0);
o = x.fx_wasm_out(c);
assert.ok(u8().slice(o, o + 320 * 180).every((v) => v === y0), 'background after resize');

x.fx_wasm_destroy(c);
x.nn_wasm_free(inp);
x.nn_wasm_free(mo);
x.nn_wasm_free(rgba);
console.log(`ok - ${NAMES.length} exports present; fx session through nn.wasm as expected`);
