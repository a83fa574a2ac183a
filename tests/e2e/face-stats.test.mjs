// The "Show stats" overlay's face figures (web/js/ui/stats-overlay.js): on the self-view, while
// a face effect is on, the faces tracked, the last detection's and the landmark model's time,
// the tracked frames and the re-detections (localStats().effects), refreshed each second; none
// of it with only the background effect on, nor with every effect off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { openRoom, apiJoin, closePages, pageDiag, control } from '../lib/client.mjs';
import { waitFor, sleep } from '../lib/proc.mjs';
import { launchPersonBrowser, localStats, setEffect } from '../lib/effects.mjs';

const selfText = (page) => page.evaluate(() => {
  const el = document.querySelector('[data-peer-id="self"][data-kind="camera"] .tile-stats');
  return el && !el.hidden ? el.textContent : null;
});

const FACE_RE = /^face (\d+) tracked · detection ([\d.]+) ms · landmarks ([\d.]+) ms\nface tracked frames (\d+) · re-detections (\d+)$/m;

test('the stats overlay shows the face figures while a face effect is on', { timeout: 180000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const room = await createRoom(server, { name: 'face stats' });
  const page = await openRoom(cb.browser, server, room.id, { width: 1280, height: 800 });
  pages.push(page);
  const j = await apiJoin(page, { name: 'Sam' });
  assert.ok(j.ok, JSON.stringify(j));
  assert.ok((await setEffect(page, { tier: 'small' })).ok);
  await control(page, 'Show stats').click();
  const off = await waitFor(() => selfText(page), { timeoutMs: 8000, what: 'the self-view stats' });
  assert.match(off, /effect off/);
  assert.doesNotMatch(off, /^face /m, 'no face lines with every effect off');

  assert.ok(await page.evaluate(() => window.buzzstream.setFaceEffect({ touchUp: 50 }).then(() => true)));
  let m1 = null, text = null;
  await waitFor(async () => {
    text = await selfText(page);
    m1 = text && FACE_RE.exec(text);
    return m1 && Number(m1[1]) === 1 && Number(m1[3]) > 0 && Number(m1[4]) > 0 ? m1 : null;
  }, { timeoutMs: 25000, intervalMs: 300, what: 'the face lines: one face, landmark time, tracked frames' })
    .catch((e) => { e.message += `\ntext: ${JSON.stringify(text)}\n${pageDiag(page)}`; throw e; });
  t.diagnostic(`overlay: ${JSON.stringify(text)}`);
  // They are the figures of localStats() (at most a second apart) and they move on.
  const st = (await localStats(page)).effects;
  assert.equal(Number(m1[1]), st.faces);
  assert.ok(Number(m1[2]) > 0, `a detection time: ${m1[2]}`);
  assert.ok(Math.abs(Number(m1[4]) - st.trackedFrames) <= 60, `tracked frames ${m1[4]} vs localStats ${st.trackedFrames}`);
  assert.equal(Number(m1[5]), st.redetections);
  await sleep(2500);
  const m2 = FACE_RE.exec(await selfText(page));
  assert.ok(m2 && Number(m2[4]) > Number(m1[4]), `tracked frames grow between refreshes: ${m1[4]} → ${m2?.[4]}`);

  // Only the background effect: the effect line, no face lines.
  assert.ok((await setEffect(page, { background: 'blur-light' })).ok);
  assert.ok(await page.evaluate(() => window.buzzstream.setFaceEffect({ touchUp: 0 }).then(() => true)));
  await waitFor(async () => {
    const s = await selfText(page);
    return s && /effect blur-light/.test(s) && !/^face /m.test(s) ? s : null;
  }, { timeoutMs: 8000, what: 'no face lines with only the background effect on' });
  assert.ok((await setEffect(page, { background: 'none' })).ok);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});
