// The message catalogue: every string a user sees goes through t(). Keys are the English
// text itself (as gettext does), so English needs no table and a missing translation falls
// back to readable English instead of a key. Placeholders are {name}: t('{name} joined',
// {name}). Catalogues of other languages live in i18n/<code>.js, one flat object each.
//
// The language is the one chosen with a "Language" select (localStorage buzz.lang), else
// the first of the browser's preferred languages that has a catalogue, else English.

import de from './i18n/de.js';
import es from './i18n/es.js';
import ar from './i18n/ar.js';

const LANG_KEY = 'buzz.lang';

/** Languages offered, by code: the name each has in itself, and its writing direction. */
export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr', table: null },
  { code: 'de', name: 'Deutsch', dir: 'ltr', table: de },
  { code: 'es', name: 'Español', dir: 'ltr', table: es },
  { code: 'ar', name: 'العربية', dir: 'rtl', table: ar },
];

let current = LANGUAGES[0];

/** The code of the first of `preferred` (BCP 47 tags, best first) that has a catalogue. */
export function pickLanguage(preferred, saved) {
  const known = new Set(LANGUAGES.map((l) => l.code));
  if (saved && known.has(saved)) return saved;
  for (const tag of preferred ?? []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (known.has(base)) return base;
  }
  return 'en';
}

/** Fills {placeholders} of `text` from `params` (missing ones stay visible, not "undefined"). */
export function format(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, k) => (Object.hasOwn(params, k) ? String(params[k]) : m));
}

/** Marks an English string in a table as a catalogue key (translated where it is shown). */
export const N = (key) => key;

/** The user-visible text for the English `key` in the current language. */
export function t(key, params) {
  const tr = current.table && Object.hasOwn(current.table, key) ? current.table[key] : key;
  return format(tr, params);
}

/**
 * t() for a word whose translation depends on where it stands ("Speaker" the layout is not
 * "Speaker" the loudspeaker): the catalogue key is "<context>|<English>".
 */
export function tc(context, key, params) {
  const k = `${context}|${key}`;
  const tr = current.table && Object.hasOwn(current.table, k) ? current.table[k] : key;
  return format(tr, params);
}

export function language() { return current.code; }

/** Switches the language for strings made from now on; sets <html lang dir>; remembers it. */
export function setLanguage(code, { save = true } = {}) {
  current = LANGUAGES.find((l) => l.code === code) ?? LANGUAGES[0];
  if (globalThis.document) {
    document.documentElement.lang = current.code;
    document.documentElement.dir = current.dir;
  }
  if (save) {
    try { localStorage.setItem(LANG_KEY, current.code); } catch { /* storage disabled */ }
  }
  return current.code;
}

/** Picks the language at start-up from the saved choice and navigator.languages. */
export function initLanguage() {
  let saved = null;
  try { saved = localStorage.getItem(LANG_KEY); } catch { /* storage disabled */ }
  const langs = globalThis.navigator?.languages ?? [globalThis.navigator?.language];
  return setLanguage(pickLanguage(langs, saved), { save: false });
}
