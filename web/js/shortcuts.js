// Keyboard shortcuts of the room screen. The help overlay is generated from this table, so
// the list a user sees is always the list that works.

import { N } from './i18n.js';

export const SHORTCUTS = [
  { key: 'm', action: 'toggle-mic', label: N('Microphone on/off') },
  { key: 'v', action: 'toggle-camera', label: N('Camera on/off') },
  { key: 'e', action: 'toggle-effects', label: N('Background effects') },
  { key: 's', action: 'toggle-share', label: N('Share screen / stop sharing') },
  { key: 'c', action: 'toggle-chat', label: N('Open/close chat') },
  { key: 'p', action: 'toggle-people', label: N('Show/hide participants') },
  { key: 'h', action: 'toggle-hand', label: N('Raise/lower hand') },
  { key: 'i', action: 'toggle-stats', label: N('Show/hide stats') },
  { key: '?', action: 'toggle-help', label: N('Keyboard shortcuts') },
  { key: 'Escape', action: 'close', label: N('Close panel or overlay'), display: N('Esc') },
];

const BY_KEY = new Map(SHORTCUTS.map((s) => [s.key, s.action]));
const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);

/**
 * The action for a keydown, or null.
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean,
 *          targetTag?: string, editable?: boolean, repeat?: boolean}} e
 */
export function actionForKey(e) {
  if (!e || typeof e.key !== 'string' || e.repeat) return null;
  if (e.key === 'Escape') return 'close';
  // Letters typed into the chat box are text, not commands; modified keys belong to the
  // browser (Ctrl+C must still copy).
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.editable || TYPING_TAGS.has(String(e.targetTag).toUpperCase())) return null;
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  return BY_KEY.get(k) ?? null;
}
