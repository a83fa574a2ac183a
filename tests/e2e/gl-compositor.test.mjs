// The WebGL2 compositing back end (web/js/effects/gl-compositor.js) on synthetic pictures, in
// headless chromium (WebGL2 on SwiftShader): a bright disc "person" on a high-contrast
// checkerboard, and a soft mask of the disc at model resolution. Checks pass-through, blur
// (strength ordering, person kept, no halo), image replacement (cover crop, orientation of
// frame, mask and picture), frame size changes, context loss, and a composite inside a module
// Worker; prints the time per 1280×720 composite (never asserted).
//
// A tiny static server on 127.0.0.1 serves web/ at / and this file's page code at /__gl/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, openPage, pageDiag } from '../lib/chromium.mjs';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
// The software WebGL fallback works without flags in chromium 156 headless; this one keeps
// it allowed in builds that gate SwiftShader WebGL behind it.
const GL_ARGS = ['--enable-unsafe-swiftshader'];

// The scene: a disc of radius 0.3·H at the centre, checker squares of H/22.5 px (32 at
// 720p), a red 24×24 marker in the top-left corner. Shared by both sides.
const DISC = [250, 210, 60], DARK = 30, LIGHT = 225, MEAN = (DARK + LIGHT) / 2;
function geom(w, h) { return { cx: w / 2, cy: h / 2, r: 0.3 * h, sq: Math.round(h / 22.5) }; }

// Page and Worker side (served as /__gl/scene.js): scenes, masks and one composite per spec.
const SCENE_JS = String.raw`
const DISC = ${JSON.stringify(DISC)}, DARK = ${DARK}, LIGHT = ${LIGHT};
${geom}

function scene(w, h) {
  const c = new OffscreenCanvas(w, h), g = c.getContext('2d');
  const { cx, cy, r, sq } = geom(w, h);
  for (let y = 0; y < h; y += sq) for (let x = 0; x < w; x += sq) {
    const v = ((x / sq + y / sq) & 1) ? LIGHT : DARK;
    g.fillStyle = 'rgb(' + v + ',' + v + ',' + v + ')';
    g.fillRect(x, y, sq, sq);
  }
  g.fillStyle = 'rgb(' + DISC.join(',') + ')';
  g.beginPath(); g.arc(cx, cy, r, 0, 2 * Math.PI); g.fill();
  g.fillStyle = 'rgb(255,0,0)';
  g.fillRect(0, 0, 24, 24);
  return c;
}

// Person probability per mask pixel: the area of the pixel inside the shape (4×4 samples),
// as a model's soft output would be. kind: 'disc', 'all', 'quad' (the top-left quadrant).
function mask(kind, mw, mh, w, h) {
  const m = new Uint8Array(mw * mh), { cx, cy, r } = geom(w, h);
  const inside = kind === 'all' ? () => true : kind === 'quad' ? (x, y) => x < w / 2 && y < h / 2 :
    (x, y) => (x - cx) ** 2 + (y - cy) ** 2 < r * r;
  for (let j = 0; j < mh; j++) for (let i = 0; i < mw; i++) {
    let n = 0;
    for (let b = 0; b < 4; b++) for (let a = 0; a < 4; a++) {
      if (inside((i + (a + 0.5) / 4) * w / mw, (j + (b + 0.5) / 4) * h / mh)) n++;
    }
    m[j * mw + i] = Math.round(n * 255 / 16);
  }
  return m;
}

// bg: {rgb} a flat 64×48 picture as raw RGBA, or {top, bottom} a 100×100 ImageBitmap split
// in halves (cover-cropped to 16:9, its top half must land in the frame's top half).
async function background(bg) {
  if (!bg) return null;
  if (bg.rgb) {
    const data = new Uint8ClampedArray(64 * 48 * 4);
    for (let i = 0; i < data.length; i += 4) data.set([...bg.rgb, 255], i);
    return { data, width: 64, height: 48 };
  }
  const c = new OffscreenCanvas(100, 100), g = c.getContext('2d');
  g.fillStyle = 'rgb(' + bg.top.join(',') + ')'; g.fillRect(0, 0, 100, 50);
  g.fillStyle = 'rgb(' + bg.bottom.join(',') + ')'; g.fillRect(0, 50, 100, 50);
  return createImageBitmap(c);
}

function b64(u8) {
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}

let comp = null;
export async function compositor() {
  if (!comp) {
    const { GLCompositor } = await import('/js/effects/gl-compositor.js');
    comp = new GLCompositor(new OffscreenCanvas(16, 16));
  }
  return comp;
}

/** One composite: {w, h, mode, strength, mask: {kind, w, h}, bg} → output and source pixels. */
export async function run(spec) {
  const c = await compositor();
  const src = scene(spec.w, spec.h);
  const frame = new VideoFrame(src, { timestamp: 0 });
  const m = spec.mask ?? { kind: 'disc', w: 256, h: 144 };
  c.setBackground(await background(spec.bg));
  c.composite(frame, mask(m.kind, m.w, m.h, spec.w, spec.h), m.w, m.h, spec.mode, spec.strength ?? 50);
  let out = c.readPixels();
  if (spec.viaVideoFrame) {
    // What the caller sends: new VideoFrame(canvas), here drawn back into a 2D canvas.
    const vf = new VideoFrame(c.canvas, { timestamp: 0 });
    const back = new OffscreenCanvas(vf.displayWidth, vf.displayHeight), g = back.getContext('2d');
    g.drawImage(vf, 0, 0);
    vf.close();
    const px = g.getImageData(0, 0, back.width, back.height).data;
    out = { width: back.width, height: back.height, data: new Uint8Array(px.buffer) };
  }
  frame.close();
  const ref = src.getContext('2d').getImageData(0, 0, spec.w, spec.h).data;
  return { width: out.width, height: out.height, out: b64(out.data), src: b64(new Uint8Array(ref.buffer)) };
}

/** ms per 1280×720 composite (256×144 mask), after warm-up; each waits for the GPU. */
export async function timing({ n, mode }) {
  const c = await compositor();
  const w = 1280, h = 720, src = scene(w, h), m = mask('disc', 256, 144, w, h);
  c.setBackground(await background({ top: [200, 30, 30], bottom: [30, 200, 30] }));
  const sum = { uploadMs: 0, renderMs: 0, videoFrameMs: 0, totalMs: 0 };
  for (let i = -3; i < n; i++) {
    const frame = new VideoFrame(src, { timestamp: i * 33333 });
    const t0 = performance.now();
    const r = c.composite(frame, m, 256, 144, mode, 85);
    const t1 = performance.now();
    const out = new VideoFrame(c.canvas, { timestamp: i * 33333 });
    const t2 = performance.now();
    c.gl.readPixels(0, 0, 1, 1, c.gl.RGBA, c.gl.UNSIGNED_BYTE, new Uint8Array(4));   // GPU done
    const t3 = performance.now();
    out.close();
    frame.close();
    if (i < 0) continue;
    sum.uploadMs += r.uploadMs; sum.renderMs += r.renderMs; sum.videoFrameMs += t2 - t1; sum.totalMs += t3 - t0;
  }
  for (const k in sum) sum[k] = +(sum[k] / n).toFixed(2);
  return sum;
}
`;

const WORKER_JS = `
import { run, timing } from '/__gl/scene.js';
self.onmessage = async (e) => {
  try {
    self.postMessage({ ok: true, result: e.data.timing ? await timing(e.data.timing) : await run(e.data) });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err), code: err.code });
  }
};
`;

const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>gl-compositor</title>
<script type="module">
import * as scene from '/__gl/scene.js';
window.scene = scene;
window.inWorker = (msg) => new Promise((resolve, reject) => {
  window.glWorker ??= new Worker('/__gl/worker.js', { type: 'module' });
  window.glWorker.onmessage = (e) => e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error));
  window.glWorker.onerror = (e) => reject(new Error('worker error: ' + e.message));
  window.glWorker.postMessage(msg);
});
window.ready = true;
</script>`;

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.jpg': 'image/jpeg' };
const FIXTURES = { '/__gl/': ['text/html', PAGE_HTML], '/__gl/scene.js': ['text/javascript', SCENE_JS],
  '/__gl/worker.js': ['text/javascript', WORKER_JS] };

function startStatic() {
  const srv = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const send = (code, type, body) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (FIXTURES[p]) return send(200, ...FIXTURES[p]);
    const file = path.join(WEB, path.normalize(p));
    if (!file.startsWith(WEB + path.sep)) return send(403, 'text/plain', 'forbidden');
    fs.readFile(file, (err, body) => err ? send(404, 'text/plain', 'not found') :
      send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', body));
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

// ---- analysis (node side) ----
const lumaAt = (d, i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];

function decode(res) {
  return { w: res.width, h: res.height, out: Buffer.from(res.out, 'base64'), src: Buffer.from(res.src, 'base64') };
}

/** Pixel indices (×4) whose distance from the disc centre is in [r0, r1), away from the marker. */
function region(w, h, r0, r1, step = 1) {
  const { cx, cy } = geom(w, h), idx = [];
  for (let y = 0; y < h; y += step) {
    for (let x = 0; x < w; x += step) {
      if (x < 48 && y < 48) continue;
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      if (d >= r0 && d < r1) idx.push((y * w + x) * 4);
    }
  }
  return idx;
}

/** Largest per-channel difference between a and b over idx. */
function maxDiff(a, b, idx) {
  let m = 0;
  for (const i of idx) for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(a[i + c] - b[i + c]));
  return m;
}

function maxDiffColour(a, rgb, idx) {
  let m = 0;
  for (const i of idx) for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(a[i + c] - rgb[c]));
  return m;
}

function lumaStats(d, idx) {
  let s = 0, s2 = 0;
  for (const i of idx) { const y = lumaAt(d, i); s += y; s2 += y * y; }
  const mean = s / idx.length;
  return { mean, variance: s2 / idx.length - mean * mean };
}

let server, browser, page;
before(async () => {
  server = await startStatic();
  browser = await launchBrowser(GL_ARGS);
  page = await openPage(browser, `http://127.0.0.1:${server.address().port}/__gl/`, { width: 320, height: 240 });
  await page.waitForFunction(() => window.ready === true);
});
after(async () => {
  await browser?.close();
  await new Promise((r) => server ? server.close(r) : r());
});

async function inPage(spec) {
  try {
    return decode(await page.evaluate((s) => window.scene.run(s), spec));
  } catch (e) {
    e.message += `\n${pageDiag(page)}`;
    throw e;
  }
}

const W = 1280, H = 720;
const FAR = (w, h) => region(w, h, 0.3 * h + 60, 1e9, 2);
const INSIDE = (w, h) => region(w, h, 0, 0.3 * h - 30);

test('WebGL2 is there and the unsupported path throws effects_unsupported', async (t) => {
  const r = await page.evaluate(async () => {
    const { GLCompositor } = await import('/js/effects/gl-compositor.js');
    const gl = new OffscreenCanvas(4, 4).getContext('webgl2');
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const c2d = new OffscreenCanvas(4, 4);
    c2d.getContext('2d');
    let err = null;
    try { new GLCompositor(c2d); } catch (e) { err = { code: e.code, message: e.message }; }
    return { renderer: gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER), err };
  });
  t.diagnostic(`renderer: ${r.renderer}`);
  assert.equal(r.err?.code, 'effects_unsupported', JSON.stringify(r.err));
  assert.match(r.err.message, /WebGL2/);
});

test("mode 'none' and an all-person mask give the frame back", async () => {
  const none = await inPage({ w: W, h: H, mode: 'none' });
  assert.equal(none.w, W);
  assert.equal(none.h, H);
  const all = region(W, H, 0, 1e9, 1);
  assert.ok(maxDiff(none.out, none.src, all) <= 2, `none: max diff ${maxDiff(none.out, none.src, all)}`);
  const full = await inPage({ w: W, h: H, mode: 'blur', strength: 85, mask: { kind: 'all', w: 256, h: 144 } });
  assert.ok(maxDiff(full.out, full.src, all) <= 2, `all-person blur: max diff ${maxDiff(full.out, full.src, all)}`);
});

test('blur: background smoothed by strength, person kept, no halo', async (t) => {
  const far = FAR(W, H), inside = INSIDE(W, H);
  const r = geom(W, H).r, ring = region(W, H, r + 6, r + 20);
  const orig = lumaStats((await inPage({ w: W, h: H, mode: 'none' })).src, far);
  const res = {};
  for (const [name, strength] of [['light', 35], ['strong', 85]]) {
    const f = await inPage({ w: W, h: H, mode: 'blur', strength });
    res[name] = { far: lumaStats(f.out, far), ring: lumaStats(f.out, ring), person: maxDiff(f.out, f.src, inside) };
  }
  t.diagnostic(`background variance: none ${orig.variance.toFixed(0)}, light ${res.light.far.variance.toFixed(0)}, ` +
    `strong ${res.strong.far.variance.toFixed(0)}; ring mean light ${res.light.ring.mean.toFixed(1)}, ` +
    `strong ${res.strong.ring.mean.toFixed(1)} (checker mean ${MEAN}); person max diff ` +
    `${res.light.person}/${res.strong.person}`);
  assert.ok(res.light.far.variance < 0.6 * orig.variance, 'light blur lowers the background variance');
  assert.ok(res.strong.far.variance < 0.5 * res.light.far.variance, 'strong blurs more than light');
  assert.ok(res.strong.far.variance < 0.05 * orig.variance, 'strong blur flattens the checkerboard');
  for (const name of ['light', 'strong']) {
    assert.ok(res[name].person <= 3, `${name}: the person is the frame (max diff ${res[name].person})`);
    // The disc (luma ≈ 200) must not bleed into the background just outside it.
    assert.ok(res[name].ring.mean < MEAN + 4, `${name}: no halo (ring mean ${res[name].ring.mean.toFixed(1)})`);
    assert.ok(res[name].ring.mean > MEAN - 15, `${name}: ring mean ${res[name].ring.mean.toFixed(1)}`);
  }
});

test('image: background replaced (cover crop), person kept, frame/mask/picture upright', async () => {
  const rgb = [40, 90, 200];
  const flat = await inPage({ w: W, h: H, mode: 'image', bg: { rgb } });
  const far = region(W, H, 0.3 * H + 20, 1e9, 2);
  const bgd = maxDiffColour(flat.out, rgb, far), pd = maxDiff(flat.out, flat.src, INSIDE(W, H));
  assert.ok(bgd <= 3, `background is the picture (max diff ${bgd})`);
  assert.ok(pd <= 3, `person is the frame (max diff ${pd})`);

  // A top/bottom split picture: its top half is the frame's top (cover crops top and bottom).
  const top = [200, 30, 30], bottom = [30, 200, 30];
  const split = await inPage({ w: W, h: H, mode: 'image', bg: { top, bottom } });
  const px = (d, x, y) => [...d.subarray((y * W + x) * 4, (y * W + x) * 4 + 3)];
  const near = (a, b, tol = 3) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
  assert.ok(near(px(split.out, 60, 100), top), `top-left is the picture's top: ${px(split.out, 60, 100)}`);
  assert.ok(near(px(split.out, 60, 620), bottom), `bottom-left is the picture's bottom: ${px(split.out, 60, 620)}`);

  // Mask in the top-left quadrant only: the frame (with its red marker) shows there, the
  // picture everywhere else.
  // The same through new VideoFrame(canvas), as the pipeline sends it.
  for (const viaVideoFrame of [false, true]) {
    const how = viaVideoFrame ? 'VideoFrame(canvas)' : 'readPixels';
    const quad = await inPage({ w: W, h: H, mode: 'image', bg: { rgb }, mask: { kind: 'quad', w: 256, h: 144 },
      viaVideoFrame });
    assert.equal(quad.w, W, how);
    assert.ok(near(px(quad.out, 5, 5), [255, 0, 0]), `${how}: marker stays top-left: ${px(quad.out, 5, 5)}`);
    assert.ok(near(px(quad.out, 200, 100), px(quad.src, 200, 100)), `${how}: top-left quadrant is the frame`);
    for (const [x, y] of [[1100, 100], [200, 620], [1100, 620]]) {
      assert.ok(near(px(quad.out, x, y), rgb), `${how}: (${x},${y}) is the picture: ${px(quad.out, x, y)}`);
    }
  }
  const none = await inPage({ w: W, h: H, mode: 'none' });
  assert.ok(near(px(none.out, 5, 5), [255, 0, 0]) && !near(px(none.out, 5, H - 6), [255, 0, 0], 60),
    'none: marker top-left, not bottom-left');
});

test('frame size changes and a half-resolution (already refined) mask', async () => {
  const rgb = [40, 90, 200];
  const cases = [[640, 360, 256, 144], [1280, 720, 640, 360], [640, 360, 256, 256], [1278, 718, 257, 143]];
  for (const [w, h, mw, mh] of cases) {
    const f = await inPage({ w, h, mode: 'image', bg: { rgb }, mask: { kind: 'disc', w: mw, h: mh } });
    assert.equal(f.w, w);
    assert.equal(f.h, h);
    const bgd = maxDiffColour(f.out, rgb, region(w, h, 0.3 * h + 20, 1e9, 2));
    const pd = maxDiff(f.out, f.src, INSIDE(w, h));
    assert.ok(bgd <= 3 && pd <= 3, `${w}x${h} with a ${mw}x${mh} mask: background diff ${bgd}, person diff ${pd}`);
  }
});

test('a lost context makes the next composite throw effects_unsupported', async () => {
  const r = await page.evaluate(async () => {
    const { GLCompositor } = await import('/js/effects/gl-compositor.js');
    const canvas = new OffscreenCanvas(16, 16), c = new GLCompositor(canvas);
    const src = new OffscreenCanvas(64, 36);
    src.getContext('2d').fillRect(0, 0, 64, 36);
    c.composite(src, new Uint8Array(16 * 9), 16, 9, 'blur', 50);
    c.gl.getExtension('WEBGL_lose_context').loseContext();
    try {
      c.composite(src, new Uint8Array(16 * 9), 16, 9, 'blur', 50);
    } catch (e) {
      return { code: e.code, message: e.message };
    }
    return null;
  });
  assert.equal(r?.code, 'effects_unsupported', JSON.stringify(r));
});

test('composites inside a module Worker; time per 1280x720 composite', async (t) => {
  const rgb = [40, 90, 200];
  const f = decode(await page.evaluate((s) => window.inWorker(s), { w: W, h: H, mode: 'image', bg: { rgb } }));
  assert.equal(f.w, W);
  assert.ok(maxDiffColour(f.out, rgb, FAR(W, H)) <= 3, 'worker: background is the picture');
  assert.ok(maxDiff(f.out, f.src, INSIDE(W, H)) <= 3, 'worker: person is the frame');
  const b = decode(await page.evaluate((s) => window.inWorker(s), { w: W, h: H, mode: 'blur', strength: 85 }));
  assert.ok(lumaStats(b.out, FAR(W, H)).variance < 0.05 * lumaStats(b.src, FAR(W, H)).variance, 'worker: blurred');
  const n = 10;
  for (const mode of ['blur', 'image']) {
    const worker = await page.evaluate((k) => window.inWorker({ timing: k }), { n, mode });
    t.diagnostic(`1280x720 ${mode} composite in the Worker, mean of ${n} (ms): ${JSON.stringify(worker)}`);
  }
  const main = await page.evaluate((k) => window.scene.timing(k), { n, mode: 'blur' });
  t.diagnostic(`1280x720 blur composite on the main thread, mean of ${n} (ms): ${JSON.stringify(main)}`);
});
