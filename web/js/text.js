// Text limits that never split a character.
//
// The server counts names and chat messages in Unicode code points (protocol.md:
// "1–64 chars", "1–2000 chars"); JavaScript strings count UTF-16 code units, so a plain
// slice() can cut an emoji in half and produce a lone surrogate the server would reject.

export const MAX_NAME_CHARS = 64;
export const MAX_CHAT_CHARS = 2000;

/** Number of Unicode code points in s. */
export function codePointLength(s) {
  let n = 0;
  for (const _ of String(s)) n++;
  return n;
}

/** s cut to at most max code points, never inside a surrogate pair. */
export function clampCodePoints(s, max) {
  const str = String(s);
  if (str.length <= max) return str;
  let out = '';
  let n = 0;
  for (const ch of str) {
    if (n === max) break;
    out += ch;
    n++;
  }
  return out;
}

/** Bytes s takes in UTF-8 (lone surrogates count as U+FFFD, 3 bytes, as TextEncoder does). */
export function utf8Length(s) {
  let bytes = 0;
  for (const ch of String(s)) {
    const cp = ch.codePointAt(0);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** s cut so that its UTF-8 encoding is at most maxBytes, on a character boundary. */
export function clampUtf8(s, maxBytes) {
  let out = '';
  let bytes = 0;
  for (const ch of String(s)) {
    const n = utf8Length(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** A display name made safe to send: trimmed, control characters removed, clamped. */
export function cleanName(s) {
  // eslint-disable-next-line no-control-regex
  const flat = String(s ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clampCodePoints(flat, MAX_NAME_CHARS).trim();
}

/**
 * Checks a chat message before sending.
 * @returns {{ok: true, text: string} | {ok: false, error: string}}
 */
export function checkChat(s) {
  const text = String(s ?? '').trim();
  if (text.length === 0) return { ok: false, error: 'empty' };
  if (codePointLength(text) > MAX_CHAT_CHARS) return { ok: false, error: 'too_long' };
  return { ok: true, text };
}

/** Initials for an avatar: first letter of the first two words, by code point. */
export function initials(name) {
  const words = String(name ?? '').trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0].toUpperCase());
  return letters.join('') || '?';
}
