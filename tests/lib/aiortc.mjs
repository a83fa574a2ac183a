// The aiortc client (tests/interop/aiortc_client.py, Debian python3-aiortc) as a child process:
// `latest` keeps its newest report per (event, from[, name]), `events` the others.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from './buzzd.mjs';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-aiortc installs

/** Starts it in `roomId`; `extra` are more of its flags (--count, --publish-only, --size, --fps). */
export function startAiortc(server, roomId, { name = 'aiortc', seconds = 200, extra = [] } = {}) {
  const child = spawn(PYTHON, [path.join(ROOT, 'tests/interop/aiortc_client.py'),
    '--url', server.wsUrl, '--room', roomId, '--name', name, '--seconds', String(seconds), ...extra],
  { stdio: ['pipe', 'pipe', 'pipe'] });
  const c = { child, latest: new Map(), events: [], stderr: '' };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let m;
    try { m = JSON.parse(line); } catch { c.events.push({ event: 'garbage', line }); return; }
    if (m.event === 'video' || m.event === 'audio') c.latest.set(`${m.event}:${m.from}${m.name ? `:${m.name}` : ''}`, m);
    else c.events.push(m);
  });
  child.stderr.on('data', (d) => { c.stderr = (c.stderr + d).slice(-20000); });
  c.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  c.diag = () => `aiortc events: ${JSON.stringify(c.events)}\nlatest: ${JSON.stringify([...c.latest.values()])}\nstderr tail: ${c.stderr.slice(-3000)}`;
  /** Closes its stdin (it leaves the room) and waits for it; SIGKILL after 5 s. */
  c.stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    await c.exited;
  };
  return c;
}
