// The "person at a webcam" picture for the background-effect e2e tests, built at test time
// with Debian's ffmpeg from real photographs shipped in Debian packages:
//
//   astronaut.png  python3-skimage: Eileen Collins, NASA portrait, public domain. 512×512;
//                  we use its top 512×336 (head, shoulders, a flag on the left, a shuttle
//                  model on the right), which leaves out the helmet she holds lower down.
//   aloeL.jpg,     opencv-doc (samples/data, Apache-2.0/BSD-3-Clause per debian/copyright;
//   aloeR.jpg      the Middlebury 2006 stereo pair): an aloe in front of a patterned cloth.
//
// Layout at W×H (both even, W/H at least about 1.6): that crop scaled to H high in the
// centre (C = 2·round(256·H/336) wide), and on each side a strip of (W − C) / 2 pixels cut
// from the left edge of aloeL (left side) and of aloeR (right side), each scaled to cover
// the strip. The strips contain no person, so they are background by construction; inside
// the centre the truth comes from the reference mask (person-mask.mjs). For 1280×720:
// C = 1098, strips x < 91 and x ≥ 1189.
//
// Motion (option `motion: true`): the composite is built PAN pixels wider on each side and a
// W×H window slides over it, x = PAN · (1 + sin(2π n / frames)), so the content moves by
// panShift(n) = PAN − x ∈ [−PAN, PAN] pixels and the loop is seamless. PAN = W / 160 (8 at
// 1280). The still picture is the window at x = PAN (shift 0). Regions eroded by more than
// PAN pixels stay valid for every moving frame.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const SOURCES = {
  person: '/usr/lib/python3/dist-packages/skimage/data/astronaut.png',
  left: '/usr/share/doc/opencv-doc/examples/data/aloeL.jpg',
  right: '/usr/share/doc/opencv-doc/examples/data/aloeR.jpg',
};
// The part of astronaut.png used, [x, y, w, h] in its pixels.
const PERSON_CROP = [0, 0, 512, 336];
export const FFMPEG = process.env.FFMPEG || 'ffmpeg';

// Runs ffmpeg; resolves with its stdout as a Buffer. Errors carry ffmpeg's stderr.
export function ffmpeg(args, { maxBuffer = 256 << 20 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(FFMPEG, ['-nostdin', '-v', 'error', ...args], { encoding: 'buffer', maxBuffer },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`ffmpeg ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
  });
}

// PAN, the largest content shift of the moving clip, in pixels of a picture `width` wide.
export function panAmplitude(width) {
  return Math.max(1, Math.round(width / 160));
}

// Horizontal displacement (pixels, + = right) of the picture content in frame n of a moving
// clip of `frames` frames, relative to the still picture.
export function panShift(n, { width = 1280, frames = 60 } = {}) {
  const a = panAmplitude(width);
  return a - Math.round(a * (1 + Math.sin((2 * Math.PI * n) / frames)));
}

function checkSize(width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width % 2 || height % 2 || height < 16 ||
      width - centreWidth(height) < 8) {
    throw new RangeError(`person picture: size ${width}×${height} must be even, at least 16 high and about 1.6 times as wide`);
  }
}

function checkSources() {
  for (const [what, p] of Object.entries(SOURCES)) {
    if (!existsSync(p)) throw new Error(`person picture: ${what} source ${p} missing (apt-get install python3-skimage opencv-doc)`);
  }
}

// ffmpeg input arguments for the three sources; `loop` repeats each still image forever.
function inputArgs(loop, fps) {
  const pre = loop ? ['-loop', '1', '-framerate', String(fps)] : [];
  return [SOURCES.left, SOURCES.person, SOURCES.right].flatMap((p) => [...pre, '-i', p]);
}

// Width of the scaled person crop in a picture `height` high (even, so the strips are whole).
export function centreWidth(height) {
  const [, , w, h] = PERSON_CROP;
  return 2 * Math.round((w * height) / h / 2);
}

// Filter graph: the W×H RGB picture (window at x, an ffmpeg expression), then `tail`.
function pictureGraph(width, height, x, tail) {
  const a = panAmplitude(width);
  const centre = centreWidth(height);
  const strip = (width - centre) / 2 + a;
  const [cx, cy, cw, ch] = PERSON_CROP;
  const side = (i) => `[${i}:v]scale=${strip}:${height}:force_original_aspect_ratio=increase:flags=bicubic,` +
    `crop=${strip}:${height}:0:0,format=rgb24,setsar=1`;
  return [
    `${side(0)}[l]`,
    `[1:v]crop=${cw}:${ch}:${cx}:${cy},scale=${centre}:${height}:flags=bicubic,format=rgb24,setsar=1[c]`,
    `${side(2)}[r]`,
    `[l][c][r]hstack=inputs=3,crop=${width}:${height}:'${x}':0${tail ? `,${tail}` : ''}`,
  ].join(';');
}

/**
 * Writes the camera clip for --use-file-for-fake-video-capture: `frames` frames of 4:2:0
 * y4m (C420jpeg, limited range) at `fps`. Still by default (the same picture every frame;
 * the fake camera loops the file); `motion: true` pans it (see panShift). Returns
 * { file, width, height, frames, fps, motion }.
 */
export async function makePersonY4m(dir, { width = 1280, height = 720, frames = 60, fps = 30, motion = false } = {}) {
  checkSize(width, height);
  checkSources();
  mkdirSync(dir, { recursive: true });
  const a = panAmplitude(width);
  const x = motion ? `round(${a}*(1+sin(2*PI*n/${frames})))` : String(a);
  const file = join(dir, `person-${width}x${height}-${frames}f-${motion ? 'pan' : 'still'}.y4m`);
  const tmp = `${file}.tmp`;
  try {
    await ffmpeg(['-y', ...inputArgs(true, fps), '-filter_complex', pictureGraph(width, height, x, 'format=yuv420p'),
      '-frames:v', String(frames), '-r', String(fps), '-f', 'yuv4mpegpipe', tmp]);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { file, width, height, frames, fps, motion };
}

/**
 * The still picture as a camera of size `camera` carries it (RGB → 4:2:0, as in the y4m),
 * as RGBA at width×height: { width, height, data: Uint8Array of width*height*4 }. At the
 * camera's own size (the default, 1280×720) frame 0 of the still makePersonY4m clip decodes
 * to exactly these bytes. At another size (a frame the encoder scaled down, odd sizes
 * included) the 4:2:0 picture is area-scaled first, as WebRTC scales I420, then converted.
 */
export async function originalFrameRGBA({ width = 1280, height = 720, camera = { width: 1280, height: 720 } } = {}) {
  checkSize(camera.width, camera.height);
  checkSources();
  const same = width === camera.width && height === camera.height;
  const tail = `format=yuv420p,${same ? '' : `scale=${width}:${height}:flags=area,`}format=rgba`;
  const graph = pictureGraph(camera.width, camera.height, String(panAmplitude(camera.width)), tail);
  const data = await ffmpeg([...inputArgs(false), '-filter_complex', graph, '-frames:v', '1',
    '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
  return rawImage(data, width, height, 4);
}

/**
 * The still picture (as the camera carries it) scaled with area averaging to a model input
 * of width×height RGB. Used for the reference mask.
 */
export async function pictureForModel(width, height, { from = { width: 1280, height: 720 } } = {}) {
  checkSources();
  const graph = pictureGraph(from.width, from.height, String(panAmplitude(from.width)),
    `format=yuv420p,format=rgb24,scale=${width}:${height}:flags=area`);
  const data = await ffmpeg([...inputArgs(false), '-filter_complex', graph, '-frames:v', '1',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  return rawImage(data, width, height, 3);
}

/**
 * An image file (JPEG, PNG, anything ffmpeg reads) scaled to cover width×height and
 * centre-cropped, as RGBA: { width, height, data: Uint8Array of width*height*4 }.
 */
export async function loadBackground(path, width, height) {
  const vf = `scale=${width}:${height}:force_original_aspect_ratio=increase:flags=bicubic,crop=${width}:${height}`;
  const data = await ffmpeg(['-i', path, '-vf', vf, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
  return rawImage(data, width, height, 4);
}

/** Frame `n` of a y4m (or any video) file decoded with ffmpeg to RGBA. */
export async function decodeFrameRGBA(file, { width, height, n = 0 }) {
  const data = await ffmpeg(['-i', file, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1',
    '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
  return rawImage(data, width, height, 4);
}

function rawImage(buf, width, height, channels) {
  if (buf.length !== width * height * channels) {
    throw new Error(`person picture: ffmpeg gave ${buf.length} bytes, expected ${width}×${height}×${channels}`);
  }
  return { width, height, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
}
