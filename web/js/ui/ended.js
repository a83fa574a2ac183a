// Screens shown instead of a call: left, removed, room not found, fatal errors.

import { h, mount } from './dom.js';

const TEXT = {
  left: ['You left the meeting', 'Rejoin whenever you like.'],
  removed: ['You were removed from the meeting', 'The room owner removed you.'],
  room_not_found: ['Room not found', 'This room does not exist or has expired. Check the link.'],
  replaced: ['Opened in another tab', 'This meeting continues in your other tab or window.'],
};

/**
 * @param {string} code  key of TEXT, or any error code
 * @param {{rejoin?: () => void, home: () => void, message?: string}} o
 */
export function showEnded(code, o) {
  const [title, detail] = TEXT[code] ?? ['Disconnected', o.message || 'The meeting ended.'];
  const buttons = [];
  if (o.rejoin) {
    const b = h('button', { class: 'btn btn-primary', type: 'button' }, 'Rejoin');
    b.addEventListener('click', o.rejoin);
    buttons.push(b);
  }
  const home = h('button', { class: 'btn', type: 'button' }, 'Back to home');
  home.addEventListener('click', o.home);
  buttons.push(home);
  mount(h('main', { class: 'ended' },
    h('div', { class: 'card', role: 'alert' }, h('h1', {}, title), h('p', {}, detail),
      h('div', { class: 'row' }, ...buttons))));
}
