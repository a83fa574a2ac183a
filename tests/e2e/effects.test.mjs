// Background effects in a call: the sender turns each effect on through the Effects dialog
// (by accessible name) and through window.buzzstream.setEffect; the receiver's decoded frames
// must show it. Regions come from the reference runtime's mask of the fake camera's picture
// (tests/lib/person.mjs), never from the engine under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { openRoom, apiJoin, waitForVideo, closePages, pageDiag, stepTimer, control } from '../lib/client.mjs';
import { waitFor } from '../lib/proc.mjs';
import { originalFrameRGBA, regionsAt, lumaOf, meanAbsDiff, localVariance, matchImage, loadBackground } from '../lib/person.mjs';
import { launchPersonBrowser, grabFrame, setEffect, effectState, localStats, waitEffectRunning,
  GRAB_W, GRAB_H } from '../lib/effects.mjs';

const W = GRAB_W, H = GRAB_H;

/** Metrics of a received frame against the original picture, per reference region. */
function measure(frame, ref) {
  const y = lumaOf(frame.data, W, H);
  return {
    personDiff: meanAbsDiff(y, ref.luma, ref.regions.person),
    bgDiff: meanAbsDiff(y, ref.luma, ref.regions.background),
    bgVar: localVariance(y, W, H, ref.regions.background),
    frame,
  };
}

async function waitFrame(page, peerId, ref, ok, what, timeoutMs = 20000) {
  let last = null;
  try {
    return await waitFor(async () => {
      const f = await grabFrame(page, peerId);
      if (!f) return null;
      last = measure(f, ref);
      return ok(last) ? last : null;
    }, { timeoutMs, intervalMs: 400, what });
  } catch (e) {
    const { frame, ...m } = last ?? {};
    e.message += `\nlast: ${JSON.stringify(m)} (original background variance ${ref.bgVar.toFixed(1)})\n${pageDiag(page)}`;
    throw e;
  }
}

test('effects in a call: blur, built-in image, upload and "No effect", through the dialog and the API', { timeout: 240000 }, async (t) => {
  const step = stepTimer(t);
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const orig = await originalFrameRGBA({ width: W, height: H });
  const regions = await regionsAt(W, H);
  const ref = { luma: lumaOf(orig.data, W, H), regions };
  ref.bgVar = localVariance(ref.luma, W, H, regions.background);
  step('fixture and reference mask');

  const room = await createRoom(server, { name: 'fx call' });
  const sender = await openRoom(cb.browser, server, room.id, { width: 1280, height: 800 });
  const receiver = await openRoom(cb.browser, server, room.id);
  pages.push(sender, receiver);
  const images = await sender.evaluate(() => window.buzzstream.effectImages());
  assert.ok(images.length >= 6, `at least six built-in backgrounds: ${JSON.stringify(images)}`);
  for (const im of images) assert.ok(im.id && im.title, JSON.stringify(im));
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  const jr = await apiJoin(receiver, { name: 'Rita', camera: false, mic: false });
  assert.ok(jr.ok, JSON.stringify(jr));
  await waitForVideo(receiver, js.id);
  step('join 2');

  // Without an effect the receiver sees the original picture.
  const base = await waitFrame(receiver, js.id, ref, (m) => m.personDiff < 25 && m.bgDiff < 25, 'the original picture');
  t.diagnostic(`no effect: person ${base.personDiff.toFixed(1)} background ${base.bgDiff.toFixed(1)} var ${base.bgVar.toFixed(1)} / ${ref.bgVar.toFixed(1)}`);
  assert.equal((await localStats(sender)).effects, null, 'no effect → localStats().effects is null');

  // Strong blur through the dialog, found by accessible names.
  await control(sender, 'Effects').click();
  const dialog = sender.getByRole('dialog', { name: 'Effects' });
  await dialog.waitFor();
  const group = dialog.getByRole('group', { name: 'Background' });
  for (const n of ['No effect', 'Light blur', 'Strong blur', ...images.map((i) => i.title)]) {
    assert.equal(await group.getByRole('radio', { name: n, exact: true }).count(), 1, `radio "${n}"`);
  }
  assert.equal(await dialog.getByRole('combobox', { name: 'Model quality' }).count(), 1);
  await group.getByRole('radio', { name: 'Strong blur', exact: true }).check();
  await waitEffectRunning(sender);
  const blurred = await waitFrame(receiver, js.id, ref, (m) => m.bgVar < 0.45 * ref.bgVar && m.personDiff < 30,
    'the background blurred and the person kept');
  t.diagnostic(`strong blur: person ${blurred.personDiff.toFixed(1)} background var ${blurred.bgVar.toFixed(1)} / ${ref.bgVar.toFixed(1)}`);
  const st = await localStats(sender);
  assert.equal(st.effects.background, 'blur-strong');
  assert.ok(['small', 'medium', 'large'].includes(st.effects.activeTier), JSON.stringify(st.effects));
  for (const k of ['fps', 'inferEvery', 'inferMs', 'compositeMs', 'addedLatencyMs', 'switches']) {
    assert.equal(typeof st.effects[k], 'number', `effects.${k}: ${JSON.stringify(st.effects)}`);
  }
  assert.ok(st.video && st.video.width > 0 && typeof st.video.qualityLimitationReason === 'string', JSON.stringify(st.video));
  // The relaxed-SIMD engine where this Chromium validates relaxed SIMD, nn.wasm otherwise.
  const relaxed = await sender.evaluate(async () => (await import('/js/nn/nn.js')).NN.relaxedSimdAvailable());
  assert.equal(st.effects.kernels, relaxed ? 'wasm-relaxed-simd128' : 'wasm-simd128', `kernels with relaxed SIMD ${relaxed}`);
  t.diagnostic(`engine: ${st.effects.kernels}`);
  assert.ok(await sender.locator('[data-peer-id="self"] .tier-badge:not([hidden])').count() === 1, 'tier badge on the self-view');
  step('strong blur via dialog');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();

  // Light blur through the API: less smoothing than strong blur, more than none.
  let r = await setEffect(sender, { background: 'blur-light' });
  assert.ok(r.ok, JSON.stringify(r));
  const light = await waitFrame(receiver, js.id, ref, (m) => m.bgVar < 0.8 * ref.bgVar && m.bgVar > blurred.bgVar * 1.1,
    'a lighter blur than "Strong blur"');
  t.diagnostic(`light blur: background var ${light.bgVar.toFixed(1)}`);

  // A built-in image: the background region matches the chosen picture.
  const pick = images[1];
  r = await setEffect(sender, { background: 'image', image: pick.id });
  assert.ok(r.ok, JSON.stringify(r));
  const file = await sender.evaluate(async (id) => {
    const m = await (await fetch('/assets/manifest.json')).json();
    return m.backgrounds[id].path;
  }, pick.id);
  const bg = await loadBackground(`build/assets/${file}`, W, H);
  const before = matchImage(orig.data, bg.data, regions.background);
  const replaced = await waitFor(async () => {
    const f = await grabFrame(receiver, js.id);
    if (!f) return null;
    const d = matchImage(f.data, bg.data, regions.background);
    const p = meanAbsDiff(lumaOf(f.data, W, H), ref.luma, regions.person);
    return d < 30 && d < 0.6 * before && p < 30 ? { d, p } : null;
  }, { timeoutMs: 20000, intervalMs: 400, what: `the background replaced by "${pick.title}"` });
  t.diagnostic(`image ${pick.id}: background vs image ${replaced.d.toFixed(1)} (original vs image ${before.toFixed(1)}), person ${replaced.p.toFixed(1)}`);
  assert.deepEqual({ ...(await effectState(sender)), activeTier: null },
    { background: 'image', image: pick.id, tier: 'auto', activeTier: null, backend: 'cpu' });

  // An uploaded picture through the dialog's file input: a flat colour is easy to recognise.
  await control(sender, 'Effects').click();
  await dialog.waitFor();
  const png = await sender.evaluate(async () => {
    const c = new OffscreenCanvas(320, 180);
    const g = c.getContext('2d');
    g.fillStyle = 'rgb(30, 160, 60)';
    g.fillRect(0, 0, 320, 180);
    const b = await c.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await b.arrayBuffer()));
  });
  await dialog.getByLabel('Background image file').setInputFiles({ name: 'green.png', mimeType: 'image/png', buffer: Buffer.from(png) });
  await waitFor(async () => {
    const f = await grabFrame(receiver, js.id);
    if (!f) return null;
    let g = 0, n = 0;
    for (let i = 0; i < regions.background.length; i++) {
      if (!regions.background[i]) continue;
      const o = i * 4;
      g += Math.abs(f.data[o] - 30) + Math.abs(f.data[o + 1] - 160) + Math.abs(f.data[o + 2] - 60);
      n++;
    }
    return g / n / 3 < 20 ? true : null;
  }, { timeoutMs: 20000, intervalMs: 400, what: 'the uploaded green picture behind the person' });
  assert.equal((await effectState(sender)).image, 'custom');
  assert.equal(await dialog.getByRole('radio', { name: 'Your image', exact: true }).isChecked(), true);
  step('image and upload');

  // "No effect" (dialog) restores the original.
  await dialog.getByRole('radio', { name: 'No effect', exact: true }).check();
  await waitFrame(receiver, js.id, ref, (m) => m.bgDiff < 25 && m.personDiff < 25, 'the original picture again');
  await waitFor(async () => (await localStats(sender)).effects === null, { timeoutMs: 5000, what: 'effects null' });
  await sender.keyboard.press('Escape');
  assert.equal(await dialog.count(), 0, 'Escape closes the dialog');

  // The shortcut opens it; the choice is remembered for the next call (same browser profile).
  await sender.keyboard.press('e');
  await dialog.waitFor();
  await sender.keyboard.press('Escape');
  r = await setEffect(sender, { background: 'blur-light', tier: 'small' });
  assert.ok(r.ok, JSON.stringify(r));
  // Leave first: a second page of the same profile would replace this one in the room.
  await sender.evaluate(() => window.buzzstream.leave());
  const again = await sender.context().newPage();
  const fetched = [];
  again.on('request', (q) => { if (/\/assets\/(nn\.|models\/|backgrounds\/[^/]*[0-9a-f]{16}\.jpg)/.test(q.url())) fetched.push(q.url()); });
  await again.goto(`${server.url}/r/${room.id}`);
  await again.waitForFunction(() => window.buzzstream);
  const remembered = await again.evaluate(() => window.buzzstream.effect());
  assert.equal(remembered.background, 'blur-light');
  assert.equal(remembered.tier, 'small');
  // The remembered effect runs on the pre-join preview, from Cache Storage: no download.
  await waitEffectRunning(again);
  assert.deepEqual(fetched, [], 'nn.wasm and the models come from Cache Storage on a second visit');
  await again.close();
  step('none, shortcut, remembered');
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});
