// Reference signaling server for the benchmark: the smallest node + `ws` server that speaks
// the subset of docs/protocol.md the load tool uses (POST /api/rooms, GET /healthz, WS /ws
// with join, relay, ping). No persistence, no limits beyond a 64 KiB frame cap: it is the
// "what does a bare relay cost" baseline that buzzd is compared against.
//
//   node bench/signaling/ref-server.mjs PORT     (prints "ready PORT" once listening)
import http from 'node:http';
import crypto from 'node:crypto';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] || 0);
const rooms = new Map(); // room id → Map(participant id → socket)

function roomId() {
  const s = crypto.randomBytes(12).toString('hex').slice(0, 12);
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`;
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') { res.end('ok'); return; }
  if (req.method === 'POST' && req.url === '/api/rooms') {
    req.resume();
    req.on('end', () => {
      const id = roomId();
      rooms.set(id, new Map());
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, url: `/r/${id}`, owner_token: crypto.randomBytes(32).toString('base64url') }));
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":"not_found","message":"no such path"}');
});

const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 65536, perMessageDeflate: false });

const send = (ws, obj) => ws.send(JSON.stringify(obj));
const err = (ws, code, ref, id) => send(ws, { type: 'error', code, message: code, ref, id });

const handlers = {
  join(ws, m) {
    if (ws.pid) return err(ws, 'already_joined', 'join', m.id);
    const room = rooms.get(m.room);
    if (!room) return err(ws, 'room_not_found', 'join', m.id);
    if (typeof m.name !== 'string' || !m.name || m.name.length > 64) return err(ws, 'bad_message', 'join', m.id);
    ws.pid = `p${crypto.randomBytes(4).toString('hex')}`;
    ws.room = room;
    const self = { id: ws.pid, name: m.name, mic: true, camera: true, screen: false, hand: false, owner: false };
    ws.self = self;
    const others = [...room.values()].map((o) => o.self);
    for (const o of room.values()) send(o, { type: 'participant-joined', participant: self });
    room.set(ws.pid, ws);
    send(ws, { type: 'joined', id: m.id, self, participants: others, room: { id: m.room }, chat: [], ice_servers: [], reconnect_token: '', owner: false, media: 'p2p' });
  },
  relay(ws, m) {
    if (!ws.pid) return err(ws, 'not_joined', 'relay', m.id);
    const to = ws.room.get(m.to);
    if (!to) return err(ws, 'no_such_participant', 'relay', m.id);
    send(to, { type: 'relay', from: ws.pid, data: m.data });
  },
  ping(ws, m) { send(ws, { type: 'pong', id: m.id, ts: Date.now() }); },
};

wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    let m;
    try { m = JSON.parse(data); } catch { return err(ws, 'bad_json'); }
    const h = m && handlers[m.type];
    if (!h) return err(ws, 'unknown_type', m && m.type);
    h(ws, m);
  });
  ws.on('close', () => {
    if (!ws.room) return;
    ws.room.delete(ws.pid);
    for (const o of ws.room.values()) send(o, { type: 'participant-left', id: ws.pid, reason: 'left' });
  });
});

server.listen(port, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
