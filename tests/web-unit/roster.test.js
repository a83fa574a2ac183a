import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRoster, reduceRoster, diffIds, cleanParticipant, chatGaps, CHAT_HISTORY_MAX } from '../../web/js/roster.js';

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

const C = (id, extra = {}) => ({ id, from: 'p2', name: 'P2', text: `m${id}`, ts: 100 + id, ...extra });

test('joined takes chat_more; a rejoin holding older messages keeps its own', () => {
  let s = reduceRoster(emptyRoster(), { type: 'joined', self: P('p1'), participants: [],
    room: { id: 'r' }, chat: [C(5), C(6)], chat_more: true });
  assert.equal(s.chatMore, true);
  s = reduceRoster(s, { type: 'chat-history', before: 5, messages: [C(3), C(4)], more: false });
  assert.equal(s.chatMore, false);
  s = reduceRoster(s, { type: 'joined', self: P('p1'), participants: [], room: { id: 'r' },
    chat: [C(6), C(7)], chat_more: true });
  assert.deepEqual(s.chat.map((c) => c.id), [3, 4, 5, 6, 7]);
  assert.equal(s.chatMore, false, 'the client already holds everything older');
});

test('chat-history merges in id order without duplicates; only paging the top sets chatMore', () => {
  let s = reduceRoster(emptyRoster(), { type: 'joined', self: P('p1'), participants: [],
    room: { id: 'r' }, chat: [C(10), C(14)], chat_more: true });
  // A gap fill (before above the oldest held) leaves chatMore alone.
  s = reduceRoster(s, { type: 'chat-history', before: 14, messages: [C(11), C(12), C(13), C(10)],
    more: false });
  assert.deepEqual(s.chat.map((c) => c.id), [10, 11, 12, 13, 14]);
  assert.equal(s.chatMore, true);
  s = reduceRoster(s, { type: 'chat-history', before: 10, messages: [C(8), C(9)], more: true });
  assert.deepEqual(s.chat.map((c) => c.id), [8, 9, 10, 11, 12, 13, 14]);
  assert.equal(s.chatMore, true);
  s = reduceRoster(s, { type: 'chat-history', before: 8, messages: 'junk', more: false });
  assert.equal(s.chatMore, false);
  assert.equal(s.chat.length, 7);
});

test('chatGaps finds holes in the ids, newest first', () => {
  assert.deepEqual(chatGaps([C(1), C(2), C(3)]), []);
  assert.deepEqual(chatGaps([C(1), C(4), C(5), C(9)]), [{ before: 9, count: 3 }, { before: 4, count: 2 }]);
  assert.deepEqual(chatGaps([]), []);
});

test('live chat is capped at CHAT_HISTORY_MAX, and cutting makes chatMore true', () => {
  let s = reduceRoster(emptyRoster(), { type: 'joined', self: P('p1'), participants: [],
    room: { id: 'r' }, chat: [], chat_more: false });
  for (let i = 1; i <= CHAT_HISTORY_MAX + 5; i++) s = reduceRoster(s, { type: 'chat', ...C(i) });
  assert.equal(s.chat.length, CHAT_HISTORY_MAX);
  assert.equal(s.chat[0].id, 6);
  assert.equal(s.chatMore, true);
});
