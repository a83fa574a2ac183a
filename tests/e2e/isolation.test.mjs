// buzzd serves its pages cross-origin isolated (COOP same-origin, COEP credentialless), so the
// browser offers SharedArrayBuffer and nn.js can run its threaded build (docs/nn.md, "Threads").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd } from '../lib/buzzd.mjs';
import { launchBrowser, openPage } from '../lib/chromium.mjs';

test('pages are cross-origin isolated and nn.js sees threads', { timeout: 120000 }, async (t) => {
  const server = await startBuzzd();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.stop(); });
  const page = await openPage(browser, `${server.url}/`);
  await page.waitForLoadState('load');
  const r = await page.evaluate(async () => {
    const { NN } = await import('/js/nn/nn.js');
    return { isolated: globalThis.crossOriginIsolated, sab: typeof SharedArrayBuffer, threads: NN.threadsAvailable() };
  });
  assert.deepEqual(r, { isolated: true, sab: 'function', threads: true });
});
