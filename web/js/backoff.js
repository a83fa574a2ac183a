// Reconnect delays: exponential from 0.25 s, capped at 5 s, with "equal jitter" (half of
// the step is fixed, half random) so that a room full of clients dropped by one server
// restart does not reconnect in lock-step.

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 5000;

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry).
 * @param {number} attempt  0, 1, 2, ...
 * @param {() => number} rand  uniform in [0, 1); injectable for tests
 * @returns {number} milliseconds, within [step/2, step] where step = min(cap, base·2^attempt)
 */
export function backoffDelay(attempt, rand = Math.random, base = BACKOFF_BASE_MS,
  cap = BACKOFF_CAP_MS) {
  const n = Math.max(0, Math.min(30, Math.floor(attempt) || 0));
  const step = Math.min(cap, base * 2 ** n);
  const r = Math.min(Math.max(rand(), 0), 1);
  return Math.round(step / 2 + r * (step / 2));
}
