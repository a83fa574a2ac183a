// A tiny element builder: h('button', {class: 'x', onclick: fn, 'aria-label': 'Go'}, 'Go').
// Text is always set as text (never HTML), so names and chat from the network are inert.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the app root's content with one screen. */
export function mount(...nodes) {
  const root = document.getElementById('app');
  root.replaceChildren(...nodes);
  return root;
}

// Icons live in icons.js; re-exported so existing imports keep working.
export { icon } from './icons.js';
