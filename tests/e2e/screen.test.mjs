// A screen share started with the "Share screen" button reaches both other pages as its own
// data-kind="screen" video (fake screen 1280×720, camera 640×360), and "Stop sharing" ends it:
// peer to peer, and through buzzd in an sfu room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import {
  launchCallBrowser, openRoom, apiJoin, waitForVideo, waitForPicture, stats, closePages, pageDiag,
} from '../lib/client.mjs';
import { waitFor } from '../lib/proc.mjs';
import { freeUdpRange } from '../lib/ports.mjs';

test('screen share reaches the others and stops', { timeout: 150000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchCallBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  await shareAndStop(t, cb, server, await createRoom(server, { name: 'e2e screen' }), pages);
});

test('screen share in an sfu room: through buzzd, kept sharp, and stopped', { timeout: 150000 }, async (t) => {
  const rtc = await freeUdpRange(1);
  const server = await startBuzzd({ config: JSON.stringify({ rtc_port: rtc.min, rtc_workers: 1 }) });
  const cb = await launchCallBrowser(['--allow-loopback-in-peer-connection']);
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });
  const room = await createRoom(server, { name: 'e2e screen sfu', media_mode: 'sfu' });
  await shareAndStop(t, cb, server, room, pages, async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const fwd = /^buzz_rtc_fwd_packets_total\{worker="0"\} (\d+)/m.exec(metrics);
    assert.ok(fwd && Number(fwd[1]) > 200, `buzzd forwarded the media (${fwd?.[1]} packets)`);
    for (const p of pages) {
      const n = await p.evaluate(() => (window.__pcs || []).filter((r) => r.pc.connectionState !== 'closed').length);
      assert.ok(n <= 2, `a page holds ${n} peer connections in SFU mode`);
    }
  });
});

/** Sharer + two viewers without cameras: the share starts, reaches both, stops; then `check`. */
async function shareAndStop(t, cb, server, room, pages, check = async () => {}) {
  for (let i = 0; i < 3; i++) pages.push(await openRoom(cb.browser, server, room.id));
  const [sharer, ...viewers] = pages;
  // Only the sharer sends a camera, which keeps three encoders off a two-core machine.
  const js = await apiJoin(sharer, { name: 'Sharer' });
  assert.ok(js.ok, JSON.stringify(js));
  for (const [i, v] of viewers.entries()) {
    const r = await apiJoin(v, { name: `Viewer${i}`, camera: false });
    assert.ok(r.ok, JSON.stringify(r));
  }
  for (const v of viewers) await waitForVideo(v, js.id, 'video');

  await sharer.getByRole('button', { name: 'Share screen', exact: true }).click();
  await sharer.getByRole('button', { name: 'Stop sharing', exact: true }).waitFor({ timeout: 10000 });
  const self = await sharer.evaluate(() => window.buzzstream.self());
  assert.equal(self.screen, true, `self().screen after sharing: ${JSON.stringify(self)}`);

  for (const v of viewers) {
    const s = await waitForVideo(v, js.id, 'screen');
    const cam = s.video;
    const scr = s.screen;
    t.diagnostic(`camera ${cam.width}x${cam.height}, screen ${scr.width}x${scr.height}`);
    assert.ok(cam.framesDecoded > 0, 'camera still decoded while sharing');
    assert.notDeepEqual([scr.width, scr.height], [cam.width, cam.height], 'screen has the camera\'s size');
    const pic = await waitForPicture(v, js.id, 'screen');
    assert.ok(pic.width > 0, JSON.stringify(pic));
    const roster = await v.evaluate((id) => window.buzzstream.participants().find((p) => p.id === id), js.id);
    assert.equal(roster.screen, true, `roster does not show sharing: ${JSON.stringify(roster)}`);
    const tracks = await v.evaluate(() => window.__ev.filter((e) => e.name === 'track' && e.x.kind === 'screen'));
    assert.ok(tracks.length > 0, 'no track event of kind "screen"');
  }

  await sharer.getByRole('button', { name: 'Stop sharing', exact: true }).click();
  for (const v of viewers) {
    await waitFor(async () => {
      const tile = await v.locator(`[data-peer-id="${js.id}"][data-kind="screen"]`).count();
      const roster = await v.evaluate((id) => window.buzzstream.participants().find((p) => p.id === id), js.id);
      return tile === 0 && roster.screen === false;
    }, { timeoutMs: 10000, what: 'the screen tile to go away after "Stop sharing"' })
      .catch((e) => { e.message += `\n${pageDiag(v)}`; throw e; });
    const s = (await stats(v))[js.id];
    assert.ok(s.video.framesDecoded > 0, 'camera lost after stopping the share');
  }
  for (const p of pages) assert.deepEqual(p.__errors, [], pageDiag(p));
  await check();
  // buzzd survived the whole call: healthy, clean exit on SIGTERM, no sanitizer report.
  await assertCleanShutdown(server);
}
