// bench-effects, fed as fast as frames can be processed (not camera-paced): BuzzStream's
// engine in a Worker (fast-worker.js) and MediaPipe's own solution on its page
// (mediapipe-page.js), the same 1280×720 picture, each in a headless browser of its own so
// that each browser's CPU time is that contender's alone. Rounds alternate which goes first.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../../tests/lib/chromium.mjs';
import { cpuWindow } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FAST_WORKER = fs.readFileSync(path.join(HERE, 'fast-worker.js'), 'utf8');

async function newPage(browser, url) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.__errors = [];
  page.on('pageerror', (e) => page.__errors.push(String(e)));
  page.setDefaultTimeout(120000);
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  return page;
}

/**
 * Our engine: a page on buzzd's origin (its /healthz, a plain document) starts the Worker
 * from a Blob, so the Worker has that origin and imports web/js/effects/ from buzzd.
 */
export async function openBuzz({ server, pictureUrl, strength }) {
  const browser = await launchBrowser();
  const page = await newPage(browser, `${server.url}/healthz`);
  const ready = await page.evaluate(async ({ src, origin, pictureUrl, strength }) => {
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const w = new Worker(url, { type: 'module', name: 'bench-fast' });
    window.__fast = (msg) => new Promise((resolve, reject) => {
      w.onmessage = (e) => (e.data.type === 'error' ? reject(new Error(e.data.message)) : resolve(e.data));
      w.onerror = (e) => reject(new Error(`fast worker: ${e.message || 'script error'}`));
      w.postMessage(msg);
    });
    const picture = await (await fetch(pictureUrl)).arrayBuffer();
    return window.__fast({ type: 'init', origin, picture, width: 1280, height: 720, strength });
  }, { src: FAST_WORKER, origin: server.url, pictureUrl, strength });
  return {
    browser, kernels: ready.kernels,
    /** {tier, frames, warmup, maxMs}: warm-up frames untimed, then the timed ones → {ms[], inferMs[], compositeMs[], inferred, tiers, wallMs, cpu} */
    async run(o) {
      const go = (m) => page.evaluate((x) => window.__fast({ type: 'run', ...x }), m);
      if (o.warmup) await go({ ...o, frames: o.warmup, warmup: 0, maxMs: 1e9 });
      const cpu = await cpuWindow(browser);
      const r = await go({ ...o, warmup: 0 });
      r.cpu = await cpu.stop();
      return r;
    },
    close: () => browser.close().catch(() => {}),
  };
}

/** MediaPipe's solution on mediapipe.html, served by the bench's static server. */
export async function openMediaPipe({ staticUrl, blurPx, extraArgs = [] }) {
  const browser = await launchBrowser(extraArgs);
  const page = await newPage(browser, `${staticUrl}/mediapipe.html`);
  await page.waitForFunction(() => window.__mp && window.SelfieSegmentation, null, { timeout: 30000 });
  const info = await page.evaluate((o) => window.__mp.init(o), { blurPx });
  const renderer = await page.evaluate(() => {
    const g = document.createElement('canvas').getContext('webgl2');
    const ext = g?.getExtension('WEBGL_debug_renderer_info');
    return ext ? g.getParameter(ext.UNMASKED_RENDERER_WEBGL) : (g ? 'webgl2' : 'none');
  });
  return {
    browser, version: info.version, renderer,
    /** {model, frames, warmup, maxMs}, as openBuzz's run → {ms[], drawMs[], wallMs, cpu} */
    async run(o) {
      const go = (m) => page.evaluate((x) => window.__mp.run(x), m);
      if (o.warmup) await go({ ...o, frames: o.warmup, warmup: 0, maxMs: 1e9 });
      const cpu = await cpuWindow(browser);
      const r = await go({ ...o, warmup: 0 });
      r.cpu = await cpu.stop();
      return r;
    },
    snapshot: () => page.evaluate(() => window.__mp.snapshot()),
    errors: () => page.__errors,
    close: () => browser.close().catch(() => {}),
  };
}

/** Pools rounds of one contender: per-frame ms, frames, wall and CPU seconds. */
export function pool(runs) {
  const out = { ms: [], inferMs: [], compositeMs: [], drawMs: [], frames: 0, wallMs: 0, rendererS: 0,
    allS: 0, workerS: 0, inferred: 0, tiers: {} };
  for (const r of runs) {
    out.ms.push(...r.ms);
    out.inferMs.push(...(r.inferMs ?? []));
    out.compositeMs.push(...(r.compositeMs ?? []));
    out.drawMs.push(...(r.drawMs ?? []));
    out.frames += r.ms.length;
    out.wallMs += r.wallMs;
    out.rendererS += r.cpu.rendererS;
    out.allS += r.cpu.allS;
    out.workerS += r.cpu.workerS;
    out.inferred += r.inferred ?? r.ms.length;
    for (const [k, v] of Object.entries(r.tiers ?? {})) out.tiers[k] = (out.tiers[k] ?? 0) + v;
  }
  return out;
}
