// Network namespaces for browser tests that need a link other than loopback: a constrained
// rate (tc tbf) or random packet loss (nftables; this kernel has no netem qdisc).
//
// makeLab() builds, with names unique to this process (pid-based):
//
//   root namespace ── veth /30 (10.x.y.z, from the pid) ── "srv" namespace ── veth /30 ── "sub"
//      (browsers)                                          (buzzd listens      (fixed   namespace
//                                                           on srvIp only)   192.168.254.0/30) (one browser)
//
// The sub namespace's default route goes to srv, so srvIp (the address on the root link) is
// reachable from both ends without IP forwarding: it is the server's one announced address.
// Nothing is routed between the root namespace and sub, and nothing leaves the machine.
// Everything is removed by lab.cleanup() and, should the test process die first, by an exit
// hook (deleting a namespace removes its veth ends, qdiscs and nft tables with it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM } from './chromium.mjs';
import { spawnLogged } from './proc.mjs';

export const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => fs.existsSync(p)) ?? null;
// util-linux setpriv: what runs in a namespace gets SIGKILL when the test process dies, even by
// SIGKILL (no exit hook runs then), instead of holding the namespace as an orphan.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
const DEATH = SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--'] : [];

/** Why namespaces cannot be made here (a reason for `skip`), or null when they can. */
export function labUnavailable() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'network namespaces need root';
  if (!IP) return "iproute2's `ip` is missing";
  return null;
}

const run = (cmd, args, input) => execFileSync(cmd, args, { input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] }).toString();

/** Runs `argv` inside namespace `ns` and returns its stdout (throws with stderr on failure). */
export function nsExec(ns, argv, input) {
  try { return run(IP, ['netns', 'exec', ns, ...argv], input); } catch (e) {
    throw new Error(`ip netns exec ${ns} ${argv.join(' ')}: ${e.stderr?.toString() || e.message}`);
  }
}

const ipRun = (args) => {
  try { return run(IP, args); } catch (e) { throw new Error(`ip ${args.join(' ')}: ${e.stderr?.toString() || e.message}`); }
};

const quiet = (args) => { try { run(IP, args); } catch { /* already gone */ } };

const toIp = (n) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const fromIp = (s) => s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);

/** A /30 in 10.0.0.0/8 picked from the pid that no route of the root namespace overlaps. */
function rootSubnet() {
  const routes = ipRun(['-4', 'route', 'show', 'table', 'all']).split('\n')
    .map((l) => /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(l.replace(/^(local|broadcast|unicast)\s+/, '')))
    .filter(Boolean).map((m) => {
      const bits = Number(m[2] ?? 32);
      const mask = bits ? (~0 << (32 - bits)) >>> 0 : 0;
      return { net: (fromIp(m[1]) & mask) >>> 0, mask };
    });
  for (let k = 0; k < 64; k++) {
    const n = ((process.pid + k * 7919) & 0x3fffff) >>> 0;
    const base = ((10 << 24) | (n << 2)) >>> 0;
    if ((base & 0xff) === 0 || (base & 0xff) === 252) continue; // keep clear of .0 and .255
    const clash = routes.some((r) => ((base & r.mask) >>> 0) === r.net || ((r.net & 0xfffffffc) >>> 0) === base);
    if (!clash) return base;
  }
  throw new Error('no free /30 in 10.0.0.0/8 for the test link');
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };

/**
 * Removes the namespaces of earlier runs whose test process is gone (killed with SIGKILL, so
 * no exit hook ran) and in which nothing runs any more; the root veth end goes with them.
 */
function reapStale() {
  let list = '';
  try { list = run(IP, ['netns', 'list']); } catch { return; }
  for (const m of list.matchAll(/^(bz([0-9a-z]+))-(srv|sub)\b/gm)) {
    const [, tag, pid36] = m;
    const ns = m[0];
    if (alive(parseInt(pid36, 36))) continue;
    let pids = 'x';
    try { pids = run(IP, ['netns', 'pids', ns]).trim(); } catch { /* gone meanwhile */ }
    if (pids) continue;
    quiet(['netns', 'del', ns]);
    quiet(['link', 'del', `${tag}r`]);
  }
}

const labs = new Set();
process.on('exit', () => { for (const l of labs) l.cleanup(); });

/**
 * Creates the two namespaces and links. Returns:
 *   {srvNs, subNs, rootIp, srvIp, subIp, subLinkDev (srv's end towards sub),
 *    shape(kbit), unshape(), loss(pct), unloss(), lossCounters(), chromiumWrapper(dir),
 *    spawnInSrv(cmd, args, opts), cleanup()}
 */
export function makeLab() {
  reapStale();
  const tag = `bz${process.pid.toString(36)}`;  // ≤ 15 chars for interface names
  const srvNs = `${tag}-srv`, subNs = `${tag}-sub`;
  const rootDev = `${tag}r`, srvRootDev = `${tag}s`, srvSubDev = `${tag}t`, subDev = `${tag}u`;
  const base = rootSubnet();
  const rootIp = toIp(base + 1), srvIp = toIp(base + 2);
  const srvSubIp = '192.168.254.1', subIp = '192.168.254.2';
  let cleaned = false;
  const lab = {
    srvNs, subNs, rootIp, srvIp, subIp, subLinkDev: srvSubDev,
    cleanup() {
      if (cleaned) return;
      cleaned = true;
      labs.delete(lab);
      // The root end first: it would outlive the namespace while a process still holds it.
      quiet(['link', 'del', rootDev]);
      quiet(['netns', 'del', srvNs]);
      quiet(['netns', 'del', subNs]);
    },
  };
  labs.add(lab);
  try {
    ipRun(['netns', 'add', srvNs]);
    ipRun(['netns', 'add', subNs]);
    ipRun(['link', 'add', rootDev, 'type', 'veth', 'peer', 'name', srvRootDev, 'netns', srvNs]);
    ipRun(['link', 'add', srvSubDev, 'netns', srvNs, 'type', 'veth', 'peer', 'name', subDev, 'netns', subNs]);
    ipRun(['addr', 'add', `${rootIp}/30`, 'dev', rootDev]);
    ipRun(['link', 'set', rootDev, 'up']);
    for (const [ns, dev, addr] of [[srvNs, srvRootDev, `${srvIp}/30`], [srvNs, srvSubDev, `${srvSubIp}/30`], [subNs, subDev, `${subIp}/30`]]) {
      ipRun(['-n', ns, 'addr', 'add', addr, 'dev', dev]);
      ipRun(['-n', ns, 'link', 'set', dev, 'up']);
    }
    for (const ns of [srvNs, subNs]) ipRun(['-n', ns, 'link', 'set', 'lo', 'up']);
    ipRun(['-n', subNs, 'route', 'add', 'default', 'via', srvSubIp]);
  } catch (e) {
    lab.cleanup();
    throw e;
  }

  /** Rate limit on the link from srv towards sub (token bucket, queue up to `latencyMs`). */
  lab.shape = (kbit, { burstBytes = 4000, latencyMs = 200 } = {}) => {
    nsExec(srvNs, ['tc', 'qdisc', 'replace', 'dev', srvSubDev, 'root', 'tbf', 'rate', `${kbit}kbit`,
      'burst', String(burstBytes), 'latency', `${latencyMs}ms`]);
  };
  lab.unshape = () => nsExec(srvNs, ['tc', 'qdisc', 'del', 'dev', srvSubDev, 'root']);
  lab.qdiscStats = () => nsExec(srvNs, ['tc', '-s', 'qdisc', 'show', 'dev', srvSubDev]);

  /** Drops `pct` % of the UDP packets sub receives and sends, at random, each counted. */
  lab.loss = (pct) => {
    const rule = `meta l4proto udp counter numgen random mod 100 < ${pct} counter drop`;
    nsExec(subNs, ['nft', '-f', '-'], `table inet buzzloss {
  chain in {
    type filter hook input priority 0; policy accept;
    ${rule}
  }
  chain out {
    type filter hook output priority 0; policy accept;
    ${rule}
  }
}
`);
  };
  lab.unloss = () => nsExec(subNs, ['nft', 'delete', 'table', 'inet', 'buzzloss']);
  /** {in: {seen, dropped}, out: {seen, dropped}} packets since loss() (the rules' counters). */
  lab.lossCounters = () => {
    const j = JSON.parse(nsExec(subNs, ['nft', '-j', 'list', 'table', 'inet', 'buzzloss']));
    const out = {};
    for (const it of j.nftables) {
      if (!it.rule) continue;
      const counters = it.rule.expr.filter((x) => x.counter).map((x) => x.counter.packets);
      out[it.rule.chain] = { seen: counters[0] ?? 0, dropped: counters[1] ?? 0 };
    }
    return out;
  };

  /** An executable that runs Debian's chromium inside sub (for playwright's executablePath). */
  lab.chromiumWrapper = (dir) => {
    const file = path.join(dir, 'chromium-in-netns');
    fs.writeFileSync(file, `#!/bin/sh\nexec ${IP} netns exec ${subNs} ${DEATH.join(' ')} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
    return file;
  };

  /** spawnLogged inside srv (`ip netns exec` and setpriv exec the command: the pid is the command's). */
  lab.spawnInSrv = (cmd, args, opts) => spawnLogged(IP, ['netns', 'exec', srvNs, ...DEATH, cmd, ...args], opts);
  return lab;
}
