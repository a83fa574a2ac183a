import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionForKey, SHORTCUTS } from '../../web/js/shortcuts.js';

test('letters map to actions, case-insensitively', () => {
  const want = { m: 'toggle-mic', v: 'toggle-camera', e: 'toggle-effects', s: 'toggle-share', c: 'toggle-chat',
    h: 'toggle-hand', i: 'toggle-stats', p: 'toggle-people', '?': 'toggle-help' };
  for (const [key, action] of Object.entries(want)) {
    assert.equal(actionForKey({ key }), action, key);
    assert.equal(actionForKey({ key: key.toUpperCase() }), action, key);
  }
  assert.equal(actionForKey({ key: 'Escape' }), 'close');
});

test('typing in a field is text, not a command', () => {
  assert.equal(actionForKey({ key: 'm', targetTag: 'INPUT' }), null);
  assert.equal(actionForKey({ key: 'm', targetTag: 'textarea' }), null);
  assert.equal(actionForKey({ key: 'm', editable: true }), null);
  assert.equal(actionForKey({ key: 'Escape', targetTag: 'INPUT' }), 'close');
});

test('modified and repeated keys are left alone', () => {
  assert.equal(actionForKey({ key: 'c', ctrlKey: true }), null);
  assert.equal(actionForKey({ key: 'm', metaKey: true }), null);
  assert.equal(actionForKey({ key: 'm', altKey: true }), null);
  assert.equal(actionForKey({ key: 'm', repeat: true }), null);
  assert.equal(actionForKey({ key: 'x' }), null);
  assert.equal(actionForKey(null), null);
});

test('every shortcut has a unique key and a label for the help overlay', () => {
  assert.equal(new Set(SHORTCUTS.map((s) => s.key)).size, SHORTCUTS.length);
  for (const s of SHORTCUTS) assert.ok(s.label && s.action);
});

import { pickSpeaker, windowLevel, SPEAK_HOLD_MS } from '../../web/js/speaker.js';

test('the loudest participant above the threshold is the speaker', () => {
  const none = { id: null, since: 0 };
  assert.equal(pickSpeaker({ a: 0.2, b: 0.5, self: 0.1 }, none, 10).id, 'b');
  assert.equal(pickSpeaker({ a: 0.001, b: 0.01 }, none, 10).id, null);
  assert.equal(pickSpeaker({ a: NaN }, none, 10).id, null);
});

test('the highlight is held briefly through pauses, then dropped', () => {
  const prev = pickSpeaker({ a: 0.4 }, { id: null, since: 0 }, 1000);
  assert.equal(pickSpeaker({ a: 0 }, prev, 1000 + SPEAK_HOLD_MS - 1).id, 'a');
  assert.equal(pickSpeaker({ a: 0 }, prev, 1000 + SPEAK_HOLD_MS + 1).id, null);
  assert.equal(pickSpeaker({ b: 0 }, prev, 1001).id, null, 'a left the room');
});

test('a window\'s level is the RMS of the energy played out in it', () => {
  assert.equal(windowLevel(null, { energy: 1, duration: 1 }), 0, 'no window yet');
  // 0.02 s at full scale in a 0.3 s window: a beep the instantaneous level would miss.
  const level = windowLevel({ energy: 5, duration: 10 }, { energy: 5.02, duration: 10.3 });
  assert.ok(Math.abs(level - Math.sqrt(0.02 / 0.3)) < 1e-9, `${level}`);
  assert.ok(pickSpeaker({ a: level }, { id: null, since: 0 }, 1).id === 'a');
  assert.equal(windowLevel({ energy: 5, duration: 10 }, { energy: 5, duration: 10.3 }), 0, 'silence');
  assert.equal(windowLevel({ energy: 5, duration: 10 }, { energy: 5, duration: 10 }), 0, 'nothing played');
  assert.equal(windowLevel({ energy: 9, duration: 10 }, { energy: 1, duration: 1 }), 0, 'counters reset');
});
