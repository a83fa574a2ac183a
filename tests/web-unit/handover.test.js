// MediaHandover (web/js/handover.js): the old connections keep feeding the tiles until each
// new track carries packets; the old ones close when every expected track swapped or at the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaHandover, HANDOVER_MAX_MS } from '../../web/js/handover.js';

class FakeTrack extends EventTarget {
  constructor(name, muted) { super(); this.name = name; this.muted = muted; }
  unmute() { this.muted = false; this.dispatchEvent(new Event('unmute')); }
}

function setup(expect) {
  const shown = [];
  const old = { closed: 0, closeAll() { this.closed++; } };
  let done = 0;
  const h = new MediaHandover(old, expect, (m) => shown.push(`${m.peerId}:${m.kind}=${m.track?.name ?? null}`), () => done++);
  return { h, old, shown, done: () => done };
}

test('a new track replaces the old one only once its packets arrive; then the old connections close', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { h, old, shown, done } = setup(['b:camera', 'b:audio']);
  h.route(true, { peerId: 'b', kind: 'camera', track: new FakeTrack('old-cam', false) });
  const cam = new FakeTrack('new-cam', true);
  h.route(false, { peerId: 'b', kind: 'camera', track: cam });
  assert.deepEqual(shown, ['b:camera=old-cam'], 'a muted new track waits');
  h.route(true, { peerId: 'b', kind: 'camera', track: new FakeTrack('old-cam-2', false) });
  assert.equal(shown.at(-1), 'b:camera=old-cam-2', 'the old connection still feeds the tile');
  cam.unmute();
  assert.equal(shown.at(-1), 'b:camera=new-cam');
  h.route(true, { peerId: 'b', kind: 'camera', track: null });
  assert.equal(shown.at(-1), 'b:camera=new-cam', 'the old connection no longer touches a swapped tile');
  assert.equal(old.closed, 0);
  h.route(false, { peerId: 'b', kind: 'audio', track: new FakeTrack('new-mic', false) });
  assert.equal(shown.at(-1), 'b:audio=new-mic');
  assert.equal(old.closed, 1, 'every expected track swapped: the old connections close');
  assert.equal(done(), 1);
  h.route(false, { peerId: 'b', kind: 'camera', track: null });
  assert.equal(shown.at(-1), 'b:audio=new-mic', 'nothing is routed after the end');
});

test('a track that never unmutes is shown after the wait; the old connections close at the bound', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { h, old, shown, done } = setup(['b:camera', 'c:camera']);
  h.route(false, { peerId: 'b', kind: 'camera', track: new FakeTrack('silent', true) });
  assert.deepEqual(shown, []);
  t.mock.timers.tick(3000);
  assert.deepEqual(shown, ['b:camera=silent']);
  assert.equal(old.closed, 0, 'c has not swapped yet');
  t.mock.timers.tick(HANDOVER_MAX_MS);
  assert.equal(old.closed, 1);
  assert.equal(done(), 1);
});

test('finish() shows waiting tracks and closes the old connections once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { h, old, shown } = setup(['b:camera']);
  h.route(false, { peerId: 'b', kind: 'camera', track: new FakeTrack('waiting', true) });
  h.finish();
  h.finish();
  assert.deepEqual(shown, ['b:camera=waiting']);
  assert.equal(old.closed, 1);
  const none = setup([]);
  assert.equal(none.old.closed, 1, 'nothing to wait for: closed at once');
});

test('a participant who leaves during the handover is not waited for', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { h, old } = setup(['b:camera', 'gone:camera']);
  h.route(false, { peerId: 'b', kind: 'camera', track: new FakeTrack('new', false) });
  assert.equal(old.closed, 0);
  h.forget('gone');
  assert.equal(old.closed, 1);
});
