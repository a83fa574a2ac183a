// The "Effects" dialog (pre-join and in the call): background choice as radio buttons,
// upload of an own picture (it never leaves the browser), the face effects (touch-up with its
// strength, low-light correction, a filter) and the model quality pin. Names are part of
// docs/client-api.md.

import { h } from './dom.js';
import { effectCatalog, faceFilters } from '../effects/effects.js';
import { toast } from './toasts.js';
import { t, N } from '../i18n.js';

const CHOICES = [
  { value: 'none', label: N('No effect') },
  { value: 'blur-light', label: N('Light blur') },
  { value: 'blur-strong', label: N('Strong blur') },
];
const QUALITY = [['auto', N('Auto')], ['small', N('Small')], ['medium', N('Medium')], ['large', N('Large')]];
const TIER_NAMES = { small: N('Small'), medium: N('Medium'), large: N('Large') };
// Titles of the built-in pictures (models/backgrounds.json) and face filters
// (effects/face-filters.js), for the catalogue: they are shown through t(), and a title
// the catalogue does not know (a picture from another --assets-url) is shown as it is.
const BUILT_IN_TITLES = [N('Coffee'), N('Deep space'), N('Rocket launch'), N('Cat'), N('Brick wall'),
  N('Lawn'), N('Gravel'), N('Sunglasses'), N('Crown'), N('Moustache'), N('Face paint')];
let seq = 0;
const LAST_TOUCHUP = 'buzz.face.lastTouchUp';

function lastTouchUp() {
  try {
    const v = Number(localStorage.getItem(LAST_TOUCHUP));
    return Number.isInteger(v) && v > 0 && v <= 100 ? v : 50;
  } catch { return 50; }
}
function rememberTouchUp(v) { try { localStorage.setItem(LAST_TOUCHUP, String(v)); } catch { /* private mode */ } }

/** The "Face" group: its element and sync(). run(change, what) applies a face change. */
function faceGroup(id, effects, run) {
  const touch = h('input', { type: 'checkbox', id: `${id}-tu` });
  const strength = h('input', { type: 'range', id: `${id}-ts`, min: '0', max: '100', step: '1',
    'aria-label': t('Touch-up strength') });
  const low = h('input', { type: 'checkbox', id: `${id}-ll` });
  const filters = h('div', { class: 'fx-filters', role: 'radiogroup', 'aria-label': t('Face filter'),
    style: 'display:flex;flex-wrap:wrap;gap:6px 18px;margin-top:6px' });
  // Inline: the app's stylesheet sizes every input as a full-width text field.
  const box = 'width:auto;padding:0;margin:0;flex:none;accent-color:var(--accent);inline-size:18px;block-size:18px';
  const text = 'margin:0;color:inherit;font-size:.95rem;white-space:nowrap';
  touch.style.cssText = box;
  low.style.cssText = box;
  const radios = new Map();
  for (const f of [{ id: null, title: N('No filter') }, ...faceFilters()]) {
    const title = t(f.title);
    // "Applying sunglasses…" in English; other languages keep the word as translated.
    const what = title === f.title ? title.toLowerCase() : title;
    const input = h('input', { type: 'radio', name: `${id}-ff`, value: f.id ?? '', style: box });
    input.addEventListener('change', () => { if (input.checked) run({ filter: f.id }, f.id ? what : ''); });
    filters.append(h('label', { class: 'fx-filter', style: `display:flex;gap:6px;align-items:center;${text}` },
      input, h('span', {}, title)));
    radios.set(f.id, input);
  }
  touch.addEventListener('change', () => {
    const v = touch.checked ? lastTouchUp() : 0;
    strength.value = String(v);
    run({ touchUp: v }, touch.checked ? t('touch-up') : '');
  });
  strength.addEventListener('change', () => {
    const v = Number(strength.value);
    if (v > 0) rememberTouchUp(v);
    touch.checked = v > 0;
    run({ touchUp: v }, v > 0 ? t('touch-up') : '');
  });
  low.addEventListener('change', () => run({ lowLight: low.checked }, low.checked ? t('low-light correction') : ''));
  const row = 'display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:4px 0';
  strength.style.cssText = 'flex:1 1 140px;min-width:120px;max-width:280px;width:auto;padding:0;margin:0 0 0 8px;accent-color:var(--accent)';
  const el = h('fieldset', { class: 'fx-group fx-face', style: 'margin-top:10px' }, h('legend', {}, t('Face')),
    h('div', { class: 'fx-face-row', style: row }, touch, h('label', { for: `${id}-tu`, style: text }, t('Touch-up')), strength),
    h('div', { class: 'fx-face-row', style: row }, low, h('label', { for: `${id}-ll`, style: text }, t('Low-light correction'))),
    filters);
  const sync = () => {
    const f = effects.faceEffect();
    touch.checked = f.touchUp > 0;
    strength.value = String(f.touchUp > 0 ? f.touchUp : lastTouchUp());
    low.checked = f.lowLight;
    for (const [k, r] of radios) r.checked = k === f.filter;
  };
  return { el, sync };
}

/** Opens the dialog for `effects`; resolves when it closes. Only one is open at a time. */
export function openEffectsDialog(effects) {
  const open = document.querySelector('.effects-dialog');
  if (open) { open.querySelector('input:checked, input, button')?.focus(); return Promise.resolve(); }
  return new Promise((resolve) => {
    const id = `fx${++seq}`;
    const status = h('p', { class: 'hint fx-status', role: 'status' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const grid = h('div', { class: 'fx-choices' });
    const group = h('fieldset', { class: 'fx-group' }, h('legend', {}, t('Background')), grid);
    const file = h('input', { type: 'file', accept: 'image/*', class: 'visually-hidden',
      'aria-label': t('Background image file'), tabindex: '-1' });
    const upload = h('button', { type: 'button', class: 'btn fx-upload' }, t('Upload image'));
    const quality = h('select', { id: `${id}-q` }, ...QUALITY.map(([v, label]) => h('option', { value: v }, t(label))));
    const close = h('button', { type: 'button', class: 'btn btn-primary' }, t('Close'));
    const face = faceGroup(id, effects, (change, what) => run(change, what, 'face'));
    const card = h('div', { class: 'card fx-card' }, h('h2', {}, t('Effects')), group,
      h('div', { class: 'row fx-upload-row' }, upload, file), face.el,
      h('div', { class: 'fx-advanced' }, h('label', { for: `${id}-q` }, t('Model quality')), quality,
        h('span', { class: 'hint' }, t('Auto adapts the model to what this device sustains.'))),
      status, error, h('div', { class: 'row' }, close));
    const el = h('div', { class: 'overlay effects-dialog', role: 'dialog', 'aria-modal': 'true',
      'aria-label': t('Effects') }, card);
    const radios = new Map();
    const addChoice = (value, label, thumb) => {
      const input = h('input', { type: 'radio', name: `${id}-bg`, value });
      const lab = h('label', { class: 'fx-choice' }, input,
        thumb ? h('img', { src: thumb, alt: '', loading: 'lazy' }) : h('span', { class: `fx-swatch fx-${value}`, 'aria-hidden': 'true' }),
        h('span', {}, label));
      input.addEventListener('change', () => { if (input.checked) apply(value); });
      grid.append(lab);
      radios.set(value, input);
      return input;
    };
    for (const c of CHOICES) addChoice(c.value, t(c.label));
    const sync = () => {
      const e = effects.effect();
      // A built-in picture's radio appears once the catalog has loaded; until then none is checked.
      const key = e.background === 'image' ? `image:${e.image === 'custom' ? 'custom' : e.image}` : e.background;
      if (key === 'image:custom' && !radios.has(key)) addChoice('image:custom', t('Your image'));
      for (const [v, r] of radios) r.checked = v === key;
      quality.value = e.tier;
      face.sync();
    };
    let busy = 0;
    const run = async (change, what, kind = 'background') => {
      const my = ++busy;
      error.textContent = '';
      status.textContent = what ? t('Applying {what}…', { what }) : t('Applying…');
      try {
        if (kind === 'face') await effects.setFace(change); else await effects.set(change);
        if (my === busy) status.textContent = '';
      } catch (err) {
        if (my === busy) { status.textContent = ''; error.textContent = err.message; }
        if (err.code !== 'cancelled') toast(err.message, 'error', 6000);
      }
      sync();
    };
    const apply = (value) => {
      if (value.startsWith('image:')) {
        const img = value.slice(6);
        if (img === 'custom') run({ background: 'image' }, t('your image'));
        else run({ background: 'image', image: img }, radios.get(value)?.parentElement.textContent);
      } else {
        run({ background: value }, value === 'none' ? '' : t(CHOICES.find((c) => c.value === value).label).toLowerCase());
      }
    };
    upload.addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (!f) return;
      if (!radios.has('image:custom')) addChoice('image:custom', t('Your image'));
      run({ background: 'image', image: f }, t('your image'));
      file.value = '';
    });
    quality.addEventListener('change', () => run({ tier: quality.value }, t('{tier} model', { tier: t(TIER_NAMES[quality.value] ?? 'Auto').toLowerCase() })));
    const done = () => {
      el.remove();
      effects.off('change', sync);
      document.removeEventListener('keydown', onKey, true);
      resolve();
    };
    const onKey = (e) => { if (e.key === 'Escape') { e.stopPropagation(); e.preventDefault(); done(); } };
    close.addEventListener('click', done);
    el.addEventListener('click', (e) => { if (e.target === el) done(); });
    document.addEventListener('keydown', onKey, true);
    effects.on('change', sync);
    status.textContent = t('Loading backgrounds…');
    effectCatalog().then(({ base, manifest }) => {
      status.textContent = '';
      for (const [bid, b] of Object.entries(manifest.backgrounds ?? {})) {
        const thumb = b.thumb ? new URL(b.thumb, base).href : null;
        addChoice(`image:${bid}`, typeof b.title === 'string' ? t(b.title) : bid, thumb);
      }
      // Keep "Your image" last.
      const custom = radios.get('image:custom');
      if (custom) grid.append(custom.parentElement);
      sync();
    }).catch((err) => { status.textContent = ''; error.textContent = t('Effects are unavailable: {message}', { message: err.message }); });
    sync();
    document.body.append(el);
    (grid.querySelector('input:checked') ?? grid.querySelector('input'))?.focus();
  });
}

/** The small tier badge on a self-view tile; updates itself from `effects`. */
export function tierBadge(effects) {
  const el = h('span', { class: 'tier-badge', hidden: true });
  const render = () => {
    const e = effects.effect();
    // One tier for both effects: shown while either runs.
    const tier = e.background !== 'none' ? e.activeTier : effects.faceEffect?.().activeTier ?? null;
    el.hidden = !tier;
    if (!tier) return;
    el.textContent = tier === 'paused' ? t('Effect paused') : t(TIER_NAMES[tier] ?? tier);
    el.title = tier === 'paused' ? (e.background !== 'none' ? t('Background effect paused') : t('Face effects paused'))
      : t('Effect model: {tier}', { tier: t(TIER_NAMES[tier] ?? tier).toLowerCase() });
    el.setAttribute('aria-label', el.title);
  };
  effects.on('change', render);
  render();
  return { el, destroy: () => effects.off('change', render) };
}

const PAUSED = {
  face: N('Face effects paused to keep the call smooth. They will resume when the device has room.'),
  both: N('Effects paused to keep the call smooth. They will resume when the device has room.'),
  background: N('Background effect paused to keep the call smooth. It will resume when the device has room.'),
};
const RESUMED = { face: N('Face effects resumed.'), both: N('Effects resumed.'), background: N('Background effect resumed.') };

/** Toasts for an effect that had to pause (and resume) to keep the call smooth. */
export function effectToasts(effects) {
  // effect-tier comes once per running effect (background, face): one toast per switch.
  const fn = ({ from, to, effect }) => {
    const both = effects.effect().background !== 'none' && effects.faceEffect?.().activeTier != null;
    if (both && effect === 'face') return;
    const which = effect === 'face' ? 'face' : both ? 'both' : 'background';
    if (to === 'paused') toast(t(PAUSED[which]), 'info', 8000);
    else if (from === 'paused') toast(t(RESUMED[which]));
  };
  effects.on('effect-tier', fn);
  return () => effects.off('effect-tier', fn);
}
