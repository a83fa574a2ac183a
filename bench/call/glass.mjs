#!/usr/bin/env node
// bench-call: glass-to-glass latency and join → media time of real calls in headless Chromium,
// through buzzd's SFU (3 and 6 parties) and, for 3, through the mesh, in the same run.
//
// Every page's camera paints the wall clock (clock-camera.js); every page decodes the clocks of
// the frames its remote tiles present, so a sample is one presented frame: paint → capture →
// encode → network → decode → present. All pages live in one browser on this machine, so they
// share the clock and the CPU; the camera is 320×180 at 30 fps so that six pages fit on two cores.
//
// Per room shape, one line each:
//   call media=sfu parties=3 glass_p50_ms glass_p95_ms samples recv_fps join_media_p50_ms
//        join_media_max_ms
// join_media: for each participant, from calling join() to the first decoded clock from every
// participant already in the room (the slowest of them); p50 and max over the participants that
// joined a non-empty room. Then the ratio lines (sfu / mesh at 3 parties).
//
//   node bench/call/glass.mjs [--shapes sfu:3,p2p:3,sfu:6] [--window S] [--json FILE]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBuzzd, createRoom } from '../../tests/lib/buzzd.mjs';
import { launchBrowser, openPage } from '../../tests/lib/chromium.mjs';
import { freeUdpRange } from '../../tests/lib/ports.mjs';
import { sleep } from '../../tests/lib/proc.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLOCK = fs.readFileSync(path.join(HERE, 'clock-camera.js'), 'utf8');

function parseArgs(argv) {
  const o = { shapes: [['sfu', 3], ['p2p', 3], ['sfu', 6]], windowS: 10, json: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--shapes': o.shapes = v.split(',').map((s) => { const [m, n] = s.split(':'); return [m, Number(n)]; }); i++; break;
      case '--window': o.windowS = Number(v); i++; break;
      case '--json': o.json = v; i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  for (const [m, n] of o.shapes) {
    if (!['sfu', 'p2p'].includes(m) || !(n >= 2 && n <= 8)) throw new Error(`bad shape ${m}:${n}`);
  }
  return o;
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'nan');
const log = (s) => process.stderr.write(`${s}\n`);

async function shape(browser, server, media, parties, windowS) {
  const room = await createRoom(server, { name: `bench ${media} ${parties}`, media_mode: media });
  const pages = [];
  const ids = [];
  const joinMs = [];
  try {
    for (let i = 0; i < parties; i++) {
      const page = await openPage(browser, `${server.url}/r/${room.id}`, { width: 640, height: 400, init: CLOCK });
      pages.push(page);
      await page.waitForFunction(() => window.buzzstream?.join, null, { timeout: 20000 });
      const t0 = Date.now();
      const r = await page.evaluate(async (name) => {
        const j = await window.buzzstream.join({ name, mic: false });
        return { id: j.id };
      }, `P${i + 1}`);
      ids.push(r.id);
      if (i === 0) continue;
      // From join() to a decoded clock from everyone already there.
      const others = ids.slice(0, i);
      const deadline = Date.now() + 30000;
      let firsts = {};
      while (Date.now() < deadline) {
        firsts = await page.evaluate(() => window.__clock.first());
        if (others.every((id) => firsts[id])) break;
        await sleep(20);
      }
      const missing = others.filter((id) => !firsts[id]);
      if (missing.length) throw new Error(`${media}:${parties}: P${i + 1} got no picture from ${missing.join(', ')} in 30 s`);
      joinMs.push(Math.max(...others.map((id) => firsts[id])) - t0);
      log(`  ${media}:${parties} P${i + 1} joined: media from all ${i} others after ${joinMs.at(-1)} ms`);
    }
    await sleep(3000);
    for (const p of pages) await p.evaluate(() => window.__clock.take());
    const t0 = Date.now();
    await sleep(windowS * 1000);
    const secs = (Date.now() - t0) / 1000;
    const lat = [];
    let frames = 0;
    for (const p of pages) {
      const s = await p.evaluate(() => window.__clock.take());
      frames += s.length;
      for (const [, ms] of s) lat.push(ms);
    }
    const streams = parties * (parties - 1);
    return {
      media, parties, glassP50: pct(lat, 50), glassP95: pct(lat, 95), samples: lat.length,
      recvFps: frames / streams / secs, joinP50: pct(joinMs, 50), joinMax: Math.max(...joinMs),
    };
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const rtc = await freeUdpRange(1);
  const server = await startBuzzd({ config: JSON.stringify({ rtc_port: rtc.min, rtc_workers: 1 }) });
  const browser = await launchBrowser(['--allow-loopback-in-peer-connection']);
  const results = [];
  console.log(`call-bench date=${new Date().toISOString()} cores=${os.cpus().length} loadavg=${os.loadavg()[0].toFixed(2)} camera=320x180@30 window_s=${o.windowS}`);
  try {
    for (const [media, n] of o.shapes) {
      log(`shape ${media}:${n}`);
      const r = await shape(browser, server, media, n, o.windowS);
      results.push(r);
      console.log(`call media=${r.media} parties=${r.parties} glass_p50_ms=${f1(r.glassP50)} glass_p95_ms=${f1(r.glassP95)} ` +
        `samples=${r.samples} recv_fps=${f1(r.recvFps)} join_media_p50_ms=${f1(r.joinP50)} join_media_max_ms=${f1(r.joinMax)} ` +
        `loadavg=${os.loadavg()[0].toFixed(2)}`);
    }
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
  const sfu3 = results.find((r) => r.media === 'sfu' && r.parties === 3);
  const mesh3 = results.find((r) => r.media === 'p2p' && r.parties === 3);
  if (sfu3 && mesh3) {
    console.log(`call ratio parties=3 sfu_vs_mesh glass_p95=${(sfu3.glassP95 / mesh3.glassP95).toFixed(2)} ` +
      `glass_p50=${(sfu3.glassP50 / mesh3.glassP50).toFixed(2)} join_media_max=${(sfu3.joinMax / mesh3.joinMax).toFixed(2)}`);
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(results, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
