// Drives the BuzzStream web client in a page through its public contract only:
// window.buzzstream (docs/client-api.md), the accessible names of its controls, and the
// data-peer-id / data-kind attributes of its video tiles.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, openPage, pageDiag } from './chromium.mjs';
import { writeY4m } from './y4m.mjs';
import { waitFor, tempDir } from './proc.mjs';

/**
 * A browser whose fake camera plays a synthetic 640×360 clip (the fake screen stays 1280×720,
 * so camera and screen tracks are told apart by size). close() removes the clip too.
 */
export async function launchCallBrowser(extraArgs = []) {
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-e2e-')));
  const clip = writeY4m(path.join(dir, 'camera.y4m'));
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${clip}`, ...extraArgs]);
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the room page and waits for window.buzzstream; records its events in window.__ev
 * (tracks are reduced to {peerId, kind, trackKind} so they can leave the page).
 */
export async function openRoom(browser, server, roomId, opts = {}) {
  const page = await openPage(browser, `${server.url}/r/${roomId}`, { init: watchPeerConnections, ...opts });
  await recordEvents(page);
  return page;
}

/** Opens the landing page ("/") with the same instrumentation as openRoom. */
export async function openLanding(browser, server, opts = {}) {
  return openPage(browser, `${server.url}/`, { init: watchPeerConnections, ...opts });
}

/** Waits for window.buzzstream and starts recording its events in window.__ev. */
export async function recordEvents(page) {
  await page.waitForFunction(() => window.buzzstream, null, { timeout: 15000 });
  await page.evaluate(() => {
    window.__ev = [];
    const rec = (name, map = (x) => x) => window.buzzstream.on(name, (x) => window.__ev.push({ name, t: Date.now(), x: map(x) }));
    rec('track', (x) => ({ peerId: x.peerId, kind: x.kind, trackKind: x.track && x.track.kind }));
    for (const n of ['joined', 'connection', 'chat', 'error', 'participant-joined', 'participant-left']) rec(n);
  });
}

/** A button of the in-call control bar by its exact accessible name. */
export function control(page, name) {
  return page.getByRole('navigation', { name: 'Call controls' }).getByRole('button', { name, exact: true });
}

/**
 * Runs in the page before its scripts: remembers every RTCPeerConnection and its signaling
 * events so a failing test can show where negotiation stopped. It observes only.
 */
function watchPeerConnections() {
  const Orig = window.RTCPeerConnection;
  if (!Orig) return;
  window.__pcs = [];
  window.RTCPeerConnection = function RTCPeerConnection(...args) {
    const pc = new Orig(...args);
    const rec = { pc, log: [], t0: Date.now() };
    const note = (what) => { rec.log.push(`${Date.now() - rec.t0}ms ${what}`); if (rec.log.length > 60) rec.log.shift(); };
    for (const ev of ['signalingstatechange', 'iceconnectionstatechange', 'icegatheringstatechange', 'connectionstatechange', 'negotiationneeded']) {
      pc.addEventListener(ev, () => note(`${ev} sig=${pc.signalingState} ice=${pc.iceConnectionState} gather=${pc.iceGatheringState}`));
    }
    pc.addEventListener('icecandidate', (e) => note(`local candidate ${e.candidate ? e.candidate.type : 'end'}`));
    for (const m of ['setLocalDescription', 'setRemoteDescription', 'addIceCandidate']) {
      const f = pc[m].bind(pc);
      pc[m] = (...a) => {
        note(`${m}(${a[0] ? a[0].type || (a[0].candidate ? 'candidate' : '') : ''})`);
        return f(...a).catch((e) => { note(`${m} failed: ${e}`); throw e; });
      };
    }
    window.__pcs.push(rec);
    return pc;
  };
  window.RTCPeerConnection.prototype = Orig.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Orig); // statics such as generateCertificate
}

/** A summary of every peer connection the page created (for failure messages). */
export async function pcDiag(page) {
  return page.evaluate(() => JSON.stringify((window.__pcs || []).map((r) => ({
    sig: r.pc.signalingState, ice: r.pc.iceConnectionState, conn: r.pc.connectionState,
    local: r.pc.localDescription?.type, remote: r.pc.remoteDescription?.type, log: r.log.slice(-25),
  })), null, 1)).catch((e) => `pcDiag failed: ${e}`);
}

/** join() through the API; returns {id, participants} or throws {code, message}. */
export async function apiJoin(page, opts) {
  return page.evaluate(async (o) => {
    try {
      const r = await window.buzzstream.join(o);
      return { ok: true, id: r.id, participants: r.participants };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, opts);
}

/** The display-name field of the pre-join screen. */
export function nameField(page) {
  return page.getByRole('textbox', { name: /name/i }).first();
}

/** Joins through the pre-join screen: type the name (and password), click "Join". */
export async function uiJoin(page, name, password) {
  await nameField(page).fill(name);
  if (password !== undefined) await page.getByLabel(/password/i).first().fill(password);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

/** Events recorded since openRoom, optionally of one name. */
export async function events(page, name) {
  const ev = await page.evaluate(() => window.__ev);
  return name ? ev.filter((e) => e.name === name) : ev;
}

export const stats = (page) => page.evaluate(() => window.buzzstream.stats());
export const selfId = (page) => page.evaluate(() => window.buzzstream.self()?.id ?? null);

/**
 * Waits until this page decodes `kind` ("video" or "screen") from `peerId`: framesDecoded > 0
 * and a non-zero frame size. Returns that peer's stats entry.
 */
export async function waitForVideo(page, peerId, kind = 'video', timeoutMs = 30000) {
  let last;
  try {
    return await waitFor(async () => {
      last = (await stats(page))[peerId];
      const v = last && last[kind];
      return v && v.framesDecoded > 0 && v.width > 0 && v.height > 0 ? last : null;
    }, { timeoutMs, intervalMs: 500, what: `${kind} from ${peerId}` });
  } catch (e) {
    e.message += `\nlast stats: ${JSON.stringify(last)}\n${pageDiag(page)}\npeer connections: ${await pcDiag(page)}`;
    throw e;
  }
}

/** Waits until audio packets from peerId arrive (inbound RTP, packetsReceived > 0). */
export async function waitForAudio(page, peerId, timeoutMs = 20000) {
  let last;
  try {
    return await waitFor(async () => {
      last = (await stats(page))[peerId];
      return last && last.audio && last.audio.packetsReceived > 0 ? last : null;
    }, { timeoutMs, intervalMs: 500, what: `audio from ${peerId}` });
  } catch (e) {
    e.message += `\nlast stats: ${JSON.stringify(last)}`;
    throw e;
  }
}

/**
 * Draws the remote <video> of (peerId, kind) into a canvas in the page and returns
 * {width, height, mean, sd} of its luma; null if the element is missing or not playing.
 */
export async function videoLuma(page, peerId, kind = 'camera') {
  return page.evaluate(({ peerId, kind }) => {
    const sel = `video[data-peer-id="${peerId}"][data-kind="${kind}"], [data-peer-id="${peerId}"][data-kind="${kind}"] video`;
    const v = document.querySelector(sel);
    if (!v || !v.videoWidth || v.readyState < 2) return null;
    const c = document.createElement('canvas');
    c.width = 160; c.height = 90;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0, c.width, c.height);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let s = 0, s2 = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      s += y; s2 += y * y;
    }
    const mean = s / n;
    return { width: v.videoWidth, height: v.videoHeight, mean, sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
  }, { peerId, kind });
}

/** Waits until the remote picture is neither black nor flat (a real decoded image). */
export async function waitForPicture(page, peerId, kind = 'camera', timeoutMs = 15000) {
  let last;
  try {
    return await waitFor(async () => {
      last = await videoLuma(page, peerId, kind);
      return last && last.mean > 20 && last.sd > 5 ? last : null;
    }, { timeoutMs, intervalMs: 300, what: `a non-black ${kind} picture from ${peerId}` });
  } catch (e) {
    e.message += `\nlast luma: ${JSON.stringify(last)}`;
    throw e;
  }
}

/** framesDecoded of (peerId, kind) now, or 0. */
export async function framesDecoded(page, peerId, kind = 'video') {
  const s = (await stats(page))[peerId];
  return (s && s[kind] && s[kind].framesDecoded) || 0;
}

/** Opens the chat panel if it is closed (the toggle is "Open chat" / "Close chat"). */
export async function ensureChatOpen(page) {
  const open = page.getByRole('button', { name: 'Open chat', exact: true });
  if (await open.count() && await open.first().isVisible()) await open.first().click();
  await page.getByRole('button', { name: 'Close chat', exact: true }).first().waitFor({ state: 'visible', timeout: 5000 });
}

/** Closes every page context, ignoring ones already gone. */
export async function closePages(pages) {
  await Promise.all(pages.filter(Boolean).map((p) => p.context().close().catch(() => {})));
}

export { pageDiag };

/** step(name) records how long the previous step took, as a test diagnostic. */
export function stepTimer(t) {
  let last = Date.now();
  const start = last;
  return (name) => {
    const now = Date.now();
    t.diagnostic(`${name}: ${now - last} ms (total ${now - start} ms)`);
    last = now;
  };
}

/**
 * Options for startBuzzd that serve the web client from $BUZZ_WEB_DIR when it is set (to run
 * a test against another version of web/, e.g. `git archive HEAD web` to see it fail there).
 */
export function serverOpts(extra = {}) {
  const dir = process.env.BUZZ_WEB_DIR;
  return dir ? { ...extra, config: JSON.stringify({ web_dir: path.resolve(dir) }) } : extra;
}

/**
 * Presses the control named `name` wherever it is at this width: in the control bar, or
 * (700 px and narrower) as an item of the "More options" menu.
 */
export async function pressControl(page, name) {
  const direct = control(page, name);
  if (await direct.count() && await direct.first().isVisible()) { await direct.first().click(); return; }
  await control(page, 'More options').click();
  await page.getByRole('menu', { name: 'More options' }).getByRole('menuitem', { name, exact: true }).click();
}

const SHOTS_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../build/screens');

/** Saves a screenshot of the page as build/screens/<name>.png (kept as a CI artifact). */
export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  const file = path.join(SHOTS_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

const AXE = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../node_modules/axe-core/axe.min.js');

/**
 * Runs axe-core (npm) on the page as it is now; returns the serious and critical violations
 * as short strings ("rule: target …"), [] when there are none.
 */
export async function axeViolations(page) {
  if (!await page.evaluate(() => Boolean(window.axe))) await page.addScriptTag({ path: AXE });
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  return res;
}

/**
 * Layout facts a user would notice: every visible control inside the viewport, no two video
 * tiles overlapping, no text clipped that should wrap. Returns a list of problems.
 */
export async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const visible = (el) => {
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
    };
    for (const el of document.querySelectorAll('button, select, input, textarea, a[href]')) {
      if (!visible(el) || el.closest('.cams.scroll, .chat-list, .people-list, .menu, .overlay .card')) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) {
        out.push(`control "${el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30)}" outside the viewport: ${JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round))}`);
      }
    }
    const tiles = [...document.querySelectorAll('.tile')].filter(visible).map((t) => [t, t.getBoundingClientRect()]);
    for (let i = 0; i < tiles.length; i++) {
      for (let j = i + 1; j < tiles.length; j++) {
        const [a, b] = [tiles[i][1], tiles[j][1]];
        const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (ox > 1 && oy > 1) out.push(`tiles ${tiles[i][0].dataset.peerId}:${tiles[i][0].dataset.kind} and ${tiles[j][0].dataset.peerId}:${tiles[j][0].dataset.kind} overlap`);
      }
    }
    // The stats overlay: inside its tile, above the name plate, not cut at the side.
    for (const st of document.querySelectorAll('.tile-stats')) {
      if (!visible(st)) continue;
      const tile = st.closest('.tile');
      const who = `${tile?.dataset.peerId}:${tile?.dataset.kind}`;
      const plate = tile?.querySelector('.nameplate');
      if (plate && visible(plate)) {
        const [a, b] = [st.getBoundingClientRect(), plate.getBoundingClientRect()];
        if (Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1 &&
          Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1) out.push(`stats overlay covers the name plate of ${who}`);
      }
      if (st.scrollWidth > st.clientWidth + 2) out.push(`stats text cut at the side on ${who} (${st.scrollWidth} > ${st.clientWidth})`);
    }
    // Text that should wrap (headings, paragraphs, labels, buttons' text): not cut off.
    for (const el of document.querySelectorAll('h1, h2, p, label, .btn, .menu-label')) {
      if (!visible(el) || el.closest('.nameplate, .tile-stats')) continue;
      const s = getComputedStyle(el);
      if (s.textOverflow === 'ellipsis') continue;   // cut on purpose, full text in a title
      if (el.scrollWidth > el.clientWidth + 2 && s.overflowX !== 'visible') {
        out.push(`text clipped: "${el.textContent.trim().slice(0, 40)}" (${el.scrollWidth} > ${el.clientWidth})`);
      }
      const r = el.getBoundingClientRect();
      if (r.right > vw + 1) out.push(`text runs off the screen: "${el.textContent.trim().slice(0, 40)}"`);
    }
    return out;
  });
}
