#!/usr/bin/env node
// Builds the built-in background images of models/backgrounds.json from files of Debian's
// python3-skimage, verifying each source's SHA-256 and size first:
//   build/assets/backgrounds/<id>.<sha256[0:16]>.jpg         1280x720, served at /assets/
//   build/assets/backgrounds/<id>-thumb.<sha256[0:16]>.jpg   160x90, for the picker
//   build/backgrounds/index.json    id -> paths (relative to the assets root), hashes, sizes,
//                                   licence; scripts/assets-manifest.mjs folds it into
//                                   build/assets/manifest.json
// Each image is scaled to cover the frame and centre-cropped by Debian's ffmpeg (grayscale
// textures are turned and tinted first), with single-threaded, bit-exact settings and no
// metadata. The verified bytes are piped into ffmpeg, so what is converted is what was hashed.
// A mismatch is a build error naming the file; outputs are written to a temporary name and
// renamed, so nothing half-written ever carries a final name. Stale hashed files are removed.
//
// Usage: node models/backgrounds.mjs [--build DIR] [--manifest FILE] [--root DIR] [--ffmpeg BIN]
//   --root prefixes every source path (default /), for trying a copy of the package's files.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_SOURCE = 16 << 20; // the largest skimage picture is under 2 MB
const ID_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
const HASHED_RE = /^[a-z0-9-]+\.[0-9a-f]{16}\.jpg$/;
const FULL = { w: 1280, h: 720 };
const THUMB = { w: 160, h: 90 };
// ffmpeg's mjpeg quantiser scale: 3 gives files about the size of libjpeg quality 85.
const JPEG_QSCALE = '3';

class BuildError extends Error {}
const fail = (msg) => { throw new BuildError(msg); };

function parseArgs(argv) {
  const opt = {
    build: join(ROOT, 'build'),
    manifest: join(ROOT, 'models', 'backgrounds.json'),
    root: '/',
    ffmpeg: 'ffmpeg',
  };
  const keys = { '--build': 'build', '--manifest': 'manifest', '--root': 'root', '--ffmpeg': 'ffmpeg' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = keys[argv[i]];
    if (!k || argv[i + 1] === undefined) fail(`usage: backgrounds.mjs [--build DIR] [--manifest FILE] [--root DIR] [--ffmpeg BIN] (bad argument ${argv[i]})`);
    opt[k] = k === 'ffmpeg' ? argv[i + 1] : resolve(argv[i + 1]);
  }
  return opt;
}

const isByte = (v) => Number.isInteger(v) && v >= 0 && v <= 255;

function validateTint(img) {
  const t = img.tint;
  if (t === undefined) return;
  if (!Array.isArray(t) || t.length < 2) fail(`manifest: ${img.id}: tint needs at least two stops`);
  let last = -1;
  for (const s of t) {
    if (!Array.isArray(s) || s.length !== 2 || !isByte(s[0]) || s[0] <= last
      || !Array.isArray(s[1]) || s[1].length !== 3 || !s[1].every(isByte)) {
      fail(`manifest: ${img.id}: a tint stop is [gray 0..255 (increasing), [r, g, b] 0..255]`);
    }
    last = s[0];
  }
}

function validateEntry(img) {
  if (!img || typeof img !== 'object') fail('manifest: image entry is not an object');
  if (!ID_RE.test(String(img.id)) || img.id.endsWith('-thumb')) fail(`manifest: bad image id ${JSON.stringify(img.id)}`);
  if (typeof img.title !== 'string' || img.title.length < 1 || img.title.length > 40) fail(`manifest: ${img.id}: title must be 1..40 characters`);
  if (!HEX64_RE.test(String(img.sha256))) fail(`manifest: ${img.id}: sha256 must be 64 lowercase hex digits`);
  if (!Number.isSafeInteger(img.size) || img.size <= 0 || img.size > MAX_SOURCE) fail(`manifest: ${img.id}: size must be 1..${MAX_SOURCE}`);
  const src = img.source;
  if (!src || src.package !== 'python3-skimage' || typeof src.version !== 'string') {
    fail(`manifest: ${img.id}: source must name package python3-skimage and its version`);
  }
  if (typeof src.path !== 'string' || !src.path.startsWith('/') || src.path.split('/').some((s) => s === '..' || s === '.')) {
    fail(`manifest: ${img.id}: source.path must be an absolute path without . or .. segments`);
  }
  for (const k of ['license', 'credit', 'transform']) {
    if (typeof img[k] !== 'string' || img[k].length === 0) fail(`manifest: ${img.id}: ${k} must be a non-empty string`);
  }
  if (img.rotate !== undefined && img.rotate !== 'clockwise' && img.rotate !== 'counterclockwise') {
    fail(`manifest: ${img.id}: rotate is clockwise or counterclockwise`);
  }
  validateTint(img);
}

// The installed Debian version of a package, or null when dpkg does not know it.
function debVersion(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

function readSource(img, opt, installed) {
  const path = join(opt.root, img.source.path);
  if (!existsSync(path)) {
    fail(`missing ${path} (background ${img.id}; ${installed ? `not in python3-skimage ${installed} as installed here` : 'python3-skimage is not installed: run make deps'})`);
  }
  const st = statSync(path);
  if (!st.isFile() || st.size > MAX_SOURCE) fail(`${path} is not a regular file of at most ${MAX_SOURCE} bytes`);
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== img.sha256) {
    fail(`SHA-256 mismatch for ${path} (background ${img.id}): expected ${img.sha256}, got ${sha}`
      + (installed && installed !== img.source.version ? ` (python3-skimage ${installed} here, manifest pins ${img.source.version})` : ''));
  }
  if (bytes.length !== img.size) fail(`size mismatch for ${path} (background ${img.id}): expected ${img.size}, got ${bytes.length}`);
  return { bytes, path };
}

// One channel of a piecewise-linear gradient map as an ffmpeg expression of the gray value.
function tintChannel(stops, c) {
  const x = `clip(val,${stops[0][0]},${stops[stops.length - 1][0]})`;
  const seg = (i) => {
    const [v0, c0] = stops[i], [v1, c1] = stops[i + 1];
    return `${c0[c]}+(${x}-${v0})*${c1[c] - c0[c]}/${v1 - v0}`;
  };
  let e = seg(stops.length - 2);
  for (let i = stops.length - 3; i >= 0; i--) e = `if(lt(${x},${stops[i + 1][0]}),${seg(i)},${e})`;
  return e;
}

function filterChain(img, size) {
  const f = [];
  if (img.rotate) f.push(`transpose=${img.rotate === 'clockwise' ? 'clock' : 'cclock'}`);
  if (img.tint) {
    const [r, g, b] = [0, 1, 2].map((c) => tintChannel(img.tint, c));
    f.push('format=gray', 'format=rgb24', `lutrgb=r='${r}':g='${g}':b='${b}'`);
  }
  f.push(`scale=w=${size.w}:h=${size.h}:force_original_aspect_ratio=increase:flags=lanczos+accurate_rnd+full_chroma_int+bitexact`,
    `crop=${size.w}:${size.h}`, 'setsar=1', 'format=yuvj420p');
  return f.join(',');
}

// Width and height from a baseline/progressive JPEG's SOF segment, or null.
function jpegSize(b) {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8 || b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) return null;
  for (let i = 2; i + 9 < b.length;) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1], len = b.readUInt16BE(i + 2);
    if (m === 0xc0 || m === 0xc1 || m === 0xc2) return { w: b.readUInt16BE(i + 7), h: b.readUInt16BE(i + 5) };
    if (m === 0xda) return null;
    i += 2 + len;
  }
  return null;
}

function encode(img, source, size, opt) {
  const args = ['-hide_banner', '-loglevel', 'error', '-threads', '1', '-filter_threads', '1',
    '-f', 'image2pipe', '-i', 'pipe:0', '-vf', filterChain(img, size), '-frames:v', '1',
    '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-c:v', 'mjpeg',
    '-q:v', JPEG_QSCALE, '-huffman', 'optimal', '-f', 'image2pipe', 'pipe:1'];
  let out;
  try {
    out = execFileSync(opt.ffmpeg, args, { input: source.bytes, maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const why = e.code === 'ENOENT' ? `${opt.ffmpeg} not found (run make deps)` : String(e.stderr || e.message).trim().split('\n').pop();
    fail(`ffmpeg failed on ${source.path} (background ${img.id}, ${size.w}x${size.h}): ${why}`);
  }
  const got = jpegSize(out);
  if (!got || got.w !== size.w || got.h !== size.h) {
    fail(`ffmpeg made ${got ? `a ${got.w}x${got.h}` : 'no valid'} JPEG from ${source.path}, expected ${size.w}x${size.h}`);
  }
  return out;
}

function writeAtomic(path, data) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

// Writes bytes under "<stem>.<sha16>.jpg" in dir; returns the name and hash.
function writeHashed(dir, stem, bytes) {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const name = `${stem}.${sha.slice(0, 16)}.jpg`;
  writeAtomic(join(dir, name), bytes);
  return { name, sha, size: bytes.length };
}

function buildImage(img, opt, outDir, installed) {
  validateEntry(img);
  const source = readSource(img, opt, installed);
  const full = writeHashed(outDir, img.id, encode(img, source, FULL, opt));
  const thumb = writeHashed(outDir, `${img.id}-thumb`, encode(img, source, THUMB, opt));
  return {
    entry: {
      title: img.title, path: `backgrounds/${full.name}`, thumb: `backgrounds/${thumb.name}`,
      sha256: full.sha, thumb_sha256: thumb.sha, size: full.size, thumb_size: thumb.size,
      width: FULL.w, height: FULL.h, license: img.license, credit: img.credit,
    },
    names: [full.name, thumb.name],
  };
}

// Removes hashed images (and temporaries) that the current manifest no longer produces.
function removeStale(dir, keep) {
  for (const f of readdirSync(dir)) {
    if ((HASHED_RE.test(f) || f.includes('.tmp-')) && !keep.has(f)) unlinkSync(join(dir, f));
  }
}

function main() {
  const opt = parseArgs(process.argv.slice(2));
  if (!existsSync(opt.manifest)) fail(`missing ${opt.manifest}`);
  const manifest = JSON.parse(readFileSync(opt.manifest, 'utf8'));
  if (manifest.schema !== 1 || !Array.isArray(manifest.images) || manifest.images.length === 0) {
    fail(`${opt.manifest}: expected schema 1 with a non-empty images array`);
  }
  const outDir = join(opt.build, 'assets', 'backgrounds');
  mkdirSync(outDir, { recursive: true });
  mkdirSync(join(opt.build, 'backgrounds'), { recursive: true });
  const installed = debVersion('python3-skimage');
  const index = { schema: 1, images: {} };
  const keep = new Set();
  for (const img of manifest.images) {
    if (index.images[img?.id]) fail(`manifest: duplicate id ${img.id}`);
    const { entry, names } = buildImage(img, opt, outDir, installed);
    index.images[img.id] = entry;
    names.forEach((n) => keep.add(n));
  }
  removeStale(outDir, keep);
  writeAtomic(join(opt.build, 'backgrounds', 'index.json'), JSON.stringify(index, null, 1) + '\n');
  const pinned = manifest.images[0].source.version;
  const note = installed && installed !== pinned ? ` (python3-skimage ${installed} here, manifest pins ${pinned}; every SHA-256 matches)` : '';
  console.log(`backgrounds: ${manifest.images.length} images verified and converted into ${outDir}${note}`);
}

try {
  main();
} catch (e) {
  if (!(e instanceof BuildError) && !(e instanceof SyntaxError)) throw e;
  console.error(`models/backgrounds.mjs: error: ${e.message}`);
  process.exit(1);
}
