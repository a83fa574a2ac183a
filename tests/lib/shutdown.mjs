// The last check of every black-box test: buzzd survived what the test did, stops cleanly on SIGTERM
// (exit 0) and, under the ASan build (make test-hostile-asan / test-e2e-asan), reported no memory error,
// undefined behaviour or leak.
import assert from 'node:assert/strict';

const SANITIZER = /AddressSanitizer|LeakSanitizer|ThreadSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

export async function assertCleanShutdown(server) {
  assert.ok(server.alive(), `buzzd died during the tests:\n${server.log().slice(-4000)}`);
  const r = await fetch(`${server.url}/healthz`);
  assert.equal(r.status, 200);
  assert.equal((await r.text()).trim(), 'ok');
  const exit = await server.stop();
  const log = server.log();
  assert.doesNotMatch(log, SANITIZER, `sanitizer report:\n${log.slice(-6000)}`);
  assert.deepEqual(exit, { code: 0, signal: null }, `buzzd exit after SIGTERM: ${JSON.stringify(exit)}\n${log.slice(-3000)}`);
}
