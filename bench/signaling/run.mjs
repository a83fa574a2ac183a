// Signaling benchmark driver: for each connection count, runs the same load against a fresh
// buzzd and a fresh reference server (ref-server.mjs) on loopback, one after the other, and
// prints one line per figure with both values and the ratio buzz/ref.
//
//   node bench/signaling/run.mjs [--conns 1000,5000] [--per-room 5] [--rate 5000] [--seconds 3]
//   BUZZD=path overrides build/buzzd.
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
    json: { type: 'boolean', default: false },
  },
});

// Limits a benchmark must lift: it creates rooms far faster than a person would.
const BUZZ_CONFIG = process.env.BENCH_BUZZ_CONFIG ?? '';

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

let failed = false;
for (const conns of args.conns.split(',').map(Number)) {
  const buzz = await measure('buzz', conns);
  const ref = await measure('ref', conns);
  if (args.json) console.log(JSON.stringify({ buzz, ref }));
  for (const f of FIGURES) {
    const ratio = ref[f] ? (buzz[f] / ref[f]).toFixed(2) : 'n/a';
    console.log(`signaling conns=${conns} ${f} buzz=${buzz[f]} ref=${ref[f]} ratio=${ratio}`);
  }
  for (const [name, r] of [['buzz', buzz], ['ref', ref]]) {
    const problems = { lost: r.relays_lost, errors: r.errors, socket_errors: r.socket_errors, unexpected_closes: r.unexpected_closes };
    const bad = r.relays_lost > 0 || Object.keys(r.errors).length || r.socket_errors || r.unexpected_closes;
    console.log(`signaling conns=${conns} server=${name} ${bad ? 'PROBLEMS' : 'clean'} ${JSON.stringify(problems)} rooms_throttled=${r.rooms_throttled}`);
    if (bad) failed = true;
  }
}
process.exit(failed ? 1 : 0);
