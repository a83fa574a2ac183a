// window.buzzstream: the automation and embedding API of docs/client-api.md. Listeners
// registered here survive leaving and rejoining (each new Room is forwarded).

import { Emitter } from './emitter.js';
import { codedError } from './signaling.js';
import { effectImages, faceFilters } from './effects/effects.js';

const EVENTS = ['roster', 'participant-joined', 'participant-left', 'participant-updated',
  'chat', 'track', 'connection', 'joined', 'error', 'removed', 'effect-tier', 'reaction', 'video-paused'];

function publicJoined(j) { return { id: j.id, participants: j.participants }; }
function publicLeft(p) { return { id: p.id, reason: p.reason }; }
function publicReaction(r) { return { from: r.from, kind: r.kind }; }
const MAPS = { joined: publicJoined, 'participant-left': publicLeft, reaction: publicReaction };

export function installApi(app, apiJoin) {
  const bus = new Emitter();
  app.forward = (room) => {
    for (const ev of EVENTS) {
      const map = MAPS[ev] ?? ((x) => x);
      room.on(ev, (payload) => { if (app.room === room) bus.emit(ev, map(payload)); });
    }
  };
  if (app.room) app.forward(app.room);
  const effectsOf = () => {
    if (!app.room) throw codedError('not_ready', 'The page has not opened a room yet.');
    return app.room.media.effects;
  };
  const need = () => {
    if (!app.room?.joined) throw codedError('not_joined', 'Not in a room.');
    return app.room;
  };
  const api = {
    join: (opts) => apiJoin(opts),
    leave: async () => { if (app.room?.joined) await app.room.leave(); },
    self: () => app.room?.self() ?? null,
    participants: () => app.room?.participants() ?? [],
    setMic: async (on) => need().setMic(on),
    setCamera: async (on) => need().setCamera(on),
    shareScreen: async () => need().shareScreen(),
    stopShare: async () => need().stopShare(),
    raiseHand: async (on = true) => need().raiseHand(on),
    react: async (kind) => need().react(kind),
    mediaSettings: () => app.room?.media.settings() ?? null,
    sendChat: async (text) => { await need().sendChat(text); },
    chat: () => app.room?.chat() ?? [],
    chatHistory: async (opts) => need().chatHistory(opts ?? {}),
    stats: async () => (app.room?.joined ? app.room.stats() : {}),
    connectionState: () => app.room?.connectionState() ?? 'idle',
    setEffect: async (change) => { await effectsOf().set(change ?? {}); },
    effect: () => effectsOf().effect(),
    effectImages: () => effectImages(),
    setFaceEffect: async (change) => { await effectsOf().setFace(change ?? {}); },
    faceEffect: () => effectsOf().faceEffect(),
    faceFilters: () => faceFilters(),
    localStats: async () => (app.room ? app.room.localStats() : { video: null, effects: null }),
    on: (ev, fn) => bus.on(ev, fn),
    off: (ev, fn) => bus.off(ev, fn),
  };
  Object.defineProperty(window, 'buzzstream', { value: Object.freeze(api), configurable: false });
}
