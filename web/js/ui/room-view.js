// The in-call screen: stage + panels + control bar, wired to a Room.

import { h, mount } from './dom.js';
import { icon } from './icons.js';
import { Stage } from './stage.js';
import { ChatPanel } from './chat.js';
import { PeoplePanel } from './people.js';
import { Controls } from './controls.js';
import { helpOverlay, askPassword } from './overlays.js';
import { StatsOverlay } from './stats-overlay.js';
import { InviteCard } from './invite.js';
import { openMenu, closeMenu } from './menu.js';
import { openSettings } from './settings-dialog.js';
import { toast } from './toasts.js';
import { actionForKey } from '../shortcuts.js';
import { errorMessage } from './messages.js';
import { openEffectsDialog, tierBadge, effectToasts } from './effects-dialog.js';
import { REACTIONS, REACTION_INFO } from '../reactions.js';
import { t, tc } from '../i18n.js';

export class RoomView {
  /**
   * @param {import('../room.js').Room} room
   * @param {(e: {code: string}) => void} onEnded
   * @param {{rebuild?: () => void}} [hooks]  rebuild: make the view again (a new language)
   */
  constructor(room, onEnded, hooks = {}) {
    this.room = room;
    this.onEnded = onEnded;
    this.hooks = hooks;
    this.panels = { chat: false, people: false, stats: false, help: false };
    this.stage = new Stage();
    this.stage.setLabel(t('Participants video'));
    this.stage.onChange = () => this.controls.update({ layout: this.stage.layoutName });
    this.stage.onViews = (v) => this.room.setViews?.(v);
    this.chat = new ChatPanel({ send: (text) => room.sendChat(text),
      onUnread: (n) => this.controls.setUnread(n),
      loadEarlier: async () => { await room.chatHistory(); },
      nameOf: (id) => room.participants().find((p) => p.id === id)?.displayName ?? null });
    this.people = new PeoplePanel(this._ownerActions());
    this.controls = new Controls((a, anchor) => this.act(a, anchor));
    this.controls.setScreenSupported(Boolean(navigator.mediaDevices?.getDisplayMedia));
    this.stats = new StatsOverlay(room, this.stage);
    this.help = helpOverlay(() => this._setPanel('help', false));
    this.invite = new InviteCard(`${location.origin}/r/${room.roomId}`);
    this.stage.el.append(this.invite.el);
    this.title = h('h1', { class: 'room-title' });
    this.lockMark = h('span', { class: 'lock-mark', role: 'img', 'aria-label': t('Locked'), hidden: true }, icon('lock'));
    this.conn = h('span', { class: 'conn', role: 'status' });
    this.el = h('div', { class: 'room' },
      h('header', { class: 'topbar' }, this.title, this.lockMark, this.conn),
      h('main', { class: 'main', 'aria-label': t('Call') }, this.stage.el, this.chat.el, this.people.el),
      this.controls.el, this.help);
    this.unsub = [];
    this._listen();
    this.badge = tierBadge(room.media.effects);
    this.stage.tile('self', 'camera').el.append(this.badge.el);
    this.unsub.push(effectToasts(room.media.effects), () => this.badge.destroy());
    this.keyHandler = (e) => this._onKey(e);
    document.addEventListener('keydown', this.keyHandler);
    mount(this.el);
    this._renderAll();
  }

  _on(event, fn) {
    this.room.on(event, fn);
    this.unsub.push(() => this.room.off(event, fn));
  }

  _listen() {
    this._on('roster', () => this._renderRoster());
    this._on('joined', (j) => this._onJoined(j));
    this._on('room', (r) => this._renderRoom(r));
    this._on('media', ({ peerId, kind, track }) => this._onMedia(peerId, kind, track));
    this._on('local-track', () => this._renderLocal());
    this._on('local', () => this._renderLocal());
    this._on('chat', (m) => this.chat.add(m, this.room.state.self?.id));
    this._on('chat-history', ({ messages }) => {
      this.chat.insert(messages, this.room.state.self?.id);
      this.chat.setMore(this.room.chatMore());
    });
    this._on('speaker', (id) => this.stage.setSpeaker(id));
    this._on('video-paused', ({ ids }) => this.stage.setVideoPaused(ids));
    this._on('connection', (s) => this._renderConn(s));
    this._on('participant-joined', (p) => toast(t('{name} joined', { name: this.room.displayName(p.id) })));
    this._on('participant-left', (p) => this._onLeft(p));
    this._on('participant-updated', (p) => this._onUpdated(p));
    this._on('reaction', (r) => this._onReaction(r));
    this._on('mute-request', (m) => toast(t('{name} asked you to mute. Your microphone is off.', { name: m.name })));
    this._on('error', (e) => { if (e.code !== 'replaced') toast(errorMessage(e), 'error', 6000); });
    this._on('ended', (e) => this._ended(e));
    this.sinkFn = (id) => this.stage.setSink(id);
    this.room.media.on('sink', this.sinkFn);
    this.qualityFn = (q) => this._setAudioOnly(q === 'audio-only');
    this.room.media.on('quality', this.qualityFn);
    // A speaker chosen on the pre-join screen applies in the call too.
    if (this.room.media.prefs.audiooutput) this.stage.setSink(this.room.media.prefs.audiooutput);
  }

  _renderAll() {
    this._renderRoster();
    this._renderRoom({ ...this.room.state.room, owner: this.room.state.owner });
    this._renderLocal();
    this.chat.setHistory(this.room.state.chat, this.room.state.self?.id);
    this.chat.setMore(this.room.chatMore());
    for (const m of this.room.remoteMedia()) this._onMedia(m.peerId, m.kind, m.track);
    this._renderConn(this.room.connectionState());
    this._setAudioOnly(this.room.media.prefs.videoQuality === 'audio-only');
  }

  _onJoined(j) {
    if (j.newId) toast(t('Reconnected to a restarted server.'));
    else if (j.again) toast(t('Reconnected.'));
    this.chat.setHistory(this.room.state.chat, this.room.state.self?.id);
    this._renderAll();
  }

  _renderRoster() {
    const self = this.room.self();
    const participants = this.room.participants();
    const ids = new Set(participants.map((p) => p.id));
    for (const key of [...this.stage.tiles.keys()]) {
      const id = key.slice(0, key.lastIndexOf(':'));
      if (id !== 'self' && !ids.has(id)) this.stage.removePeer(id);
    }
    const colours = this.room.avatarColours();
    for (const p of participants) {
      this.stage.tile(p.id, 'camera');
      this._info(p.id, p, false, colours.get(p.id));
    }
    if (self) this._info('self', { ...self, ...this.room.localState() }, true, colours.get(self.id));
    this.people.render(self, participants, colours);
    this.invite.setAlone(participants.length === 0);
  }

  /** Labels of a participant's tiles: "Bob (2)", "Ann (you)", "Bob (2)'s screen". */
  _info(peerId, p, isSelf, colour = this.room.avatarColours().get(isSelf ? p.id : peerId)) {
    const name = p.displayName ?? p.name;
    const cam = isSelf ? t('{name} (you)', { name }) : name;
    this.stage.tiles.get(`${peerId}:camera`)?.setInfo(p, cam, p.name, colour);
    this.stage.tiles.get(`${peerId}:screen`)?.setInfo(p, t('{name}\u2019s screen', { name: cam }), p.name, colour);
  }

  _renderRoom(r) {
    if (!r) return;
    this.people.setRoom(r);
    const title = r.name || t('Meeting');
    this.title.textContent = title;
    this.lockMark.hidden = !r.locked;
    document.title = `${title} · BuzzStream`;
    this._renderRoster();
  }

  _renderLocal() {
    const m = this.room.media;
    const s = this.room.localState();
    this.stage.setVideo('self', 'camera', m.cameraOut);
    this.stage.setVideo('self', 'screen', m.tracks.screen);
    const self = this.room.self();
    if (self) this._info('self', { ...self, ...s }, true);
    this.controls.update({ ...s, ...this.panels, layout: this.stage.layoutName });
  }

  _renderConn(s) {
    const text = { reconnecting: t('Reconnecting…'), closed: t('Disconnected'), connecting: t('Connecting…') };
    this.conn.textContent = text[s] ?? '';
    this.el.classList.toggle('offline', s === 'reconnecting');
  }

  _onMedia(peerId, kind, track) {
    if (kind === 'audio') { this.stage.setAudio(peerId, track); return; }
    this.stage.setVideo(peerId, kind, track);
    const p = this.room.participants().find((q) => q.id === peerId);
    if (p) this._info(peerId, p, false);
  }

  _onLeft(p) {
    this.stage.removePeer(p.id);
    const name = p.displayName ?? p.name ?? t('Someone');
    const text = p.reason === 'removed' ? t('{name} was removed', { name }) :
      p.reason === 'timeout' || p.reason === 'disconnected' ? t('{name} lost the connection', { name }) :
        t('{name} left', { name });
    toast(text);
  }

  _onUpdated(p) {
    const prev = this._hands ?? (this._hands = new Map());
    const isSelf = p.id === this.room.state.self?.id;
    if (p.hand && !prev.get(p.id) && !isSelf) toast(t('{name} raised a hand', { name: this.room.displayName(p.id) }), 'info', 4000, 'hand');
    prev.set(p.id, p.hand);
  }

  _onReaction({ from, kind }) {
    const self = from === this.room.state.self?.id;
    const who = self ? t('You') : this.room.displayName(from);
    this.stage.react(self ? 'self' : from, kind, who);
  }

  _setAudioOnly(on) {
    this.audioOnly = on;
    this.stage.el.classList.toggle('audio-only', on);
    // The others stop sending their cameras (Room tells them); screen shares still show.
    for (const m of this.room.remoteMedia()) if (m.kind === 'camera') m.track.enabled = !on;
  }

  _ownerActions() {
    const run = async (promise, ok) => {
      try { await promise; if (ok) toast(ok); } catch (e) { toast(errorMessage(e), 'error'); }
    };
    return {
      lock: (on) => run(this.room.lock(on), on ? t('Room locked') : t('Room unlocked')),
      changePassword: async () => {
        const pw = await askPassword();
        if (pw !== null) run(this.room.setPassword(pw), pw ? t('Password changed') : t('Password removed'));
      },
      muteEveryone: () => run(this.room.muteEveryone(), t('Asked everyone to mute')),
      askToMute: (id, name) => run(this.room.askToMute(id), t('Asked {name} to mute', { name })),
      // One notice only: "<name> was removed" arrives with participant-left.
      remove: (id) => run(this.room.remove(id), null),
    };
  }

  _onKey(e) {
    const tg = e.target;
    const action = actionForKey({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey,
      altKey: e.altKey, repeat: e.repeat, targetTag: tg?.tagName, editable: tg?.isContentEditable });
    if (!action) return;
    if (document.querySelector('.overlay[role="dialog"]:not([hidden])') && action !== 'close') return;
    if (action === 'close' && !this._closeTop()) return;
    e.preventDefault();
    if (action !== 'close') this.act(action);
  }

  /** Esc: closes a menu, then help, then stats, then the open side panel. */
  _closeTop() {
    if (closeMenu()) return true;
    for (const p of ['help', 'stats', 'chat', 'people']) {
      if (this.panels[p]) { this._setPanel(p, false); return true; }
    }
    return false;
  }

  _setPanel(name, open) {
    this.panels[name] = open;
    if (name === 'chat' || name === 'people') {
      const other = name === 'chat' ? 'people' : 'chat';
      if (open && this.panels[other]) this._setPanel(other, false);
      this[name].setOpen(open);
    }
    if (name === 'help') this.help.hidden = !open;
    if (name === 'stats') this.stats.set(open);
    this.controls.update(this.panels);
    requestAnimationFrame(() => this.stage.layout());
  }

  async act(action, anchor) {
    const fn = ACTIONS[action];
    if (!fn) return;
    try {
      await fn.call(this, anchor);
    } catch (err) {
      if (err?.name === 'NotAllowedError' && action === 'toggle-share') return;  // cancelled
      toast(errorMessage(err), 'error');
    }
    this._renderLocal();
  }

  _ended(e) {
    this.destroy();
    this.onEnded(e);
  }

  destroy() {
    closeMenu();
    this.stats.set(false);
    document.removeEventListener('keydown', this.keyHandler);
    for (const u of this.unsub) u();
    this.room.media.off('sink', this.sinkFn);
    this.room.media.off('quality', this.qualityFn);
    this.stage.destroy();
  }
}

const ACTIONS = {
  'toggle-mic'() { return this.room.setMic(!this.room.media.micActive); },
  'toggle-camera'() { return this.room.setCamera(!this.room.media.cameraActive); },
  'toggle-share'() {
    return this.room.media.tracks.screen ? this.room.stopShare() : this.room.shareScreen();
  },
  'toggle-hand'() { return this.room.raiseHand(!this.room.state.self?.hand); },
  'toggle-chat'() { this._setPanel('chat', !this.panels.chat); },
  'toggle-people'() { this._setPanel('people', !this.panels.people); },
  'toggle-stats'() { this._setPanel('stats', !this.panels.stats); },
  'toggle-help'() { this._setPanel('help', !this.panels.help); },
  'toggle-effects'() { return openEffectsDialog(this.room.media.effects); },
  'open-settings'() {
    openSettings(this.room.media, {
      onQuality: (q) => this._setAudioOnly(q === 'audio-only'),
      onLanguage: () => this.hooks.rebuild?.(),
    });
  },
  'open-layout'(anchor) {
    const cur = this.stage.layoutName;
    openMenu(anchor ?? this.controls.buttons.get('layout'), t('Change layout'), [
      { label: t('Grid'), icon: 'grid', radio: true, checked: cur === 'grid', onSelect: () => this.stage.setLayout('grid') },
      { label: tc('layout', 'Speaker'), icon: 'speakerView', radio: true, checked: cur === 'speaker', onSelect: () => this.stage.setLayout('speaker') },
    ]);
  },
  'open-reactions'(anchor) {
    openMenu(anchor ?? this.controls.buttons.get('reactions'), t('Reactions'),
      REACTIONS.map((kind) => ({ label: t(REACTION_INFO[kind][1]), icon: REACTION_INFO[kind][0],
        onSelect: () => this.room.react(kind).catch((e) => toast(errorMessage(e), 'error')) })),
      { toolbar: true, className: 'reactions-bar' });
  },
  async 'copy-link'() { await this.invite.copy(); },
  leave() { return this.room.leave(); },
};
