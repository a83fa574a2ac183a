// The participants panel, with the owner's controls: lock, password, ask to mute, remove.

import { h } from './dom.js';

export class PeoplePanel {
  /**
   * @param {{lock: (on: boolean) => void, changePassword: () => void,
   *          askToMute: (id: string) => void, remove: (id: string) => void}} actions
   */
  constructor(actions) {
    this.a = actions;
    this.list = h('ul', { class: 'people-list', 'aria-label': 'Participants' });
    this.lockBtn = h('button', { class: 'btn', type: 'button' });
    this.pwBtn = h('button', { class: 'btn', type: 'button' }, 'Change password');
    this.lockBtn.addEventListener('click', () => this.a.lock(!this.locked));
    this.pwBtn.addEventListener('click', () => this.a.changePassword());
    this.ownerBar = h('div', { class: 'owner-bar', hidden: true }, this.lockBtn, this.pwBtn);
    this.heading = h('h2', {}, 'People');
    this.el = h('aside', { class: 'panel people', 'aria-label': 'Participants panel', hidden: true },
      this.heading, this.ownerBar, this.list);
    this.locked = false;
  }

  setRoom(room) {
    this.locked = Boolean(room.locked);
    this.ownerBar.hidden = !room.owner;
    this.isOwner = Boolean(room.owner);
    this.lockBtn.textContent = this.locked ? 'Unlock room' : 'Lock room';
  }

  render(self, others) {
    this.heading.textContent = `People (${others.length + (self ? 1 : 0)})`;
    const rows = [];
    if (self) rows.push(this._row(self, true));
    for (const p of others) rows.push(this._row(p, false));
    this.list.replaceChildren(...rows);
  }

  _row(p, isSelf) {
    const tags = [p.owner && 'owner', p.hand && '✋', !p.mic && 'muted', !p.camera && 'camera off']
      .filter(Boolean).join(' · ');
    const controls = [];
    if (this.isOwner && !isSelf) {
      const mute = h('button', { class: 'btn btn-small', type: 'button',
        'aria-label': `Ask to mute ${p.name}` }, 'Ask to mute');
      const rm = h('button', { class: 'btn btn-small btn-danger', type: 'button',
        'aria-label': `Remove ${p.name}` }, 'Remove');
      mute.addEventListener('click', () => this.a.askToMute(p.id, p.name));
      rm.addEventListener('click', () => this.a.remove(p.id, p.name));
      controls.push(mute, rm);
    }
    return h('li', { dataset: { participantId: isSelf ? 'self' : p.id } },
      h('div', { class: 'who' }, h('span', { class: 'pname' }, isSelf ? `${p.name} (you)` : p.name),
        h('span', { class: 'tags' }, tags)),
      h('div', { class: 'row-ctl' }, ...controls));
  }

  setOpen(open) { this.el.hidden = !open; }
}
