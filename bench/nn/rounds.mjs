// Interleaved timing rounds, shared by the node bench (bench-nn.mjs) and the Chromium worker
// (page/worker.mjs): no node or DOM imports, only performance.now().
//
// Each round calls every contender once, the order rotating from round to round, so load
// from other processes hits them alike and no contender always runs right after another
// (whose memory traffic would leave it the colder caches every time).

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// fns: functions to time. opt.maxRuns: rounds wanted; opt.minRuns: floor; opt.budgetMs: time
// budget per contender (rounds are cut to fit it); opt.warmup: rounds before timing;
// opt.warmupMs: keep warming up until this much time has passed (V8 tiers wasm up from
// Liftoff to TurboFan in the background, so the first calls are not representative).
// Returns one { ms (median), min, runs, all } per function.
export function timeRounds(fns, { maxRuns = 50, minRuns = 10, budgetMs = 12000, warmup = 3, warmupMs = 0 } = {}) {
  const t0 = performance.now();
  for (let i = 0; i < warmup || performance.now() - t0 < warmupMs; i++) fns.forEach((f) => f());
  let t = performance.now();
  fns.forEach((f) => f());
  const each = (performance.now() - t) / fns.length;
  const n = Math.max(minRuns, Math.min(maxRuns, Math.floor(budgetMs / Math.max(each, 1e-3))));
  const ms = fns.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < fns.length; j++) {
      const k = (i + j) % fns.length;
      t = performance.now();
      fns[k]();
      ms[k].push(performance.now() - t);
    }
  }
  return ms.map((xs) => ({ ms: median(xs), min: Math.min(...xs), runs: n }));
}
