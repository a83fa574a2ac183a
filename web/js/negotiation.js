// The decisions of "perfect negotiation" (W3C WebRTC 1.0, section 10.7), pulled out of
// peer.js so they can be tested without a browser.

/**
 * The polite peer is the one whose participant id sorts lower (docs/protocol.md). It
 * yields on an offer collision: it rolls back its own offer and accepts the other's.
 */
export function isPolite(selfId, peerId) {
  return String(selfId) < String(peerId);
}

/**
 * What to do with an incoming description.
 * @param {object} s
 * @param {'offer'|'answer'} s.type          incoming description type
 * @param {boolean} s.makingOffer            we are between onnegotiationneeded and sending
 * @param {string} s.signalingState          pc.signalingState
 * @param {boolean} s.settingRemoteAnswer    an incoming answer is being applied right now
 * @param {boolean} s.polite
 * @returns {{collision: boolean, ignore: boolean, rollback: boolean}}
 *   ignore: drop the offer (impolite side of a collision);
 *   rollback: undo our own pending offer before applying theirs (polite side).
 */
export function decideDescription(s) {
  const readyForOffer = !s.makingOffer &&
    (s.signalingState === 'stable' || s.settingRemoteAnswer);
  const collision = s.type === 'offer' && !readyForOffer;
  const ignore = collision && !s.polite;
  const rollback = collision && s.polite && s.signalingState === 'have-local-offer';
  return { collision, ignore, rollback };
}

/** An answer is only valid while we have an offer out; anything else is stale. */
export function answerIsStale(signalingState) {
  return signalingState !== 'have-local-offer';
}

/**
 * Whether a connection state calls for an ICE restart. "failed" does at once;
 * "disconnected" only after it lasted `graceMs` (it often recovers by itself); "new" or
 * "connecting" after `stallMs` with negotiation finished, a stall that a lost candidate
 * exchange can cause (a restart gathers and trickles everything again).
 * @param {string} state     pc.connectionState
 * @param {number} sinceMs   how long it has been in that state (for new/connecting: since
 *                           the last negotiation finished, whichever is later)
 */
export function needsIceRestart(state, sinceMs, graceMs = 4000, stallMs = 8000) {
  if (state === 'failed') return true;
  if (state === 'disconnected') return sinceMs >= graceMs;
  if (state === 'new' || state === 'connecting') return sinceMs >= stallMs;
  return false;
}

/**
 * Which kinds the remote side is sending us, from the `tracks` map it sent with its last
 * description ({mid: kind}) and our transceivers' current directions.
 * @param {{[mid: string]: string}} remoteTracks
 * @param {Array<{mid: string|null, currentDirection: string|null}>} transceivers
 * @returns {{[mid: string]: string}} mid → kind for the mids that do deliver media to us
 */
export function receivingKinds(remoteTracks, transceivers) {
  const out = {};
  for (const t of transceivers) {
    if (t.mid == null) continue;
    const kind = remoteTracks[t.mid];
    if (!kind) continue;
    if (t.currentDirection === 'sendrecv' || t.currentDirection === 'recvonly') out[t.mid] = kind;
  }
  return out;
}

const KINDS = new Set(['camera', 'screen', 'audio']);

/** Validates a `tracks` map from the network: string mids to known kinds, bounded. */
export function parseTracksMap(v) {
  const out = {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  let n = 0;
  for (const [mid, kind] of Object.entries(v)) {
    if (++n > 32) break;
    if (mid.length <= 32 && KINDS.has(kind)) out[mid] = kind;
  }
  return out;
}
