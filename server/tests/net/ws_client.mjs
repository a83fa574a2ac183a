// WebSocket scenarios for the black-box smoke test (smoke.sh). Each subcommand drives a running
// buzzd over /ws with the `ws` package and exits 0 only if every expectation held.
//
//   node ws_client.mjs roundtrip URL ROOM     join, chat, relay, fragments, too_large, ping
//   node ws_client.mjs ping URL               ping/pong before join (used for wss)
//   node ws_client.mjs burst URL              20 pings in one TCP write: pongs in order, batched
//   node ws_client.mjs shutdown URL ROOM FILE join, touch FILE, expect close 1001
//   node ws_client.mjs overflow URL ROOM      a peer that stops reading gets closed (1008)
//   node ws_client.mjs drain URL ROOM         frames queued behind a full socket drain in batches
//   node ws_client.mjs refused URL            an upgrade at URL is refused
//   node ws_client.mjs idle URL               a silent client is closed with 4002
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';

const TIMEOUT_MS = 10000;

function fail(msg) {
  console.error(`ws_client: FAIL ${msg}`);
  process.exit(1);
}

// A connection with a queue of parsed messages and a promise-based next(type).
function connect(url) {
  const ws = new WebSocket(url, { rejectUnauthorized: false, maxPayload: 64 << 20 });
  const queue = [];
  const waiters = [];
  ws.on('message', (data) => {
    let m;
    try {
      m = JSON.parse(data.toString());
    } catch {
      fail(`server sent non-JSON: ${data.toString().slice(0, 80)}`);
    }
    queue.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const c = {
    ws,
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    open: new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    }),
    send: (obj) => ws.send(JSON.stringify(obj)),
    // Resolves with the first queued message of `type` (others before it are kept).
    next(type) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout waiting for ${type}`)), TIMEOUT_MS);
        const check = () => {
          const i = queue.findIndex((m) => m.type === type);
          if (i >= 0) {
            clearTimeout(timer);
            resolve(queue.splice(i, 1)[0]);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
  return c;
}

function expect(cond, msg) {
  if (!cond) fail(msg);
}

async function join(url, room, name) {
  const c = connect(url);
  await c.open;
  c.send({ type: 'join', id: 1, room, name });
  const j = await c.next('joined');
  expect(j.id === 1 && j.room.id === room && j.self.name === name, `joined: ${JSON.stringify(j)}`);
  return { c, self: j.self };
}

async function roundtrip(url, room) {
  const a = await join(url, room, 'Alice');
  const b = await join(url, room, 'Bob');
  const pj = await a.c.next('participant-joined');
  expect(pj.participant.id === b.self.id, 'participant-joined names Bob');

  a.c.send({ type: 'chat', text: 'hello' });
  for (const x of [a, b]) {
    const m = await x.c.next('chat');
    expect(m.text === 'hello' && m.from === a.self.id, `chat: ${JSON.stringify(m)}`);
  }
  a.c.send({ type: 'relay', to: b.self.id, data: { candidate: { candidate: 'x' } } });
  const r = await b.c.next('relay');
  expect(r.from === a.self.id && r.data.candidate.candidate === 'x', 'relay reaches Bob');

  // A message split over three WebSocket fragments is reassembled.
  const text = JSON.stringify({ type: 'ping', id: 42 });
  a.c.ws.send(text.slice(0, 5), { fin: false });
  a.c.ws.send(text.slice(5, 12), { fin: false });
  a.c.ws.send(text.slice(12), { fin: true });
  expect((await a.c.next('pong')).id === 42, 'pong to a fragmented ping');

  // 1 MiB is over max_message_bytes: too_large, and the connection survives.
  a.c.send({ type: 'chat', text: 'x'.repeat(1 << 20) });
  const e = await a.c.next('error');
  expect(e.code === 'too_large', `too_large: ${JSON.stringify(e)}`);
  a.c.send({ type: 'ping', id: 43 });
  expect((await a.c.next('pong')).id === 43, 'pong after too_large');

  b.c.send({ type: 'leave' });
  await b.c.next('left');
  const left = await a.c.next('participant-left');
  expect(left.id === b.self.id && left.reason === 'left', 'participant-left after Bob leaves');
  b.c.ws.close(1000);
  a.c.ws.close(1000);
  await a.c.closed;
  console.log('ws_client: roundtrip ok');
}

async function ping(url) {
  const c = connect(url);
  await c.open;
  c.send({ type: 'ping', id: 9 });
  expect((await c.next('pong')).id === 9, 'pong');
  c.ws.close(1000);
  await c.closed;
  console.log('ws_client: ping ok');
}

async function shutdown(url, room, file) {
  const { c } = await join(url, room, 'Carol');
  writeFileSync(file, 'ready\n');
  const { code, reason } = await c.closed;
  console.log(`ws_client: closed code=${code} reason=${reason}`);
  expect(code === 1001, `close code 1001 on shutdown, got ${code}`);
}

async function metric(httpBase, name) {
  const text = await (await fetch(`${httpBase}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

// 20 pings leave in one TCP write (corked), so buzzd reads them in one go: the 20 pongs must
// come back complete and in order, and without one writable callback per frame (each pong
// is written at once while the socket takes it, or several per callback), per /metrics.
async function burst(url) {
  const N = 20;
  const httpBase = url.replace(/^ws/, 'http').replace(/\/ws$/, '');
  const c = connect(url);
  await c.open;
  const f0 = await metric(httpBase, 'buzz_ws_frames_sent_total');
  const b0 = await metric(httpBase, 'buzz_ws_write_batches_total');
  const d0 = await metric(httpBase, 'buzz_ws_direct_writes_total');
  c.ws._socket.cork();
  for (let i = 0; i < N; i++) c.send({ type: 'ping', id: i });
  c.ws._socket.uncork();
  for (let i = 0; i < N; i++) expect((await c.next('pong')).id === i, `pong ${i} in order`);
  const frames = (await metric(httpBase, 'buzz_ws_frames_sent_total')) - f0;
  const batches = (await metric(httpBase, 'buzz_ws_write_batches_total')) - b0;
  const direct = (await metric(httpBase, 'buzz_ws_direct_writes_total')) - d0;
  console.log(`ws_client: burst frames=${frames} write_callbacks=${batches} direct=${direct}`);
  expect(frames === N, `frames_sent grew by ${frames}, expected ${N}`);
  expect(batches <= N / 4, `${batches} writable callbacks for ${N} frames`);
  expect(direct >= 1, 'no frame written at once on an idle socket');
  c.ws.close(1000);
  await c.closed;
  console.log('ws_client: burst ok');
}

// Frank stops reading; Gina relays 30 KiB at him, one at a time (her pong says buzzd handled
// it), until one is not written at once: the kernel's buffers are full and frames queue. Five
// small relays queue behind it. When Frank reads again he must get every relay in order, and
// the queued frames must leave through writable callbacks that write more than one frame.
async function drain(url, room) {
  const httpBase = url.replace(/^ws/, 'http').replace(/\/ws$/, '');
  const frank = await join(url, room, 'Frank');
  const gina = await join(url, room, 'Gina');
  frank.c.ws._socket.pause();
  const big = 'z'.repeat(30 * 1024);
  let seq = 0;
  const deadline = Date.now() + 20000;
  const f0 = await metric(httpBase, 'buzz_ws_frames_sent_total');
  const b0 = await metric(httpBase, 'buzz_ws_write_batches_total');
  const d0 = await metric(httpBase, 'buzz_ws_direct_writes_total');
  for (;;) {
    expect(Date.now() < deadline, `frames still written at once after ${seq} relays`);
    const d = await metric(httpBase, 'buzz_ws_direct_writes_total');
    gina.c.send({ type: 'relay', to: frank.self.id, data: { seq: seq++, blob: big } });
    gina.c.send({ type: 'ping', id: seq });
    expect((await gina.c.next('pong')).id === seq, 'pong');
    if ((await metric(httpBase, 'buzz_ws_direct_writes_total')) - d < 2) break;
  }
  for (let i = 0; i < 5; i++) gina.c.send({ type: 'relay', to: frank.self.id, data: { seq: seq++ } });
  gina.c.send({ type: 'ping', id: 0 });
  await gina.c.next('pong');
  frank.c.ws._socket.resume();
  for (let i = 0; i < seq; i++) {
    const m = await frank.c.next('relay');
    expect(m.from === gina.self.id && m.data.seq === i, `relay ${i} in order, got ${m.data.seq}`);
  }
  // Frames written by writable callbacks = all frames written - those written at once.
  const queued = (await metric(httpBase, 'buzz_ws_frames_sent_total')) - f0 -
    ((await metric(httpBase, 'buzz_ws_direct_writes_total')) - d0);
  const batches = (await metric(httpBase, 'buzz_ws_write_batches_total')) - b0;
  console.log(`ws_client: drain relays=${seq} queued_frames=${queued} write_callbacks=${batches}`);
  expect(queued >= 6, `only ${queued} frames went through the queue`);
  expect(batches >= 1 && batches < queued, `${batches} writable callbacks for ${queued} queued frames`);
  frank.c.ws.close(1000);
  gina.c.ws.close(1000);
  await frank.c.closed;
  console.log('ws_client: drain ok');
}

// Dave stops reading; Erin relays ~58 KiB messages at him until the server's bounded queue
// for Dave overflows (after the kernel's socket buffers fill). Dave must be closed, Erin not.
async function overflow(url, room) {
  const httpBase = url.replace(/^ws/, 'http').replace(/\/ws$/, '');
  const dave = await join(url, room, 'Dave');
  const erin = await join(url, room, 'Erin');
  dave.c.ws._socket.pause();
  const blob = 'y'.repeat(58 * 1024);
  let sent = 0;
  const deadline = Date.now() + 20000;
  while ((await metric(httpBase, 'buzz_ws_send_queue_overflows_total')) < 1) {
    expect(Date.now() < deadline, `no overflow after ${sent} relays`);
    for (let i = 0; i < 20; i++) erin.c.send({ type: 'relay', to: dave.self.id, data: { blob } });
    sent += 20;
    await new Promise((r) => setTimeout(r, 20));
  }
  dave.c.ws._socket.resume();
  const { code } = await dave.c.closed;
  console.log(`ws_client: overflow after ${sent} relays, Dave closed code=${code}`);
  expect(code === 1008 || code === 1006, `Dave closed with 1008 (or dropped), got ${code}`);
  erin.c.send({ type: 'ping', id: 5 });
  const p = await erin.c.next('pong');
  expect(p.id === 5, 'Erin still served');
  erin.c.ws.close(1000);
  await erin.c.closed;
  console.log('ws_client: overflow ok');
}

// A silent connection is closed by sig's idle timeout (driven by buzzd's 1 Hz sig_tick).
async function idle(url) {
  const c = connect(url);
  await c.open;
  const t0 = Date.now();
  const { code, reason } = await c.closed;
  console.log(`ws_client: idle close code=${code} reason=${reason} after ${Date.now() - t0} ms`);
  expect(code === 4002, `idle timeout closes with 4002, got ${code}`);
}

// A WebSocket upgrade anywhere but /ws is refused.
async function refused(url) {
  const r = await new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => resolve('open'));
    ws.on('error', () => resolve('refused'));
  });
  expect(r === 'refused', `upgrade at ${url} was accepted`);
  console.log(`ws_client: ${url} refused ok`);
}

const [cmd, ...args] = process.argv.slice(2);
const table = { roundtrip, ping, burst, drain, shutdown, overflow, refused, idle };
if (!table[cmd]) fail(`unknown command ${cmd}`);
table[cmd](...args).then(
  () => process.exit(0),
  (e) => fail(e.stack || String(e)),
);
