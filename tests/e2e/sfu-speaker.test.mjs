// The active speaker of an SFU room comes from buzzd (docs/protocol.md, "active-speaker"):
// it weighs every publisher's microphone from the audio-level header extension and tells the
// room. Ann speaks (the fake microphone's beeps), Ben is muted: a plain WebSocket member of the
// room hears `active-speaker` naming Ann and Ben's page rings her tile; then Ann mutes and Ben
// speaks, and the speaker moves to Ben on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/buzzd.mjs';
import { sfuServerAndBrowser } from '../lib/sfu-setup.mjs';
import { waitFor } from '../lib/proc.mjs';
import { openRoom, apiJoin, waitForAudio, stepTimer } from '../lib/client.mjs';
import { joinRoom } from '../lib/wsjson.mjs';

const ringed = (page, id) => page.evaluate((pid) =>
  document.querySelector(`[data-peer-id="${pid}"][data-kind="camera"]`)?.dataset.speaking === 'true', id);

test('sfu: buzzd names the active speaker from the audio levels, every page rings the same person', { timeout: 180000 }, async (t) => {
  const step = stepTimer(t);
  let observer = null;
  const { server, browser, pages } = await sfuServerAndBrowser(t, { before: async () => observer?.c.terminate() });

  const room = await createRoom(server, { name: 'speaker', media_mode: 'sfu' });
  observer = await joinRoom(server.wsUrl, room.id, 'Observer');
  const said = [];
  observer.c.tap = (m) => { if (m.type === 'active-speaker') said.push(m.id); return false; };
  const ids = [];
  for (const [name, mic] of [['Ann', true], ['Ben', false]]) {
    const p = await openRoom(browser, server, room.id);
    pages.push(p);
    const j = await apiJoin(p, { name, mic });
    assert.ok(j.ok, `${name}'s join failed: ${JSON.stringify(j)}`);
    ids.push(j.id);
  }
  const [ann, ben] = ids;
  await waitForAudio(pages[1], ann, 30000);
  step('Ann and Ben in the SFU room');

  await waitFor(() => said.at(-1) === ann, { timeoutMs: 20000, what: 'active-speaker naming Ann' })
    .catch((e) => { throw new Error(`${e.message}; active-speaker so far: ${JSON.stringify(said)}`); });
  await waitFor(() => ringed(pages[1], ann), { timeoutMs: 10000, what: 'Ann ringed on Ben\'s page' });
  step('buzzd names Ann');

  await pages[0].evaluate(() => window.buzzstream.setMic(false));
  await pages[1].evaluate(() => window.buzzstream.setMic(true));
  await waitFor(() => said.at(-1) === ben, { timeoutMs: 20000, what: 'active-speaker naming Ben' });
  await waitFor(() => ringed(pages[0], ben), { timeoutMs: 10000, what: 'Ben ringed on Ann\'s page' });
  assert.ok(!(await ringed(pages[1], ann)), 'the ring left Ann on Ben\'s page');
  step('the speaker moves to Ben');
  for (const p of pages) assert.deepEqual(p.__errors, []);
});
