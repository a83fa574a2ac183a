// Control-thread loop latency of buzzd under load, beside the same server idle, in one run.
// buzzd's probe (server/app/loop_lag.c) is a 20 ms timer that records how late it fired into
// the buzz_loop_lag_seconds histogram; this bench scrapes /metrics before and after each
// window and reads p50/p99 from the difference (linear inside a bucket).
//
//   node bench/server/loop-lag.mjs [--seconds 10] [--idle-seconds 5] [--conns 5000] [--only a,b]
//
// Scenarios, each on a fresh buzzd whose idle window is measured first:
//   password_flood  20 connections guess a room password as fast as buzzd answers them
//   slow_store      another process holds the database's write lock 300 ms of every 350 ms
//                   while 20 participants in four rooms chat (5 messages/s each) and, in a
//                   fifth room, one joins and leaves every 200 ms
//   joining         --conns connections join rooms of 5 (the window is the join phase)
//   joined          the same --conns stay joined and 200 chat messages/s go to random rooms
// Output: one line per figure, `loop_lag scenario=<s> <figure> load=<v> idle=<v> ratio=<v>`.
//   BUZZD=path overrides build/buzzd.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBuzzd, createRoom } from '../../tests/lib/buzzd.mjs';
import { WsJson, joinRoom } from '../../tests/lib/wsjson.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'idle-seconds': { type: 'string', default: '5' },
    conns: { type: 'string', default: '5000' },
    only: { type: 'string', default: '' },
  },
});
const SECONDS = Number(args.seconds), IDLE_SECONDS = Number(args['idle-seconds']);
const CONNS = Number(args.conns);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The bench opens thousands of WebSockets from one loopback address and creates a room per
// five of them; lift the per-address admission and room-creation limits, nothing else.
const CONFIG = JSON.stringify({ room_create_per_min: 1e6, room_create_burst: 1e6,
  max_conns_per_addr: 1000000, max_ws_per_addr: 1000000 });

/** The loop-lag histogram from /metrics: [{le (ms), count (cumulative)}], ascending. */
async function scrape(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const out = [];
  for (const m of text.matchAll(/^buzz_loop_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm))
    out.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000, count: Number(m[2]) });
  if (!out.length) throw new Error('buzzd /metrics has no buzz_loop_lag_seconds');
  return out;
}

/** p-quantile (0..1) in ms of the samples taken between two scrapes. */
function quantile(before, after, p) {
  const counts = after.map((b, i) => b.count - before[i].count);
  const total = counts[counts.length - 1];
  if (!total) return NaN;
  const want = p * total;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] < want) continue;
    const lo = i ? after[i - 1].le : 0, hi = after[i].le;
    if (hi === Infinity) return lo; // beyond the last bound: report the bound
    const below = i ? counts[i - 1] : 0, inBucket = counts[i] - below;
    return lo + (hi - lo) * (inBucket ? (want - below) / inBucket : 1);
  }
  return NaN;
}

/** Measures one window around `during()` (which runs until it returns). */
async function window(server, during) {
  const before = await scrape(server);
  await during();
  const after = await scrape(server);
  const samples = after[after.length - 1].count - before[before.length - 1].count;
  return { p50: quantile(before, after, 0.5), p99: quantile(before, after, 0.99), samples };
}

const idle = (server) => window(server, () => sleep(IDLE_SECONDS * 1000));

async function passwordFlood(server) {
  const secret = await createRoom(server, { password: 'correct horse' });
  const guessers = await Promise.all(Array.from({ length: 20 }, () => WsJson.connect(server.wsUrl)));
  let on = true, answered = 0;
  const floods = guessers.map(async (g, i) => {
    for (let k = 0; on && g.open; k++) {
      const r = await g.request({ type: 'join', room: secret.id, name: `G${i}`, password: `guess${k}` }, 30000);
      answered++;
      if (r.code === 'rate_limited') await sleep(50);
    }
  });
  const w = await window(server, () => sleep(SECONDS * 1000));
  on = false;
  await Promise.allSettled(floods);
  for (const g of guessers) g.ws.close();
  return { ...w, note: `answers=${answered}` };
}

async function slowStore(server) {
  const rooms = [];
  for (let i = 0; i < 5; i++) rooms.push((await createRoom(server, {})).id);
  const talkers = []; // four rooms of five talk, the fifth room sees the joins and leaves
  for (let i = 0; i < 20; i++) talkers.push((await joinRoom(server.wsUrl, rooms[i % 4], `T${i}`)).c);
  const locker = spawn('python3', ['-c', `
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
while True:
    c.execute('BEGIN IMMEDIATE'); time.sleep(0.3); c.execute('ROLLBACK'); time.sleep(0.05)
`, path.join(server.dataDir, 'buzz.db')], { stdio: 'ignore' });
  let on = true, sent = 0, joins = 0;
  const chat = (async () => {
    while (on) {
      for (const t of talkers) { t.send({ type: 'chat', text: `message ${sent++}` }); }
      await sleep(200);
    }
  })();
  const churn = (async () => {
    while (on) {
      const { c } = await joinRoom(server.wsUrl, rooms[4], `J${joins++}`);
      c.ws.close();
      await sleep(200);
    }
  })();
  try {
    const w = await window(server, () => sleep(SECONDS * 1000));
    return { ...w, note: `chats_sent=${sent} joins=${joins}` };
  } finally {
    on = false;
    await Promise.allSettled([chat, churn]);
    locker.kill('SIGKILL');
    for (const t of talkers) t.ws.close();
  }
}

/** Joins CONNS connections in rooms of five, 64 at a time. */
async function joinMany(server) {
  const rooms = [];
  for (let i = 0; i < Math.ceil(CONNS / 5); i++) rooms.push((await createRoom(server, {})).id);
  const conns = new Array(CONNS);
  let next = 0;
  const worker = async () => {
    while (next < CONNS) {
      const i = next++;
      conns[i] = (await joinRoom(server.wsUrl, rooms[Math.floor(i / 5)], `P${i}`)).c;
      conns[i].all.length = 0;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return conns;
}

async function joinedScenarios(server) {
  let conns;
  const t0 = performance.now();
  const joining = await window(server, async () => { conns = await joinMany(server); });
  const joinS = (performance.now() - t0) / 1000;
  let on = true, sent = 0;
  const chat = (async () => {
    while (on) {
      for (let k = 0; k < 20; k++) conns[Math.floor(Math.random() * conns.length)].send({ type: 'chat', text: `hello ${sent++}` });
      await sleep(100);
    }
  })();
  for (const c of conns) c.tap = () => true; // nobody keeps what it receives
  const joined = await window(server, () => sleep(SECONDS * 1000));
  on = false;
  await chat;
  for (const c of conns) c.ws.terminate();
  return {
    joining: { ...joining, note: `conns=${CONNS} join_s=${joinS.toFixed(1)}` },
    joined: { ...joined, note: `conns=${CONNS} chats_sent=${sent}` },
  };
}

function print(scenario, load, base) {
  const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'nan');
  for (const k of ['p50', 'p99']) {
    const ratio = base[k] > 0 ? (load[k] / base[k]).toFixed(2) : 'nan';
    console.log(`loop_lag scenario=${scenario} ${k}_ms load=${f(load[k])} idle=${f(base[k])} ratio=${ratio} ` +
                `samples=${load.samples}/${base.samples} ${load.note ?? ''}`.trimEnd());
  }
}

const RUNS = {
  password_flood: async (s) => ({ password_flood: await passwordFlood(s) }),
  slow_store: async (s) => ({ slow_store: await slowStore(s) }),
  joined: joinedScenarios, // prints joining and joined
};
const only = args.only ? new Set(args.only.split(',')) : null;

console.log(`loop_lag date=${new Date().toISOString()} cores=${os.cpus().length} loadavg=${os.loadavg()[0].toFixed(2)} ` +
            `probe_ms=20 seconds=${SECONDS} idle_seconds=${IDLE_SECONDS}`);
let failed = false;
for (const [name, run] of Object.entries(RUNS)) {
  if (only && !only.has(name) && !(name === 'joined' && only.has('joining'))) continue;
  const server = await startBuzzd({ config: CONFIG });
  try {
    const base = await idle(server);
    for (const [scenario, load] of Object.entries(await run(server))) print(scenario, load, base);
    if (!server.alive()) throw new Error('buzzd died');
  } catch (e) {
    failed = true;
    console.log(`loop_lag scenario=${name} FAILED ${e.message.split('\n')[0]}`);
  } finally {
    await server.stop();
  }
}
console.log(`loop_lag done loadavg=${os.loadavg()[0].toFixed(2)}`);
process.exit(failed ? 1 : 0);
