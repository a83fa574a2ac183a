// The pre-join screen: preview, microphone meter, device pickers, name, password, "Join".

import { h, mount, icon } from './dom.js';
import { levelMeter } from '../media.js';
import { joinMessage, mediaMessage } from './messages.js';
import { MAX_NAME_CHARS } from '../text.js';
import { openEffectsDialog, tierBadge, effectToasts } from './effects-dialog.js';

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
  const ui = buildPrejoin(info);
  const media = room.media;
  let meter = null;
  let raf = 0;
  const errors = { mic: null, camera: null };
  const render = () => {
    const cam = media.cameraOut;
    ui.video.srcObject = cam ? new MediaStream([cam]) : null;
    ui.tile.classList.toggle('off', !cam);
    setToggle(ui.micBtn, media.micActive, 'Mute microphone', 'Unmute microphone', 'mic', 'micOff');
    setToggle(ui.camBtn, Boolean(cam), 'Turn off camera', 'Turn on camera', 'cam', 'camOff');
    const msgs = [];
    if (errors.camera) msgs.push(mediaMessage('Camera', errors.camera));
    if (errors.mic) msgs.push(mediaMessage('Microphone', errors.mic));
    ui.devErr.textContent = msgs.length ? `${msgs.join(' ')} You can still join.` : '';
    meter?.close();
    meter = media.tracks.audio ? levelMeter(media.tracks.audio) : null;
  };
  const tick = () => {
    const v = meter && media.micActive ? meter.read() : 0;
    ui.meter.setAttribute('aria-valuenow', String(Math.round(v * 100)));
    ui.meterBar.style.transform = `scaleX(${v.toFixed(3)})`;
    raf = requestAnimationFrame(tick);
  };
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
    submit(ui, doJoin);
  });
  mount(ui.root);
  const ready = media.start({ mic: true, camera: true }).then((errs) => {
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
      cancelAnimationFrame(raf);
      badge.destroy();
      untoast();
      meter?.close();
      media.off('track', render);
    },
    showError(err) { ui.err.textContent = joinMessage(err); },
  };
}

async function submit(ui, doJoin) {
  const name = ui.name.value.trim();
  if (!name) {
    ui.err.textContent = 'Enter your name.';
    ui.name.focus();
    return;
  }
  saveName(name);
  ui.join.disabled = true;
  ui.err.textContent = '';
  try {
    await doJoin({ name, password: ui.pw?.value || undefined });
  } catch (err) {
    ui.err.textContent = joinMessage(err);
    ui.join.disabled = false;
    if (err.code === 'wrong_password') ui.pw?.focus();
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

function buildPrejoin(info) {
  const video = h('video', { autoplay: true, muted: true, playsInline: true });
  const tile = h('div', { class: 'tile self-preview', dataset: { peerId: 'self', kind: 'camera' } },
    video, h('div', { class: 'avatar', 'aria-hidden': 'true' }, 'Camera is off'));
  const meterBar = h('div', { class: 'meter-bar' });
  const meter = h('div', { class: 'meter', role: 'meter', 'aria-label': 'Input level',
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, meterBar);
  const micBtn = h('button', { type: 'button', class: 'ctl round' });
  const camBtn = h('button', { type: 'button', class: 'ctl round' });
  const fxBtn = h('button', { type: 'button', class: 'ctl round', 'aria-label': 'Effects',
    title: 'Effects' }, icon('effects'));
  const name = h('input', { id: 'pj-name', type: 'text', maxlength: String(MAX_NAME_CHARS),
    value: savedName(), autocomplete: 'name', required: true });
  const pw = info.password ? h('input', { id: 'pj-pw', type: 'password',
    autocomplete: 'current-password' }) : null;
  const join = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Join');
  const err = h('p', { class: 'form-error', role: 'alert' });
  const devErr = h('p', { class: 'form-warn', role: 'alert' });
  const pickers = {
    videoinput: picker('pj-cam', 'Camera'), audioinput: picker('pj-mic', 'Microphone'),
    audiooutput: picker('pj-spk', 'Speaker'),
  };
  const form = h('form', { class: 'card prejoin-form' },
    h('h1', {}, info.name || 'Ready to join?'),
    h('p', { class: 'hint' }, `${info.participants ?? 0} in the room`),
    h('label', { for: 'pj-name' }, 'Your name'), name,
    pw && h('label', { for: 'pj-pw' }, 'Room password'), pw,
    join, err);
  const root = h('main', { class: 'prejoin' },
    h('section', { class: 'preview' }, tile,
      h('div', { class: 'preview-bar' }, micBtn, camBtn, fxBtn, meter), devErr,
      h('div', { class: 'pickers' }, ...Object.values(pickers).map((p) => p.wrap))),
    form);
  return { root, video, tile, meter, meterBar, micBtn, camBtn, fxBtn, name, pw, join, err, devErr,
    pickers, form };
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
      d.label || `${kind === 'videoinput' ? 'Camera' : kind === 'audioinput' ? 'Microphone' : 'Speaker'} ${i + 1}`)));
  }
}

function wirePickers(ui, media) {
  for (const [kind, p] of Object.entries(ui.pickers)) {
    p.select.addEventListener('change', async () => {
      const code = await media.choose(kind, p.select.value);
      if (code) ui.devErr.textContent = mediaMessage(kind === 'videoinput' ? 'Camera' : 'Microphone', code);
    });
  }
}
