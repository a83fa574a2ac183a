// A helper thread of nn.js (the threaded build nn-mt.wasm): instantiates the module on the
// runtime's shared memory with its own stack, then runs nn_wasm_pool_worker(pool, index),
// which takes row ranges of the runtime's convolutions until the pool is destroyed. It never
// enters libc (docs/nn.md, "Threads"), so it never calls _initialize either.
// Runs as a browser module Worker or as a node worker_threads Worker.
import { wasiImports } from './nn.js';

async function start(msg, post) {
  const { module, memory, pool, index, stackTop } = msg;
  const imports = wasiImports(module, () => memory);
  imports.env = { memory };
  const instance = await WebAssembly.instantiate(module, imports);
  instance.exports.__stack_pointer.value = stackTop;
  post({ ready: index });
  instance.exports.nn_wasm_pool_worker(pool, index); // blocks until nn_wasm_pool_destroy
  post({ done: index });
}

function listen(onMessage, post) {
  onMessage((msg) => start(msg, post).catch((e) => post({ error: String(e && e.stack ? e.stack : e) })));
}

if (typeof self !== 'undefined' && typeof self.postMessage === 'function' && typeof WorkerGlobalScope !== 'undefined') {
  listen((fn) => { self.onmessage = (e) => fn(e.data); }, (m) => self.postMessage(m));
} else {
  const { parentPort } = await import('node:worker_threads');
  listen((fn) => parentPort.once('message', fn), (m) => parentPort.postMessage(m));
}
