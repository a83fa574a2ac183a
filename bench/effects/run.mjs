// make bench-effects: the background effect's speed at 720p in headless Chromium, beside
// MediaPipe's own selfie segmentation solution in the same browser build and the same run.
//
//   1. call (camera-paced): buzzd, a sender sending the fake person camera (1280×720, 30 fps)
//      to a receiver; blur-light pinned to each tier and compositing back end — call.mjs
//   2. fast: the same picture through our engine in a Worker and through MediaPipe's
//      solution, each as fast as it goes, in alternating rounds — fast.mjs
//
// One line per figure (docs/bench.md, "Background effects", says how each is measured),
// then ratio lines (ours / MediaPipe's at the same model) and the issue's targets.
//
//   node bench/effects/run.mjs [--tiers small,medium,large] [--backends cpu,webgl]
//     [--window S] [--latency S]
//     [--warm S] [--rounds N] [--frames N] [--mp-frames N] [--only call|fast]
//     [--json FILE] [--save-images DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startBuzzd } from '../../tests/lib/buzzd.mjs';
import { CHROMIUM } from '../../tests/lib/chromium.mjs';
import { tempDir } from '../../tests/lib/proc.mjs';
import { makePersonY4m, originalFrameRGBA } from '../../tests/lib/person.mjs';
import { startStatic } from './serve.mjs';
import { runCall } from './call.mjs';
import { openBuzz, openMediaPipe, pool } from './fast.mjs';
import { fmt, median, percentile } from './measure.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const W = 1280;
const H = 720;
// blur-light: fx strength 35 (web/js/effects/settings.js) = σ 10.5 frame pixels
// (fx/src/composite.c); CSS blur(Npx) takes σ too, so MediaPipe's page blurs as much.
const STRENGTH = 35;
const BLUR_PX = 0.3 * STRENGTH;
// Our tiers beside MediaPipe's models. small runs the very network of its modelSelection 1
// (landscape) on the full frame: the same-model comparison. medium and large run that
// network plus one or two looks of selfie_general (modelSelection 0) on crops around the
// person (web/js/effects/looks.js); they are set beside MediaPipe's general model, its
// better-quality choice, and their lines say which networks ours ran.
const PAIRS = { small: { model: 1, name: 'landscape', ours: 'landscape' },
  medium: { model: 0, name: 'general', ours: 'landscape+general' },
  large: { model: 0, name: 'general', ours: 'landscape+2xgeneral' } };
const TARGET = { fps: 28.5, cores: 0.5, latencyP95: 20, ratio: 0.1 };

function parseArgs(argv) {
  const o = { tiers: ['small', 'medium', 'large'], backends: ['cpu', 'webgl'], windowS: 10, latencyS: 6,
    warmS: 4, rounds: 2,
    frames: 300, mpFrames: 40, only: null, json: null, saveImages: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--tiers': o.tiers = v.split(','); i++; break;
      case '--backends': o.backends = v.split(','); i++; break;
      case '--window': o.windowS = Number(v); i++; break;
      case '--latency': o.latencyS = Number(v); i++; break;
      case '--warm': o.warmS = Number(v); i++; break;
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--frames': o.frames = Number(v); i++; break;
      case '--mp-frames': o.mpFrames = Number(v); i++; break;
      case '--only': o.only = v; i++; break;
      case '--json': o.json = v; i++; break;
      case '--save-images': o.saveImages = v; i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  for (const t of o.tiers) if (!PAIRS[t]) throw new Error(`unknown tier ${t}`);
  for (const b of o.backends) if (!['cpu', 'webgl'].includes(b)) throw new Error(`unknown back end ${b}`);
  return o;
}

const log = (s) => process.stderr.write(`bench-effects: ${s}\n`);
const line = (s) => process.stdout.write(`${s}\n`);
const load = () => os.loadavg()[0].toFixed(2);

/** The still person picture as I420 (frame 0 of the fake camera's clip) and as RGBA. */
async function pictures() {
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-bench-fx-')));
  const clip = await makePersonY4m(dir, { width: W, height: H, frames: 1, fps: 30 });
  const y4m = fs.readFileSync(clip.file);
  const header = y4m.indexOf(0x0a);
  const frame = y4m.indexOf(0x0a, header + 1) + 1;
  const i420 = y4m.subarray(frame, frame + (W * H * 3) / 2);
  const rgba = await originalFrameRGBA({ width: W, height: H });
  fs.rmSync(dir, { recursive: true, force: true });
  return { i420: Buffer.from(i420), rgba: Buffer.from(rgba.data.buffer, rgba.data.byteOffset, rgba.data.length) };
}

function callLines(res) {
  for (const [i, b] of res.baseline.entries()) {
    line(`effects tier=none mode=call when=${i ? 'after' : 'before'} sent_fps=${fmt(b.sentFps)} sent=${b.sent} ` +
      `ql=${b.ql} kbps=${fmt(b.kbps, 0)} encode_ms=${fmt(b.encodeMs)} recv_fps=${fmt(b.recvFps)} renderer_cores=${fmt(b.rendererCores, 3)} ` +
      `cpu_all_cores=${fmt(b.allCores, 3)} main_ms_per_s=${fmt(b.mainMsPerS)}`);
  }
  for (const t of res.tiers) {
    line(`effects tier=${t.tier} backend=${t.backendUsed} path=${t.path} mode=call fps=${fmt(t.fps)} ` +
      `active_tier=${t.activeTier} ` +
      `infer_every=${t.inferEvery} infer_ms=${fmt(t.inferMs)} composite_ms=${fmt(t.compositeMs)} ` +
      `latency_p50_ms=${fmt(t.latencyP50)} latency_p95_ms=${fmt(t.latencyP95)} latency_frames=${t.latencyFrames} ` +
      `stats_latency_p50_ms=${fmt(t.statsLatencyP50)} stats_latency_p95_ms=${fmt(t.statsLatencyP95)} ` +
      `cpu_ms_per_frame=${fmt(t.cpuMsPerFrame)} cpu_cores=${fmt(t.cpuCores, 3)} ` +
      `worker_cpu_ms_per_frame=${fmt(t.workerMsPerFrame)} worker_cores=${fmt(t.workerCores, 3)} ` +
      `cpu_all_ms_per_frame=${fmt(t.cpuAllMsPerFrame)} cpu_all_cores=${fmt(t.cpuAllCores, 3)} ` +
      `main_ms_per_frame=${fmt(t.mainMsPerFrame, 2)} sent_fps=${fmt(t.sentFps)} sent=${t.sent} ql=${t.ql} ` +
      `kbps=${fmt(t.kbps, 0)} encode_ms=${fmt(t.encodeMs)} recv_fps=${fmt(t.recvFps)}`);
  }
}

/**
 * The fast phase: per tier, rounds of ours (each back end) and MediaPipe's at the same
 * model, the order reversed every other round.
 */
async function runFast(o, server, staticUrl) {
  const buzz = await openBuzz({ server, pictureUrl: `${staticUrl}/picture.i420`, strength: STRENGTH });
  const mp = await openMediaPipe({ staticUrl, blurPx: BLUR_PX });
  const out = { kernels: buzz.kernels, mediapipe: { version: mp.version, webgl: mp.renderer }, tiers: {}, models: {} };
  try {
    for (const tier of o.tiers) {
      const pair = PAIRS[tier];
      const doMp = !out.models[pair.name];
      const ours = Object.fromEntries(o.backends.map((b) => [b, []]));
      const theirs = [];
      for (let r = 0; r < o.rounds; r++) {
        // WebGL under SwiftShader takes 50–400 ms a frame here: fewer warm-up frames.
        const steps = o.backends.map((backend) => () => buzz.run({ tier, backend, frames: o.frames,
          warmup: backend === 'cpu' ? 20 : 5, maxMs: 3000 }).then((x) => ours[backend].push(x)));
        if (doMp) steps.push(() => mp.run({ model: pair.model, frames: o.mpFrames, warmup: 3, maxMs: 8000 }).then((x) => theirs.push(x)));
        if (r % 2) steps.reverse();
        for (const s of steps) await s();
      }
      for (const b of o.backends) out.tiers[`${tier}/${b}`] = pool(ours[b]);
      if (doMp) out.models[pair.name] = pool(theirs);
      log(`fast ${tier}${doMp ? ` and mediapipe ${pair.name}` : ''} measured`);
    }
    if (o.saveImages) {
      fs.mkdirSync(o.saveImages, { recursive: true });
      const png = await mp.snapshot();
      fs.writeFileSync(path.join(o.saveImages, 'mediapipe-blur.png'), Buffer.from(png.split(',')[1], 'base64'));
    }
    if (mp.errors().length) log(`mediapipe page errors: ${JSON.stringify(mp.errors())}`);
  } finally {
    await buzz.close();
    await mp.close();
  }
  return out;
}

function fastFigures(p) {
  return { frames: p.frames, fps: (p.frames * 1000) / p.wallMs, p50: percentile(p.ms, 50), p95: percentile(p.ms, 95),
    cpuMsPerFrame: (p.rendererS * 1000) / p.frames, cpuAllMsPerFrame: (p.allS * 1000) / p.frames,
    workerMsPerFrame: (p.workerS * 1000) / p.frames,
    inferMs: median(p.inferMs), compositeMs: median(p.compositeMs), drawMs: median(p.drawMs),
    inferred: p.inferred, tiers: p.tiers };
}

function fastLines(f) {
  const res = { tiers: {}, models: {} };
  for (const [key, p] of Object.entries(f.tiers)) {
    const x = res.tiers[key] = fastFigures(p);
    const [tier, backend] = key.split('/');
    line(`effects tier=${tier} backend=${backend} path=worker mode=fast frames=${x.frames} fps=${fmt(x.fps)} ` +
      `ms_per_frame_p50=${fmt(x.p50, 2)} ms_per_frame_p95=${fmt(x.p95, 2)} infer_ms=${fmt(x.inferMs, 2)} ` +
      `composite_ms=${fmt(x.compositeMs, 2)} inferred=${x.inferred} cpu_ms_per_frame=${fmt(x.cpuMsPerFrame, 2)} ` +
      `cpu_all_ms_per_frame=${fmt(x.cpuAllMsPerFrame, 2)} worker_cpu_ms_per_frame=${fmt(x.workerMsPerFrame, 2)} ` +
      `kernels=${f.kernels}`);
  }
  for (const [name, p] of Object.entries(f.models)) {
    const x = res.models[name] = fastFigures(p);
    line(`mediapipe model=${name} mode=fast frames=${x.frames} fps=${fmt(x.fps)} ms_per_frame_p50=${fmt(x.p50, 2)} ` +
      `ms_per_frame_p95=${fmt(x.p95, 2)} draw_ms=${fmt(x.drawMs, 2)} cpu_ms_per_frame=${fmt(x.cpuMsPerFrame, 2)} ` +
      `cpu_all_ms_per_frame=${fmt(x.cpuAllMsPerFrame, 2)} version=${f.mediapipe.version} ` +
      `webgl="${f.mediapipe.webgl}"`);
  }
  for (const [key, x] of Object.entries(res.tiers)) {
    const [tier, backend] = key.split('/');
    const name = PAIRS[tier].name;
    const m = res.models[name];
    if (!m) continue;
    x.ratio = x.p50 / m.p50;
    x.cpuRatio = x.cpuAllMsPerFrame / m.cpuAllMsPerFrame;
    line(`ratio tier=${tier} backend=${backend} model=${name} ours=${PAIRS[tier].ours} ` +
      `buzz/mediapipe=${fmt(x.ratio, 3)} p95=${fmt(x.p95 / m.p95, 3)} cpu_all=${fmt(x.cpuRatio, 3)}`);
  }
  return res;
}

const met = (ok) => (ok ? 'met' : 'NOT met');

function targetLines(call, fast) {
  for (const s of call?.tiers.filter((t) => t.tier === 'small') ?? []) {
    const b = s.backend;
    const ok = s.fps >= TARGET.fps && s.sentFps >= TARGET.fps && s.sent === `${W}x${H}`;
    line(`target small_${b}_720p30_in_call fps=${fmt(s.fps)} sent_fps=${fmt(s.sentFps)} sent=${s.sent} ` +
      `goal>=${TARGET.fps}fps_at_${W}x${H} ${met(ok)}`);
    // Judged on the largest of the measures: the renderer's and the whole browser's CPU
    // beyond the effect-off baseline (complete but noisy; WebGL's draws run in the GPU
    // process, which only the second sees) and the effect Worker thread's own (a lower bound).
    const cores = Math.max(s.cpuCores, s.cpuAllCores, s.workerCores);
    line(`target small_${b}_cpu cpu_cores=${fmt(s.cpuCores, 3)} cpu_all_cores=${fmt(s.cpuAllCores, 3)} ` +
      `worker_cores=${fmt(s.workerCores, 3)} goal<=${TARGET.cores} ${met(cores <= TARGET.cores)}`);
    line(`target small_${b}_latency latency_p95_ms=${fmt(s.latencyP95)} goal<=${TARGET.latencyP95} ` +
      `${met(s.latencyP95 <= TARGET.latencyP95)}`);
  }
  for (const [key, x] of Object.entries(fast?.tiers ?? {})) {
    if (x.ratio === undefined) continue;
    const [tier, backend] = key.split('/');
    line(`target ${tier}_${backend}_vs_mediapipe_${PAIRS[tier].name} ours=${PAIRS[tier].ours} ` +
      `buzz/mediapipe=${fmt(x.ratio, 3)} ` +
      `goal<=${TARGET.ratio} ${met(x.ratio <= TARGET.ratio)}`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? '?';
  let chromium = '?';
  try { chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { /* shown as ? */ }
  line(`effects-bench date=${new Date().toISOString()} cpu="${cpu.trim()}" cores=${os.cpus().length} ` +
    `loadavg=${load()} node=${process.version} chromium="${chromium}" size=${W}x${H} background=blur-light`);
  const pics = await pictures();
  const server = await startBuzzd();
  const mpDir = path.join(ROOT, 'node_modules/@mediapipe/selfie_segmentation');
  if (!fs.existsSync(path.join(mpDir, 'selfie_segmentation.js'))) throw new Error(`${mpDir} missing (npm ci)`);
  const stat = await startStatic({
    '/mediapipe/': mpDir,
    '/bench/': path.join(ROOT, 'bench/effects'),
    '/mediapipe.html': path.join(ROOT, 'bench/effects/mediapipe.html'),
    '/picture.i420': pics.i420,
    '/picture.rgba': pics.rgba,
  });
  const result = { date: new Date().toISOString(), loadavgStart: os.loadavg()[0], options: o };
  try {
    if (o.only !== 'fast') {
      const call = await runCall({ server, tiers: o.tiers, backends: o.backends, windowS: o.windowS, latencyS: o.latencyS, warmS: o.warmS, log });
      result.call = call;
      callLines(call);
    }
    if (o.only !== 'call') {
      const f = await runFast(o, server, stat.url);
      result.fast = fastLines(f);
      result.fast.kernels = f.kernels;
      result.fast.mediapipe = f.mediapipe;
    }
    targetLines(result.call, result.fast);
  } finally {
    await stat.close();
    await server.stop();
  }
  result.loadavgEnd = os.loadavg()[0];
  line(`effects-bench done loadavg=${load()} main_thread_time=${result.call?.mainDomain ?? 'n/a'}`);
  if (o.json) {
    fs.mkdirSync(path.dirname(o.json), { recursive: true });
    fs.writeFileSync(o.json, `${JSON.stringify(result, null, 1)}\n`);
  }
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`bench-effects failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
