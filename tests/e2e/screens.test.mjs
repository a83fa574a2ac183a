// Every screen, at desktop (1280×800) and phone (390×844) size: a screenshot kept under
// build/screens/ (a CI artifact), axe-core with no serious or critical violation, and the
// layout facts a user would see (no control outside the viewport, no overlapping tiles, no
// clipped text). Also the languages: the "Language" select, a long translation (German) and
// right-to-left text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd } from '../lib/buzzd.mjs';
import {
  launchCallBrowser, openRoom, openLanding, apiJoin, control, nameField, waitForVideo,
  closePages, pageDiag, serverOpts, screenshot, axeViolations, layoutProblems, pressControl,
} from '../lib/client.mjs';
import { waitFor, sleep } from '../lib/proc.mjs';

let server, cb;
const pages = [];
before(async () => { server = await startBuzzd(serverOpts()); cb = await launchCallBrowser(); });
after(async () => { await closePages(pages); await cb?.close(); await server?.stop(); });

const SIZES = [['desktop', 1280, 800], ['phone', 390, 844]];

async function newRoom(body) {
  const res = await fetch(`${server.url}/api/rooms`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return res.json();
}

/** Screenshot + axe + layout facts of the page as it is now, under `name`. */
async function check(p, name, problems) {
  await sleep(300);   // let transitions (menus, tooltips) settle before the picture
  await screenshot(p, name);
  const axe = await axeViolations(p);
  for (const v of axe) problems.push(`${name}: axe ${v}`);
  for (const l of await layoutProblems(p)) problems.push(`${name}: ${l}`);
  // No glyph that needs an emoji font (icons are SVG); names typed by people are excepted.
  const emoji = await p.evaluate(() => {
    const found = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.parentElement.closest('.name, .pname, .chat-list')) continue;
      if (/\p{Extended_Pictographic}/u.test(n.textContent)) found.push(n.textContent.trim().slice(0, 30));
    }
    return found;
  });
  for (const e of emoji) problems.push(`${name}: emoji glyph in "${e}"`);
}

for (const [size, width, height] of SIZES) {
  test(`every screen at ${size} size (${width}×${height}): screenshots, axe, layout`, { timeout: 240000 }, async () => {
    const problems = [];
    const land = await openLanding(cb.browser, server, { width, height });
    pages.push(land);
    await land.getByRole('button', { name: 'Create room', exact: true }).waitFor();
    await check(land, `${size}-landing`, problems);
    await land.getByRole('button', { name: 'Join room', exact: true }).click();
    await check(land, `${size}-landing-error`, problems);

    const room = await newRoom({ name: 'Design review', password: 'pw' });
    const guest = await openRoom(cb.browser, server, room.id, { width, height });
    pages.push(guest);
    await nameField(guest).waitFor();
    await sleep(800);
    await check(guest, `${size}-prejoin-password`, problems);

    // The owner's page: in the call, alone (the invite prompt), then with two others.
    const owner = await openRoom(cb.browser, server, room.id, { width, height });
    pages.push(owner);
    await owner.evaluate(([id, tok]) => localStorage.setItem(`buzz.owner.${id}`, tok), [room.id, room.owner_token]);
    await owner.reload();
    await nameField(owner).waitFor();
    await check(owner, `${size}-prejoin-owner`, problems);
    const jo = await apiJoin(owner, { name: 'Olga Ownerova' });
    assert.ok(jo.ok, JSON.stringify(jo));
    await owner.getByRole('region', { name: 'You\u2019re the only one here' }).waitFor();
    await check(owner, `${size}-room-alone`, problems);
    const jg = await apiJoin(guest, { name: 'Gus', password: 'pw' });
    const third = await openRoom(cb.browser, server, room.id, { width, height });
    pages.push(third);
    const jt = await apiJoin(third, { name: 'Gus', password: 'pw', camera: false });
    assert.ok(jg.ok && jt.ok);
    await waitForVideo(owner, jg.id);
    await check(owner, `${size}-room-grid`, problems);
    await pressControl(owner, 'Show participants');
    await owner.getByRole('button', { name: 'Remove Gus (2)', exact: true }).waitFor();
    await check(owner, `${size}-room-people`, problems);
    await pressControl(owner, 'Hide participants');
    await pressControl(owner, 'Open chat');
    await owner.getByRole('textbox', { name: 'Message' }).fill('A long message that has to wrap inside the chat panel without running off the screen at all.');
    await owner.keyboard.press('Enter');
    await owner.getByText('A long message').waitFor();
    await check(owner, `${size}-room-chat`, problems);
    await pressControl(owner, 'Close chat');
    await pressControl(owner, 'Change layout');
    await check(owner, `${size}-menu-layout`, problems);
    await owner.getByRole('menuitemradio', { name: 'Speaker' }).click();
    await check(owner, `${size}-room-speaker`, problems);
    await pressControl(owner, 'Reactions');
    await owner.getByRole('toolbar', { name: 'Reactions' }).getByRole('button', { name: 'Heart' }).click();
    await check(owner, `${size}-reactions`, problems);
    await owner.keyboard.press('Escape');
    if (size === 'phone') {
      await control(owner, 'More options').click();
      await check(owner, `${size}-menu-more`, problems);
      await owner.keyboard.press('Escape');
    }
    await pressControl(owner, 'Settings');
    await owner.getByRole('dialog', { name: 'Settings' }).waitFor();
    await check(owner, `${size}-settings`, problems);
    await owner.keyboard.press('Escape');
    await pressControl(owner, 'Effects');
    await owner.getByRole('dialog', { name: 'Effects' }).getByRole('radio', { name: 'Coffee', exact: true }).waitFor();
    await check(owner, `${size}-effects`, problems);
    await owner.keyboard.press('Escape');
    await pressControl(owner, 'Show stats');
    await sleep(1500);
    await check(owner, `${size}-room-stats`, problems);
    await pressControl(owner, 'Hide stats');
    // Guest: the shortcuts help, then removed by the owner.
    if (size === 'desktop') {
      await control(guest, 'Keyboard shortcuts').click();
      await check(guest, `${size}-shortcuts`, problems);
      await guest.keyboard.press('Escape');
    }
    await pressControl(owner, 'Show participants');
    await owner.getByRole('button', { name: 'Remove Gus', exact: true }).click();
    await guest.getByRole('button', { name: 'Back to home' }).waitFor();
    await check(guest, `${size}-ended-removed`, problems);
    await control(third, 'Leave').click();
    await third.getByRole('button', { name: 'Rejoin' }).waitFor();
    await check(third, `${size}-ended-left`, problems);
    // A room that does not exist, and a page that does not exist.
    await third.goto(`${server.url}/r/zzzz-zzzz-zzzz`);
    await third.getByRole('button', { name: 'Create a new room' }).waitFor();
    await check(third, `${size}-room-not-found`, problems);
    await third.goto(`${server.url}/nothing-here`);
    await third.getByRole('heading', { name: 'Page not found' }).waitFor();
    await check(third, `${size}-404`, problems);
    // Locked room, as a newcomer sees it.
    await owner.getByRole('button', { name: 'Lock room', exact: true }).click();
    await third.goto(`${server.url}/r/${room.id}`);
    await third.getByText('This room is locked', { exact: false }).waitFor();
    await check(third, `${size}-prejoin-locked`, problems);
    assert.deepEqual(problems, [], problems.join('\n'));
    for (const p of [owner, guest]) assert.deepEqual(p.__errors, [], pageDiag(p));
  });
}

test('languages: the "Language" select, German in a call (long words), Arabic right to left', { timeout: 120000 }, async () => {
  const problems = [];
  const land = await openLanding(cb.browser, server, { width: 390, height: 844 });
  pages.push(land);
  await land.getByRole('combobox', { name: 'Language' }).selectOption('de');
  await land.getByRole('heading', { name: 'Neue Besprechung' }).waitFor();
  assert.equal(await land.evaluate(() => document.documentElement.lang), 'de');
  await check(land, 'phone-landing-de', problems);
  // The browser's preferred language picks the catalogue when nothing was chosen.
  const room = await newRoom({ name: 'Sprachen' });
  const es = await openRoom(cb.browser, server, room.id, { locale: 'es-ES' });
  pages.push(es);
  await es.getByRole('button', { name: 'Unirse', exact: true }).waitFor();
  const ja = await apiJoin(es, { name: 'سارة الأحمد' });
  assert.ok(ja.ok);
  await es.getByRole('navigation', { name: 'Controles de la llamada' }).getByRole('button', { name: 'Salir', exact: true }).waitFor();
  // Settings → Language → Deutsch: the call screen speaks German, the call goes on.
  await es.getByRole('navigation', { name: 'Controles de la llamada' }).getByRole('button', { name: 'Configuración', exact: true }).click();
  await es.getByRole('dialog', { name: 'Configuración' }).getByRole('combobox', { name: 'Idioma' }).selectOption('de');
  const bar = es.getByRole('navigation', { name: 'Anrufsteuerung' });
  await bar.getByRole('button', { name: 'Verlassen', exact: true }).waitFor();
  assert.equal(await es.evaluate(() => window.buzzstream.self().id), ja.id, 'the call went on');
  const b = await openRoom(cb.browser, server, room.id, { width: 390, height: 844 });
  pages.push(b);
  assert.ok((await apiJoin(b, { name: 'Bartholomäus-Maximilian von Württemberg-Hohenzollern' })).ok);
  await es.setViewportSize({ width: 390, height: 844 });
  await bar.getByRole('button', { name: 'Weitere Optionen', exact: true }).click();
  await check(es, 'phone-room-de-menu', problems);
  await es.keyboard.press('Escape');
  // Right to left: Settings → Language → العربية lays the call out from the right, every
  // control still on the screen, the bar mirrored (Leave, last in English, at the far left).
  await pressControl(b, 'Settings');
  await b.getByRole('dialog', { name: 'Settings' }).getByRole('combobox', { name: 'Language' }).selectOption('ar');
  const arBar = b.getByRole('navigation', { name: 'عناصر التحكم في المكالمة' });
  await arBar.getByRole('button', { name: 'مغادرة', exact: true }).waitFor();
  assert.deepEqual(await b.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), ['ar', 'rtl']);
  await b.keyboard.press('Escape');
  await check(b, 'phone-room-rtl', problems);
  await b.setViewportSize({ width: 1280, height: 800 });
  await check(b, 'desktop-room-rtl', problems);
  const mirrored = await b.evaluate(() => {
    const buttons = [...document.querySelectorAll('nav.controls button')].filter((x) => x.offsetParent);
    const leave = buttons.find((x) => x.getAttribute('aria-label') === 'مغادرة' || x.textContent.includes('مغادرة'));
    return leave && buttons.every((x) => x === leave || x.getBoundingClientRect().left >= leave.getBoundingClientRect().left);
  });
  assert.ok(mirrored, 'right to left: "Leave" is not the leftmost control');
  // The Effects dialog in Arabic, built-in pictures and filters named in Arabic too.
  await arBar.getByRole('button', { name: 'التأثيرات', exact: true }).click();
  const fx = b.getByRole('dialog', { name: 'التأثيرات' });
  await fx.getByRole('radio', { name: 'قهوة', exact: true }).waitFor();
  await fx.getByRole('radio', { name: 'نظارات شمسية', exact: true }).waitFor();
  await check(b, 'desktop-effects-rtl', problems);
  await b.keyboard.press('Escape');
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('the stage keeps 1 to 25 tiles legible and apart, on a laptop and on a phone', { timeout: 90000 }, async () => {
  const problems = [];
  for (const [size, width, height] of SIZES) {
    const p = await openLanding(cb.browser, server, { width, height });
    pages.push(p);
    // The landing page mounts itself once its module has loaded: wait, or it replaces ours.
    await p.getByRole('button', { name: 'Create room', exact: true }).waitFor();
    for (const n of [1, 2, 3, 4, 6, 9, 12, 16, 25]) {
      // The real stage module in the real page layout, with n camera-off participants.
      const r = await p.evaluate(async (count) => {
        const { Stage } = await import('/js/ui/stage.js');
        localStorage.setItem('buzz.layout', 'grid');
        const stage = new Stage();
        const room = document.createElement('div');
        room.className = 'room';
        const main = document.createElement('main');
        main.className = 'main';
        main.append(stage.el);
        const bar = document.createElement('nav');
        bar.className = 'controls';
        bar.style.height = '72px';
        room.append(document.createElement('header'), main, bar);
        document.getElementById('app').replaceChildren(room);
        for (let i = 0; i < count; i++) {
          const id = i === 0 ? 'self' : `p${String(i).padStart(8, '0')}`;
          stage.tile(id, 'camera').setInfo({ id, name: `Person ${i + 1}`, mic: true, camera: false }, `Person ${i + 1}`);
        }
        await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
        stage.layout();
        await new Promise((res) => requestAnimationFrame(res));
        const rects = [...stage.el.querySelectorAll('.tile')].map((t) => t.getBoundingClientRect());
        const cams = stage.cams.getBoundingClientRect();
        const name = stage.el.querySelector('.tile .name').getBoundingClientRect();
        stage.destroy();
        return { rects: rects.map((x) => [x.left, x.top, x.width, x.height]), cams: [cams.left, cams.width], nameH: name.height };
      }, n);
      const minW = Math.min(...r.rects.map((x) => x[2]));
      if (r.rects.length !== n) problems.push(`${size} ${n}: ${r.rects.length} tiles`);
      if (minW < 150) problems.push(`${size} ${n}: a tile ${minW.toFixed(0)} px wide`);
      if (r.nameH < 12) problems.push(`${size} ${n}: names ${r.nameH} px high`);
      for (const [x, , w] of r.rects) if (x < r.cams[0] - 1 || x + w > r.cams[0] + r.cams[1] + 1) problems.push(`${size} ${n}: a tile leaves the stage sideways`);
      for (let i = 0; i < r.rects.length; i++) {
        for (let j = i + 1; j < r.rects.length; j++) {
          const [a, b] = [r.rects[i], r.rects[j]];
          const ox = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
          const oy = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
          if (ox > 1 && oy > 1) problems.push(`${size} ${n}: tiles ${i} and ${j} overlap`);
        }
      }
      if (n === 25) await screenshot(p, `${size}-stage-25`);
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});
