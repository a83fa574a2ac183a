// Issue 9, parts 2 and 3: argon2 and SQLite writes run off buzzd's control thread.
// (a) Twenty connections guess a room password as fast as buzzd answers them while another
//     user pings: the pings stay fast, joins of an open room all succeed, the guessers get
//     wrong_password or rate_limited, never a hang.
// (b) Another process holds the database's write lock: chat and lock changes are answered
//     store_unavailable (nothing broadcast, nothing changed), pings stay fast meanwhile, and
//     every message that was broadcast is in the database after a restart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { WsJson, joinRoom } from '../lib/wsjson.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

/** Pings every 100 ms until stop(); returns the round-trip times (ms). */
function pinger(c) {
  const rtts = [];
  let on = true;
  const done = (async () => {
    while (on) {
      const t0 = performance.now();
      await c.request({ type: 'ping' }, 10000);
      rtts.push(performance.now() - t0);
      await sleep(100);
    }
  })();
  return { rtts, stop: async () => { on = false; await done; } };
}

describe('password checks and store writes off the control thread', () => {
  let server;
  before(async () => { server = await startBuzzd(); });
  after(async () => { if (server) { await assertCleanShutdown(server); } });

  it('a password-guessing flood leaves other users fast', async () => {
    const secret = await createRoom(server, { password: 'correct horse' });
    const open = await createRoom(server, {});
    const { c: user } = await joinRoom(server.wsUrl, open.id, 'Pinger');
    const ping = pinger(user);
    let on = true;
    const answers = { wrong_password: 0, rate_limited: 0, other: 0 };
    const guessers = await Promise.all(Array.from({ length: 20 }, () => WsJson.connect(server.wsUrl)));
    const floods = guessers.map(async (g, i) => {
      for (let k = 0; on; k++) {
        const r = await g.request({ type: 'join', room: secret.id, name: `G${i}`, password: `guess${k}` }, 20000);
        answers[r.code in answers ? r.code : 'other']++;
        if (r.code === 'rate_limited') await sleep(50);
        if (!g.open) return;
      }
    });
    await sleep(1500);
    const joins = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const { c } = await joinRoom(server.wsUrl, open.id, `Legit${i}`);
      joins.push(performance.now() - t0);
      c.ws.close();
    }
    await sleep(3000);
    on = false;
    await Promise.allSettled(floods);
    await ping.stop();
    const p50 = quantile(ping.rtts, 0.5), max = Math.max(...ping.rtts);
    console.log(`pings=${ping.rtts.length} p50=${p50.toFixed(1)}ms max=${max.toFixed(1)}ms ` +
                `joins max=${Math.max(...joins).toFixed(0)}ms answers=${JSON.stringify(answers)}`);
    assert.ok(answers.wrong_password > 0, 'the guesses were checked');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const checks = Number(/^buzz_password_checks_total (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(checks >= answers.wrong_password, `buzz_password_checks_total ${checks}`);
    assert.equal(answers.other, 0, 'every guess got wrong_password or rate_limited');
    // Before: p50 2.5 s, max 5 s. Generous bounds for a loaded 2-core machine.
    assert.ok(p50 < 250, `ping p50 ${p50} ms`);
    assert.ok(max < 2000, `ping max ${max} ms`);
    assert.ok(Math.max(...joins) < 3000, `a join of the open room took ${Math.max(...joins)} ms`);
    await sleep(1500); /* the budgets refill */
    const { c: ok } = await joinRoom(server.wsUrl, secret.id, 'Right', { password: 'correct horse' });
    assert.ok(ok.open, 'the right password still gets in after the flood');
    for (const g of guessers) g.ws.close();
    ok.ws.close();
    user.ws.close();
  });

  it('a locked database: nothing acknowledged is lost, nothing unstored is acknowledged', async () => {
    const room = await createRoom(server, {});
    const { c: owner } = await joinRoom(server.wsUrl, room.id, 'Owner', { owner_token: room.owner_token });
    const { c: other } = await joinRoom(server.wsUrl, room.id, 'Other');
    const ping = pinger(other);
    const db = path.join(server.dataDir, 'buzz.db');
    const locker = spawn('python3', ['-c', `
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute('BEGIN IMMEDIATE')
print('locked', flush=True)
time.sleep(float(sys.argv[2]))
c.execute('ROLLBACK')
`, db, '60'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      locker.stdout.once('data', resolve);
      locker.once('exit', (code) => reject(new Error(`locker exited ${code}`)));
    });
    const broadcast = new Set();
    other.tap = (m) => { if (m.type === 'chat') broadcast.add(m.text); return false; };
    const sent = [];
    for (let i = 0; i < 3; i++) { sent.push(`locked ${i}`); owner.send({ type: 'chat', text: `locked ${i}` }); }
    // Each write waits up to 2 s for the lock, one at a time: the fourth answers after ~8 s.
    const lock = await owner.request({ type: 'lock', locked: true }, 30000);
    assert.equal(lock.type, 'error', JSON.stringify(lock));
    assert.equal(lock.code, 'store_unavailable');
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await owner.next((m) => m.type === 'error' && m.ref === 'chat', 15000));
    assert.equal(errors.length, 3);
    locker.kill('SIGKILL'); // its lock goes with it
    await new Promise((r) => (locker.exitCode !== null || locker.signalCode ? r() : locker.once('exit', r)));
    await sleep(300);
    assert.equal(broadcast.size, 0, `nothing unstored was broadcast: ${[...broadcast]}`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const failures = Number(/^buzz_store_write_failures_total (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(failures >= 4, `buzz_store_write_failures_total ${failures}`);
    const info = await (await fetch(`${server.url}/api/rooms/${room.id}`)).json();
    assert.equal(info.locked, false, 'the failed lock changed nothing');
    // Released: writes go through again.
    owner.send({ type: 'chat', text: 'after unlock' });
    await other.next((m) => m.type === 'chat' && m.text === 'after unlock', 10000);
    await ping.stop();
    const max = Math.max(...ping.rtts);
    console.log(`locked-db pings=${ping.rtts.length} max=${max.toFixed(1)}ms`);
    assert.ok(max < 1000, `ping max ${max} ms while the database was locked`);
    owner.ws.close();
    other.ws.close();
    // Everything broadcast survives a restart.
    await server.kill9();
    await server.restart();
    const again = await joinRoom(server.wsUrl, room.id, 'Later');
    assert.deepEqual(again.joined.chat.map((m) => m.text), ['after unlock']);
    again.c.ws.close();
  });
});
