// The landing page: create a room (optional name and password) or join one by code/link.

import { h, mount } from './dom.js';
import { createRoom, parseRoomInput } from '../api.js';

const ERRORS = {
  rate_limited: 'Too many rooms were created from here. Wait a minute and try again.',
  network: 'The server cannot be reached. Check your connection.',
};

export function showLanding(go) {
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'room-name', type: 'text', maxlength: '64',
    placeholder: 'Weekly sync', autocomplete: 'off' });
  const pw = h('input', { id: 'room-pw', type: 'password', autocomplete: 'new-password' });
  const create = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Create room');
  const createForm = h('form', { class: 'card', 'aria-labelledby': 'create-h' },
    h('h2', { id: 'create-h' }, 'New meeting'),
    h('label', { for: 'room-name' }, 'Room name'), name,
    h('label', { for: 'room-pw' }, 'Room password'), pw,
    h('p', { class: 'hint' }, 'Both optional. Anyone with the link and password can join.'),
    create);
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    create.disabled = true;
    err.textContent = '';
    try {
      const r = await createRoom({ name: name.value.trim(), password: pw.value });
      go(`/r/${r.id}`);
    } catch (ex) {
      err.textContent = ERRORS[ex.code] ?? `Could not create the room: ${ex.message}`;
      create.disabled = false;
    }
  });
  mount(h('main', { class: 'landing' },
    h('header', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '🐝'),
      h('h1', {}, 'BuzzStream')),
    h('p', { class: 'tagline' }, 'Video meetings that run in your browser, on your server.'),
    h('div', { class: 'cards' }, createForm, joinForm(go, err)), err));
  name.focus();
}

function joinForm(go, err) {
  const code = h('input', { id: 'room-code', type: 'text', placeholder: 'abcd-efgh-ijkl',
    autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'join-h' },
    h('h2', { id: 'join-h' }, 'Join a meeting'),
    h('label', { for: 'room-code' }, 'Room code or link'), code,
    h('button', { class: 'btn', type: 'submit' }, 'Join room'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = parseRoomInput(code.value);
    if (!id) {
      err.textContent = 'That is not a room code. Codes look like abcd-efgh-ijkl.';
      code.focus();
      return;
    }
    go(`/r/${id}`);
  });
  return form;
}
