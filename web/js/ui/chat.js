// The chat panel: history (with "Load earlier messages" when the server has older ones),
// composer with "Send", unread count while closed.

import { h } from './dom.js';
import { MAX_CHAT_CHARS } from '../text.js';
import { CHAT_HISTORY_MAX, CHAT_PAGED_MAX } from '../roster.js';
import { errorMessage } from './messages.js';
import { t } from '../i18n.js';

export class ChatPanel {
  /**
   * @param {{send: (text: string) => Promise<void>, onUnread: (n: number) => void,
   *   loadEarlier: () => Promise<void>, nameOf?: (id: string) => string|null}} o
   *   nameOf: the sender's display name ("Bob (2)") while they are in the room
   */
  constructor(o) {
    this.o = o;
    this.unread = 0;
    this.open = false;
    this.cap = CHAT_HISTORY_MAX;      // items kept; more once the user paged back
    this.list = h('ol', { class: 'chat-list', 'aria-label': t('Chat history'), 'aria-live': 'polite' });
    this.moreBtn = h('button', { class: 'btn btn-small chat-more', type: 'button', hidden: true },
      t('Load earlier messages'));
    this.moreBtn.addEventListener('click', () => this._loadEarlier());
    this.input = h('textarea', { id: 'chat-input', rows: '2', 'aria-label': t('Message'),
      maxlength: String(MAX_CHAT_CHARS * 2), placeholder: t('Send a message to everyone') });
    this.sendBtn = h('button', { class: 'btn btn-primary', type: 'submit' }, t('Send'));
    this.err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'chat-compose' }, this.input, this.sendBtn);
    form.addEventListener('submit', (e) => { e.preventDefault(); this._send(); });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); this._send(); }
    });
    this.el = h('aside', { class: 'panel chat', 'aria-label': t('Chat'), hidden: true },
      h('h2', {}, t('Chat')), this.moreBtn, this.list, this.err, form);
  }

  async _loadEarlier() {
    this.moreBtn.disabled = true;
    this.err.textContent = '';
    try {
      await this.o.loadEarlier();
    } catch (err) {
      this.err.textContent = errorMessage(err);
    } finally {
      this.moreBtn.disabled = false;
    }
  }

  /** Shows "Load earlier messages" only while the server has older messages. */
  setMore(more) {
    const hadFocus = document.activeElement === this.moreBtn;
    this.moreBtn.hidden = !more;
    if (hadFocus && !more) this.input.focus(); // not lost to <body> with the button
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
        t('Messages can be at most {max} characters.', { max: MAX_CHAT_CHARS }) : errorMessage(err);
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

  /**
   * Inserts messages (older ones paged back, or a gap filled) at their place by id, skipping
   * those shown already, without moving what the reader is looking at: the first message in
   * view stays where it is on screen, unless the reader was at the newest and the new ones
   * are not all above the view (then the list stays at the bottom).
   */
  insert(msgs, selfId) {
    const fresh = msgs.filter((m) => !this.list.querySelector(`li[data-key="${itemKey(m)}"]`));
    if (fresh.length === 0) return;
    const list = this.list;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 4;
    const top = list.getBoundingClientRect().top;
    const anchor = [...list.children].find((li) => li.getBoundingClientRect().bottom > top);
    const anchorY = anchor ? anchor.getBoundingClientRect().top - top : 0;
    const anchorId = anchor ? Number(anchor.dataset.id) : Infinity;
    // Announcing a page of old messages would drown a screen reader: quiet while inserting.
    list.setAttribute('aria-live', 'off');
    for (const m of fresh) {
      const next = [...list.children].find((li) => Number(li.dataset.id) > m.id);
      list.insertBefore(this._item(m, selfId), next ?? null);
    }
    this.cap = CHAT_PAGED_MAX;
    if (atBottom && fresh.some((m) => m.id > anchorId)) this._scroll();
    else if (anchor) list.scrollTop += anchor.getBoundingClientRect().top - top - anchorY;
    setTimeout(() => list.setAttribute('aria-live', 'polite'), 0);
  }

  add(m, selfId) {
    this.list.append(this._item(m, selfId));
    while (this.list.childElementCount > this.cap) this.list.firstElementChild.remove();
    this._scroll();
    if (!this.open && m.from !== selfId) {
      this.unread++;
      this.o.onUnread(this.unread);
    }
  }

  _item(m, selfId) {
    const time = new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return h('li', { class: m.from === selfId ? 'mine' : '', dataset: { id: String(m.id),
      key: itemKey(m) } },
      h('div', { class: 'meta' }, h('strong', {}, m.from === selfId ? t('You') : this.o.nameOf?.(m.from) ?? m.name),
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

/** The same identity as the room's chat state (roster.js): id, time and sender. */
function itemKey(m) { return `${m.id}-${m.ts}-${m.from}`.replace(/[^A-Za-z0-9_-]/g, '_'); }
