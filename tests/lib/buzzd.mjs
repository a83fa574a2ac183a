// Starts and stops a real buzzd for black-box tests: a random free loopback port, a fresh
// temporary data directory, readiness by GET /healthz. Override the binary with $BUZZD
// (for example the ASan build).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnLogged, stopChild, sleep, tempDir } from './proc.mjs';
import { freeTcpPort } from './ports.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUZZD = process.env.BUZZD || path.join(ROOT, 'build/buzzd');

async function healthy(port) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return r.status === 200 && (await r.text()).trim() === 'ok';
  } catch { return false; }
}

/** Spawns buzzd once and waits for /healthz; throws with the server log if it fails. */
async function launch(opts, port, dataDir) {
  const args = ['--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir];
  if (opts.turnUri) args.push('--turn-uri', opts.turnUri, '--turn-secret', opts.turnSecret);
  if (opts.config) {
    const cfg = path.join(dataDir, '..', `buzzd-${port}.conf`);
    fs.writeFileSync(cfg, opts.config);
    args.push('--config', cfg);
  }
  const p = spawnLogged(BUZZD, args, { cwd: ROOT });
  const end = Date.now() + (opts.startTimeoutMs ?? 15000);
  while (Date.now() < end) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      const err = new Error(`buzzd exited during start (code ${p.child.exitCode}, signal ${p.child.signalCode}):\n${p.log()}`);
      err.addrInUse = /in use|EADDRINUSE|bind/i.test(p.log());
      throw err;
    }
    if (await healthy(port)) return p;
    await sleep(100);
  }
  await stopChild(p, 'SIGKILL');
  throw new Error(`buzzd did not become healthy on port ${port}:\n${p.log()}`);
}

/**
 * Starts buzzd. opts: {turnUri, turnSecret, config (file text), port, startTimeoutMs}.
 * Returns a handle: {port, url, wsUrl, dataDir, pid, proc, alive(), log(), kill9(),
 * restart(), stop()}. stop() also removes the data directory.
 */
export async function startBuzzd(opts = {}) {
  const base = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-test-')));
  const dataDir = path.join(base, 'data');
  fs.mkdirSync(dataDir);
  let proc;
  let port = opts.port;
  for (let attempt = 0; ; attempt++) {
    port = opts.port ?? await freeTcpPort();
    try { proc = await launch(opts, port, dataDir); break; } catch (e) {
      if (!e.addrInUse || opts.port || attempt >= 3) { fs.rmSync(base, { recursive: true, force: true }); throw e; }
    }
  }
  const h = {
    port, dataDir, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`,
    get proc() { return proc; },
    get pid() { return proc.pid; },
    alive: () => proc.child.exitCode === null && proc.child.signalCode === null,
    log: () => proc.log(),
    /** kill -9: no chance to clean up, as in a crash or OOM kill. */
    kill9: async () => { await stopChild(proc, 'SIGKILL'); },
    /** Starts again on the same port and data directory (retrying while the port frees). */
    restart: async () => {
      const end = Date.now() + 10000;
      for (;;) {
        try { proc = await launch(opts, port, dataDir); return; } catch (e) {
          if (!e.addrInUse || Date.now() > end) throw e;
          await sleep(200);
        }
      }
    },
    stop: async () => {
      const r = await stopChild(proc, 'SIGTERM', 5000);
      fs.rmSync(base, { recursive: true, force: true });
      return r;
    },
  };
  return h;
}

/** POST /api/rooms; returns the parsed body ({id, url, owner_token}). */
export async function createRoom(server, body = {}) {
  const r = await fetch(`${server.url}/api/rooms`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`POST /api/rooms → ${r.status}: ${text}`);
  return JSON.parse(text);
}
