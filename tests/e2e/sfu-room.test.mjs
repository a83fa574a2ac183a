// Three pages in a room with media mode "sfu": every page publishes its camera and microphone
// to buzzd and receives the two others through it (docs/protocol.md, "SFU negotiation").
// Each page must decode a non-black, changing picture and audio from both others, hold at
// most two RTCPeerConnections, and its selected candidate pairs must end at buzzd's media
// port; a publisher leaving must be seen by the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { launchBrowser } from '../lib/chromium.mjs';
import { writeY4m } from '../lib/y4m.mjs';
import { freeUdpRange } from '../lib/ports.mjs';
import { waitFor, tempDir } from '../lib/proc.mjs';
import {
  openRoom, apiJoin, waitForVideo, waitForAudio, waitForPicture, videoLuma, framesDecoded,
  closePages, pageDiag, pcDiag, stepTimer, stats,
} from '../lib/client.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { joinRoom } from '../lib/wsjson.mjs';

/** The page's peer connections that are not closed, with the remote end of each selected pair. */
function connections(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const r of window.__pcs || []) {
      if (r.pc.connectionState === 'closed') continue;
      const st = await r.pc.getStats();
      let remote = null;
      st.forEach((s) => {
        if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
        const pair = st.get(s.selectedCandidatePairId);
        const c = pair && st.get(pair.remoteCandidateId);
        if (c) remote = `${c.address}:${c.port}`;
      });
      out.push({ state: r.pc.connectionState, remote });
    }
    return out;
  });
}

/**
 * buzzd with one media worker on a known UDP port and a browser whose fake camera plays the
 * test clip; `pages` and everything else are closed after the test (`first` runs before).
 */
async function sfuSetup(t, first = () => {}, clipSize = {}) {
  const rtc = await freeUdpRange(1);
  const server = await startBuzzd({ config: JSON.stringify({ rtc_port: rtc.min, rtc_workers: 1 }) });
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-sfu-')));
  const clip = writeY4m(path.join(dir, 'camera.y4m'), clipSize);
  // buzzd's candidate is 127.0.0.1: Chromium pairs with a loopback address only when allowed.
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${clip}`,
    '--allow-loopback-in-peer-connection']);
  const pages = [];
  t.after(async () => {
    first();
    await closePages(pages);
    await browser.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
    await server.stop();
  });
  return { rtc, server, browser, pages };
}

test('sfu room: three pages exchange video and audio through buzzd', { timeout: 240000 }, async (t) => {
  const step = stepTimer(t);
  const { rtc, server, browser, pages } = await sfuSetup(t);

  const room = await createRoom(server, { name: 'e2e sfu', media_mode: 'sfu' });
  const info = await (await fetch(`${server.url}/api/rooms/${room.id}`)).json();
  assert.equal(info.media_mode, 'sfu');
  for (let i = 0; i < 3; i++) pages.push(await openRoom(browser, server, room.id));
  const names = ['Ann', 'Ben', 'Cat'];
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const j = await apiJoin(pages[i], { name: names[i] });
    assert.ok(j.ok, `${names[i]}'s join failed: ${JSON.stringify(j)}`);
    ids.push(j.id);
  }
  step('buzzd, browser, 3 pages joined');

  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      if (i === j) continue;
      const s = await waitForVideo(pages[i], ids[j], 'video', 45000);
      assert.ok(s.video.width > 0 && s.video.height > 0, `frame size ${JSON.stringify(s.video)}`);
      const pic = await waitForPicture(pages[i], ids[j], 'camera', 20000)
        .catch(async (e) => { e.message += `\n${pageDiag(pages[i])}\n${await pcDiag(pages[i])}`; throw e; });
      // Changing: frames keep being decoded and the moving square moves the picture.
      // A stall of a few seconds right after the third page joined was seen once in a full
      // make test (4 frames, then none for 3 s): allowed here up to 10 s and reported, so the
      // freeze is visible in the log while media that never resumes still fails.
      const f0 = await framesDecoded(pages[i], ids[j]);
      const c0 = Date.now();
      let moved = false, f1 = f0;
      for (let k = 0; k < 66 && !(moved && f1 > f0); k++) {
        await new Promise((r) => setTimeout(r, 150));
        const p2 = await videoLuma(pages[i], ids[j], 'camera');
        moved = moved || Boolean(p2 && Math.abs(p2.mean - pic.mean) + Math.abs(p2.sd - pic.sd) > 0.05);
        f1 = await framesDecoded(pages[i], ids[j]);
      }
      if (Date.now() - c0 > 3000) t.diagnostic(`page ${i} ← ${j}: video stalled ${Date.now() - c0} ms before frames advanced`);
      assert.ok(f1 > f0, `page ${i} ← ${j}: frames decoded stay at ${f0}`);
      assert.ok(moved, `page ${i} ← ${j}: the picture does not change`);
      const a = await waitForAudio(pages[i], ids[j]);
      t.diagnostic(`page ${i} ← ${j}: ${pic.width}x${pic.height} luma ${pic.mean.toFixed(1)} sd ${pic.sd.toFixed(1)}, ` +
        `${f1 - f0} frames in the check, ${a.audio.packetsReceived} audio packets, rtt ${a.rttMs} ms, ` +
        `candidate ${a.candidateType}, ${a.connectionState}`);
      assert.equal(a.connectionState, 'connected');
    }
    step(`page ${i}: video, picture and audio from both others`);
  }

  for (let i = 0; i < 3; i++) {
    const cs = await connections(pages[i]);
    t.diagnostic(`page ${i} connections: ${JSON.stringify(cs)}`);
    assert.ok(cs.length >= 1 && cs.length <= 2, `page ${i} holds ${cs.length} peer connections`);
    for (const c of cs) {
      assert.equal(c.state, 'connected');
      assert.equal(c.remote, `127.0.0.1:${rtc.min}`, `page ${i}: the selected pair ends at buzzd's media port`);
    }
  }
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const fwd = /^buzz_rtc_fwd_packets_total\{worker="0"\} (\d+)/m.exec(metrics);
  t.diagnostic(`buzzd forwarded ${fwd?.[1]} packets`);
  assert.ok(fwd && Number(fwd[1]) > 500, 'buzzd forwarded the media');

  // Cat leaves: Ann and Ben drop her tracks and stats within a few seconds.
  const t0 = Date.now();
  await pages[2].evaluate(() => window.buzzstream.leave());
  for (let i = 0; i < 2; i++) {
    await waitFor(async () => !((await stats(pages[i]))[ids[2]]) &&
      !(await pages[i].evaluate((id) => document.querySelector(`video[data-peer-id="${id}"]`), ids[2])),
    { timeoutMs: 5000, intervalMs: 100, what: `page ${i} to drop Cat` });
  }
  const goneMs = Date.now() - t0;
  t.diagnostic(`Cat's leaving seen by both others after ${goneMs} ms`);
  // The two who stay still see each other.
  const before = await framesDecoded(pages[0], ids[1]);
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(await framesDecoded(pages[0], ids[1]) > before, 'Ann still decodes Ben after Cat left');
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

// The owner switches a p2p room to sfu and back while two pages are in a call: each switch
// is announced (media-changed), the pages drop the old connections and get media again, through
// buzzd in sfu and peer to peer again in p2p. (Not the seamless "auto": the media stops
// for the time the new connections take.)
test('set-media-mode moves a running call from p2p to sfu and back', { timeout: 240000 }, async (t) => {
  let owner = null;
  const { rtc, server, browser, pages } = await sfuSetup(t, () => owner?.c.terminate());
  const room = await createRoom(server, { name: 'e2e switch' });
  for (let i = 0; i < 2; i++) pages.push(await openRoom(browser, server, room.id));
  const ids = [];
  for (const [i, name] of ['Ann', 'Ben'].entries()) {
    const j = await apiJoin(pages[i], { name });
    assert.ok(j.ok, `${name}'s join failed: ${JSON.stringify(j)}`);
    ids.push(j.id);
  }
  /* Both pages decode video and get audio from each other; their connected connections. */
  const both = async (what) => {
    const all = [];
    for (let i = 0; i < 2; i++) {
      const s = await waitForVideo(pages[i], ids[1 - i], 'video', 45000);
      await waitForAudio(pages[i], ids[1 - i]);
      const cs = (await connections(pages[i])).filter((c) => c.state === 'connected');
      t.diagnostic(`${what}: page ${i} ← ${1 - i} ${s.video.width}x${s.video.height}, connections ${JSON.stringify(cs)}`);
      all.push(...cs);
    }
    return all;
  };
  const atBuzzd = (cs) => cs.length > 0 && cs.every((c) => c.remote === `127.0.0.1:${rtc.min}`);
  let cs = await both('p2p');
  assert.ok(!atBuzzd(cs), 'a p2p call does not go through buzzd');

  // The owner (a plain WebSocket client, no media) switches the room and leaves again.
  const setMode = async (mode) => {
    const r = await owner.c.request({ type: 'set-media-mode', mode });
    assert.equal(r.type, 'ok', JSON.stringify(r));
  };
  owner = await joinRoom(server.wsUrl, room.id, 'Owner', { owner_token: room.owner_token });
  await setMode('sfu');
  await owner.c.request({ type: 'leave' });
  const t0 = Date.now();
  await waitFor(async () => {
    for (const p of pages) {
      const c = (await connections(p)).filter((x) => x.state === 'connected');
      if (c.length !== 2 || !atBuzzd(c)) return false;
    }
    return true;
  }, { timeoutMs: 30000, intervalMs: 250, what: 'both pages on two connections to buzzd' });
  cs = await both('sfu');
  t.diagnostic(`p2p → sfu: connections to buzzd after ${Date.now() - t0} ms`);
  assert.ok(atBuzzd(cs));

  owner = await joinRoom(server.wsUrl, room.id, 'Owner', { owner_token: room.owner_token });
  await setMode('p2p');
  await owner.c.request({ type: 'leave' });
  await waitFor(async () => {
    for (const p of pages) {
      const c = (await connections(p)).filter((x) => x.state === 'connected');
      if (c.length !== 1 || atBuzzd(c)) return false;
    }
    return true;
  }, { timeoutMs: 30000, intervalMs: 250, what: 'both pages back on one peer-to-peer connection' });
  cs = await both('p2p again');
  assert.ok(!atBuzzd(cs));
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

// buzzd is killed (SIGKILL) and restarted on the same ports: the pages rejoin with new ids and
// open new connections to the new media workers (the room keeps its mode: it is stored).
test('sfu room: media comes back after buzzd is killed and restarted', { timeout: 240000 }, async (t) => {
  const { rtc, server, browser, pages } = await sfuSetup(t);
  const room = await createRoom(server, { name: 'e2e sfu restart', media_mode: 'sfu' });
  for (let i = 0; i < 2; i++) pages.push(await openRoom(browser, server, room.id));
  const ids = [];
  for (const [i, name] of ['Ann', 'Ben'].entries()) {
    const j = await apiJoin(pages[i], { name });
    assert.ok(j.ok, `${name}'s join failed: ${JSON.stringify(j)}`);
    ids.push(j.id);
  }
  for (let i = 0; i < 2; i++) await waitForVideo(pages[i], ids[1 - i], 'video', 45000);
  await server.kill9();
  await server.restart();
  const restartedAt = Date.now();
  for (let i = 0; i < 2; i++) {
    await waitFor(async () => {
      const others = await pages[i].evaluate(() => window.buzzstream.participants().map((p) => p.id));
      if (others.length !== 1 || others[0] === ids[1 - i]) return false;
      const f0 = await framesDecoded(pages[i], others[0]);
      if (f0 === 0) return false;
      await new Promise((r) => setTimeout(r, 400));
      return (await framesDecoded(pages[i], others[0])) > f0;
    }, { timeoutMs: 30000, intervalMs: 250, what: `page ${i} to decode the other again` })
      .catch(async (e) => { e.message += `\n${pageDiag(pages[i])}\n${await pcDiag(pages[i])}`; throw e; });
  }
  const videoMs = Date.now() - restartedAt;
  for (let i = 0; i < 2; i++) {
    const cs = (await connections(pages[i])).filter((c) => c.state === 'connected');
    assert.equal(cs.length, 2, `page ${i}: ${JSON.stringify(cs)}`);
    for (const c of cs) assert.equal(c.remote, `127.0.0.1:${rtc.min}`);
  }
  t.diagnostic(`after the restart video flows again in ${videoMs} ms`);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

/**
 * Watches the picture of peerId's camera tile on `page` (the <video> the user sees, whatever
 * connection feeds it) and keeps the longest time it did not change: the media gap a user sees.
 */
async function watchPicture(page, peerId) {
  await page.evaluate((id) => {
    const g = new OffscreenCanvas(32, 18).getContext('2d', { willReadFrequently: true });
    const w = { last: performance.now(), max: 0, prev: -1, changes: 0, log: [], src: null };
    window.__watch = w;
    setInterval(() => {
      const v = document.querySelector(`[data-peer-id="${id}"][data-kind="camera"] video`);
      const now = performance.now();
      const src = v?.srcObject?.getVideoTracks?.()[0]?.id ?? null;
      if (src !== w.src) w.log.push(`track ${src?.slice(0, 8)} at ${Math.round(now)}`);
      w.src = src;
      if (!v || v.readyState < 2 || !v.videoWidth) return;
      g.drawImage(v, 0, 0, 32, 18);
      const d = g.getImageData(0, 0, 32, 18).data;
      let h = 0;
      for (let i = 0; i < d.length; i += 4) h = (Math.imul(h, 31) + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
      if (h === w.prev) return;
      if (now - w.last > 500) w.log.push(`still ${Math.round(now - w.last)} ms until ${Math.round(now)}`);
      w.max = Math.max(w.max, now - w.last);
      w.last = now;
      w.prev = h;
      w.changes++;
    }, 40);
  }, peerId);
}

/** The longest gap since the last reset (the current one included), then a fresh start. */
const takeGap = (page) => page.evaluate(() => {
  const w = window.__watch;
  const now = performance.now();
  const r = { maxMs: Math.round(Math.max(w.max, now - w.last)), changes: w.changes, log: w.log.splice(0) };
  w.max = 0;
  w.changes = 0;
  return r;
});

// "auto": Ann and Ben talk peer to peer; Cat joining moves everyone to buzzd (the two by
// media-changed, Cat by joined.media); Cat leaving moves Ann and Ben back. The bound is
// no media gap over one second; with three browsers on two loaded cores the test allows 5 s
// and reports the gap each way (docs/sfu.md has the figures of quiet runs).
test('auto: two pages peer to peer, a third moves everyone to buzzd, and back when it leaves', { timeout: 240000 }, async (t) => {
  const { rtc, server, browser, pages } = await sfuSetup(t);
  const room = await createRoom(server, { name: 'e2e auto', media_mode: 'auto' });
  for (let i = 0; i < 3; i++) pages.push(await openRoom(browser, server, room.id));
  const ids = [];
  for (const [i, name] of ['Ann', 'Ben'].entries()) {
    const j = await apiJoin(pages[i], { name });
    assert.ok(j.ok, `${name}'s join failed: ${JSON.stringify(j)}`);
    ids.push(j.id);
  }
  const atBuzzd = (cs) => cs.length > 0 && cs.every((c) => c.remote === `127.0.0.1:${rtc.min}`);
  const connected = async (p) => (await connections(p)).filter((c) => c.state === 'connected');
  for (let i = 0; i < 2; i++) await waitForVideo(pages[i], ids[1 - i], 'video', 45000);
  assert.ok(!atBuzzd(await connected(pages[0])), 'two in an auto room talk peer to peer');
  await waitForPicture(pages[0], ids[1], 'camera', 20000);
  await watchPicture(pages[0], ids[1]);
  await takeGap(pages[0]);

  // Cat joins with her camera off: with all pages in one browser, a page opening the fake
  // camera freezes every page's camera for about 2 s (measured in a p2p room: Ann's picture
  // of Ben still for 2.0 s when Cat joined with her camera, 0.09 s without), which would be
  // counted as the switch's gap. Her camera goes on once the switch is measured.
  const jc = await apiJoin(pages[2], { name: 'Cat', camera: false });
  assert.ok(jc.ok, JSON.stringify(jc));
  ids.push(jc.id);
  const t0 = Date.now();
  await waitFor(async () => {
    for (const p of pages.slice(0, 2)) {
      const c = await connected(p);
      if (c.length !== 2 || !atBuzzd(c)) return false;
    }
    return true;
  }, { timeoutMs: 45000, intervalMs: 250, what: 'Ann and Ben on two connections to buzzd (and no other)' });
  const switched = Date.now() - t0;
  for (let i = 0; i < 2; i++) await waitForVideo(pages[i], ids[1 - i], 'video', 45000);
  // Ann keeps seeing Ben move through the switch.
  await new Promise((r) => setTimeout(r, 1500));
  const up = await takeGap(pages[0]);
  t.diagnostic(`p2p → sfu at the third join: on buzzd after ${switched} ms; Ann's longest still picture of Ben ${up.maxMs} ms ${up.log.join('; ')}`);
  assert.ok(up.changes > 5, `Ann's picture of Ben changes after the switch (${up.changes} changes)`);
  assert.ok(up.maxMs <= 5000, `media gap at p2p → sfu: ${up.maxMs} ms`);
  await pages[2].evaluate(() => window.buzzstream.setCamera(true));
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) if (i !== j) await waitForVideo(pages[i], ids[j], 'video', 45000);
  }
  for (const p of pages) {
    const c = await connected(p);
    assert.ok(c.length === 2 && atBuzzd(c), `three in an auto room go through buzzd: ${JSON.stringify(c)}`);
  }

  await pages[2].evaluate(() => window.buzzstream.leave());
  const t1 = Date.now();
  await waitFor(async () => {
    for (const p of pages.slice(0, 2)) {
      const c = await connected(p);
      if (c.length !== 1 || atBuzzd(c)) return false;
    }
    return true;
  }, { timeoutMs: 45000, intervalMs: 250, what: 'Ann and Ben back on one peer-to-peer connection' });
  const back = Date.now() - t1;
  for (let i = 0; i < 2; i++) await waitForVideo(pages[i], ids[1 - i], 'video', 45000);
  await new Promise((r) => setTimeout(r, 1500));
  const down = await takeGap(pages[0]);
  t.diagnostic(`sfu → p2p when the third left: peer to peer after ${back} ms; Ann's longest still picture of Ben ${down.maxMs} ms ${down.log.join('; ')}`);
  assert.ok(down.changes > 5, `Ann's picture of Ben changes after going back (${down.changes} changes)`);
  assert.ok(down.maxMs <= 5000, `media gap at sfu → p2p: ${down.maxMs} ms`);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});

/** Ann's camera as `page` receives it: the inbound-rtp frame size and frames decoded. */
async function inboundFrom(page, peerId) {
  const v = (await stats(page))[peerId]?.video;
  return v ? { width: v.width, height: v.height, frames: v.framesDecoded } : null;
}

// Simulcast (docs/protocol.md, sfu-view): Ann publishes her camera (1280×720 here) as three
// layers; Ben's page is large (his tile of Ann is hundreds of pixels wide), Cat's is
// phone-sized. At the same moment Cat must receive a smaller layer of Ann than Ben; then Cat's
// window grows and she gets a larger layer, switched at a keyframe (buzzd's metrics count the
// switches and its PLIs). On two cores Chromium may send fewer layers: the test compares
// layers, it does not insist on exact sizes.
test('simulcast: a small tile gets a lower layer than a large one', { timeout: 240000 }, async (t) => {
  const step = stepTimer(t);
  const { server, browser, pages } = await sfuSetup(t, () => {}, { width: 1280, height: 720, frames: 20 });
  const room = await createRoom(server, { name: 'e2e simulcast', media_mode: 'sfu' });
  const sizes = [{ width: 1280, height: 800 }, { width: 1280, height: 800 }, { width: 360, height: 320 }];
  for (let i = 0; i < 3; i++) pages.push(await openRoom(browser, server, room.id, sizes[i]));
  const ids = [];
  for (const [i, name] of ['Ann', 'Ben', 'Cat'].entries()) {
    const j = await apiJoin(pages[i], { name, camera: i === 0, mic: false });
    assert.ok(j.ok, `${name}'s join failed: ${JSON.stringify(j)}`);
    ids.push(j.id);
  }
  step('3 pages joined, Ann publishes');
  await waitForVideo(pages[1], ids[0], 'video', 45000);
  await waitForVideo(pages[2], ids[0], 'video', 45000);
  // Ann's encoder: the layers Chromium sends now (it may drop some under load).
  const layers = () => pages[0].evaluate(async () => {
    const out = [];
    for (const r of window.__pcs || []) {
      if (r.pc.connectionState === 'closed') continue;
      (await r.pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid) {
          out.push({ rid: s.rid, width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, active: s.active,
            kbps: s.targetBitrate ? Math.round(s.targetBitrate / 1000) : 0 });
        }
      });
    }
    return out;
  });
  let seen = null;
  await waitFor(async () => {
    const ben = await inboundFrom(pages[1], ids[0]);
    const cat = await inboundFrom(pages[2], ids[0]);
    seen = { ben, cat, layers: await layers() };
    return ben && cat && cat.width > 0 && ben.width > cat.width;
  }, { timeoutMs: 40000, intervalMs: 500, what: 'Cat on a smaller layer of Ann than Ben' })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(seen)}`; throw e; });
  t.diagnostic(`same moment: Ben (large tile) ${seen.ben.width}x${seen.ben.height}, Cat (small tile) ` +
    `${seen.cat.width}x${seen.cat.height}; Ann sends ${JSON.stringify(seen.layers)}`);
  step('Cat smaller than Ben');

  // Cat's window grows: her tile of Ann does, and she moves up a layer (at a keyframe).
  const small = seen.cat.width;
  const grown = Date.now();
  await pages[2].setViewportSize({ width: 1280, height: 800 });
  await waitFor(async () => {
    const cat = await inboundFrom(pages[2], ids[0]);
    seen.cat = cat;
    return cat && cat.width > small;
  }, { timeoutMs: 30000, intervalMs: 100, what: 'Cat on a larger layer after her window grew' })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(seen)}`; throw e; });
  const switchMs = Date.now() - grown;
  const f0 = (await inboundFrom(pages[2], ids[0])).frames;
  await new Promise((r) => setTimeout(r, 1000));
  const f1 = (await inboundFrom(pages[2], ids[0])).frames;
  assert.ok(f1 > f0, `Cat decodes Ann after the switch (${f0} → ${f1} frames)`);
  t.diagnostic(`Cat after growing: ${seen.cat.width}x${seen.cat.height} decoded ${switchMs} ms after ` +
    `the resize (tile observers, 250 ms debounce, PLI, keyframe, stats), ${f1 - f0} frames in 1 s`);
  step('Cat larger after growing');

  // Cat's tile of Ann leaves the page (display: none): buzzd stops sending Ann's camera to her
  // (no frame decoded for a second), and it comes back when the tile does, from a keyframe.
  const hide = (on) => pages[2].evaluate(([id, v]) => {
    document.querySelector(`.tile[data-peer-id="${id}"][data-kind="camera"]`).style.display = v ? 'none' : '';
  }, [ids[0], on]);
  await hide(true);
  await new Promise((r) => setTimeout(r, 1500));       // the view goes out, frames in flight drain
  const h0 = (await inboundFrom(pages[2], ids[0])).frames;
  await new Promise((r) => setTimeout(r, 1000));
  const h1 = (await inboundFrom(pages[2], ids[0])).frames;
  assert.equal(h1, h0, `a hidden tile gets no video (${h0} → ${h1} frames decoded)`);
  const shown = Date.now();
  await hide(false);
  await waitFor(async () => (await inboundFrom(pages[2], ids[0])).frames > h1 + 5,
    { timeoutMs: 20000, intervalMs: 100, what: 'Ann\'s video back on Cat\'s page after her tile came back' });
  t.diagnostic(`Cat's hidden tile: no frames for 1 s; video back ${Date.now() - shown} ms after it was shown`);
  step('paused while hidden, resumed');

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const num = (name) => Number(new RegExp(`^${name}\\{worker="0"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
  const switches = num('buzz_rtc_layer_switches_total'), plis = num('buzz_rtc_plis_sent_total');
  t.diagnostic(`buzzd: ${switches} layer switches, ${plis} PLIs sent`);
  assert.ok(switches >= 3, `layer switches counted: ${switches}`);
  assert.ok(plis >= 1, `PLIs counted: ${plis}`);
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
  await assertCleanShutdown(server);
});
