// Helpers for the background-effect browser tests: a browser whose fake camera shows a real
// person (tests/lib/person.mjs), frames grabbed from a remote tile at a fixed size, and the
// effect state read through window.buzzstream (docs/client-api.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from './chromium.mjs';
import { tempDir, waitFor } from './proc.mjs';
import { makePersonY4m } from './person.mjs';

export const GRAB_W = 640;
export const GRAB_H = 360;

/** A browser whose fake camera plays the 1280×720 person clip at 30 fps. */
export async function launchPersonBrowser({ motion = false, extraArgs = [] } = {}) {
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-fx-')));
  const clip = await makePersonY4m(dir, { width: 1280, height: 720, frames: 30, fps: 30, motion });
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${clip.file}`,
    '--use-fake-device-for-media-stream=fps=30', ...extraArgs]);
  return {
    browser,
    clip,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The picture of a tile's <video> (remote peer or "self") drawn at w×h, as RGBA:
 * {width, height, data: Uint8Array, videoWidth, videoHeight}, or null if not playing.
 */
export async function grabFrame(page, peerId, { kind = 'camera', width = GRAB_W, height = GRAB_H } = {}) {
  const r = await page.evaluate(({ peerId, kind, width, height }) => {
    const v = document.querySelector(`[data-peer-id="${peerId}"][data-kind="${kind}"] video`);
    if (!v || !v.videoWidth || v.readyState < 2) return null;
    const c = document.createElement('canvas');
    c.width = width; c.height = height;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0, width, height);
    const d = g.getImageData(0, 0, width, height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
    return { b64: btoa(s), videoWidth: v.videoWidth, videoHeight: v.videoHeight };
  }, { peerId, kind, width, height });
  if (!r) return null;
  return { width, height, data: new Uint8Array(Buffer.from(r.b64, 'base64')), videoWidth: r.videoWidth,
    videoHeight: r.videoHeight };
}

/** setEffect through the API; resolves {ok, code, message, ms}. */
export async function setEffect(page, change) {
  return page.evaluate(async (c) => {
    const t0 = performance.now();
    try {
      await window.buzzstream.setEffect(c);
      return { ok: true, ms: performance.now() - t0 };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, change);
}

export const effectState = (page) => page.evaluate(() => window.buzzstream.effect());
export const localStats = (page) => page.evaluate(() => window.buzzstream.localStats());

/** Waits until the effect runs at `minFps` or more (localStats().effects.fps). */
export async function waitEffectRunning(page, { minFps = 5, timeoutMs = 30000 } = {}) {
  let last;
  try {
    return await waitFor(async () => {
      last = await localStats(page);
      return last.effects && last.effects.fps >= minFps ? last : null;
    }, { timeoutMs, intervalMs: 500, what: `the effect running at ≥ ${minFps} fps` });
  } catch (e) {
    e.message += `\nlast localStats: ${JSON.stringify(last)}`;
    throw e;
  }
}

/** Records effect-tier events in window.__tiers. */
export async function recordTiers(page) {
  await page.evaluate(() => {
    window.__tiers = [];
    window.buzzstream.on('effect-tier', (x) => window.__tiers.push({ ...x, t: Date.now() }));
  });
}
export const tierEvents = (page) => page.evaluate(() => window.__tiers);
