// The video stage. Two layouts: "grid" (every tile the same size, as large as fits) and
// "speaker" (one tile large, the others in a strip: beside it on a desktop, under it on a
// phone). A pinned tile, or a screen someone else shares, takes the large place in either
// layout; the sharer's own screen never does (they see their slides already; Meet and Jitsi
// show the sharer a small tile). The choice of layout persists (localStorage buzz.layout).
import { h } from './dom.js';
import { Tile } from './tile.js';
import { legibleGrid } from '../layout.js';
import { watchTiles } from '../sfu/sfu-view.js';

const LAYOUT_KEY = 'buzz.layout';
export const LAYOUTS = ['grid', 'speaker'];

export function savedLayout() {
  try {
    const v = localStorage.getItem(LAYOUT_KEY);
    return LAYOUTS.includes(v) ? v : 'grid';
  } catch { return 'grid'; }
}

export class Stage {
  constructor() {
    this.main = h('div', { class: 'stage-main' });
    this.cams = h('div', { class: 'cams' });
    this.audio = h('div', { class: 'audio-sinks', hidden: true });
    this.el = h('section', { class: 'stage', 'aria-label': 'Participants video' },
      this.main, this.cams, this.audio);
    this.tiles = new Map();       // "peerId:kind" → Tile
    this.audios = new Map();      // peerId → <audio>
    this.sinkId = '';
    this.layoutName = savedLayout();
    this.pinned = null;           // tile key, or null
    this.speaker = null;          // peer id of the active speaker (or "self")
    this.lastSpeaker = null;      // the last remote speaker, featured in speaker view
    this.onChange = null;         // () => void after the layout or pin changed
    this.onViews = null;          // ([{id, width, height}]) => void: camera tiles' device pixels
    this.stopViews = watchTiles(this.el, (v) => this.onViews?.(v));
    this.resize = new ResizeObserver(() => this._size());
    this.resize.observe(this.el);
    this.resize.observe(this.cams);   // the strip and the grid change size on their own too
    this._arrange();
  }

  setLabel(text) { this.el.setAttribute('aria-label', text); }

  /** The tile for (peerId, kind), created on first use. */
  tile(peerId, kind) {
    const key = `${peerId}:${kind}`;
    let tl = this.tiles.get(key);
    if (tl) return tl;
    tl = new Tile(peerId, kind, (x) => this.togglePin(x.key));
    if (kind === 'camera') tl.setVideoPaused(Boolean(this.videoPaused?.has(peerId)));
    this.tiles.set(key, tl);
    this._arrange();
    return tl;
  }

  /** The cameras buzzd paused for this page (last-N), by participant id; the others resume. */
  setVideoPaused(ids) {
    this.videoPaused = new Set(ids);
    for (const tl of this.tiles.values()) if (tl.kind === 'camera') tl.setVideoPaused(this.videoPaused.has(tl.peerId));
  }

  /** Shows `track` in the (peerId, kind) tile; null removes screen tiles. */
  setVideo(peerId, kind, track) {
    if (!track && kind === 'screen') { this.removeTile(peerId, kind); return; }
    this.tile(peerId, kind).setTrack(track);
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

  removeTile(peerId, kind) {
    const key = `${peerId}:${kind}`;
    const tl = this.tiles.get(key);
    if (!tl) return;
    tl.destroy();
    this.tiles.delete(key);
    if (this.pinned === key) this.pinned = null;
    this._arrange();
  }

  removePeer(peerId) {
    this.removeTile(peerId, 'camera');
    this.removeTile(peerId, 'screen');
    this.setAudio(peerId, null);
    if (this.lastSpeaker === peerId) this.lastSpeaker = null;
  }

  setSpeaker(peerId) {
    this.speaker = peerId;
    if (peerId && peerId !== 'self') this.lastSpeaker = peerId;
    for (const [key, tl] of this.tiles) tl.setSpeaking(peerId !== null && key === `${peerId}:camera`);
    if (this.layoutName === 'speaker' && !this.pinned) this._arrange();
  }

  react(peerId, kind, who) { this.tiles.get(`${peerId}:camera`)?.react(kind, who); }

  setLayout(name) {
    if (!LAYOUTS.includes(name)) return;
    this.layoutName = name;
    try { localStorage.setItem(LAYOUT_KEY, name); } catch { /* storage disabled */ }
    this._arrange();
    this.onChange?.();
  }

  togglePin(key) {
    this.pinned = this.pinned === key ? null : key;
    for (const [k, tl] of this.tiles) tl.setPinned(k === this.pinned);
    this._arrange();
    this.onChange?.();
  }

  /** The tile shown large, or null for a plain grid. */
  featured() {
    if (this.pinned && this.tiles.has(this.pinned)) return this.pinned;
    const screen = [...this.tiles.keys()].find((k) => k.endsWith(':screen') && !k.startsWith('self:'));
    if (screen) return screen;
    if (this.layoutName !== 'speaker') return null;
    const remote = [...this.tiles.keys()].filter((k) => k.endsWith(':camera') && !k.startsWith('self:'));
    const spoke = this.lastSpeaker && `${this.lastSpeaker}:camera`;
    if (spoke && remote.includes(spoke)) return spoke;
    return remote[0] ?? (this.tiles.has('self:camera') ? 'self:camera' : null);
  }

  /** Puts every tile in its place: self first, then join order, screens after cameras. */
  _arrange() {
    const feat = this.featured();
    this.el.dataset.layout = feat ? 'speaker' : 'grid';
    const order = [...this.tiles.values()].sort((a, b) => rank(a) - rank(b));
    const mainWanted = feat ? [this.tiles.get(feat).el] : [];
    if (this.main.firstElementChild !== mainWanted[0] || this.main.childElementCount !== mainWanted.length) {
      this.main.replaceChildren(...mainWanted);
    }
    const strip = order.filter((tl) => tl.key !== feat).map((tl) => tl.el);
    const same = strip.length === this.cams.childElementCount &&
      strip.every((el, i) => this.cams.children[i] === el);
    if (!same) this.cams.replaceChildren(...strip);
    for (const tl of this.tiles.values()) tl.resume();
    this._size();
  }

  /** Sizes the grid's tiles to the largest legible grid that fits (layout.js). */
  _size() {
    const grid = this.el.dataset.layout === 'grid';
    this.cams.classList.toggle('scroll', false);
    if (!grid) {
      this.cams.style.removeProperty('--cols');
      this.cams.style.removeProperty('--tile-w');
      this.cams.style.removeProperty('--tile-h');
      return;
    }
    const n = this.cams.childElementCount;
    const r = this.cams.getBoundingClientRect();
    if (!n || r.width === 0 || r.height === 0) return;
    const g = legibleGrid(n, r.width, r.height);
    this.cams.classList.toggle('scroll', g.scroll);
    this.cams.style.setProperty('--cols', String(g.cols));
    this.cams.style.setProperty('--tile-w', `${g.tileW}px`);
    this.cams.style.setProperty('--tile-h', `${g.tileH}px`);
  }

  layout() { this._size(); }

  destroy() {
    this.resize.disconnect();
    this.stopViews();
    for (const tl of this.tiles.values()) tl.video.srcObject = null;
    for (const a of this.audios.values()) a.srcObject = null;
  }
}

/** Self's camera first, then others in the order their tiles appeared; screens last. */
let seq = 0;
const order = new WeakMap();
function rank(tl) {
  if (!order.has(tl)) order.set(tl, ++seq);
  return (tl.peerId === 'self' && tl.kind === 'camera' ? -1e9 : 0) +
    (tl.kind === 'screen' ? 1e6 : 0) + order.get(tl);
}
