// The signaling load generator: against one server (buzzd or the reference), creates rooms,
// opens N WebSocket connections, joins them `perRoom` to a room, then has every participant
// relay timestamped messages to a room-mate at a fixed aggregate rate. It measures joins per
// second, one-way relay latency (sender and receiver share this process's clock) and the
// server's resident memory per connection from /proc/<pid>/status.
import fs from 'node:fs';
import WebSocket from 'ws';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** VmRSS of a process in KiB (0 if unreadable). */
export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch { return NaN; }
}
const CLK_TCK = 100; // USER_HZ on Linux

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Runs `fn(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => { while (next < n) { const i = next++; await fn(i); } };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

async function createRooms(url, n) {
  const ids = new Array(n);
  let throttled = 0;
  await pool(n, 16, async (i) => {
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(`${url}/api/rooms`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      if (r.status === 201) { ids[i] = (await r.json()).id; return; }
      await r.arrayBuffer();
      if (r.status !== 429 || attempt > 200) throw new Error(`POST /api/rooms → ${r.status}`);
      throttled++;
      await sleep(50);
    }
  });
  return { ids, throttled };
}

/** One benchmark connection: parses each frame once and dispatches by type. */
function openConn(wsUrl, stats) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const c = { ws, id: null, onJoined: null };
    const t = setTimeout(() => { ws.terminate(); reject(new Error('connect timeout')); }, 30000);
    ws.on('open', () => { clearTimeout(t); resolve(c); });
    ws.on('error', (e) => { clearTimeout(t); stats.socketErrors++; reject(e); });
    ws.on('close', () => { if (!stats.closing) stats.unexpectedCloses++; });
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'relay') {
        if (m.data && typeof m.data.t === 'number') { stats.lat.push(performance.now() - m.data.t); stats.received++; }
      } else if (m.type === 'joined') {
        c.id = m.self.id;
        if (c.onJoined) c.onJoined(m);
      } else if (m.type === 'error') {
        stats.errors[m.code] = (stats.errors[m.code] || 0) + 1;
        if (c.onJoined && m.ref === 'join') c.onJoined(m);
      }
    });
  });
}

/**
 * Sends every connection's join at once (pipelined) and waits for all `joined` replies.
 * Returns {seconds, lat (ms per join, sorted)}.
 */
async function joinAll(cs, roomIds, perRoom) {
  const t = performance.now();
  const lat = [];
  await Promise.all(cs.map((c, i) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const timer = setTimeout(() => reject(new Error(`join ${i} timed out`)), 60000);
    c.onJoined = (m) => {
      clearTimeout(timer);
      c.onJoined = null;
      if (m.type !== 'joined') { reject(new Error(`join ${i}: ${JSON.stringify(m)}`)); return; }
      lat.push(performance.now() - t0);
      resolve();
    };
    c.ws.send(JSON.stringify({ type: 'join', id: 1, room: roomIds[Math.floor(i / perRoom)], name: `user${i}` }));
  })));
  return { seconds: (performance.now() - t) / 1000, lat: lat.sort((a, b) => a - b) };
}

/**
 * Everyone relays to the next member of their room, round robin, `rate` relays/s in total
 * for `seconds`, then waits up to 5 s for the last deliveries. Returns {sent, wall}.
 */
async function relayPhase(cs, perRoom, rate, seconds, stats) {
  const n = cs.length;
  const targets = cs.map((c, i) => {
    const base = Math.floor(i / perRoom) * perRoom;
    const size = Math.min(perRoom, n - base);
    return cs[base + ((i - base + 1) % size)].id;
  });
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let slot = 0, sent = 0, next = 0;
  const t = performance.now();
  while (performance.now() - t < seconds * 1000) {
    // Catch up to the schedule even when a tick came late, so the offered rate holds.
    const due = Math.floor(((performance.now() - t) / tickMs + 1) * perTick);
    for (; slot < due; slot++, next = (next + 1) % n) {
      if (targets[next] === cs[next].id) continue; // a room of one has nobody to talk to
      cs[next].ws.send(JSON.stringify({ type: 'relay', to: targets[next], data: { t: performance.now(), s: sent++ } }));
    }
    await sleep(tickMs);
  }
  const wall = (performance.now() - t) / 1000;
  const deadline = performance.now() + 5000;
  while (stats.received < sent && performance.now() < deadline) await sleep(20);
  return { sent, wall };
}

const r2 = (x) => Math.round(x * 100) / 100;

/**
 * opts: {url, wsUrl, pid, conns, perRoom, relayRate (msgs/s, all senders together),
 * relaySeconds}. Returns the figures (see the keys of the returned object).
 */
export async function runLoad(opts) {
  const { url, wsUrl, pid, conns, perRoom = 5, relayRate = 5000, relaySeconds = 3 } = opts;
  const stats = { lat: [], received: 0, errors: {}, socketErrors: 0, unexpectedCloses: 0, closing: false };
  const rssIdle = rssKiB(pid);
  const rooms = await createRooms(url, Math.ceil(conns / perRoom));

  const tc = performance.now();
  const cs = new Array(conns);
  await pool(conns, 256, async (i) => { cs[i] = await openConn(wsUrl, stats); });
  const connectS = (performance.now() - tc) / 1000;
  const rssConnected = rssKiB(pid);

  const cpuJ = cpuMs(pid);
  const join = await joinAll(cs, rooms.ids, perRoom);
  const cpuJoin = cpuMs(pid) - cpuJ;
  await sleep(300); // let roster fan-out settle before sampling memory
  const rssJoined = rssKiB(pid);

  const cpuR = cpuMs(pid);
  const relay = await relayPhase(cs, perRoom, relayRate, relaySeconds, stats);
  const cpuRelay = cpuMs(pid) - cpuR;

  stats.closing = true;
  for (const c of cs) c.ws.terminate();
  const lat = stats.lat.sort((a, b) => a - b);
  return {
    conns,
    connects_per_s: r2(conns / connectS),
    joins_per_s: r2(conns / join.seconds),
    cpu_us_per_join: r2((cpuJoin * 1000) / conns),
    join_p50_ms: r2(percentile(join.lat, 50)),
    join_p99_ms: r2(percentile(join.lat, 99)),
    relay_p50_ms: r2(percentile(lat, 50)),
    relay_p99_ms: r2(percentile(lat, 99)),
    relays_per_s: r2(stats.received / relay.wall),
    cpu_us_per_relay: r2((cpuRelay * 1000) / Math.max(1, stats.received)),
    relays_lost: relay.sent - stats.received,
    rss_idle_kib: rssIdle,
    rss_per_conn_kib: r2((rssJoined - rssIdle) / conns),
    rss_connected_per_conn_kib: r2((rssConnected - rssIdle) / conns),
    rooms_throttled: rooms.throttled,
    errors: stats.errors,
    socket_errors: stats.socketErrors,
    unexpected_closes: stats.unexpectedCloses,
  };
}
