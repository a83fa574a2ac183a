// REST calls of docs/protocol.md, plus the owner token store.

import { codedError } from './signaling.js';

const OWNER_KEY = (id) => `buzz.owner.${id}`;
const ROOM_ID_RE = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(path, { method, headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined });
  } catch {
    throw codedError('network', 'The server cannot be reached.');
  }
  let json = null;
  try { json = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    throw codedError(json?.error || `http_${res.status}`, json?.message || res.statusText);
  }
  return json ?? {};
}

/** POST /api/rooms; stores the owner token for the new room. */
export async function createRoom({ name, password } = {}) {
  const body = {};
  if (name) body.name = name;
  if (password) body.password = password;
  const r = await call('POST', '/api/rooms', body);
  if (!isRoomId(r.id)) throw codedError('bad_reply', 'The server sent an invalid room id.');
  if (typeof r.owner_token === 'string') saveOwnerToken(r.id, r.owner_token);
  return r;
}

/** GET /api/rooms/<id> → {id, name, participants, locked, password}. */
export function getRoom(id) {
  if (!isRoomId(id)) return Promise.reject(codedError('room_not_found', 'No such room.'));
  return call('GET', `/api/rooms/${id}`);
}

export function isRoomId(s) { return typeof s === 'string' && ROOM_ID_RE.test(s); }

/** A room id from a code or a pasted link ("…/r/k3x9-a7pq-2mzd"), or null. */
export function parseRoomInput(s) {
  const m = /([a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{4})\/?(?:[?#].*)?$/i.exec(String(s).trim());
  if (!m) return null;
  const flat = m[1].toLowerCase().replace(/-/g, '');
  return `${flat.slice(0, 4)}-${flat.slice(4, 8)}-${flat.slice(8)}`;
}

export function saveOwnerToken(id, token) {
  try { localStorage.setItem(OWNER_KEY(id), token); } catch { /* storage disabled */ }
}

export function ownerToken(id) {
  try { return localStorage.getItem(OWNER_KEY(id)); } catch { return null; }
}
