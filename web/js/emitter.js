// A minimal event emitter: listeners are isolated, so one throwing does not stop the rest.

export class Emitter {
  constructor() { this._map = new Map(); }

  on(event, fn) {
    if (typeof fn !== 'function') return;
    if (!this._map.has(event)) this._map.set(event, new Set());
    this._map.get(event).add(fn);
  }

  off(event, fn) { this._map.get(event)?.delete(fn); }

  emit(event, payload) {
    for (const fn of [...(this._map.get(event) ?? [])]) {
      try { fn(payload); } catch (err) { console.error(`listener for ${event} failed`, err); }
    }
  }
}
