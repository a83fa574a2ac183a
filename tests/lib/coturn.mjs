// Starts Debian's coturn on loopback with TURN REST (shared-secret) credentials, the way
// buzzd is deployed beside it. Ready when it answers a STUN Binding request over UDP.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnLogged, stopChild, sleep, tempDir } from './proc.mjs';
import { freeTcpUdpPort, freeUdpRange } from './ports.mjs';

export const TURNSERVER = process.env.TURNSERVER || '/usr/bin/turnserver';

/** One STUN Binding request; resolves true if a response with our transaction id comes back. */
function stunPing(port, timeoutMs = 300) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const tid = crypto.randomBytes(12);
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0);       // Binding request
    req.writeUInt16BE(0, 2);            // no attributes
    req.writeUInt32BE(0x2112a442, 4);   // magic cookie
    tid.copy(req, 8);
    const done = (ok) => { clearTimeout(t); s.close(); resolve(ok); };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('message', (m) => done(m.length >= 20 && m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(tid)));
    s.send(req, port, '127.0.0.1');
  });
}

/** Starts turnserver; returns {port, secret, uri, stop(), log()}. */
export async function startCoturn({ secret = crypto.randomBytes(16).toString('hex') } = {}) {
  const port = await freeTcpUdpPort();
  const relay = await freeUdpRange(200);
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-turn-')));
  const args = [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
    `--min-port=${relay.min}`, `--max-port=${relay.max}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=buzz',
    '--allow-loopback-peers', '--no-cli', '--no-tls', '--no-dtls', '--fingerprint',
    '--log-file=stdout', '--simple-log', '--verbose', `--pidfile=${path.join(dir, 'turn.pid')}`,
    `--userdb=${path.join(dir, 'turn.db')}`,
  ];
  const proc = spawnLogged(TURNSERVER, args, { cwd: dir });
  const end = Date.now() + 10000;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`turnserver exited during start:\n${proc.log()}`);
    }
    if (await stunPing(port)) break;
    if (Date.now() > end) { await stopChild(proc, 'SIGKILL'); throw new Error(`turnserver not answering STUN on ${port}:\n${proc.log()}`); }
    await sleep(100);
  }
  return {
    port, secret, uri: `turn:127.0.0.1:${port}?transport=udp`,
    log: () => proc.log(),
    stop: async () => { await stopChild(proc, 'SIGTERM', 3000); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
