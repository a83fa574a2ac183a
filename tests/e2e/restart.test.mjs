// Chat reaches everyone; then buzzd is killed with SIGKILL and restarted on the same port and
// data directory. The clients must reconnect on their own, get a fresh `joined`, receive
// video again, and show the chat from before the crash as history (it lives in SQLite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import {
  launchCallBrowser, openRoom, apiJoin, waitForVideo, events, framesDecoded, ensureChatOpen,
  closePages, pageDiag,
} from '../lib/client.mjs';
import { waitFor, sleep } from '../lib/proc.mjs';

const selfIdOf = (p) => p.evaluate(() => window.buzzstream.self()?.id);
const chatTexts = (p) => p.evaluate(() => window.buzzstream.chat().map((m) => m.text));

/** Resolves with the peer's id once this page decodes fresh frames from it. */
async function videoFlowing(page, deadline) {
  return waitFor(async () => {
    const others = await page.evaluate(() => window.buzzstream.participants().map((p) => p.id));
    if (others.length !== 1) return null;
    const f0 = await framesDecoded(page, others[0]);
    if (f0 === 0) return null;
    await sleep(400);
    return (await framesDecoded(page, others[0])) > f0 ? others[0] : null;
  }, { timeoutMs: Math.max(1000, deadline - Date.now()), intervalMs: 200, what: 'video to flow again' })
    .catch((e) => { e.message += `\n${pageDiag(page)}`; throw e; });
}

test('chat is delivered, survives kill -9 of buzzd, and clients reconnect', { timeout: 150000 }, async (t) => {
  const server = await startBuzzd();
  const cb = await launchCallBrowser();
  const pages = [];
  t.after(async () => { await closePages(pages); await cb.close(); await server.stop(); });

  const room = await createRoom(server, { name: 'e2e restart' });
  pages.push(await openRoom(cb.browser, server, room.id), await openRoom(cb.browser, server, room.id));
  const [a, b] = pages;
  const ja = await apiJoin(a, { name: 'Ada' });
  const jb = await apiJoin(b, { name: 'Bob' });
  assert.ok(ja.ok && jb.ok, JSON.stringify([ja, jb]));
  await waitForVideo(a, jb.id);
  await waitForVideo(b, ja.id);

  // Ada chats through the panel, Bob through the API.
  const t1 = `hello from Ada ${Date.now()}`;
  const t2 = `reply from Bob ${Date.now()}`;
  await ensureChatOpen(a);
  await a.getByRole('textbox', { name: /message|chat/i }).first().fill(t1);
  await a.getByRole('button', { name: 'Send', exact: true }).click();
  await waitFor(async () => (await chatTexts(b)).includes(t1), { what: 'Ada\'s message at Bob' });
  await b.evaluate((x) => window.buzzstream.sendChat(x), t2);
  for (const p of pages) {
    await waitFor(async () => { const c = await chatTexts(p); return c.includes(t1) && c.includes(t2); },
      { what: 'both messages on every page' });
  }
  const ev = await events(b, 'chat');
  assert.ok(ev.some((e) => e.x.text === t1 && e.x.name === 'Ada' && e.x.from === ja.id), `chat event: ${JSON.stringify(ev)}`);
  await a.getByText(t2).first().waitFor({ state: 'visible', timeout: 5000 });

  const joinedBefore = await Promise.all(pages.map(async (p) => (await events(p, 'joined')).length));
  const pcsBefore = await Promise.all(pages.map((p) => p.evaluate(() => window.__pcs.length)));
  await server.kill9();
  await Promise.all(pages.map((p) => waitFor(
    () => p.evaluate(() => ['reconnecting', 'connecting'].includes(window.buzzstream.connectionState())),
    { timeoutMs: 15000, what: 'the client to notice the dead server' })));
  await server.restart();
  const restartedAt = Date.now();

  for (const [i, p] of pages.entries()) {
    await waitFor(async () => {
      const st = await p.evaluate(() => window.buzzstream.connectionState());
      return st === 'open' && (await events(p, 'joined')).length > joinedBefore[i];
    }, { timeoutMs: 20000, what: 'reconnect with a new joined event' }).catch((e) => { e.message += `\n${pageDiag(p)}`; throw e; });
  }
  const rejoinMs = Date.now() - restartedAt;
  await Promise.all(pages.map((p) => videoFlowing(p, restartedAt + 15000)));
  const videoMs = Date.now() - restartedAt;
  const pcsAfter = await Promise.all(pages.map((p) => p.evaluate(() => window.__pcs.length)));
  const idsAfter = await Promise.all(pages.map(selfIdOf));
  t.diagnostic(`after restart: rejoined in ${rejoinMs} ms, video flowing in ${videoMs} ms; ` +
    `ids ${[ja.id, jb.id]} → ${idsAfter}; peer connections ${pcsBefore} → ${pcsAfter}`);
  // The goal is about 5 s (observed 1.3–2.8 s); the bound is 10 s so a loaded two-core CI
  // machine does not fail it, while a client that waits for a long back-off still does.
  assert.ok(videoMs < 10000, `video took ${videoMs} ms to flow again after the restart`);

  for (const p of pages) {
    const c = await chatTexts(p);
    assert.ok(c.includes(t1) && c.includes(t2), `history after restart: ${JSON.stringify(c)}`);
    assert.equal(c.filter((x) => x === t1).length, 1, `history duplicated: ${JSON.stringify(c)}`);
    await ensureChatOpen(p);
    await p.getByText(t1).first().waitFor({ state: 'visible', timeout: 5000 });
    await p.getByText(t2).first().waitFor({ state: 'visible', timeout: 5000 });
  }
  // A new message after the restart still reaches the other side.
  const t3 = `after restart ${Date.now()}`;
  await a.evaluate((x) => window.buzzstream.sendChat(x), t3);
  await waitFor(async () => (await chatTexts(b)).includes(t3), { what: 'post-restart chat' });
  for (const p of pages) assert.deepEqual(p.__errors, [], pageDiag(p));
  // buzzd survived the whole call: healthy, clean exit on SIGTERM, no sanitizer report.
  await assertCleanShutdown(server);
});
