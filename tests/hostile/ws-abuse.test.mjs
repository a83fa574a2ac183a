// Hostile WebSocket clients against a real buzzd (docs/protocol.md, "Errors" and "Abuse"),
// while two well-behaved clients in another room keep relaying and chatting. The server must
// answer every bad frame with the documented error code, keep the offender's connection open
// where the table says "kept", close sustained floods with 1008, and never let one client's
// abuse reach another.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { WsJson, joinRoom } from '../lib/wsjson.mjs';
import { sleep } from '../lib/proc.mjs';
import { startGoodPair } from './good-pair.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';

let server, roomA, roomB, good;

/** Waits for the next `error` frame and checks its code; returns it. */
async function expectError(c, code, what) {
  const m = await c.next((x) => x.type === 'error', 5000, `error ${code} for ${what}`);
  assert.equal(m.code, code, `${what}: expected ${code}, got ${JSON.stringify(m)}`);
  assert.equal(typeof m.message, 'string', `${what}: error without a message`);
  return m;
}

/** The connection still works: a ping with an id gets its pong. */
async function assertAlive(c, what) {
  assert.ok(c.open, `${what}: connection was closed (${JSON.stringify(c.closeInfo)})`);
  const r = await c.request({ type: 'ping' });
  assert.equal(r.type, 'pong', `${what}: ping answered with ${JSON.stringify(r)}`);
}

async function fresh() { return WsJson.connect(server.wsUrl); }

describe('hostile WebSocket clients', { timeout: 120000 }, () => {
  before(async () => {
    server = await startBuzzd();
    roomA = await createRoom(server, { name: 'good' });
    roomB = await createRoom(server, { name: 'hostile' });
    good = await startGoodPair(server.wsUrl, roomA.id);
  });

  after(async () => {
    if (good) await good.stop();
    if (server) await server.stop(); // idempotent; also removes the data dir
  });

  it('malformed JSON gets bad_json and the connection stays usable', async () => {
    const c = await fresh();
    for (const frame of ['{"type":', 'not json at all', '{"type":"ping"}}', '\u0000\u0001', '{"type":"ping",}']) {
      c.sendRaw(frame);
      await expectError(c, 'bad_json', `frame ${JSON.stringify(frame)}`);
    }
    await assertAlive(c, 'after malformed JSON');
    await c.close();
  });

  it('JSON that is not an object gets bad_json', async () => {
    const c = await fresh();
    for (const frame of ['[1,2,3]', '"ping"', '42', 'null', 'true', '[]']) {
      c.sendRaw(frame);
      await expectError(c, 'bad_json', `frame ${frame}`);
    }
    await assertAlive(c, 'after non-objects');
    await c.close();
  });

  it('a 1 MiB frame gets too_large and the connection still answers ping', async () => {
    const c = await fresh();
    const big = JSON.stringify({ type: 'chat', text: 'x'.repeat(1 << 20) });
    c.sendRaw(big);
    await expectError(c, 'too_large', '1 MiB frame');
    await assertAlive(c, 'after 1 MiB frame');
    // A frame just over the limit is refused too; one just under is parsed normally.
    c.sendRaw(JSON.stringify({ type: 'ping', pad: 'y'.repeat(65536) }));
    await expectError(c, 'too_large', '64 KiB + 1 frame');
    const r = await c.request({ type: 'ping', pad: 'z'.repeat(60000) });
    assert.equal(r.type, 'pong', `60 KB ping answered with ${JSON.stringify(r)}`);
    await c.close();
  });

  it('unknown and missing types get unknown_type / bad_message', async () => {
    const c = await fresh();
    let r = await c.request({ type: 'frobnicate' });
    assert.equal(r.type, 'error');
    assert.equal(r.code, 'unknown_type', JSON.stringify(r));
    r = await c.request({ type: 42 });
    assert.equal(r.type, 'error');
    assert.ok(['bad_message', 'unknown_type'].includes(r.code), `numeric type: ${JSON.stringify(r)}`);
    r = await c.request({ hello: 'world' });
    assert.equal(r.type, 'error');
    assert.ok(['bad_message', 'unknown_type'].includes(r.code), `missing type: ${JSON.stringify(r)}`);
    await assertAlive(c, 'after unknown types');
    await c.close();
  });

  it('room messages before join get not_joined', async () => {
    const c = await fresh();
    for (const msg of [
      { type: 'relay', to: good.ids[0], data: { candidate: {} } },
      { type: 'chat', text: 'hi' },
      { type: 'update', mic: false },
      { type: 'leave' },
    ]) {
      const r = await c.request(msg);
      assert.equal(r.type, 'error', `${msg.type} before join: ${JSON.stringify(r)}`);
      assert.equal(r.code, 'not_joined', `${msg.type} before join: ${JSON.stringify(r)}`);
    }
    await assertAlive(c, 'after not_joined');
    await c.close();
  });

  it('bad join requests get documented codes; a second join gets already_joined', async () => {
    const c = await fresh();
    const cases = [
      [{ type: 'join', room: roomB.id }, 'bad_message'],
      [{ type: 'join', room: roomB.id, name: 17 }, 'bad_message'],
      [{ type: 'join', room: roomB.id, name: '' }, 'bad_message'],
      [{ type: 'join', name: 'x' }, 'bad_message'],
      [{ type: 'join', room: 'zzzz-zzzz-zzzz', name: 'x' }, 'room_not_found'],
      [{ type: 'join', room: '../../etc/passwd', name: 'x' }, 'room_not_found'],
    ];
    for (const [msg, code] of cases) {
      const r = await c.request(msg);
      assert.equal(r.type, 'error', `${JSON.stringify(msg)} → ${JSON.stringify(r)}`);
      assert.ok(r.code === code || (msg.room?.startsWith('..') && r.code === 'bad_message'),
        `${JSON.stringify(msg)}: expected ${code}, got ${JSON.stringify(r)}`);
    }
    const ok = await c.request({ type: 'join', room: roomB.id, name: 'Mallory' });
    assert.equal(ok.type, 'joined', JSON.stringify(ok));
    const again = await c.request({ type: 'join', room: roomB.id, name: 'Mallory' });
    assert.equal(again.code, 'already_joined', JSON.stringify(again));
    await c.close();
  });

  it('relay reaches a room-mate only; strangers and other rooms get no_such_participant', async () => {
    const { c } = await joinRoom(server.wsUrl, roomB.id, 'Mallory');
    const { c: trudy, joined: tj } = await joinRoom(server.wsUrl, roomB.id, 'Trudy');
    const trudyId = tj.self.id;
    let r = await c.request({ type: 'relay', to: 'pdeadbeef', data: { candidate: {} } });
    assert.equal(r.code, 'no_such_participant', JSON.stringify(r));
    for (const victim of good.ids) {
      r = await c.request({ type: 'relay', to: victim, data: { description: { type: 'offer', sdp: 'evil' } } });
      assert.equal(r.code, 'no_such_participant', `relay into room A: ${JSON.stringify(r)}`);
    }
    r = await c.request({ type: 'relay', to: trudyId });
    assert.equal(r.code, 'bad_message', `relay without data: ${JSON.stringify(r)}`);
    r = await c.request({ type: 'relay', to: trudyId, data: 'string' });
    assert.equal(r.code, 'bad_message', `relay with string data: ${JSON.stringify(r)}`);
    r = await c.request({ type: 'relay', to: 12, data: {} });
    assert.equal(r.code, 'bad_message', `relay with numeric to: ${JSON.stringify(r)}`);
    c.send({ type: 'relay', to: trudyId, data: { candidate: { n: 1 } } });
    const got = await trudy.next('relay');
    assert.deepEqual(got.data, { candidate: { n: 1 } });
    r = await c.request({ type: 'mute-request', to: trudyId });
    assert.equal(r.code, 'not_owner', `mute-request by a non-owner: ${JSON.stringify(r)}`);
    r = await c.request({ type: 'remove', to: trudyId });
    assert.equal(r.code, 'not_owner', `remove by a non-owner: ${JSON.stringify(r)}`);
    r = await c.request({ type: 'lock', locked: true });
    assert.equal(r.code, 'not_owner', `lock by a non-owner: ${JSON.stringify(r)}`);
    await sleep(200);
    assert.equal(good.foreign(), 0, 'a message from the other room reached the good clients');
    assert.equal(trudy.all.filter((m) => m.type === 'relay').length, 1, 'Trudy got relays she should not have');
    await Promise.all([c.close(), trudy.close()]);
  });

  it('over-long name and chat get field_too_long; limits are in characters', async () => {
    const c = await fresh();
    let r = await c.request({ type: 'join', room: roomB.id, name: 'n'.repeat(65) });
    assert.equal(r.code, 'field_too_long', `65-char name: ${JSON.stringify(r)}`);
    r = await c.request({ type: 'join', room: roomB.id, name: 'n'.repeat(10000) });
    assert.equal(r.code, 'field_too_long', `10000-char name: ${JSON.stringify(r)}`);
    // 64 two-byte characters are 128 bytes but still within the 64-character limit.
    r = await c.request({ type: 'join', room: roomB.id, name: 'é'.repeat(64) });
    assert.equal(r.type, 'joined', `64-char UTF-8 name: ${JSON.stringify(r)}`);
    r = await c.request({ type: 'chat', text: 'c'.repeat(2001) });
    assert.equal(r.code, 'field_too_long', `2001-char chat: ${JSON.stringify(r)}`);
    r = await c.request({ type: 'chat', text: '' });
    assert.equal(r.type, 'error', `empty chat: ${JSON.stringify(r)}`);
    c.send({ type: 'chat', text: 'ü'.repeat(2000) });
    const echo = await c.next((m) => m.type === 'chat' || m.type === 'error', 5000, '2000-char chat echo');
    assert.equal(echo.type, 'chat', `2000-char UTF-8 chat: ${JSON.stringify(echo).slice(0, 300)}`);
    assert.equal(echo.text, 'ü'.repeat(2000), 'chat text changed on the way');
    await assertAlive(c, 'after over-long fields');
    await c.close();
  });

  it('invalid UTF-8 and binary frames are refused without harming the server', async () => {
    const c = await fresh();
    c.sendRaw(Buffer.from([0x7b, 0x22, 0x74, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    const first = await Promise.race([
      c.next((m) => m.type === 'error', 5000, 'error for invalid UTF-8'),
      c.closed.then((ci) => ({ closed: ci })),
    ]);
    // RFC 6455 allows closing with 1007; answering bad_json and keeping the socket is fine too.
    if (first.closed) assert.equal(first.closed.code, 1007, `closed with ${JSON.stringify(first.closed)}`);
    else assert.ok(['bad_json', 'bad_message'].includes(first.code), JSON.stringify(first));

    const d = await fresh();
    d.sendRaw(Buffer.from('{"type":"ping"}'), { binary: true });
    const second = await Promise.race([
      d.next((m) => m.type === 'error' || m.type === 'pong', 5000, 'answer to a binary frame'),
      d.closed.then((ci) => ({ closed: ci })),
    ]);
    assert.ok(second.closed ? [1003, 1007, 1008].includes(second.closed.code) : second.type === 'error' || second.type === 'pong',
      `binary frame: ${JSON.stringify(second)}`);

    const e = await fresh();
    await e.request({ type: 'join', room: roomB.id, name: 'Utf' });
    // A lone surrogate escape is valid JSON syntax but not valid Unicode text.
    e.sendRaw('{"type":"chat","text":"\\ud800"}');
    const third = await e.next((m) => m.type === 'error' || m.type === 'chat', 5000, 'answer to a lone surrogate');
    if (third.type === 'chat') assert.ok(typeof third.text === 'string' && third.text.length > 0, JSON.stringify(third));
    await assertAlive(e, 'after lone surrogate');
    for (const x of [c, d, e]) x.terminate();
  });

  it('a burst over the bucket gets rate_limited but the connection is kept', async () => {
    const c = await fresh();
    const n = 260; // burst is 200: the tail of this burst must be dropped with rate_limited
    for (let i = 0; i < n; i++) c.send({ type: 'ping', id: 100000 + i });
    await sleep(1500);
    const pongs = c.all.filter((m) => m.type === 'pong').length;
    const limited = c.all.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
    assert.ok(limited >= 1, `no rate_limited among answers to ${n} pings (pongs ${pongs})`);
    assert.ok(pongs >= 150 && pongs < n, `pongs ${pongs} for ${n} pings`);
    await sleep(1000); // let the bucket refill
    await assertAlive(c, 'after a burst');
    await c.close();
  });

  it('a sustained flood is closed with 1008', async () => {
    const c = await fresh();
    const end = Date.now() + 10000;
    let sent = 0;
    while (c.open && Date.now() < end) {
      for (let i = 0; i < 200 && c.open; i++) { c.send({ type: 'ping' }); sent++; }
      await sleep(5);
    }
    const info = await Promise.race([c.closed, sleep(3000).then(() => null)]);
    assert.ok(info, `still open after ${sent} messages in 10 s`);
    assert.equal(info.code, 1008, `close ${JSON.stringify(info)} after ${sent} messages`);
    const m = await fetch(`${server.url}/metrics`).then((r) => r.text());
    const rl = /buzz_errors_total\{code="rate_limited"\}\s+(\d+)/.exec(m);
    assert.ok(rl && Number(rl[1]) > 0, `metrics lack rate_limited errors:\n${m.slice(0, 1500)}`);
  });

  it('many half-open and abandoned connections do not hurt the server', async () => {
    const socks = [];
    for (let i = 0; i < 100; i++) socks.push(await fresh());
    await Promise.all(socks.map((s, i) => (i % 2 ? s.terminate() : s.close())));
    const c = await fresh();
    await assertAlive(c, 'after 100 abandoned connections');
    await c.close();
  });

  it('the well-behaved clients saw no errors, no loss and low latency', async () => {
    const s = await good.stop();
    good = null;
    const diag = JSON.stringify(s);
    console.log(`# good pair: ${diag}`);
    assert.deepEqual(s.errors, [], `good clients got errors: ${diag}`);
    assert.ok(s.sent > 100, `too few relays sent: ${diag}`);
    assert.equal(s.lost, 0, `relays lost: ${diag}`);
    assert.ok(s.chatsReceived === s.chatsSent && s.chatsSent >= 3, `chat lost: ${diag}`);
    assert.ok(s.p50 < 50, `median relay round trip ${s.p50} ms: ${diag}`);
    assert.ok(s.p99 < 500, `p99 relay round trip ${s.p99} ms: ${diag}`);
  });

  it('afterwards buzzd is healthy and shuts down cleanly', async () => {
    await assertCleanShutdown(server);
  });
});
