// The control bar. Every button's accessible name says what pressing it does and flips
// with state (names listed in docs/client-api.md).

import { h, icon } from './dom.js';
import { setToggle } from './prejoin.js';

// [key, action, on-name, off-name, on-icon, off-icon]; "on" = the state is active.
const TOGGLES = [
  ['mic', 'toggle-mic', 'Mute microphone', 'Unmute microphone', 'mic', 'micOff'],
  ['camera', 'toggle-camera', 'Turn off camera', 'Turn on camera', 'cam', 'camOff'],
  ['effects', 'toggle-effects', 'Effects', 'Effects', 'effects', 'effects'],
  ['screen', 'toggle-share', 'Stop sharing', 'Share screen', 'screen', 'screen'],
  ['chat', 'toggle-chat', 'Close chat', 'Open chat', 'chat', 'chat'],
  ['people', 'toggle-people', 'Hide participants', 'Show participants', 'people', 'people'],
  ['link', 'copy-link', 'Copy link', 'Copy link', 'link', 'link'],
  ['hand', 'toggle-hand', 'Lower hand', 'Raise hand', 'hand', 'hand'],
  ['stats', 'toggle-stats', 'Hide stats', 'Show stats', 'stats', 'stats'],
  ['help', 'toggle-help', 'Keyboard shortcuts', 'Keyboard shortcuts', 'keyboard', 'keyboard'],
];

export class Controls {
  /** @param {(action: string) => void} act */
  constructor(act) {
    this.buttons = new Map();
    this.badge = h('span', { class: 'unread', hidden: true });
    const items = TOGGLES.map(([key, action]) => {
      const b = h('button', { type: 'button', class: `ctl ctl-${key}` });
      b.addEventListener('click', () => act(action));
      this.buttons.set(key, b);
      return b;
    });
    const leave = h('button', { type: 'button', class: 'ctl ctl-leave', 'aria-label': 'Leave',
      title: 'Leave' }, icon('leave'));
    leave.addEventListener('click', () => act('leave'));
    this.el = h('nav', { class: 'controls', 'aria-label': 'Call controls' }, ...items, leave);
    this.state = {};
    this.update({ mic: false, camera: false, screen: false, chat: false, people: false,
      hand: false, stats: false });
    this.setUnread(0);
  }

  /** Applies state: {mic, camera, screen, chat, people, hand, stats} booleans. */
  update(state) {
    Object.assign(this.state, state);
    for (const [key, , on, off, onIcon, offIcon] of TOGGLES) {
      const b = this.buttons.get(key);
      const active = Boolean(this.state[key]);
      setToggle(b, active, on, off, onIcon, offIcon);
      if (key !== 'mic' && key !== 'camera') {
        b.classList.toggle('off', false);
        b.classList.toggle('active', active);
      }
      if (key === 'chat') b.append(this.badge);
    }
  }

  /** The unread badge lives inside the chat button; its aria-label keeps the name exact. */
  setUnread(n) {
    this.badge.textContent = n > 99 ? '99+' : String(n);
    this.badge.hidden = n === 0;
  }

  setScreenSupported(ok) {
    this.buttons.get('screen').hidden = !ok;
  }
}
