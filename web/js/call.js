// The full mesh: one Peer per remote participant, kept in step with the roster, fed with
// the local tracks, and asked for stats.

import { Emitter } from './emitter.js';
import { Peer } from './peer.js';
import { computePeerStats } from './stats-calc.js';

export class Mesh extends Emitter {
  /** @param {(to: string, data: object) => void} relay  sends relay data via signaling */
  constructor(relay) {
    super();
    this.relay = relay;
    this.peers = new Map();          // peer id → Peer
    this.selfId = null;
    this.ice = { iceServers: [], iceTransportPolicy: 'all' };
    this.local = { audio: null, camera: null, screen: null };
    this.prevStats = new Map();      // peer id → previous snapshot (array)
    this.cameraWanted = true;        // false while "Audio only": peers stop sending cameras
  }

  /** Called after every (re)join. A new self id means every old connection is stale. */
  configure(selfId, iceServers, iceTransportPolicy) {
    if (this.selfId && this.selfId !== selfId) this.closeAll();
    this.selfId = selfId;
    this.ice = { iceServers: Array.isArray(iceServers) ? iceServers : [],
      iceTransportPolicy: iceTransportPolicy === 'relay' ? 'relay' : 'all' };
  }

  /** Brings the set of peers to exactly `ids`: closes vanished ones, opens new ones. */
  sync(ids) {
    const want = new Set(ids);
    for (const id of [...this.peers.keys()]) if (!want.has(id)) this.remove(id);
    for (const id of want) this._ensure(id);
  }

  _ensure(id) {
    if (!this.selfId || id === this.selfId) return null;
    let p = this.peers.get(id);
    if (p) return p;
    p = new Peer({
      selfId: this.selfId, peerId: id, ...this.ice,
      send: (data) => this.relay(id, data),
      onMedia: (kind, track) => this.emit('media', { peerId: id, kind, track }),
      onState: () => this.emit('peer-state', { peerId: id, state: p.pc.connectionState }),
    });
    this.peers.set(id, p);
    if (!this.cameraWanted) p.wantCamera(false);
    for (const [kind, track] of Object.entries(this.local)) {
      if (track) p.setTrack(kind, track).catch((err) => console.warn(`setTrack ${kind}`, err));
    }
    return p;
  }

  remove(id) {
    const p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    this.prevStats.delete(id);
    p.close();
  }

  closeAll() {
    for (const id of [...this.peers.keys()]) this.remove(id);
  }

  /** Relay data from `from`; a relay from someone we have not seen yet opens a peer. */
  handleRelay(from, data) {
    if (typeof from !== 'string' || !data || typeof data !== 'object') return;
    const p = this._ensure(from);
    if (p) p.handle(data);
  }

  /** Sets the local track for `kind` on every connection (null stops sending it). */
  async setLocal(kind, track) {
    this.local[kind] = track;
    await Promise.all([...this.peers.values()].map((p) => p.setTrack(kind, track)
      .catch((err) => console.warn(`setTrack ${kind} on ${p.id}`, err))));
  }

  /** "Audio only": asks every peer (and every later one) to stop or resume sending its camera. */
  setCameraWanted(on) {
    if (on === this.cameraWanted) return;
    this.cameraWanted = on;
    for (const p of this.peers.values()) p.wantCamera(on);
  }

  /** Remote tracks currently received, for re-rendering: [{peerId, kind, track}]. */
  remoteMedia() {
    const out = [];
    for (const [peerId, p] of this.peers) {
      for (const [kind, track] of Object.entries(p.remote)) if (track) out.push({ peerId, kind, track });
    }
    return out;
  }

  /**
   * The outgoing camera video as one encoder sees it (each peer has its own in a mesh; the
   * first connected one is reported): {fps, width, height, bitrateKbps,
   * qualityLimitationReason, encodeMsPerFrame}, or null when nothing is being sent.
   */
  async outboundVideo() {
    for (const p of this.peers.values()) {
      const sender = p.senders.get('camera')?.sender;
      if (!sender?.track) continue;
      let report;
      try { report = await sender.getStats(); } catch { continue; }
      const out = [...report.values()].filter((s) => s.type === 'outbound-rtp' && s.kind === 'video')
        .sort((a, b) => (b.frameWidth ?? 0) - (a.frameWidth ?? 0))[0];
      if (!out) continue;
      // A rate needs a window: the reference snapshot is replaced once it is ~1 s old.
      const ref = this.outRef;
      const now = out.timestamp;
      const snap = { id: p.id, t: now, bytes: out.bytesSent, enc: out.totalEncodeTime ?? 0,
        frames: out.framesEncoded ?? 0 };
      if (!ref || ref.id !== p.id) {
        this.outRef = snap;
        this.outKbps = 0;
        this.outEncodeMs = snap.frames ? (snap.enc * 1000) / snap.frames : 0;
      } else if (now - ref.t >= 900) {
        this.outKbps = Math.max(0, Math.round(((snap.bytes - ref.bytes) * 8) / (now - ref.t)));
        const n = snap.frames - ref.frames;
        if (n > 0) this.outEncodeMs = ((snap.enc - ref.enc) * 1000) / n;
        this.outRef = snap;
      }
      const bitrateKbps = this.outKbps;
      return {
        fps: Math.round(out.framesPerSecond ?? 0),
        width: out.frameWidth ?? 0,
        height: out.frameHeight ?? 0,
        bitrateKbps,
        qualityLimitationReason: out.qualityLimitationReason ?? 'none',
        encodeMsPerFrame: Math.round((this.outEncodeMs ?? 0) * 10) / 10,
      };
    }
    return null;
  }

  /** {peerId: PeerStats} (docs/client-api.md). */
  async stats() {
    const out = {};
    await Promise.all([...this.peers].map(async ([id, p]) => {
      let list;
      try { list = [...(await p.getStats()).values()]; } catch { return; }
      // Rates need a window: keep the reference snapshot until it is ~1 s old, so that
      // several callers polling at once (overlay, speaker detection, tests) agree.
      const ref = this.prevStats.get(id);
      const prev = ref?.list ?? null;
      if (!ref || Date.now() - ref.t >= 900) this.prevStats.set(id, { list, t: Date.now() });
      out[id] = computePeerStats(prev, list, { byTrackId: p.kindsByTrackId() },
        { iceState: p.pc.iceConnectionState, connectionState: p.pc.connectionState });
    }));
    return out;
  }
}
