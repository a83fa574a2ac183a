// Active-speaker choice from audio levels (0..1, linear, as RTCRtpSynchronizationSource
// reports them). Pure, so it is testable: the loudest participant above the threshold
// wins, and the current speaker keeps the highlight for a short hold time so that the
// highlight does not flicker between words.

export const SPEAK_THRESHOLD = 0.03;
export const SPEAK_HOLD_MS = 1200;

/**
 * @param {{[id: string]: number}} levels  current levels per participant ("self" too)
 * @param {{id: string|null, since: number}} prev  last decision
 * @param {number} now  ms
 * @returns {{id: string|null, since: number}}  `since`: when `id` last spoke
 */
export function pickSpeaker(levels, prev, now) {
  let best = null;
  let bestLevel = SPEAK_THRESHOLD;
  for (const [id, level] of Object.entries(levels)) {
    if (Number.isFinite(level) && level > bestLevel) { best = id; bestLevel = level; }
  }
  if (best) return { id: best, since: now };
  if (prev.id && now - prev.since < SPEAK_HOLD_MS && prev.id in levels) return prev;
  return { id: null, since: now };
}

/**
 * The RMS level (0..1) of a received stream over the window between two inbound-rtp
 * snapshots: sqrt(Δ totalAudioEnergy / Δ totalSamplesDuration). A synchronization
 * source's audioLevel is one packet's level at the moment of the poll, so a short
 * syllable (or a 20 ms beep) between two polls is never seen; the energy counters see
 * everything played out in the window.
 * @param {{energy: number, duration: number}|null} prev
 * @param {{energy: number, duration: number}} cur
 * @returns {number}  0 when there is no window yet or nothing was played out
 */
export function windowLevel(prev, cur) {
  if (!prev) return 0;
  const dE = cur.energy - prev.energy;
  const dT = cur.duration - prev.duration;
  if (!(dT > 0) || !(dE > 0)) return 0;
  return Math.min(1, Math.sqrt(dE / dT));
}
