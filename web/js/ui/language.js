// The "Language" select (landing page and Settings): every language with a catalogue,
// each named in itself.
import { h } from './dom.js';
import { LANGUAGES, language, setLanguage } from '../i18n.js';

/** A <select id=id>; choosing switches and remembers the language, then calls onChange. */
export function languageSelect(id, onChange) {
  const sel = h('select', { id },
    ...LANGUAGES.map((l) => h('option', { value: l.code, lang: l.code }, l.name)));
  sel.value = language();
  sel.addEventListener('change', () => onChange(setLanguage(sel.value)));
  return sel;
}
