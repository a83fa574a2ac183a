import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePeerStats, kbps, lossPct } from '../../web/js/stats-calc.js';

function snap(t, { vBytes, vFrames, vLost, vRecv, sBytes = 0, sFrames = 0, aBytes, fps }) {
  return [
    { id: 'IV', type: 'inbound-rtp', kind: 'video', trackIdentifier: 'cam', mid: '1',
      timestamp: t, bytesReceived: vBytes, framesDecoded: vFrames, packetsLost: vLost,
      packetsReceived: vRecv, frameWidth: 640, frameHeight: 480,
      ...(fps === undefined ? {} : { framesPerSecond: fps }) },
    { id: 'IS', type: 'inbound-rtp', kind: 'video', trackIdentifier: 'scr', mid: '2',
      timestamp: t, bytesReceived: sBytes, framesDecoded: sFrames, packetsLost: 0,
      packetsReceived: 10, frameWidth: 1920, frameHeight: 1080 },
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', timestamp: t, bytesReceived: aBytes,
      packetsReceived: 50, packetsLost: 1, audioLevel: 0.25 },
    { id: 'T', type: 'transport', selectedCandidatePairId: 'CP' },
    { id: 'CP', type: 'candidate-pair', localCandidateId: 'L', currentRoundTripTime: 0.0123,
      state: 'succeeded', nominated: true },
    { id: 'L', type: 'local-candidate', candidateType: 'host' },
  ];
}

test('kbps and lossPct', () => {
  assert.equal(kbps(0, 125000, 0, 1000), 1000);
  assert.equal(kbps(100, 50, 0, 1000), 0, 'counter reset is not negative');
  assert.equal(kbps(0, 100, 5, 5), 0, 'no time, no rate');
  assert.equal(lossPct(1, 99), 1);
  assert.equal(lossPct(0, 0), 0);
  assert.equal(lossPct(1, 2), 33.3);
});

test('rates from two snapshots, camera and screen told apart by track id', () => {
  const a = snap(1000, { vBytes: 0, vFrames: 0, vLost: 0, vRecv: 0, aBytes: 0 });
  const b = snap(3000, { vBytes: 250000, vFrames: 60, vLost: 5, vRecv: 95, sBytes: 50000,
    sFrames: 10, aBytes: 8000 });
  const s = computePeerStats(a, b, { byTrackId: { cam: 'camera', scr: 'screen' } },
    { iceState: 'connected', connectionState: 'connected' });
  assert.equal(s.video.bitrateKbps, 1000);
  assert.equal(s.video.fps, 30);
  assert.equal(s.video.framesDecoded, 60);
  assert.equal(s.video.width, 640);
  assert.equal(s.video.lossPct, 5);
  assert.equal(s.screen.width, 1920);
  assert.equal(s.screen.bitrateKbps, 200);
  assert.equal(s.screen.fps, 5);
  assert.equal(s.audio.bitrateKbps, 32);
  assert.equal(s.audio.level, 0.25);
  assert.equal(s.rttMs, 12);
  assert.equal(s.candidateType, 'host');
  assert.equal(s.iceState, 'connected');
});

test('mid map works when track ids are absent; browser fps wins when reported', () => {
  const a = snap(0, { vBytes: 0, vFrames: 0, vLost: 0, vRecv: 0, aBytes: 0 });
  const b = snap(1000, { vBytes: 1000, vFrames: 30, vLost: 0, vRecv: 10, aBytes: 0, fps: 24 });
  const s = computePeerStats(a, b, { byMid: { 1: 'screen', 2: 'camera' } });
  assert.equal(s.screen.width, 640);
  assert.equal(s.screen.fps, 24);
  assert.equal(s.video.width, 1920);
});

test('first snapshot: zero rates, cumulative loss; no media: screen null, zeros', () => {
  const b = snap(1000, { vBytes: 999, vFrames: 3, vLost: 1, vRecv: 3, aBytes: 0 });
  const s = computePeerStats(null, b, { byTrackId: { cam: 'camera', scr: 'screen' } });
  assert.equal(s.video.bitrateKbps, 0);
  assert.equal(s.video.lossPct, 25);
  const empty = computePeerStats(null, []);
  assert.equal(empty.screen, null);
  assert.equal(empty.video.framesDecoded, 0);
  assert.equal(empty.rttMs, null);
  assert.equal(empty.candidateType, null);
});

test('falls back to the nominated succeeded pair without a transport entry', () => {
  const b = snap(1000, { vBytes: 0, vFrames: 0, vLost: 0, vRecv: 0, aBytes: 0 })
    .filter((s) => s.type !== 'transport');
  assert.equal(computePeerStats(null, b).rttMs, 12);
});
