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

test('avatarColours: people with the same name never share a colour; others keep their own', async () => {
  const { avatarColours } = await import('../../web/js/identity.js');
  // Ids whose own colours collide: found by search, so the test covers the collision.
  const ids = Array.from({ length: 200 }, (_, i) => `p${i.toString(16).padStart(8, '0')}`);
  const byColour = new Map();
  for (const id of ids) {
    const c = avatarColour(id);
    if (!byColour.has(c)) byColour.set(c, []);
    byColour.get(c).push(id);
  }
  const [a, b, c] = [...byColour.values()].find((g) => g.length >= 3);
  const m = avatarColours([{ id: a, name: 'Bob' }, { id: b, name: ' bob ' }, { id: c, name: 'Ann' }]);
  assert.equal(m.get(a), avatarColour(a), 'the first keeps the colour of its id');
  assert.notEqual(m.get(b), m.get(a), 'the second Bob gets another colour');
  assert.equal(m.get(c), avatarColour(c), 'someone of another name keeps theirs, even if it is the same');
  // Thirteen Bobs: twelve colours, all used once before any repeats.
  const bobs = ids.slice(0, 13).map((id) => ({ id, name: 'Bob' }));
  const all = avatarColours(bobs);
  assert.equal(new Set(bobs.slice(0, 12).map((p) => all.get(p.id))).size, 12);
  assert.ok(all.get(bobs[12].id));
});
