// Reactions (docs/protocol.md `reaction`): the kinds, their icons and English names, and the
// per-participant budget the server enforces (6 in a row, then 2 per second), kept on the
// client too so that a held key never turns into a stream of rate_limited errors.

import { N } from './i18n.js';

export const REACTIONS = ['thumbs-up', 'clap', 'laugh', 'heart', 'surprised'];

/** kind → [icon name (ui/icons.js), accessible name (English key of the catalogue)] */
export const REACTION_INFO = {
  'thumbs-up': ['thumbsUp', N('Thumbs up')],
  clap: ['clap', N('Clap')],
  laugh: ['laugh', N('Laugh')],
  heart: ['heart', N('Heart')],
  surprised: ['surprised', N('Surprised')],
};

export const REACTION_BURST = 6;
export const REACTION_PER_S = 2;

export class ReactionBucket {
  constructor(burst = REACTION_BURST, perS = REACTION_PER_S) {
    this.burst = burst;
    this.perS = perS;
    this.tokens = burst;
    this.at = null;
  }

  /** Takes one token at time `now` (ms); false when the budget is spent. */
  take(now) {
    if (this.at !== null && now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perS) / 1000);
    }
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
