#!/usr/bin/env node
// bench-nn: per-model inference time of BuzzStream's engine beside the reference runtime, in
// the same run, single thread. For each model, one line per implementation:
//   native-scalar  build/nn-run --bench N --kernels scalar
//   native-simd    build/nn-run --bench N --kernels auto
//   wasm-simd      build/nn.wasm through web/js/nn/nn.js, under node
//   reference      TFLite + XNNPACK, WebAssembly SIMD (tests/nn-ref/ref-runtime.mjs), under node
// and then the same two again with runtime=chromium-worker: headless Chromium, a dedicated
// Worker of one cross-origin-isolated page (bench/nn/chromium.mjs, page/), where users run
// the engine; there also wasm-simd-t2 (our build on two threads) and wasm-relaxed (the
// relaxed-SIMD build) when they are built. The goal lines read the Chromium figures.
// wasm-simd and reference are timed in interleaved rounds in one process, so the ratio the
// target is about is fair even on a loaded machine. Each figure is the median (min_ms too)
// of N timed runs after warm-up (N = 50, fewer only when one run is
// so slow that 50 would not fit the per-line time budget; the line says how many).
// GFLOP/s = 2 x MACs (models/manifest.json, counted from the model's conv/FC shapes) / time.
//
// Usage: node bench/nn/bench-nn.mjs [--models id,id] [--runs N] [--json FILE]
//                                   [--runtimes node,chromium] [--profile RUNS]
//                                   [--contenders NAME[=build/X.wasm],...] [--profile-steps K]
// --profile: also a per-operator profile of each of our builds in the Chromium worker.
// --contenders: only these of our Chromium contenders (wasm-simd, wasm-simd-t2, wasm-relaxed),
// and NAME=build/X.wasm adds another single-thread build under that name (an A/B of two
// builds in the same page, e.g. base=build/nn-base.wasm), for quick single-model runs.
// --profile-steps K: with --profile, also the K slowest steps (step index as in
// `make nn-profile-wasm`, which prints each step's shapes).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodePng, toTensor } from '../../tests/nn-ref/png.mjs';
import { RefModel } from '../../tests/nn-ref/ref-runtime.mjs';
import { benchChromium } from './chromium.mjs';
import { timeRounds as rounds } from './rounds.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = join(ROOT, 'build');
const NN_RUN = join(BUILD, 'nn-run');
const WARMUP = 3;
const MIN_RUNS = 10;
const LINE_BUDGET_MS = 12000; // keeps the whole bench under 5 minutes on a slow machine
// Issue 7: in Chromium, in a Worker, single thread.
const TARGETS = {
  selfie_landscape: 0.70, selfie_general: 0.70, face_detection_short: 0.70, face_landmark: 0.70,
  pose_lite: 0.80, pose_full: 0.80, pose_heavy: 0.80,
};

function parseArgs(argv) {
  const opt = { runs: 50, models: null, json: null, runtimes: ['node', 'chromium'] };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (argv[i] === '--runs') opt.runs = Math.max(MIN_RUNS, Number.parseInt(v, 10) || 50);
    else if (argv[i] === '--models') opt.models = v.split(',');
    else if (argv[i] === '--json') opt.json = v;
    else if (argv[i] === '--runtimes') opt.runtimes = v.split(',');
    else if (argv[i] === '--profile') opt.profile = Number.parseInt(v, 10) || 20;
    else if (argv[i] === '--contenders') opt.contenders = v.split(',');
    else if (argv[i] === '--profile-steps') opt.profileSteps = Number.parseInt(v, 10) || 10;
    else throw new Error(`bench-nn: unknown argument ${argv[i]}`);
  }
  return opt;
}

function runsFor(estimateMs, maxRuns) {
  return Math.max(MIN_RUNS, Math.min(maxRuns, Math.floor(LINE_BUDGET_MS / Math.max(estimateMs, 1e-3))));
}

const roundOpts = (maxRuns) => ({ maxRuns, minRuns: MIN_RUNS, budgetMs: LINE_BUDGET_MS, warmup: WARMUP });
const timeRounds = (fns, maxRuns) => rounds(fns, roundOpts(maxRuns));

function fixtureFor(model) {
  const [, h, w] = model.input.shape;
  const index = JSON.parse(readFileSync(join(ROOT, 'tests/nn-ref/fixtures/index.json'), 'utf8'));
  const f = index.find((x) => x.source === 'astronaut' && x.width === w && x.height === h
    && (model.task === 'face-landmarks') === x.file.includes('_face'));
  if (!f) throw new Error(`bench-nn: no astronaut fixture of ${w}x${h} for ${model.id}`);
  return join(ROOT, 'tests/nn-ref/fixtures', f.file);
}

function nnRun(model, fixture, kernels, runs) {
  const args = ['--model', join(BUILD, 'models', `${model.id}.tflite`), '--input', fixture,
    '--kernels', kernels, '--range', model.input.range.join(',')];
  const once = execFileSync(NN_RUN, args, { encoding: 'utf8', timeout: 120000 });
  const first = Number(/run_ms=([0-9.]+)/.exec(once)?.[1]);
  const n = runsFor(first, runs);
  const out = execFileSync(NN_RUN, [...args, '--bench', String(n)], { encoding: 'utf8', timeout: 300000 });
  const m = /median_ms=([0-9.]+).*runs=(\d+) min_ms=([0-9.]+)/.exec(out);
  if (!m) throw new Error(`bench-nn: no median_ms in nn-run output:\n${out}`);
  const kern = /kernels=(\S+)/.exec(out)?.[1] ?? kernels;
  return { ms: Number(m[1]), runs: Number(m[2]), min: Number(m[3]), kernels: kern };
}

let wasmRuntime = null;
async function wasmModel(model) {
  if (!wasmRuntime) {
    const { NN } = await import(pathToFileURL(join(ROOT, 'web/js/nn/nn.js')).href);
    wasmRuntime = await NN.create(readFileSync(join(BUILD, 'nn.wasm')));
  }
  return wasmRuntime.load(readFileSync(join(BUILD, 'models', `${model.id}.tflite`)));
}

// The reference and our wasm build both run inside this node process: time them together.
async function inNode(model, input, runs) {
  const ref = await RefModel.load(readFileSync(join(BUILD, 'models', `${model.id}.tflite`)), 0);
  ref.setInput(input);
  let w = null, werr = null;
  try {
    w = await wasmModel(model);
    w.inputView(0).set(input);
  } catch (e) {
    werr = e;
  }
  const fns = [() => ref.invoke()];
  if (w) fns.push(() => w.run([], { copy: false }));
  const [r, ours] = timeRounds(fns, runs);
  if (w) w.dispose();
  if (!ref.intact()) throw new Error(`bench-nn: reference model bytes overwritten (${model.id})`);
  return {
    reference: { ...r, kernels: ref.relocated ? 'tflite-xnnpack-wasm-simd(relocated)' : 'tflite-xnnpack-wasm-simd' },
    'wasm-simd': ours ? { ...ours, kernels: w.kernels } : { error: String(werr?.message ?? werr) },
  };
}

// Runners; each returns { name: result } and a runner that throws becomes "error" lines.
const RUNNERS = [
  [['reference', 'wasm-simd'], (m, fx, input, runs) => inNode(m, input, runs)],
  [['native-scalar'], async (m, fx, input, runs) => ({ 'native-scalar': nnRun(m, fx, 'scalar', runs) })],
  [['native-simd'], async (m, fx, input, runs) => ({ 'native-simd': nnRun(m, fx, 'auto', runs) })],
];
const ORDER = ['reference', 'native-scalar', 'native-simd', 'wasm-simd'];

// peak: the SIMD128 multiply-add ceiling of one core (Chromium lines), for of_peak=.
function line(model, impl, r, refMs, runtime, peak) {
  const rt = runtime ? ` runtime=${runtime}` : '';
  if (r.error) return `nn-bench model=${model.id} impl=${impl}${rt} error="${r.error}"`;
  const gflops = (2 * model.macs) / (r.ms * 1e6);
  const ratio = refMs ? (r.ms / refMs).toFixed(3) : 'n/a';
  const of = peak ? ` of_peak=${(gflops / peak).toFixed(2)}` : '';
  return `nn-bench model=${model.id} impl=${impl}${rt} kernels=${r.kernels} ms=${r.ms.toFixed(3)} ` +
    `min_ms=${r.min.toFixed(3)} runs=${r.runs} ratio_vs_ref=${ratio} gflops=${gflops.toFixed(2)}${of}`;
}

function modelInput(model) {
  return toTensor(decodePng(readFileSync(fixtureFor(model))), model.input.range);
}

async function benchModel(model, opt) {
  const fx = fixtureFor(model);
  const input = modelInput(model);
  const results = {};
  for (const [names, run] of RUNNERS) {
    try {
      Object.assign(results, await run(model, fx, input, opt.runs));
    } catch (e) {
      for (const n of names) results[n] = { error: String(e.message).split('\n')[0].replace(/"/g, "'") };
    }
  }
  for (const name of ORDER) console.log(line(model, name, results[name], results.reference?.ms, name === 'reference' || name === 'wasm-simd' ? 'node' : ''));
  return results;
}

// Our builds timed in Chromium beside the reference: the default build on one thread, the
// same on two threads when it was built with threads, the relaxed-SIMD build when present.
function chromiumContenders(only) {
  const list = [{ name: 'wasm-simd', wasm: 'build/nn.wasm', threads: 1 }];
  if (existsSync(join(BUILD, 'nn-mt.wasm'))) list.push({ name: 'wasm-simd-t2', wasm: 'build/nn-mt.wasm', threads: 2 });
  if (existsSync(join(BUILD, 'nn-relaxed.wasm'))) list.push({ name: 'wasm-relaxed', wasm: 'build/nn-relaxed.wasm', threads: 1 });
  if (!only) return list;
  return only.map((spec) => {
    const [name, wasm] = spec.split('=');
    if (wasm) {
      if (!wasm.startsWith('build/') || !existsSync(join(ROOT, wasm))) throw new Error(`bench-nn: no ${wasm} under build/`);
      return { name, wasm, threads: 1 };
    }
    const c = list.find((x) => x.name === name);
    if (!c) throw new Error(`bench-nn: unknown or unbuilt contender ${name}`);
    return c;
  });
}

async function chromiumAll(models, opt) {
  const contenders = chromiumContenders(opt.contenders);
  const jobs = models.map((m) => ({ id: m.id, bytes: readFileSync(join(BUILD, 'models', `${m.id}.tflite`)), input: modelInput(m) }));
  const byId = Object.fromEntries(models.map((m) => [m.id, m]));
  const rounds = { ...roundOpts(opt.runs), warmupMs: 1500 };
  const peakFiles = ['nn-peak.wasm', 'nn-peak-relaxed.wasm'];
  const peak = peakFiles.every((f) => existsSync(join(BUILD, f)))
    ? { simd: '/build/nn-peak.wasm', relaxed: '/build/nn-peak-relaxed.wasm' } : null;
  let ceiling = null;
  const { info, results } = await benchChromium(ROOT, jobs, contenders, { rounds, peak, profile: opt.profile }, (id, r, inf) => {
    if (ceiling === null) {
      ceiling = inf?.peak?.simd128 ?? 0;
      const p = inf?.peak;
      console.log(`nn-bench chromium browser=${inf?.browser} isolated=${inf?.isolated} hardwareConcurrency=${inf?.hc} ` +
        `peak_gflops_simd128=${p?.simd128?.toFixed(1) ?? 'n/a'} peak_gflops_relaxed_madd=${p?.relaxed?.toFixed(1) ?? 'n/a'}`);
    }
    for (const name of ['reference', ...contenders.map((c) => c.name)]) {
      const x = r[name] ?? { error: 'not run' };
      const pk = name === 'wasm-relaxed' ? inf?.peak?.relaxed : ceiling;
      console.log(line(byId[id], name, x, r.reference?.ms, 'chromium-worker', pk));
      if (x.profile) printProfile(byId[id], name, x.profile, opt.profileSteps);
    }
  });
  return results;
}

// Per-operator profile from the Chromium worker (--profile N): one line per operator kind.
function printProfile(model, impl, p, steps = 0) {
  const ops = Object.entries(p.ops).sort((a, b) => b[1] - a[1]);
  console.log(`nn-bench profile model=${model.id} impl=${impl} runs=${p.runs} total_ms=${p.total_ms.toFixed(3)} ` +
    ops.map(([op, ms]) => `${op}=${ms.toFixed(3)}`).join(' '));
  if (!steps) return;
  const top = p.steps.map((x, i) => [i, x]).sort((a, b) => b[1].ms - a[1].ms).slice(0, steps);
  console.log(`nn-bench profile-steps model=${model.id} impl=${impl} ` +
    top.map(([i, x]) => `${i}:${x.op}=${(x.ms * 1e3).toFixed(0)}us`).join(' '));
}

// Goal lines: our default build (wasm-simd, nn.wasm); in Chromium also the relaxed-SIMD
// build, which NN.chooseBuild picks where the browser has relaxed SIMD.
function targetLines(report, runtime) {
  const impls = runtime === 'node' ? ['wasm-simd'] : ['wasm-simd', 'wasm-relaxed'];
  for (const impl of impls) {
    for (const [id, goal] of Object.entries(TARGETS)) {
      const r = report[id];
      if (!r || !r[impl]) continue;
      const w = r[impl], ref = r.reference;
      const ratio = w?.ms && ref?.ms ? w.ms / ref.ms : NaN;
      const minRatio = w?.min && ref?.min ? w.min / ref.min : NaN;
      console.log(`nn-bench target model=${id} runtime=${runtime} impl=${impl} wasm_vs_ref=${ratio.toFixed(3)} ` +
        `(min_ms ratio ${minRatio.toFixed(3)}) goal<=${goal} ${ratio <= goal ? 'met' : 'NOT met'}`);
    }
  }
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  if (!existsSync(join(BUILD, 'models'))) throw new Error('bench-nn: build/models missing: run make');
  const all = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')).models;
  const models = opt.models ? all.filter((m) => opt.models.includes(m.id)) : all;
  const load = () => loadavg()[0].toFixed(2);
  console.log(`nn-bench date=${new Date().toISOString()} cpu="${cpus()[0]?.model}" cores=${cpus().length} ` +
    `loadavg=${load()} node=${process.version} threads=1`);
  const report = { node: {}, chromium: {} };
  let failed = false;
  if (opt.runtimes.includes('node')) {
    for (const m of models) {
      report.node[m.id] = await benchModel(m, opt);
      failed ||= Object.values(report.node[m.id]).some((r) => r.error);
    }
  }
  if (opt.runtimes.includes('chromium')) {
    try {
      report.chromium = await chromiumAll(models, opt);
    } catch (e) {
      console.log(`nn-bench chromium error="${String(e.message).split('\n')[0].replace(/"/g, "'")}"`);
      failed = true;
    }
    failed ||= Object.values(report.chromium).some((r) => Object.values(r).some((x) => x.error));
  }
  const goals = Object.keys(report.chromium).length ? 'chromium' : 'node';
  targetLines(report[goals], goals === 'chromium' ? 'chromium-worker' : 'node');
  console.log(`nn-bench done loadavg=${load()}`);
  if (opt.json) writeFileSync(opt.json, JSON.stringify(report, null, 1) + '\n');
  if (failed) process.exitCode = 1;
}

main().catch((e) => { console.error(e.message); process.exit(1); });
