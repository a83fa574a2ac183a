// Pictures for checking the quality bench by eye (quality.mjs --png DIR):
//   matte.png        the picture, background dimmed by α; green: α = 0.5, red: pose_heavy's
//                    own outline (before the guided filter)
//   alpha.png        α as grey
//   cutout.png       α·person on magenta, where a wrong matte shows at once (backdrop left
//                    on the person, person cut away); cutout-zoom.png: hair, left shoulder
//                    against the flag, helmet ring, right shoulder, each 2× (nearest)
//   composite-*.png  the composites
//   masks-*.png      per composite, one half-size panel per pipeline (three a row, in the
//                    order of the summary lines): green the mask's outline (≥ 128), red the
//                    truth's

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../tests/nn-ref/png.mjs';

const GREEN = [0, 255, 0], RED = [255, 0, 0], MAGENTA = [255, 0, 255];
// [x, y, w, h] in the 1280×720 picture.
const ZOOMS = [[400, 20, 320, 240], [140, 430, 320, 240], [300, 280, 320, 240], [640, 440, 320, 240]];

function rgbOf(rgba) {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    out[j] = rgba[i]; out[j + 1] = rgba[i + 1]; out[j + 2] = rgba[i + 2];
  }
  return out;
}

// Paints `colour` where the class of `m` (≥ threshold) changes to the right or below.
function outline(rgb, m, W, H, threshold, colour) {
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x, a = m[i] >= threshold;
      if ((x + 1 < W && a !== m[i + 1] >= threshold) || (y + 1 < H && a !== m[i + W] >= threshold)) {
        rgb.set(colour, i * 3);
      }
    }
  }
  return rgb;
}

function save(dir, name, width, height, data) {
  writeFileSync(join(dir, name), encodePng({ width, height, data }));
}

// The regions of ZOOMS side by side in two rows, each scaled 2× by pixel repetition.
function zoomSheet(rgb, W) {
  const [, , zw, zh] = ZOOMS[0];
  const cols = 2, SW = zw * 2 * cols, SH = zh * 2 * Math.ceil(ZOOMS.length / cols);
  const out = new Uint8Array(SW * SH * 3);
  ZOOMS.forEach(([x0, y0], k) => {
    const ox = (k % cols) * zw * 2, oy = Math.floor(k / cols) * zh * 2;
    for (let y = 0; y < zh * 2; y++) {
      for (let x = 0; x < zw * 2; x++) {
        const s = ((y0 + (y >> 1)) * W + x0 + (x >> 1)) * 3;
        out.set(rgb.subarray(s, s + 3), ((oy + y) * SW + ox + x) * 3);
      }
    }
  });
  return { width: SW, height: SH, data: out };
}

// Panels of W×H RGB pictures at half size, `cols` a row.
function grid(panels, W, H, cols) {
  const pw = W >> 1, ph = H >> 1, rows = Math.ceil(panels.length / cols);
  const out = new Uint8Array(pw * cols * ph * rows * 3);
  panels.forEach((rgb, k) => {
    const ox = (k % cols) * pw, oy = Math.floor(k / cols) * ph;
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        // The outlines are one pixel wide: keep them by taking any outline colour in the 2×2.
        let s = ((2 * y) * W + 2 * x) * 3;
        for (const d of [0, 1, W, W + 1]) {
          const t = ((2 * y) * W + 2 * x + d) * 3;
          if ((rgb[t] === 0 && rgb[t + 1] === 255 && rgb[t + 2] === 0) || (rgb[t] === 255 && rgb[t + 1] === 0 && rgb[t + 2] === 0)) s = t;
        }
        out.set(rgb.subarray(s, s + 3), ((oy + y) * pw * cols + ox + x) * 3);
      }
    }
  });
  return { width: pw * cols, height: ph * rows, data: out };
}

export function writeOverlays(dir, { W, H, original, alpha, heavy, composites, names }) {
  const dim = new Uint8Array(W * H * 3), cut = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) {
      const v = original[i * 4 + c];
      dim[i * 3 + c] = Math.round(v * (0.3 + 0.7 * alpha[i]));
      cut[i * 3 + c] = Math.round(alpha[i] * v + (1 - alpha[i]) * MAGENTA[c]);
    }
  }
  outline(dim, heavy, W, H, 0.5, RED);
  save(dir, 'matte.png', W, H, outline(dim, alpha, W, H, 0.5, GREEN));
  save(dir, 'alpha.png', W, H, Uint8Array.from({ length: W * H * 3 }, (_, j) => Math.round(alpha[Math.floor(j / 3)] * 255)));
  save(dir, 'cutout.png', W, H, cut);
  const z = zoomSheet(cut, W);
  save(dir, 'cutout-zoom.png', z.width, z.height, z.data);
  for (const c of composites) {
    save(dir, `composite-${c.name}.png`, W, H, rgbOf(c.rgba));
    const panels = c.masks.map((m) => outline(outline(rgbOf(c.rgba), alpha, W, H, 0.5, RED), m, W, H, 128, GREEN));
    const g = grid(panels, W, H, 3);
    save(dir, `masks-${c.name}.png`, g.width, g.height, g.data);
  }
  writeFileSync(join(dir, 'masks-order.txt'), `${names.join('\n')}\n`);
}
