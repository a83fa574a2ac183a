// Signaling benchmark driver: for each connection count, runs the same load against a fresh
// buzzd and a fresh reference server (ref-server.mjs) on loopback, one after the other, and
// prints one line per figure with both values and the ratio buzz/ref.
//
//   node bench/signaling/run.mjs [--conns 1000,5000] [--per-room 5] [--rate 5000] [--seconds 3]
//                                [--reps 2] [--json]
// Each figure is the median over --reps rounds; rounds alternate which server goes first, so
// neither always gets the quieter moment of a shared machine.
//   BUZZD=path overrides build/buzzd.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBuzzd } from '../../tests/lib/buzzd.mjs';
import { spawnLogged, stopChild } from '../../tests/lib/proc.mjs';
import { freeTcpPort } from '../../tests/lib/ports.mjs';
import { runLoad } from './load.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    conns: { type: 'string', default: '1000,5000' },
    'per-room': { type: 'string', default: '5' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '3' },
    reps: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});

// Limits a benchmark must lift: it creates rooms far faster than a person would (the
// default is 60/min per address with a burst of 30), and opens thousands of WebSockets from
// one loopback address (defaults: 256 connections, 128 WebSockets per address). Message limits
// stay at their defaults.
const BUZZ_CONFIG = process.env.BENCH_BUZZ_CONFIG ??
  JSON.stringify({ room_create_per_min: 1e6, room_create_burst: 1e6,
    max_conns_per_addr: 1000000, max_ws_per_addr: 1000000 });

async function startRef() {
  const port = await freeTcpPort();
  const p = spawnLogged(process.execPath, [path.join(here, 'ref-server.mjs'), String(port)]);
  const end = Date.now() + 10000;
  while (!/ready/.test(p.log())) {
    if (Date.now() > end || p.child.exitCode !== null) throw new Error(`reference server did not start:\n${p.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, pid: p.pid, stop: () => stopChild(p) };
}

async function measure(kind, conns) {
  const srv = kind === 'buzz' ? await startBuzzd({ config: BUZZ_CONFIG || undefined }) : await startRef();
  try {
    return await runLoad({
      url: srv.url, wsUrl: srv.wsUrl, pid: srv.pid, conns,
      perRoom: Number(args['per-room']), relayRate: Number(args.rate), relaySeconds: Number(args.seconds),
    });
  } finally {
    await srv.stop();
  }
}

// Figures compared as buzz/ref; for latency and memory lower is better, for rates higher.
const FIGURES = ['connects_per_s', 'joins_per_s', 'cpu_us_per_join', 'join_p50_ms', 'join_p99_ms',
  'relay_p50_ms', 'relay_p99_ms', 'relays_per_s', 'cpu_us_per_relay', 'rss_per_conn_kib'];

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return Math.round((v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2) * 100) / 100;
};

/** Prints the problems of one round; returns true if there were any. */
function report(conns, name, r) {
  const problems = { lost: r.relays_lost, errors: r.errors, socket_errors: r.socket_errors, unexpected_closes: r.unexpected_closes };
  const bad = r.relays_lost > 0 || Object.keys(r.errors).length > 0 || r.socket_errors > 0 || r.unexpected_closes > 0;
  if (bad) console.log(`signaling conns=${conns} server=${name} PROBLEMS ${JSON.stringify(problems)}`);
  return bad;
}

console.log(`signaling date=${new Date().toISOString()} cores=${os.cpus().length} loadavg=${os.loadavg()[0].toFixed(2)} ` +
  `node=${process.version} per_room=${args['per-room']} relay_rate=${args.rate}/s relay_seconds=${args.seconds} reps=${args.reps}`);
let failed = false;
for (const conns of args.conns.split(',').map(Number)) {
  const runs = { buzz: [], ref: [] };
  for (let rep = 0; rep < Number(args.reps); rep++) {
    const order = rep % 2 ? ['ref', 'buzz'] : ['buzz', 'ref'];
    for (const kind of order) {
      const r = await measure(kind, conns);
      runs[kind].push(r);
      if (args.json) console.log(JSON.stringify({ server: kind, ...r }));
      if (report(conns, kind, r)) failed = true;
    }
  }
  for (const f of FIGURES) {
    const b = median(runs.buzz.map((r) => r[f]));
    const rf = median(runs.ref.map((r) => r[f]));
    const ratio = rf ? (b / rf).toFixed(2) : 'n/a';
    console.log(`signaling conns=${conns} ${f} buzz=${b} ref=${rf} ratio=${ratio}`);
  }
}
console.log(`signaling done loadavg=${os.loadavg()[0].toFixed(2)}${failed ? ' (with problems, see above)' : ''}`);
process.exit(failed ? 1 : 0);
