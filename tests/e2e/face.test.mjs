// Face effects in a call (docs/client-api.md, "Face effects"): the sender turns them on through
// the Effects dialog's "Face" group (accessible names) and window.buzzstream.setFaceEffect;
// the receiver's decoded frames must show them where the reference runtime puts the face
// (tests/lib/face-ref.mjs: TensorFlow Lite's own detection + landmark run on the camera's
// picture), never where our engine says it is.
//
//   touch-up:  local variance on the cheeks drops; edge energy of the eyes and lips stays
//   filters:   each filter's colour appears at its texture points mapped through the
//              reference mesh (tests/lib/face-metrics.mjs), the background is untouched
//              (after the "auto" back-end trial's WebGL2 frames; face-gl.test.mjs pins them)
//   low light: on a darkened copy of the camera, the face's luma rises more than the
//              background's (set before join(): the pre-join preview runs it)
//   moving:    a camera whose face slides and tilts (tests/lib/face-video.mjs): in frames
//              grabbed at different times the face paint sits where the reference runtime
//              finds the face in that very frame
//   FACE_SHOTS=DIR saves the self-view and the dialog (1280×800 and 390×844) as PNGs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { openRoom, apiJoin, waitForVideo, closePages, pageDiag, stepTimer, control, pressControl } from '../lib/client.mjs';
import { launchBrowser } from '../lib/chromium.mjs';
import { waitFor, tempDir } from '../lib/proc.mjs';
import { originalFrameRGBA, regionsAt, lumaOf, makePersonY4m } from '../lib/person.mjs';
import { launchPersonBrowser, grabFrame, localStats, recordTiers, tierEvents, GRAB_W, GRAB_H } from '../lib/effects.mjs';
import { reference } from '../lib/face-ref.mjs';
import { encodePng } from '../nn-ref/png.mjs';
import { darkY4m, movingFaceY4m } from '../lib/face-video.mjs';
import { scaleMesh, patches, boxOf, edgeEnergy, regionMean, localVariance, texToPixel, rgbAt, FILTER_PROBES,
  EYE_R, EYE_L, LIPS, CHEEKS } from '../lib/face-metrics.mjs';

const W = GRAB_W, H = GRAB_H;
const SHOTS = process.env.FACE_SHOTS || null;

/** setFaceEffect through the API: {ok, code, message, ms}. */
const setFace = (page, change) => page.evaluate(async (c) => {
  const t0 = performance.now();
  try {
    await window.buzzstream.setFaceEffect(c);
    return { ok: true, ms: performance.now() - t0 };
  } catch (e) {
    return { ok: false, code: e.code, message: e.message };
  }
}, change);
const faceState = (page) => page.evaluate(() => window.buzzstream.faceEffect());

/** The reference face of the camera picture at the grab size, and its regions. */
async function faceRef(img) {
  const ref = await reference(img);
  assert.equal(ref.length, 1, 'the reference runtime finds the face');
  const m = scaleMesh(ref[0].mesh, img, W, H);
  return {
    m,
    skin: patches(m, CHEEKS, W, H, 3),
    eyes: [boxOf(m, EYE_R, W, H, 1), boxOf(m, EYE_L, W, H, 1)],
    lips: boxOf(m, LIPS, W, H, 1),
  };
}

function faceMetrics(frame, f) {
  const y = lumaOf(frame.data, W, H);
  return {
    skinVar: localVariance(y, W, H, f.skin, 2),
    eyeEdge: (edgeEnergy(y, W, H, f.eyes[0]) + edgeEnergy(y, W, H, f.eyes[1])) / 2,
    lipEdge: edgeEnergy(y, W, H, f.lips),
    frame,
  };
}

async function waitMetrics(page, peerId, f, ok, what, timeoutMs = 25000) {
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

/** Each probe of `filter` in a frame: {x, y, rgb, ok}. near > 0: ok when a pixel within
 * `near` pixels of the probe matches (the moving face: 2 % of the frame). */
function probe(frame, m, filter, near = 0) {
  const p = FILTER_PROBES[filter];
  return p.points.map(([u, v]) => {
    const [x, y] = texToPixel(m, u, v);
    const rgb = rgbAt(frame, x, y, 1);
    let ok = p.ok(rgb);
    for (let dy = -near; dy <= near && !ok; dy++) {
      for (let dx = -near; dx <= near && !ok; dx++) if (dx * dx + dy * dy <= near * near) ok = p.ok(rgbAt(frame, x + dx, y + dy, 0));
    }
    return { u, v, x: +x.toFixed(1), y: +y.toFixed(1), rgb: rgb.map(Math.round), ok };
  });
}

/** FACE_SHOTS: the page (the dialogs) or the self-view's video (the effects). */
async function shot(page, name, { tile = true } = {}) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  if (tile) await page.locator('[data-peer-id="self"] video').first().screenshot({ path: file });
  else await page.screenshot({ path: file });
}

test('face effects in a call: the dialog, touch-up, four filters, combined with blur, errors', { timeout: 300000 }, async (t) => {
  const step = stepTimer(t);
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const f = await faceRef(await originalFrameRGBA({ width: 1280, height: 720 }));
  const regions = await regionsAt(W, H);
  step('reference face and mask');

  const room = await createRoom(server, { name: 'face call' });
  const sender = await openRoom(cb.browser, server, room.id, { width: 1280, height: 800 });
  const receiver = await openRoom(cb.browser, server, room.id);
  pages.push(sender, receiver);
  const filters = await sender.evaluate(() => window.buzzstream.faceFilters());
  assert.deepEqual(filters.map((x) => x.id), ['sunglasses', 'crown', 'moustache', 'face-paint']);
  assert.deepEqual(await faceState(sender), { touchUp: 0, lowLight: false, filter: null, activeTier: null });
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  const jr = await apiJoin(receiver, { name: 'Rita', camera: false, mic: false });
  assert.ok(jr.ok, JSON.stringify(jr));
  await waitForVideo(receiver, js.id);
  // The small tier pinned: the shared policy never pauses a pinned tier on this busy machine.
  assert.ok((await sender.evaluate(() => window.buzzstream.setEffect({ tier: 'small' }).then(() => true))));
  // The original as received once the encoder has ramped up: the most textured of a few frames.
  await waitMetrics(receiver, js.id, f, (m) => m.skinVar > 0, 'the original picture');
  let base = null;
  for (let i = 0; i < 4; i++) {
    await new Promise((res) => setTimeout(res, 800));
    const m = await waitMetrics(receiver, js.id, f, (x) => x.skinVar > 0, 'the original picture');
    if (!base || m.skinVar > base.skinVar) base = m;
  }
  t.diagnostic(`no effect: skin variance ${base.skinVar.toFixed(2)}, eye edges ${base.eyeEdge.toFixed(2)}, lip edges ${base.lipEdge.toFixed(2)}`);
  step('join 2');

  // The dialog's Face group, by accessible names.
  await control(sender, 'Effects').click();
  const dialog = sender.getByRole('dialog', { name: 'Effects' });
  await dialog.waitFor();
  const group = dialog.getByRole('group', { name: 'Face' });
  const touch = group.getByRole('checkbox', { name: 'Touch-up', exact: true });
  const strength = group.getByRole('slider', { name: 'Touch-up strength', exact: true });
  const low = group.getByRole('checkbox', { name: 'Low-light correction', exact: true });
  for (const n of ['No filter', ...filters.map((x) => x.title)]) {
    assert.equal(await group.getByRole('radio', { name: n, exact: true }).count(), 1, `radio "${n}"`);
  }
  assert.equal(await group.getByRole('radio', { name: 'No filter', exact: true }).isChecked(), true);
  assert.equal(await touch.isChecked(), false);
  assert.equal(await low.isChecked(), false);
  await recordTiers(sender);
  await shot(sender, 'dialog-1280x800', { tile: false });
  await touch.check();
  // Until the pipeline runs (models loaded), touch-up is set but has no tier yet; the start is
  // announced (effect-tier, effect "face") only to the face effects on at that moment.
  await waitFor(async () => { const f = await faceState(sender); return f.touchUp === 50 && f.activeTier === 'small'; },
    { timeoutMs: 25000, what: 'touch-up at 50 (the first strength), running on the small tier' });
  assert.equal(await strength.inputValue(), '50');
  await strength.fill('80');
  await waitFor(async () => (await faceState(sender)).touchUp === 80, { timeoutMs: 15000, what: 'touch-up at 80 from the slider' });
  await touch.uncheck();
  await waitFor(async () => (await faceState(sender)).touchUp === 0, { timeoutMs: 15000, what: 'touch-up off' });
  await touch.check();
  await waitFor(async () => (await faceState(sender)).touchUp === 80, { timeoutMs: 15000, what: 'touch-up back at the last strength' });
  await group.getByRole('radio', { name: 'Sunglasses', exact: true }).check();
  await waitFor(async () => (await faceState(sender)).filter === 'sunglasses', { timeoutMs: 15000, what: 'the sunglasses filter' });
  await group.getByRole('radio', { name: 'No filter', exact: true }).check();
  await waitFor(async () => (await faceState(sender)).filter === null, { timeoutMs: 15000, what: 'no filter' });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  step('dialog');

  // Touch-up at full strength: skin smoother, eyes and lips as sharp.
  let r = await setFace(sender, { touchUp: 100 });
  assert.ok(r.ok, JSON.stringify(r));
  const smooth = await waitMetrics(receiver, js.id, f, (m) => m.skinVar < 0.75 * base.skinVar,
    'the skin smoothed (local variance on the cheeks below 75 % of the original)');
  t.diagnostic(`touch-up 100: skin variance ${smooth.skinVar.toFixed(2)} (${(smooth.skinVar / base.skinVar).toFixed(2)} of the original), eye edges ${smooth.eyeEdge.toFixed(2)}, lip edges ${smooth.lipEdge.toFixed(2)}`);
  assert.ok(smooth.eyeEdge > 0.85 * base.eyeEdge, `eyes keep their edges: ${smooth.eyeEdge.toFixed(2)} vs ${base.eyeEdge.toFixed(2)}`);
  assert.ok(smooth.lipEdge > 0.85 * base.lipEdge, `lips keep their edges: ${smooth.lipEdge.toFixed(2)} vs ${base.lipEdge.toFixed(2)}`);
  let st = (await localStats(sender)).effects;
  assert.ok(st, 'localStats().effects is non-null while a face effect is on');
  assert.equal(st.background, 'none');
  assert.equal(st.faces, 1, JSON.stringify(st));
  for (const k of ['detectMs', 'landmarkMs', 'trackedFrames', 'redetections']) assert.equal(typeof st[k], 'number', k);
  assert.ok(st.landmarkMs > 0 && st.trackedFrames > 0, JSON.stringify(st));
  assert.equal((await sender.evaluate(() => window.buzzstream.effect())).activeTier, null, 'no background effect');
  assert.equal((await faceState(sender)).activeTier, 'small');
  const ev = await tierEvents(sender);
  assert.ok(ev.some((e) => e.effect === 'face' && e.to === 'small'), `effect-tier events name the face effect: ${JSON.stringify(ev)}`);
  assert.ok(ev.every((e) => e.effect === 'face'), 'no background event while only the face effect runs');
  // "auto" timed both back ends with the face effect on (4 frames each, where WebGL2 exists):
  // the filters' background check below then runs on frames sent after WebGL2 ones.
  t.diagnostic(`back-end trial: ${JSON.stringify(st.backendTrial)}`);
  await shot(sender, 'touchup-100');
  step('touch-up');

  // Each filter lands at its texture points on the reference mesh; the background stays.
  const bgBefore = lumaOf(base.frame.data, W, H);
  for (const x of filters) {
    r = await setFace(sender, { touchUp: 0, filter: x.id });
    assert.ok(r.ok, JSON.stringify(r));
    let last = null;
    try {
      await waitFor(async () => {
        const fr = await grabFrame(receiver, js.id);
        if (!fr) return null;
        last = probe(fr, f.m, x.id);
        return last.every((p) => p.ok) ? fr : null;
      }, { timeoutMs: 20000, intervalMs: 400, what: `the ${x.title} filter at its place (${FILTER_PROBES[x.id].what})` });
    } catch (e) {
      e.message += `\nprobes: ${JSON.stringify(last)}`;
      throw e;
    }
    t.diagnostic(`${x.id}: ${JSON.stringify(last.map((p) => [p.x, p.y, p.rgb]))}`);
    const fr = await grabFrame(receiver, js.id);
    const d = regionMean(lumaOf(fr.data, W, H).map((v, i) => Math.abs(v - bgBefore[i])), regions.background);
    t.diagnostic(`${x.id}: background mean |Δ| ${d.toFixed(2)}`);
    assert.ok(d < 6, `${x.id}: background unchanged (mean |Δ| ${d.toFixed(2)}); ${JSON.stringify((await localStats(sender)).effects)}`);
    await shot(sender, `filter-${x.id}`);
  }
  step('four filters');

  // Combined with the background blur: both run in one pipeline. The blur, turned on next to
  // the running face effect, gets its own start event (the face's came when it turned on).
  const evCount = (await tierEvents(sender)).length;
  r = await sender.evaluate(() => window.buzzstream.setEffect({ background: 'blur-light' }).then(() => ({ ok: true }), (e) => ({ ok: false, code: e.code })));
  assert.ok(r.ok, JSON.stringify(r));
  const evBlur = (await tierEvents(sender)).slice(evCount);
  assert.ok(evBlur.some((e) => e.effect === 'background' && e.from === null && e.to === 'small' && e.reason === 'pinned'),
    `face first, then blur: the blur's start event: ${JSON.stringify(evBlur)}`);
  assert.ok(!evBlur.some((e) => e.effect === 'face' && e.from === null), `no second start for the face: ${JSON.stringify(evBlur)}`);
  r = await setFace(sender, { filter: 'sunglasses', touchUp: 60 });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    return fr && probe(fr, f.m, 'sunglasses').every((p) => p.ok) ? true : null;
  }, { timeoutMs: 20000, intervalMs: 400, what: 'sunglasses over the blurred background' });
  st = (await localStats(sender)).effects;
  assert.equal(st.background, 'blur-light');
  assert.equal(st.faces, 1);
  await shot(sender, 'blur-and-sunglasses');

  // Errors: the background effects' codes.
  for (const bad of [{ touchUp: 101 }, { touchUp: -1 }, { touchUp: '50' }, { lowLight: 1 }, { filter: 'nope' }, { hat: true }]) {
    r = await setFace(sender, bad);
    assert.equal(r.code, 'invalid_argument', `${JSON.stringify(bad)} → ${JSON.stringify(r)}`);
  }
  assert.deepEqual({ ...(await faceState(sender)), activeTier: null }, { touchUp: 60, lowLight: false, filter: 'sunglasses', activeTier: null },
    'a refused change keeps the setting');

  // Blur first, then a face effect: the face's start event, with the running tier.
  r = await setFace(sender, { touchUp: 0, filter: null });
  assert.ok(r.ok, JSON.stringify(r));
  const evCount2 = (await tierEvents(sender)).length;
  r = await setFace(sender, { touchUp: 40 });
  assert.ok(r.ok, JSON.stringify(r));
  const evFace = (await tierEvents(sender)).slice(evCount2);
  assert.deepEqual(evFace.filter((e) => e.from === null).map(({ t: _, ...e }) => e),
    [{ from: null, to: 'small', reason: 'pinned', effect: 'face' }], `blur first, then touch-up: the face's start event: ${JSON.stringify(evFace)}`);

  // Everything off: the camera's own track again.
  await sender.evaluate(() => window.buzzstream.setEffect({ background: 'none' }));
  r = await setFace(sender, { touchUp: 0, filter: null });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(async () => (await localStats(sender)).effects === null, { timeoutMs: 5000, what: 'effects null with everything off' });
  step('combined, errors, off');
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

test('low-light correction on a darkened camera, set before join(); the dialog on a phone', { timeout: 240000 }, async (t) => {
  const step = stepTimer(t);
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-face-dark-')));
  const clip = await makePersonY4m(dir, { width: 1280, height: 720, frames: 30, fps: 30 });
  const dark = await darkY4m(clip, path.join(dir, 'dark.y4m'));
  const server = await startBuzzd();
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${dark.file}`,
    '--use-fake-device-for-media-stream=fps=30']);
  const pages = [];
  t.after(async () => { await closePages(pages); await browser.close(); await server.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const f = await faceRef(await originalFrameRGBA({ width: 1280, height: 720 }));
  const face = patches(f.m, [...CHEEKS, 1, 4, 151, 9], W, H, 3);
  const regions = await regionsAt(W, H);
  const room = await createRoom(server, { name: 'dim room' });
  const sender = await openRoom(browser, server, room.id, { width: 1280, height: 800 });
  const receiver = await openRoom(browser, server, room.id);
  pages.push(sender, receiver);
  const jr = await apiJoin(receiver, { name: 'Rita', camera: false, mic: false });
  assert.ok(jr.ok, JSON.stringify(jr));
  await sender.evaluate(() => window.buzzstream.setEffect({ tier: 'small' }));
  // Before join: it applies to the pre-join preview and carries into the call.
  let r = await setFace(sender, { lowLight: true });
  assert.ok(r.ok, JSON.stringify(r));
  r = await setFace(sender, { lowLight: false });
  assert.ok(r.ok, JSON.stringify(r));
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  await waitForVideo(receiver, js.id);
  const before = await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    return fr ? lumaOf(fr.data, W, H) : null;
  }, { timeoutMs: 20000, what: 'the dark picture' });
  const f0 = regionMean(before, face), b0 = regionMean(before, regions.background);
  await shot(sender, 'lowlight-before');
  step('dark camera, joined');
  r = await setFace(sender, { lowLight: true });
  assert.ok(r.ok, JSON.stringify(r));
  let last = null;
  await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    if (!fr) return null;
    const y = lumaOf(fr.data, W, H);
    last = { face: regionMean(y, face), bg: regionMean(y, regions.background) };
    return last.face - f0 > 15 && last.face - f0 > 1.5 * (last.bg - b0) ? last : null;
  }, { timeoutMs: 25000, intervalMs: 400, what: `the face brightened more than the background (face ${f0.toFixed(1)}, background ${b0.toFixed(1)} before)` })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(last)}`; throw e; });
  t.diagnostic(`low light: face luma ${f0.toFixed(1)} → ${last.face.toFixed(1)}, background ${b0.toFixed(1)} → ${last.bg.toFixed(1)}`);
  await shot(sender, 'lowlight');
  step('low light');

  // The dialog on a phone-sized screen: every Face control is there and inside the viewport.
  await sender.setViewportSize({ width: 390, height: 844 });
  await pressControl(sender, 'Effects');
  const dialog = sender.getByRole('dialog', { name: 'Effects' });
  await dialog.waitFor();
  const group = dialog.getByRole('group', { name: 'Face' });
  assert.equal(await group.getByRole('checkbox', { name: 'Low-light correction', exact: true }).isChecked(), true);
  await group.scrollIntoViewIfNeeded();
  for (const el of [group.getByRole('checkbox', { name: 'Touch-up', exact: true }), group.getByRole('slider', { name: 'Touch-up strength' }),
    group.getByRole('radio', { name: 'Face paint', exact: true })]) {
    await el.scrollIntoViewIfNeeded();
    const b = await el.boundingBox();
    assert.ok(b && b.x >= 0 && b.x + b.width <= 390, `inside the phone's width: ${JSON.stringify(b)}`);
  }
  await shot(sender, 'dialog-390x844', { tile: false });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

test('a filter follows a moving, tilting face in the receiver\'s frames', { timeout: 240000 }, async (t) => {
  const step = stepTimer(t);
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-face-move-')));
  // 8 s a loop: up to 160 px/s and 0.55 rad/s (the tracking test in face-track.test.mjs runs faster).
  const clip = await movingFaceY4m(dir, { frames: 240 });
  const server = await startBuzzd();
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${clip.file}`,
    '--use-fake-device-for-media-stream=fps=30']);
  const pages = [];
  t.after(async () => { await closePages(pages); await browser.close(); await server.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const room = await createRoom(server, { name: 'moving face' });
  const sender = await openRoom(browser, server, room.id, { width: 1280, height: 800 });
  const receiver = await openRoom(browser, server, room.id);
  pages.push(sender, receiver);
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  assert.ok((await apiJoin(receiver, { name: 'Rita', camera: false, mic: false })).ok);
  await waitForVideo(receiver, js.id);
  await sender.evaluate(() => window.buzzstream.setEffect({ tier: 'small' }));
  // Face paint: its blue occurs nowhere else in the picture (skin, hair, the grey backdrop).
  const r = await setFace(sender, { filter: 'face-paint' });
  assert.ok(r.ok, JSON.stringify(r));
  step('joined, face paint on');
  const centres = [];
  const offGrabs = [];
  let misses = 0;
  for (let k = 0; k < 8; k++) {
    await new Promise((res) => setTimeout(res, 450));
    const fr = await grabFrame(receiver, js.id, { width: clip.width, height: clip.height });
    assert.ok(fr, 'a received frame');
    const ref = await reference(fr);
    // The reference may miss a frame the encoder blurred, or turn its crop the wrong way (the
    // clip tilts at most 0.35 rad): such grabs are not judged, and at most three may be so.
    if (ref.length !== 1 || ref[0].presence < 0.9 || Math.abs(ref[0].rect.rot) > 0.6) { misses++; continue; }
    const m = scaleMesh(ref[0].mesh, fr, fr.width, fr.height);
    const probes = probe(fr, m, 'face-paint', Math.round(0.02 * clip.width));
    t.diagnostic(`grab ${k}: nose bridge at ${pt(m, 168)}, paint probes ${JSON.stringify(probes.map((p) => [p.x, p.y, p.rgb]))}`);
    if (SHOTS && !probes.every((p) => p.ok)) savePng(path.join(SHOTS, `moving-grab-${k}.png`), fr, m);
    // One judged grab may be off: at the clip's fastest tilt the paint trails the face by a
    // little more than 2 % on one side (seen at the same grab on a quiet machine; the node
    // tracking test holds 1 % at full frame rate). Any second one fails.
    if (!probes.every((p) => p.ok)) offGrabs.push(`grab ${k}: ${JSON.stringify(probes)}`);
    assert.ok(offGrabs.length <= 1, `the blue stripes within 2 % of where the reference puts them, all but once: ${offGrabs.join('; ')}`);
    centres.push(pt(m, 168));
  }
  if (offGrabs.length) t.diagnostic(`off by more than 2 %: ${offGrabs[0]}`);
  assert.ok(centres.length >= 5, `the reference found the face in ${centres.length} of 8 grabs`);
  const xs = centres.map((c) => c[0]);
  assert.ok(Math.max(...xs) - Math.min(...xs) > 60, `the face moved across the frame between grabs: ${JSON.stringify(centres)}`);
  const st = (await localStats(sender)).effects;
  t.diagnostic(`localStats: faces ${st.faces}, trackedFrames ${st.trackedFrames}, redetections ${st.redetections}, misses ${misses}`);
  assert.ok(st.trackedFrames > 2 * st.redetections, `tracked, not re-detected every frame: ${JSON.stringify(st)}`);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

const pt = (m, i) => [Math.round(m[2 * i]), Math.round(m[2 * i + 1])];

/** FACE_SHOTS: a grabbed frame with the reference mesh dotted in red, as PNG. */
function savePng(file, fr, m) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const rgb = new Uint8Array(fr.width * fr.height * 3);
  for (let i = 0; i < fr.width * fr.height; i++) for (let k = 0; k < 3; k++) rgb[3 * i + k] = fr.data[4 * i + k];
  for (let i = 0; i < 468; i++) {
    const [x, y] = pt(m, i);
    if (x >= 0 && y >= 0 && x < fr.width && y < fr.height) rgb.set([255, 0, 0], 3 * (y * fr.width + x));
  }
  fs.writeFileSync(file, encodePng({ width: fr.width, height: fr.height, data: rgb }));
}

test('the main-thread fallback (no MediaStreamTrackProcessor) runs the face effects too', { timeout: 180000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const f = await faceRef(await originalFrameRGBA({ width: 1280, height: 720 }));
  const room = await createRoom(server, { name: 'face fallback' });
  const noProcessor = () => { delete window.MediaStreamTrackProcessor; delete window.MediaStreamTrackGenerator; delete window.VideoTrackGenerator; };
  const sender = await openRoom(cb.browser, server, room.id, { init: noProcessor });
  const receiver = await openRoom(cb.browser, server, room.id);
  pages.push(sender, receiver);
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  assert.ok((await apiJoin(receiver, { name: 'Rita', camera: false, mic: false })).ok);
  await waitForVideo(receiver, js.id);
  await sender.evaluate(() => window.buzzstream.setEffect({ tier: 'small' }));
  const r = await setFace(sender, { filter: 'sunglasses' });
  assert.ok(r.ok, JSON.stringify(r));
  let last = null;
  await waitFor(async () => {
    const fr = await grabFrame(receiver, js.id);
    if (!fr) return null;
    last = probe(fr, f.m, 'sunglasses');
    return last.every((p) => p.ok) ? true : null;
  }, { timeoutMs: 25000, intervalMs: 400, what: 'the sunglasses from the main-thread path at the receiver' })
    .catch((e) => { e.message += `\nprobes: ${JSON.stringify(last)}`; throw e; });
  const st = (await localStats(sender)).effects;
  assert.equal(st.path, 'main-thread');
  assert.equal(st.faces, 1, JSON.stringify(st));
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});
