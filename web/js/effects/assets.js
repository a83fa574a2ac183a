// Effect assets (nn.wasm, models, background images) under content-hashed names, from buzzd's
// /assets/ or the --assets-url base (GET /api/config). Each file is checked against the
// SHA-256 of the no-cache manifest (fetch `integrity` on the network, a digest on a cache hit)
// and kept in Cache Storage, so a second visit downloads none of them. Works in a Worker too.

import { effectError } from './settings.js';

const CACHE_NAME = 'buzz-assets-v1';
let configPromise = null;

/** The assets base URL (absolute) from GET /api/config; "/assets/" when the server is older. */
export function assetBase(origin = globalThis.location?.origin) {
  if (!configPromise) {
    configPromise = (async () => {
      try {
        const r = await fetch(new URL('/api/config', origin), { cache: 'no-cache' });
        if (r.ok) {
          const j = await r.json();
          if (typeof j.assets_url === 'string') return new URL(j.assets_url, origin).href;
        }
      } catch { /* fall through */ }
      return new URL('/assets/', origin).href;
    })();
  }
  return configPromise;
}

/** The manifest: {wasm, models, backgrounds} with paths relative to `base`. */
export async function loadManifest(base) {
  let r;
  try {
    r = await fetch(new URL('manifest.json', base), { cache: 'no-cache', mode: 'cors',
      credentials: 'omit' });
  } catch (err) {
    throw effectError('model_load_failed', `The effects manifest could not be loaded: ${err.message}`);
  }
  if (!r.ok) throw effectError('model_load_failed', `The effects manifest could not be loaded: HTTP ${r.status}`);
  const m = await r.json();
  if (m?.schema !== 1 || !m.wasm || !m.models) throw effectError('model_load_failed', 'The effects manifest is malformed.');
  return m;
}

function hexToBase64(hex) {
  let bin = '';
  for (let i = 0; i < hex.length; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(bin);
}

async function sha256Hex(buf) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function openCache() {
  try { return globalThis.caches ? await caches.open(CACHE_NAME) : null; } catch { return null; }
}

/**
 * The bytes of a manifest entry {path, sha256, size}, verified. `what` names it in errors.
 * Rejects with code `model_load_failed` (or `code` given) when missing or not matching.
 */
export async function fetchAsset(base, entry, { what = entry?.path, code = 'model_load_failed' } = {}) {
  if (!entry || typeof entry.path !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256 ?? '')) {
    throw effectError(code, `${what}: no such entry in the effects manifest.`);
  }
  const url = new URL(entry.path, base).href;
  const cache = await openCache();
  if (cache) {
    const hit = await cache.match(url).catch(() => null);
    if (hit) {
      const buf = await hit.arrayBuffer();
      if (await sha256Hex(buf) === entry.sha256) return buf;
      await cache.delete(url).catch(() => {});
    }
  }
  let r;
  try {
    r = await fetch(url, { integrity: `sha256-${hexToBase64(entry.sha256)}`, mode: 'cors',
      credentials: 'omit' });
  } catch (err) {
    // A failed `integrity` check is a network error in fetch: say which is likelier.
    throw effectError(code, `${what} could not be loaded or its SHA-256 does not match the manifest (${err.message}).`);
  }
  if (!r.ok) throw effectError(code, `${what} could not be loaded: HTTP ${r.status}.`);
  const buf = await r.arrayBuffer();
  if (cache) await cache.put(url, new Response(buf, { headers: { 'Content-Type': r.headers.get('Content-Type') ?? 'application/octet-stream' } })).catch(() => {});
  return buf;
}

// An uploaded background is remembered for the next call in the same cache, under a name
// that is never a real URL of the server.
const CUSTOM_KEY = '/__buzz/custom-background';

export async function saveCustomImage(blob) {
  const cache = await openCache();
  if (cache) await cache.put(new URL(CUSTOM_KEY, location.origin).href, new Response(blob)).catch(() => {});
}

export async function loadCustomImage() {
  const cache = await openCache();
  const r = cache ? await cache.match(new URL(CUSTOM_KEY, location.origin).href).catch(() => null) : null;
  return r ? r.blob() : null;
}
