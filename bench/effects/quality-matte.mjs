// The truth of the quality bench, by construction. The person picture of tests/lib/person.mjs
// (Eileen Collins, NASA, public domain, framed 16:9) gets a soft matte α made from the
// heaviest segmentation we have that is not a tier, pose_heavy's segmentation output, run in
// the independent reference runtime (TFLite + XNNPACK wasm, tests/nn-ref/ref-runtime.mjs);
// the composites C = α·person + (1 − α)·B on real backgrounds then have α ≥ 0.5 as their
// exact person mask, whatever α's own errors on the original photo.
//
// How α is made (checked by eye on overlays, `quality.mjs --png DIR`):
// 1. The 1280×720 frame is letterboxed into a 1280×1280 square (black above and below) and
//    area-averaged 5×5 to pose_heavy's 256×256 input, range 0..1. Pose models expect a body
//    crop with its aspect kept; the whole frame squashed to 256×256 loses most of the suit
//    and the helmet ring (the mask stops at the neck), the letterboxed frame gives the whole
//    upper body. Tighter square crops (800 or 1000 px) were worse too (IoU 0.89–0.95 against
//    the letterboxed mask, with holes in the suit).
// 2. Output Identity_2 (256×256 logits): rows 56..199 are the frame (256×144); the logits are
//    upsampled bilinearly (pixel centres aligned) to 1280×720, then the logistic function.
//    That map ≥ 0.5 is "pose_heavy's mask" for the agreement figures.
// 3. That mask as 0/1, through a colour guided filter at full resolution guided by the picture
//    itself (quality-guided.mjs; radius 8 px, ε = 10⁻⁴ on the 0..1 colour scale), clamped to
//    0..1: the outline moves onto the colour edges of hair, face, suit and helmet ring within
//    the window, and is soft only where the picture's own edge is (hair, antialiased rims).
//    Binarising first matters: pose_heavy's map has faint blobs (p ≈ 0.25) on the backdrop
//    beside the shoulders that a filter of the soft map spreads into a visible glow.
//    On the original picture α ≥ 0.5 and pose_heavy's mask agree at IoU ≈ 0.994.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RefModel } from '../../tests/nn-ref/ref-runtime.mjs';
import { readModel } from '../../tests/nn-ref/tflite-fb.mjs';
import { upsample } from '../../tests/lib/person-mask.mjs';
import { guidedFilterRGB } from './quality-guided.mjs';

export const HEAVY_ID = 'pose_heavy';
const HEAVY_OUTPUT = 'Identity_2';
const SIDE = 256; // pose_heavy's input and output are 256×256
export const MATTE_FILTER = { r: 8, eps: 1e-4 };

// Backgrounds for the composites: real photographs from Debian packages (python3-skimage,
// opencv-doc), none with a person in it.
const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
const OPENCV = '/usr/share/doc/opencv-doc/examples/data';
export const BACKGROUNDS = [
  ['coffee', `${SKIMAGE}/coffee.png`],
  ['rocket', `${SKIMAGE}/rocket.jpg`],
  ['chelsea', `${SKIMAGE}/chelsea.png`],
  ['hubble', `${SKIMAGE}/hubble_deep_field.jpg`],
  ['motorcycle', `${SKIMAGE}/motorcycle_left.png`],
  ['building', `${OPENCV}/building.jpg`],
  ['home', `${OPENCV}/home.jpg`],
  ['fruits', `${OPENCV}/fruits.jpg`],
  ['aloe', `${OPENCV}/aloeL.jpg`],
];

/**
 * The letterboxed model input for a w×h RGBA picture (w a multiple of 256, h ≤ w with
 * (w − h) / 2 a multiple of w / 256): { input: Float32Array 256·256·3 in 0..1, top, rows },
 * where rows `top` .. top + rows − 1 of the model's grid hold the picture.
 */
export function letterboxInput(rgba, w, h) {
  const f = w / SIDE;
  const pad = (w - h) / 2;
  if (!Number.isInteger(f) || !Number.isInteger(pad / f) || h % f) {
    throw new RangeError(`letterbox: ${w}×${h} does not area-scale exactly to ${SIDE}×${SIDE}`);
  }
  const top = pad / f, rows = h / f;
  const input = new Float32Array(SIDE * SIDE * 3); // black padding: zeros
  const norm = 1 / (255 * f * f);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < SIDE; x++) {
      const o = ((top + y) * SIDE + x) * 3;
      for (let dy = 0; dy < f; dy++) {
        let p = ((y * f + dy) * w + x * f) * 4;
        for (let dx = 0; dx < f; dx++, p += 4) {
          input[o] += rgba[p]; input[o + 1] += rgba[p + 1]; input[o + 2] += rgba[p + 2];
        }
      }
      input[o] *= norm; input[o + 1] *= norm; input[o + 2] *= norm;
    }
  }
  return { input, top, rows };
}

/** pose_heavy's segmentation logits of the picture, from the reference runtime: the
 * picture's rows only, { width: 256, height, data: Float32Array }. */
export async function heavyLogits(buildDir, rgba, w, h) {
  const bytes = readFileSync(join(buildDir, 'models', `${HEAVY_ID}.tflite`));
  const index = readModel(bytes).outputs.findIndex((o) => o.name === HEAVY_OUTPUT);
  if (index < 0) throw new Error(`${HEAVY_ID}: no output ${HEAVY_OUTPUT}`);
  const ref = await RefModel.load(bytes, index);
  const { input, top, rows } = letterboxInput(rgba, w, h);
  ref.setInput(input);
  ref.invoke();
  const out = ref.readOutput();
  if (!ref.intact()) throw new Error(`reference: ${HEAVY_ID} model bytes were overwritten`);
  return { width: SIDE, height: rows, data: out.slice(top * SIDE, (top + rows) * SIDE) };
}

const sigmoid = (v) => 1 / (1 + Math.exp(-v));

/**
 * The soft matte of the picture: { heavy: pose_heavy's probability map at w×h (step 2),
 * alpha: the refined matte (step 3), both Float32Array 0..1 }.
 */
export async function buildMatte(buildDir, rgba, w, h) {
  const logits = await heavyLogits(buildDir, rgba, w, h);
  const heavy = upsample(logits, w, h).map(sigmoid);
  const hard = heavy.map((p) => (p >= 0.5 ? 1 : 0));
  const alpha = guidedFilterRGB(rgba, w, h, hard, MATTE_FILTER).map(clamp01);
  return { heavy, alpha };
}

function clamp01(v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

/** C = α·person + (1 − α)·B, RGBA8 (alpha 255), rounded. */
export function composite(person, background, alpha) {
  const out = new Uint8Array(person.length);
  for (let i = 0, j = 0; i < alpha.length; i++, j += 4) {
    const a = alpha[i];
    for (let c = 0; c < 3; c++) out[j + c] = Math.round(a * person[j + c] + (1 - a) * background[j + c]);
    out[j + 3] = 255;
  }
  return out;
}

/** The truth of a composite: α ≥ 0.5, 0/1 per pixel. */
export function truthOf(alpha) {
  return Uint8Array.from(alpha, (a) => (a >= 0.5 ? 1 : 0));
}
