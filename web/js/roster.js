// The room state as a pure reducer over server messages (docs/protocol.md), so the UI and
// window.buzzstream read one source of truth and the logic is testable without a socket.
//
// State: {self, participants (others, join order), room, owner, chat}. Reducers never
// mutate their input; unknown or malformed messages return the state unchanged.

export const CHAT_HISTORY_MAX = 500;

export function emptyRoster() {
  return { self: null, participants: [], room: null, owner: false, chat: [] };
}

const BOOL_FIELDS = ['mic', 'camera', 'screen', 'hand', 'owner'];

/** A participant object from the network with only known, well-typed fields. */
export function cleanParticipant(p) {
  if (!p || typeof p !== 'object' || typeof p.id !== 'string' || p.id.length === 0 ||
    p.id.length > 64) return null;
  const out = { id: p.id, name: typeof p.name === 'string' ? p.name.slice(0, 256) : '' };
  for (const f of BOOL_FIELDS) out[f] = p[f] === true;
  return out;
}

function cleanRoom(r, prev) {
  if (!r || typeof r !== 'object') return prev;
  return {
    id: typeof r.id === 'string' ? r.id : prev?.id ?? '',
    name: typeof r.name === 'string' ? r.name : prev?.name ?? '',
    locked: r.locked === true,
    password: r.password === true,
  };
}

function cleanChat(m) {
  if (!m || typeof m !== 'object' || typeof m.text !== 'string') return null;
  return {
    id: Number.isFinite(m.id) ? m.id : 0,
    from: typeof m.from === 'string' ? m.from : '',
    name: typeof m.name === 'string' ? m.name : '',
    text: m.text,
    ts: Number.isFinite(m.ts) ? m.ts : 0,
  };
}

function onJoined(state, m) {
  const self = cleanParticipant(m.self);
  if (!self) return state;
  const list = Array.isArray(m.participants) ? m.participants : [];
  const participants = list.map(cleanParticipant).filter((p) => p && p.id !== self.id);
  const history = (Array.isArray(m.chat) ? m.chat : []).map(cleanChat).filter(Boolean);
  // A rejoin delivers the last 100 messages again: merge by id so none shows twice.
  const chat = mergeChat(state.chat, history);
  return { self, participants, room: cleanRoom(m.room, null), owner: m.owner === true, chat };
}

function mergeChat(old, incoming) {
  const seen = new Set(old.map((c) => `${c.id}:${c.ts}:${c.from}`));
  const merged = old.concat(incoming.filter((c) => !seen.has(`${c.id}:${c.ts}:${c.from}`)));
  return merged.slice(-CHAT_HISTORY_MAX);
}

function onParticipantJoined(state, m) {
  const p = cleanParticipant(m.participant);
  if (!p || (state.self && p.id === state.self.id)) return state;
  const others = state.participants.filter((q) => q.id !== p.id);
  return { ...state, participants: [...others, p] };
}

function onParticipantLeft(state, m) {
  if (typeof m.id !== 'string') return state;
  return { ...state, participants: state.participants.filter((q) => q.id !== m.id) };
}

function onParticipantUpdated(state, m) {
  const p = cleanParticipant(m.participant);
  if (!p) return state;
  if (state.self && p.id === state.self.id) return { ...state, self: p };
  const participants = state.participants.map((q) => (q.id === p.id ? p : q));
  return { ...state, participants };
}

function onRoomUpdated(state, m) {
  return { ...state, room: cleanRoom(m.room, state.room) };
}

function onChat(state, m) {
  const c = cleanChat(m);
  if (!c) return state;
  return { ...state, chat: [...state.chat, c].slice(-CHAT_HISTORY_MAX) };
}

const REDUCERS = {
  'joined': onJoined,
  'participant-joined': onParticipantJoined,
  'participant-left': onParticipantLeft,
  'participant-updated': onParticipantUpdated,
  'room-updated': onRoomUpdated,
  'chat': onChat,
};

/** The next state after server message m. */
export function reduceRoster(state, m) {
  const fn = m && typeof m.type === 'string' && Object.hasOwn(REDUCERS, m.type) ?
    REDUCERS[m.type] : null;
  return fn ? fn(state, m) : state;
}

/** Ids present in `before` but not in `after`, and the reverse: drives the mesh diff. */
export function diffIds(before, after) {
  const a = new Set(before);
  const b = new Set(after);
  return {
    gone: [...a].filter((id) => !b.has(id)),
    added: [...b].filter((id) => !a.has(id)),
  };
}
