// A Chromium publisher and a Chromium subscriber through buzzd's media plane (one worker of
// server/rtc, driven by build/tests/rtc-sfu-harness in place of signaling): ICE-lite against
// the worker's UDP port on 127.0.0.1, DTLS-SRTP, and the publisher's VP8 and Opus forwarded
// to the subscriber, which must decode moving, non-black video and receive audio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import readline from 'node:readline';
import { launchBrowser } from '../../../../tests/lib/chromium.mjs';

const HARNESS = process.env.RTC_HARNESS || 'build/tests/rtc-sfu-harness';

function startHarness(args = []) {
  const proc = spawn(HARNESS, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: proc.stdout });
  const waiters = [];
  const events = [];
  rl.on('line', (l) => {
    const m = JSON.parse(l);
    if (m.op === 'event') events.push(m);
    const i = waiters.findIndex((w) => w.match(m));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
  });
  const next = (match, ms = 10000) =>
    new Promise((resolve, reject) => {
      const w = { match, resolve };
      waiters.push(w);
      setTimeout(() => reject(new Error('harness: no reply')), ms).unref();
    });
  const send = (o) => proc.stdin.write(JSON.stringify(o) + '\n');
  return { proc, next, send, events };
}

async function page(browser, origin) {
  const ctx = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => process.stderr.write(`[page] ${e}\n`));
  await p.goto(origin);
  return p;
}

test('Chromium publishes through one worker and another Chromium decodes it', { timeout: 120000 }, async () => {
  const h = startHarness();
  const ready = await h.next((m) => m.op === 'ready');
  assert.ok(ready.port > 0);
  const srv = http.createServer((q, r) => r.end('<!doctype html><title>sfu</title>')).listen(0, '127.0.0.1');
  await new Promise((r) => srv.on('listening', r));
  const origin = `http://127.0.0.1:${srv.address().port}/`;
  const browser = await launchBrowser([
    '--allow-loopback-in-peer-connection',
    '--use-fake-device-for-media-stream=fps=30',
  ]);
  try {
    // Publisher: camera + microphone, sendonly, one bundled connection.
    const pub = await page(browser, origin);
    const offer = await pub.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      window.pc = pc;
      for (const t of s.getTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [s] });
      await pc.setLocalDescription();
      return pc.localDescription.sdp;
    });
    h.send({ op: 'offer', id: 1, room: 7, sdp: offer });
    const a1 = await h.next((m) => m.id === 1 && (m.op === 'answer' || m.op === 'error'));
    assert.equal(a1.op, 'answer', a1.error);
    await pub.evaluate(async (sdp) => {
      await window.pc.setRemoteDescription({ type: 'answer', sdp });
      const t0 = Date.now();
      while (window.pc.connectionState !== 'connected') {
        if (Date.now() - t0 > 15000) throw new Error(`publisher ${window.pc.connectionState}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }, a1.sdp);

    // Subscriber: recvonly audio + video; the answer names the publisher's SSRCs.
    const sub = await page(browser, origin);
    const offer2 = await sub.evaluate(async () => {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      window.pc = pc;
      window.tracks = [];
      pc.ontrack = (e) => window.tracks.push(e.track);
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      await pc.setLocalDescription();
      return pc.localDescription.sdp;
    });
    h.send({ op: 'offer', id: 2, room: 7, sdp: offer2 });
    const a2 = await h.next((m) => m.id === 2 && (m.op === 'answer' || m.op === 'error'));
    assert.equal(a2.op, 'answer', a2.error);
    const result = await sub.evaluate(async (sdp) => {
      const pc = window.pc;
      await pc.setRemoteDescription({ type: 'answer', sdp });
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      document.body.append(video);
      const vt = window.tracks.find((t) => t.kind === 'video');
      video.srcObject = new MediaStream([vt]);
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 36;
      const g = canvas.getContext('2d', { willReadFrequently: true });
      const sample = () => {
        g.drawImage(video, 0, 0, 64, 36);
        const d = g.getImageData(0, 0, 64, 36).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
        return sum;
      };
      const t0 = Date.now();
      let stats = {};
      let first = null;
      for (;;) {
        const r = await pc.getStats();
        stats = {};
        r.forEach((s) => {
          if (s.type === 'inbound-rtp') stats[s.kind] = s;
          if (s.type === 'transport') stats.transport = s;
        });
        // The selected pair, through the transport (as the stats overlay reads it).
        stats.pair = stats.transport && r.get(stats.transport.selectedCandidatePairId);
        stats.remoteCandidate = stats.pair && r.get(stats.pair.remoteCandidateId);
        const v = stats.video;
        if (v && v.framesDecoded > 30 && video.videoWidth > 0) {
          if (first === null) first = sample();
          else if (sample() !== first) break; // the picture changes: frames keep arriving
        }
        if (Date.now() - t0 > 45000) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const rc = stats.remoteCandidate;
      return {
        state: pc.connectionState,
        framesDecoded: stats.video?.framesDecoded ?? 0,
        width: stats.video?.frameWidth ?? 0,
        audioPackets: stats.audio?.packetsReceived ?? 0,
        brightness: sample(),
        changed: first !== null && sample() !== first,
        remote: rc ? `${rc.address}:${rc.port}` : null,
      };
    }, a2.sdp);
    h.send({ op: 'stats' });
    const st = await h.next((m) => m.op === 'stats');
    process.stderr.write(`subscriber ${JSON.stringify(result)}\nworker ${JSON.stringify(st)}\n`);
    assert.equal(result.state, 'connected');
    assert.ok(result.framesDecoded > 30, `frames decoded: ${result.framesDecoded}`);
    assert.ok(result.width >= 320, `frame width ${result.width}`);
    assert.ok(result.brightness > 64 * 36 * 30, 'video is not black');
    assert.ok(result.changed, 'video pixels change');
    assert.ok(result.audioPackets > 20, `audio packets: ${result.audioPackets}`);
    assert.equal(result.remote, `127.0.0.1:${ready.port}`, 'the selected pair ends at the worker');
    assert.ok(st.fwd_packets > 100 && st.dtls_connected === 2 && st.srtp_rejected === 0);
    assert.equal(h.events.filter((e) => e.type === 3).length, 2, 'two DTLS_CONNECTED events');
  } finally {
    await browser.close();
    srv.close();
    h.proc.stdin.end();
    await new Promise((r) => h.proc.on('exit', r));
  }
});

// 5 % of the RTP the worker sends is dropped (the harness's --loss-permille 50, standing in for
// a lossy link until the namespace + nftables test exists): the subscriber's NACKs are answered
// from the worker's retransmission buffer and the picture never stops for a second.
test('5 % loss towards the subscriber: NACKs answered by the worker, no freeze of a second', { timeout: 150000 }, async () => {
  const h = startHarness(['--loss-permille', '50']);
  await h.next((m) => m.op === 'ready');
  const srv = http.createServer((q, r) => r.end('<!doctype html><title>sfu</title>')).listen(0, '127.0.0.1');
  await new Promise((r) => srv.on('listening', r));
  const origin = `http://127.0.0.1:${srv.address().port}/`;
  const browser = await launchBrowser(['--allow-loopback-in-peer-connection', '--use-fake-device-for-media-stream=fps=30']);
  try {
    const pub = await page(browser, origin);
    const offer = await pub.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ audio: false, video: { width: 640, height: 360 } });
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      window.pc = pc;
      for (const t of s.getTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [s] });
      await pc.setLocalDescription();
      return pc.localDescription.sdp;
    });
    h.send({ op: 'offer', id: 1, room: 9, sdp: offer });
    const a1 = await h.next((m) => m.id === 1 && (m.op === 'answer' || m.op === 'error'));
    assert.equal(a1.op, 'answer', a1.error);
    await pub.evaluate((sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp }), a1.sdp);
    const sub = await page(browser, origin);
    const offer2 = await sub.evaluate(async () => {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      window.pc = pc;
      window.tracks = [];
      pc.ontrack = (e) => window.tracks.push(e.track);
      pc.addTransceiver('video', { direction: 'recvonly' });
      await pc.setLocalDescription();
      return pc.localDescription.sdp;
    });
    h.send({ op: 'offer', id: 2, room: 9, sdp: offer2 });
    const a2 = await h.next((m) => m.id === 2 && (m.op === 'answer' || m.op === 'error'));
    assert.equal(a2.op, 'answer', a2.error);
    const r = await sub.evaluate(async (sdp) => {
      const pc = window.pc;
      await pc.setRemoteDescription({ type: 'answer', sdp });
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      document.body.append(video);
      video.srcObject = new MediaStream([window.tracks[0]]);
      const inbound = async () => {
        let v = null;
        (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') v = s; });
        return v || {};
      };
      // Wait for the picture, then watch 8 s of it frame by frame.
      const t0 = Date.now();
      while (!((await inbound()).framesDecoded > 30)) {
        if (Date.now() - t0 > 45000) return { error: 'no video' };
        await new Promise((res) => setTimeout(res, 200));
      }
      const before = await inbound();
      let last = performance.now(), maxGap = 0, frames = 0;
      const start = last;
      await new Promise((done) => {
        const cb = (now) => {
          maxGap = Math.max(maxGap, now - last);
          last = now;
          frames++;
          if (now - start > 8000) done();
          else video.requestVideoFrameCallback(cb);
        };
        video.requestVideoFrameCallback(cb);
      });
      const after = await inbound();
      return {
        frames,
        maxGapMs: Math.round(Math.max(maxGap, performance.now() - last)),
        decoded: after.framesDecoded - before.framesDecoded,
        nacks: after.nackCount,
        lost: after.packetsLost,
      };
    }, a2.sdp);
    h.send({ op: 'stats' });
    const st = await h.next((m) => m.op === 'stats');
    process.stderr.write(`lossy subscriber ${JSON.stringify(r)}\nworker ${JSON.stringify(st)}\n`);
    assert.equal(r.error, undefined);
    assert.ok(st.test_dropped > 5, `the link dropped ${st.test_dropped} packets`);
    assert.ok(r.nacks > 0 && st.nack_in > 0, 'the subscriber sent NACKs and the worker saw them');
    assert.ok(st.rtx_sent > 0, 'the worker resent from its buffer');
    assert.ok(r.decoded > 8 * 30 * 0.4, `frames decoded in 8 s: ${r.decoded}`);
    assert.ok(r.maxGapMs < 1000, `longest gap between shown frames: ${r.maxGapMs} ms`);
  } finally {
    await browser.close();
    srv.close();
    h.proc.stdin.end();
    await new Promise((r) => h.proc.on('exit', r));
  }
});

// Transport-wide congestion control (server/rtc/cc.c): buzzd answers the publisher with
// transport-cc and sends it feedback, so Chromium's send-side estimator (GCC) ramps its
// availableOutgoingBitrate above its start value; the subscriber's REMB reaches the worker
// (its bandwidth estimate) and is not forwarded. RTC_CC_COMPARE=1 also runs the harness with
// --no-cc (the answer without transport-cc: buzzd before 2026-12-04) and logs both ramps.
async function ccRun(args) {
  const h = startHarness(args);
  await h.next((m) => m.op === 'ready');
  const srv = http.createServer((q, r) => r.end('<!doctype html><title>sfu</title>')).listen(0, '127.0.0.1');
  await new Promise((r) => srv.on('listening', r));
  const origin = `http://127.0.0.1:${srv.address().port}/`;
  const browser = await launchBrowser(['--allow-loopback-in-peer-connection', '--use-fake-device-for-media-stream=fps=30']);
  try {
    const pub = await page(browser, origin);
    const offer = await pub.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720 } });
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      window.pc = pc;
      for (const t of s.getTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [s] });
      await pc.setLocalDescription();
      return pc.localDescription.sdp;
    });
    h.send({ op: 'offer', id: 1, room: 11, sdp: offer });
    const a1 = await h.next((m) => m.id === 1 && (m.op === 'answer' || m.op === 'error'));
    assert.equal(a1.op, 'answer', a1.error);
    await pub.evaluate((sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp }), a1.sdp);
    const sub = await page(browser, origin);
    const offer2 = await sub.evaluate(async () => {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      window.pc = pc;
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      await pc.setLocalDescription();
      return pc.localDescription.sdp;
    });
    h.send({ op: 'offer', id: 2, room: 11, sdp: offer2 });
    const a2 = await h.next((m) => m.id === 2 && (m.op === 'answer' || m.op === 'error'));
    assert.equal(a2.op, 'answer', a2.error);
    await sub.evaluate((sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp }), a2.sdp);
    // The publisher's estimate and send rate, once a second for 15 s after it connected.
    const ramp = await pub.evaluate(async () => {
      const pc = window.pc;
      const t0 = Date.now();
      while (pc.connectionState !== 'connected') {
        if (Date.now() - t0 > 20000) return { error: `publisher ${pc.connectionState}` };
        await new Promise((r) => setTimeout(r, 50));
      }
      const samples = [];
      let lastBytes = 0, lastT = performance.now(), jumped = false;
      // 15 s, or up to 30 s until the estimate jumps (a probe: see the assertion below).
      for (let i = 0; i <= 30 && (i <= 15 || !jumped); i++) {
        const r = await pc.getStats();
        let pair = null, bytes = 0;
        r.forEach((s) => {
          if (s.type === 'transport') pair = r.get(s.selectedCandidatePairId);
          if (s.type === 'outbound-rtp' && s.kind === 'video') bytes += s.bytesSent;
        });
        const now = performance.now();
        samples.push({
          s: i,
          estimate: pair?.availableOutgoingBitrate ?? null,
          sendKbps: Math.round(((bytes - lastBytes) * 8) / (now - lastT)),
        });
        lastBytes = bytes, lastT = now;
        const e = samples.map((x) => x.estimate).filter((x) => x);
        for (let k = 1; k < e.length; k++) if (e[k] >= 1.5 * e[k - 1]) jumped = true;
        if (e[0] > 1000000) jumped = true; /* the first probes answered before the first sample */
        await new Promise((res) => setTimeout(res, 1000));
      }
      return { samples };
    });
    h.send({ op: 'stats' });
    const st = await h.next((m) => m.op === 'stats');
    return { ramp, st, answer: a1.sdp };
  } finally {
    await browser.close();
    srv.close();
    h.proc.stdin.end();
    await new Promise((r) => h.proc.on('exit', r));
  }
}

test('transport-cc feedback: the publisher\'s availableOutgoingBitrate rises, the subscriber\'s REMB arrives', { timeout: 150000 }, async () => {
  const { ramp, st, answer } = await ccRun([]);
  process.stderr.write(`cc ramp ${JSON.stringify(ramp)}\nworker ${JSON.stringify(st)}\n`);
  assert.equal(ramp.error, undefined);
  assert.match(answer, /a=rtcp-fb:96 transport-cc\r\n/);
  assert.match(answer, /transport-wide-cc-extensions-01\r\n/);
  const est = ramp.samples.map((x) => x.estimate).filter((x) => x);
  assert.ok(est.length > 5, 'availableOutgoingBitrate reported');
  // Chromium starts at 300 kbit/s. Without feedback it climbs on receiver reports, about 8 %
  // a second (0.3 -> 0.9 Mbit/s in 15 s, docs/sfu.md); with it GCC probes, and a probe that
  // the feedback confirms raises the estimate by 1.5x or more from one second to the next
  // (1.0 -> 3.5 Mbit/s), or had done so before the first sample (above 1 Mbit/s from the
  // start), and ends above twice the start. On a loaded machine (load average 30-90 during the
  // runs of 2026-12-04) the first probes may fail and GCC may back off first: up to 30 s are
  // watched.
  const jump = est[0] > 1000000 || est.some((e, k) => k > 0 && e >= 1.5 * est[k - 1]);
  assert.ok(jump && Math.max(...est) > 600000, `estimates ${est.join(' ')}`);
  assert.ok(st.twcc_fb_sent > 50, `feedback packets sent: ${st.twcc_fb_sent}`);
  assert.ok(st.remb_in > 0, `REMB from the subscriber: ${st.remb_in}`);
  if (process.env.RTC_CC_COMPARE) {
    const without = await ccRun(['--no-cc']);
    process.stderr.write(`no-cc ramp ${JSON.stringify(without.ramp)}\nworker ${JSON.stringify(without.st)}\n`);
  }
});
