// The participants panel: everyone with a coloured initials avatar and their display name
// ("Bob (2)" for a second Bob), state icons, and the owner's controls: lock, password,
// "Mute everyone", and per person "Ask to mute <name>" / "Remove <name>".
import { h } from './dom.js';
import { icon } from './icons.js';
import { initials } from '../text.js';
import { avatarColour } from '../identity.js';
import { t } from '../i18n.js';

export class PeoplePanel {
  /**
   * @param {{lock: (on: boolean) => void, changePassword: () => void, muteEveryone: () => void,
   *          askToMute: (id: string, name: string) => void, remove: (id: string, name: string) => void}} actions
   */
  constructor(actions) {
    this.a = actions;
    this.list = h('ul', { class: 'people-list', 'aria-label': t('Participants') });
    this.lockBtn = h('button', { class: 'btn', type: 'button' });
    this.pwBtn = h('button', { class: 'btn', type: 'button' }, t('Change password'));
    this.muteAll = h('button', { class: 'btn', type: 'button' }, t('Mute everyone'));
    this.lockBtn.addEventListener('click', () => this.a.lock(!this.locked));
    this.pwBtn.addEventListener('click', () => this.a.changePassword());
    this.muteAll.addEventListener('click', () => this.a.muteEveryone());
    this.ownerBar = h('div', { class: 'owner-bar', hidden: true }, this.muteAll, this.lockBtn, this.pwBtn);
    this.heading = h('h2', {}, t('People'));
    this.el = h('aside', { class: 'panel people', 'aria-label': t('Participants panel'), hidden: true },
      this.heading, this.ownerBar, this.list);
    this.locked = false;
  }

  setRoom(room) {
    this.locked = Boolean(room.locked);
    this.ownerBar.hidden = !room.owner;
    this.isOwner = Boolean(room.owner);
    this.lockBtn.textContent = this.locked ? t('Unlock room') : t('Lock room');
  }

  /** self and others carry displayName (room.js); colours: id → avatar colour (room.avatarColours). */
  render(self, others, colours = new Map()) {
    this.colours = colours;
    this.heading.textContent = t('People ({n})', { n: others.length + (self ? 1 : 0) });
    this.muteAll.disabled = !others.some((p) => p.mic);
    const rows = [];
    if (self) rows.push(this._row(self, true));
    for (const p of others) rows.push(this._row(p, false));
    this.list.replaceChildren(...rows);
  }

  _row(p, isSelf) {
    const name = p.displayName ?? p.name;
    const tags = [];
    if (p.owner) tags.push(tag('star', t('Owner')));
    if (p.hand) tags.push(tag('hand', t('Hand raised'), 'hand'));
    if (!p.mic) tags.push(tag('micOff', t('Muted'), 'mic-off'));
    if (!p.camera) tags.push(tag('camOff', t('Camera off')));
    const controls = [];
    if (this.isOwner && !isSelf) {
      const mute = h('button', { class: 'btn btn-small', type: 'button', disabled: !p.mic,
        'aria-label': t('Ask to mute {name}', { name }) }, t('Ask to mute'));
      const rm = h('button', { class: 'btn btn-small btn-danger', type: 'button',
        'aria-label': t('Remove {name}', { name }) }, t('Remove'));
      mute.addEventListener('click', () => this.a.askToMute(p.id, name));
      rm.addEventListener('click', () => this.a.remove(p.id, name));
      controls.push(mute, rm);
    }
    const avatar = h('span', { class: 'avatar-circle small', 'aria-hidden': 'true',
      style: `background: ${this.colours?.get(p.id) ?? avatarColour(p.id)}` }, initials(p.name));
    return h('li', { dataset: { participantId: isSelf ? 'self' : p.id } }, avatar,
      h('div', { class: 'who' },
        h('span', { class: 'pname' }, isSelf ? t('{name} (you)', { name }) : name),
        h('span', { class: 'tags' }, ...tags)),
      h('div', { class: 'row-ctl' }, ...controls));
  }

  setOpen(open) { this.el.hidden = !open; }
}

/** A state icon with its words beside it (never only a colour or a glyph). */
function tag(iconName, text, cls = '') {
  return h('span', { class: `tag ${cls}` }, icon(iconName), text);
}
