// The pre-join screen: preview, microphone meter, device pickers, name, password, "Join".

import { h, mount } from './dom.js';
import { icon } from './icons.js';
import { levelMeter } from '../media.js';
import { joinMessage, mediaMessage } from './messages.js';
import { MAX_NAME_CHARS, codePointLength } from '../text.js';
import { openEffectsDialog, tierBadge, effectToasts } from './effects-dialog.js';
import { getRoom, ownerToken } from '../api.js';
import { seatElsewhere } from '../seat.js';
import { t } from '../i18n.js';

const INFO_POLL_MS = 5000;   // room info (count, lock) refreshed while the screen is up

const NAME_KEY = 'buzz.name';

export function savedName() {
  try { return localStorage.getItem(NAME_KEY) || ''; } catch { return ''; }
}

export function saveName(n) {
  try { localStorage.setItem(NAME_KEY, n); } catch { /* storage disabled */ }
}

/**
 * @param {import('../room.js').Room} room
 * @param {{name: string, password: boolean}} info  from GET /api/rooms/<id>
 * @param {(opts: object) => Promise<void>} doJoin  joins and switches to the room view
 * @returns {{close: () => void}}
 */
export function showPrejoin(room, info, doJoin) {
  const owner = Boolean(ownerToken(room.roomId));
  const ui = buildPrejoin(info, owner);
  const state = { info, owner, closed: false };
  const media = room.media;
  let meter = null;
  let raf = 0;
  const errors = { mic: null, camera: null };
  const render = () => {
    const cam = media.cameraOut;
    if ((ui.video.srcObject?.getVideoTracks()[0] ?? null) !== cam) {
      ui.video.srcObject = cam ? new MediaStream([cam]) : null;
    }
    // "Camera is off" only once the devices have started (before, it is starting).
    ui.tile.classList.toggle('off', !cam && state.started);
    starting();
    setToggle(ui.micBtn, media.micActive, t('Mute microphone'), t('Unmute microphone'), 'mic', 'micOff');
    setToggle(ui.camBtn, Boolean(cam), t('Turn off camera'), t('Turn on camera'), 'cam', 'camOff');
    const msgs = [];
    if (errors.camera) msgs.push(mediaMessage(t('Camera'), errors.camera));
    if (errors.mic) msgs.push(mediaMessage(t('Microphone'), errors.mic));
    ui.devErr.textContent = msgs.length ? `${msgs.join(' ')} ${t('You can still join.')}` : '';
    meter?.close();
    meter = media.tracks.audio ? levelMeter(media.tracks.audio) : null;
  };
  const tick = () => {
    const v = meter && media.micActive ? meter.read() : 0;
    ui.meter.setAttribute('aria-valuenow', String(Math.round(v * 100)));
    ui.meterBar.style.transform = `scaleX(${v.toFixed(3)})`;
    raf = requestAnimationFrame(tick);
  };
  const starting = () => ui.tile.classList.toggle('connecting', !state.started ||
    (Boolean(media.cameraOut) && (ui.video.readyState < 2 || ui.video.paused)));
  ui.video.addEventListener('playing', starting);
  media.on('track', render);
  ui.micBtn.addEventListener('click', async () => {
    errors.mic = await media.setMic(!media.micActive);
    render();
  });
  ui.camBtn.addEventListener('click', async () => {
    errors.camera = await media.setCamera(!media.cameraActive);
    render();
  });
  wirePickers(ui, media);
  const badge = tierBadge(media.effects);
  ui.tile.append(badge.el);
  const untoast = effectToasts(media.effects);
  ui.fxBtn.addEventListener('click', () => openEffectsDialog(media.effects));
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(ui, state, doJoin, e.submitter?.dataset.join ?? 'new');
  });
  ui.name.addEventListener('input', () => checkName(ui));
  showInfo(ui, state);
  const poll = setInterval(async () => {
    try { state.info = await getRoom(room.roomId); showInfo(ui, state); } catch { /* keep the last */ }
  }, INFO_POLL_MS);
  // Another page of this browser in the call: offer to move it here.
  seatElsewhere(room.roomId).then((seat) => {
    if (seat && !state.closed) { state.seat = seat; showInfo(ui, state); }
  });
  mount(ui.root);
  const ready = media.start({ mic: true, camera: true }).then((errs) => {
    state.started = true;
    Object.assign(errors, errs);
    render();
    fillPickers(ui, media);
  });
  render();
  tick();
  ui.name.focus();
  return {
    ready,
    close() {
      state.closed = true;
      clearInterval(poll);
      cancelAnimationFrame(raf);
      badge.destroy();
      untoast();
      meter?.close();
      media.off('track', render);
    },
    showError(err) { ui.err.textContent = joinMessage(err); },
  };
}

/** Names over the limit are refused with a word, never cut silently. */
function checkName(ui) {
  const n = codePointLength(ui.name.value.trim());
  const over = n > MAX_NAME_CHARS;
  ui.nameErr.textContent = over ? t('Names can be at most {max} characters ({n} now).', { max: MAX_NAME_CHARS, n }) : '';
  ui.name.setAttribute('aria-invalid', String(over));
  return !over;
}

/** The room's state as the joiner needs it: who is there, locked, password, another tab. */
function showInfo(ui, state) {
  const { info, owner, seat } = state;
  const n = info.participants ?? 0;
  ui.count.textContent = n === 0 ? t('No one else is here yet') : n === 1 ? t('1 person is in the call') :
    t('{n} people are in the call', { n });
  const locked = Boolean(info.locked) && !owner;
  ui.locked.hidden = !locked;
  ui.join.disabled = locked;
  ui.pwWrap.hidden = !info.password || owner;
  ui.seat.hidden = !seat;
  ui.join.hidden = Boolean(seat);
  ui.joinNew.hidden = !seat;
  ui.joinHere.disabled = locked && !seat;
  ui.joinNew.disabled = locked;
}

async function submit(ui, state, doJoin, choice) {
  const how = choice === 'here' && state.seat ? 'here' : 'new';
  const name = ui.name.value.trim();
  if (!name && how !== 'here') {
    ui.err.textContent = t('Enter your name.');
    ui.name.focus();
    return;
  }
  if (!checkName(ui)) { ui.name.focus(); return; }
  const needPw = state.info.password && !state.owner && how !== 'here';
  const password = needPw ? ui.pw.value : undefined;
  if (needPw && !password) {
    ui.err.textContent = t('Enter the room password.');
    ui.pw.focus();
    return;
  }
  if (name) saveName(name);
  const buttons = [ui.join, ui.joinHere, ui.joinNew];
  const was = buttons.map((b) => b.disabled);
  for (const b of buttons) b.disabled = true;
  ui.err.textContent = '';
  try {
    await doJoin({ name, password: password || undefined, takeover: how === 'here',
      seat: how === 'here' ? state.seat : undefined });
  } catch (err) {
    ui.err.textContent = joinMessage(err);
    buttons.forEach((b, i) => { b.disabled = was[i]; });
    if (err.code === 'wrong_password') ui.pw.focus();
  }
}

export function setToggle(btn, on, onLabel, offLabel, onIcon, offIcon) {
  const label = on ? onLabel : offLabel;
  if (btn.getAttribute('aria-label') === label) return;
  btn.setAttribute('aria-label', label);
  btn.title = label;
  btn.classList.toggle('off', !on);
  btn.replaceChildren(icon(on ? onIcon : offIcon));
}

function buildPrejoin(info, owner) {
  const video = h('video', { autoplay: true, muted: true, playsInline: true });
  // Until the camera's first frame plays, "Starting camera…" instead of a black box.
  const tile = h('div', { class: 'tile self-preview', dataset: { peerId: 'self', kind: 'camera' } },
    video, h('div', { class: 'avatar', 'aria-hidden': 'true' }, t('Camera is off')),
    h('div', { class: 'tile-connecting', 'aria-hidden': 'true' }, h('span', { class: 'spinner' }),
      h('span', {}, t('Starting camera…'))));
  const meterBar = h('div', { class: 'meter-bar' });
  const meter = h('div', { class: 'meter', role: 'meter', 'aria-label': t('Input level'),
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, meterBar);
  const micBtn = h('button', { type: 'button', class: 'ctl round' });
  const camBtn = h('button', { type: 'button', class: 'ctl round' });
  const fxBtn = h('button', { type: 'button', class: 'ctl round', 'aria-label': t('Effects'),
    title: t('Effects') }, icon('effects'));
  // No maxlength: a pasted long name must be refused with a word, not cut without one.
  const name = h('input', { id: 'pj-name', type: 'text', value: savedName(), autocomplete: 'name',
    required: true, 'aria-describedby': 'pj-name-err' });
  const nameErr = h('p', { id: 'pj-name-err', class: 'form-error', role: 'alert' });
  const pw = h('input', { id: 'pj-pw', type: 'password', autocomplete: 'current-password' });
  const pwWrap = h('div', { class: 'field', hidden: !info.password || owner },
    h('label', { for: 'pj-pw' }, t('Room password')), pw);
  const join = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { join: 'new' } }, t('Join'));
  const joinHere = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { join: 'here' } }, t('Join here'));
  const joinNew = h('button', { class: 'btn', type: 'submit', dataset: { join: 'new' } }, t('Join as another participant'));
  const seat = h('div', { class: 'notice', role: 'status', hidden: true },
    icon('info'), h('div', {}, h('p', {}, t('You are already in this call in another tab.')), joinHere));
  const locked = h('div', { class: 'notice notice-warn', role: 'status', hidden: true }, icon('lock'),
    h('p', {}, t('This room is locked by its owner. You can join once they unlock it.')));
  const count = h('p', { class: 'hint' });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const devErr = h('p', { class: 'form-warn', role: 'alert' });
  const pickers = {
    videoinput: picker('pj-cam', t('Camera')), audioinput: picker('pj-mic', t('Microphone')),
    audiooutput: picker('pj-spk', t('Speaker')),
  };
  const form = h('form', { class: 'card prejoin-form', novalidate: true },
    h('h1', {}, info.name || t('Ready to join?')), count, locked,
    owner ? h('p', { class: 'hint owner-note' }, icon('star'), t('You created this room: you join as its owner.')) : null,
    seat,
    h('label', { for: 'pj-name' }, t('Your name')), name, nameErr,
    pwWrap, join, joinNew, err);
  const root = h('main', { class: 'prejoin' },
    h('section', { class: 'preview', 'aria-label': t('Preview') }, tile,
      h('div', { class: 'preview-bar' }, micBtn, camBtn, fxBtn, meter), devErr,
      h('div', { class: 'pickers' }, ...Object.values(pickers).map((p) => p.wrap))),
    form);
  return { root, video, tile, meter, meterBar, micBtn, camBtn, fxBtn, name, nameErr, pw, pwWrap,
    join, joinHere, joinNew, seat, locked, count, err, devErr, pickers, form };
}

function picker(id, label) {
  const select = h('select', { id });
  const wrap = h('div', { class: 'picker' }, h('label', { for: id }, label), select);
  return { select, wrap };
}

async function fillPickers(ui, media) {
  const lists = await media.devices();
  for (const [kind, p] of Object.entries(ui.pickers)) {
    const supported = kind !== 'audiooutput' || 'setSinkId' in HTMLMediaElement.prototype;
    p.wrap.hidden = !supported || lists[kind].length === 0;
    const current = media.tracks[kind === 'audioinput' ? 'audio' : 'camera']
      ?.getSettings?.().deviceId ?? media.prefs[kind];
    p.select.replaceChildren(...lists[kind].map((d, i) => h('option',
      { value: d.deviceId, selected: d.deviceId === current },
      d.label || `${t(kind === 'videoinput' ? 'Camera' : kind === 'audioinput' ? 'Microphone' : 'Speaker')} ${i + 1}`)));
  }
}

function wirePickers(ui, media) {
  for (const [kind, p] of Object.entries(ui.pickers)) {
    p.select.addEventListener('change', async () => {
      const code = await media.choose(kind, p.select.value);
      if (code) ui.devErr.textContent = mediaMessage(t(kind === 'videoinput' ? 'Camera' : 'Microphone'), code);
    });
  }
}
