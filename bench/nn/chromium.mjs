// bench-nn in headless Chromium (Debian's /usr/bin/chromium through playwright-core; never a
// downloaded browser): a loopback HTTP server serves one cross-origin-isolated page (our own
// COOP/COEP headers, so SharedArrayBuffer and wasm threads are available) whose dedicated
// Worker (page/worker.mjs) loads the reference and our builds and times them in interleaved
// rounds. One browser for the whole run, one job per model.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { launchBrowser } from '../../tests/lib/chromium.mjs';
import { referenceForBrowser } from '../../tests/nn-ref/ref-runtime.mjs';

const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };
// Only these trees of the checkout are served (plus the per-model routes registered below).
const SERVED = ['bench/nn/', 'web/js/nn/', 'build/'];

function startServer(root, routes) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let body = routes.get(path);
    let type = 'application/octet-stream';
    if (!body) {
      const rel = normalize(path === '/' ? 'bench/nn/page/index.html' : path.slice(1));
      if (rel.includes('..') || !SERVED.some((p) => rel.startsWith(p))) { res.writeHead(404).end(); return; }
      try { body = readFileSync(join(root, rel)); } catch { res.writeHead(404).end(); return; }
      type = TYPES[extname(rel)] ?? type;
    } else if (path.endsWith('.js')) type = 'text/javascript';
    else if (path.endsWith('.wasm')) type = 'application/wasm';
    res.writeHead(200, {
      'Content-Type': type,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// models: [{ id, bytes, input: Float32Array }]; contenders: [{ name, wasm (path under the
// checkout, e.g. 'build/nn.wasm'), threads }]. Returns { info, results: { id: { name: r } } }.
export async function benchChromium(root, models, contenders, opt, onModel = () => {}) {
  const routes = new Map();
  for (const m of models) {
    const ref = referenceForBrowser(m.bytes.length);
    routes.set(`/job/${m.id}/model.tflite`, m.bytes);
    routes.set(`/job/${m.id}/input.f32`, Buffer.from(m.input.buffer, m.input.byteOffset, m.input.byteLength));
    routes.set(`/job/${m.id}/ref.wasm`, ref.wasm);
    routes.set('/job/ref/tflite-simd.js', ref.glue);
    m.refMeta = ref.meta;
  }
  const server = await startServer(root, routes);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchBrowser();
  const results = {};
  let info = null;
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/`, { waitUntil: 'load' });
    info = await page.evaluate(() => window.benchReady());
    info.browser = browser.version();
    if (!info.isolated) throw new Error('bench-nn: the bench page is not cross-origin isolated');
    if (opt.peak) info.peak = await page.evaluate((j) => window.benchJob(j), { peak: opt.peak });
    for (const m of models) {
      const job = {
        id: m.id,
        model: `/job/${m.id}/model.tflite`,
        input: `/job/${m.id}/input.f32`,
        ref: { glue: '/job/ref/tflite-simd.js', wasm: `/job/${m.id}/ref.wasm`, meta: m.refMeta },
        contenders: contenders.map((c) => ({ ...c, wasm: `/${c.wasm}` })),
        opt: { ...opt.rounds },
        profile: opt.profile || 0,
      };
      try {
        results[m.id] = await page.evaluate((j) => window.benchJob(j), job);
      } catch (e) {
        const msg = String(e.message).split('\n')[0].replace(/"/g, "'");
        results[m.id] = Object.fromEntries(['reference', ...contenders.map((c) => c.name)].map((n) => [n, { error: msg }]));
      }
      onModel(m.id, results[m.id], info);
    }
    if (errors.length) console.error(`bench-nn: page errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    server.close();
  }
  return { info, results };
}
