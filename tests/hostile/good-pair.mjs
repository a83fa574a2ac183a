// Two well-behaved clients in one room that keep talking while the hostile tests run: Alice
// relays a timestamped message to Bob every 25 ms, Bob echoes it back, Bob chats twice a
// second. stop() reports round-trip percentiles, losses and every error either of them saw.
import { joinRoom } from '../lib/wsjson.mjs';
import { sleep } from '../lib/proc.mjs';

const INTERVAL_MS = 25; // 40 relays/s each way: under the documented 50 msg/s bucket

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function startGoodPair(wsUrl, roomId) {
  const { c: a, joined: ja } = await joinRoom(wsUrl, roomId, 'Alice');
  const { c: b, joined: jb } = await joinRoom(wsUrl, roomId, 'Bob');
  const ids = [ja.self.id, jb.self.id];
  const st = { sent: 0, rtts: [], errors: [], foreign: 0, chatsSent: 0, chatsReceived: 0, seen: new Set() };
  const watch = (who) => (m) => {
    if (m.type === 'error') st.errors.push({ who, ...m });
    if (m.type === 'relay' && !ids.includes(m.from)) st.foreign++;
    return m.type === 'relay' || m.type === 'chat' || m.type === 'pong';
  };
  const watchA = watch('alice');
  a.tap = (m) => {
    if (m.type === 'relay' && m.from === ids[1] && typeof m.data?.seq === 'number' && !st.seen.has(m.data.seq)) {
      st.seen.add(m.data.seq);
      st.rtts.push(performance.now() - m.data.t);
    }
    if (m.type === 'chat' && m.from === ids[1]) st.chatsReceived++;
    return watchA(m);
  };
  const watchB = watch('bob');
  b.tap = (m) => {
    if (m.type === 'relay' && m.from === ids[0]) b.send({ type: 'relay', to: ids[0], data: m.data });
    return watchB(m);
  };
  let running = true;
  const loop = (async () => {
    let tick = 0;
    while (running && a.open && b.open) {
      a.send({ type: 'relay', to: ids[1], data: { seq: st.sent++, t: performance.now() } });
      if (++tick % 20 === 0) { b.send({ type: 'chat', text: `status ${tick}` }); st.chatsSent++; }
      await sleep(INTERVAL_MS);
    }
  })();
  return {
    ids,
    foreign: () => st.foreign,
    async stop() {
      running = false;
      await loop;
      await sleep(1000); // let the last round trips land
      const closes = [a, b].filter((c) => !c.open).map((c) => c.closeInfo);
      await Promise.all([a.close(), b.close()]);
      const sorted = st.rtts.slice().sort((x, y) => x - y);
      const r2 = (x) => Math.round(x * 100) / 100;
      return {
        sent: st.sent, received: st.seen.size, lost: st.sent - st.seen.size,
        p50: r2(percentile(sorted, 50)), p99: r2(percentile(sorted, 99)), max: r2(sorted.at(-1) ?? NaN),
        chatsSent: st.chatsSent, chatsReceived: st.chatsReceived,
        errors: [...st.errors, ...closes.map((ci) => ({ closedEarly: ci }))], foreign: st.foreign,
      };
    },
  };
}
