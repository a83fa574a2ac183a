// One SVG icon set for the whole client (24×24 paths, drawn for BuzzStream), so nothing
// depends on an emoji font: minimal and headless systems often have none and would show
// empty boxes.

const NS = 'http://www.w3.org/2000/svg';

const ICONS = {
  mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z',
  micOff: 'M19 11h-2a5 5 0 0 1-.6 2.3l1.5 1.5A7 7 0 0 0 19 11zM15 11V5a3 3 0 0 0-5.9-.8L15 10.1zM4.3 3 3 4.3l6 6V11a3 3 0 0 0 4.4 2.6l1.6 1.6A5 5 0 0 1 7 11H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 3.5-1.4l3.2 3.2 1.3-1.3z',
  cam: 'M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z',
  camOff: 'M21 6.5l-4 4V7a1 1 0 0 0-1-1H9.8L21 17.2zM3.3 2 2 3.3 4.7 6H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12c.2 0 .4-.1.5-.2l3.2 3.2 1.3-1.3z',
  screen: 'M20 18a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2H0v2h24v-2zM13 14.5V12.3c-2.8 0-4.6.8-6 2.7.6-2.7 2.2-5.3 6-5.8V7l4 3.7z',
  chat: 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z',
  people: 'M16 11a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm0 2c-2.3 0-7 1.2-7 3.5V19h14v-2.5C15 14.2 10.3 13 8 13zm8 0c-.3 0-.6 0-1 .1a4.2 4.2 0 0 1 2 3.4V19h6v-2.5c0-2.3-4.7-3.5-7-3.5z',
  link: 'M3.9 12A3.1 3.1 0 0 1 7 8.9h4V7H7a5 5 0 0 0 0 10h4v-1.9H7A3.1 3.1 0 0 1 3.9 12zM8 13h8v-2H8zm9-6h-4v1.9h4a3.1 3.1 0 0 1 0 6.2h-4V17h4a5 5 0 0 0 0-10z',
  hand: 'M21 7a1.5 1.5 0 0 0-3 0v5h-1V3.5a1.5 1.5 0 0 0-3 0V11h-1V2.5a1.5 1.5 0 0 0-3 0V11H9V5.5a1.5 1.5 0 0 0-3 0v9.8l-2.5-2.2a1.5 1.5 0 0 0-2 2.2L8 21a4 4 0 0 0 3 1h5a5 5 0 0 0 5-5z',
  stats: 'M5 9.2h3V19H5zM10.6 5h2.8v14h-2.8zm5.6 8H19v6h-2.8z',
  effects: 'M9 3 7.6 7.6 3 9l4.6 1.4L9 15l1.4-4.6L15 9l-4.6-1.4zm8 8-.9 2.6-2.6.9 2.6.9.9 2.6.9-2.6 2.6-.9-2.6-.9zM17 2l-.6 1.4L15 4l1.4.6L17 6l.6-1.4L19 4l-1.4-.6z',
  keyboard: 'M20 5H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm-9 3h2v2h-2zm0 3h2v2h-2zM8 8h2v2H8zm0 3h2v2H8zm-1 2H5v-2h2zm0-3H5V8h2zm9 7H8v-2h8zm0-4h-2v-2h2zm0-3h-2V8h2zm3 3h-2v-2h2zm0-3h-2V8h2z',
  leave: 'M12 9c-1.6 0-3.1.3-4.6.7v3.1c0 .4-.2.7-.6.9-1 .5-1.9 1.1-2.7 1.8a1 1 0 0 1-1.4 0L.3 13.1a1 1 0 0 1 0-1.4A16.4 16.4 0 0 1 12 7c4.6 0 8.7 1.8 11.7 4.7a1 1 0 0 1 0 1.4l-2.4 2.4a1 1 0 0 1-1.4 0c-.8-.7-1.7-1.3-2.7-1.8a1 1 0 0 1-.6-.9V9.7C15.1 9.3 13.6 9 12 9z',
  lock: 'M18 8h-1V6a5 5 0 0 0-10 0v2H6a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V10a2 2 0 0 0-2-2zm-6 9a2 2 0 1 1 2-2 2 2 0 0 1-2 2zm3.1-9H8.9V6a3.1 3.1 0 0 1 6.2 0z',
  pin: 'M14.5 2.5 21.5 9.5 19.8 10.4 17 9.8 13.8 13l.6 4.4-1.5 1.5-3.8-3.8L4.4 19.8 4.2 19.6 3 20.8l-.8-.8 1.2-1.2-.2-.2 4.7-4.7-3.8-3.8 1.5-1.5 4.4.6L13.2 6l-.6-2.8z',
  unpin: 'M3.3 2 2 3.3l5.8 5.8-1.6-.2-1.5 1.5 3.8 3.8L3.8 18.9l1.3 1.3 4.7-4.7 3.8 3.8 1.5-1.5-.2-1.6 5.8 5.8 1.3-1.3zM14.5 2.5 12.6 3.2l.6 2.8-2 2 6.8 6.8 2-2 2.8.6.7-1.9z',
  grid: 'M3 3h8v8H3zm10 0h8v8h-8zM3 13h8v8H3zm10 0h8v8h-8z',
  speakerView: 'M3 3h18v12H3zm0 14h5v4H3zm6.5 0h5v4h-5zm6.5 0h5v4h-5z',
  settings: 'M4 5h9v2H4zm13 0h3v2h-3zm-3-2h2v6h-2zM4 17h3v2H4zm7 0h9v2h-9zm-3-2h2v6H8zM4 11h12v2H4zm16 0v2h-1v-2zm-3-2h2v6h-2z',
  more: 'M12 8a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm0 2a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm0 6a2 2 0 1 0 0 4 2 2 0 0 0 0-4z',
  smile: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zM8.5 11a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm7 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zM12 17.5c2.3 0 4.3-1.5 5-3.5H7c.7 2 2.7 3.5 5 3.5z',
  thumbsUp: 'M2 10h4v11H2zm6 11h9.2a2 2 0 0 0 1.9-1.4l2.3-7A2 2 0 0 0 19.5 10H14l1-4.6A2 2 0 0 0 13.1 3L8 9z',
  clap: 'M9.6 6.4l5.8 5.8a4.2 4.2 0 0 1 0 5.9l-1 1a4.2 4.2 0 0 1-5.9 0l-4.7-4.7a1.2 1.2 0 0 1 1.7-1.7l2.3 2.3.7-.7-3.6-3.6a1.2 1.2 0 0 1 1.7-1.7l3.6 3.6.7-.7-4.3-4.3a1.2 1.2 0 0 1 1.7-1.7l4.3 4.3.7-.7-3.4-3.4a1.2 1.2 0 0 1 1.7-1.7zM15 2h1.6v3.2H15zm4 1.5 1.1 1.1-2.2 2.2-1.1-1.1zM19 8h3.2v1.6H19z',
  laugh: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zM6.8 8.6l3.4 1.4-3.4 1.4-.6-1.4zm10.4 0 .6 1.4-.6 1.4-3.4-1.4zM6.5 13h11a5.5 5.5 0 0 1-11 0z',
  heart: 'M12 21l-1.5-1.3C5.4 15.1 2 12 2 8.3A5.3 5.3 0 0 1 7.4 3c1.8 0 3.5.8 4.6 2.1A6 6 0 0 1 16.6 3 5.3 5.3 0 0 1 22 8.3c0 3.7-3.4 6.8-8.5 11.4z',
  surprised: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zM8.5 10.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm7 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zM12 12a2.5 3 0 1 0 0 6 2.5 3 0 0 0 0-6z',
  copy: 'M16 1H4a2 2 0 0 0-2 2v14h2V3h12zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm0 16H8V7h11z',
  close: 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z',
  check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
  star: 'M12 2l3 6.5 7 .9-5.2 4.8 1.4 7L12 17.8l-6.2 3.4 1.4-7L2 9.4l7-.9z',
  globe: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm6.9 6h-2.9a15.7 15.7 0 0 0-1.4-3.6A8 8 0 0 1 18.9 8zM12 4c.8 1.2 1.5 2.5 1.9 4h-3.8c.4-1.5 1.1-2.8 1.9-4zM4.3 14a8.2 8.2 0 0 1 0-4h3.4a16.5 16.5 0 0 0 0 4zm.8 2h2.9c.3 1.3.8 2.5 1.4 3.6A8 8 0 0 1 5.1 16zM8 8H5.1a8 8 0 0 1 4.3-3.6C8.8 5.5 8.4 6.7 8 8zm4 12c-.8-1.2-1.5-2.5-1.9-4h3.8c-.4 1.5-1.1 2.8-1.9 4zm2.3-6H9.7a14.7 14.7 0 0 1 0-4h4.6a14.7 14.7 0 0 1 0 4zm.3 5.6c.6-1.1 1.1-2.3 1.4-3.6h2.9a8 8 0 0 1-4.3 3.6zm1.7-5.6a16.5 16.5 0 0 0 0-4h3.4a8.2 8.2 0 0 1 0 4z',
  personAdd: 'M15 12a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm-9-2V7H4v3H1v2h3v3h2v-3h3v-2zm9 4c-2.7 0-8 1.3-8 4v2h16v-2c0-2.7-5.3-4-8-4z',
  info: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-6h2zm0-8h-2V7h2z',
};

/** An inline SVG icon (aria-hidden: the control around it carries the name). */
export function icon(name) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon', `icon-${name}`);
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', ICONS[name] ?? '');
  svg.append(path);
  return svg;
}

export function hasIcon(name) { return Object.hasOwn(ICONS, name); }

/** The BuzzStream bee: an amber body with dark stripes and pale wings (decorative). */
export function logo() {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 32 32');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('logo');
  const parts = [
    ['ellipse', { cx: 11, cy: 9, rx: 6, ry: 4.5, fill: '#cfe3ff', transform: 'rotate(-25 11 9)' }],
    ['ellipse', { cx: 21, cy: 9, rx: 6, ry: 4.5, fill: '#cfe3ff', transform: 'rotate(25 21 9)' }],
    ['ellipse', { cx: 16, cy: 19, rx: 8, ry: 10, fill: '#fbbc04' }],
    ['rect', { x: 8, y: 16, width: 16, height: 3, fill: '#202124' }],
    ['rect', { x: 8.6, y: 22, width: 14.8, height: 3, fill: '#202124' }],
    ['circle', { cx: 16, cy: 10.5, r: 3.2, fill: '#202124' }],
  ];
  for (const [tag, attrs] of parts) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}
