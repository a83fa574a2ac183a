// SFU mode's pure helpers (web/js/sfu/sfu-util.js): the server's publisher list and the
// sub offer's `mids` map, screens included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapMids, validPublishers } from '../../web/js/sfu/sfu-util.js';

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
