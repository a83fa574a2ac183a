// One video tile: the <video>, a coloured initials avatar while the camera is off, a
// "Connecting…" placeholder until the first frame plays, the nameplate (microphone and hand
// badges, the display name), the "Pin <name>" / "Unpin <name>" button, floating reactions
// and the stats text. DOM contract (docs/client-api.md): data-peer-id + data-kind + <video>.
import { h } from './dom.js';
import { icon } from './icons.js';
import { initials } from '../text.js';
import { avatarColour } from '../identity.js';
import { REACTION_INFO } from '../reactions.js';
import { t } from '../i18n.js';

const REACTION_MS = 3500;    // how long a floating reaction stays up
const REACTIONS_MAX = 6;     // on one tile at once; older ones make room

export class Tile {
  /** @param {(tile: Tile) => void} onPin */
  constructor(peerId, kind, onPin) {
    this.peerId = peerId;
    this.kind = kind;
    this.key = `${peerId}:${kind}`;
    this.track = null;
    this.label = '';
    this.expectVideo = false;
    this.video = h('video', { autoplay: true, playsInline: true, muted: true });
    this.name = h('span', { class: 'name' });
    this.circle = h('span', { class: 'avatar-circle' });
    this.avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, this.circle);
    this.waiting = h('div', { class: 'tile-connecting', 'aria-hidden': 'true' },
      h('span', { class: 'spinner' }), h('span', {}, t('Connecting…')));
    this.paused = h('div', { class: 'tile-paused', role: 'status' });
    this.pin = h('button', { type: 'button', class: 'tile-pin' });
    this.pin.addEventListener('click', () => onPin(this));
    this.reactions = h('div', { class: 'tile-reactions' });
    this.stats = h('pre', { class: 'tile-stats', hidden: true });
    const mic = h('span', { class: 'badge mic-off', role: 'img', 'aria-label': t('Microphone off') }, icon('micOff'));
    const hand = h('span', { class: 'badge hand', role: 'img', 'aria-label': t('Hand raised') }, icon('hand'));
    this.el = h('div', { class: `tile tile-${kind}`, dataset: { peerId, kind } },
      this.video, this.avatar, this.waiting, this.paused, this.reactions,
      h('div', { class: 'nameplate' }, mic, hand, this.name), this.pin, this.stats);
    this.video.addEventListener('playing', () => this._state());
    this.video.addEventListener('emptied', () => this._state());
    this.setPinned(false);
    this._state();
  }

  /** Shows `track` (null: none). */
  setTrack(track) {
    if (this.track === track) return;
    this.track = track;
    this.video.srcObject = track ? new MediaStream([track]) : null;
    if (track) this.video.play().catch(() => { /* autoplay is muted; retried on gesture */ });
    this.el.classList.toggle('no-video', !track);
    this._state();
  }

  /** After the tile moved in the DOM (a stage change): keep the picture playing. */
  resume() { if (this.track && this.video.paused) this.video.play().catch(() => {}); }

  /** Name, badges and avatar from participant p; `label` is the display name shown, `colour` the avatar's (room.avatarColours). */
  setInfo(p, label, avatarName, colour) {
    this.label = label;
    this.name.textContent = label;
    this.video.setAttribute('aria-label', label);
    this.circle.textContent = initials(avatarName ?? p.name);
    this.circle.style.background = colour ?? avatarColour(this.peerId === 'self' ? p.id ?? 'self' : this.peerId);
    this.el.dataset.mic = String(Boolean(p.mic));
    this.el.dataset.hand = String(Boolean(p.hand));
    if (this.kind === 'camera') {
      this.el.classList.toggle('cam-off', !p.camera);
      this.expectVideo = Boolean(p.camera);
    } else {
      this.expectVideo = true;
    }
    this.setPinned(this.pinned);
    this._state();
  }

  setPinned(on) {
    this.pinned = Boolean(on);
    const name = this.pinned ? t('Unpin {name}', { name: this.label }) : t('Pin {name}', { name: this.label });
    if (this.pin.getAttribute('aria-label') !== name) {
      this.pin.setAttribute('aria-label', name);
      this.pin.replaceChildren(icon(this.pinned ? 'unpin' : 'pin'));
    }
    this.pin.setAttribute('aria-pressed', String(this.pinned));
    this.el.classList.toggle('pinned', this.pinned);
  }

  /** buzzd paused this camera for us (last-N: our bandwidth is short); its audio goes on. */
  setVideoPaused(on) {
    const was = this.el.dataset.videoPaused === 'true';
    if (was === Boolean(on)) return;
    if (on) this.el.dataset.videoPaused = 'true';
    else delete this.el.dataset.videoPaused;
    this.paused.textContent = on ? t('Video paused: not enough bandwidth') : '';
  }

  setSpeaking(on) {
    if (on) this.el.dataset.speaking = 'true';
    else delete this.el.dataset.speaking;
  }

  /** "Connecting…" while a picture is expected and none plays yet (instead of black). */
  _state() {
    const playing = Boolean(this.track) && !this.video.paused && this.video.readyState >= 2;
    const connecting = this.expectVideo && !playing && this.peerId !== 'self';
    this.el.classList.toggle('connecting', connecting);
  }

  /** A floating reaction icon; it is announced by its name only as an image. */
  react(kind, who) {
    const info = REACTION_INFO[kind];
    if (!info) return;
    while (this.reactions.childElementCount >= REACTIONS_MAX) this.reactions.firstElementChild.remove();
    const el = h('span', { class: `reaction reaction-${kind}`, role: 'img', dataset: { kind },
      'aria-label': t('{name}: {reaction}', { name: who, reaction: t(info[1]) }),
      style: `--drift: ${Math.round(Math.random() * 40 - 20)}px` }, icon(info[0]));
    this.reactions.append(el);
    setTimeout(() => el.remove(), REACTION_MS);
  }

  destroy() {
    this.video.srcObject = null;
    this.el.remove();
  }
}
