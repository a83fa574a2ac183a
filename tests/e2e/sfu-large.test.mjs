// A room larger than nine: twelve participants publish through buzzd (one aiortc process
// holds eleven cheap publishers; a browser page is the twelfth), and the page receives the
// audio and camera of all eleven on one subscribing connection of 22 m-lines. Until
// 2026-12-04 buzzd refused an offer of more than 16 m-lines, so a room stopped working for
// video and sound at its tenth participant. Two browsers would be the usual picture, but
// eleven of them do not fit two cores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/buzzd.mjs';
import { startAiortc } from '../lib/aiortc.mjs';
import { sfuServerAndBrowser } from '../lib/sfu-setup.mjs';
import { waitFor } from '../lib/proc.mjs';
import { openRoom, apiJoin, stats, waitForPicture, stepTimer, pcDiag } from '../lib/client.mjs';

const OTHERS = 11;

test(`a room of ${OTHERS + 1} in SFU mode: a page decodes the camera and receives the audio of all ${OTHERS} others`, { timeout: 240000 }, async (t) => {
  const step = stepTimer(t);
  let ai = null;
  const { server, browser, pages } = await sfuServerAndBrowser(t, { before: async () => { await ai?.stop(); } });
  const room = await createRoom(server, { name: 'large', media_mode: 'sfu' });
  ai = startAiortc(server, room.id, { name: 'Guest', extra: ['--count', String(OTHERS), '--publish-only', '--size', '160x90', '--fps', '10'] });
  await waitFor(() => ai.events.filter((e) => e.event === 'published').length === OTHERS || ai.events.find((e) => e.event === 'error'),
    { timeoutMs: 60000, what: `${OTHERS} aiortc publishers` }).catch((e) => { throw new Error(`${e.message}\n${ai.diag()}`); });
  assert.deepEqual(ai.events.filter((e) => e.event === 'error'), [], ai.diag());
  const ids = ai.events.filter((e) => e.event === 'joined').map((e) => e.id);
  assert.equal(ids.length, OTHERS);
  step(`${OTHERS} publishers`);

  const page = await openRoom(browser, server, room.id);
  pages.push(page);
  const j = await apiJoin(page, { name: 'Ann' });
  assert.ok(j.ok, JSON.stringify(j));
  let last = {};
  try {
    await waitFor(async () => {
      last = await stats(page);
      return ids.every((id) => last[id]?.video?.framesDecoded > 5 && last[id]?.audio?.packetsReceived > 0);
    }, { timeoutMs: 60000, intervalMs: 1000, what: `video and audio from all ${OTHERS}` });
  } catch (e) {
    const missing = ids.filter((id) => !(last[id]?.video?.framesDecoded > 5 && last[id]?.audio?.packetsReceived > 0));
    throw new Error(`${e.message}\nmissing: ${missing.join(' ')}\nstats: ${JSON.stringify(last)}\n${await pcDiag(page)}\n${ai.diag()}`);
  }
  step(`Ann decodes all ${OTHERS}`);
  // Frames keep coming from everyone, and the pictures are real.
  const before = await stats(page);
  await waitFor(async () => {
    const now = await stats(page);
    return ids.every((id) => now[id].video.framesDecoded >= before[id].video.framesDecoded + 10);
  }, { timeoutMs: 30000, intervalMs: 1000, what: 'frames keep decoding from everyone' });
  for (const id of [ids[0], ids[OTHERS - 1]]) await waitForPicture(page, id, 'camera', 20000);
  const pcs = await page.evaluate(() => (window.__pcs || []).filter((r) => r.pc.connectionState !== 'closed').length);
  assert.ok(pcs <= 2, `at most two peer connections, got ${pcs}`);
  const tiles = await page.locator('[data-kind="camera"]').count();
  assert.ok(tiles >= OTHERS + 1, `a tile for everyone and self: ${tiles}`);
  assert.deepEqual(page.__errors, []);
  assert.ok(server.alive(), 'buzzd still running');
});
