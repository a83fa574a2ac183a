// A relay-only call through coturn: buzzd hands out TURN REST credentials derived from the
// shared secret, both pages force iceTransportPolicy "relay", and video still flows with a
// selected candidate pair of type "relay".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { startCoturn } from '../lib/coturn.mjs';
import { joinRoom } from '../lib/wsjson.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchCallBrowser, openRoom, apiJoin, waitForVideo, waitForPicture, stats, closePages } from '../lib/client.mjs';
import { launchBrowser } from '../lib/chromium.mjs';
import { writeY4m } from '../lib/y4m.mjs';
import { freeUdpRange } from '../lib/ports.mjs';
import { tempDir } from '../lib/proc.mjs';

/** Checks the ice_servers of a raw `joined` against the TURN REST scheme (RFC draft-uberti). */
function checkIceServers(iceServers, turn) {
  const entry = iceServers.find((s) => [].concat(s.urls).some((u) => u.startsWith('turn:')));
  assert.ok(entry, `no turn: entry in ice_servers ${JSON.stringify(iceServers)}`);
  assert.ok([].concat(entry.urls).includes(turn.uri), `urls ${JSON.stringify(entry.urls)} lack ${turn.uri}`);
  assert.equal(typeof entry.username, 'string');
  const expiry = Number(entry.username.split(':')[0]);
  assert.ok(expiry > Date.now() / 1000, `username ${entry.username} is not "<future expiry>[:user]"`);
  const want = crypto.createHmac('sha1', turn.secret).update(entry.username).digest('base64');
  assert.equal(entry.credential, want, 'credential is not base64(HMAC-SHA1(secret, username))');
  assert.ok(!JSON.stringify(iceServers).includes(turn.secret), 'the shared secret leaked to the client');
}

/** Two pages join with relay-only ICE. */
async function relayJoin(a, b) {
  const ja = await apiJoin(a, { name: 'Rae', iceTransportPolicy: 'relay' });
  const jb = await apiJoin(b, { name: 'Rob', iceTransportPolicy: 'relay' });
  assert.ok(ja.ok && jb.ok, JSON.stringify([ja, jb]));
  return [ja, jb];
}

/** `page` decodes `peer`'s camera over a relay candidate pair; returns its PeerStats. */
async function relayVideo(turn, page, peer) {
  await waitForVideo(page, peer, 'video', 40000).catch((e) => { e.message += `\ncoturn log tail:\n${turn.log().slice(-3000)}`; throw e; });
  await waitForPicture(page, peer, 'camera');
  const s = (await stats(page))[peer];
  assert.equal(s.candidateType, 'relay', `selected pair is ${s.candidateType}, not relay: ${JSON.stringify(s)}`);
  return s;
}

test('relay-only call through coturn', { timeout: 150000 }, async (t) => {
  const turn = await startCoturn();
  let server;
  const cleanups = [() => turn.stop()];
  t.after(async () => { for (const f of cleanups.reverse()) await f(); });
  server = await startBuzzd({ turnUri: turn.uri, turnSecret: turn.secret });
  cleanups.push(() => server.stop());
  const cb = await launchCallBrowser();
  const pages = [];
  cleanups.push(() => cb.close(), () => closePages(pages));

  const room = await createRoom(server, { name: 'e2e turn' });
  const probe = await joinRoom(server.wsUrl, room.id, 'probe');
  checkIceServers(probe.joined.ice_servers, turn);
  await probe.c.close();

  pages.push(await openRoom(cb.browser, server, room.id), await openRoom(cb.browser, server, room.id));
  const [a, b] = pages;
  const [ja, jb] = await relayJoin(a, b);

  for (const [p, peer] of [[a, jb.id], [b, ja.id]]) {
    const s = await relayVideo(turn, p, peer);
    t.diagnostic(`${peer}: ${s.video.width}x${s.video.height}, ${s.video.framesDecoded} frames, candidateType ${s.candidateType}`);
  }
  // coturn really carried the call: it logged allocations for the session.
  assert.match(turn.log(), /ALLOCATE processed, success/,
    `coturn saw no allocation:\n${turn.log().slice(-3000)}`);
  // buzzd survived the whole call: healthy, clean exit on SIGTERM, no sanitizer report.
  await assertCleanShutdown(server);
});

// SFU mode through coturn: two pages that may only use relay candidates publish to and
// subscribe from buzzd; their connections to buzzd's media port go through coturn's relay
// (buzzd is ICE-lite and learns the relayed address from the checks).
test('relay-only pages in an sfu room reach buzzd through coturn', { timeout: 150000 }, async (t) => {
  const turn = await startCoturn();
  const cleanups = [() => turn.stop()];
  t.after(async () => { for (const f of cleanups.reverse()) await f(); });
  const rtc = await freeUdpRange(1);
  const server = await startBuzzd({ turnUri: turn.uri, turnSecret: turn.secret,
    config: JSON.stringify({ rtc_port: rtc.min, rtc_workers: 1 }) });
  cleanups.push(() => server.stop());
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-turn-sfu-')));
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${writeY4m(path.join(dir, 'camera.y4m'))}`,
    '--allow-loopback-in-peer-connection']);
  const pages = [];
  cleanups.push(() => browser.close().catch(() => {}), () => closePages(pages));
  const room = await createRoom(server, { name: 'e2e turn sfu', media_mode: 'sfu' });
  pages.push(await openRoom(browser, server, room.id), await openRoom(browser, server, room.id));
  const [a, b] = pages;
  const [ja, jb] = await relayJoin(a, b);
  for (const [p, peer] of [[a, jb.id], [b, ja.id]]) {
    const s = await relayVideo(turn, p, peer);
    // Both of the page's connections end at buzzd's media port, through the relay.
    const remotes = await p.evaluate(async () => {
      const out = [];
      for (const r of window.__pcs || []) {
        if (r.pc.connectionState !== 'connected') continue;
        const st = await r.pc.getStats();
        st.forEach((x) => {
          if (x.type !== 'transport' || !x.selectedCandidatePairId) return;
          const pair = st.get(x.selectedCandidatePairId);
          const l = pair && st.get(pair.localCandidateId), c = pair && st.get(pair.remoteCandidateId);
          if (c) out.push(`${l?.candidateType} → ${c.address}:${c.port}`);
        });
      }
      return out;
    });
    assert.deepEqual(remotes, [`relay → 127.0.0.1:${rtc.min}`, `relay → 127.0.0.1:${rtc.min}`], JSON.stringify(remotes));
    t.diagnostic(`${peer}: ${s.video.width}x${s.video.height}, ${s.video.framesDecoded} frames, ${remotes.join(', ')}`);
  }
  assert.match(turn.log(), /ALLOCATE processed, success/, `coturn saw no allocation:\n${turn.log().slice(-3000)}`);
  await assertCleanShutdown(server);
});
