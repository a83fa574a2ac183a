// models/manifest.json and models/fetch.mjs: the manifest matches the model files, the
// build tree holds verified copies under stable and content-hashed names, and a wrong
// SHA-256 or packed-asset offset fails the fetch with a message naming the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILD, ROOT, manifest, modelBytes } from './harness.mjs';
import { readModel } from './tflite-fb.mjs';

const FETCH = join(ROOT, 'models', 'fetch.mjs');

test('manifest shapes, MACs and licence match the model files', () => {
  const m = manifest();
  assert.equal(m.models.length, 7);
  for (const e of m.models) {
    const bytes = modelBytes(e.id);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), e.sha256, e.id);
    const info = readModel(bytes);
    assert.deepEqual(info.inputs.map((t) => t.shape), [e.input.shape], `${e.id} input`);
    assert.deepEqual(info.outputs.map((t) => t.shape), e.outputs.map((o) => o.shape), `${e.id} outputs`);
    assert.equal(info.macs, e.macs, `${e.id} macs`);
    assert.equal(e.license, 'Apache-2.0');
    assert.match(e.tier, /^(small|medium|large)$/);
  }
});

test('web manifest maps every id to its content-hashed file', () => {
  const web = JSON.parse(readFileSync(join(BUILD, 'assets', 'models', 'manifest.json'), 'utf8'));
  for (const e of manifest().models) {
    const w = web.models[e.id];
    assert.equal(w.url, `/assets/models/${e.id}.${e.sha256.slice(0, 16)}.tflite`);
    const served = readFileSync(join(BUILD, w.url.slice(1)));
    assert.equal(createHash('sha256').update(served).digest('hex'), e.sha256);
    assert.deepEqual(w.input.shape, e.input.shape);
    assert.equal(w.tier, e.tier);
  }
});

function fetchWith(edit) {
  const dir = mkdtempSync(join(tmpdir(), 'nnref-fetch-'));
  try {
    const m = manifest();
    edit(m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    return spawnSync('node', [FETCH, '--build', join(dir, 'b'), '--manifest', join(dir, 'manifest.json')],
      { encoding: 'utf8', timeout: 60000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a SHA-256 mismatch is an error naming the file', () => {
  const r = fetchWith((m) => { m.models[1].sha256 = '0'.repeat(64); });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /SHA-256 mismatch for .*selfie_segmentation\.tflite/);
});

test('a packed-asset offset that disagrees with the loader script is an error', () => {
  const r = fetchWith((m) => { m.models.find((e) => e.id === 'face_landmark').source.offset += 4; });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /face_mesh_solution_packed_assets_loader\.js says .*face_landmark\.tflite/);
});

test('unsafe source names in the manifest are refused', () => {
  const r = fetchWith((m) => { m.models[0].source.path = '../../package.json'; });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /plain names inside the package/);
});

test('the pose landmark models are not in the pose packed blob (so the plain files are used)', () => {
  const loader = readFileSync(join(ROOT, 'node_modules/@mediapipe/pose/pose_solution_packed_assets_loader.js'), 'utf8');
  assert.match(loader, /pose_detection\.tflite/);
  assert.doesNotMatch(loader, /pose_landmark/);
});
