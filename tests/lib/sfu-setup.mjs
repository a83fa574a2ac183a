// buzzd with one media worker on a known UDP port and a browser whose fake camera plays the
// synthetic clip, for SFU tests; everything is stopped after the test (t.after).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBuzzd } from './buzzd.mjs';
import { launchBrowser } from './chromium.mjs';
import { writeY4m } from './y4m.mjs';
import { freeUdpRange } from './ports.mjs';
import { tempDir } from './proc.mjs';
import { closePages } from './client.mjs';

/** {rtc, server, browser, pages}; `before` runs first at clean-up (stop extra clients). */
export async function sfuServerAndBrowser(t, { before = async () => {} } = {}) {
  const rtc = await freeUdpRange(1);
  const server = await startBuzzd({ config: JSON.stringify({ rtc_port: rtc.min, rtc_workers: 1 }) });
  const dir = tempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'buzz-sfu-')));
  const clip = writeY4m(path.join(dir, 'camera.y4m'));
  const browser = await launchBrowser([`--use-file-for-fake-video-capture=${clip}`]);
  const pages = [];
  t.after(async () => {
    await before();
    await closePages(pages);
    await browser.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
    await server.stop();
  });
  return { rtc, server, browser, pages };
}
