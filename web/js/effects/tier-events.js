// Which `effect-tier` events the page emits (docs/client-api.md, "effect-tier" and "Face
// effects"). Both effects share one tier policy in the pipeline, so:
//   - a switch the policy reports is emitted once for each effect that is on (background first);
//   - each effect gets one start event {from: null, to, reason: "start" | "pinned"} when it
//     turns on: from the policy's first decision if the pipeline starts with it, else at once
//     with the tier already running (the policy reports only changes, so an effect turned on
//     next to a running one would otherwise never hear of its tier);
//   - an effect turned off and on again starts again;
//   - a start's reason is "pinned" while a tier is pinned, else "start" (the Worker's first
//     decision comes before the page's setting reaches it, so it says "start" either way).

export const EFFECTS = ['background', 'face'];
const startReason = (tierSetting) => (tierSetting === 'auto' ? 'start' : 'pinned');

export class TierEvents {
  /** emit(event): called with {from, to, reason, effect}. */
  constructor(emit) {
    this.emit = emit;
    this.tier = null;            // the tier the policy last reported; null until its first decision
    this.started = { background: false, face: false };
  }

  /**
   * The effects on now ({background, face}: booleans) and the tier setting ("auto" or the
   * pinned tier): announces the start of each effect that turned on since the last call.
   */
  update(on, tierSetting) {
    for (const effect of EFFECTS) {
      if (!on[effect]) { this.started[effect] = false; continue; }
      if (this.started[effect] || this.tier === null) continue;
      this.started[effect] = true;
      this.emit({ from: null, to: this.tier, reason: startReason(tierSetting), effect });
    }
  }

  /**
   * A decision the pipeline's policy reported ({from, to, reason}; from null: its first), with
   * the effects on now and the tier setting.
   */
  reported(m, on, tierSetting) {
    this.tier = m.to;
    const reason = m.from === null ? startReason(tierSetting) : m.reason;
    for (const effect of EFFECTS) {
      if (!on[effect]) continue;
      this.started[effect] = true;
      this.emit({ from: m.from, to: m.to, reason, effect });
    }
  }

  /** The pipeline is gone: a new one reports its own first decision. */
  reset() {
    this.tier = null;
    this.started = { background: false, face: false };
  }
}
