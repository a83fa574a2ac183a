// SFU mode's view message (docs/protocol.md, sfu-view): the camera tiles' sizes, checked and
// sent on change, debounced (web/js/sfu/sfu-util.js, SfuCall.setViews); and the camera's
// simulcast layers.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { cameraEncodings, cleanViews, viewsChanged } from '../../web/js/sfu/sfu-util.js';
import { SfuCall } from '../../web/js/sfu/sfu-call.js';

test('cameraEncodings: three layers q, h, f, lowest first, each half the next', () => {
  const e = cameraEncodings();
  assert.deepEqual(e.map((x) => x.rid), ['q', 'h', 'f']);
  assert.deepEqual(e.map((x) => x.scaleResolutionDownBy), [4, 2, 1]);
  for (let i = 1; i < e.length; i++) assert.ok(e[i].maxBitrate > e[i - 1].maxBitrate);
  assert.notEqual(cameraEncodings()[0], e[0], 'a fresh list each call (addTransceiver keeps it)');
});

test('cleanViews: ids checked, sizes rounded and bounded, hidden tiles 0 x 0, sorted, at most 64', () => {
  const got = cleanViews([
    { id: 'p00000002', width: 639.6, height: 359.5 },
    { id: 'p00000001', width: 0, height: 200 },           // zero width: not shown at all
    { id: 'p00000003', width: 1e9, height: -4 },          // negative height: not shown
    { id: 'p00000004', width: 99999, height: 99999 },     // bounded at 16384
    { id: 'p00000002', width: 10, height: 10 },           // a duplicate: the first one counts
    { id: 'self', width: 10, height: 10 },                // not a participant id
    { id: 'p00000005', width: NaN, height: 10 },
    null, 7,
  ]);
  assert.deepEqual(got, [
    { id: 'p00000001', width: 0, height: 0 },
    { id: 'p00000002', width: 640, height: 360 },
    { id: 'p00000003', width: 0, height: 0 },
    { id: 'p00000004', width: 16384, height: 16384 },
    { id: 'p00000005', width: 0, height: 0 },
  ]);
  assert.deepEqual(cleanViews('no'), []);
  const many = Array.from({ length: 100 }, (_, i) => ({ id: `p${String(i).padStart(8, '0')}`, width: 1, height: 1 }));
  assert.equal(cleanViews(many).length, 64);
});

test('viewsChanged: new, gone, shown, hidden or resized by more than 10 %', () => {
  const a = [{ id: 'p00000001', width: 640, height: 360 }];
  assert.equal(viewsChanged(null, a), true);
  assert.equal(viewsChanged(a, [{ id: 'p00000001', width: 660, height: 370 }]), false);
  assert.equal(viewsChanged(a, [{ id: 'p00000001', width: 320, height: 180 }]), true);
  assert.equal(viewsChanged(a, [{ id: 'p00000001', width: 0, height: 0 }]), true);
  assert.equal(viewsChanged(a, []), true);
  assert.equal(viewsChanged(a, [{ id: 'p00000002', width: 640, height: 360 }]), true);
});

test('SfuCall.setViews sends one sfu-view per burst of changes, none when nothing changed', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const sent = [];
    const call = new SfuCall((m) => { sent.push(m); return true; });
    call.selfId = 'p0000000a';           // as configure() sets it (no connections here)
    call.setViews([{ id: 'p00000001', width: 100, height: 50 }]);
    call.setViews([{ id: 'p00000001', width: 400, height: 225 }, { id: 'p00000002', width: 0, height: 0 }]);
    assert.equal(sent.length, 0, 'debounced');
    mock.timers.tick(300);
    assert.deepEqual(sent, [{ type: 'sfu-view', views: [
      { id: 'p00000001', width: 400, height: 225 }, { id: 'p00000002', width: 0, height: 0 }] }]);
    call.setViews([{ id: 'p00000002', width: 0, height: 0 }, { id: 'p00000001', width: 410, height: 230 }]);
    mock.timers.tick(300);
    assert.equal(sent.length, 1, 'a resize under 10 % (and a different order) is not sent');
    call.setViews([{ id: 'p00000001', width: 400, height: 225 }, { id: 'p00000002', width: 320, height: 180 }]);
    mock.timers.tick(300);
    assert.equal(sent.length, 2, 'a tile that became visible is');
    assert.deepEqual(sent[1].views[1], { id: 'p00000002', width: 320, height: 180 });
    call.closeAll();
    call.setViews([{ id: 'p00000001', width: 10, height: 10 }]);
    mock.timers.tick(300);
    assert.equal(sent.length, 2, 'nothing after closeAll');
  } finally {
    mock.timers.reset();
  }
});
