#!/usr/bin/env node
// Regenerates tests/nn-ref/fixtures/: real pictures of people cropped and resized once to
// each model's input size, so our engine and the reference see identical pixels.
//   astronaut.png  Debian python3-skimage (Eileen Collins, public domain, NASA)
//   vtest.avi      Debian opencv-doc (people walking; decoded with Debian's ffmpeg)
// Deterministic: a crop rectangle then an exact area-average (box) resize with round-half-up.
// The committed PNGs are what the tests use; run this only to regenerate them
// (needs: apt-get install python3-skimage opencv-doc ffmpeg).
//
// Usage: node tests/nn-ref/make-fixtures.mjs

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng, encodePng } from './png.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'fixtures');
const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const VTEST = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const VTEST_FRAMES = [100, 400];

// Each fixture: source picture, crop rectangle [x, y, w, h] in source pixels, output size.
// The astronaut face crop comes from the reference's BlazeFace detection on the full picture
// (box 178,81..272,175, centre 225,128) widened like MediaPipe's face-mesh ROI (~1.5x).
function fixtureList() {
  const list = [];
  const add = (src, crop, w, h, tag) => list.push({ name: `${src}${tag ?? ''}_${w}x${h}.png`, src, crop, w, h });
  for (const [src, sw, sh] of [['astronaut', 512, 512], ...VTEST_FRAMES.map((n) => [`vtest${n}`, 768, 576])]) {
    const side = Math.min(sw, sh);
    const square = [(sw - side) / 2, (sh - side) / 2, side, side];
    const wideH = Math.round((sw * 9) / 16);
    add(src, [0, Math.round((sh - wideH) / 2), sw, wideH], 256, 144);
    add(src, square, 256, 256);
    add(src, square, 128, 128);
  }
  add('astronaut', [153, 56, 144, 144], 192, 192, '_face');
  add('astronaut', [113, 16, 224, 224], 128, 128, '_face'); // a larger face for BlazeFace
  return list;
}

function loadSources() {
  const src = { astronaut: decodePng(readFileSync(ASTRONAUT)) };
  for (const n of VTEST_FRAMES) {
    const png = execFileSync('ffmpeg', ['-v', 'error', '-i', VTEST, '-vf', `select=eq(n\\,${n})`,
      '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', '-'], { maxBuffer: 16 << 20 });
    src[`vtest${n}`] = decodePng(png);
  }
  return src;
}

// Weights of source columns/rows covering each destination pixel: exact overlap lengths.
function boxWeights(start, len, outLen) {
  const scale = len / outLen;
  return Array.from({ length: outLen }, (_, i) => {
    const a = start + i * scale, b = a + scale;
    const taps = [];
    for (let s = Math.floor(a); s < Math.ceil(b); s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 1e-9) taps.push([s, w / scale]);
    }
    return taps;
  });
}

export function resizeArea(img, [x, y, w, h], W, H) {
  const wx = boxWeights(x, w, W), wy = boxWeights(y, h, H);
  const out = new Uint8Array(W * H * 3);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (const [sy, fy] of wy[j]) {
          for (const [sx, fx] of wx[i]) acc += fy * fx * img.data[(sy * img.width + sx) * 3 + c];
        }
        out[(j * W + i) * 3 + c] = Math.min(255, Math.floor(acc + 0.5));
      }
    }
  }
  return { width: W, height: H, data: out };
}

function main() {
  mkdirSync(OUT, { recursive: true });
  const src = loadSources();
  const index = [];
  for (const f of fixtureList()) {
    writeFileSync(join(OUT, f.name), encodePng(resizeArea(src[f.src], f.crop, f.w, f.h)));
    index.push({ file: f.name, source: f.src, crop: f.crop, width: f.w, height: f.h });
  }
  writeFileSync(join(OUT, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  console.log(`wrote ${index.length} fixtures to ${OUT}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
