// What a tier means for the face effects (fx_policy_face_detail, fx/include/fx_policy.h: the
// tracking interval, the landmark refinement, the filter's detail), through the shared policy:
//
//   - pinning small, then large, with only a face effect on: effect-tier events name the face
//     effect (and never the background), localStats().effects.faceDetail follows the tier, and
//     the filter (drawn again at the large tier's resolution) stays on the face at the receiver;
//   - a moving, tilting face on the large tier gets second landmark passes (refinements), none
//     on the small tier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { openRoom, apiJoin, waitForVideo, closePages, pageDiag } from '../lib/client.mjs';
import { launchBrowser } from '../lib/chromium.mjs';
import { waitFor, sleep, tempDir } from '../lib/proc.mjs';
import { originalFrameRGBA } from '../lib/person.mjs';
import { launchPersonBrowser, grabFrame, localStats, setEffect, recordTiers, tierEvents, GRAB_W, GRAB_H } from '../lib/effects.mjs';
import { reference } from '../lib/face-ref.mjs';
import { movingFaceY4m } from '../lib/face-video.mjs';
import { scaleMesh, texToPixel, rgbAt, FILTER_PROBES } from '../lib/face-metrics.mjs';

// fx/src/policy.c, face_detail[]: what each tier must report.
const DETAIL = {
  small: { redetectEvery: 60, refineShift: 0, filterPx: 100 },
  large: { redetectEvery: 15, refineShift: 0.03, filterPx: 200 },
};

const setFace = (page, change) => page.evaluate((c) => window.buzzstream.setFaceEffect(c).then(() => ({ ok: true }),
  (e) => ({ ok: false, code: e.code, message: e.message })), change);

async function waitDetail(page, tier) {
  let last = null;
  try {
    return await waitFor(async () => {
      last = (await localStats(page)).effects;
      return last && last.activeTier === tier && last.faces >= 1 &&
        JSON.stringify(last.faceDetail) === JSON.stringify(DETAIL[tier]) ? last : null;
    }, { timeoutMs: 20000, what: `the ${tier} tier's face detail in localStats` });
  } catch (e) {
    e.message += `\nlast: ${JSON.stringify(last)}\n${pageDiag(page)}`;
    throw e;
  }
}

function sunglassesAt(frame, m) {
  const p = FILTER_PROBES.sunglasses;
  return p.points.map(([u, v]) => {
    const [x, y] = texToPixel(m, u, v);
    const rgb = rgbAt(frame, x, y, 1);
    return { x: Math.round(x), y: Math.round(y), rgb: rgb.map(Math.round), ok: p.ok(rgb) };
  });
}

test('tiers set the face detail: events name the face effect, faceDetail follows, the filter stays on the face', { timeout: 240000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const img = await originalFrameRGBA({ width: 1280, height: 720 });
  const ref = await reference(img);
  assert.equal(ref.length, 1);
  const m = scaleMesh(ref[0].mesh, img, GRAB_W, GRAB_H);
  const room = await createRoom(server, { name: 'face tiers' });
  const sender = await openRoom(cb.browser, server, room.id, { width: 1280, height: 800 });
  const receiver = await openRoom(cb.browser, server, room.id);
  pages.push(sender, receiver);
  const js = await apiJoin(sender, { name: 'Sam' });
  assert.ok(js.ok, JSON.stringify(js));
  assert.ok((await apiJoin(receiver, { name: 'Rita', camera: false, mic: false })).ok);
  await waitForVideo(receiver, js.id);
  await recordTiers(sender);
  assert.ok((await setEffect(sender, { tier: 'small' })).ok);
  assert.ok((await setFace(sender, { filter: 'sunglasses' })).ok);
  const s0 = await waitDetail(sender, 'small');
  t.diagnostic(`small: ${JSON.stringify(s0.faceDetail)}, refinements ${s0.refinements}`);
  const probeOk = async (what) => {
    let last = null;
    await waitFor(async () => {
      const fr = await grabFrame(receiver, js.id);
      if (!fr) return null;
      last = sunglassesAt(fr, m);
      return last.every((p) => p.ok) ? true : null;
    }, { timeoutMs: 20000, intervalMs: 400, what })
      .catch((e) => { e.message += `\nprobes: ${JSON.stringify(last)}`; throw e; });
    return last;
  };
  await probeOk('the sunglasses on the small tier');

  const switchAt = Date.now();
  assert.ok((await setEffect(sender, { tier: 'large' })).ok);
  const s1 = await waitDetail(sender, 'large');
  t.diagnostic(`large: ${JSON.stringify(s1.faceDetail)}`);
  const p1 = await probeOk('the sunglasses, drawn again at the large tier\'s resolution, still on the eyes');
  t.diagnostic(`large tier sunglasses: ${JSON.stringify(p1)}`);
  const ev = await tierEvents(sender);
  t.diagnostic(`events: ${JSON.stringify(ev)}`);
  assert.ok(ev.length >= 1 && ev.every((e) => e.effect === 'face'), `only face events while only a face effect runs: ${JSON.stringify(ev)}`);
  assert.ok(ev.some((e) => e.t >= switchAt && e.to === 'large' && e.reason === 'pinned'),
    `the switch to large is reported for the face effect, reason pinned: ${JSON.stringify(ev)}`);
  assert.equal((await sender.evaluate(() => window.buzzstream.faceEffect())).activeTier, 'large');
  // Off: no face detail.
  assert.ok((await setFace(sender, { filter: null })).ok);
  await waitFor(async () => (await localStats(sender)).effects === null, { timeoutMs: 5000, what: 'effects off' });
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

test('landmark refinement: second passes on a moving face on the large tier, none on small', { timeout: 240000 }, async (t) => {
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-face-tier-')));
  const clip = await movingFaceY4m(dir, { frames: 120 });
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${clip.file}`, '--use-fake-device-for-media-stream=fps=30']);
  const server = await startBuzzd();
  const pages = [];
  t.after(async () => { await closePages(pages); await browser.close(); await server.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const room = await createRoom(server, { name: 'refine' });
  const page = await openRoom(browser, server, room.id);
  pages.push(page);
  assert.ok((await setEffect(page, { tier: 'small' })).ok);
  assert.ok((await setFace(page, { touchUp: 40 })).ok);
  const a = await waitDetail(page, 'small');
  await sleep(3000);
  const b = (await localStats(page)).effects;
  t.diagnostic(`small: refinements ${a.refinements} → ${b.refinements}, tracked ${a.trackedFrames} → ${b.trackedFrames}`);
  assert.equal(b.refinements, a.refinements, 'no refinement on the small tier');
  assert.ok(b.trackedFrames > a.trackedFrames, 'the face is tracked meanwhile');
  assert.ok((await setEffect(page, { tier: 'large' })).ok);
  const c = await waitDetail(page, 'large');
  let d = null;
  await waitFor(async () => {
    d = (await localStats(page)).effects;
    return d.refinements > c.refinements ? d : null;
  }, { timeoutMs: 15000, intervalMs: 500, what: 'second landmark passes on the large tier' })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(d)}`; throw e; });
  t.diagnostic(`large: refinements ${c.refinements} → ${d.refinements}, tracked ${c.trackedFrames} → ${d.trackedFrames}, landmarkMs ${d.landmarkMs.toFixed(1)}`);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});
