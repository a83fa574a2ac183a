// bench-effects, camera-paced: a real call through buzzd. The sender's fake camera plays the
// 1280×720 person clip at 30 fps (tests/lib/effects.mjs); the receiver, in a browser of its
// own so that the sender's browser holds only the sender's processes, decodes what arrives.
// Windows, in order: effect off (baseline), then for each tier and compositing back end
// blur-light pinned to both (a measurement window, then a latency window), then effect off
// again.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRoom } from '../../tests/lib/buzzd.mjs';
import { launchBrowser } from '../../tests/lib/chromium.mjs';
import { openRoom, apiJoin, waitForVideo, stats, pageDiag } from '../../tests/lib/client.mjs';
import { launchPersonBrowser, setEffect, localStats, waitEffectRunning } from '../../tests/lib/effects.mjs';
import { sleep, waitFor } from '../../tests/lib/proc.mjs';
import { cpuWindow, mainThreadMeter, median, mean, percentile } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROBE = fs.readFileSync(path.join(HERE, 'sender-probe.js'), 'utf8');
const LATENCY_WORKER = fs.readFileSync(path.join(HERE, 'latency-worker.js'), 'utf8');

/** The most frequent value of xs (null when empty). */
function mode(xs) {
  const n = new Map();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  let best = null, bestN = 0;
  for (const [x, c] of n) if (c > bestN) { best = x; bestN = c; }
  return best;
}

/**
 * One measurement window of `seconds`: the sender browser's CPU, the sender page's main
 * thread, and localStats() (sender) and stats() (receiver) once a second.
 */
async function measureWindow(call, seconds) {
  const cpu = await cpuWindow(call.senderBrowser);
  const main = await call.main.window();
  const samples = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - Date.now())));
    const [local, recv] = await Promise.all([localStats(call.sender), stats(call.receiver)]);
    samples.push({ local, recv: recv[call.senderId]?.video ?? null });
  }
  const [c, m] = await Promise.all([cpu.stop(), main.stop()]);
  return { cpu: c, main: m, samples };
}

/** Per-frame latencies on clones of the camera and output tracks (sender-probe.js). */
async function latencyWindow(call, seconds) {
  await call.sender.evaluate((src) => window.__fxProbe.startLatency(src), LATENCY_WORKER);
  await sleep(seconds * 1000);
  return call.sender.evaluate(() => window.__fxProbe.stopLatency());
}

/** Rates of a window: CPU cores (renderer, all) and main-thread ms per second. */
function rates(w) {
  return { renderer: w.cpu.rendererS / w.cpu.wallS, all: w.cpu.allS / w.cpu.wallS,
    mainMsPerS: (w.main.taskS * 1000) / w.main.wallS };
}

/** The figures of a window with the effect on, against the baseline's rates. */
function summarise({ tier, backend }, w, lat, base) {
  const eff = w.samples.map((s) => s.local.effects).filter(Boolean);
  const vid = w.samples.map((s) => s.local.video).filter(Boolean);
  const recv = w.samples.map((s) => s.recv).filter(Boolean);
  const fps = mean(eff.map((e) => e.fps));
  const r = rates(w);
  const cores = r.renderer - base.renderer;
  const perFrame = (x) => (fps > 0 ? (x * 1000) / fps : NaN);
  const perS = eff.map((e) => e.addedLatencyMs);
  return {
    tier, backend, backendUsed: mode(eff.map((e) => e.backend)), path: mode(eff.map((e) => e.path)),
    activeTier: mode(eff.map((e) => e.activeTier)),
    fps, inferMs: median(eff.map((e) => e.inferMs)), compositeMs: median(eff.map((e) => e.compositeMs)),
    inferEvery: median(eff.map((e) => e.inferEvery)),
    latencyP50: percentile(lat.latencyMs, 50), latencyP95: percentile(lat.latencyMs, 95),
    latencyFrames: lat.latencyMs.length, latencyCameraFrames: lat.cameraFrames,
    statsLatencyP50: percentile(perS, 50), statsLatencyP95: percentile(perS, 95),
    cpuCores: cores, cpuMsPerFrame: perFrame(cores),
    workerCores: w.cpu.workerS / w.cpu.wallS, workerMsPerFrame: perFrame(w.cpu.workerS / w.cpu.wallS),
    cpuAllCores: r.all - base.all, cpuAllMsPerFrame: perFrame(r.all - base.all),
    rendererCores: r.renderer,
    mainMsPerFrame: (r.mainMsPerS - base.mainMsPerS) / (fps || NaN),
    sentFps: mean(vid.map((v) => v.fps)), sent: mode(vid.map((v) => `${v.width}x${v.height}`)),
    ql: mode(vid.map((v) => v.qualityLimitationReason)), encodeMs: median(vid.map((v) => v.encodeMsPerFrame)),
    kbps: median(vid.map((v) => v.bitrateKbps)), recvFps: mean(recv.map((v) => v.fps)), samples: w.samples.length,
  };
}

function summariseBaseline(w) {
  const vid = w.samples.map((s) => s.local.video).filter(Boolean);
  const r = rates(w);
  return { rendererCores: r.renderer, allCores: r.all, mainMsPerS: r.mainMsPerS,
    sentFps: mean(vid.map((v) => v.fps)), sent: mode(vid.map((v) => `${v.width}x${v.height}`)),
    ql: mode(vid.map((v) => v.qualityLimitationReason)), encodeMs: median(vid.map((v) => v.encodeMsPerFrame)),
    kbps: median(vid.map((v) => v.bitrateKbps)), recvFps: mean(w.samples.map((s) => s.recv?.fps).filter((x) => x !== undefined)) };
}

/**
 * Runs the call phase. o: {server, tiers, backends, windowS, latencyS, warmS, log(line)}.
 * Resolves {baseline: [before, after], tiers: [summary...], mainDomain}.
 */
export async function runCall(o) {
  const sb = await launchPersonBrowser();
  const rb = await launchBrowser();
  const call = { senderBrowser: sb.browser };
  try {
    const room = await createRoom(o.server, { name: 'bench effects' });
    call.sender = await openRoom(sb.browser, o.server, room.id, { width: 1280, height: 800, init: PROBE });
    call.receiver = await openRoom(rb, o.server, room.id);
    const js = await apiJoin(call.sender, { name: 'Sender', mic: false });
    if (!js.ok) throw new Error(`sender join: ${JSON.stringify(js)}`);
    const jr = await apiJoin(call.receiver, { name: 'Receiver', camera: false, mic: false });
    if (!jr.ok) throw new Error(`receiver join: ${JSON.stringify(jr)}`);
    call.senderId = js.id;
    await waitForVideo(call.receiver, js.id);
    call.main = await mainThreadMeter(call.sender);
    // The encoder starts small while the bandwidth estimate ramps up; the baseline has to
    // encode what the effect windows will, 720p.
    o.log('call joined; waiting for the encoder to reach 1280x720');
    await waitFor(async () => {
      const v = (await localStats(call.sender)).video;
      return v && v.width === 1280 && v.height === 720;
    }, { timeoutMs: 60000, intervalMs: 500, what: 'the sender encoding 1280x720' });
    await sleep(o.warmS * 1000);
    // One warm-up with the effect on, so the first tier measured does not pay for the
    // models' first loads, wasm tier-up and the Worker's start.
    await setEffect(call.sender, { background: 'blur-light', tier: o.tiers[0], backend: o.backends[0] });
    await sleep(o.warmS * 1000);
    await setEffect(call.sender, { background: 'none' });
    await sleep(o.warmS * 1000);
    const before = summariseBaseline(await measureWindow(call, o.windowS));
    const results = [];
    const combos = o.tiers.flatMap((tier) => o.backends.map((backend) => ({ tier, backend })));
    for (const c of combos) {
      const r = await setEffect(call.sender, { background: 'blur-light', ...c });
      if (!r.ok) throw new Error(`setEffect ${JSON.stringify(c)}: ${JSON.stringify(r)}\n${pageDiag(call.sender)}`);
      await waitEffectRunning(call.sender, { minFps: 5 });
      await sleep(o.warmS * 1000);
      const w = await measureWindow(call, o.windowS);
      const lat = await latencyWindow(call, o.latencyS);
      results.push({ w, lat });
      o.log(`tier ${c.tier} backend ${c.backend} measured`);
    }
    const off = await setEffect(call.sender, { background: 'none' });
    if (!off.ok) throw new Error(`setEffect none: ${JSON.stringify(off)}`);
    await sleep(o.warmS * 1000);
    const after = summariseBaseline(await measureWindow(call, o.windowS));
    const base = { renderer: (before.rendererCores + after.rendererCores) / 2,
      all: (before.allCores + after.allCores) / 2, mainMsPerS: (before.mainMsPerS + after.mainMsPerS) / 2 };
    return { baseline: [before, after], tiers: results.map((x, i) => summarise(combos[i], x.w, x.lat, base)),
      mainDomain: call.main.domain };
  } finally {
    await call.main?.detach();
    await sb.close();
    await rb.close().catch(() => {});
  }
}
