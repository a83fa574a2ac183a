// Minimal PNG codec for test fixtures: decodes 8-bit grey/grey+alpha/RGB/RGBA/palette,
// non-interlaced images to RGB, and encodes RGB. Uses node:zlib only. Inputs are files we
// commit, but the decoder still checks every length so a corrupt file fails cleanly.

import * as zlib from 'node:zlib';

const SIG = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const MAX_SIDE = 8192;
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }; // colour type -> samples per pixel

function crc32(buf) {
  if (zlib.crc32) return zlib.crc32(buf) >>> 0;
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function readChunks(buf) {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIG)) throw new Error('png: bad signature');
  const chunks = [];
  for (let p = 8; p < buf.length;) {
    if (p + 12 > buf.length) throw new Error('png: truncated chunk header');
    const len = buf.readUInt32BE(p);
    if (p + 12 + len > buf.length) throw new Error('png: chunk past end of file');
    chunks.push({ type: buf.toString('latin1', p + 4, p + 8), data: buf.subarray(p + 8, p + 8 + len) });
    p += 12 + len;
  }
  return chunks;
}

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Reverses the per-row filters in place; returns the raw samples (h rows of stride bytes).
function unfilter(data, h, stride, bpp) {
  if (data.length < h * (stride + 1)) throw new Error('png: image data too short');
  const out = Buffer.alloc(h * stride);
  for (let y = 0; y < h; y++) {
    const f = data[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride, prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp] : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
      if (pred === undefined) throw new Error(`png: bad filter type ${f}`);
      out[row + x] = (data[src + x] + pred) & 255;
    }
  }
  return out;
}

function toRgb(raw, w, h, ct, palette) {
  const n = CHANNELS[ct];
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const s = raw.subarray(i * n, i * n + n);
    let px;
    if (ct === 3) {
      if (!palette || s[0] * 3 + 3 > palette.length) throw new Error('png: palette index out of range');
      px = palette.subarray(s[0] * 3, s[0] * 3 + 3);
    } else {
      px = n >= 3 ? s : [s[0], s[0], s[0]];
    }
    rgb[i * 3] = px[0]; rgb[i * 3 + 1] = px[1]; rgb[i * 3 + 2] = px[2];
  }
  return rgb;
}

// Returns { width, height, data: Uint8Array of width*height*3 RGB } (alpha is dropped).
export function decodePng(buf) {
  const chunks = readChunks(buf);
  const ihdr = chunks.find((c) => c.type === 'IHDR');
  if (!ihdr || ihdr.data.length !== 13) throw new Error('png: missing IHDR');
  const w = ihdr.data.readUInt32BE(0), h = ihdr.data.readUInt32BE(4);
  const [depth, ct, , , interlace] = ihdr.data.subarray(8);
  if (!w || !h || w > MAX_SIDE || h > MAX_SIDE) throw new Error(`png: bad size ${w}x${h}`);
  if (depth !== 8 || !(ct in CHANNELS) || interlace) throw new Error('png: only 8-bit non-interlaced images');
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const plte = chunks.find((c) => c.type === 'PLTE');
  const stride = w * CHANNELS[ct];
  const data = zlib.inflateSync(idat, { maxOutputLength: h * (stride + 1) });
  return { width: w, height: h, data: toRgb(unfilter(data, h, stride, CHANNELS[ct]), w, h, ct, plte?.data) };
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

// Encodes width*height*3 RGB bytes; filter "up" on every row keeps fixtures small enough.
export function encodePng({ width, height, data }) {
  const stride = width * 3;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 2;
    for (let x = 0; x < stride; x++) {
      const up = y > 0 ? data[(y - 1) * stride + x] : 0;
      raw[y * (stride + 1) + 1 + x] = (data[y * stride + x] - up) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([SIG, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))]);
}

// RGB bytes -> NHWC float32 tensor with values mapped linearly from 0..255 to [lo, hi].
export function toTensor({ data }, [lo, hi]) {
  const t = new Float32Array(data.length);
  const scale = (hi - lo) / 255;
  for (let i = 0; i < data.length; i++) t[i] = lo + data[i] * scale;
  return t;
}
