// A popup menu under (or above) its button, as WAI-ARIA's menu button pattern: role="menu"
// named like the button, items role="menuitem" or "menuitemradio" (aria-checked), arrow
// keys and Home/End move, Enter/Space choose, Esc and a click outside close it and give the
// focus back to the button. One menu is open at a time.
import { h } from './dom.js';
import { icon } from './icons.js';

let openOne = null;

/** Closes the open menu, if any; true when one was open. */
export function closeMenu() {
  if (!openOne) return false;
  openOne.close(false);
  return true;
}

/**
 * @param {HTMLElement} button  the menu button (gets aria-expanded)
 * @param {string} label  the menu's accessible name
 * @param {{label: string, icon?: string, radio?: boolean, checked?: boolean,
 *   onSelect: () => void, className?: string}[]} items
 */
export function openMenu(button, label, items, { className = '', toolbar = false } = {}) {
  const wasThis = openOne?.button === button;
  closeMenu();
  if (wasThis) return;     // a second press on the button closes its menu
  // toolbar: a row of plain buttons (the reactions picker), same keys and closing rules.
  const el = h('div', { class: `menu ${toolbar ? 'menu-toolbar' : ''} ${className}`,
    role: toolbar ? 'toolbar' : 'menu', 'aria-label': label });
  const itemRole = (it) => (toolbar ? undefined : it.radio ? 'menuitemradio' : 'menuitem');
  const nodes = items.map((it) => {
    const b = h('button', { type: 'button', class: `menu-item ${it.className ?? ''}`,
      role: itemRole(it), tabindex: '-1', title: toolbar ? it.label : undefined },
    it.icon ? icon(it.icon) : null,
    h('span', { class: toolbar ? 'visually-hidden' : 'menu-label' }, it.label),
    it.badge ? h('span', { class: 'menu-badge' }, it.badge) : null,
    it.radio && it.checked ? icon('check') : null);
    if (it.radio) b.setAttribute('aria-checked', String(Boolean(it.checked)));
    // A toolbar (reactions) stays open for a second and third choice, as Meet's does.
    b.addEventListener('click', () => { if (!toolbar) close(true); it.onSelect(); });
    el.append(b);
    return b;
  });
  const onDoc = (e) => { if (!el.contains(e.target) && !button.contains(e.target)) close(false); };
  const onKey = (e) => {
    const i = nodes.indexOf(document.activeElement);
    const go = (j) => { e.preventDefault(); nodes[(j + nodes.length) % nodes.length]?.focus(); };
    const rtl = document.documentElement.dir === 'rtl';
    if (e.key === 'ArrowDown' || (toolbar && e.key === (rtl ? 'ArrowLeft' : 'ArrowRight'))) go(i + 1);
    else if (e.key === 'ArrowUp' || (toolbar && e.key === (rtl ? 'ArrowRight' : 'ArrowLeft'))) go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(nodes.length - 1);
    else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close(true); }
    else if (e.key === 'Tab') close(false);
  };
  function close(refocus) {
    if (openOne?.el !== el) return;
    openOne = null;
    el.remove();
    document.removeEventListener('pointerdown', onDoc, true);
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  }
  el.addEventListener('keydown', onKey);
  document.body.append(el);
  place(el, button);
  button.setAttribute('aria-expanded', 'true');
  document.addEventListener('pointerdown', onDoc, true);
  openOne = { el, button, close };
  (nodes.find((n) => n.getAttribute('aria-checked') === 'true') ?? nodes[0])?.focus();
}

/** Above the button when there is more room there (the control bar is at the bottom). */
function place(el, button) {
  const r = button.getBoundingClientRect();
  const m = el.getBoundingClientRect();
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const left = Math.max(8, Math.min(vw - m.width - 8, r.left + r.width / 2 - m.width / 2));
  const above = r.top - m.height - 8;
  const top = above >= 8 ? above : Math.min(vh - m.height - 8, r.bottom + 8);
  el.style.left = `${Math.round(left)}px`;
  el.style.top = `${Math.round(Math.max(8, top))}px`;
}

/** Marks `button` as the opener of a menu. */
export function menuButton(button, popup = 'menu') {
  button.setAttribute('aria-haspopup', popup);
  button.setAttribute('aria-expanded', 'false');
  return button;
}
