// Issue 9, part 5: `joined` carries a bounded chat history (join_history_msgs messages,
// join_history_bytes bytes) and older messages are paged back with chat-history, from the
// store (also across a restart), in order, `more` false at the end; bad requests get
// bad_message. Ten join/leave cycles cost a bounded number of bytes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBuzzd, createRoom } from '../lib/buzzd.mjs';
import { assertCleanShutdown } from '../lib/shutdown.mjs';
import { WsJson, joinRoom } from '../lib/wsjson.mjs';
import { stopChild } from '../lib/proc.mjs';

const N_MSGS = 12;
const N_BYTES = 16384;
const TOTAL = 130; // more than the server's in-memory ring (100): the store answers
const CONFIG = JSON.stringify({ join_history_msgs: N_MSGS, join_history_bytes: N_BYTES });

/** Message i: short ones, with every fifth 1,900 characters long so the byte bound bites. */
const textOf = (i) => (i % 5 === 0 ? `long ${i} ${'y'.repeat(1900)}` : `short ${i}`);
const bytesOf = (msgs) => Buffer.byteLength(JSON.stringify(msgs));

async function pageAll(c, before, limit) {
  const pages = [];
  for (let guard = 0; guard < 1000; guard++) {
    const r = await c.request({ type: 'chat-history', before, limit }, 10000);
    assert.equal(r.type, 'chat-history', JSON.stringify(r));
    assert.ok(Array.isArray(r.messages) && typeof r.more === 'boolean');
    assert.ok(r.messages.length <= limit, `page of ${r.messages.length} > limit ${limit}`);
    assert.ok(bytesOf(r.messages) <= N_BYTES + 2, `page of ${bytesOf(r.messages)} bytes`);
    pages.unshift(r.messages);
    if (!r.more) return pages.flat();
    assert.ok(r.messages.length > 0, 'more: true with an empty page');
    before = r.messages[0].id;
  }
  throw new Error('paging did not end');
}

function assertWhole(msgs, upTo) {
  assert.deepEqual(msgs.map((m) => m.id), Array.from({ length: upTo }, (_, k) => k + 1));
  for (const m of msgs) {
    assert.equal(m.text, textOf(m.id));
    assert.equal(m.name, 'Writer');
    assert.equal(typeof m.ts, 'number');
  }
}

describe('chat history: bounded joined, paged chat-history', { timeout: 120000 }, () => {
  let server, room, writer;

  before(async () => {
    server = await startBuzzd({ config: CONFIG });
    room = await createRoom(server, { name: 'history' });
    writer = await joinRoom(server.wsUrl, room.id, 'Writer');
    for (let i = 1; i <= TOTAL; i++) writer.c.send({ type: 'chat', text: textOf(i) });
    await writer.c.next((m) => m.type === 'chat' && m.id === TOTAL, 30000, `chat ${TOTAL}`);
  });

  after(async () => {
    writer?.c.terminate();
    if (server) await server.stop();
  });

  it('joined carries at most join_history_msgs messages and join_history_bytes bytes', async () => {
    const { c, joined } = await joinRoom(server.wsUrl, room.id, 'Reader');
    assert.ok(joined.chat.length > 0 && joined.chat.length <= N_MSGS, `${joined.chat.length} messages`);
    assert.ok(bytesOf(joined.chat) <= N_BYTES + 2, `${bytesOf(joined.chat)} bytes`);
    assert.equal(joined.chat[joined.chat.length - 1].id, TOTAL, 'the newest ones');
    assert.equal(joined.chat_more, true);
    // The whole joined message stays small, however much history the room has.
    assert.ok(bytesOf(joined) < N_BYTES + 4096, `joined is ${bytesOf(joined)} bytes`);
    const older = await pageAll(c, joined.chat[0].id, 100);
    assertWhole(older.concat(joined.chat), TOTAL);
    await c.close();
  });

  it('pages of any limit join up, and before past the end gives an empty page', async () => {
    const { c } = await joinRoom(server.wsUrl, room.id, 'Pager');
    assertWhole(await pageAll(c, TOTAL + 1, 7), TOTAL);
    assertWhole(await pageAll(c, 1e9, 1), TOTAL);
    const r = await c.request({ type: 'chat-history', before: 1 });
    assert.deepEqual([r.type, r.messages, r.more], ['chat-history', [], false]);
    const dflt = await c.request({ type: 'chat-history', before: 61 });
    assert.ok(dflt.messages.length >= 1 && dflt.messages.length <= 50, 'default limit is 50');
    assert.equal(dflt.messages[dflt.messages.length - 1].id, 60);
    await c.close();
  });

  it('bad before / limit get bad_message (with ref and id); not joined gets not_joined', async () => {
    const { c } = await joinRoom(server.wsUrl, room.id, 'Hostile');
    const bad = [{}, { before: null }, { before: 0 }, { before: -1 }, { before: 1.5 },
      { before: '10' }, { before: [] }, { before: 10, limit: 0 }, { before: 10, limit: 101 },
      { before: 10, limit: -3 }, { before: 10, limit: 2.5 }, { before: 10, limit: '5' },
      { before: 10, limit: true }];
    for (const fields of bad) {
      const r = await c.request({ type: 'chat-history', ...fields });
      assert.equal(r.type, 'error', `${JSON.stringify(fields)} → ${JSON.stringify(r).slice(0, 200)}`);
      assert.equal(r.code, 'bad_message', JSON.stringify(fields));
      assert.equal(r.ref, 'chat-history');
    }
    const ok = await c.request({ type: 'chat-history', before: 10, limit: 100 });
    assert.equal(ok.type, 'chat-history', 'the connection still works');
    await c.close();
    const stranger = await WsJson.connect(server.wsUrl);
    const r = await stranger.request({ type: 'chat-history', before: 10 });
    assert.equal(r.code, 'not_joined');
    await stranger.close();
  });

  it('ten join/leave cycles cost a bounded number of bytes', async () => {
    let bytes = 0;
    for (let i = 0; i < 10; i++) {
      const { c, joined } = await joinRoom(server.wsUrl, room.id, `Cycle ${i}`);
      bytes += bytesOf(joined);
      await c.request({ type: 'leave' });
      await c.close();
    }
    assert.ok(bytes < 10 * (N_BYTES + 4096), `${bytes} bytes for ten joins`);
  });

  it('after a restart joined and chat-history come from the store', async () => {
    writer.c.terminate();
    writer = null;
    await stopChild(server.proc, 'SIGTERM');
    await server.restart();
    const { c, joined } = await joinRoom(server.wsUrl, room.id, 'After restart');
    assert.ok(joined.chat.length <= N_MSGS && bytesOf(joined.chat) <= N_BYTES + 2);
    assert.equal(joined.chat[joined.chat.length - 1].id, TOTAL);
    assert.equal(joined.chat_more, true);
    assertWhole((await pageAll(c, joined.chat[0].id, 50)).concat(joined.chat), TOTAL);
    await c.close();
  });

  it('afterwards buzzd is healthy and shuts down cleanly', async () => {
    await assertCleanShutdown(server);
  });
});
