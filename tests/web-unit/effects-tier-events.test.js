// effect-tier events of the two effects (web/js/effects/tier-events.js): one shared policy, a
// switch reported for each effect that is on, and a start event for each effect when it turns
// on, whichever turned on first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TierEvents } from '../../web/js/effects/tier-events.js';

function events() {
  const got = [];
  return { got, te: new TierEvents((e) => got.push(e)) };
}
const start = (to, effect, reason = 'start') => ({ from: null, to, reason, effect });

test('background first, then face: the face gets its start with the running tier', () => {
  const { got, te } = events();
  te.update({ background: true, face: false }, 'auto');
  assert.deepEqual(got, [], 'no tier before the policy\'s first decision');
  te.reported({ from: null, to: 'small', reason: 'start' }, { background: true, face: false }, 'auto');
  assert.deepEqual(got, [start('small', 'background')]);
  te.reported({ from: 'small', to: 'medium', reason: 'headroom' }, { background: true, face: false }, 'auto');
  te.update({ background: true, face: true }, 'auto');
  assert.deepEqual(got.slice(2), [start('medium', 'face')]);
  te.update({ background: true, face: true }, 'auto');
  assert.equal(got.length, 3, 'once');
  te.reported({ from: 'medium', to: 'small', reason: 'slow' }, { background: true, face: true }, 'auto');
  assert.deepEqual(got.slice(3), [
    { from: 'medium', to: 'small', reason: 'slow', effect: 'background' },
    { from: 'medium', to: 'small', reason: 'slow', effect: 'face' },
  ]);
});

test('face first, then background: the background gets its start; a pinned tier says "pinned"', () => {
  const { got, te } = events();
  te.update({ background: false, face: true }, 'small');
  // The Worker's first decision says "start" (the pinned tier reaches it just after).
  te.reported({ from: null, to: 'small', reason: 'start' }, { background: false, face: true }, 'small');
  assert.deepEqual(got, [start('small', 'face', 'pinned')]);
  te.update({ background: true, face: true }, 'small');
  assert.deepEqual(got.slice(1), [start('small', 'background', 'pinned')]);
});

test('both on when the pipeline starts: one start each, from the policy', () => {
  const { got, te } = events();
  te.update({ background: true, face: true }, 'auto');
  te.reported({ from: null, to: 'small', reason: 'start' }, { background: true, face: true }, 'auto');
  te.update({ background: true, face: true }, 'auto');
  assert.deepEqual(got, [start('small', 'background'), start('small', 'face')]);
});

test('an effect turned off and on again starts again; a new pipeline reports its own start', () => {
  const { got, te } = events();
  te.reported({ from: null, to: 'small', reason: 'start' }, { background: false, face: true }, 'auto');
  te.update({ background: false, face: false }, 'auto');
  te.update({ background: false, face: true }, 'auto');
  assert.deepEqual(got, [start('small', 'face'), start('small', 'face')]);
  te.reset();
  te.update({ background: true, face: false }, 'auto');
  assert.equal(got.length, 2, 'no tier known after reset');
  te.reported({ from: null, to: 'medium', reason: 'start' }, { background: true, face: false }, 'auto');
  assert.deepEqual(got.slice(2), [start('medium', 'background')]);
});
