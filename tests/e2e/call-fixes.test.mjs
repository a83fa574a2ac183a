// The rough edges users found on the call screen (issue 10, items 1–9), each checked as a
// user sees it: by accessible name and by what is on the screen. Run against an older web/
// with BUZZ_WEB_DIR=<dir> to see them fail there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import {
  launchCallBrowser, openRoom, openLanding, apiJoin, uiJoin, selfId, control, nameField,
  waitForVideo, closePages, pageDiag, serverOpts,
} from '../lib/client.mjs';
import { waitFor, sleep } from '../lib/proc.mjs';

let server, cb;
const pages = [];
before(async () => { server = await startBuzzd(serverOpts()); cb = await launchCallBrowser(); });
after(async () => { await closePages(pages); await cb?.close(); await server?.stop(); });

async function page(roomId, opts) {
  const p = await openRoom(cb.browser, server, roomId, opts);
  pages.push(p);
  return p;
}

const visibleStats = (p) => p.evaluate(() => [...document.querySelectorAll('.tile-stats')]
  .filter((e) => e.offsetParent !== null && getComputedStyle(e).display !== 'none' && e.textContent.trim()).length);

test('1. "Hide stats" (and I) hides the numbers on every tile for good', { timeout: 90000 }, async () => {
  const room = await createRoom(server, { name: 'stats' });
  const a = await page(room.id);
  const b = await page(room.id);
  const ja = await apiJoin(a, { name: 'Ann' });
  const jb = await apiJoin(b, { name: 'Ben' });
  assert.ok(ja.ok && jb.ok);
  await waitForVideo(a, jb.id);
  // Make every statistics read take 700 ms so that each hide below lands while a refresh is
  // in flight: the bug was that refresh putting the numbers back after they were hidden.
  await a.evaluate(() => {
    const read = RTCPeerConnection.prototype.getStats;
    window.__statsReads = 0;
    RTCPeerConnection.prototype.getStats = async function (...args) {
      window.__statsReads++;
      const report = await read.apply(this, args);
      await new Promise((r) => setTimeout(r, 700));
      return report;
    };
  });
  for (let round = 0; round < 3; round++) {
    await control(a, 'Show stats').click();
    await waitFor(async () => (await visibleStats(a)) >= 2, { timeoutMs: 8000, what: 'stats on both tiles' });
    // Hide just after the next refresh started, by button and by the I key in turn.
    const reads = await a.evaluate(() => window.__statsReads);
    await waitFor(() => a.evaluate((n) => window.__statsReads > n, reads), { timeoutMs: 5000, intervalMs: 20, what: 'a stats refresh' });
    if (round % 2) await a.keyboard.press('i');
    else await control(a, 'Hide stats').click();
    await control(a, 'Show stats').waitFor({ timeout: 5000 });
    for (let i = 0; i < 5; i++) {
      await sleep(500);
      assert.equal(await visibleStats(a), 0, `round ${round}: stats visible ${i * 0.5 + 0.5} s after hiding`);
    }
  }
  assert.deepEqual(a.__errors, [], pageDiag(a));
});

test('2. two people named Bob are told apart; the owner removes "Bob (2)" by that name', { timeout: 90000 }, async () => {
  const server2 = server;
  const res = await fetch(`${server2.url}/api/rooms`, { method: 'POST', body: '{"name":"bobs"}', headers: { 'Content-Type': 'application/json' } });
  const room = await res.json();
  const owner = await page(room.id);
  await owner.evaluate(([id, tok]) => localStorage.setItem(`buzz.owner.${id}`, tok), [room.id, room.owner_token]);
  const jo = await apiJoin(owner, { name: 'Olga', camera: false });
  assert.ok(jo.ok, JSON.stringify(jo));
  const b1 = await page(room.id);
  const b2 = await page(room.id);
  const j1 = await apiJoin(b1, { name: 'Bob', camera: false });
  const j2 = await apiJoin(b2, { name: 'Bob', camera: false });
  assert.ok(j1.ok && j2.ok);
  await waitFor(async () => (await owner.evaluate(() => window.buzzstream.participants().length)) === 2, { what: 'two Bobs' });
  const list = await owner.evaluate(() => window.buzzstream.participants().map((p) => [p.id, p.name, p.displayName]));
  assert.deepEqual(list, [[j1.id, 'Bob', 'Bob'], [j2.id, 'Bob', 'Bob (2)']]);
  // Every page numbers alike: the second Bob sees himself as "Bob (2)".
  assert.equal(await b2.evaluate(() => window.buzzstream.self().displayName), 'Bob (2)');
  // Tiles say so, and have coloured initials avatars that differ.
  await owner.locator(`[data-peer-id="${j2.id}"][data-kind="camera"] .name`).filter({ hasText: 'Bob (2)' }).waitFor();
  const colours = await owner.evaluate((ids) => ids.map((id) => getComputedStyle(document.querySelector(`[data-peer-id="${id}"] .avatar-circle`)).backgroundColor), [j1.id, j2.id]);
  assert.notEqual(colours[0], colours[1], `both Bobs have the avatar colour ${colours[0]}`);
  await control(owner, 'Show participants').click();
  const panel = owner.getByRole('complementary', { name: 'Participants panel' });
  assert.equal(await panel.getByRole('button', { name: 'Remove Bob', exact: true }).count(), 1);
  await panel.getByRole('button', { name: 'Remove Bob (2)', exact: true }).click();
  await waitFor(() => b2.evaluate(() => document.body.innerText.includes('You were removed')), { what: 'Bob (2) removed' });
  // 6. The removed person is not offered "Rejoin"; the owner gets one notice, not two.
  assert.equal(await b2.getByRole('button', { name: 'Rejoin' }).count(), 0);
  await b2.getByRole('button', { name: 'Back to home' }).waitFor();
  await owner.getByRole('status').filter({ hasText: 'Bob (2) was removed' }).waitFor({ timeout: 5000 });
  await sleep(600);
  const toasts = await owner.locator('.toasts .toast').allInnerTexts();
  assert.equal(toasts.filter((x) => /remove/i.test(x)).length, 1, `owner toasts: ${JSON.stringify(toasts)}`);
  assert.deepEqual(owner.__errors, [], pageDiag(owner));
});

test('3. the control bar: every control in the bar at 1280 px; a phone keeps four and "More options"', { timeout: 60000 }, async () => {
  const room = await createRoom(server, { name: 'bar' });
  const a = await page(room.id);
  assert.ok((await apiJoin(a, { name: 'Ann', camera: false })).ok);
  const all = ['Mute microphone', 'Turn on camera', 'Share screen', 'Effects', 'Reactions', 'Raise hand',
    'Open chat', 'Show participants', 'Change layout', 'Settings', 'Show stats', 'Copy link',
    'Keyboard shortcuts', 'Leave'];
  for (const n of all) assert.ok(await control(a, n).isVisible(), `"${n}" in the bar at 1280 px`);
  assert.equal(await control(a, 'More options').isVisible(), false);
  // Grouped: the bar has labelled groups.
  assert.ok(await a.getByRole('navigation', { name: 'Call controls' }).getByRole('group').count() >= 3);
  // Desktop shows each name as a tooltip on hover (and on keyboard focus).
  await control(a, 'Settings').hover();
  await waitFor(() => a.evaluate(() => {
    const s = getComputedStyle(document.querySelector('.ctl-settings'), '::after');
    return s.content === '"Settings"' && Number(s.opacity) > 0.9;
  }), { timeoutMs: 3000, what: 'the tooltip "Settings" on hover' });
  await a.setViewportSize({ width: 390, height: 844 });
  for (const n of ['Mute microphone', 'Turn on camera', 'Share screen', 'Leave', 'More options']) {
    assert.ok(await control(a, n).isVisible(), `"${n}" stays in the bar on a phone`);
  }
  for (const n of ['Effects', 'Raise hand', 'Open chat', 'Settings', 'Show stats']) {
    assert.equal(await control(a, n).isVisible(), false, `"${n}" moves to More options on a phone`);
  }
  const bar = await a.evaluate(() => { const n = document.querySelector('nav.controls'); return [n.scrollWidth, n.clientWidth]; });
  assert.ok(bar[0] <= bar[1], `bar ${bar[0]} px in ${bar[1]} px`);
  await control(a, 'More options').click();
  const menu = a.getByRole('menu', { name: 'More options' });
  for (const n of ['Effects', 'Reactions', 'Raise hand', 'Open chat', 'Show participants', 'Change layout', 'Settings', 'Show stats', 'Copy link']) {
    assert.equal(await menu.getByRole('menuitem', { name: n, exact: true }).count(), 1, `menu item "${n}"`);
  }
  await menu.getByRole('menuitem', { name: 'Raise hand', exact: true }).click();
  await waitFor(() => a.evaluate(() => window.buzzstream.self().hand), { what: 'hand raised from the menu' });
  assert.equal(await menu.count(), 0, 'the menu closes after a choice');
  await a.setViewportSize({ width: 1280, height: 800 });
});

test('7. pre-join: a locked room is flagged before Join; an empty password is refused locally', { timeout: 60000 }, async () => {
  const res = await fetch(`${server.url}/api/rooms`, { method: 'POST', body: '{"name":"locked","password":"pw"}', headers: { 'Content-Type': 'application/json' } });
  const room = await res.json();
  // The owner sees no password field: the owner token lets them in.
  const owner = await page(room.id);
  await owner.evaluate(([id, tok]) => localStorage.setItem(`buzz.owner.${id}`, tok), [room.id, room.owner_token]);
  await owner.reload();
  await nameField(owner).waitFor();
  assert.equal(await owner.getByLabel('Room password').isVisible(), false, 'owner is asked for the password');
  await uiJoin(owner, 'Olga');
  await waitFor(() => selfId(owner), { what: 'owner joined without the password' });
  // Join with an empty password: "Enter the room password", nothing sent.
  const guest = await page(room.id);
  await nameField(guest).fill('Gus');
  let joins = 0;
  guest.on('websocket', (ws) => ws.on('framesent', (f) => { if (String(f.payload).includes('"join"')) joins++; }));
  await guest.getByRole('button', { name: 'Join', exact: true }).click();
  await guest.getByRole('alert').filter({ hasText: 'Enter the room password' }).waitFor({ timeout: 5000 });
  assert.equal(joins, 0, 'a join with an empty password went to the server');
  assert.doesNotMatch(await guest.locator('body').innerText(), /wrong password/i);
  // Locked: flagged on the pre-join screen, Join disabled, no failure after clicking.
  await control(owner, 'Show participants').click();
  await owner.getByRole('button', { name: 'Lock room', exact: true }).click();
  await guest.getByText('This room is locked', { exact: false }).waitFor({ timeout: 12000 });
  assert.equal(await guest.getByRole('button', { name: 'Join', exact: true }).isDisabled(), true);
});

test('9a. the join-code error appears under the "Join a meeting" card; an unknown path is an HTML page', { timeout: 60000 }, async () => {
  const land = await openLanding(cb.browser, server);
  pages.push(land);
  await land.getByLabel('Room code or link').fill('nope');
  await land.getByRole('button', { name: 'Join room', exact: true }).click();
  const joinCard = land.getByRole('form', { name: 'Join a meeting' });
  await joinCard.getByRole('alert').filter({ hasText: 'not a room code' }).waitFor({ timeout: 5000 });
  const [card, err] = await Promise.all([joinCard.boundingBox(), joinCard.getByRole('alert').boundingBox()]);
  assert.ok(err.y >= card.y && err.y + err.height <= card.y + card.height + 1, 'error inside the join card');
  await land.goto(`${server.url}/no/such/page`);
  await land.getByRole('heading', { name: 'Page not found' }).waitFor({ timeout: 5000 });
  await land.getByRole('link', { name: 'Go to the home page' }).click();
  await land.getByRole('button', { name: 'Create room', exact: true }).waitFor();
  const api = await fetch(`${server.url}/api/nope`, { headers: { Accept: 'text/html' } });
  assert.equal(api.status, 404);
  assert.equal((await api.json()).error, 'not_found', '/api/ stays JSON');
});

test('9b. alone: an invite prompt; a long name is refused with a word; a connecting tile is not black', { timeout: 90000 }, async () => {
  const room = await createRoom(server, { name: 'alone' });
  const a = await page(room.id, { permissions: ['clipboard-read', 'clipboard-write'] });
  await nameField(a).fill('N'.repeat(70));
  await a.getByRole('button', { name: 'Join', exact: true }).click();
  await a.getByRole('alert').filter({ hasText: 'at most 64 characters' }).waitFor({ timeout: 5000 });
  assert.equal(await selfId(a), null);
  assert.equal((await nameField(a).inputValue()).length, 70, 'the name was cut without a word');
  await uiJoin(a, 'Ann');
  await waitFor(() => selfId(a), { what: 'Ann joined' });
  const invite = a.getByRole('region', { name: 'You\u2019re the only one here' });
  await invite.waitFor({ timeout: 5000 });
  await invite.getByRole('button', { name: 'Copy invite link' }).click();
  assert.equal(await a.evaluate(() => navigator.clipboard.readText()), `${server.url}/r/${room.id}`);
  // Someone joins: the prompt goes; their tile says "Connecting…" until video plays.
  const b = await page(room.id);
  const jb = await apiJoin(b, { name: 'Ben' });
  assert.ok(jb.ok);
  await invite.waitFor({ state: 'hidden', timeout: 5000 });
  const tile = a.locator(`[data-peer-id="${jb.id}"][data-kind="camera"]`);
  await tile.waitFor();
  const sawConnecting = await a.evaluate((id) => {
    const el = document.querySelector(`[data-peer-id="${id}"][data-kind="camera"]`);
    const v = el.querySelector('video');
    return !(v && v.readyState >= 2 && !v.paused) ? el.innerText.includes('Connecting') : 'playing';
  }, jb.id);
  assert.ok(sawConnecting === true || sawConnecting === 'playing', 'no "Connecting…" on a tile waiting for video');
  await waitForVideo(a, jb.id);
  await waitFor(async () => !(await tile.innerText()).includes('Connecting'), { timeoutMs: 10000, what: '"Connecting…" to go once video plays' });
});

test('9c. the sharer does not see their own screen large; viewers do', { timeout: 90000 }, async () => {
  const room = await createRoom(server, { name: 'share' });
  const a = await page(room.id);
  const b = await page(room.id);
  const ja = await apiJoin(a, { name: 'Ann' });
  const jb = await apiJoin(b, { name: 'Ben' });
  assert.ok(ja.ok && jb.ok);
  await control(a, 'Share screen').click();
  await control(a, 'Stop sharing').waitFor();
  await waitForVideo(b, ja.id, 'screen');
  const area = (p, sel) => p.evaluate((s) => { const r = document.querySelector(s)?.getBoundingClientRect(); return r ? r.width * r.height : 0; }, sel);
  const vp = 1280 * 800;
  await waitFor(async () => (await area(b, `[data-peer-id="${ja.id}"][data-kind="screen"]`)) > vp * 0.3, { what: 'the viewer sees the screen large' });
  const own = await area(a, '[data-peer-id="self"][data-kind="screen"]');
  const cam = await area(a, `[data-peer-id="${jb.id}"][data-kind="camera"]`);
  // A tile like the others (not the stage): at most the other person's size, under 30 %.
  assert.ok(own > 0 && own < vp * 0.3, `the sharer's own screen takes ${(own / vp * 100).toFixed(0)} % of the window`);
  assert.ok(cam >= own * 0.98, 'the other person is as large as the sharer\'s own screen');
});

test('a room that does not exist (or expired) offers "Create a new room", which opens one', { timeout: 60000 }, async () => {
  const p = await page('zzzz-zzzz-zzzz');
  await p.getByRole('heading', { name: 'Room not found' }).waitFor({ timeout: 10000 });
  await p.getByRole('button', { name: 'Create a new room', exact: true }).click();
  await p.waitForURL((u) => /^\/r\/[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/.test(u.pathname) &&
    u.pathname !== '/r/zzzz-zzzz-zzzz', { timeout: 10000 });
  await p.getByRole('button', { name: 'Join', exact: true }).waitFor();
});
