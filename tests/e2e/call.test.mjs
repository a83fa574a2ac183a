// Three people in one room: every page must decode a real (non-black) picture and receive
// audio from both others. One joins through the pre-join screen, two through the JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import {
  launchCallBrowser, openRoom, apiJoin, uiJoin, selfId, events, waitForVideo, waitForAudio,
  waitForPicture, closePages, pageDiag, stepTimer,
} from '../lib/client.mjs';
import { waitFor } from '../lib/proc.mjs';

test('three pages: video and audio flow between every pair', { timeout: 150000 }, async (t) => {
  const step = stepTimer(t);
  const server = await startBuzzd();
  const cb = await launchCallBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });

  const room = await createRoom(server, { name: 'e2e call' });
  for (let i = 0; i < 3; i++) pages.push(await openRoom(cb.browser, server, room.id));
  const [a, b, c] = pages;
  step('start buzzd, browser, 3 pages');

  await uiJoin(a, 'Ann');
  const idA = await waitFor(() => selfId(a), { timeoutMs: 15000, what: 'Ann to join via the UI' })
    .catch((e) => { e.message += `\n${pageDiag(a)}`; throw e; });
  const jb = await apiJoin(b, { name: 'Ben' });
  assert.ok(jb.ok, `Ben's join failed: ${JSON.stringify(jb)}`);
  const jc = await apiJoin(c, { name: 'Cat' });
  assert.ok(jc.ok, `Cat's join failed: ${JSON.stringify(jc)}`);
  assert.deepEqual(jc.participants.map((p) => p.id).sort(), [idA, jb.id].sort(), 'Cat sees Ann and Ben in the roster');

  step('join 3');
  const ids = [idA, jb.id, jc.id];
  assert.equal(new Set(ids).size, 3, `participant ids not unique: ${ids}`);
  const names = await a.evaluate(() => window.buzzstream.participants().map((p) => p.name).sort());
  assert.deepEqual(names, ['Ben', 'Cat']);

  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      if (i === j) continue;
      const s = await waitForVideo(pages[i], ids[j]);
      step(`video ${i} <- ${j}`);
      assert.ok(s.video.width > 0 && s.video.height > 0, `frame size ${JSON.stringify(s.video)}`);
      const pic = await waitForPicture(pages[i], ids[j], 'camera');
      t.diagnostic(`page ${i} ← ${j}: ${pic.width}x${pic.height} luma mean ${pic.mean.toFixed(1)} sd ${pic.sd.toFixed(1)}`);
      step(`picture ${i} <- ${j}`);
      await waitForAudio(pages[i], ids[j]);
      step(`audio ${i} <- ${j}`);
    }
    const tracks = await events(pages[i], 'track');
    for (let j = 0; j < 3; j++) {
      if (i === j) continue;
      const fromJ = tracks.filter((e) => e.x.peerId === ids[j]);
      assert.ok(fromJ.some((e) => e.x.kind === 'audio' && e.x.trackKind === 'audio'), `page ${i}: no audio track event from ${ids[j]}: ${JSON.stringify(tracks)}`);
      assert.ok(fromJ.some((e) => e.x.kind === 'camera' && e.x.trackKind === 'video'), `page ${i}: no camera track event from ${ids[j]}`);
    }
  }
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  // buzzd survived the whole call: healthy, clean exit on SIGTERM, no sanitizer report.
  await assertCleanShutdown(server);
});
