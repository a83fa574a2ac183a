// A modal dialog: a card over a dimmed page, named by its heading, Esc and "Close" close it,
// Tab stays inside, and the focus goes back to what opened it.
import { h } from './dom.js';
import { t } from '../i18n.js';

let seq = 0;

/**
 * @param {{title: string, body: Node[], className?: string, onClose?: () => void}} o
 * @returns {{el: HTMLElement, close: () => void}}
 */
export function openDialog({ title, body, className = '', onClose }) {
  const back = document.activeElement;
  const id = `dlg${++seq}`;
  const closeBtn = h('button', { type: 'button', class: 'btn btn-primary' }, t('Close'));
  const card = h('div', { class: `card dialog-card ${className}` },
    h('h2', { id: `${id}-h` }, title), ...body, h('div', { class: 'row' }, closeBtn));
  const el = h('div', { class: 'overlay', role: 'dialog', 'aria-modal': 'true',
    'aria-labelledby': `${id}-h` }, card);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    el.remove();
    onClose?.();
    if (back?.isConnected) back.focus();
  };
  closeBtn.addEventListener('click', close);
  el.addEventListener('click', (e) => { if (e.target === el) close(); });
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close(); return; }
    if (e.key !== 'Tab') return;
    const f = [...card.querySelectorAll('button, select, input, textarea, [tabindex="0"]')]
      .filter((x) => !x.disabled && x.offsetParent !== null);
    if (f.length === 0) return;
    const first = f[0], last = f[f.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });
  document.body.append(el);
  (card.querySelector('select, input, button') ?? closeBtn).focus();
  return { el, close };
}
