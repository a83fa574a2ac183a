import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRoster, reduceRoster, diffIds, cleanParticipant } from '../../web/js/roster.js';

const P = (id, extra = {}) => ({ id, name: id.toUpperCase(), mic: true, camera: true,
  screen: false, hand: false, owner: false, ...extra });

function joined() {
  return reduceRoster(emptyRoster(), {
    type: 'joined', self: P('p1'), participants: [P('p2'), P('p3')],
    room: { id: 'r', name: 'Standup', locked: false, password: true },
    chat: [{ id: 1, from: 'p2', name: 'P2', text: 'hi', ts: 5 }], owner: true,
  });
}

test('joined sets self, others, room, owner and chat', () => {
  const s = joined();
  assert.equal(s.self.id, 'p1');
  assert.deepEqual(s.participants.map((p) => p.id), ['p2', 'p3']);
  assert.equal(s.room.password, true);
  assert.equal(s.owner, true);
  assert.equal(s.chat.length, 1);
});

test('joins append in order, duplicates replace, self is never an "other"', () => {
  let s = joined();
  s = reduceRoster(s, { type: 'participant-joined', participant: P('p4') });
  s = reduceRoster(s, { type: 'participant-joined', participant: P('p2', { name: 'again' }) });
  s = reduceRoster(s, { type: 'participant-joined', participant: P('p1') });
  assert.deepEqual(s.participants.map((p) => p.id), ['p3', 'p4', 'p2']);
});

test('left removes; updates change others and self', () => {
  let s = joined();
  s = reduceRoster(s, { type: 'participant-left', id: 'p2', reason: 'left' });
  s = reduceRoster(s, { type: 'participant-updated', participant: P('p3', { mic: false }) });
  s = reduceRoster(s, { type: 'participant-updated', participant: P('p1', { hand: true }) });
  assert.deepEqual(s.participants.map((p) => [p.id, p.mic]), [['p3', false]]);
  assert.equal(s.self.hand, true);
});

test('room-updated and chat', () => {
  let s = joined();
  s = reduceRoster(s, { type: 'room-updated', room: { id: 'r', name: 'Standup', locked: true,
    password: false } });
  s = reduceRoster(s, { type: 'chat', id: 2, from: 'p3', name: 'P3', text: 'yo', ts: 9 });
  assert.equal(s.room.locked, true);
  assert.equal(s.room.password, false);
  assert.deepEqual(s.chat.map((c) => c.text), ['hi', 'yo']);
});

test('a rejoin does not duplicate chat history', () => {
  let s = joined();
  s = reduceRoster(s, { type: 'chat', id: 2, from: 'p3', name: 'P3', text: 'yo', ts: 9 });
  s = reduceRoster(s, { type: 'joined', self: P('p1'), participants: [],
    room: { id: 'r' }, chat: [{ id: 1, from: 'p2', name: 'P2', text: 'hi', ts: 5 },
      { id: 2, from: 'p3', name: 'P3', text: 'yo', ts: 9 }] });
  assert.deepEqual(s.chat.map((c) => c.id), [1, 2]);
});

test('malformed messages leave the state unchanged and the input is not mutated', () => {
  const s = joined();
  const frozen = JSON.stringify(s);
  for (const m of [null, {}, { type: 'nope' }, { type: 'participant-joined' },
    { type: 'participant-joined', participant: { id: 5 } }, { type: 'participant-left' },
    { type: 'chat', text: 5 }, { type: 'joined', self: null }, { type: '__proto__' },
    { type: 'toString' }]) {
    assert.equal(reduceRoster(s, m), s);
  }
  reduceRoster(s, { type: 'participant-joined', participant: P('p9') });
  assert.equal(JSON.stringify(s), frozen);
});

test('cleanParticipant keeps only typed fields', () => {
  assert.deepEqual(cleanParticipant({ id: 'a', name: 'A', mic: 'yes', evil: 1 }),
    { id: 'a', name: 'A', mic: false, camera: false, screen: false, hand: false, owner: false });
  assert.equal(cleanParticipant({ id: '' }), null);
});

test('diffIds finds vanished and new ids (server restart gives all new ids)', () => {
  assert.deepEqual(diffIds(['a', 'b'], ['b', 'c']), { gone: ['a'], added: ['c'] });
  assert.deepEqual(diffIds(['a', 'b'], ['x', 'y']), { gone: ['a', 'b'], added: ['x', 'y'] });
});
