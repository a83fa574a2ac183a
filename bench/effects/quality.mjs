#!/usr/bin/env node
// bench-effects-quality: how good each effect tier's person mask is, measured against a truth
// known by construction (docs/effects.md, "Quality per tier", has the table and the method).
//
//   truth       the person picture of tests/lib/person.mjs gets a soft matte α from
//               pose_heavy (reference runtime) refined by a colour guided filter
//               (quality-matte.mjs); composites α·person + (1 − α)·B on real photographs B
//               have α ≥ 0.5 as their exact person mask
//   per tier    our engine exactly as the browser runs it (quality-engine.mjs), `--frames`
//               frames in a row on each composite, the last mask upsampled to 1280×720:
//               IoU at 128, edge_err = mean |mask/255 − α| within 20 px of the outline,
//               band_iou = the IoU on those pixels only
//   agreement   IoU of each tier's mask on the original picture against pose_heavy's mask
//   temporal    each composite again with fresh camera noise (Gaussian, σ levels per
//               channel, seeded) for `--noise-frames` frames: mean |Δmask| (0..255) between
//               consecutive working masks from frame `--skip` on, over the whole mask and
//               within the edge band
//
// Pipelines: the three tiers; raw rows (the model's output upsampled bilinearly, no fx
// refinement or smoothing) as baselines; with --candidates, other tier definitions (see
// CANDIDATES). One line per figure, then one summary line per pipeline and the ordering
// check (printed, not enforced). --png DIR writes the matte and mask overlays to look at.
//
// Usage: node bench/effects/quality.mjs [--frames N] [--noise-frames N] [--skip N]
//        [--sigma S] [--composites a,b] [--candidates] [--candidates2] [--only a,b]
//        [--order s,m,l] [--png DIR] [--json FILE]
// --candidates2: tier definitions with 2–3 model runs per frame (CANDIDATES2, quality-roi.mjs);
// --only: of the candidates keep these (the three tiers always run); --order: the three
// pipelines the ordering check compares (default small, medium, large). Each summary line also
// has runs (inferences per frame) and ms_per_frame (median wall time of one step in node).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackground, originalFrameRGBA } from '../../tests/lib/person.mjs';
import { Engine, REFINE, TIERS } from './quality-engine.mjs';
import { BACKGROUNDS, MATTE_FILTER, buildMatte, composite, truthOf } from './quality-matte.mjs';
import {
  addNoise, bandAt, bandIou, edgeBand, edgeError, gaussian, iou, maskAt, mean, meanDelta, median,
} from './quality-metrics.mjs';
import { writeOverlays } from './quality-png.mjs';
import { MultiPipeline } from './quality-roi.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = process.env.BUILD_DIR ? resolve(process.env.BUILD_DIR) : join(ROOT, 'build');
const W = 1280, H = 720;
const EDGE_RADIUS = 20; // px: the band where edge_err and the edge |Δ| are measured
const SEED = 20261201;

// The tiers as web/js/effects/engine.js runs them (TIER_SPEC + looks.js): small is
// selfie_landscape on the whole frame; medium adds selfie_general on a square crop around the
// person; large adds a third look at the head, averaged in. The earlier medium/large (the
// whole frame squashed into selfie_general) stay as "general-frame" rows for comparison.
const PIPELINES = [
  { name: 'small', ...TIERS.small },
  { name: 'medium', kind: 'roi', first: 'selfie_landscape', second: 'selfie_general', expand: 0.15, fit: 'aspect', refine: REFINE.guided, runs: 2 },
  { name: 'large', kind: 'roi', first: 'selfie_landscape', second: 'selfie_general', expand: 0.15, fit: 'aspect', refine: REFINE.guided, runs: 3,
    more: [{ second: 'selfie_general', head: 0.45, blend: 'mean' }] },
  { name: 'general-frame', ...TIERS.medium },
  { name: 'general-frame-full', ...TIERS.large },
  { name: 'small-raw', model: 'selfie_landscape', raw: true },
  { name: 'medium-raw', model: 'selfie_general', raw: true },
];
// Candidate tier definitions (--candidates): the small model with the other refinements,
// selfie_general fed with the frame's aspect kept (letterboxed) instead of squashed, and the
// pose models' segmentation output, letterboxed (the way the matte's pose_heavy run is fed).
const CANDIDATES = [
  { name: 'small-fast', model: 'selfie_landscape', refine: REFINE.fast },
  { name: 'small-full', model: 'selfie_landscape', refine: REFINE.full },
  { name: 'general-lb', model: 'selfie_general', letterbox: true, refine: REFINE.guided },
  { name: 'general-lb-full', model: 'selfie_general', letterbox: true, refine: REFINE.full },
  { name: 'pose_lite-lb-full', model: 'pose_lite', output: 2, letterbox: true, isLogit: 1, refine: REFINE.full },
  { name: 'pose_full-lb-full', model: 'pose_full', output: 2, letterbox: true, isLogit: 1, refine: REFINE.full },
];

// Tier definitions with several model runs per frame (--candidates2, quality-roi.mjs): a
// second look at the person's crop, ensembles of the two selfie models, and a control (the
// small model's output handed to fx on the ROI candidates' 512×288 grid). runs = model
// inferences per frame.
const L = 'selfie_landscape', G = 'selfie_general';
const CANDIDATES2 = [
  { name: 'land-grid512', kind: 'grid', model: L, grid: [512, 288], refine: REFINE.guided, runs: 1 },
  { name: 'roi-land-e15', kind: 'roi', first: L, second: L, expand: 0.15, refine: REFINE.guided, runs: 2 },
  { name: 'roi-land-e15-full', kind: 'roi', first: L, second: L, expand: 0.15, refine: REFINE.full, runs: 2 },
  { name: 'roi-land-free', kind: 'roi', first: L, second: L, expand: 0.15, aspect: 'free', refine: REFINE.guided, runs: 2 },
  { name: 'roi-land-mean', kind: 'roi', first: L, second: L, expand: 0.15, blend: 'mean', refine: REFINE.guided, runs: 2 },
  { name: 'roi-gen-sq', kind: 'roi', first: L, second: G, expand: 0.15, fit: 'aspect', refine: REFINE.guided, runs: 2 },
  { name: 'roi-gen-sq-mean', kind: 'roi', first: L, second: G, expand: 0.15, fit: 'aspect', blend: 'mean', refine: REFINE.guided, runs: 2 },
  { name: 'roi-gen-sq-min', kind: 'roi', first: L, second: G, expand: 0.15, fit: 'aspect', blend: 'min', refine: REFINE.guided, runs: 2 },
  { name: 'roi-land-head', kind: 'roi', first: L, second: L, head: 0.45, expand: 0.15, refine: REFINE.guided, runs: 2 },
  { name: 'roi-land-head-full', kind: 'roi', first: L, second: L, head: 0.45, expand: 0.15, refine: REFINE.full, runs: 2 },
  { name: 'roi-land-head-mean', kind: 'roi', first: L, second: L, head: 0.45, expand: 0.15, blend: 'mean', refine: REFINE.guided, runs: 2 },
  { name: 'roi-gen-head', kind: 'roi', first: L, second: G, head: 0.45, expand: 0.15, refine: REFINE.guided, runs: 2 },
  { name: 'roi-gen-head-full', kind: 'roi', first: L, second: G, head: 0.45, expand: 0.15, refine: REFINE.full, runs: 2 },
  { name: 'roi-gen-sq-full', kind: 'roi', first: L, second: G, expand: 0.15, fit: 'aspect', refine: REFINE.full, runs: 2 },
  { name: 'roi-gen-sq+head', kind: 'roi', first: L, second: G, expand: 0.15, fit: 'aspect', refine: REFINE.guided, runs: 3,
    more: [{ second: G, head: 0.45 }] },
  { name: 'roi-gen-sq+head-full', kind: 'roi', first: L, second: G, expand: 0.15, fit: 'aspect', refine: REFINE.full, runs: 3,
    more: [{ second: G, head: 0.45 }] },
  { name: 'roi-gen-sq+head-mean', kind: 'roi', first: L, second: G, expand: 0.15, fit: 'aspect', refine: REFINE.guided, runs: 3,
    more: [{ second: G, head: 0.45, blend: 'mean' }] },
  { name: 'ens-mean', kind: 'ensemble', models: [L, G], op: 'mean', grid: [256, 144], refine: REFINE.guided, runs: 2 },
  { name: 'ens-geo', kind: 'ensemble', models: [L, G], op: 'geo', grid: [256, 144], refine: REFINE.guided, runs: 2 },
  { name: 'ens-min', kind: 'ensemble', models: [L, G], op: 'min', grid: [256, 144], refine: REFINE.guided, runs: 2 },
  { name: 'ens-gated', kind: 'ensemble', models: [L, G], op: 'gated', grid: [256, 144], refine: REFINE.guided, runs: 2 },
];

function parseArgs(argv) {
  const opt = { frames: 3, noiseFrames: 30, skip: 5, sigma: 2, composites: null, candidates: false, candidates2: false, only: null, order: null, png: null, json: null };
  const num = { '--frames': 'frames', '--noise-frames': 'noiseFrames', '--skip': 'skip', '--sigma': 'sigma' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (num[a]) opt[num[a]] = Number(argv[++i]);
    else if (a === '--composites') opt.composites = argv[++i].split(',');
    else if (a === '--candidates') opt.candidates = true;
    else if (a === '--candidates2') opt.candidates2 = true;
    else if (a === '--only') opt.only = argv[++i].split(',');
    else if (a === '--order') opt.order = argv[++i].split(',');
    else if (a === '--png') opt.png = argv[++i];
    else if (a === '--json') opt.json = argv[++i];
    else throw new Error(`quality: unknown argument ${a}`);
  }
  if (!(opt.frames >= 1 && opt.noiseFrames > opt.skip + 1 && opt.skip >= 1)) throw new Error('quality: bad frame counts');
  return opt;
}

const f3 = (v) => v.toFixed(3);
const f4 = (v) => v.toFixed(4);

// One step of a pipeline, its wall time added to p.ms (RGBA → I420 of the frame included).
function timed(p) {
  const t = performance.now();
  p.step();
  (p.ms ??= []).push(performance.now() - t);
}

// Runs every pipeline `frames` times on the picture from a fresh history; returns the last
// masks upsampled to W×H.
function still(engine, pipes, rgba, frames) {
  engine.setPicture(rgba);
  return pipes.map((p) => {
    p.reset();
    for (let k = 0; k < frames; k++) timed(p);
    return maskAt(p.mask(), W, H);
  });
}

// The still scene with fresh noise per frame; per pipeline the mean |Δ| of its working mask
// between consecutive frames, frames skip..n−1 against their predecessor.
function temporal(engine, pipes, rgba, band, opt, noise) {
  const noisy = new Uint8Array(rgba.length);
  const prev = pipes.map(() => null);
  const sums = pipes.map(() => ({ all: [], band: [] }));
  const bands = [];
  pipes.forEach((p) => p.reset());
  for (let k = 0; k < opt.noiseFrames; k++) {
    engine.setPicture(addNoise(rgba, opt.sigma, noise, noisy));
    pipes.forEach((p, i) => {
      timed(p);
      const m = p.mask();
      if (!bands[i]) bands[i] = bandAt(band, W, H, m.width, m.height);
      if (k >= opt.skip) {
        const d = meanDelta(m.data, prev[i], bands[i]);
        sums[i].all.push(d.all);
        sums[i].band.push(d.band);
      }
      prev[i] = m.data;
    });
  }
  return sums.map((s) => ({ all: mean(s.all), band: mean(s.band) }));
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  let specs = [...PIPELINES, ...(opt.candidates ? CANDIDATES : []), ...(opt.candidates2 ? CANDIDATES2 : [])];
  if (opt.only) specs = specs.filter((x) => ['small', 'medium', 'large'].includes(x.name) || opt.only.includes(x.name));
  const backgrounds = opt.composites ? BACKGROUNDS.filter(([n]) => opt.composites.includes(n)) : BACKGROUNDS;
  if (!backgrounds.length) throw new Error('quality: no composite selected');

  const original = (await originalFrameRGBA({ width: W, height: H })).data;
  const { heavy, alpha } = await buildMatte(BUILD, original, W, H);
  const truth = truthOf(alpha);
  const band = edgeBand(truth, W, H, EDGE_RADIUS);
  const heavyMask = heavy.map((p) => (p >= 0.5 ? 255 : 0));
  let soft = 0;
  for (const a of alpha) soft += a > 0.02 && a < 0.98;
  console.log(`quality matte source=pose_heavy(reference,letterboxed) filter=colour-guided(r=${MATTE_FILTER.r},eps=${MATTE_FILTER.eps}) ` +
    `person_px=${truth.reduce((a, b) => a + b, 0)} soft_px=${soft} band_px=${band.reduce((a, b) => a + b, 0)} ` +
    `iou_vs_pose_heavy=${f4(iou(heavyMask, truth))}`);

  const engine = await Engine.create(BUILD);
  const pipes = specs.map((s) => (s.kind ? new MultiPipeline(engine, s, W, H) : engine.pipeline(s, W, H)));
  const results = specs.map((s) => ({ name: s.name, model: s.model, composites: {}, temporal: {} }));
  const composites = [];
  for (const [name, path] of backgrounds) {
    const bg = (await loadBackground(path, W, H)).data;
    const c = composite(original, bg, alpha);
    const masks = still(engine, pipes, c, opt.frames);
    composites.push({ name, rgba: c, masks: opt.png ? masks.map((m) => Uint8Array.from(m)) : null });
    masks.forEach((m, i) => {
      const r = { iou: iou(m, truth), edge: edgeError(m, alpha, band), bandIou: bandIou(m, truth, band) };
      results[i].composites[name] = r;
      console.log(`quality tier=${specs[i].name} composite=${name} iou=${f4(r.iou)} edge_err=${f4(r.edge)} ` +
        `band_iou=${f4(r.bandIou)}`);
    });
  }

  const onOriginal = still(engine, pipes, original, opt.frames);
  onOriginal.forEach((m, i) => {
    results[i].agreement = iou(m, heavyMask);
    console.log(`quality tier=${specs[i].name} picture=original agreement_iou_vs_pose_heavy=${f4(results[i].agreement)}`);
  });

  const noise = gaussian(SEED);
  for (const { name, rgba } of composites) {
    temporal(engine, pipes, rgba, band, opt, noise).forEach((d, i) => {
      results[i].temporal[name] = d;
      console.log(`quality tier=${specs[i].name} composite=${name} noise_sigma=${opt.sigma} frames=${opt.noiseFrames} ` +
        `dmask=${f3(d.all)} dmask_frac=${(d.all / 255).toExponential(2)} dmask_edge=${f3(d.band)}`);
    });
  }

  for (const r of results) {
    const c = Object.values(r.composites), t = Object.values(r.temporal);
    const p = pipes[results.indexOf(r)], spec = specs[results.indexOf(r)];
    r.runs = spec.runs ?? 1;
    r.ms = median(p.ms);
    Object.assign(r, {
      iou: mean(c.map((x) => x.iou)), iouMin: Math.min(...c.map((x) => x.iou)), iouMedian: median(c.map((x) => x.iou)),
      edge: mean(c.map((x) => x.edge)), bandIou: mean(c.map((x) => x.bandIou)),
      dmask: mean(t.map((x) => x.all)), dmaskEdge: mean(t.map((x) => x.band)),
    });
    console.log(`quality summary tier=${r.name} model=${r.model ?? [r.first, r.second].join('+')} composites=${c.length} iou_mean=${f4(r.iou)} ` +
      `iou_median=${f4(r.iouMedian)} iou_min=${f4(r.iouMin)} edge_err_mean=${f4(r.edge)} band_iou_mean=${f4(r.bandIou)} agreement_iou=${f4(r.agreement)} ` +
      `dmask=${f3(r.dmask)} dmask_frac=${(r.dmask / 255).toExponential(2)} dmask_edge=${f3(r.dmaskEdge)} runs=${r.runs} ms_per_frame=${r.ms.toFixed(1)}`);
  }
  for (let i = 0; i < specs.length; i++) {
    const rects = pipes[i].rects;
    if (!rects?.length) continue;
    const last = rects[rects.length - 1];
    const changes = rects.filter((x, k) => k && x !== rects[k - 1]).length;
    console.log(`quality roi tier=${specs[i].name} last_rect=${last.x},${last.y},${last.w}x${last.h} rect_changes=${changes}/${rects.length}`);
  }
  const pick = (n) => results.find((r) => r.name === n) ?? (() => { throw new Error(`quality: --order: no pipeline ${n}`); })();
  const [s, m, l] = opt.order ? opt.order.map(pick) : results;
  const rises = {
    iou: s.iou < m.iou && m.iou < l.iou,
    edge_err: s.edge > m.edge && m.edge > l.edge,
    band_iou: s.bandIou < m.bandIou && m.bandIou < l.bandIou,
    agreement: s.agreement < m.agreement && m.agreement < l.agreement,
    dmask: s.dmask > m.dmask && m.dmask > l.dmask,
  };
  const rises2 = { ...rises, iou: s.iou <= m.iou && m.iou <= l.iou, edge_err: s.edge >= m.edge && m.edge >= l.edge,
    band_iou: s.bandIou <= m.bandIou && m.bandIou <= l.bandIou };
  console.log(`quality order=${s.name},${m.name},${l.name} no_fall ${Object.entries(rises2).slice(0, 3).map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`).join(' ')}`);
  console.log(`quality rises small<medium<large ${Object.entries(rises).map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`).join(' ')}`);
  console.log(`quality done seconds=${((performance.now() - t0) / 1000).toFixed(1)}`);

  if (opt.png) {
    mkdirSync(opt.png, { recursive: true });
    writeOverlays(opt.png, { W, H, original, alpha, heavy, composites, names: specs.map((x) => x.name) });
  }
  if (opt.json) writeFileSync(opt.json, `${JSON.stringify({ opt, results, rises }, null, 1)}\n`);
  pipes.forEach((p) => p.destroy());
  engine.destroy();
}

main().catch((e) => { console.error(`quality: ${e.stack || e.message}`); process.exit(1); });
