// Launches Debian's chromium through playwright-core (never a downloaded browser) with fake
// camera, microphone and screen, so several pages can hold a real WebRTC call headless.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // Fake capture answers getDisplayMedia without a picker: the first "screen" is chosen.
  '--auto-select-desktop-capture-source=Entire screen',
  '--auto-accept-this-tab-capture',
  // Host candidates as plain loopback/LAN IPs instead of mDNS names nobody can resolve here.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // buzzd's media candidate is the loopback address its tests listen on: rooms of three or
  // more go through it (media mode auto), and Chromium pairs with loopback only when allowed.
  '--allow-loopback-in-peer-connection',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Background tabs must keep decoding and sending: all pages live in one headless window.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** One browser per test file; pages go in separate contexts (separate "people"). */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 30000,
  });
}

/**
 * Opens `url` in a fresh context. Page console errors and uncaught exceptions are collected
 * in page.__errors so a failing test can print them.
 */
export async function openPage(browser, url, { width = 1280, height = 800, init, permissions = [], locale = 'en-US' } = {}) {
  // Desktop size and an English locale unless a test asks otherwise (docs/client-api.md names are English).
  const ctx = await browser.newContext({ viewport: { width, height }, locale, permissions: ['camera', 'microphone', ...permissions] });
  if (init) await ctx.addInitScript(init);
  const page = await ctx.newPage();
  page.__errors = [];
  page.__console = [];
  page.on('pageerror', (e) => page.__errors.push(String(e)));
  page.on('console', (m) => {
    page.__console.push(`${m.type()}: ${m.text()}`);
    if (page.__console.length > 200) page.__console.shift();
    if (process.env.TEST_VERBOSE) process.stderr.write(`[page] ${m.type()}: ${m.text()}\n`);
  });
  page.setDefaultTimeout(15000);
  // Generous: a loaded two-core machine (five browsers, an effect) can take long to load a page.
  await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  return page;
}

/** Text describing a page's errors and recent console lines, for assertion messages. */
export function pageDiag(page) {
  return `page errors: ${JSON.stringify(page.__errors)}\nconsole tail:\n${page.__console.slice(-30).join('\n')}`;
}
