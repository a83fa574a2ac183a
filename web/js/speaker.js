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
