// The landing page: create a room (optional name and password) or join one by code/link;
// the "Language" select. Each form shows its own errors under itself.

import { h, mount } from './dom.js';
import { logo } from './icons.js';
import { createRoom, parseRoomInput } from '../api.js';
import { languageSelect } from './language.js';
import { t, N } from '../i18n.js';

const ERRORS = {
  rate_limited: N('Too many rooms were created from here. Wait a minute and try again.'),
  network: N('The server cannot be reached. Check your connection.'),
};

export function showLanding(go) {
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'room-name', type: 'text', maxlength: '64',
    placeholder: t('Weekly sync'), autocomplete: 'off' });
  const pw = h('input', { id: 'room-pw', type: 'password', autocomplete: 'new-password' });
  const create = h('button', { class: 'btn btn-primary', type: 'submit' }, t('Create room'));
  const createForm = h('form', { class: 'card', 'aria-labelledby': 'create-h' },
    h('h2', { id: 'create-h' }, t('New meeting')),
    h('label', { for: 'room-name' }, t('Room name')), name,
    h('label', { for: 'room-pw' }, t('Room password')), pw,
    h('p', { class: 'hint' }, t('Both optional. Anyone with the link and password can join.')),
    create, err);
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    create.disabled = true;
    err.textContent = '';
    try {
      const r = await createRoom({ name: name.value.trim(), password: pw.value });
      go(`/r/${r.id}`);
    } catch (ex) {
      err.textContent = ERRORS[ex.code] ? t(ERRORS[ex.code]) :
        t('Could not create the room: {message}', { message: ex.message });
      create.disabled = false;
    }
  });
  const lang = languageSelect('landing-lang', () => showLanding(go));
  mount(h('main', { class: 'landing' },
    h('div', { class: 'landing-top' }, h('h1', { class: 'brand' }, logo(),
      h('span', { class: 'brand-name' }, 'BuzzStream')),
    h('div', { class: 'lang-pick' }, h('label', { for: 'landing-lang' }, t('Language')), lang)),
    h('p', { class: 'tagline' }, t('Video meetings that run in your browser, on your server.')),
    h('div', { class: 'cards' }, createForm, joinForm(go))));
  name.focus();
}

function joinForm(go) {
  const err = h('p', { class: 'form-error', role: 'alert', id: 'room-code-err' });
  const code = h('input', { id: 'room-code', type: 'text', placeholder: 'abcd-efgh-ijkl',
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'room-code-err' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'join-h' },
    h('h2', { id: 'join-h' }, t('Join a meeting')),
    h('label', { for: 'room-code' }, t('Room code or link')), code,
    h('button', { class: 'btn', type: 'submit' }, t('Join room')), err);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = parseRoomInput(code.value);
    if (!id) {
      err.textContent = t('That is not a room code. Codes look like abcd-efgh-ijkl.');
      code.setAttribute('aria-invalid', 'true');
      code.focus();
      return;
    }
    go(`/r/${id}`);
  });
  return form;
}
