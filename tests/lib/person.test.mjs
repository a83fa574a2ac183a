// Self-test of the person fake camera, its reference mask and the metrics (person.mjs).
//   node --test tests/lib/person.test.mjs
// PERSON_MASK_PNG=/tmp/person-mask.png also writes the frame with the regions overlaid
// (person green, background blue, the excluded outline untouched) to look at.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodePng } from '../nn-ref/png.mjs';
import { squaredDistance, upsample } from './person-mask.mjs';
import {
  centreWidth, decodeFrameRGBA, loadBackground, localVariance, lumaOf, makePersonY4m, matchImage, meanAbsDiff,
  originalFrameRGBA, panShift, referenceMask, referenceProbabilities, regions, regionsAt,
} from './person.mjs';

const W = 1280, H = 720;
const dir = mkdtempSync(join(tmpdir(), 'person-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const count = (a) => a.reduce((s, v) => s + (v ? 1 : 0), 0);

test('the y4m is 4:2:0 at the asked size and frame 0 decodes to originalFrameRGBA', async () => {
  const cam = await makePersonY4m(dir, { frames: 3 });
  assert.deepEqual([cam.width, cam.height, cam.frames], [W, H, 3]);
  const head = readFileSync(cam.file).subarray(0, 100).toString('latin1').split('\n')[0];
  assert.match(head, /^YUV4MPEG2 W1280 H720 F30:1 .*C420/);
  assert.equal(statSync(cam.file).size, head.length + 1 + 3 * ('FRAME\n'.length + W * H * 1.5));
  const [decoded, orig] = await Promise.all([decodeFrameRGBA(cam.file, { width: W, height: H }), originalFrameRGBA()]);
  assert.equal(orig.data.length, W * H * 4);
  assert.equal(meanAbsDiff(decoded.data, orig.data), 0);
  // Not flat: a real picture has plenty of texture.
  assert.ok(localVariance(lumaOf(orig.data, W, H), W, H) > 50);
  // A frame the encoder scaled down (odd sizes too) is the camera picture scaled; composing
  // the picture directly at that size gives nearly the same pixels.
  const odd = await originalFrameRGBA({ width: 427, height: 240 });
  assert.equal(odd.data.length, 427 * 240 * 4);
  const scaled = await originalFrameRGBA({ width: 640, height: 360 });
  const direct = await originalFrameRGBA({ width: 640, height: 360, camera: { width: 640, height: 360 } });
  assert.ok(matchImage(scaled.data, direct.data) < 5);
});

test('the moving clip is the still picture shifted by panShift(n)', async () => {
  const frames = 8;
  const cam = await makePersonY4m(dir, { frames, motion: true });
  const still = lumaOf((await originalFrameRGBA()).data, W, H);
  const shifts = [];
  for (const n of [0, 2, 6]) {
    const dx = panShift(n, { width: W, frames });
    shifts.push(dx);
    const f = lumaOf((await decodeFrameRGBA(cam.file, { width: W, height: H, n })).data, W, H);
    let sum = 0, k = 0;
    for (let y = 0; y < H; y += 3) {
      for (let x = 16; x < W - 16; x += 3) { sum += Math.abs(f[y * W + x] - still[y * W + x - dx]); k++; }
    }
    assert.ok(sum / k < 2, `frame ${n}: shifted by ${dx}, mean |luma diff| ${sum / k}`);
  }
  assert.deepEqual(shifts, [0, -8, 8]);
});

test('reference mask: a plausible, connected person with background on both sides', async () => {
  const mask = await referenceMask({ width: W, height: H });
  const person = Uint8Array.from(mask.data, (v) => (v ? 1 : 0));
  const frac = count(person) / (W * H);
  assert.ok(frac > 0.15 && frac < 0.6, `person fraction ${frac}`);
  // The side strips come from a picture without people: background by construction.
  const strip = (W - centreWidth(H)) / 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (x < strip || x >= W - strip) assert.equal(mask.data[y * W + x], 0, `person at ${x},${y} in a side strip`);
    }
  }
  // The face (source pixel ~225,128 of astronaut.png) is person; the top corners are not.
  const at = (sx, sy) => mask.data[Math.round((sy * H) / 336) * W + strip + Math.round((sx * centreWidth(H)) / 512)];
  assert.equal(at(225, 128), 255);
  assert.equal(at(20, 10), 0);
  assert.equal(at(490, 10), 0);
  assert.ok(largestComponent(person, W, H) > 0.97 * count(person), 'person is not one piece');
  const { person: p, background: b, erode } = regions(mask);
  assert.equal(erode, 24);
  const cols = columnsWith(b, W, H);
  const [left, right] = [cols.findIndex(Boolean), cols.findLastIndex(Boolean)];
  const pcols = columnsWith(p, W, H);
  assert.ok(left < pcols.findIndex(Boolean) && right > pcols.findLastIndex(Boolean), 'background not on both sides');
  assert.ok(count(p) > 0.6 * count(person), `eroded person ${count(p)} of ${count(person)}`);
  // The two reference models agree with each other.
  const [land, gen] = await referenceProbabilities();
  const a = upsample(land, W, H), g = upsample(gen, W, H);
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) { inter += a[i] >= 0.5 && g[i] >= 0.5; union += a[i] >= 0.5 || g[i] >= 0.5; }
  assert.ok(inter / union > 0.95, `models' IoU ${inter / union}`);
  if (process.env.PERSON_MASK_PNG) await writeOverlay(process.env.PERSON_MASK_PNG, p, b);
});

test('regions: erosion keeps exactly the pixels farther than erode from the other class', async () => {
  const w = 61, h = 47;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = (x - 30) ** 2 + (y - 20) ** 2 < 200 || (x > 50 && y > 35) ? 255 : 0;
  const { person, background } = regions({ width: w, height: h, data }, { erode: 5 });
  for (let i = 0; i < w * h; i++) {
    let near = Infinity;
    for (let j = 0; j < w * h; j++) {
      if ((data[j] >= 128) !== (data[i] >= 128)) near = Math.min(near, ((i % w) - (j % w)) ** 2 + (((i / w) | 0) - ((j / w) | 0)) ** 2);
    }
    assert.equal(person[i], data[i] >= 128 && near > 25 ? 1 : 0, `person at ${i}`);
    assert.equal(background[i], data[i] < 128 && near > 25 ? 1 : 0, `background at ${i}`);
  }
  const empty = squaredDistance(4, 3, () => false);
  assert.ok(empty.every((d) => d > 1e19));
  const small = await regionsAt(640, 360);
  assert.deepEqual([small.width, small.height, small.erode, small.person.length], [640, 360, 12, 640 * 360]);
  const big = regions(await referenceMask({ width: W, height: H }));
  const frac = (r, n) => count(r) / n;
  assert.ok(Math.abs(frac(small.person, 640 * 360) - frac(big.person, W * H)) < 0.01);
});

test('metrics on synthetic pictures', () => {
  const w = 64, h = 48;
  const rgba = new Uint8Array(w * h * 4);
  let seed = 7;
  for (let i = 0; i < rgba.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; rgba[i] = i % 4 === 3 ? 255 : seed >>> 24; }
  const blurred = boxBlur(rgba, w, h, 2);
  const all = new Uint8Array(w * h).fill(1);
  const y = lumaOf(rgba, w, h), yb = lumaOf(blurred, w, h);
  assert.ok(localVariance(yb, w, h, all) < 0.3 * localVariance(y, w, h, all));
  assert.equal(meanAbsDiff(y, y, all), 0);
  assert.equal(matchImage(rgba, rgba, all), 0);
  const brighter = Uint8Array.from(rgba, (v, i) => (i % 4 === 3 ? 0 : Math.min(255, v + 10)));
  const dark = Uint8Array.from(rgba, (v, i) => (i % 4 === 3 ? v : Math.min(v, 200)));
  const rgbOnly = Uint8Array.from(dark, (v, i) => (i % 4 === 3 ? 0 : v + 10)); // alpha differs: ignored
  assert.equal(matchImage(rgbOnly, dark, all), 10);
  assert.equal(meanAbsDiff(rgbOnly, dark, all), 10);
  assert.ok(matchImage(brighter, rgba) > 0);
  // A region counts only its pixels: left half identical, right half 20 apart.
  const half = Uint8Array.from(all, (_, i) => (i % w < w / 2 ? 1 : 0));
  const split = Float32Array.from(y, (v, i) => (i % w < w / 2 ? v : v + 20));
  assert.equal(meanAbsDiff(split, y, half), 0);
  assert.ok(Math.abs(meanAbsDiff(split, y) - 10) < 1e-4);
  // Variance of a checkerboard of 0/255 in a 7×7 window: 255² · (24·25) / 49².
  const check = Float32Array.from({ length: w * h }, (_, i) => (((i % w) + ((i / w) | 0)) % 2 ? 255 : 0));
  const inner = Uint8Array.from(all, (_, i) => ((i % w) >= 3 && (i % w) < w - 3 && ((i / w) | 0) >= 3 && ((i / w) | 0) < h - 3 ? 1 : 0));
  assert.ok(Math.abs(localVariance(check, w, h, inner) - (255 ** 2 * 600) / 2401) < 1e-6);
  assert.equal(localVariance(new Float32Array(w * h).fill(77), w, h), 0);
  assert.throws(() => meanAbsDiff(y, y, new Uint8Array(w * h)), /empty/);
});

test('loadBackground covers and centre-crops', async () => {
  // 200×100: left half red, right half blue; covering 100×100 keeps x 50..150 of it.
  const src = new Uint8Array(200 * 100 * 3);
  for (let i = 0; i < 200 * 100; i++) src.set(i % 200 < 100 ? [255, 0, 0] : [0, 0, 255], i * 3);
  const file = join(dir, 'halves.png');
  writeFileSync(file, encodePng({ width: 200, height: 100, data: src }));
  const bg = await loadBackground(file, 100, 100);
  assert.equal(bg.data.length, 100 * 100 * 4);
  const px = (x, y) => Array.from(bg.data.subarray((y * 100 + x) * 4, (y * 100 + x) * 4 + 4));
  assert.deepEqual(px(10, 50), [255, 0, 0, 255]);
  assert.deepEqual(px(90, 50), [0, 0, 255, 255]);
  const wide = await loadBackground(file, 64, 16); // scaled to 64×32, rows 8..24 kept
  assert.equal(wide.data.length, 64 * 16 * 4);
});

// --- helpers -----------------------------------------------------------------------------

function largestComponent(bin, w, h) {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let best = 0;
  for (let s = 0; s < w * h; s++) {
    if (!bin[s] || seen[s]) continue;
    let top = 0, size = 0;
    stack[top++] = s; seen[s] = 1;
    while (top) {
      const i = stack[--top]; size++;
      const x = i % w;
      for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
        if (j >= 0 && j < w * h && bin[j] && !seen[j]) { seen[j] = 1; stack[top++] = j; }
      }
    }
    best = Math.max(best, size);
  }
  return best;
}

function columnsWith(region, w, h) {
  const cols = new Array(w).fill(false);
  for (let i = 0; i < w * h; i++) if (region[i]) cols[i % w] = true;
  return cols;
}

function boxBlur(rgba, w, h, r) {
  const out = new Uint8Array(rgba.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0, n = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const xx = x + dx, yy = y + dy;
            if (xx >= 0 && xx < w && yy >= 0 && yy < h) { s += rgba[(yy * w + xx) * 4 + c]; n++; }
          }
        }
        out[(y * w + x) * 4 + c] = Math.round(s / n);
      }
    }
  }
  return out;
}

async function writeOverlay(path, person, background) {
  const { data } = await originalFrameRGBA();
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const tint = person[i] ? [0, 255, 0] : background[i] ? [0, 80, 255] : null;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = tint ? Math.round(0.6 * data[i * 4 + c] + 0.4 * tint[c]) : data[i * 4 + c];
  }
  writeFileSync(path, encodePng({ width: W, height: H, data: rgb }));
}
