// The chat panel: history, composer with "Send", unread count while closed.

import { h } from './dom.js';
import { MAX_CHAT_CHARS } from '../text.js';
import { errorMessage } from './messages.js';

export class ChatPanel {
  /** @param {{send: (text: string) => Promise<void>, onUnread: (n: number) => void}} o */
  constructor(o) {
    this.o = o;
    this.unread = 0;
    this.open = false;
    this.list = h('ol', { class: 'chat-list', 'aria-label': 'Chat history', 'aria-live': 'polite' });
    this.input = h('textarea', { id: 'chat-input', rows: '2', 'aria-label': 'Message',
      maxlength: String(MAX_CHAT_CHARS * 2), placeholder: 'Send a message to everyone' });
    this.sendBtn = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Send');
    this.err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'chat-compose' }, this.input, this.sendBtn);
    form.addEventListener('submit', (e) => { e.preventDefault(); this._send(); });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); this._send(); }
    });
    this.el = h('aside', { class: 'panel chat', 'aria-label': 'Chat', hidden: true },
      h('h2', {}, 'Chat'), this.list, this.err, form);
  }

  async _send() {
    const text = this.input.value;
    if (!text.trim()) return;
    this.sendBtn.disabled = true;
    this.err.textContent = '';
    try {
      await this.o.send(text);
      this.input.value = '';
    } catch (err) {
      this.err.textContent = err.code === 'too_long' ?
        `Messages can be at most ${MAX_CHAT_CHARS} characters.` : errorMessage(err);
    } finally {
      this.sendBtn.disabled = false;
      this.input.focus();
    }
  }

  /** Replaces the whole history (join, rejoin). */
  setHistory(msgs, selfId) {
    this.list.replaceChildren(...msgs.map((m) => this._item(m, selfId)));
    this._scroll();
  }

  add(m, selfId) {
    this.list.append(this._item(m, selfId));
    while (this.list.childElementCount > 500) this.list.firstElementChild.remove();
    this._scroll();
    if (!this.open && m.from !== selfId) {
      this.unread++;
      this.o.onUnread(this.unread);
    }
  }

  _item(m, selfId) {
    const time = new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return h('li', { class: m.from === selfId ? 'mine' : '' },
      h('div', { class: 'meta' }, h('strong', {}, m.from === selfId ? 'You' : m.name),
        h('time', { datetime: new Date(m.ts).toISOString() }, time)),
      h('p', {}, m.text));
  }

  _scroll() { this.list.scrollTop = this.list.scrollHeight; }

  setOpen(open) {
    this.open = open;
    this.el.hidden = !open;
    if (open) {
      this.unread = 0;
      this.o.onUnread(0);
      this._scroll();
      this.input.focus();
    }
  }
}
