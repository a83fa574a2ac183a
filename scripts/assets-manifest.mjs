#!/usr/bin/env node
// Writes build/assets/manifest.json, the one manifest the web client reads (no-cache) to find
// the effect assets under their content-hashed names:
//   {"schema": 1,
//    "wasm": {"path": "nn.<sha16>.wasm", "sha256", "size"},
//    "wasm_relaxed": {"path": "nn-relaxed.<sha16>.wasm", "sha256", "size"},   (when built)
//    "models": {"<id>": {"path": "models/<id>.<sha16>.tflite", "sha256", "size", "task", "tier",
//                        "input", "outputs", "license"}},
//    "backgrounds": {"<id>": {"title", "path", "thumb", "sha256", "thumb_sha256", "size",
//                             "thumb_size", "width", "height", "license", "credit"}}}
// Paths are relative to the assets base URL (buzzd's /assets/, or --assets-url), so the whole
// build/assets/ tree can be copied to a CDN as it is. Backgrounds keep the dialog's order.
//
// Inputs: build/nn.wasm (copied to build/assets/nn.<sha16>.wasm; older hashed copies are
// removed), build/nn-relaxed.wasm if there is one (the relaxed-SIMD build, the same way; the
// client takes it where the browser validates relaxed SIMD), build/assets/models/manifest.json (models/fetch.mjs) and build/backgrounds/
// index.json (models/backgrounds.mjs). Every file listed is hashed again here, and the manifest
// is written last under a temporary name and renamed, so it never names a missing or changed
// file. build/assets/nn.wasm and build/assets/models/manifest.json are left as they are.
//
// Usage: node scripts/assets-manifest.mjs [--build DIR]

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_FILE = 256 << 20;
const HEX64_RE = /^[0-9a-f]{64}$/;
const ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// A path inside the assets tree: plain segments, the file name carrying a 16-hex content hash
// (what buzzd's http_path_content_hashed() treats as immutable).
const HASHED_PATH_RE = /^([a-z0-9_-]+\/)?[a-z0-9_-]+\.[0-9a-f]{16}\.[a-z0-9]+$/;
// Older hashed engines, and temporaries an interrupted run left behind.
const STALE_RE = /^(nn(-relaxed)?\.[0-9a-f]{16}\.wasm|(nn(-relaxed)?\.[0-9a-f]{16}\.wasm|manifest\.json)\.tmp-\d+)$/;

class ManifestError extends Error {}
const fail = (msg) => { throw new ManifestError(msg); };

function parseArgs(argv) {
  const opt = { build: join(ROOT, 'build') };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] !== '--build' || argv[i + 1] === undefined) fail(`usage: assets-manifest.mjs [--build DIR] (bad argument ${argv[i]})`);
    opt.build = resolve(argv[i + 1]);
  }
  return opt;
}

function readBounded(path, hint) {
  if (!existsSync(path)) fail(`missing ${path}${hint ? ` (${hint})` : ''}`);
  const b = readFileSync(path);
  if (b.length > MAX_FILE) fail(`${path} is ${b.length} bytes, over the ${MAX_FILE} limit`);
  return b;
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

function writeAtomic(path, data) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

// Checks that assets/<path> exists with the given hash and size.
function verifyFile(assets, path, sha, size, what) {
  if (!HASHED_PATH_RE.test(String(path))) fail(`${what}: ${JSON.stringify(path)} is not a content-hashed path`);
  if (!HEX64_RE.test(String(sha)) || path.split('/').pop().split('.')[1] !== sha.slice(0, 16)) {
    fail(`${what}: ${path} does not carry the first 16 hex digits of its sha256 ${sha}`);
  }
  const full = join(assets, path);
  const b = readBounded(full, 'rebuild with make');
  const got = sha256(b);
  if (got !== sha) fail(`SHA-256 mismatch for ${full} (${what}): expected ${sha}, got ${got}`);
  if (b.length !== size) fail(`size mismatch for ${full} (${what}): expected ${size}, got ${b.length}`);
}

function installWasm(opt, assets, base = 'nn') {
  const src = join(opt.build, `${base}.wasm`);
  const b = readBounded(src, 'build it with make');
  if (b.length < 8 || b.readUInt32BE(0) !== 0x0061736d) fail(`${src} is not a WebAssembly module`);
  const sha = sha256(b);
  const name = `${base}.${sha.slice(0, 16)}.wasm`;
  const dst = join(assets, name);
  if (!existsSync(dst) || sha256(readFileSync(dst)) !== sha) writeAtomic(dst, b);
  return { path: name, sha256: sha, size: b.length };
}

function removeStale(assets, keep) {
  for (const f of readdirSync(assets)) if (STALE_RE.test(f) && !keep.includes(f)) unlinkSync(join(assets, f));
}

function models(assets) {
  const path = join(assets, 'models', 'manifest.json');
  const m = JSON.parse(readBounded(path, 'run make models').toString('utf8'));
  if (m.schema !== 1 || !m.models || typeof m.models !== 'object') fail(`${path}: expected schema 1 with a models object`);
  const out = {};
  for (const [id, e] of Object.entries(m.models)) {
    if (!ID_RE.test(id)) fail(`${path}: bad model id ${JSON.stringify(id)}`);
    const prefix = '/assets/models/';
    if (typeof e.url !== 'string' || !e.url.startsWith(prefix)) fail(`${path}: ${id}: url must start with ${prefix}`);
    const rel = `models/${e.url.slice(prefix.length)}`;
    verifyFile(assets, rel, e.sha256, e.size, `model ${id}`);
    out[id] = {
      path: rel, sha256: e.sha256, size: e.size, task: e.task, tier: e.tier, input: e.input,
      outputs: e.outputs, license: e.license,
    };
  }
  return out;
}

function backgrounds(opt, assets) {
  const path = join(opt.build, 'backgrounds', 'index.json');
  const idx = JSON.parse(readBounded(path, 'run make backgrounds').toString('utf8'));
  if (idx.schema !== 1 || !idx.images || typeof idx.images !== 'object') fail(`${path}: expected schema 1 with an images object`);
  const out = {};
  for (const [id, e] of Object.entries(idx.images)) {
    if (!ID_RE.test(id)) fail(`${path}: bad background id ${JSON.stringify(id)}`);
    verifyFile(assets, e.path, e.sha256, e.size, `background ${id}`);
    verifyFile(assets, e.thumb, e.thumb_sha256, e.thumb_size, `background ${id} thumbnail`);
    out[id] = {
      title: e.title, path: e.path, thumb: e.thumb, sha256: e.sha256, thumb_sha256: e.thumb_sha256,
      size: e.size, thumb_size: e.thumb_size, width: e.width, height: e.height, license: e.license,
      credit: e.credit,
    };
  }
  return out;
}

function main() {
  const opt = parseArgs(process.argv.slice(2));
  const assets = join(opt.build, 'assets');
  mkdirSync(assets, { recursive: true });
  const wasm = installWasm(opt, assets);
  const relaxed = existsSync(join(opt.build, 'nn-relaxed.wasm')) ? installWasm(opt, assets, 'nn-relaxed') : null;
  const manifest = { schema: 1, wasm, ...(relaxed ? { wasm_relaxed: relaxed } : {}),
    models: models(assets), backgrounds: backgrounds(opt, assets) };
  writeAtomic(join(assets, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  removeStale(assets, [wasm.path, relaxed?.path]);
  console.log(`assets: manifest.json lists ${wasm.path}${relaxed ? ` and ${relaxed.path}` : ''}, ${Object.keys(manifest.models).length} models, `
    + `${Object.keys(manifest.backgrounds).length} backgrounds`);
}

try {
  main();
} catch (e) {
  if (!(e instanceof ManifestError) && !(e instanceof SyntaxError)) throw e;
  console.error(`scripts/assets-manifest.mjs: error: ${e.message}`);
  process.exit(1);
}
