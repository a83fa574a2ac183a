// SFU mode (docs/protocol.md, "SFU negotiation"): two RTCPeerConnections to buzzd instead of
// one per peer. The publishing one sends our microphone, camera and (while sharing) screen;
// the subscribing one receives every other publisher's audio, camera and screen, recvonly
// transceivers per publisher, renegotiated as publishers and shares come and go. Both are offered by us and answered by
// buzzd (ICE-lite: no candidates travel). Same interface and events as the mesh (call.js), so
// room.js can use either: 'media' {peerId, kind, track}, stats() keyed by publisher.

import { Emitter } from '../emitter.js';
import { computePeerStats } from '../stats-calc.js';
import { mapMids, validPublishers, cameraEncodings, cleanViews, viewsChanged, forwardedCodecs } from './sfu-util.js';
import { tuneScreenSender } from '../screen-sender.js';

const ANSWER_TIMEOUT_MS = 10000;
const RESTART_DELAY_MS = 1000;
const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
/** A recvonly transceiver that offers only the codecs buzzd forwards (where the browser lets it choose). */
function recvTransceiver(pc, kind) {
  const tx = pc.addTransceiver(kind, { direction: 'recvonly' });
  const codecs = forwardedCodecs(kind, globalThis.RTCRtpReceiver?.getCapabilities?.(kind));
  if (codecs.length && tx.setCodecPreferences) {
    try { tx.setCodecPreferences(codecs); } catch { /* the browser's default list, then */ }
  }
  return tx;
}

const VIEW_DEBOUNCE_MS = 250;   // sfu-view goes at most this often while tiles move

export class SfuCall extends Emitter {
  /** @param {(msg: object) => boolean} send  sends a signaling message */
  constructor(send) {
    super();
    this.send = send;
    this.selfId = null;
    this.ice = { iceServers: [], iceTransportPolicy: 'all' };
    this.local = { audio: null, camera: null, screen: null };
    this.pub = null;                 // {pc, tx: {audio, camera, screen?}}
    this.pubChain = Promise.resolve();
    this.sub = null;                 // {pc}
    this.subs = new Map();           // publisher id → {audio: tx, camera: tx, screen: tx | null, shown: {}}
    this.peers = new Map();          // publisher id → {pc, remote} (speaker detection reads it)
    this.publishers = [];            // the server's latest list, others only
    this.waiting = { pub: null, sub: null };  // pc name → resolve(answer sdp)
    this.subChain = Promise.resolve();
    this.subDirty = false;
    this.prevStats = new Map();
    this.views = null;               // the tiles last given to setViews (cleanViews form)
    this.viewsSent = null;           // what the last sfu-view said
    this.viewTimer = null;
    this.closed = false;
  }

  /**
   * The page's camera tiles [{id, width, height}] in device pixels (0 x 0: not visible), so
   * buzzd sends each publisher's layer that fits (docs/protocol.md, sfu-view). Sent on change,
   * debounced.
   */
  setViews(views) {
    this.views = cleanViews(views);
    if (this.viewTimer || !viewsChanged(this.viewsSent, this.views)) return;
    this.viewTimer = setTimeout(() => {
      this.viewTimer = null;
      if (this.closed || !this.selfId || !viewsChanged(this.viewsSent, this.views)) return;
      if (this.send({ type: 'sfu-view', views: this.views }) !== false) this.viewsSent = this.views;
    }, VIEW_DEBOUNCE_MS);
  }

  configure(selfId, iceServers, iceTransportPolicy) {
    if (this.selfId && this.selfId !== selfId) this.closeAll();
    this.closed = false;
    this.selfId = selfId;
    this.viewsSent = null;           // a new session: buzzd knows no tiles yet
    if (this.views) this.setViews(this.views);
    this.ice = { iceServers: Array.isArray(iceServers) ? iceServers : [],
      iceTransportPolicy: iceTransportPolicy === 'relay' ? 'relay' : 'all' };
    if (!this.pub) this._publish();
  }

  /** The roster: publishers that left the room go at once (sfu-publishers follows). */
  sync(ids) {
    const want = new Set(ids);
    for (const id of [...this.subs.keys()]) if (!want.has(id)) this.remove(id);
  }

  remove(id) {
    this.publishers = this.publishers.filter((p) => p.id !== id);
    if (this.subs.has(id)) this._dropPublisher(id);
  }

  handleRelay() { /* the mesh's messages have no meaning here */ }

  /** sfu-answer and sfu-publishers (room.js hands them over). */
  handleServer(m) {
    if (m.type === 'sfu-answer' && (m.pc === 'pub' || m.pc === 'sub') && typeof m.sdp === 'string') {
      const resolve = this.waiting[m.pc];
      this.waiting[m.pc] = null;
      resolve?.(m.sdp);
    } else if (m.type === 'sfu-publishers') {
      this.publishers = validPublishers(m.publishers, this.selfId);
      this._resubscribe();
    }
  }

  _newPc() {
    return new RTCPeerConnection({ ...PC_CONFIG, ...this.ice });
  }

  _answer(name) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting[name] = null; reject(new Error(`no ${name} answer`)); },
        ANSWER_TIMEOUT_MS);
      this.waiting[name] = (sdp) => { clearTimeout(timer); resolve(sdp); };
    });
  }

  _watch(pc, which) {
    pc.onconnectionstatechange = () => {
      this.emit('peer-state', { peerId: which, state: pc.connectionState });
      if (pc.connectionState !== 'failed' || this.closed) return;
      // A new connection (new ICE credentials): buzzd replaces the transport.
      setTimeout(() => { if (!this.closed && pc.connectionState === 'failed') this._restart(which); },
        RESTART_DELAY_MS);
    };
  }

  _restart(which) {
    if (which === 'pub') {
      this.pub?.pc.close();
      this.pub = null;
      this._publish();
    } else {
      this._closeSub();
      this._resubscribe();
    }
  }

  async _publish() {
    const pc = this._newPc();
    const stream = new MediaStream();
    const tx = {
      audio: pc.addTransceiver(this.local.audio ?? 'audio', { direction: 'sendonly', streams: [stream] }),
      // The camera as three simulcast layers; buzzd forwards each subscriber the one its tile needs.
      camera: pc.addTransceiver(this.local.camera ?? 'video',
        { direction: 'sendonly', streams: [stream], sendEncodings: cameraEncodings() }),
    };
    // The screen always comes third: buzzd tells it from the camera by position.
    if (this.local.screen) tx.screen = pc.addTransceiver(this.local.screen, { direction: 'sendonly', streams: [new MediaStream()] });
    const pub = { pc, tx };
    this.pub = pub;
    this._watch(pc, 'pub');
    await this._negotiatePub(pub);
  }

  /** One offer/answer of the publishing connection at a time (a share starting or ending). */
  _negotiatePub(pub) {
    this.pubChain = this.pubChain.then(async () => {
      if (this.pub !== pub) return;
      const pc = pub.pc;
      try {
        await pc.setLocalDescription();
        const answer = this._answer('pub');
        this.send({ type: 'sfu-offer', pc: 'pub', sdp: pc.localDescription.sdp });
        const sdp = await answer;
        if (this.pub !== pub) return;
        await pc.setRemoteDescription({ type: 'answer', sdp });
        if (pub.tx.screen) await tuneScreenSender(pub.tx.screen.sender);
      } catch (err) {
        if (this.pub === pub) console.warn('sfu: publishing failed', err);
      }
    });
    return this.pubChain;
  }

  /** The screen share: a third transceiver on the first share, then sendonly / inactive. */
  async _setScreen(track) {
    const pub = this.pub;
    if (!pub) return;
    let tx = pub.tx.screen;
    if (!tx) {
      if (!track) return;
      tx = pub.tx.screen = pub.pc.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream()] });
    } else {
      if (tx.sender.track !== track) await tx.sender.replaceTrack(track);
      tx.direction = track ? 'sendonly' : 'inactive';
    }
    await this._negotiatePub(pub);
  }

  /** Brings the subscribing connection to the server's publisher list (one run at a time). */
  _resubscribe() {
    this.subDirty = true;
    this.subChain = this.subChain.then(async () => {
      while (this.subDirty && !this.closed) {
        this.subDirty = false;
        try { await this._negotiateSub(); } catch (err) { console.warn('sfu: subscribing failed', err); }
      }
    });
    return this.subChain;
  }

  async _negotiateSub() {
    const want = new Map(this.publishers.map((p) => [p.id, p]));
    for (const id of [...this.subs.keys()]) if (!want.has(id)) this._dropPublisher(id);
    if (want.size === 0) return;
    if (!this.sub) {
      this.sub = { pc: this._newPc() };
      this._watch(this.sub.pc, 'sub');
    }
    const pc = this.sub.pc;
    for (const [id, p] of want) {
      if (!this.subs.has(id)) {
        this.subs.set(id, { audio: recvTransceiver(pc, 'audio'), camera: recvTransceiver(pc, 'video'),
          screen: null, shown: {} });
        this.peers.set(id, { pc, remote: { audio: null, camera: null, screen: null } });
      }
      // A share that starts gets a transceiver of its own; one that ended gives it up.
      const s = this.subs.get(id);
      if (p.screen && !s.screen) s.screen = recvTransceiver(pc, 'video');
      else if (!p.screen && s.screen) {
        try { s.screen.stop(); } catch { /* closed */ }
        s.screen = null;
      }
    }
    await pc.setLocalDescription();
    const mids = mapMids(this.subs);
    const answer = this._answer('sub');
    this.send({ type: 'sfu-offer', pc: 'sub', sdp: pc.localDescription.sdp, mids });
    const sdp = await answer;
    if (this.sub?.pc !== pc) return;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    for (const [id, s] of this.subs) {
      for (const kind of ['audio', 'camera', 'screen']) {
        const tx = s[kind];
        const on = tx?.currentDirection === 'recvonly';
        const track = on ? tx.receiver.track : null;
        if (s.shown[kind] === track) continue;
        s.shown[kind] = track;
        const peer = this.peers.get(id);
        if (peer) peer.remote[kind] = track;
        this.emit('media', { peerId: id, kind, track });
      }
    }
  }

  _dropPublisher(id) {
    const s = this.subs.get(id);
    this.subs.delete(id);
    this.peers.delete(id);
    this.prevStats.delete(id);
    if (!s) return;
    for (const kind of ['audio', 'camera', 'screen']) {
      try { if (s[kind] && s[kind].currentDirection !== 'stopped') s[kind].stop(); } catch { /* closed */ }
      if (s.shown[kind]) this.emit('media', { peerId: id, kind, track: null });
    }
  }

  _closeSub() {
    for (const id of [...this.subs.keys()]) this._dropPublisher(id);
    this.sub?.pc.close();
    this.sub = null;
  }

  closeAll() {
    this.closed = true;
    clearTimeout(this.viewTimer);
    this.viewTimer = null;
    this.viewsSent = null;
    this._closeSub();
    this.pub?.pc.close();
    this.pub = null;
    this.publishers = [];
    for (const k of ['pub', 'sub']) this.waiting[k] = null;
  }

  /** Microphone and camera swap tracks on their transceiver (no renegotiation); the screen renegotiates. */
  async setLocal(kind, track) {
    this.local[kind] = track;
    if (kind === 'screen') {
      await this._setScreen(track);
      return;
    }
    const tx = this.pub?.tx[kind];
    if (tx && tx.sender.track !== track) await tx.sender.replaceTrack(track);
  }

  remoteMedia() {
    const out = [];
    for (const [peerId, s] of this.subs) {
      for (const kind of ['audio', 'camera', 'screen']) if (s.shown[kind]) out.push({ peerId, kind, track: s.shown[kind] });
    }
    return out;
  }

  /** The camera encoder as the mesh reports it (call.js outboundVideo). */
  async outboundVideo() {
    const sender = this.pub?.tx.camera.sender;
    if (!sender?.track) return null;
    let report;
    try { report = await sender.getStats(); } catch { return null; }
    const out = [...report.values()].find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    if (!out) return null;
    const ref = this.outRef;
    const snap = { t: out.timestamp, bytes: out.bytesSent, enc: out.totalEncodeTime ?? 0, frames: out.framesEncoded ?? 0 };
    if (!ref) {
      this.outRef = snap;
      this.outKbps = 0;
      this.outEncodeMs = snap.frames ? (snap.enc * 1000) / snap.frames : 0;
    } else if (snap.t - ref.t >= 900) {
      this.outKbps = Math.max(0, Math.round(((snap.bytes - ref.bytes) * 8) / (snap.t - ref.t)));
      if (snap.frames > ref.frames) this.outEncodeMs = ((snap.enc - ref.enc) * 1000) / (snap.frames - ref.frames);
      this.outRef = snap;
    }
    return {
      fps: Math.round(out.framesPerSecond ?? 0), width: out.frameWidth ?? 0, height: out.frameHeight ?? 0,
      bitrateKbps: this.outKbps, qualityLimitationReason: out.qualityLimitationReason ?? 'none',
      encodeMsPerFrame: Math.round((this.outEncodeMs ?? 0) * 10) / 10,
    };
  }

  /** {publisherId: PeerStats}: that publisher's inbound streams, the connection's pair and states. */
  async stats() {
    const out = {};
    const pc = this.sub?.pc;
    if (!pc) return out;
    let all;
    try { all = [...(await pc.getStats()).values()]; } catch { return out; }
    for (const [id, s] of this.subs) {
      const byTrackId = {};
      for (const kind of ['audio', 'camera', 'screen']) if (s.shown[kind]) byTrackId[s.shown[kind].id] = kind;
      const mids = new Set([s.audio.mid, s.camera.mid, s.screen?.mid].filter((m) => m != null));
      const list = all.filter((x) => x.type !== 'inbound-rtp' || Object.hasOwn(byTrackId, x.trackIdentifier) ||
        mids.has(x.mid));
      const ref = this.prevStats.get(id);
      if (!ref || Date.now() - ref.t >= 900) this.prevStats.set(id, { list, t: Date.now() });
      out[id] = computePeerStats(ref?.list ?? null, list, { byTrackId },
        { iceState: pc.iceConnectionState, connectionState: pc.connectionState });
    }
    return out;
  }
}
