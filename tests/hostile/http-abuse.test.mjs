// Hostile HTTP requests against a real buzzd: traversal attempts, over-long paths, oversized
// and malformed bodies, garbage request lines. Each must get a clear 4xx (or a closed
// connection where HTTP itself is broken), never a file from outside web/, never a crash.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd } from '../lib/buzzd.mjs';
import { rawHttp, getRequest } from '../lib/rawhttp.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';

let server;

/** POST /api/rooms with a raw body; returns the parsed rawHttp answer. */
function postRooms(body, contentType = 'application/json') {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = `POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${buf.length}\r\nConnection: close\r\n\r\n`;
  return rawHttp(server.port, Buffer.concat([Buffer.from(head), buf]), { timeoutMs: 10000 });
}

function assertJsonError(r, status, what) {
  assert.equal(r.status, status, `${what}: status ${r.status}, answer ${r.raw.slice(0, 300)}`);
  let body;
  try { body = JSON.parse(r.body); } catch { assert.fail(`${what}: error body is not JSON: ${r.body.slice(0, 200)}`); }
  assert.equal(typeof body.error, 'string', `${what}: no error code in ${r.body}`);
  assert.equal(typeof body.message, 'string', `${what}: no message in ${r.body}`);
  return body;
}

const SECRET_MARKERS = [/root:.*:0:0:/, /BEGIN .*PRIVATE KEY/, /SQLite format 3/];

describe('hostile HTTP clients', { timeout: 60000 }, () => {
  before(async () => { server = await startBuzzd(); });
  after(async () => { if (server) await server.stop(); });

  it('path traversal never leaves web/', async () => {
    const paths = [
      '/../../../../etc/passwd', '/..%2f..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/r/../../../../etc/passwd', '/./../.././../etc/passwd', '/..\\..\\..\\etc\\passwd',
      '/%252e%252e/%252e%252e/etc/passwd', '/....//....//etc/passwd', '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
      '/index.html%00.png', '/../data/buzz.db', '/../server/sig/sig.h', '/../Makefile',
    ];
    for (const p of paths) {
      const r = await rawHttp(server.port, getRequest(p));
      for (const m of SECRET_MARKERS) assert.doesNotMatch(r.raw, m, `${p} leaked a file`);
      assert.ok(r.status === 0 || r.status === 200 || (r.status >= 400 && r.status < 500),
        `${p}: status ${r.status}`);
      if (r.status === 200) {
        // Some servers normalise "/.." to "/" and serve the client: acceptable only if it is
        // our own HTML, never a repo file such as the Makefile or a header.
        assert.doesNotMatch(r.body, /#include|\$\(BUILD\)|ALL_TARGETS/, `${p} served a file outside web/`);
      }
    }
  });

  it('over-long paths and headers get a 4xx or a closed connection', async () => {
    for (const len of [8 * 1024, 64 * 1024, 1 << 20]) {
      const r = await rawHttp(server.port, getRequest('/' + 'a'.repeat(len)), { timeoutMs: 10000 });
      assert.ok(r.status === 0 || (r.status >= 400 && r.status < 500), `path of ${len}: status ${r.status}`);
    }
    const hdr = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: ${'j'.repeat(256 * 1024)}\r\nConnection: close\r\n\r\n`;
    const r = await rawHttp(server.port, hdr, { timeoutMs: 10000 });
    assert.ok(r.status === 0 || r.status === 200 || (r.status >= 400 && r.status < 500), `256 KiB header: ${r.status}`);
  });

  it('a 1 MiB POST body gets 413', async () => {
    const body = JSON.stringify({ name: 'n'.repeat(1 << 20) });
    const r = await postRooms(body);
    // The server may answer 413 and close before reading the whole body: either way a 413.
    assertJsonError(r, 413, '1 MiB body');
  });

  it('a body just over 64 KiB gets 413', async () => {
    const r = await postRooms(JSON.stringify({ name: 'x', pad: 'p'.repeat(65536) }));
    assertJsonError(r, 413, '64 KiB + body');
  });

  it('bad JSON bodies get 400 with a JSON error', async () => {
    for (const body of ['{', 'null', '[1]', '"room"', '{"name": 5}', '{"password": []}', '\xff\xfe']) {
      const r = await postRooms(body);
      assertJsonError(r, 400, `body ${JSON.stringify(body)}`);
    }
  });

  it('wrong methods get 405, unknown rooms get 404 room_not_found', async () => {
    let r = await rawHttp(server.port, 'PUT /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    assertJsonError(r, 405, 'PUT /api/rooms');
    r = await rawHttp(server.port, 'DELETE /api/rooms/abcd-efgh-ijkl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.ok([404, 405].includes(r.status), `DELETE room: ${r.status}`);
    r = await rawHttp(server.port, getRequest('/api/rooms/zzzz-zzzz-zzzz'));
    const body = assertJsonError(r, 404, 'unknown room');
    assert.equal(body.error, 'room_not_found');
    r = await rawHttp(server.port, getRequest(`/api/rooms/${'%41'.repeat(2000)}`));
    assert.ok(r.status >= 400 && r.status < 500, `long room id: ${r.status}`);
  });

  it('garbage request lines and truncated requests do not crash it', async () => {
    const junk = [
      'HELLO\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', '\x00\x01\x02\x03\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      'POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{}',
      'POST /api/rooms HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n',
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n', // never finished
    ];
    for (const req of junk) {
      const r = await rawHttp(server.port, req, { timeoutMs: 2000 });
      assert.ok(r.status === 0 || (r.status >= 400 && r.status < 600 && r.status !== 500) || r.status === 200,
        `${JSON.stringify(req.slice(0, 40))}: status ${r.status}`);
      assert.ok(server.alive(), `buzzd died after ${JSON.stringify(req.slice(0, 40))}`);
    }
  });

  it('afterwards /healthz is ok, rooms still work and the process is alive', async () => {
    const r = await fetch(`${server.url}/healthz`);
    assert.equal(r.status, 200);
    assert.equal((await r.text()).trim(), 'ok');
    const c = await fetch(`${server.url}/api/rooms`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(c.status, 201);
    await assertCleanShutdown(server);
  });
});
