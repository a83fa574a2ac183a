// An independent WebRTC stack in an SFU room with two browsers: the aiortc client
// (tests/interop/aiortc_client.py, Debian python3-aiortc) publishes a synthetic camera and a
// tone through buzzd and subscribes to both browsers. Both ways must work: each browser
// decodes aiortc's picture (non-black, changing) and receives its audio; aiortc decodes a
// changing picture and audible sound from each browser. Its numbers (payload types, header
// extension ids) differ from Chromium's, so this holds buzzd to renumbering per subscriber.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/buzzd.mjs';
import { startAiortc } from '../lib/aiortc.mjs';
import { sfuServerAndBrowser } from '../lib/sfu-setup.mjs';
import { waitFor } from '../lib/proc.mjs';
import {
  openRoom, apiJoin, waitForVideo, waitForAudio, waitForPicture, framesDecoded, stepTimer,
} from '../lib/client.mjs';

test('interop: an aiortc client publishes into and subscribes from an SFU room with two browsers', { timeout: 240000 }, async (t) => {
  const step = stepTimer(t);
  let ai = null;
  const { server, browser, pages } = await sfuServerAndBrowser(t, {
    before: async () => { await ai?.stop(); },
  });

  const room = await createRoom(server, { name: 'interop', media_mode: 'sfu' });
  const ids = [];
  for (const name of ['Ann', 'Ben']) {
    const p = await openRoom(browser, server, room.id);
    pages.push(p);
    const j = await apiJoin(p, { name });
    assert.ok(j.ok, `${name}'s join failed: ${JSON.stringify(j)}`);
    ids.push(j.id);
  }
  await waitForVideo(pages[0], ids[1]);
  await waitForVideo(pages[1], ids[0]);
  step('two browsers in the SFU room');

  ai = startAiortc(server, room.id);
  const joined = await waitFor(() => ai.events.find((e) => e.event === 'joined'),
    { timeoutMs: 20000, what: 'the aiortc client joined' }).catch((e) => { throw new Error(`${e.message}\n${ai.diag()}`); });
  const aid = joined.id;
  step('aiortc joined');

  // aiortc → browsers: a real picture that keeps changing, and audio packets.
  for (const p of pages) {
    await waitForVideo(p, aid, 'video', 30000);
    await waitForPicture(p, aid, 'camera', 20000);
    await waitForAudio(p, aid, 20000);
    const before = await framesDecoded(p, aid);
    await waitFor(async () => (await framesDecoded(p, aid)) >= before + 10, { timeoutMs: 20000, what: 'aiortc frames keep decoding' });
  }
  step('both browsers decode aiortc');

  // browsers → aiortc: decoded frames that change, and sound above the noise floor.
  try {
    await waitFor(() => ids.every((id) => {
      const v = ai.latest.get(`video:${id}`);
      const a = ai.latest.get(`audio:${id}`);
      return v && v.frames >= 20 && v.changed >= 5 && v.mean > 20 && v.width > 0 &&
        a && a.frames >= 50 && a.loud >= 1;
    }), { timeoutMs: 45000, intervalMs: 500, what: 'aiortc decodes video and audio from both browsers' });
  } catch (e) {
    const metrics = (await (await fetch(`${server.url}/metrics`)).text()).split('\n')
      .filter((l) => l.startsWith('buzz_rtc_') && !/ 0$/.test(l)).join('\n');
    throw new Error(`${e.message}\n${ai.diag()}\nbuzzd media counters:\n${metrics}`);
  }
  step('aiortc decodes both browsers');
  assert.deepEqual(ai.events.filter((e) => e.event === 'error' || e.event === 'garbage'), [], ai.diag());
  assert.ok(server.alive(), 'buzzd still running');
});
