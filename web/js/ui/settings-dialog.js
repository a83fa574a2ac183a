// The in-call "Settings" dialog: camera, microphone and speaker switched live (the new
// track reaches peers by replaceTrack, no renegotiation), a microphone level meter, audio
// processing, the video quality, and the language. Names in docs/client-api.md.
import { h } from './dom.js';
import { openDialog } from './dialog.js';
import { levelMeter, VIDEO_QUALITIES } from '../media.js';
import { mediaMessage } from './messages.js';
import { languageSelect } from './language.js';
import { t, N } from '../i18n.js';

const QUALITY_NAMES = { auto: N('Auto'), '720p': '720p', '360p': '360p', 'audio-only': N('Audio only') };
const KIND_NAMES = { videoinput: N('Camera'), audioinput: N('Microphone'), audiooutput: N('Speaker') };

let open = null;

/**
 * @param {import('../media.js').LocalMedia} media
 * @param {{onQuality: (q: string) => void, onLanguage: (code: string) => void}} o
 */
export function openSettings(media, o) {
  if (open) { open.el.querySelector('select')?.focus(); return; }
  const err = h('p', { class: 'form-error', role: 'alert' });
  const selects = {};
  const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
  for (const kind of Object.keys(KIND_NAMES)) {
    const sel = h('select', { id: `set-${kind}` });
    sel.addEventListener('change', async () => {
      err.textContent = '';
      const code = await media.choose(kind, sel.value);
      if (code) err.textContent = mediaMessage(t(KIND_NAMES[kind]), code);
      if (kind === 'audioinput') restartMeter();
    });
    selects[kind] = sel;
  }
  const meterBar = h('div', { class: 'meter-bar' });
  const meterEl = h('div', { class: 'meter', role: 'meter', 'aria-label': t('Microphone level'),
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, meterBar);
  const check = (key, label) => {
    const input = h('input', { type: 'checkbox', id: `set-${key}` });
    input.checked = media.prefs[key] !== false;
    input.addEventListener('change', async () => {
      err.textContent = '';
      const code = await media.setAudioProcessing({ [key]: input.checked });
      if (code) err.textContent = mediaMessage(t('Microphone'), code);
      restartMeter();
    });
    return h('div', { class: 'check' }, input, h('label', { for: `set-${key}` }, label));
  };
  const quality = h('select', { id: 'set-quality' },
    ...VIDEO_QUALITIES.map((q) => h('option', { value: q }, t(QUALITY_NAMES[q]))));
  quality.value = media.prefs.videoQuality ?? 'auto';
  quality.addEventListener('change', async () => {
    err.textContent = '';
    const code = await media.setVideoQuality(quality.value);
    if (code) err.textContent = mediaMessage(t('Camera'), code);
    o.onQuality(quality.value);
  });
  const lang = languageSelect('set-lang', (code) => { dlg.close(); o.onLanguage(code); });
  const audio = h('fieldset', { class: 'set-group' }, h('legend', {}, t('Audio')),
    field('set-audioinput', t('Microphone'), selects.audioinput), meterEl,
    check('noiseSuppression', t('Noise suppression')), check('echoCancellation', t('Echo cancellation')),
    field('set-audiooutput', t('Speaker'), selects.audiooutput));
  const video = h('fieldset', { class: 'set-group' }, h('legend', {}, t('Video')),
    field('set-videoinput', t('Camera'), selects.videoinput),
    field('set-quality', t('Video quality'), quality));
  const general = h('fieldset', { class: 'set-group' }, h('legend', {}, t('General')),
    field('set-lang', t('Language'), lang));
  let meter = null, raf = 0;
  const restartMeter = () => { meter?.close(); meter = media.tracks.audio ? levelMeter(media.tracks.audio) : null; };
  const tick = () => {
    const v = meter && media.micActive ? meter.read() : 0;
    meterEl.setAttribute('aria-valuenow', String(Math.round(v * 100)));
    meterBar.style.transform = `scaleX(${v.toFixed(3)})`;
    raf = requestAnimationFrame(tick);
  };
  const dlg = openDialog({ title: t('Settings'), className: 'settings-card',
    body: [h('div', { class: 'set-cols' }, audio, video, general), err],
    onClose: () => { cancelAnimationFrame(raf); meter?.close(); open = null; } });
  open = dlg;
  restartMeter();
  tick();
  fillDevices(media, selects);
  return dlg;
}

async function fillDevices(media, selects) {
  const lists = await media.devices();
  const current = {
    videoinput: media.tracks.camera?.getSettings?.().deviceId ?? media.prefs.videoinput,
    audioinput: media.tracks.audio?.getSettings?.().deviceId ?? media.prefs.audioinput,
    audiooutput: media.prefs.audiooutput ?? 'default',
  };
  for (const [kind, sel] of Object.entries(selects)) {
    const supported = kind !== 'audiooutput' || 'setSinkId' in HTMLMediaElement.prototype;
    sel.closest('.field').hidden = !supported;
    const list = lists[kind];
    sel.replaceChildren(...(list.length ? list.map((d, i) => h('option',
      { value: d.deviceId, selected: d.deviceId === current[kind] },
      d.label || `${t(KIND_NAMES[kind])} ${i + 1}`)) :
      [h('option', { value: '' }, t('No device found'))]));
    sel.disabled = list.length === 0;
  }
}
