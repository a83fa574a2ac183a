// Face effects on the WebGL2 compositing back end (web/js/effects/gl-compositor.js, headless
// chromium's SwiftShader), in a call: setEffect({backend: "webgl"}) pins it, and the receiver's
// frames must show what the CPU back end's do (tests/e2e/face.test.mjs), judged against the
// reference runtime's mesh of the camera picture (tests/lib/face-ref.mjs):
//
//   touch-up:   local variance on the cheeks drops below 75 %, eyes and lips keep 85 % of their
//               edge energy — on WebGL2, then the same frames' measure on the CPU back end
//   filters:    each filter's colour at its texture points, the background untouched, and
//               still untouched once the CPU back end takes over from WebGL2
//   combined:   the sunglasses over the blurred background, still on WebGL2
//   off:        the camera's own frames afterwards look as before any effect
//   low light:  on a darkened camera the face's luma rises more than the background's
//   I420 out:   what the back end hands the encoder (GLCompositor.readI420), with the face pass
//               on neutral data, is the camera's own I420 bytes
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { openRoom, apiJoin, waitForVideo, closePages, pageDiag, stepTimer } from '../lib/client.mjs';
import { launchBrowser } from '../lib/chromium.mjs';
import { waitFor, tempDir } from '../lib/proc.mjs';
import { originalFrameRGBA, regionsAt, lumaOf, makePersonY4m } from '../lib/person.mjs';
import { launchPersonBrowser, grabFrame, localStats, setEffect, GRAB_W, GRAB_H } from '../lib/effects.mjs';
import { reference } from '../lib/face-ref.mjs';
import { darkY4m } from '../lib/face-video.mjs';
import { scaleMesh, patches, boxOf, edgeEnergy, regionMean, localVariance, texToPixel, rgbAt, FILTER_PROBES,
  EYE_R, EYE_L, LIPS, CHEEKS } from '../lib/face-metrics.mjs';

const W = GRAB_W, H = GRAB_H;
const GL_ARGS = ['--enable-unsafe-swiftshader'];

const setFace = (page, change) => page.evaluate(async (c) => {
  try {
    await window.buzzstream.setFaceEffect(c);
    return { ok: true };
  } catch (e) {
    return { ok: false, code: e.code, message: e.message };
  }
}, change);

async function faceRef(img) {
  const ref = await reference(img);
  assert.equal(ref.length, 1, 'the reference runtime finds the face');
  const m = scaleMesh(ref[0].mesh, img, W, H);
  return { m, skin: patches(m, CHEEKS, W, H, 3), eyes: [boxOf(m, EYE_R, W, H, 1), boxOf(m, EYE_L, W, H, 1)],
    lips: boxOf(m, LIPS, W, H, 1) };
}

function faceMetrics(frame, f) {
  const y = lumaOf(frame.data, W, H);
  return { skinVar: localVariance(y, W, H, f.skin, 2),
    eyeEdge: (edgeEnergy(y, W, H, f.eyes[0]) + edgeEnergy(y, W, H, f.eyes[1])) / 2,
    lipEdge: edgeEnergy(y, W, H, f.lips), frame };
}

async function waitMetrics(page, peerId, f, ok, what, timeoutMs = 30000) {
  let last = null;
  try {
    return await waitFor(async () => {
      const fr = await grabFrame(page, peerId);
      if (!fr) return null;
      last = faceMetrics(fr, f);
      return ok(last) ? last : null;
    }, { timeoutMs, intervalMs: 400, what });
  } catch (e) {
    const { frame, ...m } = last ?? {};
    e.message += `\nlast: ${JSON.stringify(m)}\n${pageDiag(page)}`;
    throw e;
  }
}

function probe(frame, m, filter) {
  return FILTER_PROBES[filter].points.map(([u, v]) => {
    const [x, y] = texToPixel(m, u, v);
    const rgb = rgbAt(frame, x, y, 1);
    return { u, v, x: +x.toFixed(1), y: +y.toFixed(1), rgb: rgb.map(Math.round), ok: FILTER_PROBES[filter].ok(rgb) };
  });
}

async function waitProbe(page, peerId, m, filter, what) {
  let last = null;
  try {
    return await waitFor(async () => {
      const fr = await grabFrame(page, peerId);
      if (!fr) return null;
      last = probe(fr, m, filter);
      return last.every((p) => p.ok) ? { fr, probes: last } : null;
    }, { timeoutMs: 25000, intervalMs: 400, what });
  } catch (e) {
    e.message += `\nprobes: ${JSON.stringify(last)}`;
    throw e;
  }
}

/** The colour space of the next frame of peerId's camera tile: VideoFrame.colorSpace.toJSON(). */
const receivedColorSpace = (page, peerId) => page.evaluate(async (id) => {
  const track = document.querySelector(`[data-peer-id="${id}"][data-kind="camera"] video`)?.srcObject?.getVideoTracks()[0];
  if (!track) return null;
  const copy = track.clone();
  const reader = new MediaStreamTrackProcessor({ track: copy }).readable.getReader();
  const { value } = await reader.read();
  const cs = value?.colorSpace.toJSON() ?? null;
  value?.close();
  await reader.cancel();
  copy.stop();
  return cs;
}, peerId);

/** Waits until the sender's stats report `backend` with a face effect on. */
async function waitBackend(page, backend) {
  let last = null;
  await waitFor(async () => {
    last = (await localStats(page)).effects;
    return last && last.backend === backend && last.faces >= 1 ? last : null;
  }, { timeoutMs: 15000, what: `compositing on ${backend} with a face` })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(last)}`; throw e; });
  return last;
}

test('face effects on the WebGL2 back end: touch-up, four filters, with blur, as on the CPU', { timeout: 300000 }, async (t) => {
  const step = stepTimer(t);
  const server = await startBuzzd();
  const cb = await launchPersonBrowser({ extraArgs: GL_ARGS });
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const f = await faceRef(await originalFrameRGBA({ width: 1280, height: 720 }));
  const regions = await regionsAt(W, H);
  const room = await createRoom(server, { name: 'face gl' });
  const sender = await openRoom(cb.browser, server, room.id, { width: 1280, height: 800 });
  const receiver = await openRoom(cb.browser, server, room.id);
  pages.push(sender, receiver);
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  assert.ok((await apiJoin(receiver, { name: 'Rita', camera: false, mic: false })).ok);
  await waitForVideo(receiver, js.id);
  let r = await setEffect(sender, { tier: 'small', backend: 'webgl' });
  assert.ok(r.ok, JSON.stringify(r));
  await waitMetrics(receiver, js.id, f, (m) => m.skinVar > 0, 'the original picture');
  let base = null;
  for (let i = 0; i < 4; i++) {
    await new Promise((res) => setTimeout(res, 800));
    const m = await waitMetrics(receiver, js.id, f, (x) => x.skinVar > 0, 'the original picture');
    if (!base || m.skinVar > base.skinVar) base = m;
  }
  t.diagnostic(`no effect: skin variance ${base.skinVar.toFixed(2)}, eye edges ${base.eyeEdge.toFixed(2)}, lip edges ${base.lipEdge.toFixed(2)}`);
  step('joined, backend webgl');

  // Touch-up at full strength on WebGL2.
  r = await setFace(sender, { touchUp: 100 });
  assert.ok(r.ok, JSON.stringify(r));
  const st = await waitBackend(sender, 'webgl');
  const ok = (m) => m.skinVar < 0.75 * base.skinVar;
  const gl = await waitMetrics(receiver, js.id, f, ok, 'WebGL2: the skin smoothed (cheek variance below 75 % of the original)');
  t.diagnostic(`webgl touch-up 100: skin variance ${(gl.skinVar / base.skinVar).toFixed(2)} of the original, eyes ${(gl.eyeEdge / base.eyeEdge).toFixed(2)}, lips ${(gl.lipEdge / base.lipEdge).toFixed(2)}; stats ${JSON.stringify(st)}`);
  assert.ok(gl.eyeEdge > 0.85 * base.eyeEdge, `WebGL2: eyes keep their edges: ${gl.eyeEdge.toFixed(2)} vs ${base.eyeEdge.toFixed(2)}`);
  assert.ok(gl.lipEdge > 0.85 * base.lipEdge, `WebGL2: lips keep their edges: ${gl.lipEdge.toFixed(2)} vs ${base.lipEdge.toFixed(2)}`);
  // The same on the CPU back end, for comparison (both must pass the same bounds).
  assert.ok((await setEffect(sender, { backend: 'cpu' })).ok);
  await waitBackend(sender, 'cpu');
  const cpu = await waitMetrics(receiver, js.id, f, ok, 'CPU: the skin smoothed');
  t.diagnostic(`cpu touch-up 100: skin variance ${(cpu.skinVar / base.skinVar).toFixed(2)} of the original, eyes ${(cpu.eyeEdge / base.eyeEdge).toFixed(2)}, lips ${(cpu.lipEdge / base.lipEdge).toFixed(2)}`);
  assert.ok((await setEffect(sender, { backend: 'webgl' })).ok);
  await waitBackend(sender, 'webgl');
  step('touch-up on webgl and cpu');

  // Each filter at its texture points, drawn by the GPU; the background untouched.
  const bgBefore = lumaOf(base.frame.data, W, H);
  for (const id of Object.keys(FILTER_PROBES)) {
    r = await setFace(sender, { touchUp: 0, filter: id });
    assert.ok(r.ok, JSON.stringify(r));
    const got = await waitProbe(receiver, js.id, f.m, id, `WebGL2: the ${id} filter at its place (${FILTER_PROBES[id].what})`);
    t.diagnostic(`webgl ${id}: ${JSON.stringify(got.probes.map((p) => [p.x, p.y, p.rgb]))}`);
    const d = regionMean(lumaOf(got.fr.data, W, H).map((v, i) => Math.abs(v - bgBefore[i])), regions.background);
    t.diagnostic(`webgl ${id}: background mean |Δ| ${d.toFixed(2)}`);
    assert.ok(d < 6, `${id}: background unchanged (mean |Δ| ${d.toFixed(2)})`);
    assert.equal((await localStats(sender)).effects.backend, 'webgl');
  }
  step('four filters on webgl');

  // Back to the CPU after WebGL2 frames (what "auto" does after its trial here): the CPU's
  // frames carry their colour space (BT.601, limited range, for this camera that names none),
  // so the receiver does not go on decoding them as the WebGL2 frames' full-range BT.709 (a
  // background shift of mean |Δ| 11 while they carried none).
  assert.ok((await setEffect(sender, { backend: 'cpu' })).ok);
  await waitBackend(sender, 'cpu');
  let bg = null;
  await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    if (!fr) return null;
    bg = { d: regionMean(lumaOf(fr.data, W, H).map((v, i) => Math.abs(v - bgBefore[i])), regions.background),
      colorSpace: await receivedColorSpace(receiver, js.id) };
    return bg.d < 6 && bg.colorSpace?.fullRange === false ? bg : null;
  }, { timeoutMs: 15000, intervalMs: 500, what: 'CPU after WebGL2: the background unchanged, limited-range frames received' })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(bg)}`; throw e; });
  t.diagnostic(`cpu after webgl: background mean |Δ| ${bg.d.toFixed(2)}, received ${JSON.stringify(bg.colorSpace)}`);
  assert.ok((await setEffect(sender, { backend: 'webgl' })).ok);
  await waitBackend(sender, 'webgl');
  step('cpu after webgl');

  // With the background blur: one output pass does both.
  assert.ok((await setEffect(sender, { background: 'blur-light' })).ok);
  r = await setFace(sender, { filter: 'sunglasses', touchUp: 60 });
  assert.ok(r.ok, JSON.stringify(r));
  await waitProbe(receiver, js.id, f.m, 'sunglasses', 'WebGL2: sunglasses over the blurred background');
  const st2 = (await localStats(sender)).effects;
  assert.equal(st2.backend, 'webgl', JSON.stringify(st2));
  assert.equal(st2.background, 'blur-light');
  step('with blur');

  // Everything off after WebGL2 frames: the camera's own frames, which name no colour space,
  // are decoded as what the WebGL2 frames signalled — the camera's (they are I420 in its
  // colour space, as the CPU's), not full-range BT.709 (a shift of mean |Δ| 11.5 when the
  // canvas itself was sent).
  assert.ok((await setEffect(sender, { background: 'none' })).ok);
  assert.ok((await setFace(sender, { touchUp: 0, filter: null })).ok);
  await waitFor(async () => (await localStats(sender)).effects === null, { timeoutMs: 5000, what: 'effects off' });
  let off = null;
  await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    if (!fr) return null;
    off = { d: regionMean(lumaOf(fr.data, W, H).map((v, i) => Math.abs(v - bgBefore[i])), regions.background),
      colorSpace: await receivedColorSpace(receiver, js.id) };
    return off.d < 6 && off.colorSpace?.fullRange === false ? off : null;
  }, { timeoutMs: 15000, intervalMs: 500, what: 'effects off after WebGL2: the camera\'s picture as it was' })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(off)}`; throw e; });
  t.diagnostic(`off after webgl: background mean |Δ| ${off.d.toFixed(2)}, received ${JSON.stringify(off.colorSpace)}`);
  step('off');
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

test('low-light correction on the WebGL2 back end lifts a dim face more than the background', { timeout: 240000 }, async (t) => {
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-face-gl-dark-')));
  const clip = await makePersonY4m(dir, { width: 1280, height: 720, frames: 30, fps: 30 });
  const dark = await darkY4m(clip, path.join(dir, 'dark.y4m'));
  const server = await startBuzzd();
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${dark.file}`,
    '--use-fake-device-for-media-stream=fps=30', ...GL_ARGS]);
  const pages = [];
  t.after(async () => { await closePages(pages); await browser.close(); await server.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const f = await faceRef(await originalFrameRGBA({ width: 1280, height: 720 }));
  const face = patches(f.m, [...CHEEKS, 1, 4, 151, 9], W, H, 3);
  const regions = await regionsAt(W, H);
  const room = await createRoom(server, { name: 'dim gl' });
  const sender = await openRoom(browser, server, room.id, { width: 1280, height: 800 });
  const receiver = await openRoom(browser, server, room.id);
  pages.push(sender, receiver);
  assert.ok((await apiJoin(receiver, { name: 'Rita', camera: false, mic: false })).ok);
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  await waitForVideo(receiver, js.id);
  assert.ok((await setEffect(sender, { tier: 'small', backend: 'webgl' })).ok);
  const before = await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    return fr ? lumaOf(fr.data, W, H) : null;
  }, { timeoutMs: 20000, what: 'the dark picture' });
  const f0 = regionMean(before, face), b0 = regionMean(before, regions.background);
  const r = await setFace(sender, { lowLight: true });
  assert.ok(r.ok, JSON.stringify(r));
  await waitBackend(sender, 'webgl');
  let last = null;
  await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    if (!fr) return null;
    const y = lumaOf(fr.data, W, H);
    last = { face: regionMean(y, face), bg: regionMean(y, regions.background) };
    return last.face - f0 > 15 && last.face - f0 > 1.5 * (last.bg - b0) ? last : null;
  }, { timeoutMs: 25000, intervalMs: 400, what: `WebGL2: the face brightened more than the background (face ${f0.toFixed(1)}, background ${b0.toFixed(1)} before)` })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(last)}`; throw e; });
  t.diagnostic(`webgl low light: face luma ${f0.toFixed(1)} → ${last.face.toFixed(1)}, background ${b0.toFixed(1)} → ${last.bg.toFixed(1)}`);
  assert.equal((await localStats(sender)).effects.backend, 'webgl');
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

test('the WebGL2 back end hands the encoder I420 in the camera\'s colour space: the face pass with neutral data gives the camera\'s bytes', { timeout: 120000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser({ extraArgs: GL_ARGS });
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const room = await createRoom(server, { name: 'gl i420' });
  const page = await openRoom(cb.browser, server, room.id);
  pages.push(page);
  const r = await page.evaluate(async () => {
    const { GLCompositor } = await import('/js/effects/gl-compositor.js');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
    const reader = new MediaStreamTrackProcessor({ track: stream.getVideoTracks()[0] }).readable.getReader();
    const f = (await reader.read()).value;
    const w = f.displayWidth, h = f.displayHeight;
    const cam = new Uint8Array((w * h * 3) / 2);
    await f.copyTo(cam, { layout: [{ offset: 0, stride: w }, { offset: w * h, stride: w / 2 }, { offset: (w * h * 5) / 4, stride: w / 2 }] });
    const gl = new GLCompositor(new OffscreenCanvas(2, 2));
    // Neutral face data: the low-light curve at γ = 1 and gain 1 everywhere, no skin to smooth.
    const gw = Math.ceil(w / 16), gh = Math.ceil(h / 16);
    const grid = new Uint8Array(gw * gh * 2);
    for (let i = 0; i < gw * gh; i++) grid[2 * i] = 255;
    gl.composite(f, null, 0, 0, 'none', 0, { touch: 80, radius: 8, skin: { data: new Uint8Array(w * h), w, h },
      light: { gw, gh, data: grid }, sprite: null, lattices: [] });
    const yuv = gl.readI420(0, false);
    const plane = (a, b) => {
      let s = 0, mx = 0;
      for (let i = a; i < b; i++) { const d = Math.abs(yuv[i] - cam[i]); s += d; mx = Math.max(mx, d); }
      return { mean: s / (b - a), max: mx };
    };
    const out = { format: f.format, colorSpace: f.colorSpace.toJSON(), w, h, y: plane(0, w * h),
      u: plane(w * h, (w * h * 5) / 4), v: plane((w * h * 5) / 4, (w * h * 3) / 2) };
    f.close();
    await reader.cancel();
    stream.getTracks().forEach((x) => x.stop());
    gl.destroy();
    return out;
  });
  t.diagnostic(JSON.stringify(r));
  assert.equal(r.format, 'I420', 'the fake camera gives I420');
  // Through RGB and back: the same bytes but for rounding (and values outside 16..235 clipped).
  for (const k of ['y', 'u', 'v']) assert.ok(r[k].mean < 0.1, `${k}: mean |Δ| ${r[k].mean.toFixed(3)} against the camera's bytes`);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});
