// The shared tier policy with the face effects on: Touch-up + Blur on the automatic tier, then
// the machine gets busy (competing busy processes in sessions of their own, as in
// effects-adapt.test.mjs: CDP CPU throttling does not reach a Worker). The policy must yield
// before the frame rate is lost — a tier step down reported for both effects, or frame
// skipping (inferEvery > 1) — the frame rate must come back, and what both effects cost per
// frame together (inference spread over inferEvery frames, plus compositing and drawing) must
// stay within the budget the policy states (1000 / 30 ms). Time bounds are generous; no speed
// figure is asserted beyond that budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { openRoom, closePages, pageDiag } from '../lib/client.mjs';
import { waitFor, sleep } from '../lib/proc.mjs';
import { launchPersonBrowser, setEffect, localStats, recordTiers, tierEvents, waitEffectRunning } from '../lib/effects.mjs';

const BUSY = 3;
const BUDGET_MS = 1000 / 30;
const ORDER = { paused: -1, small: 0, medium: 1, large: 2 };

function startLoad(n) {
  const kids = Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true }));
  const stop = () => { for (const k of kids) k.kill('SIGKILL'); };
  process.once('exit', stop);
  return { stop };
}

const cost = (e) => e.inferMs / Math.max(1, e.inferEvery) + e.compositeMs;

test('busy machine with Touch-up + Blur: the shared policy yields for both effects, fps recovers, within budget', { timeout: 300000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchPersonBrowser();
  const pages = [];
  let load = null;
  t.after(async () => { load?.stop(); await closePages(pages); await cb.close(); await server.stop(); });
  const room = await createRoom(server, { name: 'face adapt' });
  const page = await openRoom(cb.browser, server, room.id);
  pages.push(page);
  await recordTiers(page);
  let r = await setEffect(page, { background: 'blur-light', tier: 'auto' });
  assert.ok(r.ok, JSON.stringify(r));
  r = await page.evaluate(() => window.buzzstream.setFaceEffect({ touchUp: 60 }).then(() => ({ ok: true }), (e) => ({ ok: false, code: e.code })));
  assert.ok(r.ok, JSON.stringify(r));
  const idle = await waitEffectRunning(page, { minFps: 20, timeoutMs: 60000 });
  assert.equal(idle.effects.faces, 1, JSON.stringify(idle.effects));
  await sleep(4000);
  const before = (await localStats(page)).effects;
  t.diagnostic(`idle: tier ${before.activeTier}, infer every ${before.inferEvery}, ${before.fps} fps, ${cost(before).toFixed(1)} ms per frame`);
  const startAt = Date.now();
  load = startLoad(BUSY);
  // Yielding: a step down (reported with effect "face" and "background") or frame skipping.
  let last = null;
  const yielded = await waitFor(async () => {
    const e = (await localStats(page)).effects;
    const ev = (await tierEvents(page)).filter((x) => x.t >= startAt && ORDER[x.to] < ORDER[x.from]);
    last = { e, ev };
    if (ev.length) return { how: `${ev[0].from} → ${ev[0].to} (${ev[0].reason})`, ev };
    return e.inferEvery > before.inferEvery || ORDER[e.activeTier] < ORDER[before.activeTier] ? { how: `infer every ${e.inferEvery}`, ev } : null;
  }, { timeoutMs: 45000, intervalMs: 500, what: 'the policy yielding under load' })
    .catch((e) => { e.message += `\nlast: ${JSON.stringify(last)}\n${pageDiag(page)}`; throw e; });
  t.diagnostic(`loaded: ${yielded.how} after ${Date.now() - startAt} ms`);
  for (const x of yielded.ev) {
    const pair = yielded.ev.filter((y) => y.t === x.t && y.to === x.to).map((y) => y.effect).sort();
    assert.deepEqual(pair, ['background', 'face'], `a switch is reported for both effects: ${JSON.stringify(yielded.ev)}`);
  }
  // The frame rate comes back under load, and both effects fit the budget together.
  const recovered = await waitFor(async () => {
    const e = (await localStats(page)).effects;
    return e.fps >= 20 && e.activeTier !== 'paused' && cost(e) <= BUDGET_MS ? e : null;
  }, { timeoutMs: 60000, intervalMs: 1000, what: 'the frame rate back with both effects within the budget' })
    .catch(async (e) => { e.message += `\nlast: ${JSON.stringify((await localStats(page)).effects)}`; throw e; });
  t.diagnostic(`under load: tier ${recovered.activeTier}, infer every ${recovered.inferEvery}, ${recovered.fps} fps, ` +
    `${cost(recovered).toFixed(1)} ms per frame of ${BUDGET_MS.toFixed(1)}`);
  assert.equal(recovered.faces, 1, 'the face is still tracked');
  load.stop();
  load = null;
  for (const p of pages) assert.deepEqual(p.__errors, [], `uncaught page errors: ${pageDiag(p)}`);
});
