// Make-before-break when a running call moves from peer-to-peer to buzzd (media-changed to
// "sfu", e.g. the third person joining an "auto" room): the old connections keep playing
// while the new ones come up. Each remote track swaps to the new connection only once packets
// arrive on it (a remote track is muted until then), so a tile never shows a track that has
// no picture yet; the old connections close once every expected track has swapped, or after
// a bound.

export const TRACK_WAIT_MS = 3000;   // a new track that stays muted is shown anyway after this
export const HANDOVER_MAX_MS = 8000; // the old connections close by then in any case

const keyOf = (m) => `${m.peerId}:${m.kind}`;

export class MediaHandover {
  /**
   * @param {object} old  the outgoing Mesh or SfuCall (closed at the end)
   * @param {Iterable<string>} expect  `${peerId}:${kind}` keys the new connections should bring
   * @param {(m: {peerId, kind, track}) => void} sink  where media events go (the UI)
   * @param {() => void} onDone  called once, when the old connections are closed
   */
  constructor(old, expect, sink, onDone = () => {}) {
    this.old = old;
    this.expect = new Set(expect);
    this.sink = sink;
    this.onDone = onDone;
    this.taken = new Set();       // keys the new connections now feed
    this.pending = new Map();     // key → {m, cancel}: new tracks waiting for their packets
    this.done = false;
    this.timer = setTimeout(() => this.finish(), HANDOVER_MAX_MS);
    if (this.expect.size === 0) this.finish();
  }

  /** A media event from either connection set. */
  route(fromOld, m) {
    if (this.done) return;
    const key = keyOf(m);
    if (fromOld) {
      if (!this.taken.has(key)) this.sink(m);
      return;
    }
    this.pending.get(key)?.cancel();
    this.pending.delete(key);
    if (!m.track || !m.track.muted) {
      this._take(key, m);
      return;
    }
    const track = m.track;
    const go = () => {
      cancel();
      this.pending.delete(key);
      if (!this.done) this._take(key, m);
    };
    const timer = setTimeout(go, TRACK_WAIT_MS);
    const cancel = () => {
      clearTimeout(timer);
      track.removeEventListener('unmute', go);
    };
    track.addEventListener('unmute', go);
    this.pending.set(key, { m, cancel });
  }

  /** peerId left the room: its tracks are no longer waited for. */
  forget(peerId) {
    if (this.done) return;
    for (const k of [...this.expect]) if (k.startsWith(`${peerId}:`)) this.expect.delete(k);
    this._check();
  }

  _check() {
    if ([...this.expect].every((k) => this.taken.has(k))) this.finish();
  }

  _take(key, m) {
    this.taken.add(key);
    this.sink(m);
    this._check();
  }

  /** Ends the handover now: waiting tracks are shown as they are, the old connections close. */
  finish() {
    if (this.done) return;
    clearTimeout(this.timer);
    for (const [key, p] of [...this.pending]) {
      p.cancel();
      this.pending.delete(key);
      this._takeQuietly(key, p.m);
    }
    this.done = true;
    this.old.closeAll();
    this.onDone();
  }

  _takeQuietly(key, m) {
    this.taken.add(key);
    this.sink(m);
  }
}
