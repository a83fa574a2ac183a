// The message catalogue: every English string the client shows through t() or marks with N()
// has a translation in every other language (German, Spanish, Arabic) with the same
// {placeholders}, and no translation is left over for a string that no longer exists. Also the language choice and formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LANGUAGES, pickLanguage, format, t, setLanguage } from '../../web/js/i18n.js';

const WEB = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web/js');
// effects/ and nn/ show no text of their own (their errors reach the user through
// messages.js and the Effects dialog, which also marks the built-in pictures' and face
// filters' titles for the catalogue).
const SKIP = [/^effects\//, /^nn\//, /^i18n\//];

function sources(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (SKIP.some((re) => re.test(r) || re.test(`${r}/`))) continue;
    if (e.isDirectory()) out.push(...sources(path.join(dir, e.name), r));
    else if (e.name.endsWith('.js')) out.push([r, fs.readFileSync(path.join(dir, e.name), 'utf8')]);
  }
  return out;
}

/** Every literal key of t('…') and N('…') in the client's sources. */
export function catalogueKeys() {
  const keys = new Map();
  for (const [file, src] of sources(WEB)) {
    for (const m of src.matchAll(/\b(?:[tN]|tc\(\s*'(\w+)',)\(?\s*'((?:[^'\\]|\\.)*)'/g)) {
      // eslint-disable-next-line no-new-func
      const text = new Function(`return '${m[2]}';`)();
      const key = m[1] ? `${m[1]}|${text}` : text;
      if (!keys.has(key)) keys.set(key, file);
    }
  }
  return keys;
}

const holes = (s) => [...s.replace(/^\w+\|/, '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every catalogue key is translated in every language, with the same placeholders', () => {
  const keys = catalogueKeys();
  assert.ok(keys.size > 150, `only ${keys.size} keys found`);
  for (const lang of LANGUAGES.filter((l) => l.table)) {
    const missing = [...keys.keys()].filter((k) => !Object.hasOwn(lang.table, k));
    assert.deepEqual(missing, [], `${lang.code}: missing translations`);
    for (const [k, v] of Object.entries(lang.table)) {
      assert.ok(keys.has(k), `${lang.code}: "${k}" is not used any more`);
      assert.equal(typeof v, 'string');
      assert.ok(v.trim().length > 0, `${lang.code}: empty translation of "${k}"`);
      assert.deepEqual(holes(v), holes(k), `${lang.code}: placeholders of "${k}"`);
    }
  }
});

test('the language: saved choice, then the browser\'s preferred languages, then English', () => {
  assert.equal(pickLanguage(['fr-FR', 'de-CH', 'en'], null), 'de');
  assert.equal(pickLanguage(['es-419'], null), 'es');
  assert.equal(pickLanguage(['ar-EG', 'en'], null), 'ar');
  assert.equal(LANGUAGES.find((l) => l.code === 'ar').dir, 'rtl');
  assert.equal(pickLanguage(['ja', 'zh-CN'], null), 'en');
  assert.equal(pickLanguage(['de'], 'es'), 'es');
  assert.equal(pickLanguage(['de'], 'xx'), 'de');
  assert.equal(pickLanguage(undefined, null), 'en');
});

test('t() translates and fills placeholders; unknown keys stay English', () => {
  assert.equal(format('{name} joined', { name: 'Ann' }), 'Ann joined');
  assert.equal(format('{name} and {other}', { name: 'A' }), 'A and {other}');
  setLanguage('de', { save: false });
  assert.equal(t('Leave'), LANGUAGES.find((l) => l.code === 'de').table.Leave);
  assert.equal(t('no such key {x}', { x: 1 }), 'no such key 1');
  setLanguage('en', { save: false });
  assert.equal(t('Leave'), 'Leave');
});
