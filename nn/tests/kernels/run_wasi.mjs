// Runs a WASI command module (a test compiled to wasm32-wasi) under node's built-in WASI
// and exits with its status. The current directory is preopened, so relative paths in
// the arguments (e.g. build/models/x.tflite) can be opened from inside.
// Usage: node run_wasi.mjs FILE.wasm [args...]
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node run_wasi.mjs FILE.wasm [args...]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens: { '.': '.' }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
