// Pure helpers of SFU mode (unit-testable without a browser).

const PID_RE = /^p[0-9a-f]{8}$/;
const MAX_PUBLISHERS = 64;

/** The server's sfu-publishers list, checked: [{id, audio, video, screen}] without ourselves. */
export function validPublishers(list, selfId) {
  if (!Array.isArray(list)) return [];
  const seen = new Set();
  const out = [];
  for (const p of list.slice(0, MAX_PUBLISHERS)) {
    if (!p || typeof p.id !== 'string' || !PID_RE.test(p.id) || p.id === selfId || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push({ id: p.id, audio: p.audio === true, video: p.video === true, screen: p.screen === true });
  }
  return out;
}

const live = (tx) => tx && tx.mid != null && tx.currentDirection !== 'stopped' && !tx.stopped;

/** {mid: publisher id, or "<id>:screen" for a screen} of the live transceivers (sfu-offer's `mids`). */
export function mapMids(subs) {
  const mids = {};
  for (const [id, s] of subs) {
    for (const tx of [s.audio, s.camera]) if (live(tx)) mids[tx.mid] = id;
    if (live(s.screen)) mids[s.screen.mid] = `${id}:screen`;
  }
  return mids;
}
