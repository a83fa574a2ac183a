// Writes a small synthetic Y4M clip for --use-file-for-fake-video-capture: a colour gradient
// with a moving bright square, so received pictures have known, non-black content and a
// size (default 640×360) that differs from the fake screen's 1280×720.
import fs from 'node:fs';

export function writeY4m(file, { width = 640, height = 360, frames = 30, fps = 30 } = {}) {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const ySize = width * height;
  const cw = width >> 1, ch = height >> 1;
  const frame = Buffer.alloc(ySize + 2 * cw * ch);
  for (let f = 0; f < frames; f++) {
    const bx = Math.floor((f / frames) * (width - 80));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inBox = x >= bx && x < bx + 80 && y >= 100 && y < 180;
        frame[y * width + x] = inBox ? 235 : 40 + Math.floor((160 * x) / width);
      }
    }
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        frame[ySize + y * cw + x] = 64 + Math.floor((128 * y) / ch);            // U
        frame[ySize + cw * ch + y * cw + x] = 192 - Math.floor((128 * x) / cw); // V
      }
    }
    fs.writeSync(fd, 'FRAME\n');
    fs.writeSync(fd, frame);
  }
  fs.closeSync(fd);
  return file;
}
