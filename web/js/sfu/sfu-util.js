// Pure helpers of SFU mode (unit-testable without a browser).

const PID_RE = /^p[0-9a-f]{8}$/;
const MAX_PUBLISHERS = 64;

/** The server's sfu-publishers list, checked: [{id, audio, video}] without ourselves. */
export function validPublishers(list, selfId) {
  if (!Array.isArray(list)) return [];
  const seen = new Set();
  const out = [];
  for (const p of list.slice(0, MAX_PUBLISHERS)) {
    if (!p || typeof p.id !== 'string' || !PID_RE.test(p.id) || p.id === selfId || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push({ id: p.id, audio: p.audio === true, video: p.video === true });
  }
  return out;
}

/** {mid: publisher id} of the live transceivers (sfu-offer's `mids`). */
export function mapMids(subs) {
  const mids = {};
  for (const [id, s] of subs) {
    for (const tx of [s.audio, s.camera]) if (tx.mid != null && tx.currentDirection !== 'stopped') mids[tx.mid] = id;
  }
  return mids;
}
