// Background effects: the main-thread fallback (a page without MediaStreamTrackProcessor, as
// in Firefox and Safari), the pre-join preview, and bad input (an upload that is not an image,
// a 50-megapixel picture, a model whose bytes do not match the manifest): each gives a clear
// error and the call goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBuzzd, createRoom, ROOT } from '../lib/buzzd.mjs';
import { openRoom, apiJoin, waitForVideo, closePages, pageDiag, framesDecoded, pressControl } from '../lib/client.mjs';
import { waitFor, tempDir } from '../lib/proc.mjs';
import { originalFrameRGBA, regionsAt, lumaOf, localVariance, meanAbsDiff } from '../lib/person.mjs';
import { launchPersonBrowser, grabFrame, setEffect, localStats, waitEffectRunning, GRAB_W, GRAB_H } from '../lib/effects.mjs';

const W = GRAB_W, H = GRAB_H;

async function reference() {
  const orig = await originalFrameRGBA({ width: W, height: H });
  const regions = await regionsAt(W, H);
  const luma = lumaOf(orig.data, W, H);
  return { luma, regions, bgVar: localVariance(luma, W, H, regions.background) };
}

async function waitBlurred(page, peerId, ref, what) {
  let last = null;
  try {
    return await waitFor(async () => {
      const f = await grabFrame(page, peerId);
      if (!f) return null;
      const y = lumaOf(f.data, W, H);
      last = { bgVar: localVariance(y, W, H, ref.regions.background), person: meanAbsDiff(y, ref.luma, ref.regions.person) };
      return last.bgVar < 0.5 * ref.bgVar && last.person < 30 ? last : null;
    }, { timeoutMs: 25000, intervalMs: 500, what });
  } catch (e) {
    e.message += `\nlast ${JSON.stringify(last)} original variance ${ref.bgVar.toFixed(1)}\n${pageDiag(page)}`;
    throw e;
  }
}

test('fallback without MediaStreamTrackProcessor, and the pre-join preview', { timeout: 180000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const ref = await reference();
  const room = await createRoom(server, { name: 'fx fallback' });
  const noProcessor = () => { delete window.MediaStreamTrackProcessor; delete window.MediaStreamTrackGenerator; delete window.VideoTrackGenerator; };
  const sender = await openRoom(cb.browser, server, room.id, { init: noProcessor });
  const receiver = await openRoom(cb.browser, server, room.id);
  pages.push(sender, receiver);
  assert.equal(await sender.evaluate(() => typeof window.MediaStreamTrackProcessor), 'undefined');

  // Before joining: the pre-join preview shows the effect.
  await sender.getByRole('button', { name: 'Join', exact: true }).waitFor();
  let r = await setEffect(sender, { background: 'blur-strong' });
  assert.ok(r.ok, JSON.stringify(r));
  await waitBlurred(sender, 'self', ref, 'a blurred pre-join preview');
  const pre = await localStats(sender);
  assert.equal(pre.video, null, 'no outgoing video before join');
  assert.equal(pre.effects.path, 'main-thread');

  const js = await apiJoin(sender, { name: 'Fox' });
  assert.ok(js.ok, JSON.stringify(js));
  const jr = await apiJoin(receiver, { name: 'Ray', camera: false, mic: false });
  assert.ok(jr.ok, JSON.stringify(jr));
  await waitForVideo(receiver, js.id);
  const got = await waitBlurred(receiver, js.id, ref, 'the fallback path blur at the receiver (the setting carried into the call)');
  t.diagnostic(`fallback blur at the receiver: ${JSON.stringify(got)}`);
  await waitEffectRunning(sender);
  r = await setEffect(sender, { background: 'none' });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal((await localStats(sender)).effects, null);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
});

test('bad input: not an image, 50 megapixels, a model that does not match the manifest', { timeout: 180000 }, async (t) => {
  // A copy of the built assets whose small model has one byte changed (same name and manifest).
  const dir = tempDir(fs.mkdtempSync(path.join(ROOT, 'build', 'fx-bad-assets-')));
  fs.cpSync(path.join(ROOT, 'build', 'assets'), dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const small = path.join(dir, manifest.models.selfie_landscape.path);
  const bytes = fs.readFileSync(small);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(small, bytes);
  const good = await startBuzzd();
  const bad = await startBuzzd({ config: JSON.stringify({ assets_dir: dir }) });
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => {
    await closePages(pages); await cb.close(); await good.stop(); await bad.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const room = await createRoom(good, { name: 'fx bad input' });
  const a = await openRoom(cb.browser, good, room.id);
  const b = await openRoom(cb.browser, good, room.id);
  pages.push(a, b);
  const ja = await apiJoin(a, { name: 'Ann' });
  const jb = await apiJoin(b, { name: 'Bob', camera: false, mic: false });
  assert.ok(ja.ok && jb.ok);
  await waitForVideo(b, ja.id);

  // Bytes that are not an image.
  let r = await a.evaluate(async () => {
    try { await window.buzzstream.setEffect({ background: 'image', image: new Blob(['hello, not a picture'], { type: 'image/png' }) }); return { ok: true }; } catch (e) { return { code: e.code, message: e.message }; }
  });
  assert.equal(r.code, 'image_invalid', JSON.stringify(r));
  assert.match(r.message, /not an image/i);
  // A 50-megapixel picture is scaled down, not refused: 8660×5774 JPEG made in the page.
  r = await a.evaluate(async () => {
    const c = new OffscreenCanvas(8660, 5774);
    const g = c.getContext('2d');
    g.fillStyle = 'rgb(200, 40, 40)';
    g.fillRect(0, 0, c.width, c.height);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
    try { await window.buzzstream.setEffect({ background: 'image', image: blob }); return { ok: true, size: blob.size }; } catch (e) { return { code: e.code, message: e.message }; }
  });
  assert.ok(r.ok, `a 50 MP image is accepted: ${JSON.stringify(r)}`);
  // Over 25 MB is refused with the limit named.
  r = await a.evaluate(async () => {
    try { await window.buzzstream.setEffect({ background: 'image', image: new Blob([new Uint8Array(26 * 1024 * 1024)], { type: 'image/jpeg' }) }); return { ok: true }; } catch (e) { return { code: e.code, message: e.message }; }
  });
  assert.equal(r.code, 'image_invalid', JSON.stringify(r));
  assert.match(r.message, /25 MB/);
  // The call went on all along.
  const before = await framesDecoded(b, ja.id);
  await waitFor(async () => (await framesDecoded(b, ja.id)) > before + 10, { timeoutMs: 10000, what: 'video still flowing' });

  // A tampered model: setEffect rejects with model_load_failed, naming the SHA-256 check.
  const room2 = await createRoom(bad, { name: 'fx tampered' });
  const c = await openRoom(cb.browser, bad, room2.id);
  const d = await openRoom(cb.browser, bad, room2.id);
  pages.push(c, d);
  const jc = await apiJoin(c, { name: 'Cy' });
  const jd = await apiJoin(d, { name: 'Di', camera: false, mic: false });
  assert.ok(jc.ok && jd.ok);
  await waitForVideo(d, jc.id);
  r = await setEffect(c, { background: 'blur-light' });
  assert.equal(r.code, 'model_load_failed', JSON.stringify(r));
  assert.match(r.message, /SHA-256/);
  const before2 = await framesDecoded(d, jc.id);
  await waitFor(async () => (await framesDecoded(d, jc.id)) > before2 + 10, { timeoutMs: 10000, what: 'video still flowing after the failed model' });
  assert.equal((await localStats(c)).effects, null, 'no effect after the failure');
  assert.equal((await c.evaluate(() => window.buzzstream.effect())).background, 'none', 'the failed effect is not kept');
});

test('camera off: setEffect resolves at once and the effect applies when the camera turns on', { timeout: 120000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const ref = await reference();
  const room = await createRoom(server, { name: 'fx camera off' });
  const a = await openRoom(cb.browser, server, room.id);
  const b = await openRoom(cb.browser, server, room.id);
  pages.push(a, b);
  const ja = await apiJoin(a, { name: 'Ann', camera: false });
  const jb = await apiJoin(b, { name: 'Bob', camera: false, mic: false });
  assert.ok(ja.ok && jb.ok);
  const r = await setEffect(a, { background: 'blur-strong' });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal((await a.evaluate(() => window.buzzstream.effect())).background, 'blur-strong');
  await a.evaluate(() => window.buzzstream.setCamera(true));
  await waitForVideo(b, ja.id);
  const got = await waitBlurred(b, ja.id, ref, 'the effect on the camera turned on after setEffect');
  t.diagnostic(`camera turned on later: ${JSON.stringify(got)}`);
  // On a phone-sized screen the control bar fits without scrolling and Effects is an item of
  // "More options" that opens the dialog.
  await a.setViewportSize({ width: 390, height: 844 });
  const bar = await a.evaluate(() => { const n = document.querySelector('nav.controls'); return [n.scrollWidth, n.clientWidth]; });
  assert.ok(bar[0] <= bar[1], `control bar ${bar[0]} px wide in ${bar[1]} px`);
  await pressControl(a, 'Effects');
  const phoneDialog = a.getByRole('dialog', { name: 'Effects' });
  await phoneDialog.waitFor();
  await phoneDialog.getByRole('button', { name: 'Close', exact: true }).click();
  // Off and on again: still processed.
  await a.evaluate(() => window.buzzstream.setCamera(false));
  await a.evaluate(() => window.buzzstream.setCamera(true));
  await waitBlurred(b, ja.id, ref, 'the effect after the camera was turned off and on');
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
});

test('compositing back ends: "auto" measures both and keeps the faster; "webgl" runs the WebGL2 one', { timeout: 150000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const ref = await reference();
  const room = await createRoom(server, { name: 'fx back ends' });
  const a = await openRoom(cb.browser, server, room.id);
  const b = await openRoom(cb.browser, server, room.id);
  pages.push(a, b);
  const ja = await apiJoin(a, { name: 'Ann' });
  const jb = await apiJoin(b, { name: 'Bob', camera: false, mic: false });
  assert.ok(ja.ok && jb.ok);
  await waitForVideo(b, ja.id);
  let r = await setEffect(a, { background: 'blur-strong' });
  assert.ok(r.ok, JSON.stringify(r));
  const trial = await waitFor(async () => (await localStats(a)).effects?.backendTrial, { timeoutMs: 20000, what: 'the start-up measurement of both back ends' });
  t.diagnostic(`auto: cpu ${trial.cpuMs.toFixed(1)} ms, webgl ${trial.webglMs.toFixed(1)} ms → ${trial.chosen}`);
  assert.equal(trial.chosen, trial.cpuMs <= trial.webglMs ? 'cpu' : 'webgl', 'the faster back end is kept');
  await waitFor(async () => (await localStats(a)).effects.backend === trial.chosen, { timeoutMs: 5000, what: 'the chosen back end in use' });
  // Forced WebGL2 (with a pinned tier, so a slow software WebGL does not pause the effect).
  r = await setEffect(a, { backend: 'webgl', tier: 'small' });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(async () => (await localStats(a)).effects.backend === 'webgl', { timeoutMs: 5000, what: 'backend webgl' });
  assert.equal((await a.evaluate(() => window.buzzstream.effect())).backend, 'webgl');
  const got = await waitBlurred(b, ja.id, ref, 'the WebGL2 blur at the receiver');
  t.diagnostic(`webgl blur at the receiver: ${JSON.stringify(got)}`);
  r = await setEffect(a, { backend: 'cpu' });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(async () => (await localStats(a)).effects.backend === 'cpu', { timeoutMs: 5000, what: 'backend cpu' });
  await waitBlurred(b, ja.id, ref, 'the CPU blur at the receiver');
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
});
