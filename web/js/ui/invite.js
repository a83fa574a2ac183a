// "You're the only one here": while nobody else is in the call, a card on the stage shows
// the meeting link with "Copy invite link" (the control bar's "Copy link" does the same).
// It can be dismissed and comes back only when the room empties again.
import { h } from './dom.js';
import { icon } from './icons.js';
import { toast } from './toasts.js';
import { t } from '../i18n.js';

export class InviteCard {
  constructor(url) {
    this.url = url;
    this.dismissed = false;
    const field = h('input', { id: 'invite-link', type: 'text', readonly: true, value: url,
      'aria-label': t('Meeting link') });
    field.addEventListener('focus', () => field.select());
    const copy = h('button', { type: 'button', class: 'btn btn-primary' }, icon('copy'), t('Copy invite link'));
    copy.addEventListener('click', () => this.copy());
    const close = h('button', { type: 'button', class: 'btn-icon', 'aria-label': t('Dismiss') }, icon('close'));
    close.addEventListener('click', () => { this.dismissed = true; this.el.hidden = true; });
    this.el = h('section', { class: 'invite card', 'aria-labelledby': 'invite-h', hidden: true },
      h('div', { class: 'invite-head' }, icon('personAdd'),
        h('h2', { id: 'invite-h' }, t('You\u2019re the only one here')), close),
      h('p', {}, t('Share this link with the people you want in the meeting.')), field, copy);
  }

  setAlone(alone) {
    if (!alone) this.dismissed = false;
    this.el.hidden = !alone || this.dismissed;
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.url);
      toast(t('Link copied'));
    } catch {
      toast(t('Copy this link: {url}', { url: this.url }), 'info', 8000);
    }
  }
}
