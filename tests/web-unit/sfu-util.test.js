// SFU mode's pure helpers (web/js/sfu/sfu-util.js): the server's publisher list and the
// sub offer's `mids` map, screens included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapMids, validPublishers, forwardedCodecs } from '../../web/js/sfu/sfu-util.js';

test('validPublishers keeps well-formed others, with their screen flag', () => {
  const got = validPublishers([
    { id: 'p00000001', audio: true, video: true, screen: true },
    { id: 'p00000002', audio: true, video: false },
    { id: 'p00000001', audio: true, video: true },      // a duplicate
    { id: 'p0000000z', audio: true },                   // not an id
    { id: 'p00000003', audio: true, video: true, screen: 'yes' },
    null,
  ], 'p00000002');
  assert.deepEqual(got, [
    { id: 'p00000001', audio: true, video: true, screen: true },
    { id: 'p00000003', audio: true, video: true, screen: false },
  ]);
  assert.deepEqual(validPublishers('nope', null), []);
});

test('mapMids names each live transceiver: audio and camera by id, the screen as "<id>:screen"', () => {
  const tx = (mid, currentDirection = 'recvonly') => ({ mid, currentDirection });
  const subs = new Map([
    ['p00000001', { audio: tx('0'), camera: tx('1'), screen: tx('4') }],
    ['p00000002', { audio: tx('2'), camera: tx('3', 'stopped'), screen: null }],
    ['p00000003', { audio: tx(null), camera: tx('5'), screen: null }],
  ]);
  assert.deepEqual(mapMids(subs), { 0: 'p00000001', 1: 'p00000001', 4: 'p00000001:screen', 2: 'p00000002', 5: 'p00000003' });
});

test('forwardedCodecs keeps what buzzd forwards: Opus; VP8 with RTX; nothing without the codec itself', () => {
  const video = { codecs: [
    { mimeType: 'video/VP8', clockRate: 90000 },
    { mimeType: 'video/rtx', clockRate: 90000 },
    { mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=0' },
    { mimeType: 'video/H264', clockRate: 90000 },
    { mimeType: 'video/red', clockRate: 90000 },
  ] };
  assert.deepEqual(forwardedCodecs('video', video).map((c) => c.mimeType), ['video/VP8', 'video/rtx']);
  const audio = { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, { mimeType: 'audio/PCMU' }, { mimeType: 'audio/red' }] };
  assert.deepEqual(forwardedCodecs('audio', audio).map((c) => c.mimeType), ['audio/opus']);
  assert.deepEqual(forwardedCodecs('video', { codecs: [{ mimeType: 'video/rtx' }, { mimeType: 'video/H264' }] }), []);
  assert.deepEqual(forwardedCodecs('video', null), []);
  assert.deepEqual(forwardedCodecs('data', audio), []);
});
