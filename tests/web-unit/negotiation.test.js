import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPolite, decideDescription, answerIsStale, needsIceRestart, receivingKinds,
  parseTracksMap } from '../../web/js/negotiation.js';

test('the lower id is polite, and exactly one side of a pair is', () => {
  assert.equal(isPolite('p1', 'p2'), true);
  assert.equal(isPolite('p2', 'p1'), false);
  for (const [a, b] of [['a', 'b'], ['p9', 'p10'], ['x1y', 'x1z']]) {
    assert.notEqual(isPolite(a, b), isPolite(b, a));
  }
});

const base = { makingOffer: false, signalingState: 'stable', settingRemoteAnswer: false };

test('an offer in stable state is accepted by both sides', () => {
  for (const polite of [true, false]) {
    const d = decideDescription({ ...base, type: 'offer', polite });
    assert.deepEqual(d, { collision: false, ignore: false, rollback: false });
  }
});

test('offer collision: impolite ignores, polite rolls back', () => {
  const glare = { ...base, signalingState: 'have-local-offer', type: 'offer' };
  assert.deepEqual(decideDescription({ ...glare, polite: false }),
    { collision: true, ignore: true, rollback: false });
  assert.deepEqual(decideDescription({ ...glare, polite: true }),
    { collision: true, ignore: false, rollback: true });
});

test('an offer while we are still making ours is a collision', () => {
  const d = decideDescription({ ...base, makingOffer: true, type: 'offer', polite: false });
  assert.equal(d.collision, true);
  assert.equal(d.ignore, true);
});

test('an offer while an answer is being applied is not a collision', () => {
  const d = decideDescription({ ...base, signalingState: 'have-local-offer',
    settingRemoteAnswer: true, type: 'offer', polite: false });
  assert.equal(d.collision, false);
});

test('answers are never ignored as collisions', () => {
  const d = decideDescription({ ...base, signalingState: 'have-local-offer', makingOffer: true,
    type: 'answer', polite: false });
  assert.deepEqual(d, { collision: false, ignore: false, rollback: false });
  assert.equal(answerIsStale('have-local-offer'), false);
  assert.equal(answerIsStale('stable'), true);
});

test('ICE restart on failed at once, on disconnected after the grace time', () => {
  assert.equal(needsIceRestart('failed', 0), true);
  assert.equal(needsIceRestart('disconnected', 1000), false);
  assert.equal(needsIceRestart('disconnected', 5000), true);
  assert.equal(needsIceRestart('connected', 99999), false);
  assert.equal(needsIceRestart('closed', 99999), false);
});

test('a connection that never gets going after negotiation is restarted', () => {
  assert.equal(needsIceRestart('new', 3000), false);
  assert.equal(needsIceRestart('connecting', 7999), false);
  assert.equal(needsIceRestart('new', 8000), true);
  assert.equal(needsIceRestart('connecting', 9000), true);
});

test('receivingKinds keeps only mids that deliver media to us', () => {
  const remote = { 0: 'audio', 1: 'camera', 2: 'screen' };
  const tx = [
    { mid: '0', currentDirection: 'sendrecv' },
    { mid: '1', currentDirection: 'recvonly' },
    { mid: '2', currentDirection: 'sendonly' },
    { mid: null, currentDirection: null },
    { mid: '3', currentDirection: 'sendrecv' },
  ];
  assert.deepEqual(receivingKinds(remote, tx), { 0: 'audio', 1: 'camera' });
});

test('parseTracksMap drops unknown kinds and junk', () => {
  assert.deepEqual(parseTracksMap({ 0: 'audio', 1: 'screen', 2: 'evil', 3: 7 }),
    { 0: 'audio', 1: 'screen' });
  assert.deepEqual(parseTracksMap(null), {});
  assert.deepEqual(parseTracksMap(['camera']), {});
  const big = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [i, 'camera']));
  assert.equal(Object.keys(parseTracksMap(big)).length, 32);
});
