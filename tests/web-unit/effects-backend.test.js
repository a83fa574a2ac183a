// The compositing back-end choice (web/js/effects/backend.js): "auto" times both back ends on
// the first frames and keeps the faster; "cpu"/"webgl" are obeyed; a WebGL failure falls back
// to the CPU; a recheck is rate-limited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendChooser } from '../../web/js/effects/backend.js';

function chooser({ glWorks = true } = {}) {
  const c = new BackendChooser();
  c._ensureGL = function ensureGL() {
    if (!glWorks) return (this.glError = Object.assign(new Error('no WebGL2'), { code: 'effects_unsupported' }));
    this.gl = this.gl ?? { setBackground() {} };
    return null;
  };
  return c;
}

function runTrial(c, cpuMs, glMs) {
  for (let i = 0; i < 20 && c.trial; i++) {
    const which = c.next();
    c.measured(which, which === 'cpu' ? cpuMs : glMs);
  }
}

test('auto keeps the faster back end, whichever it is', () => {
  let c = chooser();
  assert.equal(c.want('auto'), null);
  runTrial(c, 4, 60);
  assert.equal(c.next(), 'cpu');
  assert.deepEqual(c.result, { cpuMs: 4, webglMs: 60, chosen: 'cpu' });
  c = chooser();
  c.want('auto');
  runTrial(c, 6, 1.5);
  assert.equal(c.next(), 'webgl');
});

test('the first frame of each back end is a warm-up and does not count', () => {
  const c = chooser();
  c.want('auto');
  const seq = [];
  for (let i = 0; c.trial; i++) {
    const which = c.next();
    seq.push(which);
    // WebGL's first frame compiles shaders: 500 ms; afterwards 2 ms against the CPU's 5 ms.
    c.measured(which, which === 'cpu' ? 5 : (seq.filter((x) => x === 'webgl').length === 1 ? 500 : 2));
  }
  assert.equal(c.current, 'webgl');
});

test('forced back ends; no WebGL2 → an error and the CPU', () => {
  let c = chooser();
  assert.equal(c.want('webgl'), null);
  assert.equal(c.next(), 'webgl');
  assert.equal(c.want('cpu'), null);
  assert.equal(c.next(), 'cpu');
  c = chooser({ glWorks: false });
  const err = c.want('webgl');
  assert.equal(err.code, 'effects_unsupported');
  assert.equal(c.next(), 'cpu');
  assert.equal(c.want('auto'), null);
  assert.equal(c.trial, null, 'no trial without WebGL2');
  assert.equal(c.next(), 'cpu');
});

test('a WebGL failure mid-call falls back to the CPU; rechecks are rate-limited', () => {
  const c = chooser();
  c.want('auto');
  runTrial(c, 6, 1.5);
  assert.equal(c.next(), 'webgl');
  c.recheck(c.lastTrial + 1000);
  assert.equal(c.trial, null, 'too soon to measure again');
  c.recheck(c.lastTrial + 130000);
  assert.ok(c.trial, 'measured again after two minutes');
  c.failed(new Error('context lost'));
  assert.equal(c.next(), 'cpu');
});
