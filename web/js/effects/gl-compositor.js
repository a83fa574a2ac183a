// The WebGL2 back end of the effects compositing (the CPU one is fx/ in WebAssembly): mask
// upsampling and refinement, background blur and blend, on the GPU. Works on an
// OffscreenCanvas in a Worker or on the main thread. Per frame (1280×720 typical):
//   upload   frame → RGBA8 texture (the VideoFrame itself, no CPU copy); mask → R8 texture
//   down     low grid (÷4, ÷2 below 960 wide): frame block means, the mask packed in alpha
//   refine   joint bilateral of the mask guided by the low frame, x then y (coarse masks only)
//   premult  (rgb·w, w) with w the background weight
//   blur     separable Gaussian on the low grid (σ = 0.3·strength frame pixels, as the CPU
//            back end), or a small one for the light wrap of mode 'image'
//   resolve  low grid: (B, mask) with B = blur(rgb·w) / blur(w) the background near each
//            texel; for 'image' also the light wrap
//   output   into the canvas: m·frame + (1−m)·background, m the upsampled mask with a
//            smoothstep edge that lets go of pixels coloured like B in the edge band
//   I420     (readI420, for the encoder) the canvas copied upright, packed into I420 bytes in
//            the camera's colour space (one pass over W/4 × 3H/2 texels) and read back
// The full-resolution work is the upload and one output pass of two to four texture reads per
// pixel (what costs under a software WebGL); the picture of 'image' is drawn at the frame size
// once (cover) when it or the frame size changes. Textures and framebuffers are made once per
// frame size and mask size; nothing is allocated on the GPU per frame. Sources and grid conventions
// are in gl-shaders.js.
//
// Face effects (optional `face` argument of composite): the C tracker hands over the skin
// mask, the low-light grid and the filter lattices; here the touch-up's guided filter runs on
// the low grid (five small passes), the output pass applies touch-up and low light to the
// composited colour (the FACE variants), and the filter picture is drawn over it as textured
// triangles, alpha-blended: the background effect and the face effects in one output pass.

import * as S from './gl-shaders.js';

const MODES = { none: 0, blur: 1, image: 2 };
// Output pass variants (gl-shaders.js OUTPUT): per mode, and with a mask finer than the low
// grid (read from its own texture).
const OUTPUTS = {
  OUT_NONE: '#define MODE 0', OUT_BLUR: '#define MODE 1', OUT_BLUR_FINE: '#define MODE 1\n#define FINE_MASK',
  OUT_IMAGE: '#define MODE 2', OUT_IMAGE_FINE: '#define MODE 2\n#define FINE_MASK',
};
const WRAP_SIGMA = 6;        // light wrap reach, frame pixels
const WRAP_AMOUNT = 0.43;    // at most this much of the blurred image over the person's edge
const EDGE = [0.3, 0.7];     // mask values mapped onto 0..1 with a smoothstep
const RANGE_SIGMA = 0.1;     // colour similarity of the refinement (colours in 0..1)
// Render targets: on the low grid, and on the half grid (low ÷ 2) where wide blurs run.
const TARGETS = ['low', 'refh', 'ref', 'prem', 'tmp', 'blur', 'comp', 'comp2', 'hprem', 'htmp', 'hblur'];
const HALF_SIGMA = 2;        // blurs of σ ≥ this many low texels run on the half grid
const FACE_TARGETS = ['gfa', 'gfb', 'gfc'];
const MAX_FACES = 4;         // FX_FACE_MAX
const LATTICE = 7;           // fx_face_lattice: 7 × 7 points, u, v = −3 .. 3
const SPRITE_VERTS = 2 * 3 * (LATTICE - 1) * (LATTICE - 1);   // per face
// readI420: the canvas copied upright, and the packed I420 bytes (per frame size, on first use).
const I420_TARGETS = ['up', 'pack'];
// Kr, Kb per matrix (frame-io.js colorOf: 0 BT.601, 1 BT.709).
const MATRIX_K = [[0.299, 0.114], [0.2126, 0.0722]];

function unsupported(message) {
  const e = new Error(message);
  e.code = 'effects_unsupported';
  return e;
}

/** The pixel size of any TexImageSource (VideoFrame first: its display size). */
function sourceSize(s) {
  if (s.displayWidth !== undefined) return [s.displayWidth, s.displayHeight];
  if (s.videoWidth !== undefined) return [s.videoWidth, s.videoHeight];
  if (s.naturalWidth !== undefined) return [s.naturalWidth, s.naturalHeight];
  return [s.width, s.height];
}

/**
 * Gaussian of sigma texels as a centre weight and mirrored pairs of taps merged into one
 * bilinear fetch each: {w0, n, taps: Float32Array(2·MAX_TAPS) of (offset, weight)}.
 */
function gaussianTaps(sigma) {
  const taps = new Float32Array(2 * S.MAX_TAPS);
  const r = Math.min(Math.ceil(3 * sigma), 2 * S.MAX_TAPS);
  if (r < 1) return { w0: 1, n: 0, taps };
  const g = [];
  for (let i = 0; i <= r; i++) g.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  let sum = g[0];
  for (let i = 1; i <= r; i++) sum += 2 * g[i];
  let n = 0;
  for (let i = 1; i <= r; i += 2) {
    const a = g[i] / sum, b = i + 1 <= r ? g[i + 1] / sum : 0;
    taps[2 * n] = (i * a + (i + 1) * b) / (a + b);
    taps[2 * n + 1] = a + b;
    n++;
  }
  return { w0: g[0] / sum, n, taps };
}

export class GLCompositor {
  /** canvas: an OffscreenCanvas (or HTMLCanvasElement). Throws code 'effects_unsupported'. */
  constructor(canvas) {
    this.canvas = canvas;
    const gl = canvas.getContext('webgl2', {
      alpha: false, depth: false, stencil: false, antialias: false, premultipliedAlpha: false,
      preserveDrawingBuffer: false, powerPreference: 'high-performance',
    });
    if (!gl) throw unsupported('Background effects on the GPU need WebGL2, which this browser does not offer here.');
    if (gl.isContextLost()) throw unsupported('The WebGL2 context is lost.');
    this.gl = gl;
    this.lost = false;
    this._onLost = () => { this.lost = true; };
    canvas.addEventListener?.('webglcontextlost', this._onLost);
    // Half-float render targets keep the premultiplied blur exact near the person; without
    // them RGBA8 still works, with coarser colours right at the edge.
    this.floatTargets = Boolean(gl.getExtension('EXT_color_buffer_float') ||
      gl.getExtension('EXT_color_buffer_half_float'));
    this.maxSize = gl.getParameter(gl.MAX_TEXTURE_SIZE);
    this.vao = gl.createVertexArray();
    this.progs = {};
    for (const name of ['DOWN', 'REFINE', 'PREMULT', 'HALVE', 'BLUR', 'RESOLVE_BLUR', 'RESOLVE_IMAGE', 'COVER', 'PACK_I420']) {
      this.progs[name] = this._program(name, S[name]);
    }
    for (const [name, defs] of Object.entries(OUTPUTS)) {
      this.progs[name] = this._program(name, S.OUTPUT.replace('#version 300 es\n', `#version 300 es\n${defs}\n`));
    }
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.pixelStorei(gl.PACK_ALIGNMENT, 1);
    gl.disable(gl.BLEND);
    gl.disable(gl.DEPTH_TEST);
    this.w = 0; this.h = 0;         // frame size the targets are made for
    this.t = null;                  // per-size textures and framebuffers
    this.mask = null;               // {tex, w, h}
    this.bg = null;                 // {tex, w, h}
    this.cover = null;              // target: the picture cover-scaled to the frame size
    this.kernels = new Map();       // sigma → gaussianTaps
    this.faceReady = false;         // face programs and buffers made (on first use)
    this.skin = null;               // {tex, w, h}: the skin mask
    this.lgrid = null;              // {tex, w, h}: the low-light grid
    this.sprite = null;             // {tex, src}: the filter picture, src the object it came from
  }

  /** Whether the face effects can be drawn here (the guided filter needs float targets). */
  get faceSupported() { return this.floatTargets; }

  _program(name, fsSource, vsSource = S.VERTEX) {
    const gl = this.gl;
    const shader = (type, src) => {
      const s = gl.createShader(type);
      gl.shaderSource(s, src);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS) && !gl.isContextLost()) {
        throw unsupported(`WebGL2 shader ${name} does not compile: ${gl.getShaderInfoLog(s)}`);
      }
      return s;
    };
    const vs = shader(gl.VERTEX_SHADER, vsSource), fs = shader(gl.FRAGMENT_SHADER, fsSource);
    const p = gl.createProgram();
    gl.attachShader(p, vs);
    gl.attachShader(p, fs);
    gl.linkProgram(p);
    gl.deleteShader(vs);
    gl.deleteShader(fs);
    if (!gl.getProgramParameter(p, gl.LINK_STATUS) && !gl.isContextLost()) {
      throw unsupported(`WebGL2 program ${name} does not link: ${gl.getProgramInfoLog(p)}`);
    }
    const loc = {};
    const n = gl.getProgramParameter(p, gl.ACTIVE_UNIFORMS) || 0;
    for (let i = 0; i < n; i++) {
      const u = gl.getActiveUniform(p, i).name.replace(/\[0\]$/, '');
      loc[u] = gl.getUniformLocation(p, u);
    }
    return { p, loc };
  }

  /** An immutable w×h texture, clamped, with the given filter. */
  _texture(format, w, h, filter, levels = 1) {
    const gl = this.gl;
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texStorage2D(gl.TEXTURE_2D, levels, format, w, h);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, levels > 1 ? gl.LINEAR_MIPMAP_LINEAR : filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    return tex;
  }

  /** A render target: {tex, fb, w, h}; null when the format cannot be rendered to. */
  _target(format, w, h) {
    const gl = this.gl;
    const tex = this._texture(format, w, h, gl.LINEAR);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    const ok = gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (!ok) {
      gl.deleteFramebuffer(fb);
      gl.deleteTexture(tex);
      return null;
    }
    return { tex, fb, w, h };
  }

  _freeCover() {
    if (!this.cover) return;
    this.gl.deleteFramebuffer(this.cover.fb);
    this.gl.deleteTexture(this.cover.tex);
    this.cover = null;
  }

  _freeTargets() {
    const gl = this.gl;
    this._freeCover();
    if (!this.t) return;
    gl.deleteTexture(this.t.frame);
    for (const k of [...TARGETS, ...FACE_TARGETS, ...I420_TARGETS]) {
      if (!this.t[k]) continue;
      gl.deleteFramebuffer(this.t[k].fb);
      gl.deleteTexture(this.t[k].tex);
    }
    this.t = null;
  }

  /** Textures and framebuffers for w×h frames, remade only when the size changes. */
  _ensureSize(w, h) {
    if (this.t && w === this.w && h === this.h) return;
    if (!(w > 0 && h > 0)) throw new RangeError(`frame size ${w}x${h}`);
    if (w > this.maxSize || h > this.maxSize) {
      throw unsupported(`WebGL2 cannot composite ${w}x${h} frames (texture limit ${this.maxSize}).`);
    }
    const gl = this.gl;
    this._freeTargets();
    const L = S.lowFactor(w), lw = Math.ceil(w / L), lh = Math.ceil(h / L);
    const hw = Math.ceil(lw / 2), hh = Math.ceil(lh / 2);
    let prem = this._target(this.floatTargets ? gl.RGBA16F : gl.RGBA8, lw, lh);
    if (!prem && this.floatTargets) {
      this.floatTargets = false;
      prem = this._target(gl.RGBA8, lw, lh);
    }
    const fl = this.floatTargets ? gl.RGBA16F : gl.RGBA8;
    const t = {
      frame: this._texture(gl.RGBA8, w, h, gl.LINEAR),
      low: this._target(gl.RGBA8, lw, lh), refh: this._target(gl.RGBA8, lw, lh), ref: this._target(gl.RGBA8, lw, lh),
      prem, tmp: this._target(fl, lw, lh), blur: this._target(fl, lw, lh), comp: this._target(gl.RGBA8, lw, lh),
      comp2: this._target(gl.RGBA8, lw, lh),
      hprem: this._target(fl, hw, hh), htmp: this._target(fl, hw, hh), hblur: this._target(fl, hw, hh),
      L, lw, lh,
    };
    const bad = TARGETS.find((k) => !t[k]);
    if (bad) {
      gl.deleteTexture(t.frame);
      for (const k of TARGETS) if (t[k]) { gl.deleteFramebuffer(t[k].fb); gl.deleteTexture(t[k].tex); }
      throw unsupported(gl.isContextLost() ? 'The WebGL2 context was lost.' :
        `WebGL2 cannot render to the ${bad} target.`);
    }
    this.t = t;
    this.canvas.width = w;
    this.canvas.height = h;
    this.w = w;
    this.h = h;
  }

  _ensureMask(w, h) {
    if (this.mask && this.mask.w === w && this.mask.h === h) return;
    if (!(w > 0 && h > 0) || w > this.maxSize || h > this.maxSize) throw new RangeError(`bad mask size ${w}x${h}`);
    if (this.mask) this.gl.deleteTexture(this.mask.tex);
    this.mask = { tex: this._texture(this.gl.R8, w, h, this.gl.LINEAR), w, h };
  }

  /**
   * Background for mode 'image': an ImageBitmap (or any TexImageSource) or {data, width,
   * height} with RGBA rows packed; null clears it. Kept, mipmapped, until replaced.
   */
  setBackground(img) {
    const gl = this.gl;
    if (this.bg) gl.deleteTexture(this.bg.tex);
    this.bg = null;
    this._freeCover();
    if (!img) return;
    const raw = img.data !== undefined;
    const [w, h] = raw ? [img.width, img.height] : sourceSize(img);
    if (!(w > 0 && h > 0) || w > this.maxSize || h > this.maxSize) {
      throw new RangeError(`bad background size ${w}x${h}`);
    }
    const levels = Math.floor(Math.log2(Math.max(w, h))) + 1;
    const tex = this._texture(gl.RGBA8, w, h, gl.LINEAR, levels);
    if (raw) {
      if (img.data.length < w * h * 4) {
        throw new RangeError(`background data holds ${img.data.length} bytes, ${w}x${h} RGBA needs ${w * h * 4}`);
      }
      const px = new Uint8Array(img.data.buffer, img.data.byteOffset, w * h * 4);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
    } else {
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, gl.RGBA, gl.UNSIGNED_BYTE, img);
    }
    gl.generateMipmap(gl.TEXTURE_2D);
    this.bg = { tex, w, h };
  }

  _kernel(sigma) {
    const key = Math.round(sigma * 100);
    let k = this.kernels.get(key);
    if (!k) {
      k = gaussianTaps(key / 100);
      this.kernels.set(key, k);
    }
    return k;
  }

  /** Draws program `name` into target (null: the canvas) with textures bound in order. */
  _pass(name, target, textures, uniforms) {
    const gl = this.gl;
    const { p, loc } = this.progs[name];
    gl.useProgram(p);
    gl.bindVertexArray(this.vao);
    gl.bindFramebuffer(gl.FRAMEBUFFER, target ? target.fb : null);
    gl.viewport(0, 0, target ? target.w : this.w, target ? target.h : this.h);
    let unit = 0;
    for (const [u, tex] of Object.entries(textures)) {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, tex);
      if (loc[u]) gl.uniform1i(loc[u], unit);
      unit++;
    }
    uniforms?.(loc);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  /**
   * Gaussian of sigmaLow low texels over prem, the normalised-convolution input; returns the
   * target holding it. Wide ones run on the half grid: averaging (rgb·w, w) over 2×2 blocks
   * keeps the person out exactly, and costs a quarter of the taps.
   */
  _blur(sigmaLow) {
    const gl = this.gl, t = this.t;
    let src = t.prem, tmp = t.tmp, dst = t.blur, sigma = sigmaLow;
    if (sigmaLow >= HALF_SIGMA) {
      this._pass('HALVE', t.hprem, { u_src: t.prem.tex }, (loc) => gl.uniform2f(loc.u_srcTexel, 1 / t.lw, 1 / t.lh));
      src = t.hprem, tmp = t.htmp, dst = t.hblur, sigma = sigmaLow / 2;
    }
    const k = this._kernel(sigma);
    const set = (sx, sy) => (loc) => {
      gl.uniform2f(loc.u_step, sx, sy);
      gl.uniform1f(loc.u_w0, k.w0);
      gl.uniform1i(loc.u_n, k.n);
      gl.uniform2fv(loc.u_taps, k.taps);
    };
    this._pass('BLUR', tmp, { u_src: src.tex }, set(1 / src.w, 0));
    this._pass('BLUR', dst, { u_src: tmp.tex }, set(0, 1 / src.h));
    return dst;
  }

  /**
   * Renders the composite of frame (VideoFrame or other TexImageSource) and mask (maskW×maskH
   * bytes, person = 255) into the canvas at the frame's size. Returns {uploadMs, renderMs}:
   * the CPU time spent issuing the uploads and the draws (the GPU finishes them later; the
   * caller's readI420, readPixels or new VideoFrame(canvas) waits for it).
   */
  composite(frame, mask, maskW, maskH, mode, strength, face = null) {
    const gl = this.gl;
    if (!gl) throw new Error('GLCompositor: used after destroy()');
    if (this.lost || gl.isContextLost()) throw unsupported('The WebGL2 context was lost.');
    const m = MODES[mode];
    if (m === undefined) throw new RangeError(`unknown effect mode ${mode}`);
    const t0 = performance.now();
    const [w, h] = sourceSize(frame);
    this._ensureSize(w, h);
    const t = this.t;
    gl.bindTexture(gl.TEXTURE_2D, t.frame);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, gl.RGBA, gl.UNSIGNED_BYTE, frame);
    const effect = m !== 0 && !(m === 2 && !this.bg);   // 'image' without a picture: pass through
    if (effect) {
      if (!mask || mask.length < maskW * maskH) {
        throw new RangeError(`mask holds ${mask?.length} bytes, ${maskW}x${maskH} needs ${maskW * maskH}`);
      }
      this._ensureMask(maskW, maskH);
      gl.bindTexture(gl.TEXTURE_2D, this.mask.tex);
      const bytes = mask.length === maskW * maskH && mask instanceof Uint8Array ? mask :
        new Uint8Array(mask.buffer, mask.byteOffset, maskW * maskH);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, maskW, maskH, gl.RED, gl.UNSIGNED_BYTE, bytes);
    }
    const fx = face && (face.touch > 0 || face.light || (face.sprite && face.lattices.length)) ? face : null;
    if (fx) this._facePrep(fx);
    const t1 = performance.now();
    if (effect) this._effectPasses(m, strength);
    this._output(effect ? m : 0, fx);
    if (fx?.sprite && fx.lattices.length) this._sprites(fx);
    const t2 = performance.now();
    return { uploadMs: t1 - t0, renderMs: t2 - t1 };
  }

  _effectPasses(m, strength) {
    const gl = this.gl, t = this.t, L = t.L;
    this._pass('DOWN', t.low, { u_src: t.frame, u_mask: this.mask.tex }, (loc) => {
      gl.uniform2f(loc.u_srcTexel, 1 / this.w, 1 / this.h);
      gl.uniform2f(loc.u_maskUv, L / this.w, L / this.h);
      gl.uniform1i(loc.u_factor, L);
    });
    // A mask clearly finer than the low grid (640×360 for 1280×720 frames: the C refinement
    // made it) is used as it is; coarser ones are refined on the low grid.
    this.fine = this.mask.w >= 1.5 * t.lw;
    let src = t.low;
    if (!this.fine) {
      const set = (dx, dy) => (loc) => {
        gl.uniform2i(loc.u_dir, dx, dy);
        gl.uniform1f(loc.u_rangeK, 1 / (2 * RANGE_SIGMA * RANGE_SIGMA));
      };
      this._pass('REFINE', t.refh, { u_src: t.low.tex }, set(1, 0));
      this._pass('REFINE', t.ref, { u_src: t.refh.tex }, set(0, 1));
      src = t.ref;
    }
    this._pass('PREMULT', t.prem, { u_src: src.tex });
    const s = Math.min(100, Math.max(1, Number(strength) || 1));
    const blur = this._blur((m === 1 ? 0.3 * s : WRAP_SIGMA) / L);
    // (B, mask), B the background near each texel; in mode 'image' from the small blur.
    // A half-grid texel centre is at (q + 0.5) / 2: uv = (q + 0.5) / (2·hw).
    const bs = blur === t.blur ? 1 : 2;
    this._pass('RESOLVE_BLUR', m === 1 ? t.comp : t.comp2, { u_blur: blur.tex, u_src: src.tex },
      (loc) => gl.uniform2f(loc.u_blurUv, 1 / (bs * blur.w), 1 / (bs * blur.h)));
    if (m === 1) return;
    this._ensureCover();
    this._pass('RESOLVE_IMAGE', t.comp, { u_blur: blur.tex, u_bg: this.bg.tex }, (loc) => {
      gl.uniform2f(loc.u_lowSize, t.lw, t.lh);
      gl.uniform2f(loc.u_blurUv, 1 / (bs * blur.w), 1 / (bs * blur.h));
      gl.uniform4fv(loc.u_bgXf, this._bgXf());
      // The wrap colour: the picture at about 8 frame pixels per texel (1/scale texels each).
      gl.uniform1f(loc.u_softLod, Math.max(0, Math.log2(8 / this._bgScale())));
      gl.uniform1f(loc.u_wrap, WRAP_AMOUNT);
    });
  }

  /** The picture drawn once at the frame's size (again after a new picture or frame size). */
  _ensureCover() {
    if (this.cover) return;
    const gl = this.gl;
    this.cover = this._target(gl.RGBA8, this.w, this.h);
    if (!this.cover) throw unsupported('WebGL2 cannot render to the background target.');
    this._pass('COVER', this.cover, { u_bg: this.bg.tex }, (loc) => {
      gl.uniform2f(loc.u_size, this.w, this.h);
      gl.uniform4fv(loc.u_bgXf, this._bgXf());
    });
  }

  /** Frame uv → picture uv for a cover fit (scaled by the larger ratio, centred, cropped). */
  _bgScale() { return Math.max(this.w / this.bg.w, this.h / this.bg.h); }
  _bgXf() {
    const sc = this._bgScale();
    const kx = this.w / (sc * this.bg.w), ky = this.h / (sc * this.bg.h);
    return [kx, ky, (1 - kx) / 2, (1 - ky) / 2];
  }

  _output(m, fx = null) {
    const gl = this.gl, t = this.t, L = t.L;
    const fine = this.fine ? '_FINE' : '';
    const name = (m === 0 ? 'OUT_NONE' : m === 1 ? `OUT_BLUR${fine}` : `OUT_IMAGE${fine}`) + (fx ? '_FACE' : '');
    const tex = { u_frame: t.frame };
    if (m !== 0) tex.u_comp = t.comp.tex;
    if (m === 2) tex.u_comp2 = t.comp2.tex;
    if (m !== 0 && this.fine) tex.u_mask = this.mask.tex;
    if (m === 2) tex.u_bg = this.cover.tex;
    const touch = fx && fx.touch > 0 && fx.skin;
    if (touch) { tex.u_gf = t.gfc.tex; tex.u_skin = this.skin.tex; }
    if (fx?.light) tex.u_lgrid = this.lgrid.tex;
    this._pass(name, null, tex, (loc) => {
      gl.uniform2f(loc.u_size, this.w, this.h);
      if (fx) {
        const s = touch ? Math.min(100, fx.touch) / 100 : 0;
        gl.uniform1f(loc.u_touch, touch ? 0.35 + 0.65 * s : 0);
        gl.uniform1f(loc.u_light, fx.light ? 1 : 0);
        gl.uniform2f(loc.u_gfUv, 1 / (L * t.lw), 1 / (L * t.lh));
        if (fx.light) gl.uniform2f(loc.u_lgUv, 1 / (16 * fx.light.gw), 1 / (16 * fx.light.gh));
      }
      if (m === 0) return;
      gl.uniform2f(loc.u_lowUv, 1 / (L * t.lw), 1 / (L * t.lh));
      if (this.fine) gl.uniform2f(loc.u_maskUv, 1 / this.w, 1 / this.h);
      gl.uniform2f(loc.u_edge, EDGE[0], EDGE[1]);
    });
  }

  /** Face programs, the low-grid targets of the guided filter and the lattice buffer (once). */
  _ensureFace() {
    const gl = this.gl, t = this.t;
    if (!this.faceReady) {
      if (!this.floatTargets) throw unsupported('Face effects on WebGL2 need float render targets.');
      for (const name of ['GF_IN', 'BOX', 'GF_AB']) this.progs[name] = this._program(name, S[name]);
      this.progs.SPRITE = this._program('SPRITE', S.SPRITE, S.SPRITE_VERTEX);
      for (const [name, defs] of Object.entries(OUTPUTS)) {
        const src = S.OUTPUT.replace('#version 300 es\n', `#version 300 es\n${defs}\n#define FACE\n`)
          .replace('\nvoid main() {', `${S.FACE_OUTPUT}\nvoid main() {`);
        this.progs[`${name}_FACE`] = this._program(`${name}_FACE`, src);
      }
      this.verts = new Float32Array(MAX_FACES * SPRITE_VERTS * 4);
      this.spriteVao = gl.createVertexArray();
      this.spriteBuf = gl.createBuffer();
      gl.bindVertexArray(this.spriteVao);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.spriteBuf);
      gl.bufferData(gl.ARRAY_BUFFER, this.verts.byteLength, gl.DYNAMIC_DRAW);
      gl.enableVertexAttribArray(0);
      gl.vertexAttribPointer(0, 4, gl.FLOAT, false, 16, 0);
      gl.bindVertexArray(this.vao);
      this.faceReady = true;
    }
    if (!t.gfa) {
      for (const k of FACE_TARGETS) {
        t[k] = this._target(gl.RGBA16F, t.lw, t.lh);
        if (!t[k]) throw unsupported('WebGL2 cannot render to the face targets.');
      }
    }
  }

  /** An R8 / RG8 texture of w×h kept in this[key] (remade on a size change), filled with data. */
  _upload(key, format, w, h, data) {
    const gl = this.gl;
    let o = this[key];
    if (!o || o.w !== w || o.h !== h) {
      if (o) gl.deleteTexture(o.tex);
      o = this[key] = { tex: this._texture(format, w, h, gl.LINEAR), w, h };
    }
    gl.bindTexture(gl.TEXTURE_2D, o.tex);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, format === gl.R8 ? gl.RED : gl.RG, gl.UNSIGNED_BYTE, data);
  }

  /** Uploads the face data and runs the touch-up's guided filter: (A, B) ends in t.gfc. */
  _facePrep(fx) {
    const gl = this.gl, t = this.t, L = t.L;
    this._ensureFace();
    if (fx.light) this._upload('lgrid', gl.RG8, fx.light.gw, fx.light.gh, fx.light.data);
    if (fx.sprite && this.sprite?.src !== fx.sprite) this._setSprite(fx.sprite);
    if (!(fx.touch > 0 && fx.skin)) return;
    this._upload('skin', gl.R8, fx.skin.w, fx.skin.h, fx.skin.data);
    this._pass('GF_IN', t.gfa, { u_src: t.frame }, (loc) => {
      gl.uniform2f(loc.u_srcTexel, 1 / this.w, 1 / this.h);
      gl.uniform1i(loc.u_factor, L);
    });
    const r = Math.max(1, Math.min(24, Math.round(fx.radius / L)));
    const box = (src) => {
      this._pass('BOX', t.gfb, { u_src: src.tex }, (loc) => { gl.uniform2i(loc.u_dir, 1, 0); gl.uniform1i(loc.u_r, r); });
      this._pass('BOX', t.gfc, { u_src: t.gfb.tex }, (loc) => { gl.uniform2i(loc.u_dir, 0, 1); gl.uniform1i(loc.u_r, r); });
    };
    box(t.gfa);
    // ε of fx_face_touchup, (4 + 20 s)² in 0..255 luma levels.
    const e = (4 + 20 * Math.min(100, fx.touch) / 100) / 255;
    this._pass('GF_AB', t.gfa, { u_src: t.gfc.tex }, (loc) => gl.uniform1f(loc.u_eps, e * e));
    box(t.gfa);
  }

  /** The filter picture {rgba, w, h, box}: premultiplied once into a texture. */
  _setSprite(s) {
    const gl = this.gl;
    if (this.sprite) gl.deleteTexture(this.sprite.tex);
    const px = new Uint8Array(s.w * s.h * 4);
    for (let i = 0; i < px.length; i += 4) {
      const a = s.rgba[i + 3];
      px[i] = (s.rgba[i] * a + 127) / 255; px[i + 1] = (s.rgba[i + 1] * a + 127) / 255;
      px[i + 2] = (s.rgba[i + 2] * a + 127) / 255; px[i + 3] = a;
    }
    const tex = this._texture(gl.RGBA8, s.w, s.h, gl.LINEAR);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, s.w, s.h, gl.RGBA, gl.UNSIGNED_BYTE, px);
    this.sprite = { tex, src: s };
  }

  /** The filter over each face's lattice (two triangles per cell, as fx_face_overlay). */
  _sprites(fx) {
    const gl = this.gl, v = this.verts, N = LATTICE;
    let n = 0;
    for (const lat of fx.lattices.slice(0, MAX_FACES)) {
      const put = (r, c) => {
        v[n++] = lat[2 * (N * r + c)]; v[n++] = lat[2 * (N * r + c) + 1]; v[n++] = c - 3; v[n++] = r - 3;
      };
      for (let r = 0; r < N - 1; r++) {
        for (let c = 0; c < N - 1; c++) {
          put(r, c); put(r, c + 1); put(r + 1, c + 1);
          put(r, c); put(r + 1, c + 1); put(r + 1, c);
        }
      }
    }
    const { p, loc } = this.progs.SPRITE;
    gl.useProgram(p);
    gl.bindVertexArray(this.spriteVao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.spriteBuf);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, v, 0, n);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, this.w, this.h);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.sprite.tex);
    gl.uniform1i(loc.u_sprite, 0);
    gl.uniform2f(loc.u_size, this.w, this.h);
    gl.uniform4fv(loc.u_box, fx.sprite.box);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.drawArrays(gl.TRIANGLES, 0, n / 4);
    gl.disable(gl.BLEND);
    gl.bindVertexArray(this.vao);
  }

  /**
   * The canvas as RGBA rows, top row first: {width, height, data}. Call it before the canvas
   * is presented or snapshotted (same task as composite): the drawing buffer is not kept.
   */
  readPixels() {
    const gl = this.gl, w = this.w, h = this.h;
    const buf = new Uint8Array(w * h * 4), data = new Uint8Array(w * h * 4);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, buf);
    const row = w * 4;
    for (let y = 0; y < h; y++) data.set(buf.subarray((h - 1 - y) * row, (h - y) * row), y * row);
    return { width: w, height: h, data };
  }

  /**
   * The canvas (the last composite) as an I420 frame, w×h luma then the two quarter-size chroma
   * planes, packed: a Uint8Array reused by the next call, in the colour space of `matrix` (0
   * BT.601, 1 BT.709) and `fullRange`. Null when the frame's width is not a multiple of 8 or
   * its height is odd (then the caller sends the canvas). Call it in the task of composite.
   */
  readI420(matrix = 0, fullRange = false) {
    const gl = this.gl, t = this.t, w = this.w, h = this.h;
    if (!t || w % 8 || h % 2) return null;
    if (!t.up) {
      t.up = this._target(gl.RGBA8, w, h);
      t.pack = this._target(gl.RGBA8, w / 4, (3 * h) / 2);
      if (!t.up || !t.pack) throw unsupported('WebGL2 cannot render to the I420 targets.');
      this.i420 = new Uint8Array((w * h * 3) / 2);
    }
    // The canvas's row 0 is its bottom: the copy flips it upright.
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, t.up.fb);
    gl.blitFramebuffer(0, 0, w, h, 0, h, w, 0, gl.COLOR_BUFFER_BIT, gl.NEAREST);
    const [kr, kb] = MATRIX_K[matrix] ?? MATRIX_K[0];
    this._pass('PACK_I420', t.pack, { u_src: t.up.tex }, (loc) => {
      gl.uniform2i(loc.u_size, w, h);
      gl.uniform2f(loc.u_k, kr, kb);
      gl.uniform1i(loc.u_full, fullRange ? 1 : 0);
    });
    gl.readPixels(0, 0, t.pack.w, t.pack.h, gl.RGBA, gl.UNSIGNED_BYTE, this.i420);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return this.i420;
  }

  /** Frees every GL object; the canvas keeps its (now idle) context. */
  destroy() {
    const gl = this.gl;
    if (!gl) return;
    this.canvas.removeEventListener?.('webglcontextlost', this._onLost);
    this._freeTargets();
    if (this.mask) gl.deleteTexture(this.mask.tex);
    if (this.bg) gl.deleteTexture(this.bg.tex);
    for (const o of [this.skin, this.lgrid, this.sprite]) if (o) gl.deleteTexture(o.tex);
    if (this.faceReady) { gl.deleteBuffer(this.spriteBuf); gl.deleteVertexArray(this.spriteVao); }
    this.skin = this.lgrid = this.sprite = null;
    for (const { p } of Object.values(this.progs)) gl.deleteProgram(p);
    gl.deleteVertexArray(this.vao);
    this.mask = this.bg = null;
    this.gl = null;
  }
}
