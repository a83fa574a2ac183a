#!/usr/bin/env node
// Copies (or extracts from a packed-assets blob) every model of models/manifest.json out of
// node_modules into the build tree, verifying SHA-256 on the way:
//   build/models/<id>.tflite                         stable name, for nn-run and tests
//   build/assets/models/<id>.<sha256[0:16]>.tflite   content-hashed, served at /assets/
//   build/assets/models/manifest.json                id -> hashed URL, shapes, tier
// No dependencies beyond node's standard library. Any mismatch (hash, size, version, or a
// packed-asset offset that disagrees with the package's *_packed_assets_loader.js) is a build
// error that names the file, and nothing half-written is left under the final names.
//
// Usage: node models/fetch.mjs [--build DIR] [--node-modules DIR] [--manifest FILE]

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_BLOB = 256 << 20; // no model package we use ships a file anywhere near this
const ID_RE = /^[a-z0-9_]{1,64}$/;
const HEX64_RE = /^[0-9a-f]{64}$/;

class FetchError extends Error {}
const fail = (msg) => { throw new FetchError(msg); };

function parseArgs(argv) {
  const opt = {
    build: join(ROOT, 'build'),
    nodeModules: join(ROOT, 'node_modules'),
    manifest: join(ROOT, 'models', 'manifest.json'),
  };
  const keys = { '--build': 'build', '--node-modules': 'nodeModules', '--manifest': 'manifest' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = keys[argv[i]];
    if (!k || argv[i + 1] === undefined) fail(`usage: fetch.mjs [--build DIR] [--node-modules DIR] [--manifest FILE] (bad argument ${argv[i]})`);
    opt[k] = resolve(argv[i + 1]);
  }
  return opt;
}

function readBounded(path) {
  if (!existsSync(path)) fail(`missing ${path} (run npm ci)`);
  const b = readFileSync(path);
  if (b.length > MAX_BLOB) fail(`${path} is ${b.length} bytes, over the ${MAX_BLOB} limit`);
  return b;
}

// The loader script lists each packed file as {"filename": ..., "start": N, "end": M}.
function loaderRange(loaderText, entry) {
  const esc = entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`"filename":\\s*"${esc}",\\s*"start":\\s*(\\d+),\\s*"end":\\s*(\\d+)`);
  const m = re.exec(loaderText);
  return m ? { start: Number(m[1]), end: Number(m[2]) } : null;
}

function checkPackage(model, pkgDir) {
  const pj = join(pkgDir, 'package.json');
  const version = JSON.parse(readBounded(pj).toString('utf8')).version;
  if (version !== model.source.version) {
    fail(`${model.id}: ${model.source.package} is ${version} in node_modules, manifest pins ${model.source.version}`);
  }
}

// Returns the model's bytes from its package: a plain file, or a slice of a packed blob.
function sourceBytes(model, nodeModules) {
  const src = model.source;
  const pkgDir = join(nodeModules, ...src.package.split('/'));
  checkPackage(model, pkgDir);
  if (src.path) return { bytes: readBounded(join(pkgDir, src.path)), from: join(pkgDir, src.path) };
  const loaderPath = join(pkgDir, src.loader);
  const range = loaderRange(readBounded(loaderPath).toString('utf8'), src.entry);
  if (!range) fail(`${model.id}: entry ${src.entry} not found in ${loaderPath}`);
  if (range.start !== src.offset || range.end - range.start !== src.size) {
    fail(`${model.id}: ${loaderPath} says ${src.entry} is at ${range.start}..${range.end}, manifest says offset ${src.offset} size ${src.size}`);
  }
  const blobPath = join(pkgDir, src.blob);
  const blob = readBounded(blobPath);
  if (range.end > blob.length) fail(`${model.id}: ${blobPath} is ${blob.length} bytes, entry ends at ${range.end}`);
  return { bytes: blob.subarray(range.start, range.end), from: `${blobPath}[${range.start}..${range.end}]` };
}

function validateEntry(m) {
  if (!m || typeof m !== 'object') fail('manifest: model entry is not an object');
  if (!ID_RE.test(String(m.id))) fail(`manifest: bad model id ${JSON.stringify(m.id)}`);
  if (!HEX64_RE.test(String(m.sha256))) fail(`manifest: ${m.id}: sha256 must be 64 lowercase hex digits`);
  if (!m.source || typeof m.source.package !== 'string' || !m.source.package.startsWith('@mediapipe/')) {
    fail(`manifest: ${m.id}: source.package must name an @mediapipe package`);
  }
  const packed = m.source.path === undefined;
  if (packed && !(Number.isSafeInteger(m.source.offset) && m.source.offset >= 0 && Number.isSafeInteger(m.source.size)
    && m.source.size > 0 && m.source.size <= MAX_BLOB && typeof m.source.entry === 'string')) {
    fail(`manifest: ${m.id}: a packed source needs blob, loader, entry, and integer offset/size`);
  }
  const names = [m.source.path, m.source.blob, m.source.loader].filter((x) => x !== undefined);
  if (names.some((x) => typeof x !== 'string' || x.includes('/') || x.startsWith('.'))) {
    fail(`manifest: ${m.id}: source file names must be plain names inside the package`);
  }
}

function writeAtomic(path, data) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function installModel(model, opt) {
  validateEntry(model);
  const { bytes, from } = sourceBytes(model, opt.nodeModules);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== model.sha256) {
    fail(`SHA-256 mismatch for ${from} (model ${model.id}): expected ${model.sha256}, got ${sha}`);
  }
  if (bytes.length !== model.size) fail(`size mismatch for ${from}: expected ${model.size}, got ${bytes.length}`);
  const hashed = `${model.id}.${sha.slice(0, 16)}.tflite`;
  writeAtomic(join(opt.build, 'models', `${model.id}.tflite`), bytes);
  writeAtomic(join(opt.build, 'assets', 'models', hashed), bytes);
  return {
    url: `/assets/models/${hashed}`, sha256: sha, size: bytes.length, task: model.task,
    tier: model.tier, input: model.input, outputs: model.outputs, license: model.license,
  };
}

function main() {
  const opt = parseArgs(process.argv.slice(2));
  const manifest = JSON.parse(readBounded(opt.manifest).toString('utf8'));
  if (manifest.schema !== 1 || !Array.isArray(manifest.models)) fail(`${opt.manifest}: expected schema 1 with a models array`);
  mkdirSync(join(opt.build, 'models'), { recursive: true });
  mkdirSync(join(opt.build, 'assets', 'models'), { recursive: true });
  const web = { schema: 1, models: {} };
  for (const m of manifest.models) {
    if (web.models[m.id]) fail(`manifest: duplicate id ${m.id}`);
    web.models[m.id] = installModel(m, opt);
  }
  writeAtomic(join(opt.build, 'assets', 'models', 'manifest.json'), JSON.stringify(web, null, 1) + '\n');
  console.log(`models: ${manifest.models.length} models verified into ${opt.build}/models and ${opt.build}/assets/models`);
}

try {
  main();
} catch (e) {
  if (!(e instanceof FetchError) && !(e instanceof SyntaxError)) throw e;
  console.error(`models/fetch.mjs: error: ${e.message}`);
  process.exit(1);
}
