// GLSL ES 3.00 sources of the WebGL2 compositor (gl-compositor.js). Every pass draws one
// full-screen triangle (no vertex buffers: positions come from gl_VertexID) and finds its
// texel from gl_FragCoord, so no varyings are needed.
//
// Orientation: textures are uploaded with UNPACK_FLIP_Y false, so texel row 0 is the top row
// of the picture, and every intermediate render target keeps that layout (target row y is
// picture row y). Only the final pass into the canvas, whose row 0 is the bottom, flips.
//
// Grids: "full" is the frame (W×H); "low" is the frame downsampled ×F (lw×lh, rounded up;
// F = 4, or 2 for small frames, lowFactor()), where the mask is refined and the background
// blurred (wide blurs on the "half" grid, low ÷ 2). A low texel q covers full pixels
// [q·F, (q+1)·F); a full pixel centre c (in pixels) is at c / F on the low grid. The mask
// always spans the whole frame.

/** The low grid's factor for frames w pixels wide (320 texels across for 640 and 1280). */
export function lowFactor(w) { return w >= 960 ? 4 : 2; }
/** Pairs of linearly interpolated taps on each side of the blur kernel's centre. */
export const MAX_TAPS = 24;

const HEADER = `#version 300 es
precision highp float;
precision highp int;
precision highp sampler2D;
`;

export const VERTEX = `#version 300 es
void main() {
  // (0,0), (2,0), (0,2) → a triangle covering clip space [-1,1]².
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
`;

/**
 * Full → low, RGBA8: rgb the mean of the frame's F×F block (bilinear taps, each centred on a
 * 2×2 quad), a the mask at the block's centre. Packing guide and mask in one texel halves the
 * fetches of the refinement.
 */
export const DOWN = `${HEADER}
uniform sampler2D u_src;     // the frame, LINEAR
uniform sampler2D u_mask;    // the model's mask, LINEAR
uniform vec2 u_srcTexel;     // 1 / frame size
uniform vec2 u_maskUv;       // low texel centre (q + 0.5) → mask uv
uniform int u_factor;        // F: 2 or 4
out vec4 o;
void main() {
  vec2 base = floor(gl_FragCoord.xy) * float(u_factor);
  int n = u_factor / 2;
  vec3 c = vec3(0.0);
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < n; i++) {
      c += texture(u_src, (base + vec2(float(2 * i + 1), float(2 * j + 1))) * u_srcTexel).rgb;
    }
  }
  o = vec4(c / float(n * n), texture(u_mask, gl_FragCoord.xy * u_maskUv).r);
}
`;

/**
 * One direction of the joint bilateral refinement of the mask on the low grid (run along x,
 * then y): the mask (a) is averaged over 7 texels weighted by distance and by how close
 * their colour (rgb, the low frame) is to the centre's, so its edge snaps to the picture's.
 * The guide colour is passed through for the next pass.
 */
export const REFINE = `${HEADER}
uniform sampler2D u_src;     // (guide rgb, mask), texelFetch
uniform ivec2 u_dir;         // (1, 0) or (0, 1)
uniform float u_rangeK;      // 1 / (2 σr²), colours in 0..1
out vec4 o;
const float SPACE_K = 0.2222; // 1 / (2 σs²), σs = 1.5 low texels
void main() {
  ivec2 q = ivec2(gl_FragCoord.xy);
  ivec2 hi = textureSize(u_src, 0) - 1;
  vec4 c0 = texelFetch(u_src, q, 0);
  float sw = 1.0, sm = c0.a;
  for (int i = 1; i <= 3; i++) {
    float ws = exp(-float(i * i) * SPACE_K);
    vec4 a = texelFetch(u_src, clamp(q + u_dir * i, ivec2(0), hi), 0);
    vec4 b = texelFetch(u_src, clamp(q - u_dir * i, ivec2(0), hi), 0);
    vec3 da = a.rgb - c0.rgb, db = b.rgb - c0.rgb;
    float wa = ws * exp(-dot(da, da) * u_rangeK), wb = ws * exp(-dot(db, db) * u_rangeK);
    sm += wa * a.a + wb * b.a;
    sw += wa + wb;
  }
  o = vec4(c0.rgb, sm / sw);
}
`;

/**
 * Input of the normalised convolution: (rgb·w, w) with w the background weight. Texels that
 * are even partly person (m ≥ 0.3) get no weight, so the person never bleeds into the blur.
 */
export const PREMULT = `${HEADER}
uniform sampler2D u_src;     // (low frame rgb, mask)
out vec4 o;
void main() {
  vec4 c = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);
  float w = 1.0 - smoothstep(0.0, 0.3, c.a);
  o = vec4(c.rgb * w, w);
}
`;

/**
 * One direction of a separable Gaussian on the low grid. Taps come in pairs merged into one
 * bilinear fetch (offset between the two texels, weight their sum), mirrored around the centre.
 */
export const BLUR = `${HEADER}
uniform sampler2D u_src;     // LINEAR
uniform vec2 u_step;         // one texel along the direction, in uv
uniform float u_w0;          // centre weight
uniform int u_n;             // pairs used, <= MAX_TAPS
uniform vec2 u_taps[${MAX_TAPS}];   // (offset in texels, weight)
out vec4 o;
void main() {
  vec2 uv = gl_FragCoord.xy / vec2(textureSize(u_src, 0));
  vec4 s = texture(u_src, uv) * u_w0;
  for (int i = 0; i < u_n; i++) {
    vec2 d = u_step * u_taps[i].x;
    s += (texture(u_src, uv + d) + texture(u_src, uv - d)) * u_taps[i].y;
  }
  o = s;
}
`;

/**
 * Low grid, RGBA8: (B, mask), B = blur(rgb·w) / blur(w) the background near each texel. Where
 * no background is near (deep in the person, blur(w) ≈ 0) B falls back to the frame.
 */
export const RESOLVE_BLUR = `${HEADER}
uniform sampler2D u_blur;    // (blur(rgb·w), blur(w)), low or half grid, LINEAR
uniform sampler2D u_src;     // (low frame rgb, mask)
uniform vec2 u_blurUv;       // low texel centre → u_blur uv
out vec4 o;
void main() {
  vec4 b = texture(u_blur, gl_FragCoord.xy * u_blurUv);
  vec4 c = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);
  o = vec4((b.rgb + 1e-3 * c.rgb) / (b.a + 1e-3), c.a);
}
`;

/** Low → half grid: the mean of each 2×2 block (one bilinear tap), for wide blurs. */
export const HALVE = `${HEADER}
uniform sampler2D u_src;     // LINEAR
uniform vec2 u_srcTexel;     // 1 / source size
out vec4 o;
void main() {
  o = texture(u_src, 2.0 * gl_FragCoord.xy * u_srcTexel);
}
`;

/**
 * Image mode, low grid: the light wrap as (amount·soft, amount), amount = u_wrap·blur(w) (how
 * much background is near), soft = the picture from a coarse mip level.
 */
export const RESOLVE_IMAGE = `${HEADER}
uniform sampler2D u_blur;    // (blur(rgb·w), blur(w)), low or half grid, LINEAR
uniform sampler2D u_bg;      // background picture, mipmapped
uniform vec2 u_blurUv;       // low texel centre → u_blur uv
uniform vec2 u_lowSize;      // low grid size (uv = (q + 0.5) / size)
uniform vec4 u_bgXf;         // frame uv → picture uv: uv * xy + zw
uniform float u_softLod;     // mip level of the wrap colour
uniform float u_wrap;        // at most this much of the picture over the person's edge
out vec4 o;
void main() {
  float a = u_wrap * texture(u_blur, gl_FragCoord.xy * u_blurUv).a;
  vec3 soft = textureLod(u_bg, gl_FragCoord.xy / u_lowSize * u_bgXf.xy + u_bgXf.zw, u_softLod).rgb;
  o = vec4(a * soft, a);
}
`;

/**
 * The background picture cover-scaled to the frame (full grid), drawn when the picture or the
 * frame size changes, so the output pass reads one texel per pixel instead of filtering the
 * picture every frame.
 */
export const COVER = `${HEADER}
uniform sampler2D u_bg;      // the picture, mipmapped
uniform vec2 u_size;         // W, H
uniform vec4 u_bgXf;         // frame uv → picture uv: uv * xy + zw
out vec4 o;
void main() {
  o = vec4(texture(u_bg, gl_FragCoord.xy / u_size * u_bgXf.xy + u_bgXf.zw).rgb, 1.0);
}
`;

// The output passes, into the canvas (row 0 at the bottom, hence the flip of p). Variants by
// #define: MODE 0 the frame, 1 blur, 2 image; FINE_MASK: the mask comes from the model's own
// texture (already fine) rather than from the low grid; FACE: the face effects follow
// (FACE_OUTPUT, inserted before main by the compositor).
//
// The mask edge: the upsampled mask through a smoothstep, then, inside the edge band only,
// pixels whose colour is that of the background near them (B) are let go to the background.
// This removes the rim of the old background a coarse mask leaves around hair and shoulders
// (most visible over a replacement picture); a pixel that differs from B is never changed.
export const OUTPUT = `${HEADER}
uniform sampler2D u_frame;   // full, texelFetch
uniform sampler2D u_comp;    // low: blur (B, mask); image (wrap·soft, wrap)
uniform sampler2D u_comp2;   // image: low (B, mask)
uniform sampler2D u_mask;    // FINE_MASK: the model's mask
uniform sampler2D u_bg;      // image: the picture at the frame's size (COVER)
uniform vec2 u_size;         // W, H
uniform vec2 u_maskUv;       // full pixel centre → mask uv
uniform vec2 u_lowUv;        // full pixel centre → low uv
uniform vec2 u_edge;         // smoothstep bounds of the mask edge
out vec4 o;

float edgeMask(float r, vec3 f, vec3 b) {
  float m = smoothstep(u_edge.x, u_edge.y, r);
  float near = 1.0 - smoothstep(0.06, 0.2, distance(f, b));
  float band = 1.0 - smoothstep(0.6, 0.95, r);
  return m * (1.0 - near * band);
}

void main() {
  ivec2 p = ivec2(int(gl_FragCoord.x), int(u_size.y) - 1 - int(gl_FragCoord.y));
  vec3 f = texelFetch(u_frame, p, 0).rgb;
#if MODE == 0
  o = vec4(f, 1.0);
#else
  vec2 c = vec2(p) + 0.5;
  vec4 k = texture(u_comp, c * u_lowUv);
#if MODE == 2
  vec4 k2 = texture(u_comp2, c * u_lowUv);
#else
  vec4 k2 = k;
#endif
#ifdef FINE_MASK
  float m = edgeMask(texture(u_mask, c * u_maskUv).r, f, k2.rgb);
#else
  float m = edgeMask(k2.a, f, k2.rgb);
#endif
#if MODE == 1
  o = vec4(mix(k.rgb, f, m), 1.0);
#else
  vec3 bg = texelFetch(u_bg, p, 0).rgb;
  o = vec4(mix(bg, f * (1.0 - k.a) + k.rgb, m), 1.0);
#endif
#endif
#ifdef FACE
  o = vec4(faceEffects(o.rgb, vec2(p) + 0.5), 1.0);
#endif
}
`;

/**
 * The composite as the encoder's I420 frame. u_src is the canvas copied upright (row 0 the
 * top); the target is (W/4) × (3H/2) RGBA8 texels, each holding four consecutive bytes of the
 * I420 frame read as rows of W bytes (the Y plane, then U, then V, packed), so readPixels
 * returns the frame byte for byte. Y'CbCr from R'G'B' with the camera's matrix (u_k = Kr, Kb)
 * and range, chroma the mean of each 2×2 block: what the CPU back end sends, in the same colour
 * space (docs/effects.md, "Colour space of the output frames").
 */
export const PACK_I420 = `${HEADER}
uniform sampler2D u_src;     // the composite, full grid, upright, texelFetch
uniform ivec2 u_size;        // W, H: W a multiple of 8, H even
uniform vec2 u_k;            // Kr, Kb
uniform int u_full;          // 1: full range, 0: limited (16..235, 16..240)
out vec4 o;
vec3 rgb(ivec2 p) { return texelFetch(u_src, p, 0).rgb; }
void main() {
  ivec2 q = ivec2(gl_FragCoord.xy);
  int W = u_size.x, H = u_size.y;
  vec3 kw = vec3(u_k.x, 1.0 - u_k.x - u_k.y, u_k.y);
  bool full = u_full == 1;
  vec4 r;
  if (q.y < H) {
    for (int k = 0; k < 4; k++) {
      float y = dot(rgb(ivec2(4 * q.x + k, q.y)), kw);
      r[k] = full ? 255.0 * y : 16.0 + 219.0 * y;
    }
  } else {
    int cw = W / 2, n = cw * (H / 2);
    int off = (q.y - H) * W + 4 * q.x;
    bool v = off >= n;
    if (v) off -= n;
    for (int k = 0; k < 4; k++) {
      int i = off + k;
      ivec2 p = 2 * ivec2(i % cw, i / cw);
      vec3 c = 0.25 * (rgb(p) + rgb(p + ivec2(1, 0)) + rgb(p + ivec2(0, 1)) + rgb(p + ivec2(1, 1)));
      float y = dot(c, kw);
      float d = v ? (c.r - y) / (2.0 * (1.0 - u_k.x)) : (c.b - y) / (2.0 * (1.0 - u_k.y));
      r[k] = 128.0 + (full ? 255.0 : 224.0) * d;
    }
  }
  o = clamp(floor(r + 0.5), 0.0, 255.0) / 255.0;
}
`;

// ---- Face effects (docs/effects.md, "Face effects on WebGL2") ----
// The C side (fx/include/fx_face.h) tracks the faces and hands over what needs the mesh: the
// skin mask (fx_face_skin_frame), the low-light curve grid (fx_face_lowlight_grid) and the
// filter lattices (fx_face_lattice); the GPU does the per-pixel work. Touch-up is the same
// self-guided filter of the luma as fx_face_touchup, on the low grid: GF_IN → BOX (x, y) →
// GF_AB → BOX (x, y) gives (A, B) per low texel, and the output pass (FACE) blends
// q = A·Y + B into the luma through the skin mask, then applies the low-light curve.

/** Rec. 601 luma weights, as the camera frames' matrix. */
const LUMA = 'vec3(0.299, 0.587, 0.114)';

/** Full → low: (I, I²) of the luma, from F/2 × F/2 bilinear taps per block (as DOWN). */
export const GF_IN = `${HEADER}
uniform sampler2D u_src;     // the frame, LINEAR
uniform vec2 u_srcTexel;     // 1 / frame size
uniform int u_factor;        // F: 2 or 4
out vec4 o;
void main() {
  vec2 base = floor(gl_FragCoord.xy) * float(u_factor);
  int n = u_factor / 2;
  float s = 0.0, s2 = 0.0;
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < n; i++) {
      float y = dot(texture(u_src, (base + vec2(float(2 * i + 1), float(2 * j + 1))) * u_srcTexel).rgb, ${LUMA});
      s += y;
      s2 += y * y;
    }
  }
  float k = 1.0 / float(n * n);
  o = vec4(s * k, s2 * k, 0.0, 1.0);
}
`;

/** One direction of a box mean of radius u_r texels (edges clamped), rg channels. */
export const BOX = `${HEADER}
uniform sampler2D u_src;     // texelFetch
uniform ivec2 u_dir;         // (1, 0) or (0, 1)
uniform int u_r;             // 1..24
out vec4 o;
void main() {
  ivec2 q = ivec2(gl_FragCoord.xy);
  ivec2 hi = textureSize(u_src, 0) - 1;
  vec2 s = vec2(0.0);
  for (int i = -u_r; i <= u_r; i++) s += texelFetch(u_src, clamp(q + u_dir * i, ivec2(0), hi), 0).rg;
  o = vec4(s / float(2 * u_r + 1), 0.0, 1.0);
}
`;

/** (mean I, mean I²) → (a, b) of the guided filter: a = var / (var + ε), b = (1 − a)·mean. */
export const GF_AB = `${HEADER}
uniform sampler2D u_src;     // (mean I, mean I²), texelFetch
uniform float u_eps;         // ε, luma in 0..1
out vec4 o;
void main() {
  vec2 m = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0).rg;
  float v = max(0.0, m.y - m.x * m.x);
  float a = v / (v + u_eps);
  o = vec4(a, (1.0 - a) * m.x, 0.0, 1.0);
}
`;

/** The face effects' part of the output pass (#define FACE), on the composited colour c. */
export const FACE_OUTPUT = `
#ifdef FACE
uniform sampler2D u_gf;      // low: (A, B) of the guided filter
uniform sampler2D u_skin;    // full: skin mask, 1 = smooth
uniform sampler2D u_lgrid;   // cells of 16 px: (γ', k') with γ = 0.4 + 0.6 γ', k = 1 + 0.4 k'
uniform vec2 u_gfUv;         // full pixel centre → low uv
uniform vec2 u_lgUv;         // full pixel centre → grid uv: 1 / (16 · grid size)
uniform float u_touch;       // blend of the smoothed luma, 0 = touch-up off
uniform float u_light;       // 1 = low-light on
vec3 faceEffects(vec3 c, vec2 px) {
  if (u_touch > 0.0) {
    float m = texture(u_skin, px / u_size).r;
    if (m > 0.0) {
      float y = dot(c, ${LUMA});
      vec2 ab = texture(u_gf, px * u_gfUv).rg;
      c += (ab.x * y + ab.y - y) * u_touch * m;
    }
  }
  if (u_light > 0.5) {
    vec2 g = texture(u_lgrid, px * u_lgUv).rg;
    float y = dot(c, ${LUMA});
    if (y > 0.0) {
      float y2 = pow(min(y, 1.0), 0.4 + 0.6 * g.r);
      c = vec3(y2) + (1.0 + 0.4 * g.g) * (c - vec3(y));
    }
  }
  return clamp(c, 0.0, 1.0);
}
#endif
`;

/** The filter picture over the face lattice: one vertex per lattice point of a triangle. */
export const SPRITE_VERTEX = `#version 300 es
layout(location = 0) in vec4 a_pos;  // frame x, y (pixels, y down), texture u, v
uniform vec2 u_size;                 // W, H
uniform vec4 u_box;                  // the picture's texture box u0, v0, u1, v1
out vec2 v_st;
void main() {
  v_st = (a_pos.zw - u_box.xy) / (u_box.zw - u_box.xy);
  gl_Position = vec4(a_pos.x / u_size.x * 2.0 - 1.0, 1.0 - a_pos.y / u_size.y * 2.0, 0.0, 1.0);
}
`;

/** Premultiplied picture, blended ONE, ONE_MINUS_SRC_ALPHA; nothing outside its box. */
export const SPRITE = `${HEADER}
uniform sampler2D u_sprite;  // premultiplied RGBA, LINEAR
in vec2 v_st;
out vec4 o;
void main() {
  if (any(lessThan(v_st, vec2(0.0))) || any(greaterThan(v_st, vec2(1.0)))) discard;
  o = texture(u_sprite, v_st);
}
`;
