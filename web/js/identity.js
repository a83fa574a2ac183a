// Telling people apart: two participants with the same name get "Bob" and "Bob (2)", in the
// order they joined, so that every page of the room numbers them alike (all pages see the
// same join order); and each person's avatar has a colour from a stable hash of their id,
// never the colour of someone else with the same name.
// Pure, so it is unit-tested (tests/web-unit/identity.test.js).

/** Names compared for sameness: trimmed, case and width folded ("bob" = "Bob"). */
function nameKey(name) {
  return String(name ?? '').normalize('NFKC').trim().toLocaleLowerCase();
}

/**
 * @param {{id: string, name: string}[]} people  everyone in the room, in join order
 * @returns {Map<string, string>}  id → display name
 */
export function displayNames(people) {
  const seen = new Map();   // name key → how many so far
  const out = new Map();
  for (const p of people) {
    const key = nameKey(p.name);
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    out.set(p.id, n === 1 ? p.name : `${p.name} (${n})`);
  }
  return out;
}

// Avatar backgrounds: mid-dark tones that keep white initials above 4.5:1 contrast.
const AVATAR_COLOURS = ['#1a73e8', '#c5221f', '#188038', '#a142f4', '#b06000', '#00796b',
  '#c2185b', '#3949ab', '#0b8043', '#00838f', '#8e24aa', '#d93025'];

/** FNV-1a over the UTF-16 code units of s: small, stable across browsers and sessions. */
export function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The avatar colour of a participant on its own (by id; see avatarColours for a room). */
export function avatarColour(id) {
  return AVATAR_COLOURS[hash32(String(id)) % AVATAR_COLOURS.length];
}

/**
 * Avatar colours for everyone in a room, in join order: each person's colour of their id,
 * except that people with the same name never share one (the next free colour of the palette
 * is taken), so "Bob" and "Bob (2)" always look different. Every page sees the same join
 * order, so every page colours alike.
 * @param {{id: string, name: string}[]} people  @returns {Map<string, string>} id → colour
 */
export function avatarColours(people) {
  const n = AVATAR_COLOURS.length;
  const taken = new Map();  // name key → colour indexes in use
  const out = new Map();
  for (const p of people) {
    const key = nameKey(p.name);
    const used = taken.get(key) ?? new Set();
    let i = hash32(String(p.id)) % n;
    for (let k = 0; k < n && used.has(i); k++) i = (i + 1) % n;
    used.add(i);
    taken.set(key, used);
    out.set(p.id, AVATAR_COLOURS[i]);
  }
  return out;
}
