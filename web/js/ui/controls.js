// The control bar, in three groups as Meet lays it out: audio and video (microphone,
// camera, screen, effects), interaction (reactions, hand, chat, people), view and tools
// (layout, settings, stats, copy link, shortcuts); then Leave. Every button's accessible
// name says what pressing it does and flips with state (docs/client-api.md); desktop shows
// each name as a tooltip. At 700 px and narrower only microphone, camera, screen share and
// Leave stay in the bar; the rest move into "More options", as menu items with
// the same names.
import { h } from './dom.js';
import { icon } from './icons.js';
import { setToggle } from './prejoin.js';
import { openMenu, menuButton } from './menu.js';
import { t, N } from '../i18n.js';

// key, action, on-name, off-name, on-icon, off-icon, group, stays on a phone.
// "on" = the state is active. Names are English catalogue keys.
const CONTROLS = [
  ['mic', 'toggle-mic', N('Mute microphone'), N('Unmute microphone'), 'mic', 'micOff', 'av', true],
  ['camera', 'toggle-camera', N('Turn off camera'), N('Turn on camera'), 'cam', 'camOff', 'av', true],
  ['screen', 'toggle-share', N('Stop sharing'), N('Share screen'), 'screen', 'screen', 'av', true],
  ['effects', 'toggle-effects', N('Effects'), N('Effects'), 'effects', 'effects', 'av', false],
  ['reactions', 'open-reactions', N('Reactions'), N('Reactions'), 'smile', 'smile', 'act', false],
  ['hand', 'toggle-hand', N('Lower hand'), N('Raise hand'), 'hand', 'hand', 'act', false],
  ['chat', 'toggle-chat', N('Close chat'), N('Open chat'), 'chat', 'chat', 'act', false],
  ['people', 'toggle-people', N('Hide participants'), N('Show participants'), 'people', 'people', 'act', false],
  ['layout', 'open-layout', N('Change layout'), N('Change layout'), 'grid', 'grid', 'view', false],
  ['settings', 'open-settings', N('Settings'), N('Settings'), 'settings', 'settings', 'view', false],
  ['stats', 'toggle-stats', N('Hide stats'), N('Show stats'), 'stats', 'stats', 'view', false],
  ['link', 'copy-link', N('Copy link'), N('Copy link'), 'link', 'link', 'view', false],
  ['help', 'toggle-help', N('Keyboard shortcuts'), N('Keyboard shortcuts'), 'keyboard', 'keyboard', 'view', false],
];
const GROUPS = [['av', N('Audio and video')], ['act', N('Interact')], ['view', N('View and tools')]];
const MENUS = new Set(['reactions', 'layout']);   // buttons that open a popup

export class Controls {
  /** @param {(action: string, anchor?: HTMLElement) => void} act */
  constructor(act) {
    this.act = act;
    this.buttons = new Map();
    this.badge = h('span', { class: 'unread', hidden: true, 'aria-hidden': 'true' });
    this.unread = 0;
    const groups = GROUPS.map(([g, label]) => {
      const items = CONTROLS.filter((c) => c[6] === g).map(([key, action, , , , , , stays]) => {
        const b = h('button', { type: 'button', class: `ctl ctl-${key}` });
        if (!stays) b.dataset.overflow = 'true';
        if (MENUS.has(key)) menuButton(b, key === 'reactions' ? 'true' : 'menu');
        b.addEventListener('click', () => act(action, b));
        this.buttons.set(key, b);
        // The unread badge sits beside the chat button, not in it: the button's visible
        // content must match its name ("Open chat"), for speech input and axe alike.
        return key === 'chat' ? h('span', { class: 'ctl-slot' }, b, this.badge) : b;
      });
      return h('div', { class: `ctl-group ctl-group-${g}`, role: 'group', 'aria-label': t(label) }, ...items);
    });
    this.more = menuButton(h('button', { type: 'button', class: 'ctl ctl-more',
      'aria-label': t('More options'), dataset: { tip: t('More options') } }, icon('more')));
    this.moreBadge = h('span', { class: 'unread', hidden: true, 'aria-hidden': 'true' });
    this.more.addEventListener('click', () => this._openMore());
    const leave = h('button', { type: 'button', class: 'ctl ctl-leave', 'aria-label': t('Leave'),
      dataset: { tip: t('Leave') } }, icon('leave'));
    leave.addEventListener('click', () => act('leave'));
    this.el = h('nav', { class: 'controls', 'aria-label': t('Call controls') }, ...groups,
      h('div', { class: 'ctl-group ctl-group-end' }, h('span', { class: 'ctl-slot ctl-more-slot' }, this.more, this.moreBadge), leave));
    this.state = {};
    this.update({ mic: false, camera: false, screen: false, chat: false, people: false,
      hand: false, stats: false, layout: 'grid' });
    this.setUnread(0);
  }

  /** Applies state: {mic, camera, screen, chat, people, hand, stats} booleans, layout. */
  update(state) {
    Object.assign(this.state, state);
    for (const [key, , on, off, onIcon, offIcon] of CONTROLS) {
      const b = this.buttons.get(key);
      const active = Boolean(this.state[key]) && !MENUS.has(key);
      setToggle(b, active, t(on), t(off), onIcon, offIcon);
      if (key === 'layout' && b.dataset.layout !== this.state.layout) {
        b.dataset.layout = this.state.layout;
        b.replaceChildren(icon(this.state.layout === 'speaker' ? 'speakerView' : 'grid'));
      }
      b.dataset.tip = b.getAttribute('aria-label');
      b.removeAttribute('title');   // the CSS tooltip shows the name; no second native one
      if (key !== 'mic' && key !== 'camera') {
        b.classList.toggle('off', false);
        b.classList.toggle('active', active);
      }
    }
  }

  /** The unread count, on the chat button and on "More options" (phones). */
  setUnread(n) {
    this.unread = n;
    const text = n > 99 ? '99+' : String(n);
    this.badge.textContent = text;
    this.badge.hidden = n === 0;
    this.moreBadge.textContent = text;
    this.moreBadge.hidden = n === 0;
  }

  setScreenSupported(ok) {
    this.buttons.get('screen').hidden = !ok;
  }

  _openMore() {
    const items = CONTROLS.filter((c) => !c[7]).map(([key, action]) => {
      const b = this.buttons.get(key);
      return { label: b.getAttribute('aria-label'), icon: CONTROLS.find((c) => c[0] === key)[4],
        badge: key === 'chat' && this.unread ? this.badge.textContent : undefined,
        // A menu item that opens another popup anchors it to "More options".
        onSelect: () => this.act(action, this.more) };
    });
    openMenu(this.more, t('More options'), items);
  }
}
