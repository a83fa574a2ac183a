// The same strictness and caps on https:// as on http:// (docs/protocol.md "HTTP"): buzzd's
// SSL_read (server/net/net_rx.c) hands the decrypted bytes to the read-path guard, so refused
// requests are answered with their JSON status inside the TLS session, unmasked frames close
// with 1002, per-address WebSocket caps hold and stalled connections time out. Before, only
// libwebsockets' parser applied there: CONNECT closed with no answer, OPTIONS got an HTML 403,
// /%00 served index.html, h2c was upgraded and unmasked frames were accepted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { BUZZD, ROOT } from '../lib/buzzd.mjs';
import { spawnLogged, stopChild, sleep } from '../lib/proc.mjs';
import { freeTcpPort } from '../lib/ports.mjs';
import { WsJson } from '../lib/wsjson.mjs';

const SANITIZER = /AddressSanitizer|LeakSanitizer|ThreadSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

/** A TLS connection that collects what it receives; `closedP` settles when it closes. */
function tlsConnect(port, send) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    s.chunks = [];
    s.closedP = new Promise((r) => s.on('close', r));
    s.on('data', (d) => s.chunks.push(d));
    s.once('secureConnect', () => { if (send) s.write(send); resolve(s); });
    s.once('error', reject);
  });
}

/** Sends one request over TLS and returns {status, headers, body, closed} once the server closes. */
async function tlsHttp(port, request, timeoutMs = 5000) {
  const s = await tlsConnect(port, request);
  const closed = await Promise.race([s.closedP.then(() => true), sleep(timeoutMs).then(() => false)]);
  s.destroy();
  const raw = Buffer.concat(s.chunks).toString('latin1');
  const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  const split = raw.indexOf('\r\n\r\n');
  const headers = {};
  for (const line of raw.slice(0, split).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: m ? Number(m[1]) : 0, headers, body: split >= 0 ? raw.slice(split + 4) : '', closed, raw };
}

function assertJson(r, status, code, what) {
  assert.equal(r.status, status, `${what}: status ${r.status}, answer ${JSON.stringify(r.raw.slice(0, 300))}`);
  assert.equal(JSON.parse(r.body).error, code, `${what}: ${r.body}`);
  assert.equal(r.headers['content-type'], 'application/json', what);
  assert.ok(r.closed, `${what}: connection left open`);
}

/** The WebSocket handshake over TLS; resolves once the 101 arrived. */
async function wssRaw(port) {
  const key = crypto.randomBytes(16).toString('base64');
  const s = await tlsConnect(port, `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const end = Date.now() + 5000;
  while (!Buffer.concat(s.chunks).includes('\r\n\r\n') && Date.now() < end) await sleep(10);
  s.head = Buffer.concat(s.chunks).toString('latin1');
  s.chunks.length = 0;
  return s;
}

describe('https: the read-path guard applies inside TLS', { timeout: 120000 }, () => {
  let dir, port, proc;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'],
    { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ max_ws_per_addr: 3, http_timeout_s: 2, keepalive_timeout_s: 2 }));
    port = await freeTcpPort();
    proc = spawnLogged(BUZZD, ['--port', String(port), '--host', '127.0.0.1', '--data-dir', path.join(dir, 'data'),
      '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'), '--config', path.join(dir, 'c.json')],
    { cwd: ROOT });
    const end = Date.now() + 15000;
    for (;;) {
      const r = await tlsHttp(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 1000).catch(() => null);
      if (r?.status === 200) break;
      if (Date.now() > end || proc.child.exitCode !== null) throw new Error(`buzzd (TLS) did not start:\n${proc.log()}`);
      await sleep(100);
    }
  });
  after(async () => {
    const exit = await stopChild(proc, 'SIGTERM', 5000);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.doesNotMatch(proc.log(), SANITIZER, proc.log().slice(-4000));
    assert.deepEqual(exit, { code: 0, signal: null }, proc.log().slice(-2000));
  });

  it('CONNECT, OPTIONS, TRACE and unknown methods get 405 JSON with Allow, then close', async () => {
    for (const line of ['CONNECT host:443 HTTP/1.1', 'OPTIONS / HTTP/1.1', 'TRACE / HTTP/1.1', 'BREW /pot HTTP/1.1']) {
      const r = await tlsHttp(port, `${line}\r\nHost: x\r\n\r\n`);
      assertJson(r, 405, 'method_not_allowed', line);
      assert.ok(r.headers.allow, `${line}: no Allow header`);
    }
  });

  it('a control byte in the target, raw or percent-encoded, gets 400 bad_path', async () => {
    for (const target of ['/%00', '/a%0d%0ab', '/x\x01y']) {
      assertJson(await tlsHttp(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`), 400, 'bad_path', JSON.stringify(target));
    }
  });

  it('a request line over 8 KiB gets 414, headers over 8 KiB get 431, then close', async () => {
    const long = await tlsHttp(port, `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(long.status, 414, long.raw.slice(0, 200));
    assert.ok(long.closed);
    const big = await tlsHttp(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`);
    assertJson(big, 431, 'headers_too_large', 'big headers');
  });

  it('Upgrade: h2c is ignored: served as HTTP/1.1, no 101', async () => {
    const r = await tlsHttp(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\n' +
      'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
    assert.equal(r.status, 200, r.raw.slice(0, 200));
    assert.equal(r.body.trim(), 'ok');
  });

  it('an unmasked client frame closes with 1002; masked frames and wss joins still work', async () => {
    const s = await wssRaw(port);
    assert.match(s.head, /^HTTP\/1\.1 101/);
    s.write(Buffer.from([0x81, 0x04, ...Buffer.from('ping')]));
    await Promise.race([s.closedP, sleep(5000)]);
    const b = Buffer.concat(s.chunks);
    assert.ok(b.length >= 4 && b[0] === 0x88, `no close frame: ${b.toString('hex')}`);
    assert.equal(b.readUInt16BE(2), 1002);
    s.destroy();
    const c = await WsJson.connect(`wss://127.0.0.1:${port}/ws`, { rejectUnauthorized: false });
    const pong = await c.request({ type: 'ping' });
    assert.equal(pong.type, 'pong');
    c.ws.close();
  });

  it('WebSockets per address are capped with 429 (max_ws_per_addr 3)', async () => {
    const open = [];
    for (let i = 0; i < 3; i++) { const s = await wssRaw(port); assert.match(s.head, /^HTTP\/1\.1 101/, `ws ${i}`); open.push(s); }
    const fourth = await wssRaw(port);
    assert.match(fourth.head, /^HTTP\/1\.1 429/, fourth.head.slice(0, 200));
    assert.match(fourth.head, /too_many_connections/);
    for (const s of [...open, fourth]) s.destroy();
  });

  it('silent, half-sent and handshake-less connections are closed within the HTTP timeout', async () => {
    const bare = net.connect(port, '127.0.0.1'); // never starts the TLS handshake
    const bareClosed = new Promise((r) => bare.on('close', r));
    bare.on('error', () => {});
    const socks = [await tlsConnect(port), await tlsConnect(port, 'GET / HTTP/1.1\r\nHost: x\r\n')];
    // http_timeout_s is 2: allow 8 s on a loaded machine.
    const all = Promise.all([...socks.map((s) => s.closedP), bareClosed]);
    const done = await Promise.race([all.then(() => true), sleep(8000).then(() => false)]);
    for (const s of socks) s.destroy();
    bare.destroy();
    assert.ok(done, 'a stalled connection stayed open for 8 s with http_timeout_s 2');
  });

  it('the log says what was refused, and buzzd is still healthy', async () => {
    const r = await tlsHttp(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 200);
    assert.match(proc.log(), /http_refused peer=127\.0\.0\.1 status=405 error=method_not_allowed/);
  });
});
