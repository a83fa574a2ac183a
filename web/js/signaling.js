// The signaling WebSocket (docs/protocol.md): request/reply matching by "id", pings every
// 10 s, reconnect with jittered backoff, and automatic rejoin with the reconnect token.
//
// States (window.buzzstream.connectionState()): idle → connecting → open; a drop goes to
// reconnecting until the socket is back and, if we had joined, the rejoin succeeded;
// closed after close() or when the server ended us for good (removed, replaced).

import { Emitter } from './emitter.js';
import { backoffDelay } from './backoff.js';

const PING_MS = 10000;
const DEAD_MS = 25000;          // no frame at all for this long: the socket is dead
const REQUEST_TIMEOUT_MS = 10000;
const FINAL_CLOSE_CODES = new Set([4001, 4003]);
// Join errors that a rejoin without the (possibly stale) token will not fix either.
const FATAL_JOIN_CODES = new Set(['room_not_found', 'wrong_password', 'room_locked',
  'room_full']);

export function codedError(code, message) {
  const err = new Error(message || code);
  err.code = code;
  return err;
}

export class Signaling extends Emitter {
  constructor(url) {
    super();
    this.url = url;
    this.state = 'idle';
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();      // id → {resolve, reject, timer}
    this.attempt = 0;
    this.joinParams = null;        // set once joined: what a rejoin sends
    this.token = null;
    this.timers = { ping: 0, retry: 0 };
    this.lastRx = 0;
  }

  _setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  /** Opens the socket; resolves once it is open (first connection only). */
  connect() {
    if (this.ws) return Promise.resolve();
    this._setState('connecting');
    return new Promise((resolve, reject) => this._open(resolve, reject));
  }

  _open(onOpen, onFail) {
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      if (onFail) onFail(codedError('network', String(err)));
      else this._onClose(1006, 'cannot connect');
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.lastRx = Date.now();
      this._startPing();
      onOpen?.();
      if (this.joinParams) this._rejoin();
      else this._setState('open');
    };
    ws.onmessage = (ev) => this._onFrame(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this._stopPing();
      this._failPending(codedError('disconnected', 'connection lost'));
      if (onFail && this.state === 'connecting') onFail(codedError('network', 'cannot connect'));
      this._onClose(ev.code, ev.reason);
    };
  }

  _onClose(code, reason) {
    if (this.state === 'closed') return;
    if (FINAL_CLOSE_CODES.has(code) || !this.joinParams) {
      this._setState('closed');
      this.emit('closed', { code, reason });
      return;
    }
    this._setState('reconnecting');
    const delay = backoffDelay(this.attempt++);
    this.timers.retry = setTimeout(() => this._open(), delay);
  }

  async _rejoin() {
    const base = { type: 'join', ...this.joinParams };
    try {
      let msg;
      try {
        msg = await this.request({ ...base, token: this.token ?? undefined });
      } catch (err) {
        // A restarted server does not know our token; join as new instead.
        if (!err.code || FATAL_JOIN_CODES.has(err.code) || err.code === 'disconnected') throw err;
        msg = await this.request(base);
      }
      this._afterJoin(msg);
      this._setState('open');
      this.emit('rejoined', msg);
    } catch (err) {
      if (err.code === 'disconnected') return;    // onclose already scheduled a retry
      this.emit('rejoin-failed', err);
      this.close();
    }
  }

  _afterJoin(msg) {
    if (typeof msg.reconnect_token === 'string') this.token = msg.reconnect_token;
  }

  /** Sends join; on success later drops are rejoined automatically with the same params. */
  async join(params) {
    const msg = await this.request({ type: 'join', ...params });
    this.joinParams = params;
    this._afterJoin(msg);
    return msg;
  }

  _onFrame(data) {
    this.lastRx = Date.now();
    if (typeof data !== 'string' || data.length > 1 << 20) return;
    let msg;
    try { msg = JSON.parse(data); } catch { return; }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    if (Number.isInteger(msg.id) && this.pending.has(msg.id) &&
      ['joined', 'ok', 'error', 'pong', 'left', 'chat-history'].includes(msg.type)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'error') p.reject(codedError(msg.code, msg.message));
      else p.resolve(msg);
      return;
    }
    this.emit('message', msg);
  }

  /** Sends msg with a fresh id; resolves with the direct reply, rejects on `error`. */
  request(msg, timeoutMs = REQUEST_TIMEOUT_MS) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this._sendRaw({ ...msg, id })) {
        reject(codedError('disconnected', 'not connected'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(codedError('timeout', `no answer to ${msg.type}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  /** Fire and forget; false when the socket is not open. */
  send(msg) { return this._sendRaw(msg); }

  _sendRaw(msg) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  _failPending(err) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  _startPing() {
    this._stopPing();
    this.timers.ping = setInterval(() => {
      if (Date.now() - this.lastRx > DEAD_MS) {
        this.ws?.close(4000, 'no answer');   // onclose reconnects
        return;
      }
      this._sendRaw({ type: 'ping' });
    }, PING_MS);
  }

  _stopPing() { clearInterval(this.timers.ping); }

  /** Leaves the room (if joined) and closes for good. */
  async leave() {
    if (this.joinParams && this.state === 'open') {
      try { await this.request({ type: 'leave' }, 2000); } catch { /* closing anyway */ }
    }
    this.close();
  }

  close() {
    this._setState('closed');
    clearTimeout(this.timers.retry);
    this._stopPing();
    this.joinParams = null;
    const ws = this.ws;
    this.ws = null;
    this._failPending(codedError('closed', 'connection closed'));
    if (ws) try { ws.close(1000, 'bye'); } catch { /* already closed */ }
  }
}
