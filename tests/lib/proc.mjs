// Child-process helpers shared by the buzzd and coturn starters: a bounded log buffer, an
// exit promise, and a registry that kills every child if the test process dies first, so a
// failed test never leaves a server running on the shared machine.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const live = new Set();
const tempDirs = new Set();
const killAll = () => {
  for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
};

/** Removes `dir` when this process exits, however it exits; returns dir. */
export function tempDir(dir) { tempDirs.add(dir); return dir; }
process.on('exit', killAll);
// A runner timeout (make's `timeout`, CI) ends us with a signal: take the children along.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.once(sig, () => { killAll(); process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15)); });
}

const LOG_MAX = 256 * 1024; // keep the last 256 KiB of output per child

/**
 * Spawns `cmd args` with stdout/stderr captured. Returns {child, log(), exited, pid}.
 * `exited` resolves to {code, signal} once the process is gone.
 */
export function spawnLogged(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let buf = '';
  const add = (d) => {
    buf += d.toString();
    if (buf.length > LOG_MAX) buf = buf.slice(buf.length - LOG_MAX);
    if (process.env.TEST_VERBOSE) process.stderr.write(`[${cmd.split('/').pop()}] ${d}`);
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  live.add(child);
  const exited = new Promise((resolve) => {
    child.on('error', (err) => { add(`spawn error: ${err.message}\n`); live.delete(child); resolve({ code: -1, signal: null }); });
    child.on('exit', (code, signal) => { live.delete(child); resolve({ code, signal }); });
  });
  return { child, pid: child.pid, exited, log: () => buf };
}

/** Sends `signal`, then SIGKILL after `graceMs` if it is still alive; resolves when gone. */
export async function stopChild(p, signal = 'SIGTERM', graceMs = 5000) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  const r = await p.exited;
  clearTimeout(t);
  return r;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws `what`). */
export async function waitFor(fn, { timeoutMs = 10000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(intervalMs);
  }
}
