// One seat per browser profile and room: the page that is in a call records its
// participant's reconnect token under localStorage buzz.seat.<room> and answers "are you in
// this room?" on a BroadcastChannel. A second page of the profile that opens the room asks
// first; if a live page answers it can offer "Join here", which joins with that token: the
// server gives it the same participant and closes the first page's socket with 4003
// (docs/protocol.md "Reconnect"), and the first page shows that the call moved.

const KEY = (room) => `buzz.seat.${room}`;
const CHANNEL = 'buzz.seat';
const ASK_MS = 1500;             // a live page answers in milliseconds; a loaded machine may lag

// This page's identity among the profile's pages (not shared, not stored).
const TAB = Math.random().toString(36).slice(2) + Date.now().toString(36);

let channel = null;
const held = new Map();          // room id → participant id this page holds

function ensureChannel() {
  if (channel || typeof BroadcastChannel === 'undefined') return channel;
  channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e) => {
    const m = e.data;
    if (m?.type === 'ask' && held.has(m.room)) {
      channel.postMessage({ type: 'here', room: m.room, nonce: m.nonce, tab: TAB });
    }
  };
  return channel;
}

/** Records that this page holds `room` as participant `id` with reconnect `token`. */
export function holdSeat(room, id, token, name) {
  held.set(room, id);
  ensureChannel();
  try {
    localStorage.setItem(KEY(room), JSON.stringify({ id, token, name, tab: TAB }));
  } catch { /* storage disabled: no takeover offered */ }
}

/** This page left (or was ended): forgets the seat, but not one another page took over. */
export function releaseSeat(room) {
  held.delete(room);
  try {
    const s = JSON.parse(localStorage.getItem(KEY(room)) ?? 'null');
    if (s?.tab === TAB) localStorage.removeItem(KEY(room));
  } catch { /* storage disabled */ }
}

/**
 * The seat another page of this profile holds in `room` now: {id, token, name}, or null.
 * `live: false` skips asking whether that page still answers: for an explicit "take the
 * seat" (the moved-away page's "Join here", join({takeover: true})), where a busy or
 * throttled page that answers late must not turn the user into a second participant; a
 * token the server no longer knows is ignored there and a fresh participant joins.
 */
export async function seatElsewhere(room, { live: askLive = true } = {}) {
  let seat = null;
  try { seat = JSON.parse(localStorage.getItem(KEY(room)) ?? 'null'); } catch { return null; }
  if (!seat || typeof seat.token !== 'string' || seat.tab === TAB) return null;
  if (!askLive) return { id: seat.id, token: seat.token, name: seat.name };
  const ch = ensureChannel();
  if (!ch) return null;
  const nonce = Math.random().toString(36).slice(2);
  const live = await new Promise((resolve) => {
    const timer = setTimeout(() => { ch.removeEventListener('message', onMsg); resolve(false); }, ASK_MS);
    function onMsg(e) {
      if (e.data?.type !== 'here' || e.data.nonce !== nonce) return;
      clearTimeout(timer);
      ch.removeEventListener('message', onMsg);
      resolve(true);
    }
    ch.addEventListener('message', onMsg);
    ch.postMessage({ type: 'ask', room, nonce });
  });
  return live ? { id: seat.id, token: seat.token, name: seat.name } : null;
}
