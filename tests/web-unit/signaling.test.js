// Signaling client against a scripted fake WebSocket: reply matching, rejoin with the
// reconnect token after a drop, fallback to a fresh join when a restarted server does not
// know the token, and no reconnect after "removed".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Signaling } from '../../web/js/signaling.js';

class FakeWS {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeWS.all.push(this);
  }
  send(s) { this.sent.push(JSON.parse(s)); }
  close(code = 1000) { this.drop(code); }
  open() { this.readyState = 1; this.onopen?.(); }
  recv(o) { this.onmessage?.({ data: JSON.stringify(o) }); }
  drop(code = 1006) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  last() { return this.sent[this.sent.length - 1]; }
}
globalThis.WebSocket = FakeWS;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, ms = 3000) {
  const t = Date.now();
  while (!fn()) {
    if (Date.now() - t > ms) throw new Error('timed out');
    await sleep(10);
  }
}

async function joinedClient() {
  FakeWS.all = [];
  const sig = new Signaling('ws://x/ws');
  const states = [];
  sig.on('state', (s) => states.push(s));
  const c = sig.connect();
  FakeWS.all[0].open();
  await c;
  const j = sig.join({ room: 'r', name: 'A' });
  const ws = FakeWS.all[0];
  assert.equal(ws.last().type, 'join');
  ws.recv({ type: 'joined', id: ws.last().id, self: { id: 'p1' }, reconnect_token: 'tok1' });
  await j;
  return { sig, states };
}

test('replies are matched by id; errors reject with the server code', async () => {
  const { sig } = await joinedClient();
  const ws = FakeWS.all[0];
  const a = sig.request({ type: 'lock', locked: true });
  const b = sig.request({ type: 'remove', to: 'p9' });
  const [ida, idb] = ws.sent.slice(-2).map((m) => m.id);
  assert.notEqual(ida, idb);
  ws.recv({ type: 'error', id: idb, code: 'not_owner', message: 'no' });
  ws.recv({ type: 'ok', id: ida });
  assert.equal((await a).type, 'ok');
  await assert.rejects(b, (e) => e.code === 'not_owner');
  const seen = [];
  sig.on('message', (m) => seen.push(m.type));
  ws.recv({ type: 'chat', id: ida, text: 'x' });   // a chat's own id is not a reply id
  ws.onmessage({ data: 'not json' });
  assert.deepEqual(seen, ['chat']);
  sig.close();
});

test('a drop rejoins with the reconnect token and reports open again', async () => {
  const { sig, states } = await joinedClient();
  const rejoined = [];
  sig.on('rejoined', (m) => rejoined.push(m.self.id));
  FakeWS.all[0].drop(1006);
  assert.equal(sig.state, 'reconnecting');
  await until(() => FakeWS.all.length === 2);       // first retry within 0.25 s
  const ws = FakeWS.all[1];
  ws.open();
  assert.equal(sig.state, 'reconnecting', 'open only after the rejoin succeeded');
  assert.deepEqual([ws.last().type, ws.last().token, ws.last().room], ['join', 'tok1', 'r']);
  ws.recv({ type: 'joined', id: ws.last().id, self: { id: 'p1' }, reconnect_token: 'tok2' });
  await until(() => sig.state === 'open');
  assert.deepEqual(rejoined, ['p1']);
  assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open']);
  assert.equal(sig.token, 'tok2');
  sig.close();
});

test('a restarted server that rejects the token gets a fresh join', async () => {
  const { sig } = await joinedClient();
  const rejoined = [];
  sig.on('rejoined', (m) => rejoined.push(m.self.id));
  FakeWS.all[0].drop(1001);
  await until(() => FakeWS.all.length === 2);
  const ws = FakeWS.all[1];
  ws.open();
  ws.recv({ type: 'error', id: ws.last().id, code: 'bad_message', message: 'unknown token' });
  await until(() => ws.sent.length === 2);
  assert.equal(ws.last().type, 'join');
  assert.equal(ws.last().token, undefined);
  ws.recv({ type: 'joined', id: ws.last().id, self: { id: 'p7' }, reconnect_token: 't' });
  await until(() => rejoined.length === 1);
  assert.deepEqual(rejoined, ['p7']);
  sig.close();
});

test('removed by the owner (4001) does not reconnect; close() is final', async () => {
  const { sig } = await joinedClient();
  const closed = [];
  sig.on('closed', (e) => closed.push(e.code));
  FakeWS.all[0].drop(4001);
  assert.equal(sig.state, 'closed');
  await sleep(400);
  assert.equal(FakeWS.all.length, 1);
  assert.deepEqual(closed, [4001]);
  await assert.rejects(sig.request({ type: 'ping' }), (e) => e.code === 'disconnected');
});

test('a wrong password on rejoin closes instead of looping', async () => {
  const { sig } = await joinedClient();
  const failed = [];
  sig.on('rejoin-failed', (e) => failed.push(e.code));
  FakeWS.all[0].drop(1006);
  await until(() => FakeWS.all.length === 2);
  const ws = FakeWS.all[1];
  ws.open();
  ws.recv({ type: 'error', id: ws.last().id, code: 'wrong_password', message: 'no' });
  await until(() => failed.length === 1);
  assert.equal(sig.state, 'closed');
  assert.equal(ws.sent.length, 1, 'no retry without the token for a fatal error');
});
