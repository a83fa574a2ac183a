// Overlays: keyboard-shortcut help, the password dialog and the per-tile stats text.

import { h } from './dom.js';
import { SHORTCUTS } from '../shortcuts.js';
import { t } from '../i18n.js';

export function helpOverlay(onClose) {
  const close = h('button', { class: 'btn', type: 'button' }, t('Close'));
  close.addEventListener('click', onClose);
  const rows = SHORTCUTS.map((s) => h('tr', {},
    h('td', {}, h('kbd', {}, s.display ? t(s.display) : s.key.toUpperCase())), h('td', {}, t(s.label))));
  const el = h('div', { class: 'overlay', role: 'dialog', 'aria-label': t('Keyboard shortcuts help'),
    hidden: true },
  h('div', { class: 'card' }, h('h2', {}, t('Keyboard shortcuts')),
    h('table', { class: 'keys' }, h('tbody', {}, ...rows)), close));
  el.addEventListener('click', (e) => { if (e.target === el) onClose(); });
  return el;
}

/** Asks for a new password; resolves the string ('' clears it) or null when cancelled. */
export function askPassword() {
  return new Promise((resolve) => {
    const input = h('input', { id: 'new-pw', type: 'password', autocomplete: 'new-password' });
    const save = h('button', { class: 'btn btn-primary', type: 'submit' }, t('Save password'));
    const cancel = h('button', { class: 'btn', type: 'button' }, t('Cancel'));
    const form = h('form', { class: 'card' }, h('h2', {}, t('Room password')),
      h('label', { for: 'new-pw' }, t('New password')), input,
      h('p', { class: 'hint' }, t('Leave empty to remove the password.')),
      h('div', { class: 'row' }, cancel, save));
    const el = h('div', { class: 'overlay', role: 'dialog', 'aria-modal': 'true',
      'aria-label': t('Change password') }, form);
    const done = (v) => { el.remove(); resolve(v); };
    form.addEventListener('submit', (e) => { e.preventDefault(); done(input.value); });
    cancel.addEventListener('click', () => done(null));
    el.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); done(null); } });
    document.body.append(el);
    input.focus();
  });
}

function fmtVideo(label, v) {
  if (!v) return null;
  return `${label} ${v.width}×${v.height} ${v.fps} fps ${v.bitrateKbps} kb/s loss ${v.lossPct}%`;
}

/** The text over the self-view: the outgoing video and the background effect. */
export function localStatsText(s) {
  const v = s?.video, e = s?.effects;
  const lines = [v ? `sending ${v.width}×${v.height} ${v.fps} fps ${v.bitrateKbps} kb/s` : 'not sending yet',
    `encoder ${v ? `${v.encodeMsPerFrame} ms/frame, limited by ${v.qualityLimitationReason}` : '–'}`];
  if (e) {
    lines.push(`effect ${e.background} · tier ${e.activeTier ?? '–'}${e.tier !== 'auto' ? ' (pinned)' : ''} · ${e.fps} fps${e.inferEvery > 1 ? ` · model every ${e.inferEvery} frames` : ''}`,
      `inference ${e.inferMs} ms · compositing ${e.compositeMs} ms · added ${e.addedLatencyMs} ms`,
      `tier switches ${e.switches}`);
  } else {
    lines.push('effect off');
  }
  return lines.join('\n');
}

/** The text shown over a peer's tile: bitrate, fps, resolution, RTT, loss. */
export function statsText(s) {
  if (!s) return 'no stats yet';
  return [
    fmtVideo('video', s.video),
    fmtVideo('screen', s.screen),
    `audio ${s.audio.bitrateKbps} kb/s loss ${s.audio.packetsLost} pkts`,
    `rtt ${s.rttMs ?? '–'} ms · ${s.candidateType ?? '–'} · ${s.connectionState ?? '–'}`,
  ].filter(Boolean).join('\n');
}
