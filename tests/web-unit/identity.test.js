import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayNames, avatarColour, hash32 } from '../../web/js/identity.js';
import { emptyRoster, reduceRoster, everyone } from '../../web/js/roster.js';

const P = (id, name) => ({ id, name, mic: true, camera: true, screen: false, hand: false, owner: false });

test('the second and third Bob are numbered in join order; unique names stay as they are', () => {
  const m = displayNames([P('a', 'Bob'), P('b', 'Ann'), P('c', 'bob'), P('d', 'Bob ')]);
  assert.deepEqual([...m.values()], ['Bob', 'Ann', 'bob (2)', 'Bob  (3)']);
});

test('every page numbers alike: self takes its place in the join order', () => {
  // Page of the second Bob: the first Bob joined before, Cat after.
  let s = reduceRoster(emptyRoster(), { type: 'joined', self: P('b2', 'Bob'), participants: [P('b1', 'Bob')] });
  s = reduceRoster(s, { type: 'participant-joined', participant: P('c', 'Cat') });
  assert.deepEqual(everyone(s).map((p) => p.id), ['b1', 'b2', 'c']);
  assert.equal(displayNames(everyone(s)).get('b2'), 'Bob (2)');
  // The first Bob leaves: the second becomes plain "Bob", and self moves up.
  s = reduceRoster(s, { type: 'participant-left', id: 'b1', reason: 'left' });
  assert.equal(s.selfAt, 0);
  assert.equal(displayNames(everyone(s)).get('b2'), 'Bob');
  // A reconnect lists self among the others: it keeps its place.
  s = reduceRoster(s, { type: 'joined', self: P('b2', 'Bob'), participants: [P('x', 'X'), P('b2', 'Bob'), P('c', 'Cat')] });
  assert.deepEqual(everyone(s).map((p) => p.id), ['x', 'b2', 'c']);
});

test('avatar colours are stable per id and spread over the palette', () => {
  assert.equal(avatarColour('p1a2b3c4'), avatarColour('p1a2b3c4'));
  assert.equal(hash32(''), 0x811c9dc5);
  const colours = new Set(Array.from({ length: 40 }, (_, i) => avatarColour(`p${i.toString(16).padStart(8, '0')}`)));
  assert.ok(colours.size >= 6, `only ${colours.size} colours for 40 ids`);
});
