import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePointLength, clampCodePoints, utf8Length, clampUtf8, cleanName, checkChat,
  initials, MAX_CHAT_CHARS } from '../../web/js/text.js';

test('code points, not UTF-16 units, are counted', () => {
  assert.equal(codePointLength('héllo'), 5);
  assert.equal(codePointLength('👋🏽'), 2);
  assert.equal('👋🏽'.length, 4);
});

test('clampCodePoints never leaves a lone surrogate', () => {
  const s = 'ab😀cd';
  assert.equal(clampCodePoints(s, 3), 'ab😀');
  assert.equal(clampCodePoints(s, 2), 'ab');
  const cut = clampCodePoints('😀'.repeat(70), 64);
  assert.equal(codePointLength(cut), 64);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), 'no dangling high surrogate');
});

test('utf8Length matches TextEncoder', () => {
  for (const s of ['', 'a', 'é', '€', '😀', 'aé€😀', '\u{10ffff}']) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, s);
  }
});

test('clampUtf8 cuts on a character boundary', () => {
  assert.equal(clampUtf8('a€b', 3), 'a');
  assert.equal(clampUtf8('a€b', 4), 'a€');
  assert.equal(clampUtf8('😀😀', 7), '😀');
  assert.ok(utf8Length(clampUtf8('é'.repeat(100), 51)) <= 51);
});

test('cleanName trims, strips control characters and clamps to 64', () => {
  assert.equal(cleanName('  Alice\n'), 'Alice');
  assert.equal(cleanName('a\u0000b'), 'a b');
  assert.equal(codePointLength(cleanName('x'.repeat(100))), 64);
  assert.equal(cleanName(null), '');
});

test('checkChat rejects empty and over-long text', () => {
  assert.deepEqual(checkChat('  hi '), { ok: true, text: 'hi' });
  assert.equal(checkChat('   ').ok, false);
  assert.equal(checkChat('😀'.repeat(MAX_CHAT_CHARS)).ok, true);
  assert.deepEqual(checkChat('😀'.repeat(MAX_CHAT_CHARS + 1)), { ok: false, error: 'too_long' });
});

test('initials', () => {
  assert.equal(initials('ada lovelace'), 'AL');
  assert.equal(initials('😀 x'), '😀X');
  assert.equal(initials(''), '?');
});

import { parseRoomInput, isRoomId } from '../../web/js/api.js';

test('room codes and links are parsed to an id', () => {
  assert.equal(parseRoomInput('k3x9-a7pq-2mzd'), 'k3x9-a7pq-2mzd');
  assert.equal(parseRoomInput(' K3X9A7PQ2MZD '), 'k3x9-a7pq-2mzd');
  assert.equal(parseRoomInput('https://meet.example/r/k3x9-a7pq-2mzd'), 'k3x9-a7pq-2mzd');
  assert.equal(parseRoomInput('http://h:8080/r/k3x9-a7pq-2mzd/?x=1'), 'k3x9-a7pq-2mzd');
  assert.equal(parseRoomInput('hello'), null);
  assert.equal(parseRoomInput('k3x9-a7pq-2mz!'), null);
  assert.equal(isRoomId('k3x9-a7pq-2mzd'), true);
  assert.equal(isRoomId('K3X9-a7pq-2mzd'), false);
});
