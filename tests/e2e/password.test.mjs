// A room with a password: a wrong or missing password is refused with code wrong_password
// (API) and a visible message (UI); the right password lets both people in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { launchCallBrowser, openRoom, apiJoin, uiJoin, selfId, closePages, pageDiag } from '../lib/client.mjs';
import { waitFor } from '../lib/proc.mjs';

const WRONG_PASSWORD_TEXT = /(wrong|incorrect|invalid|bad)\b.{0,20}password|password.{0,30}\b(wrong|incorrect|invalid|not correct|does not match|didn't match)/i;

test('wrong room password is refused clearly; the right one works', { timeout: 120000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchCallBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });

  const password = 'correct horse battery';
  const room = await createRoom(server, { name: 'e2e locked', password });
  const info = await fetch(`${server.url}/api/rooms/${room.id}`).then((r) => r.json());
  assert.equal(info.password, true, `room info: ${JSON.stringify(info)}`);
  assert.ok(!JSON.stringify(info).includes(password), 'room info leaks the password');

  pages.push(await openRoom(cb.browser, server, room.id), await openRoom(cb.browser, server, room.id));
  const [ui, api] = pages;

  // API: missing and wrong passwords reject with the server's code.
  for (const opts of [{ name: 'Eve' }, { name: 'Eve', password: 'guess' }, { name: 'Eve', password: password.toUpperCase() }]) {
    const r = await apiJoin(api, { ...opts, camera: false, mic: false });
    assert.equal(r.ok, false, `join ${JSON.stringify(opts)} was accepted`);
    assert.equal(r.code, 'wrong_password', `join ${JSON.stringify(opts)}: ${JSON.stringify(r)}`);
    assert.equal(await selfId(api), null, 'self() set after a refused join');
  }

  // UI: a wrong password shows a clear message and leaves us on the pre-join screen.
  await uiJoin(ui, 'Uma', 'not the password');
  await waitFor(async () => WRONG_PASSWORD_TEXT.test(await ui.locator('body').innerText()),
    { timeoutMs: 10000, what: 'a visible wrong-password message' })
    .catch((e) => { e.message += `\n${pageDiag(ui)}`; throw e; });
  const msg = ui.getByText(WRONG_PASSWORD_TEXT).first();
  assert.ok(await msg.isVisible(), 'wrong-password message is not visible');
  assert.equal(await selfId(ui), null, 'UI page joined with a wrong password');

  // The right password works for both.
  await uiJoin(ui, 'Uma', password);
  const idUi = await waitFor(() => selfId(ui), { timeoutMs: 15000, what: 'UI join with the right password' })
    .catch((e) => { e.message += `\n${pageDiag(ui)}`; throw e; });
  const ok = await apiJoin(api, { name: 'Eve', password, camera: false, mic: false });
  assert.ok(ok.ok, `right password refused: ${JSON.stringify(ok)}`);
  assert.deepEqual(ok.participants.map((p) => p.id), [idUi]);
  await waitFor(() => ui.evaluate((id) => window.buzzstream.participants().some((p) => p.id === id), ok.id),
    { what: 'Uma to see Eve in the roster' });
  assert.equal(await ui.evaluate(() => window.buzzstream.connectionState()), 'open');
  // buzzd survived the whole call: healthy, clean exit on SIGTERM, no sanitizer report.
  await assertCleanShutdown(server);
});
