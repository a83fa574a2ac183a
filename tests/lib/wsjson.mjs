// A raw JSON-over-WebSocket client for protocol tests and the benchmark: no retries, no
// helpful validation, so tests see exactly what the server sends.
import WebSocket from 'ws';

export class WsJson {
  /** Use WsJson.connect(); the constructor does not wait for the upgrade. */
  constructor(url, opts = {}) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 16 << 20, ...opts });
    this.inbox = [];        // messages no waiter has taken yet, oldest first
    this.waiters = [];      // {pred, resolve, reject, timer}
    this.all = [];          // every parsed message, for assertions after the fact
    this.nonJson = [];      // frames that did not parse (should never happen)
    this.nextId = 1;
    this.tap = null;        // optional (msg) => bool; true means consumed, not stored
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters.splice(0)) { clearTimeout(w.timer); w.reject(new Error(`socket closed (${code} ${reason}) while waiting for ${w.what}`)); }
        resolve(this.closeInfo);
      });
    });
    this.ws.on('error', (e) => { this.lastError = e; });
    this.ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
  }

  static connect(url, { timeoutMs = 5000, ...opts } = {}) {
    const c = new WsJson(url, opts);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { c.ws.terminate(); reject(new Error(`connect ${url} timed out`)); }, timeoutMs);
      c.ws.once('open', () => { clearTimeout(t); resolve(c); });
      c.ws.once('error', (e) => { clearTimeout(t); reject(e); });
    });
  }

  #onMessage(data, isBinary) {
    let msg;
    try { msg = JSON.parse(data.toString()); } catch { this.nonJson.push({ data, isBinary }); return; }
    msg.__rx = performance.now();
    if (this.tap && this.tap(msg)) return; // a long-running consumer took it
    this.all.push(msg);
    const i = this.waiters.findIndex((w) => w.pred(msg));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(msg);
    } else {
      this.inbox.push(msg);
    }
  }

  get open() { return this.ws.readyState === WebSocket.OPEN; }

  send(obj) { this.ws.send(JSON.stringify(obj)); }

  /** Sends bytes or text exactly as given (for malformed input). */
  sendRaw(data, opts = {}) { this.ws.send(data, opts); }

  /** Resolves with the first message (queued or future) for which pred(msg) is true. */
  next(pred = () => true, timeoutMs = 5000, what = 'a message') {
    if (typeof pred === 'string') { const type = pred; what = type; pred = (m) => m.type === type; }
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    if (!this.open) return Promise.reject(new Error(`socket not open while waiting for ${what}`));
    return new Promise((resolve, reject) => {
      const w = { pred, resolve, reject, what };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; inbox: ${JSON.stringify(this.inbox.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Sends obj with a fresh numeric id and waits for the direct reply carrying that id. */
  request(obj, timeoutMs = 5000) {
    const id = this.nextId++;
    this.send({ ...obj, id });
    return this.next((m) => m.id === id, timeoutMs, `reply to ${obj.type} #${id}`);
  }

  /** Drops queued messages (e.g. the roster chatter of other tests). */
  drain() { this.inbox.length = 0; }

  close() { try { this.ws.close(1000); } catch { /* already closed */ } return this.closed; }

  terminate() { this.ws.terminate(); return this.closed; }
}

/** Connects and joins `room` as `name`; returns {c, joined}. Throws on an error reply. */
export async function joinRoom(wsUrl, room, name, extra = {}) {
  const c = await WsJson.connect(wsUrl);
  const joined = await c.request({ type: 'join', room, name, ...extra });
  if (joined.type !== 'joined') { c.terminate(); throw new Error(`join failed: ${JSON.stringify(joined)}`); }
  return { c, joined };
}
