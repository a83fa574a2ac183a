// Screens shown instead of a call: left, removed, moved to another tab, room not found (or
// expired), fatal errors. Each says what happened and offers the way on that makes sense:
// a removed person is not invited to walk back in; a missing room offers a new one.

import { h, mount } from './dom.js';
import { icon } from './icons.js';
import { t, N } from '../i18n.js';

// code → [title, detail, primary action] (action keys of the options below).
const TEXT = {
  left: [N('You left the meeting'), N('Rejoin whenever you like.'), 'rejoin'],
  removed: [N('You were removed from the meeting'), N('The room owner removed you from this call.'), null],
  room_not_found: [N('Room not found'), N('This room does not exist or has expired. Check the link, or start a new room.'), 'create'],
  replaced: [N('The call moved to another tab'), N('You joined this call from another tab or window of this browser.'), 'here'],
};

const ACTIONS = {
  rejoin: [N('Rejoin'), 'rejoin'],
  here: [N('Join here'), 'joinHere'],
  create: [N('Create a new room'), 'create'],
};

/**
 * @param {string} code  key of TEXT, or any error code
 * @param {{rejoin?: () => void, joinHere?: () => void, create?: () => void, home: () => void,
 *   message?: string}} o
 */
export function showEnded(code, o) {
  const [title, detail, action] = TEXT[code] ?? ['Disconnected', null, 'rejoin'];
  const buttons = [];
  const [label, fn] = ACTIONS[action] ?? [];
  if (fn && o[fn]) {
    const b = h('button', { class: 'btn btn-primary', type: 'button' }, t(label));
    b.addEventListener('click', o[fn]);
    buttons.push(b);
  }
  const home = h('button', { class: 'btn', type: 'button' }, t('Back to home'));
  home.addEventListener('click', o.home);
  buttons.push(home);
  const iconName = code === 'room_not_found' ? 'info' : code === 'replaced' ? 'copy' : 'leave';
  mount(h('main', { class: 'ended' },
    h('div', { class: 'card', role: 'alert' }, h('div', { class: 'ended-icon' }, icon(iconName)),
      h('h1', {}, t(title)), h('p', {}, detail ? t(detail) : o.message || t('The meeting ended.')),
      h('div', { class: 'row' }, ...buttons))));
  buttons[0].focus();
}
