// buzzd hardening (docs/protocol.md "HTTP" strictness and "Connections"): every request that
// will not be served gets a JSON answer and a close, connections that stall are closed or
// displaced, per-address caps hold, a descriptor limit cannot lock users out, and the log stays
// small while it is being attacked. Black-box against a real buzzd on loopback.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { startBuzzd, BUZZD, ROOT } from '../lib/buzzd.mjs';
import { rawHttp, getRequest } from '../lib/rawhttp.mjs';
import { spawnLogged, stopChild, sleep } from '../lib/proc.mjs';
import { freeTcpPort } from '../lib/ports.mjs';

function assertJson(r, status, code, what) {
  assert.equal(r.status, status, `${what}: status ${r.status}, answer ${JSON.stringify(r.raw.slice(0, 300))}`);
  const body = JSON.parse(r.body);
  assert.equal(body.error, code, `${what}: ${r.body}`);
  assert.equal(typeof body.message, 'string');
  assert.equal(r.headers['content-type'], 'application/json', what);
  return body;
}

/** A socket that connects (from `localAddress`) and then does what it is told. */
function connect(port, { localAddress = '127.0.0.1', send } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.chunks = [];
    s.closedP = new Promise((r) => s.on('close', r));
    s.on('data', (d) => s.chunks.push(d));
    s.on('error', () => {});
    s.once('connect', () => { if (send) s.write(send); resolve(s); });
    s.once('error', reject);
  });
}

async function healthz(port, localAddress = '127.0.0.1', timeoutMs = 5000) {
  const r = await new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    let raw = '';
    const t = setTimeout(() => { s.destroy(); resolve(raw); }, timeoutMs);
    s.on('connect', () => s.write(getRequest('/healthz')));
    s.on('data', (d) => { raw += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(raw); });
  });
  return /^HTTP\/1\.1 200/.test(r) && r.endsWith('ok');
}

/** The WebSocket handshake on a raw socket; resolves once the 101 arrived. */
async function wsRaw(port, localAddress = '127.0.0.1') {
  const key = crypto.randomBytes(16).toString('base64');
  const s = await connect(port, {
    localAddress,
    send: `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  });
  const end = Date.now() + 5000;
  while (!Buffer.concat(s.chunks).includes('\r\n\r\n') && Date.now() < end) await sleep(10);
  s.head = Buffer.concat(s.chunks).toString('latin1');
  s.chunks.length = 0;
  return s;
}

/** buzzd under a descriptor limit (prlimit), with a config; returns {port, log(), stop()}. */
async function startLimited(nofile, config) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-hard-'));
  const port = await freeTcpPort();
  fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify(config));
  const p = spawnLogged('prlimit', [`--nofile=${nofile}`, BUZZD, '--port', String(port), '--host', '127.0.0.1',
    '--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'c.json')], { cwd: ROOT });
  const end = Date.now() + 15000;
  while (!(await healthz(port, '127.0.0.1', 1000))) {
    if (Date.now() > end) throw new Error(`buzzd did not start:\n${p.log()}`);
    await sleep(100);
  }
  return {
    port, log: () => p.log(),
    stop: async () => { const r = await stopChild(p, 'SIGTERM', 5000); fs.rmSync(dir, { recursive: true, force: true }); return r; },
  };
}

describe('protocol strictness', { timeout: 60000 }, () => {
  let server;
  before(async () => { server = await startBuzzd(); });
  after(async () => { if (server) await server.stop(); });

  it('CONNECT, OPTIONS, TRACE and unknown methods get 405 JSON with Allow, then close', async () => {
    for (const [req, allow] of [
      ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 'GET, HEAD, POST'],
      ['OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 'GET, HEAD, POST'],
      ['OPTIONS /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 'GET, HEAD'],
      ['TRACE /api/rooms HTTP/1.1\r\nHost: x\r\n\r\n', 'POST'],
      ['BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n', 'GET, HEAD'],
    ]) {
      // No "Connection: close" and no read timeout of ours: the server must close.
      const r = await rawHttp(server.port, req, { timeoutMs: 5000 });
      assertJson(r, 405, 'method_not_allowed', req.split('\r\n')[0]);
      assert.equal(r.headers.allow, allow, req.split('\r\n')[0]);
      assert.ok(r.closed, `${req.split('\r\n')[0]}: connection left open`);
    }
  });

  it('a CONNECT line alone is answered at once (no blank line needed)', async () => {
    const t0 = Date.now();
    const r = await rawHttp(server.port, 'CONNECT host:443 HTTP/1.1\r\n', { timeoutMs: 5000 });
    assertJson(r, 405, 'method_not_allowed', 'bare CONNECT line');
    assert.ok(Date.now() - t0 < 3000, 'took too long');
  });

  it('a control byte in the target, raw or percent-encoded, gets 400 bad_path', async () => {
    for (const p of ['/%00', '/index.html%00.png', '/%1f', '/%7F', '/a\x01b', '/a\tb', '/%zz', '/%4']) {
      const r = await rawHttp(server.port, Buffer.from(`GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'));
      assertJson(r, 400, 'bad_path', JSON.stringify(p));
      assert.ok(r.closed, `${JSON.stringify(p)}: left open`);
    }
    const ok = await rawHttp(server.port, getRequest('/%41pi/config'.replace('%41pi', 'api')));
    assert.equal(ok.status, 200);
  });

  it('a request line over 8 KiB gets 414, headers over 8 KiB get 431, then close', async () => {
    let r = await rawHttp(server.port, `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, { timeoutMs: 5000 });
    assertJson(r, 414, 'uri_too_long', '9000-byte target');
    assert.ok(r.closed);
    r = await rawHttp(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: ${'j'.repeat(9000)}\r\n\r\n`, { timeoutMs: 5000 });
    assertJson(r, 431, 'headers_too_large', '9000-byte header');
    assert.ok(r.closed);
    // Many small headers add up the same way; the blank line is never sent.
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('');
    r = await rawHttp(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${many}`, { timeoutMs: 5000 });
    assertJson(r, 431, 'headers_too_large', '400 headers');
    // Just under the limits is served.
    r = await rawHttp(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: ${'j'.repeat(7000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 200);
  });

  it('Upgrade: h2c is ignored: served as HTTP/1.1, no 101', async () => {
    const r = await rawHttp(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n' +
      'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n', { timeoutMs: 2000 });
    assert.equal(r.status, 200, r.raw.slice(0, 200));
    assert.equal(r.body, 'ok');
  });

  it('the rules hold for every request of a keep-alive connection', async () => {
    const r = await rawHttp(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 500 });
    assert.equal(r.status, 200);
    const s = await connect(server.port, { send: 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' });
    while (!Buffer.concat(s.chunks).toString().endsWith('ok')) await sleep(10);
    s.write('CONNECT host:443 HTTP/1.1\r\nHost: x\r\n\r\n');
    await Promise.race([s.closedP, sleep(5000)]);
    const all = Buffer.concat(s.chunks).toString('latin1');
    assert.match(all, /HTTP\/1\.1 405 [\s\S]*method_not_allowed/, all.slice(0, 600));
    assert.ok(s.destroyed || s.readableEnded, 'second request did not close the connection');
  });

  it('an unmasked client WebSocket frame closes the connection with 1002', async () => {
    const s = await wsRaw(server.port);
    assert.match(s.head, /^HTTP\/1\.1 101/);
    s.write(Buffer.from([0x81, 0x04, ...Buffer.from('ping')])); // FIN text, no mask bit
    await Promise.race([s.closedP, sleep(5000)]);
    const b = Buffer.concat(s.chunks);
    assert.ok(b.length >= 4 && b[0] === 0x88, `no close frame: ${b.toString('hex')}`);
    assert.equal(b.readUInt16BE(2), 1002, `close code ${b.readUInt16BE(2)}`);
    s.destroy();
    // Masked frames still work on a fresh connection.
    const ok = await wsRaw(server.port);
    const mask = [1, 2, 3, 4], text = Buffer.from('{"type":"ping","id":1}');
    ok.write(Buffer.from([0x81, 0x80 | text.length, ...mask, ...text.map((c, i) => c ^ mask[i % 4])]));
    const end = Date.now() + 5000;
    while (!Buffer.concat(ok.chunks).includes('pong') && Date.now() < end) await sleep(20);
    assert.ok(Buffer.concat(ok.chunks).includes('pong'), 'masked ping not answered');
    ok.destroy();
  });
});

describe('timeouts', { timeout: 60000 }, () => {
  it('silent, half-sent and CONNECT connections are all closed within the HTTP timeout', async () => {
    const server = await startBuzzd({ config: JSON.stringify({ http_timeout_s: 2, keepalive_timeout_s: 2 }) });
    try {
      const socks = await Promise.all([
        connect(server.port), // says nothing
        connect(server.port, { send: 'GET / HTTP/1.1\r\nHost: x\r\n' }), // never finishes its head
        connect(server.port, { send: 'CONNECT host:443 HTTP/1.1\r\n\r\n' }),
        connect(server.port, { send: 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' }), // then idles
      ]);
      // http_timeout_s is 2: allow 8 s on a loaded machine (libwebsockets' own header timer
      // closed silent and half-sent connections after 10 s whatever the setting).
      const done = await Promise.race([Promise.all(socks.map((s) => s.closedP)).then(() => true), sleep(8000).then(() => false)]);
      assert.ok(done, 'some connections stayed open for 8 s with http_timeout_s 2');
      for (const s of socks) s.destroy();
    } finally { await server.stop(); }
  });
});

describe('per-address caps', { timeout: 90000 }, () => {
  it('connections and WebSockets per address are capped with 429; other addresses are not', async () => {
    const server = await startBuzzd({ config: JSON.stringify({ max_conns_per_addr: 20, max_ws_per_addr: 3 }) });
    try {
      const held = [];
      for (let i = 0; i < 20; i++) held.push(await connect(server.port, { localAddress: '127.0.0.3' }));
      await sleep(200);
      const r = await new Promise((resolve) => {
        const s = net.connect({ port: server.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
        let raw = '';
        s.on('data', (d) => { raw += d; });
        s.on('error', () => {});
        s.on('close', () => resolve(raw));
      });
      assert.match(r, /^HTTP\/1\.1 429 [\s\S]*too_many_connections/, r);
      assert.ok(await healthz(server.port, '127.0.0.4'), 'another address was refused');
      for (const s of held) s.destroy();
      await sleep(300);
      assert.ok(await healthz(server.port, '127.0.0.3'), 'the address stayed locked after closing');

      const ws = [];
      for (let i = 0; i < 3; i++) { const s = await wsRaw(server.port, '127.0.0.5'); assert.match(s.head, /^HTTP\/1\.1 101/); ws.push(s); }
      const fourth = await wsRaw(server.port, '127.0.0.5');
      assert.match(fourth.head, /^HTTP\/1\.1 429 [\s\S]*too_many_connections/, fourth.head);
      const other = await wsRaw(server.port, '127.0.0.6');
      assert.match(other.head, /^HTTP\/1\.1 101/);
      for (const s of [...ws, fourth, other]) s.destroy();
    } finally { await server.stop(); }
  });

  it('with trust_proxy the cap counts the last X-Forwarded-For address', async () => {
    const server = await startBuzzd({ config: JSON.stringify({ trust_proxy: 1, max_conns_per_addr: 2 }) });
    try {
      const ask = (xff) => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.9.9, ${xff}\r\n\r\n`;
      const a = await connect(server.port, { send: ask('198.51.100.7') });
      const b = await connect(server.port, { send: ask('198.51.100.7') });
      await sleep(300); // both answered and idle in keep-alive, counted for 198.51.100.7
      const r = await rawHttp(server.port, ask('198.51.100.7'), { timeoutMs: 3000 });
      assert.match(r.raw, /^HTTP\/1\.1 429 [\s\S]*too_many_connections/, r.raw.slice(0, 300));
      const other = await rawHttp(server.port, ask('198.51.100.8'), { timeoutMs: 1000 });
      assert.equal(other.status, 200, 'a different client behind the proxy was refused');
      a.destroy(); b.destroy();
    } finally { await server.stop(); }
  });
});

describe('connection exhaustion', { timeout: 120000 }, () => {
  it('under ulimit -n 256, 600 stalled and unrouted connections never lock out /healthz', async () => {
    const server = await startLimited(256, { max_conns_per_addr: 100000, http_timeout_s: 30 });
    const attackers = [];
    try {
      let healthy = 0, probes = 0;
      for (let wave = 0; wave < 6; wave++) {
        const batch = [];
        for (let i = 0; i < 100; i++) {
          const send = i % 3 === 0 ? 'CONNECT host:443 HTTP/1.1\r\nHost: x\r\n\r\n' : i % 3 === 1 ? 'GET / HTTP/1.1\r\n' : undefined;
          batch.push(connect(server.port, { localAddress: '127.0.0.7', send }).catch(() => null));
        }
        attackers.push(...(await Promise.all(batch)).filter(Boolean));
        probes++;
        if (await healthz(server.port, '127.0.0.1', 5000)) healthy++;
      }
      assert.equal(healthy, probes, `/healthz answered ${healthy} of ${probes} times during the flood`);
      const metrics = await rawHttp(server.port, getRequest('/metrics'));
      assert.equal(metrics.status, 200, 'metrics during the flood');
      assert.match(metrics.body, /buzz_conns_evicted_total [1-9]/, 'no idle connection was displaced');
      for (const s of attackers) s.destroy();
      await sleep(500);
      for (let i = 0; i < 20; i++) assert.ok(await healthz(server.port), `user ${i} after the attack`);
      assert.ok(server.log().length < 64 * 1024, `log grew to ${server.log().length} bytes`);
    } finally {
      for (const s of attackers) s.destroy();
      await server.stop();
    }
  });

  it('refusals at the global cap are 503s, and the log stays small while they go on', async () => {
    const server = await startLimited(256, { max_connections: 10, max_conns_per_addr: 100000, max_ws_per_addr: 100000 });
    const ws = [];
    try {
      // Ten WebSockets are not idle: nothing can be displaced, so new connections are refused.
      for (let i = 0; i < 10; i++) ws.push(await wsRaw(server.port));
      let refused = 0;
      for (let round = 0; round < 10; round++) {
        const rs = await Promise.all(Array.from({ length: 100 }, () => rawHttp(server.port, getRequest('/healthz'), { timeoutMs: 3000 })));
        refused += rs.filter((r) => r.status === 503 && /server_busy/.test(r.body)).length;
      }
      assert.ok(refused >= 900, `only ${refused} of 1000 got 503 server_busy`);
      // The count of what was left out comes with the next line the budget allows.
      await sleep(1500);
      await rawHttp(server.port, getRequest('/healthz'), { timeoutMs: 3000 });
      await sleep(200);
      const log = server.log();
      assert.ok(log.length < 16 * 1024, `log grew to ${log.length} bytes for 1000 refusals`);
      assert.match(log, /log_suppressed source=conn_refused count=\d+/, 'suppressed lines are not counted');
      for (const s of ws) s.destroy();
      await sleep(500);
      assert.ok(await healthz(server.port), 'not serving after the WebSockets left');
    } finally {
      for (const s of ws) s.destroy();
      await server.stop();
    }
  });
});
