// A weak device on demand: the processes of one browser (the one this test process
// started, and everything it forked) are put in a CPU cgroup with a quota, so that they
// get a fixed share of one core whatever the machine's speed. Busy loops alone do not
// give that: how much a browser gets beside them depends on the scheduler (autogroups,
// cgroups) and the engine's speed, and a faster kernel build makes a "too busy" machine
// not busy enough. Needs root and a cgroup hierarchy with the cpu controller (v1 or v2);
// where there is none, cpuLimitAvailable() says why and the caller falls back.
import fs from 'node:fs';
import path from 'node:path';

const V1 = '/sys/fs/cgroup/cpu';
const V2 = '/sys/fs/cgroup';
const PERIOD_US = 100000;

function canWrite(p) {
  try { fs.accessSync(p, fs.constants.W_OK); return true; } catch { return false; }
}

/** { kind: 'v1' | 'v2', root } or { kind: null, why }. */
function hierarchy() {
  if (fs.existsSync(path.join(V1, 'cpu.cfs_quota_us')) && canWrite(V1)) return { kind: 'v1', root: V1 };
  try {
    const ctl = fs.readFileSync(path.join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/);
    const sub = fs.readFileSync(path.join(V2, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
    if (ctl.includes('cpu') && sub.includes('cpu') && canWrite(V2)) return { kind: 'v2', root: V2 };
  } catch { /* no v2 root */ }
  return { kind: null, why: 'no writable cpu cgroup (needs root and a cgroup with the cpu controller)' };
}

export function cpuLimitAvailable() {
  const h = hierarchy();
  return h.kind ? { ok: true, kind: h.kind } : { ok: false, why: h.why };
}

function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch { return -1; }
}

/** The pids under `root` (itself excluded) whose command line contains `needle`, and all their descendants. */
function treeOf(root, needle) {
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const kids = new Map();
  for (const pid of all) {
    const pp = parentOf(pid);
    if (!kids.has(pp)) kids.set(pp, []);
    kids.get(pp).push(pid);
  }
  const tops = (kids.get(root) || []).filter((pid) => {
    try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle); } catch { return false; }
  });
  const out = [];
  const stack = [...tops];
  while (stack.length) {
    const pid = stack.pop();
    out.push(pid);
    stack.push(...(kids.get(pid) || []));
  }
  return out;
}

/**
 * Limits the browser whose command line contains `needle` (a flag or path unique to it),
 * started by this process, to `cores` of CPU time (0.1 = a tenth of one core). Returns
 * { pids, release() }; release() lifts the limit and moves the processes back. Throws when
 * no cgroup can be used (check cpuLimitAvailable() first) or no such browser runs.
 */
export function limitBrowserCpu(needle, cores) {
  const h = hierarchy();
  if (!h.kind) throw new Error(h.why);
  const pids = treeOf(process.pid, needle);
  if (!pids.length) throw new Error(`no process of this test's browser has "${needle}" on its command line`);
  const dir = path.join(h.root, `buzz-test-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir);
  const quota = Math.max(1000, Math.round(cores * PERIOD_US));
  if (h.kind === 'v1') {
    fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
    // Chromium's audio and media threads run real-time; a v1 group with no real-time
    // budget refuses a process that has such a thread (EINVAL), so give it the same share.
    const rt = path.join(dir, 'cpu.rt_runtime_us');
    if (fs.existsSync(rt)) {
      const period = Number(fs.readFileSync(path.join(dir, 'cpu.rt_period_us'), 'utf8'));
      fs.writeFileSync(rt, String(Math.max(1000, Math.round(cores * period))));
    }
  } else {
    fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
  }
  const refused = [];
  for (const pid of pids) {
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    } catch (e) {
      if (e.code !== 'ESRCH') refused.push(`${pid}: ${e.code}`);
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      const inside = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      for (const pid of inside) {
        try { fs.writeFileSync(path.join(h.root, 'cgroup.procs'), pid); } catch { /* exited */ }
      }
      fs.rmdirSync(dir);
    } catch { /* already gone */ }
  };
  process.once('exit', release);
  if (refused.length) {
    release();
    throw new Error(`the cgroup refused processes of the browser (${refused.join(', ')})`);
  }
  return { pids, release };
}
