// What users of Meet, Jitsi Meet and LiveKit Meet take for granted, by accessible name:
// layouts and pinning, the in-call Settings dialog, reactions, "Mute everyone", and taking
// the seat from another tab ("Join here").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import {
  launchCallBrowser, openRoom, apiJoin, control, recordEvents, waitForVideo, waitForAudio,
  stats, closePages, pageDiag, serverOpts, axeViolations, screenshot, stepTimer,
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

const area = (p, sel) => p.evaluate((s) => {
  const r = document.querySelector(s)?.getBoundingClientRect();
  return r ? Math.round(r.width * r.height) : 0;
}, sel);
const tileSel = (id) => `[data-peer-id="${id}"][data-kind="camera"]`;

async function ownerPage(name) {
  const res = await fetch(`${server.url}/api/rooms`, { method: 'POST', body: JSON.stringify({ name }), headers: { 'Content-Type': 'application/json' } });
  const room = await res.json();
  const p = await page(room.id);
  await p.evaluate(([id, tok]) => localStorage.setItem(`buzz.owner.${id}`, tok), [room.id, room.owner_token]);
  return { room, p };
}

test('layouts: "Change layout" → Speaker (remembered), pin and unpin, the active-speaker ring', { timeout: 120000 }, async (t) => {
  const room = await createRoom(server, { name: 'layouts' });
  const [a, b, c] = [await page(room.id), await page(room.id), await page(room.id)];
  const ja = await apiJoin(a, { name: 'Ann' });
  const jb = await apiJoin(b, { name: 'Ben', mic: false });
  const jc = await apiJoin(c, { name: 'Cat', mic: false });
  assert.ok(ja.ok && jb.ok && jc.ok);
  await waitForVideo(a, jb.id);
  await waitForVideo(a, jc.id);
  // Grid: the three tiles the same size.
  const sizes = await Promise.all(['self', jb.id, jc.id].map((id) => area(a, tileSel(id))));
  assert.ok(Math.max(...sizes) - Math.min(...sizes) < Math.max(...sizes) * 0.05, `grid sizes ${sizes}`);
  await control(a, 'Change layout').click();
  const menu = a.getByRole('menu', { name: 'Change layout' });
  assert.equal(await menu.getByRole('menuitemradio', { name: 'Grid' }).getAttribute('aria-checked'), 'true');
  await menu.getByRole('menuitemradio', { name: 'Speaker' }).click();
  await waitFor(async () => {
    const s = await Promise.all(['self', jb.id, jc.id].map((id) => area(a, tileSel(id))));
    return Math.max(...s) > 4 * Math.min(...s);
  }, { what: 'one tile large in speaker view' });
  // Pin Cat: her tile is the large one; Unpin gives the place back.
  await a.locator(tileSel(jc.id)).hover();
  await a.getByRole('button', { name: 'Pin Cat', exact: true }).click();
  await waitFor(async () => (await area(a, tileSel(jc.id))) > 1280 * 800 * 0.3, { what: 'Cat pinned large' });
  await a.getByRole('button', { name: 'Unpin Cat', exact: true }).click();
  await a.getByRole('button', { name: 'Pin Cat', exact: true }).waitFor();
  // Ann's microphone plays the fake beep: she is the active speaker on Ben's page, ringed.
  const ringWait = Date.now();
  await waitFor(() => b.evaluate((id) => document.querySelector(`[data-peer-id="${id}"][data-kind="camera"]`)?.dataset.speaking === 'true', ja.id),
    { timeoutMs: 20000, what: 'Ann as the active speaker on Ben\'s page' }).catch(async (e) => {
    const audio = await b.evaluate(async (id) => JSON.stringify((await window.buzzstream.stats())[id]?.audio ?? null), ja.id);
    throw new Error(`${e.message}; Ben's audio from Ann: ${audio}`);
  });
  t.diagnostic(`Ann ringed on Ben's page after ${Date.now() - ringWait} ms`);
  const ring = await b.evaluate((id) => getComputedStyle(document.querySelector(`[data-peer-id="${id}"][data-kind="camera"]`)).boxShadow, ja.id);
  assert.match(ring, /3px/, `active-speaker ring: ${ring}`);
  // The choice persists: a new page of Ann's browser opens in speaker view.
  const again = await a.context().newPage();
  pages.push(again);
  await again.goto(`${server.url}/r/${room.id}`);
  await recordEvents(again);
  assert.equal(await again.evaluate(() => localStorage.getItem('buzz.layout')), 'speaker');
  await again.close();
  for (const p of [a, b, c]) assert.deepEqual(p.__errors, [], pageDiag(p));
});

test('Settings: devices switch live without renegotiation; processing, video quality, level meter', { timeout: 120000 }, async () => {
  const room = await createRoom(server, { name: 'settings' });
  const a = await page(room.id);
  const b = await page(room.id);
  const ja = await apiJoin(a, { name: 'Ann' });
  const jb = await apiJoin(b, { name: 'Ben' });
  assert.ok(ja.ok && jb.ok);
  await waitForAudio(b, ja.id);
  await waitForVideo(b, ja.id);
  await waitForVideo(a, jb.id);
  await control(a, 'Settings').click();
  const dlg = a.getByRole('dialog', { name: 'Settings' });
  for (const n of ['Camera', 'Microphone', 'Speaker', 'Video quality']) {
    assert.equal(await dlg.getByRole('combobox', { name: n, exact: true }).count(), 1, `select "${n}"`);
  }
  await dlg.getByRole('meter', { name: 'Microphone level' }).waitFor();
  const offers = () => a.evaluate(() => (window.__pcs || []).reduce((n, r) => n + r.log.filter((l) => l.includes('setLocalDescription(')).length, 0));
  const before = await offers();
  const mic = dlg.getByRole('combobox', { name: 'Microphone', exact: true });
  const options = await mic.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(options.length >= 2, `fake microphones: ${options}`);
  const want = options.find((v) => v !== 'default' && v !== (options[0])) ?? options[1];
  const oldTrack = await a.evaluate(() => window.buzzstream.mediaSettings().microphone);
  await mic.selectOption(want);
  await waitFor(async () => (await a.evaluate(() => window.buzzstream.mediaSettings().microphone)) !== oldTrack,
    { what: 'the microphone switched' });
  const p0 = (await stats(b))[ja.id].audio.packetsReceived;
  await waitFor(async () => (await stats(b))[ja.id].audio.packetsReceived > p0 + 20, { what: 'audio still flows after the switch' });
  assert.equal(await offers(), before, 'switching the microphone renegotiated');
  // Noise suppression and echo cancellation apply to the running microphone.
  await dlg.getByRole('checkbox', { name: 'Noise suppression' }).uncheck();
  await waitFor(async () => (await a.evaluate(() => window.buzzstream.mediaSettings().noiseSuppression)) === false, { what: 'noise suppression off' });
  await dlg.getByRole('checkbox', { name: 'Echo cancellation' }).uncheck();
  await waitFor(async () => (await a.evaluate(() => window.buzzstream.mediaSettings().echoCancellation)) === false, { what: 'echo cancellation off' });
  // Video quality: "360p" makes the camera capture 640×360, and that is what Ben receives.
  const quality = dlg.getByRole('combobox', { name: 'Video quality', exact: true });
  assert.deepEqual(await quality.locator('option').allInnerTexts(), ['Auto', '720p', '360p', 'Audio only']);
  await quality.selectOption({ label: '360p' });
  await waitFor(async () => (await a.evaluate(() => window.buzzstream.mediaSettings().cameraHeight)) === 360, { what: 'camera at 360p' });
  await waitFor(async () => { const v = (await stats(b))[ja.id].video; return v.height > 0 && v.height <= 360; },
    { timeoutMs: 20000, what: 'Ben receives at most 360 lines' });
  // "Audio only" stops Ann's camera (Ben sees it off) and Ben stops sending his camera to
  // her (no frames arrive, not just hidden), while audio keeps flowing both ways.
  const framesFromBen = async () => (await stats(a))[jb.id].video.framesDecoded;
  await quality.selectOption({ label: 'Audio only' });
  await waitFor(() => b.evaluate((id) => window.buzzstream.participants().find((p) => p.id === id)?.camera === false, ja.id), { what: 'camera off at Ben\'s' });
  let f0 = await framesFromBen();
  await waitFor(async () => { await sleep(1000); const f = await framesFromBen(); const still = f === f0; f0 = f; return still; },
    { timeoutMs: 15000, what: 'no more video frames from Ben' });
  await sleep(2000);
  assert.equal(await framesFromBen(), f0, 'video from Ben still arrives during "Audio only"');
  const pa = (await stats(a))[jb.id].audio.packetsReceived;
  await waitFor(async () => (await stats(a))[jb.id].audio.packetsReceived > pa + 20, { what: 'audio from Ben during "Audio only"' });
  assert.equal(await a.evaluate((id) => window.buzzstream.participants().find((p) => p.id === id)?.camera, jb.id), true,
    'Ben\'s camera stays on in the room');
  await quality.selectOption({ label: 'Auto' });
  await waitFor(() => b.evaluate((id) => window.buzzstream.participants().find((p) => p.id === id)?.camera === true, ja.id), { what: 'camera back after "Auto"' });
  await waitFor(async () => (await framesFromBen()) > f0 + 10, { timeoutMs: 15000, what: 'video from Ben again after "Auto"' });
  await dlg.getByRole('button', { name: 'Close', exact: true }).click();
  assert.equal(await dlg.count(), 0);
  assert.deepEqual(a.__errors, [], pageDiag(a));
});

test('reactions: "Reactions" → "Clap" floats on the sender\'s tile for everyone; react() and the event', { timeout: 90000 }, async () => {
  const room = await createRoom(server, { name: 'reactions' });
  const a = await page(room.id);
  const b = await page(room.id);
  const ja = await apiJoin(a, { name: 'Ann', camera: false });
  const jb = await apiJoin(b, { name: 'Ben', camera: false });
  assert.ok(ja.ok && jb.ok);
  await b.evaluate(() => { window.__rx = []; window.buzzstream.on('reaction', (r) => window.__rx.push(r)); });
  await control(a, 'Reactions').click();
  const bar = a.getByRole('toolbar', { name: 'Reactions' });
  for (const n of ['Thumbs up', 'Clap', 'Laugh', 'Heart', 'Surprised']) {
    assert.equal(await bar.getByRole('button', { name: n, exact: true }).count(), 1, `"${n}"`);
  }
  await bar.getByRole('button', { name: 'Clap', exact: true }).click();
  await b.locator(tileSel(ja.id)).getByRole('img', { name: 'Ann: Clap' }).waitFor({ timeout: 5000 });
  await a.locator(tileSel('self')).getByRole('img', { name: 'You: Clap' }).waitFor({ timeout: 5000 });
  assert.ok(await b.locator(`${tileSel(ja.id)} .reaction svg`).count() >= 1, 'an SVG icon, not an emoji');
  assert.deepEqual(await b.evaluate(() => window.__rx), [{ from: ja.id, kind: 'clap' }]);
  // The API, and its budget (6 in a row): a flood is refused with rate_limited.
  const r = await a.evaluate(async () => {
    const out = [];
    for (let i = 0; i < 10; i++) out.push(await window.buzzstream.react('heart').then(() => 'ok', (e) => e.code));
    out.push(await window.buzzstream.react('confetti').then(() => 'ok', (e) => e.code));
    return out;
  });
  assert.ok(r.slice(0, 5).every((x) => x === 'ok'), JSON.stringify(r));
  assert.ok(r.slice(0, 10).includes('rate_limited'), JSON.stringify(r));
  assert.equal(r[10], 'bad_message');
  await waitFor(() => b.evaluate(() => window.__rx.filter((x) => x.kind === 'heart').length >= 5), { what: 'hearts at Ben\'s' });
});

test('owner: "Mute everyone" mutes every other participant', { timeout: 90000 }, async () => {
  const { room, p: owner } = await ownerPage('mute all');
  const jo = await apiJoin(owner, { name: 'Olga', camera: false });
  const [x, y] = [await page(room.id), await page(room.id)];
  const jx = await apiJoin(x, { name: 'Xia', camera: false });
  const jy = await apiJoin(y, { name: 'Yan', camera: false });
  assert.ok(jo.ok && jx.ok && jy.ok);
  await waitFor(async () => (await owner.evaluate(() => window.buzzstream.participants().length)) === 2, { what: 'two guests' });
  await control(owner, 'Show participants').click();
  await owner.getByRole('button', { name: 'Mute everyone', exact: true }).click();
  for (const [p, who] of [[x, 'Xia'], [y, 'Yan']]) {
    await waitFor(() => p.evaluate(() => window.buzzstream.self().mic === false), { what: `${who} muted` });
    await control(p, 'Unmute microphone').waitFor({ timeout: 5000 });
  }
  assert.equal(await owner.evaluate(() => window.buzzstream.self().mic), true, 'the owner stays unmuted');
});

test('a second tab of the same browser offers "Join here": it takes the seat, the first tab says the call moved', { timeout: 120000 }, async (t) => {
  // It hung once in a full make test (120 s, step unknown): each step is reported as it ends.
  const step = stepTimer(t);
  const room = await createRoom(server, { name: 'tabs' });
  const first = await page(room.id);
  const other = await page(room.id);
  const j1 = await apiJoin(first, { name: 'Ann', camera: false });
  const jo = await apiJoin(other, { name: 'Ben', camera: false });
  assert.ok(j1.ok && jo.ok);
  step('two tabs joined');
  // The same browser profile (context), a new tab.
  const second = await first.context().newPage();
  pages.push(second);
  second.__errors = [];
  second.on('pageerror', (e) => second.__errors.push(String(e)));
  await second.goto(`${server.url}/r/${room.id}`);
  await second.getByText('You are already in this call in another tab.').waitFor({ timeout: 10000 });
  step('the second tab offers "Join here"');
  assert.equal(await second.getByRole('button', { name: 'Join as another participant', exact: true }).isVisible(), true);
  await screenshot(second, 'desktop-prejoin-join-here');
  assert.deepEqual(await axeViolations(second), [], 'axe on the "Join here" pre-join screen');
  step('axe');
  await second.getByRole('button', { name: 'Join here', exact: true }).click();
  await waitFor(() => second.evaluate(() => window.buzzstream.self()?.id ?? null), { what: 'the second tab in the call' });
  assert.equal(await second.evaluate(() => window.buzzstream.self().id), j1.id, 'the same participant, not a second Ann');
  await first.getByRole('heading', { name: 'The call moved to another tab' }).waitFor({ timeout: 10000 });
  await first.getByRole('button', { name: 'Join here', exact: true }).waitFor();
  await screenshot(first, 'desktop-ended-moved');
  assert.deepEqual(await axeViolations(first), [], 'axe on "The call moved to another tab"');
  step('the seat moved to the second tab');
  await sleep(1000);
  assert.deepEqual(await other.evaluate(() => window.buzzstream.participants().map((p) => p.id)), [j1.id], 'Ben still sees one Ann');
  // "Join here" on the first tab takes the seat back; now the second tab says it moved.
  await first.getByRole('button', { name: 'Join here', exact: true }).click();
  await waitFor(() => first.evaluate(() => window.buzzstream.self()?.id ?? null), { what: 'the first tab back in the call' });
  assert.equal(await first.evaluate(() => window.buzzstream.self().id), j1.id);
  await second.getByRole('heading', { name: 'The call moved to another tab' }).waitFor({ timeout: 10000 });
  step('and back to the first');
  // join() without {takeover: true} joins as another participant.
  const third = await first.context().newPage();
  pages.push(third);
  await third.goto(`${server.url}/r/${room.id}`);
  await recordEvents(third);
  const j3 = await apiJoin(third, { name: 'Ann', camera: false });
  assert.ok(j3.ok && j3.id !== j1.id, JSON.stringify(j3));
  assert.deepEqual(second.__errors, []);
});
