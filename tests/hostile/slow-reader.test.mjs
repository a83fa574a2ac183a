// Issue 9, part 4: one participant's chat must not get a slow-link member disconnected.
// A raw TCP WebSocket client that reads slowly sits in a room while another participant
// sends big chat messages within its (configured) limits. The slow reader must stay connected
// (chat for it is dropped instead, oldest first, and counted in buzz_ws_chat_dropped_total),
// must-deliver replies still reach it, what it missed can be paged back with chat-history,
// and the sender and a fast receiver get every message.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { joinRoom } from '../lib/wsjson.mjs';
import { sleep, waitFor } from '../lib/proc.mjs';

// Big messages so that the kernel's socket buffers (several MB on loopback) cannot hide the
// backlog: 48 KB per chat at 30 per second is about 1.5 MB/s per receiver.
const TEXT_CHARS = 48000;
const COUNT = 240;
const PER_S = 30;
const CONFIG = JSON.stringify({
  max_chat_chars: TEXT_CHARS + 100,
  send_queue_max_bytes: 1 << 20, // the droppable budget is a quarter of it: 5 such frames
  idle_timeout_s: 60,
});

/**
 * A WebSocket client over a raw TCP socket whose reading the test controls: paused, it reads
 * at most one chunk (≤ 64 KB) per `tickMs`; `drain()` reads at full speed again.
 */
class SlowWs {
  constructor(port) {
    this.sock = net.connect(port, '127.0.0.1');
    this.buf = Buffer.alloc(0);
    this.frags = [];
    this.msgs = [];
    this.closeFrame = null;
    this.closed = false;
    this.bytesRead = 0;
    this.waiters = [];
    this.timer = 0;
    this.sock.on('close', () => { this.closed = true; this.#wake(); });
    this.sock.on('error', () => {});
  }

  async handshake() {
    const key = crypto.randomBytes(16).toString('base64');
    await new Promise((resolve, reject) => {
      this.sock.once('connect', resolve);
      this.sock.once('error', reject);
    });
    this.sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let head = Buffer.alloc(0);
    await new Promise((resolve, reject) => {
      const onData = (d) => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        this.sock.off('data', onData);
        if (!/^HTTP\/1\.1 101/.test(head.toString('latin1'))) reject(new Error(`no upgrade: ${head}`));
        this.#feed(head.subarray(end + 4));
        resolve();
      };
      this.sock.on('data', onData);
    });
    this.sock.on('data', (d) => this.#onData(d));
  }

  #onData(d) {
    this.bytesRead += d.length;
    this.#feed(d);
    if (this.slow) this.sock.pause(); // one chunk per tick
  }

  #feed(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : Buffer.from(d);
    for (;;) {
      if (this.buf.length < 2) return;
      const op = this.buf[0] & 0x0f;
      const fin = this.buf[0] & 0x80;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); off = 4; }
      if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      if (this.buf.length < off + len) return;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      if (op === 8) { this.closeFrame = { code: len >= 2 ? payload.readUInt16BE(0) : 0, reason: payload.subarray(2).toString() }; continue; }
      if (op === 9) { this.#write(10, payload); continue; }
      if (op === 1 || op === 2 || op === 0) {
        this.frags.push(Buffer.from(payload));
        if (!fin) continue;
        const text = Buffer.concat(this.frags).toString();
        this.frags = [];
        this.msgs.push(JSON.parse(text));
        this.#wake();
      }
    }
  }

  #wake() { for (const w of this.waiters.splice(0)) w(); }

  #write(op, payload) {
    const mask = crypto.randomBytes(4);
    const n = payload.length;
    const head = n < 126 ? Buffer.from([0x80 | op, 0x80 | n]) :
      Buffer.from([0x80 | op, 0x80 | 126, n >> 8, n & 0xff]);
    const body = Buffer.alloc(n);
    for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i & 3];
    this.sock.write(Buffer.concat([head, mask, body]));
  }

  send(obj) { this.#write(1, Buffer.from(JSON.stringify(obj))); }

  /** The first message (already received or later) matching pred. */
  async next(pred, timeoutMs, what) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.msgs.find(pred);
      if (m) return m;
      if (this.closed) throw new Error(`socket closed while waiting for ${what} (close frame ${JSON.stringify(this.closeFrame)})`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 200); });
    }
  }

  /** Reads one chunk per tickMs from now on. */
  throttle(tickMs) {
    this.slow = true;
    this.sock.pause();
    this.timer = setInterval(() => this.sock.resume(), tickMs);
  }

  drain() {
    this.slow = false;
    clearInterval(this.timer);
    this.sock.resume();
  }

  destroy() { clearInterval(this.timer); this.sock.destroy(); }
}

async function metric(server, name) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

describe('a slow reader in a busy chat', { timeout: 240000 }, () => {
  let server, room, sender, fast, slow;

  before(async () => {
    server = await startBuzzd({ config: CONFIG });
    room = await createRoom(server, { name: 'busy chat' });
  });

  after(async () => {
    slow?.destroy();
    sender?.c.terminate();
    fast?.c.terminate();
    if (server) await server.stop();
  });

  it('stays connected while another participant chats within its limits', async () => {
    slow = new SlowWs(server.port);
    await slow.handshake();
    slow.send({ type: 'join', id: 1, room: room.id, name: 'Slow' });
    await slow.next((m) => m.type === 'joined' && m.id === 1, 10000, 'joined');
    sender = await joinRoom(server.wsUrl, room.id, 'Sender');
    fast = await joinRoom(server.wsUrl, room.id, 'Fast');
    slow.throttle(500);

    const pad = 'x'.repeat(TEXT_CHARS);
    const started = Date.now();
    for (let i = 1; i <= COUNT; i++) {
      sender.c.send({ type: 'chat', text: `${i} ${pad}` });
      if (i % 10 === 0) slow.send({ type: 'ping' }); // the slow reader is not idle
      const due = started + (i * 1000) / PER_S;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const chatsOf = (c) => c.all.filter((m) => m.type === 'chat');
    for (const [who, c] of [['sender', sender.c], ['fast receiver', fast.c]]) {
      await waitFor(() => chatsOf(c).length >= COUNT, { timeoutMs: 90000, what: `${who} got all ${COUNT} chats` });
      const ids = chatsOf(c).map((m) => m.id);
      assert.deepEqual(ids, Array.from({ length: COUNT }, (_, k) => k + 1), `${who}: every chat, in order`);
      assert.ok(c.open, `${who} was closed: ${JSON.stringify(c.closeInfo)}`);
    }

    // The slow reader is still there; once it reads at full speed it gets a must-deliver reply.
    assert.equal(slow.closed, false, `slow reader closed (close frame ${JSON.stringify(slow.closeFrame)})`);
    slow.drain();
    slow.send({ type: 'ping', id: 2 });
    await slow.next((m) => m.type === 'pong' && m.id === 2, 60000, 'pong after the burst');
    assert.equal(slow.closeFrame, null, `server sent a close frame: ${JSON.stringify(slow.closeFrame)}`);
    const got = slow.msgs.filter((m) => m.type === 'chat').map((m) => m.id);
    assert.ok(got.length < COUNT, `the test did not overload the slow reader (got all ${COUNT}); read ${slow.bytesRead} bytes`);
    for (let i = 1; i < got.length; i++) assert.ok(got[i] > got[i - 1], 'chat ids stay in order');
    assert.equal(got[got.length - 1], COUNT, 'the newest chat is never the one dropped');
    const dropped = await metric(server, 'buzz_ws_chat_dropped_total');
    assert.ok(dropped >= COUNT - got.length, `buzz_ws_chat_dropped_total ${dropped} < ${COUNT - got.length} missed`);
    assert.equal(await metric(server, 'buzz_ws_send_queue_overflows_total'), 0);

    // A gap in the ids tells the client what it missed; chat-history gives it back.
    const missing = Array.from({ length: COUNT }, (_, k) => k + 1).filter((id) => !got.includes(id));
    const want = missing[missing.length - 1];
    slow.send({ type: 'chat-history', id: 3, before: want + 1, limit: 1 });
    const h = await slow.next((m) => m.id === 3 && m.type !== 'chat', 30000, 'chat-history reply');
    assert.equal(h.type, 'chat-history', JSON.stringify(h).slice(0, 200));
    assert.equal(h.messages.length, 1);
    assert.equal(h.messages[0].id, want);
    assert.ok(h.messages[0].text.startsWith(`${want} `));
    assert.equal(h.more, true);
    console.log(`slow reader: read ${slow.bytesRead} bytes, got ${got.length}/${COUNT} chats, ` +
      `dropped ${dropped}, in ${Date.now() - started} ms`);
  });

  it('afterwards buzzd is healthy and shuts down cleanly', async () => {
    await assertCleanShutdown(server);
  });
});
