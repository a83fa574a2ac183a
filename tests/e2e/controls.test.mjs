// The controls people use, by accessible name: "Create room" on the landing page, then in a
// call "Mute microphone" / "Unmute microphone", "Turn off camera" / "Turn on camera",
// "Copy link" and "Leave". Each must change what the other participant sees, not just a
// button label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import {
  launchCallBrowser, openLanding, openRoom, recordEvents, apiJoin, uiJoin, selfId, control,
  waitForVideo, waitForPicture, videoLuma, framesDecoded, closePages, pageDiag,
} from '../lib/client.mjs';
import { waitFor, sleep } from '../lib/proc.mjs';

const ROOM_PATH = /\/r\/([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})$/;

/** What `viewer`'s roster says about participant `id`. */
const rosterEntry = (viewer, id) => viewer.evaluate((x) => window.buzzstream.participants().find((p) => p.id === x) ?? null, id);

async function rosterSays(viewer, id, field, value, what) {
  await waitFor(async () => (await rosterEntry(viewer, id))?.[field] === value,
    { timeoutMs: 10000, what: `${what} (${field}=${value} in the other page's roster)` })
    .catch(async (e) => { e.message += `\nentry: ${JSON.stringify(await rosterEntry(viewer, id))}`; throw e; });
}

/** True once `viewer` no longer gets a picture of `id`'s camera: no tile, black, or frozen. */
async function cameraGone(viewer, id) {
  const luma = await videoLuma(viewer, id, 'camera');
  if (!luma || luma.mean < 20 || luma.sd < 5) return true;
  const f0 = await framesDecoded(viewer, id);
  await sleep(1500);
  return (await framesDecoded(viewer, id)) === f0;
}

test('create room, mute, camera off/on, copy link, leave', { timeout: 150000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchCallBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });

  // "Create room" on the landing page leads to the new room's page.
  const host = await openLanding(cb.browser, server, { permissions: ['clipboard-read', 'clipboard-write'] });
  pages.push(host);
  await host.getByLabel('Room name').fill('Controls check');
  await host.getByRole('button', { name: 'Create room', exact: true }).click();
  await host.waitForURL(ROOM_PATH, { timeout: 15000 });
  const roomId = ROOM_PATH.exec(host.url())[1];
  const info = await fetch(`${server.url}/api/rooms/${roomId}`).then((r) => r.json());
  assert.equal(info.name, 'Controls check', `room info: ${JSON.stringify(info)}`);
  await recordEvents(host);

  await uiJoin(host, 'Hana');
  const hostId = await waitFor(() => selfId(host), { timeoutMs: 15000, what: 'Hana to join' })
    .catch((e) => { e.message += `\n${pageDiag(host)}`; throw e; });
  const guest = await openRoom(cb.browser, server, roomId);
  pages.push(guest);
  const jg = await apiJoin(guest, { name: 'Gus', camera: false });
  assert.ok(jg.ok, JSON.stringify(jg));
  await waitForVideo(guest, hostId);
  await waitForPicture(guest, hostId);

  // Microphone.
  await control(host, 'Mute microphone').click();
  await control(host, 'Unmute microphone').waitFor({ timeout: 5000 });
  // self() follows once the server has taken the change (the button flips at the click).
  await waitFor(async () => (await host.evaluate(() => window.buzzstream.self())).mic === false,
    { timeoutMs: 5000, what: 'self().mic false after "Mute microphone"' });
  await rosterSays(guest, hostId, 'mic', false, 'mute');
  await control(host, 'Unmute microphone').click();
  await control(host, 'Mute microphone').waitFor({ timeout: 5000 });
  await rosterSays(guest, hostId, 'mic', true, 'unmute');

  // Camera: off must stop the picture at the other end, on must bring it back.
  await control(host, 'Turn off camera').click();
  await control(host, 'Turn on camera').waitFor({ timeout: 5000 });
  await rosterSays(guest, hostId, 'camera', false, 'camera off');
  await waitFor(() => cameraGone(guest, hostId), { timeoutMs: 15000, what: 'the camera picture to stop after "Turn off camera"' });
  await control(host, 'Turn on camera').click();
  await control(host, 'Turn off camera').waitFor({ timeout: 5000 });
  await rosterSays(guest, hostId, 'camera', true, 'camera on');
  const pic = await waitForPicture(guest, hostId, 'camera', 20000);
  t.diagnostic(`picture after "Turn on camera": ${JSON.stringify(pic)}`);

  // Copy link puts the room's address on the clipboard.
  await control(host, 'Copy link').click();
  const clip = await waitFor(() => host.evaluate(() => navigator.clipboard.readText()).then((x) => x.includes(roomId) && x),
    { timeoutMs: 5000, what: 'the room link on the clipboard' });
  assert.match(clip, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/r/${roomId}`), `clipboard: ${clip}`);

  // Leave: the other page sees the participant go, and the host's call is over.
  await control(host, 'Leave').click();
  await waitFor(async () => (await rosterEntry(guest, hostId)) === null, { timeoutMs: 10000, what: 'Gus to see Hana leave' });
  const left = await guest.evaluate(() => window.__ev.filter((e) => e.name === 'participant-left').map((e) => e.x));
  assert.ok(left.some((x) => x.id === hostId), `participant-left events: ${JSON.stringify(left)}`);
  await waitFor(() => host.evaluate(() => ['closed', 'idle'].includes(window.buzzstream.connectionState())),
    { timeoutMs: 10000, what: 'the host\'s signaling to close after "Leave"' });
  for (const p of pages) assert.deepEqual(p.__errors, [], pageDiag(p));
  // buzzd survived the whole call: healthy, clean exit on SIGTERM, no sanitizer report.
  await assertCleanShutdown(server);
});
