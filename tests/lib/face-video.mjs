// Camera clips for the face tests, made at test time with Debian's ffmpeg from the astronaut
// photograph (python3-skimage, public domain; tests/lib/person-picture.mjs has the details):
//
// - moving: the head (astronaut.png x 130..390, y 0..300, scaled to 200×230) on a grey
//   backdrop, sliding across a 640×360 frame and back (x 20 → 420 → 20 over the clip), bobbing
//   (y ±25) and tilting ±20° (two periods): the tracking test's camera.
// - pair: two copies of the head side by side (the several-faces test).
// - dark: any y4m darkened through a tone curve (the low-light test), keeping its geometry.
//
// Each returns {file, width, height, frames, fps}; frames(file) decodes a clip to RGBA.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { SOURCES, ffmpeg } from './person-picture.mjs';

const HEAD = 'crop=260:300:130:0,scale=200:230:flags=bicubic';

export async function movingFaceY4m(dir, { frames = 90, fps = 30 } = {}) {
  const file = join(dir, `face-moving-${frames}.y4m`);
  const T = frames / fps;
  const graph = `color=c=0x7f8590:s=640x360:r=${fps}:d=${T}[bg];` +
    `[0:v]${HEAD},format=rgba,rotate=a='0.35*sin(4*PI*t/${T})':c=black@0:ow=300:oh=300[head];` +
    `[bg][head]overlay=x='20+200*(1-cos(2*PI*t/${T}))':y='30+25*sin(2*PI*t/${T})':eval=frame:shortest=1,format=yuv420p`;
  await ffmpeg(['-y', '-loop', '1', '-framerate', String(fps), '-i', SOURCES.person, '-filter_complex', graph,
    '-frames:v', String(frames), '-f', 'yuv4mpegpipe', file]);
  return { file, width: 640, height: 360, frames, fps };
}

export async function pairFacesY4m(dir, { frames = 10, fps = 30 } = {}) {
  const file = join(dir, 'face-pair.y4m');
  const graph = `color=c=0x7f8590:s=640x360:r=${fps}:d=${frames / fps}[bg];[0:v]${HEAD},split[a][b];` +
    `[bg][a]overlay=x=60:y=60:shortest=1[t];[t][b]overlay=x=380:y=70,format=yuv420p`;
  await ffmpeg(['-y', '-loop', '1', '-framerate', String(fps), '-i', SOURCES.person, '-filter_complex', graph,
    '-frames:v', String(frames), '-f', 'yuv4mpegpipe', file]);
  return { file, width: 640, height: 360, frames, fps };
}

/** A darkened copy of a y4m clip: levels × 0.35 with a lifted toe (a dim room). */
export async function darkY4m(src, file) {
  await ffmpeg(['-y', '-i', src.file, '-vf', "curves=all='0/0 0.5/0.16 1/0.4',format=yuv420p",
    '-f', 'yuv4mpegpipe', file]);
  return { ...src, file };
}

/** Every frame of a clip as RGBA: [{width, height, data}] (small clips only). */
export function clipFrames(clip) {
  return new Promise((resolve, reject) => {
    execFile(process.env.FFMPEG || 'ffmpeg', ['-nostdin', '-v', 'error', '-i', clip.file, '-f', 'rawvideo',
      '-pix_fmt', 'rgba', '-'], { encoding: 'buffer', maxBuffer: 512 << 20 }, (err, out, stderr) => {
      if (err) { reject(new Error(`ffmpeg: ${err.message}\n${stderr}`)); return; }
      const n = clip.width * clip.height * 4;
      if (out.length % n) { reject(new Error(`ffmpeg gave ${out.length} bytes, not a multiple of ${n}`)); return; }
      const frames = [];
      for (let o = 0; o < out.length; o += n) {
        frames.push({ width: clip.width, height: clip.height, data: new Uint8Array(out.buffer, out.byteOffset + o, n) });
      }
      resolve(frames);
    });
  });
}
