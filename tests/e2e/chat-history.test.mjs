// Issue 9, part 5, in the browser: a room has more chat than `joined` carries
// (join_history_msgs 10); the chat panel shows the newest ten and a "Load earlier messages"
// button; each click prepends the next page in order, without duplicates, keeping in view the
// message that was at the top; the button goes away when everything is shown. The same pages
// are reachable through window.buzzstream.chatHistory({before, limit}).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { joinRoom } from '../lib/wsjson.mjs';
import { launchCallBrowser, openRoom, apiJoin, ensureChatOpen, closePages, pageDiag } from '../lib/client.mjs';
import { waitFor } from '../lib/proc.mjs';

const TOTAL = 130;
const IN_JOINED = 10;
const textOf = (i) => `message ${i}${i % 7 === 0 ? '\nwith a second line' : ''}`;

/** The texts of the chat panel's items, top to bottom. */
const shownTexts = (page) => page.getByRole('list', { name: 'Chat history' }).locator('li p').allInnerTexts();

test('"Load earlier messages" pages back through the whole chat in order', { timeout: 180000 }, async (t) => {
  const server = await startBuzzd({ config: JSON.stringify({ join_history_msgs: IN_JOINED }) });
  const cb = await launchCallBrowser();
  const pages = [];
  let writer = null;
  t.after(async () => {
    writer?.c.terminate();
    await closePages(pages);
    await cb.close();
    await server.stop();
  });

  const room = await createRoom(server, { name: 'e2e chat history' });
  writer = await joinRoom(server.wsUrl, room.id, 'Writer');
  for (let i = 1; i <= TOTAL; i++) writer.c.send({ type: 'chat', text: textOf(i) });
  await writer.c.next((m) => m.type === 'chat' && m.id === TOTAL, 30000, `chat ${TOTAL}`);

  const page = await openRoom(cb.browser, server, room.id, { width: 1280, height: 720 });
  pages.push(page);
  const joined = await apiJoin(page, { name: 'Reader', camera: false, mic: false });
  assert.ok(joined.ok, `join failed: ${JSON.stringify(joined)}`);
  await ensureChatOpen(page);
  const more = page.getByRole('button', { name: 'Load earlier messages', exact: true });
  const want = (from, to) => Array.from({ length: to - from + 1 }, (_, k) => textOf(from + k));

  await waitFor(async () => (await shownTexts(page)).length === IN_JOINED,
    { timeoutMs: 15000, what: `the newest ${IN_JOINED} messages` })
    .catch((e) => { e.message += `\n${pageDiag(page)}`; throw e; });
  assert.deepEqual(await shownTexts(page), want(TOTAL - IN_JOINED + 1, TOTAL));
  assert.ok(await more.isVisible(), '"Load earlier messages" is not shown although older messages exist');

  let clicks = 0;
  while (await more.isVisible()) {
    const before = await shownTexts(page);
    // The message at the top now must stay where it is on screen after the page is prepended.
    const anchor = page.getByRole('list', { name: 'Chat history' }).locator('li').first();
    const anchorText = await anchor.locator('p').innerText();
    const y0 = (await anchor.boundingBox()).y;
    await more.click();
    clicks++;
    await waitFor(async () => (await shownTexts(page)).length > before.length,
      { timeoutMs: 15000, what: `page ${clicks} of older messages` })
      .catch((e) => { e.message += `\n${pageDiag(page)}`; throw e; });
    const now = await shownTexts(page);
    assert.deepEqual(now.slice(now.length - before.length), before, 'the newer messages stay, in order');
    assert.deepEqual(now, want(TOTAL - now.length + 1, TOTAL), `after click ${clicks}: in order, no duplicates`);
    const same = page.getByRole('list', { name: 'Chat history' }).locator('li').filter({ hasText: anchorText }).first();
    const y1 = (await same.boundingBox()).y;
    assert.ok(Math.abs(y1 - y0) <= 2, `the scroll position moved: "${anchorText}" went from y=${y0} to y=${y1}`);
    assert.ok(clicks < 10, 'too many pages');
    await waitFor(async () => !(await more.isVisible()) || !(await more.isDisabled({ timeout: 1000 })), { timeoutMs: 5000, what: 'the button to settle' });
  }
  assert.ok(clicks >= 2, `expected several pages, got ${clicks}`);
  assert.deepEqual(await shownTexts(page), want(1, TOTAL), 'every message, in order');

  // The same history through the API; chat() holds it all too.
  const api = await page.evaluate(async () => {
    const a = await window.buzzstream.chatHistory({ before: 5, limit: 3 });
    const b = await window.buzzstream.chatHistory({ before: 2 });
    let bad = null;
    try { await window.buzzstream.chatHistory({ before: 0 }); } catch (e) { bad = e.code; }
    return { a: a.messages.map((m) => [m.id, m.text]), aMore: a.more, b: b.messages.map((m) => m.id),
      bMore: b.more, chat: window.buzzstream.chat().map((m) => m.id), bad };
  });
  assert.deepEqual(api.a, [[2, textOf(2)], [3, textOf(3)], [4, textOf(4)]]);
  assert.equal(api.aMore, true);
  assert.deepEqual(api.b, [1]);
  assert.equal(api.bMore, false);
  assert.deepEqual(api.chat, Array.from({ length: TOTAL }, (_, k) => k + 1));
  assert.equal(api.bad, 'bad_message');

  // A live message still lands at the bottom, once.
  writer.c.send({ type: 'chat', text: 'live after paging' });
  await waitFor(async () => (await shownTexts(page)).at(-1) === 'live after paging',
    { timeoutMs: 15000, what: 'the live message at the bottom' });
  const final = await shownTexts(page);
  assert.equal(final.length, TOTAL + 1);
  assert.equal(await more.isVisible(), false);
});
