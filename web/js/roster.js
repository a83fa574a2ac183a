// The room state as a pure reducer over server messages (docs/protocol.md), so the UI and
// window.buzzstream read one source of truth and the logic is testable without a socket.
//
// State: {self, participants (others, join order), selfAt, room, owner, chat, chatMore}.
// selfAt is our own place in the join order: participants[0..selfAt) joined before us. Reducers
// never mutate their input; unknown or malformed messages return the state unchanged.
// chat is ordered by id; chatMore says whether the server has messages older than chat[0].

export const CHAT_HISTORY_MAX = 500;   // live messages kept
export const CHAT_PAGED_MAX = 5000;    // with "Load earlier messages" the user asked for more

export function emptyRoster() {
  return { self: null, participants: [], selfAt: 0, room: null, owner: false, chat: [],
    chatMore: false, chatPaged: false };
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
  // A rejoin delivers the newest messages again: merge by id so none shows twice.
  // chat_more is about what is older than joined.chat; after a rejoin we may hold older ones.
  const olderHeld = state.chat.length > 0 && history.length > 0 && state.chat[0].id < history[0].id;
  const chatMore = olderHeld ? state.chatMore : m.chat_more === true;
  // The server lists the others in join order; a reconnect (same id) keeps its old place.
  const back = list.findIndex((p) => p && p.id === self.id);
  const selfAt = back >= 0 ? list.slice(0, back).filter((p) => cleanParticipant(p)).length :
    participants.length;
  return { ...withChat({ ...state, chatMore }, mergeChat(state.chat, history)), self, participants,
    selfAt, room: cleanRoom(m.room, null), owner: m.owner === true };
}

/** The state with `chat`, cut to the newest CHAT_HISTORY_MAX (CHAT_PAGED_MAX once the user
 * paged back); cutting makes the server's older messages "more" again. */
function withChat(state, chat) {
  const max = state.chatPaged ? CHAT_PAGED_MAX : CHAT_HISTORY_MAX;
  if (chat.length <= max) return { ...state, chat };
  return { ...state, chat: chat.slice(-max), chatMore: true };
}

const chatKey = (c) => `${c.id}:${c.ts}:${c.from}`;

/** old + incoming without duplicates, ordered by id. */
function mergeChat(old, incoming) {
  const seen = new Set(old.map(chatKey));
  const fresh = incoming.filter((c) => !seen.has(chatKey(c)) && seen.add(chatKey(c)));
  if (fresh.length === 0) return old;
  const merged = old.concat(fresh);
  merged.sort((a, b) => a.id - b.id);
  return merged;
}

/**
 * A chat-history reply ({messages, more}) for the request's `before`. Paging at the top
 * (before at or under the oldest message held) updates chatMore; filling a gap does not.
 */
function onChatHistory(state, m) {
  const msgs = (Array.isArray(m.messages) ? m.messages : []).map(cleanChat).filter(Boolean);
  const top = state.chat.length === 0 || !(m.before > state.chat[0].id);
  const next = { ...state, chatMore: top ? m.more === true : state.chatMore,
    chatPaged: state.chatPaged || top };
  return withChat(next, mergeChat(state.chat, msgs));
}

/**
 * Holes in the ids of `chat` (sorted by id): chat ids increase by one per room, so a jump
 * means the server dropped messages for us (a slow link) or we were away. Newest first:
 * [{before, count}] where `before` is the id above the hole and `count` how many are missing.
 */
export function chatGaps(chat) {
  const gaps = [];
  for (let i = chat.length - 1; i > 0; i--) {
    const missing = chat[i].id - chat[i - 1].id - 1;
    if (missing > 0) gaps.push({ before: chat[i].id, count: missing });
  }
  return gaps;
}

function onParticipantJoined(state, m) {
  const p = cleanParticipant(m.participant);
  if (!p || (state.self && p.id === state.self.id)) return state;
  const was = state.participants.findIndex((q) => q.id === p.id);
  const others = state.participants.filter((q) => q.id !== p.id);
  const selfAt = was >= 0 && was < state.selfAt ? state.selfAt - 1 : state.selfAt;
  return { ...state, participants: [...others, p], selfAt };
}

function onParticipantLeft(state, m) {
  if (typeof m.id !== 'string') return state;
  const at = state.participants.findIndex((q) => q.id === m.id);
  if (at < 0) return state;
  return { ...state, participants: state.participants.filter((q) => q.id !== m.id),
    selfAt: at < state.selfAt ? state.selfAt - 1 : state.selfAt };
}

/** Everyone, self included, in join order (self may be null before joining). */
export function everyone(state) {
  const at = Math.min(state.selfAt ?? 0, state.participants.length);
  const list = state.participants.slice();
  if (state.self) list.splice(at, 0, state.self);
  return list;
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
  return withChat(state, [...state.chat, c]);
}

const REDUCERS = {
  'joined': onJoined,
  'participant-joined': onParticipantJoined,
  'participant-left': onParticipantLeft,
  'participant-updated': onParticipantUpdated,
  'room-updated': onRoomUpdated,
  'chat': onChat,
  'chat-history': onChatHistory,
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
