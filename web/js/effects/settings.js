// The background-effect setting: validation of setEffect() arguments, merging with the
// current value, and persistence across calls (localStorage). Pure logic, unit-tested in
// tests/web-unit/effects-settings.test.js.

export const BACKGROUNDS = ['none', 'blur-light', 'blur-strong', 'image'];
export const TIERS = ['auto', 'small', 'medium', 'large'];
export const BACKENDS = ['auto', 'cpu', 'webgl'];
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
// Blur radius for each blur choice (fx_composite strength, 1..100).
export const BLUR_STRENGTH = { 'blur-light': 35, 'blur-strong': 85 };

const KEY = 'buzz.effect';

export const DEFAULT_SETTING = Object.freeze({ background: 'none', image: null, tier: 'auto',
  backend: 'auto' });

// Errors with a `code`: the same helper as the signaling errors.
import { codedError as effectError } from '../signaling.js';

export { effectError };

/** True for the forms `image` may take besides a built-in id (validated when decoded). */
export function isImageObject(x) {
  return (typeof Blob !== 'undefined' && x instanceof Blob) ||
    (typeof ImageBitmap !== 'undefined' && x instanceof ImageBitmap);
}

/**
 * The setting after applying `change` to `current`. Omitted fields keep their values.
 * `builtins`: the ids of the built-in images. Throws an Error with a `code` for bad input.
 */
export function mergeSetting(current, change, builtins = []) {
  if (change === null || typeof change !== 'object') {
    throw effectError('invalid_argument', 'setEffect takes an object such as {background: "blur-light"}.');
  }
  const next = { ...current };
  for (const k of Object.keys(change)) {
    if (!['background', 'image', 'tier', 'backend'].includes(k)) {
      throw effectError('invalid_argument', `setEffect: unknown field "${k}".`);
    }
  }
  if (change.background !== undefined) {
    if (!BACKGROUNDS.includes(change.background)) {
      throw effectError('invalid_argument', `background must be one of ${BACKGROUNDS.join(', ')}.`);
    }
    next.background = change.background;
  }
  if (change.image !== undefined) {
    const img = change.image;
    if (typeof img === 'string') {
      if (!builtins.includes(img) && !/^(https?:|blob:|data:|\/)/.test(img)) {
        throw effectError('image_invalid', `"${img.slice(0, 80)}" is neither a built-in image nor a URL.`);
      }
    } else if (img !== null && !isImageObject(img)) {
      throw effectError('image_invalid', 'image must be a built-in id, a URL, a Blob or an ImageBitmap.');
    }
    next.image = img;
  }
  if (change.tier !== undefined) {
    if (!TIERS.includes(change.tier)) throw effectError('invalid_argument', `tier must be one of ${TIERS.join(', ')}.`);
    next.tier = change.tier;
  }
  if (change.backend !== undefined) {
    if (!BACKENDS.includes(change.backend)) {
      throw effectError('invalid_argument', `backend must be one of ${BACKENDS.join(', ')}.`);
    }
    next.backend = change.backend;
  }
  if (next.background === 'image' && (next.image === null || next.image === undefined)) {
    if (builtins.length === 0) throw effectError('image_invalid', 'No image chosen.');
    next.image = builtins[0];
  }
  return next;
}

/** What is remembered for the next call: built-in ids and URLs as they are; an uploaded
 * image as "custom" (its bytes are kept in Cache Storage by the caller). */
export function storableSetting(s) {
  let image = s.image;
  if (image !== null && typeof image !== 'string') image = 'custom';
  if (typeof image === 'string' && /^(blob:|data:)/.test(image)) image = 'custom';
  return { background: s.background, image, tier: s.tier, backend: s.backend };
}

export function loadSetting(storage = globalThis.localStorage) {
  try {
    const raw = JSON.parse(storage?.getItem(KEY) ?? 'null');
    if (!raw || typeof raw !== 'object') return { ...DEFAULT_SETTING };
    const s = { ...DEFAULT_SETTING };
    if (BACKGROUNDS.includes(raw.background)) s.background = raw.background;
    if (typeof raw.image === 'string' && raw.image.length <= 2048) s.image = raw.image;
    if (TIERS.includes(raw.tier)) s.tier = raw.tier;
    if (BACKENDS.includes(raw.backend)) s.backend = raw.backend;
    if (s.background === 'image' && !s.image) s.background = 'none';
    return s;
  } catch {
    return { ...DEFAULT_SETTING };
  }
}

export function saveSetting(s, storage = globalThis.localStorage) {
  try { storage?.setItem(KEY, JSON.stringify(storableSetting(s))); } catch { /* private mode */ }
}

/** Median of a numeric array (0 for an empty one). */
export function median(xs) {
  if (!xs.length) return 0;
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

// ---- face effects (setFaceEffect) ----

const FACE_KEY = 'buzz.face';
export const DEFAULT_FACE = Object.freeze({ touchUp: 0, lowLight: false, filter: null });

/** True while a face setting changes the picture. */
export function faceActive(s) { return s.touchUp > 0 || s.lowLight || s.filter !== null; }

/**
 * The face setting after `change` ({touchUp?: 0..100, lowLight?: bool, filter?: id | null});
 * `filters`: the ids of faceFilters(). Throws an Error with a `code` for bad input.
 */
export function mergeFaceSetting(current, change, filters = []) {
  if (change === null || typeof change !== 'object') {
    throw effectError('invalid_argument', 'setFaceEffect takes an object such as {touchUp: 50}.');
  }
  const next = { ...current };
  for (const k of Object.keys(change)) {
    if (!['touchUp', 'lowLight', 'filter'].includes(k)) {
      throw effectError('invalid_argument', `setFaceEffect: unknown field "${k}".`);
    }
  }
  if (change.touchUp !== undefined) {
    const t = change.touchUp;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 100) {
      throw effectError('invalid_argument', 'touchUp must be a number from 0 to 100.');
    }
    next.touchUp = Math.round(t);
  }
  if (change.lowLight !== undefined) {
    if (typeof change.lowLight !== 'boolean') throw effectError('invalid_argument', 'lowLight must be true or false.');
    next.lowLight = change.lowLight;
  }
  if (change.filter !== undefined) {
    if (change.filter !== null && !filters.includes(change.filter)) {
      throw effectError('invalid_argument', `filter must be null or one of ${filters.join(', ')}.`);
    }
    next.filter = change.filter;
  }
  return next;
}

export function loadFaceSetting(filters, storage = globalThis.localStorage) {
  try {
    const raw = JSON.parse(storage?.getItem(FACE_KEY) ?? 'null');
    const s = { ...DEFAULT_FACE };
    if (!raw || typeof raw !== 'object') return s;
    if (Number.isInteger(raw.touchUp) && raw.touchUp >= 0 && raw.touchUp <= 100) s.touchUp = raw.touchUp;
    if (typeof raw.lowLight === 'boolean') s.lowLight = raw.lowLight;
    if (typeof raw.filter === 'string' && filters.includes(raw.filter)) s.filter = raw.filter;
    return s;
  } catch {
    return { ...DEFAULT_FACE };
  }
}

export function saveFaceSetting(s, storage = globalThis.localStorage) {
  try {
    storage?.setItem(FACE_KEY, JSON.stringify({ touchUp: s.touchUp, lowLight: s.lowLight, filter: s.filter }));
  } catch { /* private mode */ }
}
