// Raw HTTP/1.1 over a TCP socket: unlike fetch it sends paths byte for byte (no "..")
// normalisation), so tests can send exactly what an attacker would.
import net from 'node:net';

/**
 * Writes `request` (string or Buffer) to 127.0.0.1:port and collects the answer until the
 * peer closes or `timeoutMs` passes. Returns {status (0 if none), headers, body, raw, closed}.
 */
export function rawHttp(port, request, { timeoutMs = 5000, maxBytes = 4 << 20 } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let closed = false;
    const sock = net.connect(port, '127.0.0.1');
    const finish = () => {
      clearTimeout(t);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ ...parse(raw), raw, closed });
    };
    const t = setTimeout(finish, timeoutMs);
    sock.on('connect', () => sock.write(request, () => {}));
    sock.on('data', (d) => { chunks.push(d); size += d.length; if (size > maxBytes) finish(); });
    sock.on('error', () => { closed = true; });
    sock.on('close', () => { closed = true; finish(); });
  });
}

function parse(raw) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const headers = {};
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: m ? Number(m[1]) : 0, headers, body: split >= 0 ? raw.slice(split + 4) : '' };
}

/** A GET for `path` (sent verbatim) that asks the server to close afterwards. */
export const getRequest = (path) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
