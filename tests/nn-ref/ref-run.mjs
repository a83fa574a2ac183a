#!/usr/bin/env node
// Reference runner: model + input image -> output tensor(s) as raw little-endian float32,
// computed by the independent TFLite + XNNPACK WebAssembly runtime (see ref-runtime.mjs).
//
//   node tests/nn-ref/ref-run.mjs --model M.tflite --input IMG.png|IN.f32 --output OUT
//        [--range LO,HI] [--outputs all|K[,K...]] [--bench N]
//
// --input: a PNG whose size is the model's input size (fixtures are resized beforehand, so
// both runtimes see the same pixels), mapped from 0..255 to --range (default 0,1); or a raw
// float32 NHWC tensor (.f32). Output files follow `nn-run --raw`: OUT for a single output,
// OUT.<k> for output k of several. A JSON summary goes to stdout.

import { readFileSync, writeFileSync } from 'node:fs';
import { decodePng, toTensor } from './png.mjs';
import { RefModel, referenceRun } from './ref-runtime.mjs';
import { readModel } from './tflite-fb.mjs';

const USAGE = 'usage: ref-run.mjs --model M.tflite --input IMG.png|IN.f32 --output OUT [--range LO,HI] [--outputs all|K,...] [--bench N]';

function parseArgs(argv) {
  const opt = { range: [0, 1], outputs: 'all', bench: 0 };
  const keys = { '--model': 'model', '--input': 'input', '--output': 'output', '--range': 'range', '--outputs': 'outputs', '--bench': 'bench' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = keys[argv[i]];
    if (!k || argv[i + 1] === undefined) throw new Error(`${USAGE}\n(bad argument ${argv[i]})`);
    opt[k] = argv[i + 1];
  }
  if (!opt.model || !opt.input || (!opt.output && !opt.bench)) throw new Error(USAGE);
  if (typeof opt.range === 'string') opt.range = opt.range.split(',').map(Number);
  if (opt.range.length !== 2 || opt.range.some((v) => !Number.isFinite(v))) throw new Error('--range wants LO,HI');
  opt.bench = Number.parseInt(opt.bench, 10) || 0;
  return opt;
}

function loadInput(path, info, range) {
  const shape = info.inputs[0].shape;
  if (path.endsWith('.f32')) {
    const b = readFileSync(path);
    if (b.length !== info.inputs[0].count * 4) throw new Error(`${path}: ${b.length} bytes, model input needs ${info.inputs[0].count * 4}`);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  }
  const img = decodePng(readFileSync(path));
  if (img.height !== shape[1] || img.width !== shape[2] || shape[3] !== 3) {
    throw new Error(`${path} is ${img.width}x${img.height}; the model wants ${shape[2]}x${shape[1]}x3 (resize it first)`);
  }
  return toTensor(img, range);
}

async function bench(bytes, input, n) {
  const r = await RefModel.load(bytes, 0);
  r.setInput(input);
  for (let i = 0; i < 3; i++) r.invoke();
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    r.invoke();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { runs: n, median_ms: ms[n >> 1], min_ms: ms[0] };
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const bytes = readFileSync(opt.model);
  const info = readModel(bytes);
  const input = loadInput(opt.input, info, opt.range);
  if (opt.bench) {
    console.log(JSON.stringify({ model: opt.model, ...(await bench(bytes, input, opt.bench)) }));
    if (!opt.output) return;
  }
  const which = opt.outputs === 'all' ? null : opt.outputs.split(',').map(Number);
  const outs = await referenceRun(bytes, input, which);
  const summary = outs.map((o) => {
    const file = info.outputs.length === 1 ? opt.output : `${opt.output}.${o.index}`;
    writeFileSync(file, Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength));
    return { index: o.index, name: o.name, shape: o.shape, file };
  });
  console.log(JSON.stringify({ model: opt.model, outputs: summary }));
}

main().catch((e) => { console.error(`ref-run: ${e.message}`); process.exit(1); });
