// The video stage: one tile per camera (self first), screens shown large beside them.
// Tiles follow the DOM contract of docs/client-api.md: data-peer-id + data-kind + <video>.

import { h, icon } from './dom.js';
import { bestGrid } from '../layout.js';
import { initials } from '../text.js';

export class Grid {
  constructor() {
    this.cams = h('div', { class: 'cams' });
    this.screens = h('div', { class: 'screens' });
    this.audio = h('div', { class: 'audio-sinks', hidden: true });
    this.el = h('section', { class: 'stage', 'aria-label': 'Participants video' },
      this.screens, this.cams, this.audio);
    this.tiles = new Map();       // "peerId:kind" → {el, video, name, badges}
    this.audios = new Map();      // peerId → <audio>
    this.sinkId = '';
    this.resize = new ResizeObserver(() => this.layout());
    this.resize.observe(this.cams);
  }

  _key(peerId, kind) { return `${peerId}:${kind}`; }

  /** The tile for (peerId, kind), created on first use. */
  tile(peerId, kind) {
    const key = this._key(peerId, kind);
    let t = this.tiles.get(key);
    if (t) return t;
    const video = h('video', { autoplay: true, playsInline: true, muted: true });
    const name = h('span', { class: 'name' });
    // SVG, not emoji: headless and minimal systems often lack an emoji font.
    const mic = h('span', { class: 'badge mic-off', title: 'Microphone off' }, icon('micOff'));
    const hand = h('span', { class: 'badge hand', title: 'Hand raised' }, icon('hand'));
    const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' });
    const stats = h('pre', { class: 'tile-stats', hidden: true });
    const el = h('div', { class: `tile tile-${kind}`, dataset: { peerId, kind } },
      video, avatar, h('div', { class: 'nameplate' }, mic, hand, name), stats);
    t = { el, video, name, avatar, stats, track: null };
    this.tiles.set(key, t);
    if (kind === 'screen') this.screens.append(el);
    else if (peerId === 'self') this.cams.prepend(el);
    else this.cams.append(el);
    this.layout();
    return t;
  }

  /** Shows `track` in the (peerId, kind) tile; null removes screen tiles. */
  setVideo(peerId, kind, track) {
    if (!track && kind === 'screen') { this.removeTile(peerId, kind); return; }
    const t = this.tile(peerId, kind);
    if (t.track === track) return;
    t.track = track;
    t.video.srcObject = track ? new MediaStream([track]) : null;
    if (track) t.video.play().catch(() => { /* autoplay is muted; retried on gesture */ });
    t.el.classList.toggle('no-video', !track);
  }

  /** Remote audio plays through its own element (tiles' videos stay muted). */
  setAudio(peerId, track) {
    let a = this.audios.get(peerId);
    if (!track) { a?.remove(); this.audios.delete(peerId); return; }
    if (!a) {
      a = h('audio', { autoplay: true });
      this.audios.set(peerId, a);
      this.audio.append(a);
      if (this.sinkId && a.setSinkId) a.setSinkId(this.sinkId).catch(() => {});
    }
    a.srcObject = new MediaStream([track]);
    a.play().catch(() => {});
  }

  setSink(id) {
    this.sinkId = id;
    for (const a of this.audios.values()) a.setSinkId?.(id).catch(() => {});
  }

  /** Name, mute badge, hand, camera-off avatar for every tile of a participant. */
  setInfo(peerId, p, isSelf = false) {
    for (const kind of ['camera', 'screen']) {
      const t = this.tiles.get(this._key(peerId, kind));
      if (!t) continue;
      const label = kind === 'screen' ? `${p.name}'s screen` : isSelf ? `${p.name} (you)` : p.name;
      t.name.textContent = label;
      t.video.setAttribute('aria-label', label);
      t.avatar.textContent = initials(p.name);
      t.el.dataset.mic = String(Boolean(p.mic));
      t.el.dataset.hand = String(Boolean(p.hand));
      if (kind === 'camera') t.el.classList.toggle('cam-off', !p.camera);
    }
  }

  removeTile(peerId, kind) {
    const key = this._key(peerId, kind);
    const t = this.tiles.get(key);
    if (!t) return;
    t.video.srcObject = null;
    t.el.remove();
    this.tiles.delete(key);
    this.layout();
  }

  removePeer(peerId) {
    this.removeTile(peerId, 'camera');
    this.removeTile(peerId, 'screen');
    this.setAudio(peerId, null);
  }

  setSpeaker(peerId) {
    for (const [key, t] of this.tiles) {
      const speaking = peerId !== null && key === this._key(peerId, 'camera');
      if (speaking) t.el.dataset.speaking = 'true';
      else delete t.el.dataset.speaking;
    }
  }

  /** Sizes camera tiles to the largest grid that fits; screens take the main area. */
  layout() {
    const hasScreen = this.screens.childElementCount > 0;
    this.el.classList.toggle('has-screen', hasScreen);
    const n = this.cams.childElementCount;
    const r = this.cams.getBoundingClientRect();
    if (!n || r.width === 0 || r.height === 0) return;
    const g = bestGrid(n, r.width, r.height);
    this.cams.style.setProperty('--cols', String(g.cols));
    this.cams.style.setProperty('--tile-w', `${g.tileW}px`);
    this.cams.style.setProperty('--tile-h', `${g.tileH}px`);
  }

  destroy() {
    this.resize.disconnect();
    for (const t of this.tiles.values()) t.video.srcObject = null;
    for (const a of this.audios.values()) a.srcObject = null;
  }
}
