// Toasts: short notices in a polite live region, so screen readers announce them too.

import { h } from './dom.js';
import { icon } from './icons.js';

let region = null;

function ensureRegion() {
  if (region && region.isConnected) return region;
  region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  document.body.append(region);
  return region;
}

/** Shows text for `ms`; kind is "info" or "error"; iconName an icons.js icon before it. */
export function toast(text, kind = 'info', ms = 4000, iconName = null) {
  const el = h('div', { class: `toast toast-${kind}` }, iconName ? icon(iconName) : null, text);
  const r = ensureRegion();
  r.append(el);
  while (r.children.length > 4) r.firstElementChild.remove();
  setTimeout(() => el.remove(), ms);
}
