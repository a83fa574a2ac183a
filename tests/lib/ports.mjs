// Free loopback ports for test servers. The kernel picks a port for a throwaway socket; we
// close it and hand the number out. A race with another process is possible but rare, and
// start helpers retry on "address in use".
import net from 'node:net';
import dgram from 'node:dgram';

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('error', () => { s.close(); resolve(false); });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP (TURN listens on both). */
export async function freeTcpUdpPort() {
  for (let i = 0; i < 50; i++) {
    const p = await freeTcpPort();
    if (await udpFree(p)) return p;
  }
  throw new Error('no free TCP+UDP port found');
}

/** A random range of `count` consecutive UDP ports (for TURN relay allocations). */
export async function freeUdpRange(count) {
  for (let i = 0; i < 50; i++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await udpFree(p);
    if (ok) return { min: base, max: base + count - 1 };
  }
  throw new Error('no free UDP range found');
}
