// Entry point and router: "/" → landing, "/r/<id>" → pre-join → room. Also installs
// window.buzzstream (docs/client-api.md).

import { Room } from './room.js';
import { getRoom, isRoomId, createRoom } from './api.js';
import { codedError } from './signaling.js';
import { showLanding } from './ui/landing.js';
import { showPrejoin, savedName } from './ui/prejoin.js';
import { RoomView } from './ui/room-view.js';
import { showEnded } from './ui/ended.js';
import { installApi } from './api-global.js';
import { toast } from './ui/toasts.js';
import { joinMessage } from './ui/messages.js';
import { effectCatalog } from './effects/effects.js';
import { initLanguage, t } from './i18n.js';

const app = {
  room: null,          // the Room of this page (replaced on rejoin after leaving)
  prejoin: null,       // {close, showError} while the pre-join screen is up
  mediaReady: null,    // the pre-join's device start, awaited before joining
  view: null,
  ended: false,
};

function go(path) {
  history.pushState(null, '', path);
  route();
}

function roomIdFromPath() {
  const m = /^\/r\/([^/]+)\/?$/.exec(location.pathname);
  return m ? decodeURIComponent(m[1]) : null;
}

function route() {
  const id = roomIdFromPath();
  if (id === null) { showLanding(go); return; }
  openRoom(id);
}

async function openRoom(id) {
  newRoom(id);
  if (!isRoomId(id)) { endScreen('room_not_found'); return; }
  let info;
  try {
    info = await getRoom(id);
  } catch (err) {
    if (err.code === 'room_not_found') { endScreen('room_not_found'); return; }
    info = { name: '', password: false, participants: 0 };
    toast(t('Could not load the room: {message}', { message: err.message }), 'error');
  }
  if (app.room.joined || app.view || app.joining) return;  // join() from the API came first
  app.prejoin = showPrejoin(app.room, info, (opts) => joinRoom(opts));
  app.mediaReady = app.prejoin.ready;
}

function newRoom(id) {
  app.room = new Room(id);
  app.ended = false;
  app.forward?.(app.room);
}

/** Joins the current room and switches to the call screen. */
async function joinRoom(opts) {
  const room = app.room;
  await room.join(opts);
  app.prejoin?.close();
  app.prejoin = null;
  showView(room);
}

/** The call screen for `room`; made again (same call) when the language changes. */
function showView(room) {
  app.view = new RoomView(room, (e) => onEnded(room, e), {
    rebuild: () => { app.view?.destroy(); showView(room); },
  });
}

function onEnded(room, e) {
  if (app.room !== room) return;
  app.view = null;
  app.ended = true;
  endScreen(e.code);
}

function endScreen(code) {
  const id = app.room?.roomId;
  const inRoom = code !== 'room_not_found' && isRoomId(id);
  showEnded(code, {
    message: joinMessage({ code, message: code }),
    home: () => go('/'),
    rejoin: inRoom ? () => openRoom(id) : undefined,
    // Back from the tab the call moved to: take the seat again, skipping the pre-join.
    joinHere: inRoom ? () => apiJoin({ takeover: true }).catch((e) => toast(joinMessage(e), 'error')) : undefined,
    create: async () => {
      try {
        const r = await createRoom({});
        go(`/r/${r.id}`);
      } catch (e) { toast(joinMessage(e), 'error'); }
    },
  });
}

/** join() of window.buzzstream: skips the pre-join screen. */
async function apiJoin(opts = {}) {
  const id = roomIdFromPath();
  if (!isRoomId(id)) throw codedError('room_not_found', 'This page is not a room.');
  if (!app.room || app.ended || app.room.roomId !== id) newRoom(id);
  if (app.room.joined || app.joining) throw codedError('already_joined', 'Already in the room.');
  app.joining = true;
  try {
    return await apiJoinNow(opts);
  } finally {
    app.joining = false;
  }
}

async function apiJoinNow(opts) {
  if (app.mediaReady) await app.mediaReady;
  const media = app.room.media;
  const wantMic = opts.mic !== false;
  const wantCam = opts.camera !== false;
  const errs = await media.start({ mic: wantMic, camera: wantCam });
  if (!wantCam) await media.setCamera(false);
  await media.setMic(wantMic && Boolean(media.tracks.audio));
  for (const [dev, code] of Object.entries(errs)) {
    if (code) app.room.emit('error', { code, message: `${dev}: ${code}` });
  }
  const name = opts.name ?? (savedName() || 'Guest');
  try {
    await joinRoom({ name, password: opts.password, iceTransportPolicy: opts.iceTransportPolicy,
      takeover: opts.takeover === true });
  } catch (err) {
    app.prejoin?.showError(err);
    throw err;
  }
  return { id: app.room.state.self.id, participants: app.room.participants() };
}

initLanguage();
// index.html says "Loading…" in English before any script runs; say it in the page's language
// while the catalogue of backgrounds loads (up to 3 s below).
const loading = document.querySelector('#app > .loading');
if (loading) loading.textContent = t('Loading…');
window.addEventListener('popstate', route);
// The effect catalog (built-in backgrounds) is known before the API appears, so
// effectImages() is complete from the start; a slow or missing asset server delays by 3 s at most.
await Promise.race([effectCatalog().catch(() => null), new Promise((r) => setTimeout(r, 3000))]);
installApi(app, apiJoin);
route();
