// Per-frame measurements of the effect over a sliding second: what localStats().effects and
// the stats overlay show (medians, so one slow frame does not dominate). Pure logic.

import { median } from './settings.js';

const WINDOW_MS = 1000;

export class FrameStats {
  constructor() { this.samples = []; }

  /** s: {at (ms, when handed to the track), inferMs, compositeMs, latencyMs, inferred} */
  add(s) {
    this.samples.push(s);
    const cut = s.at - WINDOW_MS;
    while (this.samples.length && this.samples[0].at < cut) this.samples.shift();
  }

  reset() { this.samples = []; }

  /** {fps, inferMs, compositeMs, addedLatencyMs} over the last second, ms rounded to 0.1. */
  summary(now = performance.now()) {
    const live = this.samples.filter((x) => x.at >= now - WINDOW_MS);
    const r1 = (x) => Math.round(x * 10) / 10;
    const inferred = live.filter((x) => x.inferred);
    return {
      fps: live.length,
      inferMs: r1(median(inferred.map((x) => x.inferMs))),
      compositeMs: r1(median(live.map((x) => x.compositeMs))),
      addedLatencyMs: r1(median(live.map((x) => x.latencyMs))),
    };
  }
}

/**
 * Queue wait of camera frames, from their capture timestamps: the offset between our clock
 * and the frame clock is smallest for a frame picked up the moment it arrived, so the wait
 * of any frame is its offset minus the minimum over the last few seconds.
 */
export class WaitEstimator {
  constructor(windowMs = 3000) { this.windowMs = windowMs; this.offsets = []; }

  /** @returns the estimated ms the frame waited before we read it (≥ 0) */
  wait(nowMs, captureMs) {
    const off = nowMs - captureMs;
    this.offsets.push({ at: nowMs, off });
    while (this.offsets.length && this.offsets[0].at < nowMs - this.windowMs) this.offsets.shift();
    let min = off;
    for (const o of this.offsets) if (o.off < min) min = o.off;
    return Math.max(0, off - min);
  }
}
