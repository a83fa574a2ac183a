// The in-call screen: stage + panels + control bar, wired to a Room.

import { h, mount } from './dom.js';
import { Grid } from './grid.js';
import { ChatPanel } from './chat.js';
import { PeoplePanel } from './people.js';
import { Controls } from './controls.js';
import { helpOverlay, askPassword, statsText, localStatsText } from './overlays.js';
import { toast } from './toasts.js';
import { actionForKey } from '../shortcuts.js';
import { errorMessage } from './messages.js';
import { openEffectsDialog, tierBadge, effectToasts } from './effects-dialog.js';

export class RoomView {
  /** @param {import('../room.js').Room} room  @param {() => void} onEnded */
  constructor(room, onEnded) {
    this.room = room;
    this.onEnded = onEnded;
    this.panels = { chat: false, people: false, stats: false, help: false };
    this.grid = new Grid();
    this.chat = new ChatPanel({ send: (t) => room.sendChat(t),
      onUnread: (n) => this.controls.setUnread(n),
      loadEarlier: async () => { await room.chatHistory(); } });
    this.people = new PeoplePanel(this._ownerActions());
    this.controls = new Controls((a) => this.act(a));
    this.controls.setScreenSupported(Boolean(navigator.mediaDevices?.getDisplayMedia));
    this.help = helpOverlay(() => this._setPanel('help', false));
    this.title = h('h1', { class: 'room-title' });
    this.conn = h('span', { class: 'conn', role: 'status' });
    this.el = h('div', { class: 'room' },
      h('header', { class: 'topbar' }, this.title, this.conn),
      h('div', { class: 'main' }, this.grid.el, this.chat.el, this.people.el),
      this.controls.el, this.help);
    this.unsub = [];
    this.statsTimer = 0;
    this._listen();
    this.badge = tierBadge(room.media.effects);
    this.grid.tile('self', 'camera').el.append(this.badge.el);
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
    this._on('speaker', (id) => this.grid.setSpeaker(id));
    this._on('connection', (s) => this._renderConn(s));
    this._on('participant-joined', (p) => toast(`${p.name} joined`));
    this._on('participant-left', (p) => this._onLeft(p));
    this._on('participant-updated', (p) => this._onUpdated(p));
    this._on('mute-request', (m) => toast(`${m.name} asked you to mute. Your microphone is off.`));
    this._on('error', (e) => toast(errorMessage(e), 'error', 6000));
    this._on('ended', (e) => this._ended(e));
    this.sinkFn = (id) => this.grid.setSink(id);
    this.room.media.on('sink', this.sinkFn);
    // A speaker chosen on the pre-join screen applies in the call too.
    if (this.room.media.prefs.audiooutput) this.grid.setSink(this.room.media.prefs.audiooutput);
  }

  _renderAll() {
    this._renderRoster();
    this._renderRoom({ ...this.room.state.room, owner: this.room.state.owner });
    this._renderLocal();
    this.chat.setHistory(this.room.state.chat, this.room.state.self?.id);
    this.chat.setMore(this.room.chatMore());
    for (const m of this.room.remoteMedia()) this._onMedia(m.peerId, m.kind, m.track);
    this._renderConn(this.room.connectionState());
  }

  _onJoined(j) {
    if (j.newId) toast('Reconnected to a restarted server.');
    else if (j.again) toast('Reconnected.');
    this.chat.setHistory(this.room.state.chat, this.room.state.self?.id);
    this._renderAll();
  }

  _renderRoster() {
    const { self, participants } = this.room.state;
    const ids = new Set(participants.map((p) => p.id));
    for (const key of [...this.grid.tiles.keys()]) {
      const id = key.slice(0, key.lastIndexOf(':'));
      if (id !== 'self' && !ids.has(id)) this.grid.removePeer(id);
    }
    for (const p of participants) {
      this.grid.tile(p.id, 'camera');
      this.grid.setInfo(p.id, p);
    }
    if (self) this.grid.setInfo('self', { ...self, ...this.room.localState() }, true);
    this.people.render(self, participants);
  }

  _renderRoom(r) {
    if (!r) return;
    this.people.setRoom(r);
    this.title.textContent = `${r.name || 'Meeting'}${r.locked ? ' 🔒' : ''}`;
    document.title = `${r.name || 'Meeting'} · BuzzStream`;
    this._renderRoster();
  }

  _renderLocal() {
    const m = this.room.media;
    const s = this.room.localState();
    this.grid.setVideo('self', 'camera', m.cameraOut);
    this.grid.setVideo('self', 'screen', m.tracks.screen);
    const self = this.room.state.self;
    if (self) this.grid.setInfo('self', { ...self, ...s }, true);
    this.controls.update({ ...s, ...this.panels });
  }

  _renderConn(s) {
    const text = { reconnecting: 'Reconnecting…', closed: 'Disconnected', connecting: 'Connecting…' };
    this.conn.textContent = text[s] ?? '';
    this.el.classList.toggle('offline', s === 'reconnecting');
  }

  _onMedia(peerId, kind, track) {
    if (kind === 'audio') { this.grid.setAudio(peerId, track); return; }
    this.grid.setVideo(peerId, kind, track);
    const p = this.room.state.participants.find((q) => q.id === peerId);
    if (p) this.grid.setInfo(peerId, p);
  }

  _onLeft(p) {
    this.grid.removePeer(p.id);
    const why = p.reason === 'removed' ? 'was removed' : p.reason === 'timeout' ||
      p.reason === 'disconnected' ? 'lost the connection' : 'left';
    toast(`${p.name ?? 'Someone'} ${why}`);
  }

  _onUpdated(p) {
    const prev = this._hands ?? (this._hands = new Map());
    const isSelf = p.id === this.room.state.self?.id;
    if (p.hand && !prev.get(p.id) && !isSelf) toast(`${p.name} raised a hand ✋`);
    prev.set(p.id, p.hand);
  }

  _ownerActions() {
    const run = async (promise, ok) => {
      try { await promise; if (ok) toast(ok); } catch (e) { toast(errorMessage(e), 'error'); }
    };
    return {
      lock: (on) => run(this.room.lock(on), on ? 'Room locked' : 'Room unlocked'),
      changePassword: async () => {
        const pw = await askPassword();
        if (pw !== null) run(this.room.setPassword(pw), pw ? 'Password changed' : 'Password removed');
      },
      askToMute: (id, name) => run(this.room.askToMute(id), `Asked ${name} to mute`),
      remove: (id, name) => run(this.room.remove(id), `Removed ${name}`),
    };
  }

  _onKey(e) {
    const t = e.target;
    const action = actionForKey({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey,
      altKey: e.altKey, repeat: e.repeat, targetTag: t?.tagName, editable: t?.isContentEditable });
    if (!action) return;
    if (action === 'close' && !this._closeTop()) return;
    e.preventDefault();
    if (action !== 'close') this.act(action);
  }

  /** Esc: closes help, then stats, then the open side panel. */
  _closeTop() {
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
    if (name === 'stats') this._toggleStats(open);
    this.controls.update(this.panels);
    requestAnimationFrame(() => this.grid.layout());
  }

  async act(action) {
    const fn = ACTIONS[action];
    if (!fn) return;
    try {
      await fn.call(this);
    } catch (err) {
      if (err?.name === 'NotAllowedError' && action === 'toggle-share') return;  // cancelled
      toast(errorMessage(err), 'error');
    }
    this._renderLocal();
  }

  _toggleStats(on) {
    clearInterval(this.statsTimer);
    for (const t of this.grid.tiles.values()) t.stats.hidden = !on;
    if (!on) return;
    const tick = async () => {
      const [all, local] = await Promise.all([this.room.stats(), this.room.localStats()]);
      if (!this.panels.stats) return;
      for (const [key, t] of this.grid.tiles) {
        const cut = key.lastIndexOf(':');
        const [id, kind] = [key.slice(0, cut), key.slice(cut + 1)];
        // Camera tiles show camera and audio; screen tiles the screen. Both show the link.
        const drop = kind === 'screen' ? /^(video|audio)/ : /^screen/;
        t.stats.hidden = false;
        t.stats.textContent = id === 'self' ? (kind === 'camera' ? localStatsText(local) : 'local screen') :
          statsText(all[id]).split('\n').filter((l) => !drop.test(l)).join('\n');
      }
    };
    tick();
    this.statsTimer = setInterval(tick, 1000);
  }

  _ended(e) {
    this.destroy();
    this.onEnded(e);
  }

  destroy() {
    clearInterval(this.statsTimer);
    document.removeEventListener('keydown', this.keyHandler);
    for (const u of this.unsub) u();
    this.room.media.off('sink', this.sinkFn);
    this.grid.destroy();
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
  async 'copy-link'() {
    const url = `${location.origin}/r/${this.room.roomId}`;
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied');
    } catch {
      toast(`Copy this link: ${url}`, 'info', 8000);
    }
  },
  leave() { return this.room.leave(); },
};
