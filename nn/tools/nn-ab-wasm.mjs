// A/B timing of nn.wasm builds against the TFLite+XNNPACK reference, all in one node
// process in interleaved rounds (each round runs every contender once, the order rotating
// from round to round), so load from
// other processes hits every contender alike. For comparing an engine change with the build
// before it on a busy machine, where absolute times drift between runs.
//
// Usage: node nn/tools/nn-ab-wasm.mjs [--runs N] [--models id,id] NAME=path/to/nn.wasm ...
// Prints, per model and build: median and fastest ms, and both as a ratio to the reference.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodePng, toTensor } from '../../tests/nn-ref/png.mjs';
import { RefModel } from '../../tests/nn-ref/ref-runtime.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS = {
  selfie_landscape: { file: 'selfie_landscape.tflite', w: 256, h: 144 },
  selfie_general: { file: 'selfie_general.tflite', w: 256, h: 256 },
  pose_full: { file: 'pose_full.tflite', w: 256, h: 256 },
  face_detection_short: { file: 'face_detection_short.tflite', w: 128, h: 128, face: true, range: [-1, 1] },
  face_landmark: { file: 'face_landmark.tflite', w: 192, h: 192, face: true },
};

function parseArgs(argv) {
  const opt = { runs: 100, models: ['selfie_landscape', 'selfie_general'], builds: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') opt.runs = Math.max(5, Number.parseInt(argv[++i], 10) || 100);
    else if (argv[i] === '--models') opt.models = argv[++i].split(',');
    else if (argv[i].includes('=')) {
      const [name, path] = argv[i].split('=');
      opt.builds.push({ name, path });
    } else throw new Error(`nn-ab-wasm: unknown argument ${argv[i]}`);
  }
  if (!opt.builds.length) opt.builds.push({ name: 'current', path: join(ROOT, 'build/nn.wasm') });
  for (const id of opt.models) if (!MODELS[id]) throw new Error(`nn-ab-wasm: unknown model ${id}`);
  return opt;
}

function fixture(m) {
  const index = JSON.parse(readFileSync(join(ROOT, 'tests/nn-ref/fixtures/index.json'), 'utf8'));
  const f = index.find((x) => x.source === 'astronaut' && x.width === m.w && x.height === m.h &&
    x.file.includes('_face') === !!m.face);
  if (!f) throw new Error(`nn-ab-wasm: no astronaut fixture of ${m.w}x${m.h}`);
  return toTensor(decodePng(readFileSync(join(ROOT, 'tests/nn-ref/fixtures', f.file))),
    m.range || [0, 1]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function benchModel(id, opt, runtimes) {
  const bytes = readFileSync(join(ROOT, 'build/models', MODELS[id].file));
  const input = fixture(MODELS[id]);
  const ref = await RefModel.load(bytes, 0);
  ref.setInput(input);
  const fns = [() => ref.invoke()];
  const models = runtimes.map((rt) => rt.load(bytes));
  for (const m of models) {
    m.inputView(0).set(input);
    fns.push(() => m.run([], { copy: false }));
  }
  const ms = fns.map(() => []);
  for (let i = 0; i < 5; i++) fns.forEach((f) => f());
  for (let i = 0; i < opt.runs; i++) {
    for (let j = 0; j < fns.length; j++) { // rotate the order: no contender always follows another
      const k = (i + j) % fns.length, t = performance.now();
      fns[k]();
      ms[k].push(performance.now() - t);
    }
  }
  models.forEach((m) => m.dispose());
  const rMed = median(ms[0]), rMin = Math.min(...ms[0]);
  console.log(`${id} reference median ${rMed.toFixed(3)} ms, best ${rMin.toFixed(3)} ms`);
  opt.builds.forEach((b, k) => {
    const med = median(ms[k + 1]), min = Math.min(...ms[k + 1]);
    console.log(`${id} ${b.name} median ${med.toFixed(3)} ms (${(med / rMed).toFixed(3)}x ref), ` +
      `best ${min.toFixed(3)} ms (${(min / rMin).toFixed(3)}x ref)`);
  });
}

const opt = parseArgs(process.argv.slice(2));
const { NN } = await import(pathToFileURL(join(ROOT, 'web/js/nn/nn.js')).href);
const runtimes = [];
for (const b of opt.builds) runtimes.push(await NN.create(readFileSync(b.path)));
console.log(`# ${opt.runs} interleaved rounds; builds: ${opt.builds.map((b) => b.name).join(', ')}`);
for (const id of opt.models) await benchModel(id, opt, runtimes);
