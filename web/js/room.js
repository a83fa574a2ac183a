// The session in one room: signaling + roster + mesh + local media. The UI and
// window.buzzstream both talk to this object; it emits the events of docs/client-api.md.

import { Emitter } from './emitter.js';
import { Signaling, codedError } from './signaling.js';
import { Mesh } from './call.js';
import { SfuCall } from './sfu/sfu-call.js';
import { MediaHandover } from './handover.js';
import { LocalMedia, levelMeter } from './media.js';
import { emptyRoster, reduceRoster, chatGaps, everyone } from './roster.js';
import { displayNames, avatarColours } from './identity.js';
import { t } from './i18n.js';
import { holdSeat, releaseSeat, seatElsewhere } from './seat.js';
import { REACTIONS, ReactionBucket } from './reactions.js';
import { ownerToken } from './api.js';
import { cleanName, checkChat } from './text.js';
import { pickSpeaker, windowLevel } from './speaker.js';

const SPEAKER_POLL_MS = 300;

const HISTORY_LIMIT_MAX = 100;       // chat-history's limit range (docs/protocol.md)
const GAP_FILL_REQUESTS = 5;         // chat-history requests one gap check may make

/** The receiver's played-out audio energy counters (for windowLevel), or null. */
async function inboundEnergy(receiver) {
  let report;
  try { report = await receiver.getStats(); } catch { return null; }
  for (const s of report.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'audio' && Number.isFinite(s.totalAudioEnergy)) {
      return { energy: s.totalAudioEnergy, duration: s.totalSamplesDuration ?? 0 };
    }
  }
  return null;
}

export class Room extends Emitter {
  constructor(roomId) {
    super();
    this.roomId = roomId;
    this.media = new LocalMedia();
    this.sig = null;
    this.mesh = new Mesh((to, data) => this.sig?.send({ type: 'relay', to, data }));
    this.handover = null;             // MediaHandover while a call moves to buzzd
    this.state = emptyRoster();
    this.joinOpts = null;
    this.pendingChats = [];
    this.gapsTried = new Set();       // chat gaps asked for once already (`${before}:${count}`)
    this.gapFilling = false;
    this.speaker = { id: null, since: 0 };
    this.speakerTimer = 0;
    this.speakerBusy = false;
    this.speakerEnergy = new Map(); // peer id → last inbound audio energy counters
    this.serverSpeaker = null;        // the last active-speaker of buzzd (SFU rooms)
    this.localLevel = null;           // () => 0..1 for the local microphone
    this._listen(this.mesh);
    // "Audio only" receives no camera video at all, not just hides it.
    this.media.on('quality', (q) => this.mesh.setCameraWanted(q !== 'audio-only'));
    this.media.publishSink = (kind, track) => this._onLocalTrack(kind, track);
    this.media.effects.on('effect-tier', (t) => this.emit('effect-tier', t));
    this.media.effects.on('error', (e) => this.emit('error', e));
    this.encoderTimer = 0;
    this.prevOutbound = null;
    this.reactionBucket = new ReactionBucket();
  }

  connectionState() { return this.sig ? this.sig.state : 'idle'; }
  self() {
    const s = this.state.self;
    return s ? { ...s, displayName: this.displayName(s.id) } : null;
  }
  participants() {
    const names = displayNames(everyone(this.state));
    return this.state.participants.map((p) => ({ ...p, displayName: names.get(p.id) ?? p.name }));
  }
  /** id → avatar colour for everyone here, self included (identity.js). */
  avatarColours() { return avatarColours(everyone(this.state)); }
  /** "Bob", or "Bob (2)" for the second Bob to join (identity.js). */
  displayName(id) {
    const names = displayNames(everyone(this.state));
    return names.get(id) ?? t('Someone');
  }
  chat() { return this.state.chat.map((c) => ({ ...c })); }
  /** Whether the server has chat older than the oldest message held. */
  chatMore() { return this.state.chatMore; }
  get joined() { return Boolean(this.state.self) && this.connectionState() !== 'closed'; }

  /**
   * Joins with the devices already started on this.media (the pre-join screen or join()
   * starts them). Resolves {id, participants}; rejects with err.code from the server.
   */
  async join({ name, password, iceTransportPolicy, takeover, seat: known } = {}) {
    if (this.joined) throw codedError('already_joined', 'Already in the room.');
    this.joinOpts = { iceTransportPolicy: iceTransportPolicy === 'relay' ? 'relay' : 'all' };
    // "Join here": the seat another page of this profile holds, taken with its token (the
    // pre-join screen found it already; join({takeover: true}) of the API asks now).
    const seat = takeover !== true ? null : known ?? await seatElsewhere(this.roomId, { live: false });
    const sig = this._newSignaling();
    await sig.connect();
    const params = { room: this.roomId, name: cleanName(name) || seat?.name || 'Guest',
      state: { mic: this.media.micActive, camera: this.media.cameraActive,
        screen: false, hand: false } };
    if (password) params.password = String(password);
    const owner = ownerToken(this.roomId);
    if (owner) params.owner_token = owner;
    let msg;
    try {
      msg = await sig.join(seat ? { ...params, token: seat.token } : params);
    } catch (err) {
      sig.close();
      this.sig = null;
      throw err;
    }
    sig.joinParams = params;   // rejoins use the token of our own joined, never the old page's
    this._onJoined(msg, false);
    this._startSpeakerLoop();
    this._startEncoderLoop();
    return { id: this.state.self.id, participants: this.participants() };
  }

  _newSignaling() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const sig = new Signaling(`${proto}//${location.host}/ws`);
    this.sig = sig;
    sig.on('state', (s) => this.emit('connection', s));
    sig.on('message', (m) => this._onMessage(m));
    sig.on('rejoined', (m) => this._onJoined(m, true));
    sig.on('rejoin-failed', (err) => this._fail(err));
    sig.on('closed', ({ code }) => {
      if (code === 4003) this._fail(codedError('replaced', 'This room was opened in another tab.'));
    });
    return sig;
  }

  _onJoined(msg, again) {
    const before = this.state.self?.id;
    this.state = reduceRoster(this.state, msg);
    const self = this.state.self;
    this._useMedia(msg.media);
    this.iceServers = msg.ice_servers;
    this.mesh.configure(self.id, msg.ice_servers, this.joinOpts.iceTransportPolicy);
    this.mesh.sync(this.state.participants.map((p) => p.id));
    if (msg.publishers) this.mesh.handleServer?.({ type: 'sfu-publishers', publishers: msg.publishers });
    // Our live state may have changed while we were away (or the server restarted).
    if (again) this._pushState();
    if (this.sig?.token) holdSeat(this.roomId, self.id, this.sig.token, self.name);
    this.emit('joined', { id: self.id, participants: this.participants(), again,
      newId: again && before !== self.id });
    this.emit('roster', this.participants());
    this.emit('room', { ...this.state.room, owner: this.state.owner });
    if (again) this._fillChatGaps();
  }

  /**
   * SFU rooms talk to buzzd (web/js/sfu/); p2p rooms keep the mesh as it is. handover: a
   * running call moves (media-changed); to the SFU the peer-to-peer connections keep playing
   * until the new ones carry media (handover.js). Back to p2p buzzd has already dropped its
   * side, so the old connections close at once.
   */
  _useMedia(media, { handover = false } = {}) {
    const sfu = media === 'sfu';
    if (sfu === this.mesh instanceof SfuCall) return;
    this._endHandover();
    this.serverSpeaker = null;
    this.videoPaused = [];
    const old = this.mesh;
    this.mesh = sfu ? new SfuCall((m) => this.sig?.send(m)) :
      new Mesh((to, data) => this.sig?.send({ type: 'relay', to, data }));
    this.mesh.local = { ...old.local };
    this.mesh.setCameraWanted?.(old.cameraWanted !== false);
    if (this.views) this.mesh.setViews?.(this.views);
    this._listen(this.mesh);
    if (!handover || !sfu) {
      old.closeAll();
      return;
    }
    const expect = [];
    for (const p of this.state.participants) {
      if (p.id === this.state.self?.id) continue;
      if (p.camera) expect.push(`${p.id}:camera`);
      if (p.mic) expect.push(`${p.id}:audio`);
    }
    this.handover = new MediaHandover(old, expect, (m) => this._onMedia(m), () => { this.handover = null; });
  }

  /** The page's camera tiles (stage.js → sfu-view in SFU mode; the mesh has no use for them). */
  setViews(views) {
    this.views = views;
    this.mesh.setViews?.(views);
  }

  /** Media events of a connection set: through the handover while one runs, else the current set's only. */
  _listen(mesh) {
    mesh.on('media', (m) => {
      const h = this.handover?.done ? null : this.handover;
      if (h && (mesh === h.old || mesh === this.mesh)) h.route(mesh === h.old, m);
      else if (mesh === this.mesh) this._onMedia(m);
    });
  }

  _endHandover() {
    this.handover?.finish();
    this.handover = null;
  }

  _fail(err) {
    this.emit('error', { code: err.code || 'error', message: err.message });
    this._teardown();
    this.emit('ended', { code: err.code });
  }

  _onMessage(m) {
    const prev = this.state;
    this.state = reduceRoster(prev, m);
    const fn = Object.hasOwn(HANDLERS, m.type) ? HANDLERS[m.type] : null;
    if (fn) fn.call(this, m, prev);
  }

  _rosterChanged() { this.emit('roster', this.participants()); }

  _findName(id) { return this.displayName(id); }

  // ---- local controls -------------------------------------------------------------

  _pushState() {
    this.sig?.send({ type: 'update', mic: this.media.micActive, camera: this.media.cameraActive,
      screen: Boolean(this.media.tracks.screen), hand: Boolean(this.state.self?.hand) });
  }

  _onLocalTrack(kind, track) {
    const sent = this.mesh.setLocal(kind, track);
    if (kind === 'audio') this._resetLevel(track);
    this.emit('local-track', { kind, track });
    if (this.joined) this._pushState();
    return sent;
  }

  _resetLevel(track) {
    this.localLevel?.close();
    this.localLevel = null;
    if (track) this.localLevel = levelMeter(track);
  }

  async setMic(on) {
    const code = await this.media.setMic(Boolean(on));
    if (code) this.emit('error', { code, message: `Microphone: ${code}` });
    this._pushState();
    this.emit('local', this.localState());
  }

  async setCamera(on) {
    const code = await this.media.setCamera(Boolean(on));
    if (code) this.emit('error', { code, message: `Camera: ${code}` });
    this._pushState();
    this.emit('local', this.localState());
  }

  async shareScreen() {
    await this.media.shareScreen();
    this.emit('local', this.localState());
  }

  async stopShare() {
    this.media.stopShare();
    this.emit('local', this.localState());
  }

  async raiseHand(on) {
    if (!this.state.self) return;
    this.state = { ...this.state, self: { ...this.state.self, hand: Boolean(on) } };
    this._pushState();
    this.emit('local', this.localState());
  }

  localState() {
    return { mic: this.media.micActive, camera: this.media.cameraActive,
      screen: Boolean(this.media.tracks.screen), hand: Boolean(this.state.self?.hand) };
  }

  /** Resolves when the server echoes the message back; rejects on its error. */
  sendChat(text) {
    const c = checkChat(text);
    if (!c.ok) return Promise.reject(codedError(c.error, `Message is ${c.error.replace('_', ' ')}`));
    if (!this.sig) return Promise.reject(codedError('not_joined', 'Not in a room.'));
    const id = this.sig.nextId++;
    return new Promise((resolve, reject) => {
      const entry = { id, text: c.text, resolve, reject };
      entry.timer = setTimeout(() => this._settleChat(entry, codedError('timeout', 'No echo.')),
        10000);
      this.pendingChats.push(entry);
      if (!this.sig.send({ type: 'chat', text: c.text, id })) {
        this._settleChat(entry, codedError('disconnected', 'Not connected.'));
      }
    });
  }

  /**
   * chat-history (docs/client-api.md): messages older than `before` (default: the oldest
   * held), at most `limit` (1..100, default 50). They join the room's chat (in id order,
   * without duplicates). Resolves {messages (oldest first), more}.
   */
  async chatHistory({ before, limit } = {}) {
    if (!this.sig || !this.joined) throw codedError('not_joined', 'Not in a room.');
    const b = before ?? this.state.chat[0]?.id ?? Number.MAX_SAFE_INTEGER;
    const n = limit ?? 50;
    if (!Number.isSafeInteger(b) || b < 1) throw codedError('bad_message', 'before must be a chat id.');
    if (!Number.isInteger(n) || n < 1 || n > HISTORY_LIMIT_MAX) {
      throw codedError('bad_message', 'limit must be 1 to 100.');
    }
    const r = await this.sig.request({ type: 'chat-history', before: b, limit: n });
    const ids = new Set((Array.isArray(r.messages) ? r.messages : []).map((m) => m?.id));
    this.state = reduceRoster(this.state, { ...r, type: 'chat-history', before: b });
    // The reply's messages as the room holds them now: checked, in id order.
    const messages = this.state.chat.filter((c) => ids.has(c.id)).map((c) => ({ ...c }));
    const more = r.more === true;
    this.emit('chat-history', { messages, more });
    return { messages, more };
  }

  /** Pages back the messages the server dropped for us (a slow link) or sent while we were
   * reconnecting: chat ids increase by one, so a hole in them is a loss. Best effort. */
  async _fillChatGaps() {
    if (this.gapFilling) return;
    this.gapFilling = true;
    try {
      for (let i = 0; i < GAP_FILL_REQUESTS; i++) {
        const gap = chatGaps(this.state.chat).find((g) => !this.gapsTried.has(`${g.before}:${g.count}`));
        if (!gap || !this.joined) return;
        this.gapsTried.add(`${gap.before}:${gap.count}`);
        await this.chatHistory({ before: gap.before, limit: Math.min(gap.count, HISTORY_LIMIT_MAX) });
      }
    } catch { /* a later message tries again */ } finally {
      this.gapFilling = false;
    }
  }

  _settleChat(entry, err, msg) {
    const i = this.pendingChats.indexOf(entry);
    if (i < 0) return;
    this.pendingChats.splice(i, 1);
    clearTimeout(entry.timer);
    if (err) entry.reject(err); else entry.resolve(msg);
  }

  // ---- owner actions --------------------------------------------------------------

  ownerAction(msg) {
    if (!this.sig) return Promise.reject(codedError('not_joined', 'Not in a room.'));
    return this.sig.request(msg);
  }

  lock(locked) { return this.ownerAction({ type: 'lock', locked: Boolean(locked) }); }
  setPassword(pw) { return this.ownerAction({ type: 'set-password', password: pw || null }); }
  askToMute(id) { return this.ownerAction({ type: 'mute-request', to: id }); }
  remove(id) { return this.ownerAction({ type: 'remove', to: id }); }
  /** Sends the mute request to every other participant; resolves how many got it. */
  async muteEveryone() {
    const ids = this.state.participants.map((p) => p.id);
    const r = await Promise.allSettled(ids.map((id) => this.askToMute(id)));
    const failed = r.find((x) => x.status === 'rejected');
    if (failed && r.every((x) => x.status === 'rejected')) throw failed.reason;
    return r.filter((x) => x.status === 'fulfilled').length;
  }

  // ---- reactions ------------------------------------------------------------------

  /** Sends a reaction (reactions.js REACTIONS); everyone, we too, gets a `reaction` event. */
  async react(kind) {
    if (!REACTIONS.includes(kind)) {
      throw codedError('bad_message', `kind must be one of ${REACTIONS.join(', ')}`);
    }
    if (!this.sig || !this.joined) throw codedError('not_joined', 'Not in a room.');
    // The server's budget, kept here too, so a held key never reaches its error.
    if (!this.reactionBucket.take(Date.now())) {
      throw codedError('rate_limited', 'At most 2 reactions a second.');
    }
    if (!this.sig.send({ type: 'reaction', kind })) throw codedError('disconnected', 'Not connected.');
  }

  // ---- media and stats ------------------------------------------------------------

  _onMedia({ peerId, kind, track }) {
    if (track) this.emit('track', { peerId, kind, track });
    this.emit('media', { peerId, kind, track });
  }

  remoteMedia() { return this.mesh.remoteMedia(); }
  stats() { return this.mesh.stats(); }

  /** localStats() of docs/client-api.md: the outgoing camera video and the effect. */
  async localStats() {
    const video = this.joined ? await this.mesh.outboundVideo() : null;
    return { video, effects: this.media.effects.localStats() };
  }

  /** The encoder competes with the effect for the CPU: its state feeds the tier policy. */
  _startEncoderLoop() {
    clearInterval(this.encoderTimer);
    this.encoderTimer = setInterval(async () => {
      if (!this.media.effects.active) return;
      const v = await this.mesh.outboundVideo().catch(() => null);
      if (v) this.media.effects.encoder(v.qualityLimitationReason, v.encodeMsPerFrame);
    }, 1000);
  }

  _startSpeakerLoop() {
    clearInterval(this.speakerTimer);
    this.speakerTimer = setInterval(() => this._pollSpeaker(), SPEAKER_POLL_MS);
  }

  async _pollSpeaker() {
    if (this.speakerBusy) return;     // a slow getStats must not pile polls up
    if (this.serverSpeaker && this.mesh instanceof SfuCall) return; // buzzd names the speaker
    this.speakerBusy = true;
    try {
      const levels = {};
      const energies = new Map();
      await Promise.all([...this.mesh.peers].map(async ([id, p]) => {
        const rx = p.pc.getReceivers?.().find((r) => r.track && r.track === p.remote.audio);
        if (!rx) { levels[id] = 0; return; }
        const src = rx.getSynchronizationSources?.()[0];
        const now = src && performance.now() - src.timestamp < 1000 ? src.audioLevel ?? 0 : 0;
        const cur = await inboundEnergy(rx);
        if (cur) energies.set(id, cur);
        levels[id] = Math.max(now, cur ? windowLevel(this.speakerEnergy.get(id) ?? null, cur) : 0);
      }));
      this.speakerEnergy = energies;
      if (this.localLevel && this.media.micActive) levels.self = this.localLevel.read() / 5;
      const next = pickSpeaker(levels, this.speaker, Date.now());
      if (next.id !== this.speaker.id) this.emit('speaker', next.id);
      this.speaker = next;
    } finally {
      this.speakerBusy = false;
    }
  }

  async leave() {
    await this.sig?.leave();
    this._teardown();
    this.emit('ended', { code: 'left' });
  }

  _teardown() {
    releaseSeat(this.roomId);
    clearInterval(this.speakerTimer);
    clearInterval(this.encoderTimer);
    this.media.effects.destroy();
    this.sig?.close();
    this._endHandover();
    this.mesh.closeAll();
    this.media.stopAll();
    this.localLevel?.close();
    this.localLevel = null;
    for (const e of [...this.pendingChats]) this._settleChat(e, codedError('closed', 'Left.'));
    this.state = { ...emptyRoster(), chat: this.state.chat };
  }
}

// Server message handlers, after the roster reducer has run (docs/protocol.md).
const HANDLERS = {
  'participant-joined'(m) {
    const p = this.state.participants.find((q) => q.id === m.participant?.id);
    if (!p) return;
    this.mesh.sync(this.state.participants.map((q) => q.id));
    this.emit('participant-joined', { ...p });
    this._rosterChanged();
  },
  'participant-left'(m, prev) {
    if (typeof m.id !== 'string') return;
    this.mesh.remove(m.id);
    this.handover?.forget(m.id);
    const who = prev.participants.find((q) => q.id === m.id);
    const shown = displayNames(everyone(prev)).get(m.id);
    this.emit('participant-left', { id: m.id, reason: m.reason, name: who?.name, displayName: shown });
    this._rosterChanged();
  },
  'participant-updated'(m) {
    if (!m.participant) return;
    this.emit('participant-updated', { ...m.participant });
    this._rosterChanged();
  },
  'room-updated'() { this.emit('room', { ...this.state.room, owner: this.state.owner }); },
  relay(m) { this.mesh.handleRelay(m.from, m.data); },
  'sfu-answer'(m) { this.mesh.handleServer?.(m); },
  'sfu-publishers'(m) { this.mesh.handleServer?.(m); },
  'active-speaker'(m) {
    // buzzd weighs every microphone of an SFU room, so every page rings the same person.
    if (!(this.mesh instanceof SfuCall) || typeof m.id !== 'string') return;
    const id = m.id === this.state.self?.id ? 'self' : m.id;
    if (id !== 'self' && !this.state.participants.some((p) => p.id === id)) return;
    this.serverSpeaker = id;
    if (id !== this.speaker.id) this.emit('speaker', id);
    this.speaker = { id, since: Date.now() };
  },
  'video-paused'(m) {
    // Last-N: buzzd sends this page the cameras of those heard most recently that its
    // bandwidth carries; the others' video is paused (their sound is not).
    if (!(this.mesh instanceof SfuCall) || !Array.isArray(m.ids)) return;
    const known = new Set(this.state.participants.map((p) => p.id));
    const ids = [...new Set(m.ids.filter((id) => typeof id === 'string' && known.has(id)))].slice(0, 64);
    this.videoPaused = ids;
    this.emit('video-paused', { ids: [...ids] });
  },
  'media-changed'(m) {
    const self = this.state.self;
    if (!self || (m.media !== 'sfu' && m.media !== 'p2p')) return;
    this._useMedia(m.media, { handover: true });
    if (m.media !== 'sfu' && this.videoPaused?.length) {
      this.videoPaused = [];
      this.emit('video-paused', { ids: [] });
    }
    this.mesh.configure(self.id, this.iceServers, this.joinOpts.iceTransportPolicy);
    this.mesh.sync(this.state.participants.map((p) => p.id));
  },
  chat(m, prev) {
    const msg = this.state.chat[this.state.chat.length - 1];
    this.emit('chat', { ...msg });
    const last = prev.chat[prev.chat.length - 1];
    if (last && Number.isFinite(m.id) && m.id > last.id + 1) this._fillChatGaps();
    if (m.from === this.state.self?.id) {
      const e = this.pendingChats.find((x) => x.text === m.text);
      if (e) this._settleChat(e, null, msg);
    }
  },
  reaction(m) {
    if (typeof m.from !== 'string' || !REACTIONS.includes(m.kind)) return;
    const from = m.from === this.state.self?.id ? m.from :
      this.state.participants.some((p) => p.id === m.from) ? m.from : null;
    if (from) this.emit('reaction', { from, kind: m.kind });
  },
  'mute-request'(m) {
    this.setMic(false);
    this.emit('mute-request', { from: m.from, name: this._findName(m.from) });
  },
  removed(m) {
    this.emit('removed', { by: m.by });
    this._teardown();
    this.emit('ended', { code: 'removed' });
  },
  error(m) {
    const e = this.pendingChats.find((x) => x.id === m.id);
    const err = codedError(m.code, m.message);
    if (e) { this._settleChat(e, err); return; }
    this.emit('error', { code: m.code, message: m.message });
  },
};
