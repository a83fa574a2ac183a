// One RTCPeerConnection to one remote participant, negotiated with "perfect negotiation"
// (decisions in negotiation.js). Local media is attached per kind ("audio", "camera",
// "screen"); every description we send carries a `tracks` map {mid: kind} of what we send
// on which transceiver, so the other side can tell the camera from the screen
// (docs/protocol.md, "Media negotiation").

import { isPolite, decideDescription, answerIsStale, needsIceRestart, receivingKinds,
  parseTracksMap } from './negotiation.js';
import { tuneScreenSender } from './screen-sender.js';

const RESTART_MIN_INTERVAL_MS = 5000;
// The polite side lets the impolite one offer first. An initial offer collision is not only
// slower: Chromium rolling back an offer whose ICE gathering has just started does not gather
// again for the answer, so that connection would never leave ICE state "new".
const POLITE_FIRST_OFFER_WAIT_MS = 1500;

// Negotiation trace, on when localStorage["buzz.debug"] is set (read once per page).
let debugOn = null;
function dbg(...args) {
  if (debugOn === null) {
    try { debugOn = Boolean(globalThis.localStorage?.getItem('buzz.debug')); } catch { debugOn = false; }
  }
  if (debugOn) console.debug('[peer]', (performance.now() / 1000).toFixed(2), ...args);
}

export class Peer {
  /**
   * @param {object} o
   * @param {string} o.selfId  @param {string} o.peerId
   * @param {RTCIceServer[]} o.iceServers  @param {'all'|'relay'} o.iceTransportPolicy
   * @param {(data: object) => void} o.send        relays data to the peer
   * @param {(kind: string, track: MediaStreamTrack|null) => void} o.onMedia
   * @param {() => void} o.onState                 connection or ICE state changed
   */
  constructor(o) {
    this.id = o.peerId;
    this.polite = isPolite(o.selfId, o.peerId);
    this.send = o.send;
    this.onMedia = o.onMedia;
    this.onState = o.onState ?? (() => {});
    this.pc = new RTCPeerConnection({ iceServers: o.iceServers ?? [],
      iceTransportPolicy: o.iceTransportPolicy === 'relay' ? 'relay' : 'all' });
    this.streams = { audio: new MediaStream(), camera: null, screen: new MediaStream() };
    this.streams.camera = this.streams.audio;   // mic and camera share a stream (lip sync)
    this.senders = new Map();                   // kind → RTCRtpTransceiver
    this.remoteTracks = {};                     // mid → kind, as the peer last told us
    this.remote = { audio: null, camera: null, screen: null };
    this.cameraTrack = null;                    // what we would send as the camera
    this.peerWantsCamera = true;                // false while the peer is on "Audio only"
    this.neg = { makingOffer: false, ignoreOffer: false, settingRemoteAnswer: false };
    this.chain = Promise.resolve();
    this.offering = Promise.resolve();          // the offer being made, if any
    this.closed = false;
    this.lastRestart = 0;
    this.health = { state: 'new', since: Date.now() };
    this.healthTimer = setInterval(() => this._checkHealth(), 2000);
    this.ready = !this.polite;                  // may start negotiations
    this.negPending = false;
    this.readyTimer = this.polite ?
      setTimeout(() => this._becomeReady(), POLITE_FIRST_OFFER_WAIT_MS) : 0;
    this._wire();
  }

  _wire() {
    const pc = this.pc;
    pc.onnegotiationneeded = () => {
      if (this.ready) this._negotiate();
      else this.negPending = true;
    };
    pc.onicecandidate = ({ candidate }) => {
      dbg(this.id, 'cand tx', candidate?.candidate?.slice(0, 60), this.pc.iceGatheringState);
      if (candidate) this.send({ candidate: candidate.toJSON() });
    };
    pc.ontrack = () => this._syncRemote();
    pc.onconnectionstatechange = () => this._checkHealth();
    pc.oniceconnectionstatechange = () => this._checkHealth();
  }

  /** The polite side got the first offer (or waited long enough): it may offer now. */
  _becomeReady() {
    if (this.ready || this.closed) return;
    this.ready = true;
    clearTimeout(this.readyTimer);
    // After an answer Chromium raises negotiationneeded again if anything is still missing.
    if (this.negPending && this.pc.signalingState === 'stable' && !this.pc.remoteDescription) {
      this._negotiate();
    }
    this.negPending = false;
  }

  _negotiate() {
    if (this.closed) return;
    this.neg.makingOffer = true;
    this.offering = (async () => {
      try {
        await this.pc.setLocalDescription();
        this._sendDescription();
      } catch (err) {
        console.warn(`negotiation with ${this.id} failed`, err);
      } finally {
        this.neg.makingOffer = false;
      }
    })();
  }

  _sendDescription() {
    const d = this.pc.localDescription;
    this.send({ description: { type: d.type, sdp: d.sdp }, tracks: this.localTrackMap() });
    dbg(this.id, 'tx', d.type, this.localTrackMap(), this._txSummary());
  }

  /**
   * {mid: kind} for the transceivers we send on. A camera that is off still counts: its
   * track comes back by replaceTrack, without a renegotiation that could update the map.
   */
  localTrackMap() {
    const map = {};
    for (const [kind, t] of this.senders) {
      if (t.mid != null && /send/.test(t.direction)) map[t.mid] = kind;
    }
    return map;
  }

  _txSummary() {
    return this.pc.getTransceivers().map((t) =>
      `${t.mid}:${t.direction}:${t.currentDirection}:${t.sender.track?.kind ?? '-'}`).join(' ');
  }

  /** Relay data from the peer; handled strictly in arrival order. */
  handle(data) {
    this.chain = this.chain.then(() => this._handle(data)).catch((err) => {
      console.warn(`signaling from ${this.id} failed`, err);
    });
    return this.chain;
  }

  async _handle(data) {
    if (this.closed || !data || typeof data !== 'object') return;
    if (data.description) await this._onDescription(data.description, data.tracks);
    else if (data.candidate) await this._onCandidate(data.candidate);
    else if (data.restart === true) this._restart(false);
    else if (typeof data.cameraWanted === 'boolean') await this._onCameraWanted(data.cameraWanted);
  }

  /** The peer turned "Audio only" on or off: stop or resume sending it our camera. */
  async _onCameraWanted(on) {
    if (on === this.peerWantsCamera) return;
    this.peerWantsCamera = on;
    const t = this.senders.get('camera');
    if (!t || this.closed) return;
    const track = on ? this.cameraTrack : null;
    if (t.sender.track !== track) await t.sender.replaceTrack(track);
  }

  /** Tells the peer whether to send us its camera ("Audio only" is off / on). */
  wantCamera(on) { this.send({ cameraWanted: on }); }

  async _onDescription(desc, tracks) {
    if (!desc || (desc.type !== 'offer' && desc.type !== 'answer') ||
      typeof desc.sdp !== 'string') return;
    const pc = this.pc;
    // Polite side, own offer still being set: let it finish, then roll it back explicitly.
    // Chromium does not gather candidates again after an *implicit* rollback of an offer
    // that was in flight, which leaves the answer without any (ICE stays "new").
    if (desc.type === 'offer' && this.polite && this.neg.makingOffer) await this.offering;
    const d = decideDescription({ type: desc.type, makingOffer: this.neg.makingOffer,
      signalingState: pc.signalingState, settingRemoteAnswer: this.neg.settingRemoteAnswer,
      polite: this.polite });
    this.neg.ignoreOffer = d.ignore;
    dbg(this.id, 'rx', desc.type, d, pc.signalingState, tracks);
    if (d.ignore) return;
    if (desc.type === 'answer' && answerIsStale(pc.signalingState)) return;
    this.remoteTracks = parseTracksMap(tracks);
    this.neg.settingRemoteAnswer = desc.type === 'answer';
    try {
      // Rollback and apply are queued in the same tick: were the operations chain to empty
      // between them, negotiationneeded would fire in between and start a stray offer.
      const remote = { type: desc.type, sdp: desc.sdp };
      if (d.rollback) {
        await Promise.all([pc.setLocalDescription({ type: 'rollback' }),
          pc.setRemoteDescription(remote)]);
      } else {
        await pc.setRemoteDescription(remote);
      }
    } finally {
      this.neg.settingRemoteAnswer = false;
    }
    if (desc.type === 'offer') {
      await pc.setLocalDescription();
      this._sendDescription();
      this._becomeReady();
    }
    this._syncRemote();
    this._tuneScreen();
  }

  async _onCandidate(c) {
    try {
      await this.pc.addIceCandidate(c);
      dbg(this.id, 'cand rx ok', this.pc.iceConnectionState);
    } catch (err) {
      dbg(this.id, 'cand rx failed', err.message, 'ignoring:', this.neg.ignoreOffer);
      // Candidates of an offer we ignored fail to apply; that is expected.
      if (!this.neg.ignoreOffer) throw err;
    }
  }

  /** Reports changes of what the peer sends us, per kind. */
  _syncRemote() {
    if (this.closed) return;
    const txs = this.pc.getTransceivers();
    dbg(this.id, 'sync', this.remoteTracks, this._txSummary());
    const kinds = receivingKinds(this.remoteTracks,
      txs.map((t) => ({ mid: t.mid, currentDirection: t.currentDirection })));
    const next = { audio: null, camera: null, screen: null };
    for (const t of txs) {
      const kind = t.mid != null ? kinds[t.mid] : null;
      if (kind && t.receiver.track.kind === (kind === 'audio' ? 'audio' : 'video')) {
        next[kind] = t.receiver.track;
      }
    }
    for (const kind of Object.keys(next)) {
      if (next[kind] !== this.remote[kind]) {
        this.remote[kind] = next[kind];
        this.onMedia(kind, next[kind]);
      }
    }
  }

  /** Which inbound track id carries which kind: lets stats tell camera from screen. */
  kindsByTrackId() {
    const out = {};
    for (const [kind, track] of Object.entries(this.remote)) if (track) out[track.id] = kind;
    return out;
  }

  /**
   * Sends `track` as `kind` (null stops sending it). Camera and audio keep their
   * transceiver and just swap the track (no renegotiation); the screen also flips the
   * direction so the peer learns, through negotiation, that the share ended.
   */
  async setTrack(kind, track) {
    if (this.closed) return;
    if (kind === 'camera') this.cameraTrack = track;
    const t = this.senders.get(kind);
    if (!t) {
      if (!track) return;
      const sender = this.pc.addTrack(track, this.streams[kind]);
      const tx = this.pc.getTransceivers().find((x) => x.sender === sender);
      this.senders.set(kind, tx);
      if (kind === 'screen') this._tuneScreen();
      // The transceiver is made (so the peer knows it is our camera) but sends nothing.
      if (kind === 'camera' && !this.peerWantsCamera) await sender.replaceTrack(null);
      return;
    }
    if (kind === 'camera' && !this.peerWantsCamera) track = null;
    if (t.sender.track !== track) await t.sender.replaceTrack(track);
    if (kind === 'screen') {
      const dir = track ? 'sendrecv' : 'recvonly';
      if (t.direction !== dir && t.direction !== 'stopped') t.direction = dir;
      if (track) this._tuneScreen();
    } else if (track && !/send/.test(t.direction)) {
      t.direction = 'sendrecv';
    }
  }

  /** Screen: keep resolution, cap the frame rate (screen-sender.js). */
  async _tuneScreen() {
    await tuneScreenSender(this.senders.get('screen')?.sender);
  }

  /**
   * Runs on every state change and every 2 s: restarts ICE when the connection failed,
   * stays disconnected, or never gets going although negotiation finished.
   */
  _checkHealth() {
    if (this.closed) return;
    const state = this.pc.connectionState;
    const now = Date.now();
    if (state !== this.health.state) {
      this.health.state = state;
      this.health.since = now;
      this.onState();
    }
    // A stall only counts while nothing is being negotiated.
    const settled = this.pc.signalingState === 'stable' && this.pc.remoteDescription;
    if (!settled) this.health.since = Math.max(this.health.since, now);
    if (needsIceRestart(state, now - this.health.since)) {
      this._restart(true);
      this.health.since = now;
    }
  }

  /**
   * ICE restart. Only the impolite side restarts (its offer carries the new credentials);
   * the polite side asks it to with {"restart": true}, so the two never collide.
   */
  _restart(tell) {
    const now = Date.now();
    if (this.closed || now - this.lastRestart < RESTART_MIN_INTERVAL_MS) return;
    this.lastRestart = now;
    if (!this.polite) this.pc.restartIce();
    else if (tell) this.send({ restart: true });
  }

  getStats() { return this.pc.getStats(); }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healthTimer);
    clearTimeout(this.readyTimer);
    for (const kind of Object.keys(this.remote)) {
      if (this.remote[kind]) this.onMedia(kind, null);
    }
    this.pc.close();
  }
}
