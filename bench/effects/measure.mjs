// What bench-effects measures with, outside the pages: CPU time of a browser's processes
// (their ids from CDP SystemInfo.getProcessInfo, their time from /proc/<pid>/stat), the
// main-thread task time of one page (CDP Performance.getMetrics), and percentiles.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process in seconds (every thread, live or exited), or null if gone. */
export function processCpuSeconds(pid) {
  let s;
  try { s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; }
  // Fields after "(comm)", which may itself hold spaces: state is field 3, utime 14, stime 15.
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
}

/**
 * CPU seconds of the threads of process `pid` whose name starts with `prefix` (Chromium
 * names a Worker's thread "DedicatedWorker thread", shown as "DedicatedWorker").
 */
export function threadCpuSeconds(pid, prefix) {
  let tids;
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return 0; }
  let sum = 0;
  for (const tid of tids) {
    let s;
    try { s = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'); } catch { continue; }
    const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
    if (!comm.startsWith(prefix)) continue;
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    sum += (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  }
  return sum;
}

/** The browser's processes now: [{pid, type}] (type "browser", "renderer", "GPU", ...). */
export async function browserProcesses(browser) {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    return processInfo.map((p) => ({ pid: p.id, type: p.type }));
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/**
 * CPU seconds a browser spends over a window, split into its renderer processes (pages and
 * their Workers: the effect, the encoder, the page's own script) and all its processes
 * (plus the browser process, the GPU process — SwiftShader's WebGL runs there — and the
 * utility processes, camera capture among them), and the dedicated Worker threads of its
 * renderers (workerS). A process that starts inside the window counts from zero, one that
 * ends inside it not at all; a Worker thread likewise.
 */
export async function cpuWindow(browser) {
  const procs = await browserProcesses(browser);
  const t0 = performance.now();
  const start = new Map(procs.map((p) => [p.pid, processCpuSeconds(p.pid)]));
  const workers = (list) => list.filter((p) => p.type === 'renderer')
    .reduce((sum, p) => sum + threadCpuSeconds(p.pid, 'DedicatedWorker'), 0);
  const workerStart = workers(procs);
  return {
    async stop() {
      const now = await browserProcesses(browser);
      const wallS = (performance.now() - t0) / 1000;
      const out = { wallS, rendererS: 0, allS: 0, workerS: Math.max(0, workers(now) - workerStart) };
      for (const p of now) {
        const end = processCpuSeconds(p.pid);
        const begin = start.get(p.pid) ?? 0;
        if (end === null || begin === null) continue;
        const d = Math.max(0, end - begin);
        out.allS += d;
        if (p.type === 'renderer') out.rendererS += d;
      }
      return out;
    },
  };
}

/**
 * Main-thread task seconds of a page (CDP Performance TaskDuration, ScriptDuration): in the
 * thread's CPU time where Chromium offers it (timeDomain "threadTicks", so a busy machine's
 * preemption does not count), else in wall time. `domain` says which.
 */
export async function mainThreadMeter(page) {
  const cdp = await page.context().newCDPSession(page);
  let domain = 'threadTicks';
  try {
    await cdp.send('Performance.enable', { timeDomain: domain });
  } catch {
    domain = 'timeTicks';
    await cdp.send('Performance.enable');
  }
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { taskS: m.TaskDuration ?? 0, scriptS: m.ScriptDuration ?? 0 };
  };
  return {
    domain,
    async window() {
      const a = await read();
      const t0 = performance.now();
      return {
        async stop() {
          const b = await read();
          return { wallS: (performance.now() - t0) / 1000, taskS: b.taskS - a.taskS, scriptS: b.scriptS - a.scriptS };
        },
      };
    },
    detach: () => cdp.detach().catch(() => {}),
  };
}

/** The p-th percentile (0..100) of xs, nearest-rank on the sorted values; NaN when empty. */
export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const a = [...xs].sort((x, y) => x - y);
  const i = Math.min(a.length - 1, Math.max(0, Math.ceil((p / 100) * a.length) - 1));
  return a[i];
}

export const median = (xs) => percentile(xs, 50);
export const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

/** A number for an output line: fixed decimals, "n/a" when not finite. */
export function fmt(x, digits = 1) {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}
