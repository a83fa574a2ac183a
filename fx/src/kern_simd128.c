/* The WebAssembly SIMD128 kernels of fx (built only into wasm, with -msimd128; the native
 * library skips *_simd128.c). Each computes exactly what its scalar reference in
 * kern_scalar.c computes: the integer kernels in 8/16/32-bit lanes whose ranges are stated
 * beside them, the float kernels with the same IEEE operations in the same order, so the
 * wasm test (fx/tests/wasm_kernels.c) holds them to bit equality. Tails narrower than a
 * vector go to the scalar code. */
#include <wasm_simd128.h>

#include "fx_internal.h"

typedef v128_t V;

#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store((p), (v))
#define U16X8(p) wasm_u16x8_load8x8(p) /* 8 bytes → u16x8 */
#define ST64(p, v) wasm_v128_store64_lane((p), (v), 0)

static inline V lo16(V v) {
  return wasm_u16x8_extend_low_u8x16(v);
}
static inline V hi16(V v) {
  return wasm_u16x8_extend_high_u8x16(v);
}
static inline V narrow8(V a, V b) {
  return wasm_u8x16_narrow_i16x8(a, b);
}

/* ---- resampling ---- */

static void down2(const uint8_t *src, int sw, int sh, uint8_t *dst) {
  int dw = (sw + 1) / 2;
  V two = wasm_i16x8_splat(2);
  for (int y = 0; y < (sh + 1) / 2; y++) {
    const uint8_t *r0 = src + (size_t)(2 * y) * sw;
    const uint8_t *r1 = src + (size_t)(2 * y + 1 < sh ? 2 * y + 1 : sh - 1) * sw;
    uint8_t *d = dst + (size_t)y * dw;
    int x = 0;
    for (; 2 * x + 32 <= sw; x += 16) { /* sums ≤ 1020 + 2 in u16 */
      V a = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(LD(r0 + 2 * x)),
                           wasm_u16x8_extadd_pairwise_u8x16(LD(r1 + 2 * x)));
      V b = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(LD(r0 + 2 * x + 16)),
                           wasm_u16x8_extadd_pairwise_u8x16(LD(r1 + 2 * x + 16)));
      a = wasm_u16x8_shr(wasm_i16x8_add(a, two), 2);
      b = wasm_u16x8_shr(wasm_i16x8_add(b, two), 2);
      ST(d + x, narrow8(a, b));
    }
    fx__down2_rows(src, sw, sh, dst, x, y);
  }
}

static void up_h_u8(const uint8_t *src, int n, int f, uint8_t *dst) {
  if ((f != 2 && f != 4) || n < 10) {
    fx__up_h_u8_range(src, n, f, dst, 0, n);
    return;
  }
  fx__up_h_u8_range(src, n, f, dst, 0, 1);
  int i = 1;
  if (f == 2) {
    V two = wasm_i16x8_splat(2);
    for (; i + 9 <= n; i += 8) { /* 3·255 + 255 + 2 in u16 */
      V p = U16X8(src + i - 1), c = U16X8(src + i), q = U16X8(src + i + 1);
      V c3 = wasm_i16x8_add(wasm_i16x8_shl(c, 1), c);
      V e = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(p, c3), two), 2);
      V o = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(q, c3), two), 2);
      V l = wasm_i16x8_shuffle(e, o, 0, 8, 1, 9, 2, 10, 3, 11);
      V h = wasm_i16x8_shuffle(e, o, 4, 12, 5, 13, 6, 14, 7, 15);
      ST(dst + 2 * i, narrow8(l, h));
    }
  } else {
    V four = wasm_i16x8_splat(4), k3 = wasm_i16x8_splat(3), k5 = wasm_i16x8_splat(5),
      k7 = wasm_i16x8_splat(7);
    for (; i + 9 <= n; i += 8) { /* 8·255 + 4 in u16 */
      V p = U16X8(src + i - 1), c = U16X8(src + i), q = U16X8(src + i + 1);
      V c5 = wasm_i16x8_mul(c, k5), c7 = wasm_i16x8_mul(c, k7);
      V o0 = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(p, k3), c5), four), 3);
      V o1 = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(p, c7), four), 3);
      V o2 = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(q, c7), four), 3);
      V o3 = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(q, k3), c5), four), 3);
      V t01l = wasm_i16x8_shuffle(o0, o1, 0, 8, 1, 9, 2, 10, 3, 11);
      V t01h = wasm_i16x8_shuffle(o0, o1, 4, 12, 5, 13, 6, 14, 7, 15);
      V t23l = wasm_i16x8_shuffle(o2, o3, 0, 8, 1, 9, 2, 10, 3, 11);
      V t23h = wasm_i16x8_shuffle(o2, o3, 4, 12, 5, 13, 6, 14, 7, 15);
      V q0 = wasm_i32x4_shuffle(t01l, t23l, 0, 4, 1, 5),
        q1 = wasm_i32x4_shuffle(t01l, t23l, 2, 6, 3, 7);
      V q2 = wasm_i32x4_shuffle(t01h, t23h, 0, 4, 1, 5),
        q3 = wasm_i32x4_shuffle(t01h, t23h, 2, 6, 3, 7);
      ST(dst + 4 * i, narrow8(q0, q1));
      ST(dst + 4 * i + 16, narrow8(q2, q3));
    }
  }
  fx__up_h_u8_range(src, n, f, dst, i, n);
}

static void up_h_i32(const int32_t *src, int n, int f, int32_t *dst) {
  if ((f != 2 && f != 4) || n < 6) {
    fx__up_h_i32_range(src, n, f, dst, 0, n);
    return;
  }
  fx__up_h_i32_range(src, n, f, dst, 0, 1);
  int i = 1;
  if (f == 2) {
    for (; i + 5 <= n; i += 4) {
      V p = LD(src + i - 1), c = LD(src + i), q = LD(src + i + 1);
      V c3 = wasm_i32x4_add(wasm_i32x4_shl(c, 1), c);
      V e = wasm_i32x4_add(p, c3), o = wasm_i32x4_add(q, c3);
      ST(dst + 2 * i, wasm_i32x4_shuffle(e, o, 0, 4, 1, 5));
      ST(dst + 2 * i + 4, wasm_i32x4_shuffle(e, o, 2, 6, 3, 7));
    }
  } else {
    V k3 = wasm_i32x4_splat(3), k5 = wasm_i32x4_splat(5), k7 = wasm_i32x4_splat(7);
    for (; i + 5 <= n; i += 4) {
      V p = LD(src + i - 1), c = LD(src + i), q = LD(src + i + 1);
      V c5 = wasm_i32x4_mul(c, k5), c7 = wasm_i32x4_mul(c, k7);
      V o0 = wasm_i32x4_add(wasm_i32x4_mul(p, k3), c5), o1 = wasm_i32x4_add(p, c7);
      V o2 = wasm_i32x4_add(c7, q), o3 = wasm_i32x4_add(c5, wasm_i32x4_mul(q, k3));
      V t0 = wasm_i32x4_shuffle(o0, o1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(o2, o3, 0, 4, 1, 5);
      V t2 = wasm_i32x4_shuffle(o0, o1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(o2, o3, 2, 6, 3, 7);
      ST(dst + 4 * i, wasm_i64x2_shuffle(t0, t1, 0, 2));
      ST(dst + 4 * i + 4, wasm_i64x2_shuffle(t0, t1, 1, 3));
      ST(dst + 4 * i + 8, wasm_i64x2_shuffle(t2, t3, 0, 2));
      ST(dst + 4 * i + 12, wasm_i64x2_shuffle(t2, t3, 1, 3));
    }
  }
  fx__up_h_i32_range(src, n, f, dst, i, n);
}

/* clang 16 turns a vector shift by a run-time count into one scalar shift per lane, so the
 * kernels whose shift varies are specialised on the counts fx uses (inlined with constants). */
#define INLINE static inline __attribute__((always_inline))

INLINE int lerp_body(const uint8_t *a, const uint8_t *b, int wa, int wb, int sh, uint8_t *dst,
                     int n) {
  V va = wasm_i16x8_splat((int16_t)wa), vb = wasm_i16x8_splat((int16_t)wb);
  V half = wasm_i16x8_splat((int16_t)(1 << (sh - 1)));
  int i = 0;
  for (; i + 16 <= n; i += 16) { /* 255·2^sh + half, sh ≤ 4: u16 */
    V x = LD(a + i), y = LD(b + i);
    V l = wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(lo16(x), va), wasm_i16x8_mul(lo16(y), vb)),
                         half);
    V h = wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(hi16(x), va), wasm_i16x8_mul(hi16(y), vb)),
                         half);
    ST(dst + i, narrow8(wasm_u16x8_shr(l, sh), wasm_u16x8_shr(h, sh)));
  }
  return i;
}

static void lerp_u8(const uint8_t *a, const uint8_t *b, int wa, int wb, int sh, uint8_t *dst,
                    int n) {
  int i = sh == 2   ? lerp_body(a, b, wa, wb, 2, dst, n)
          : sh == 3 ? lerp_body(a, b, wa, wb, 3, dst, n)
          : sh == 4 ? lerp_body(a, b, wa, wb, 4, dst, n)
                    : 0;
  if (i < n) fx__kern_scalar.lerp_u8(a + i, b + i, wa, wb, sh, dst + i, n - i);
}

static void vlerp16(const uint16_t *a, const uint16_t *b, int wa, int wb, uint8_t *dst, int n) {
  V va = wasm_i16x8_splat((int16_t)wa), vb = wasm_i16x8_splat((int16_t)wb);
  V half = wasm_i32x4_splat(32768);
  int i = 0;
  for (; i + 8 <= n; i += 8) { /* 65280·256 < 2^32 */
    V x = LD(a + i), y = LD(b + i);
    V l = wasm_i32x4_add(
        wasm_i32x4_add(wasm_u32x4_extmul_low_u16x8(x, va), wasm_u32x4_extmul_low_u16x8(y, vb)),
        half);
    V h = wasm_i32x4_add(
        wasm_i32x4_add(wasm_u32x4_extmul_high_u16x8(x, va), wasm_u32x4_extmul_high_u16x8(y, vb)),
        half);
    V s16 = wasm_u16x8_narrow_i32x4(wasm_u32x4_shr(l, 16), wasm_u32x4_shr(h, 16));
    ST64(dst + i, narrow8(s16, s16));
  }
  if (i < n) fx__kern_scalar.vlerp16(a + i, b + i, wa, wb, dst + i, n - i);
}

static void vacc(uint16_t *acc, const uint8_t *row, int wgt, int first, int n) {
  V w = wasm_i16x8_splat((int16_t)wgt);
  int i = 0;
  for (; i + 16 <= n; i += 16) { /* Σ weights = 256: ≤ 65280 */
    V r = LD(row + i);
    V l = wasm_i16x8_mul(lo16(r), w), h = wasm_i16x8_mul(hi16(r), w);
    if (!first) {
      l = wasm_i16x8_add(l, LD(acc + i));
      h = wasm_i16x8_add(h, LD(acc + i + 8));
    }
    ST(acc + i, l);
    ST(acc + i + 8, h);
  }
  for (; i < n; i++) acc[i] = (uint16_t)((first ? 0 : acc[i]) + row[i] * wgt);
}

static void yuv_rgbf(const uint32_t *y, const uint32_t *u, const uint32_t *v, int n, const float *k,
                     float *dst) {
  V s = wasm_f32x4_splat(1.0f / 65536.0f), c128 = wasm_f32x4_splat(128.0f);
  V yo = wasm_f32x4_splat(k[FX__K_YO]), ys = wasm_f32x4_splat(k[FX__K_YS]);
  V crr = wasm_f32x4_splat(k[FX__K_CRR]), cbg = wasm_f32x4_splat(k[FX__K_CBG]);
  V crg = wasm_f32x4_splat(k[FX__K_CRG]), cbb = wasm_f32x4_splat(k[FX__K_CBB]);
  V lo = wasm_f32x4_splat(k[FX__K_LO]), sc = wasm_f32x4_splat(k[FX__K_SC]);
  V z = wasm_f32x4_splat(0.0f), top = wasm_f32x4_splat(255.0f);
#define CL(x) wasm_f32x4_add(lo, wasm_f32x4_mul(wasm_f32x4_pmin(wasm_f32x4_pmax((x), z), top), sc))
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    V Y = wasm_f32x4_mul(wasm_f32x4_convert_u32x4(LD(y + i)), s);
    V cb = wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_convert_u32x4(LD(u + i)), s), c128);
    V cr = wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_convert_u32x4(LD(v + i)), s), c128);
    V yv = wasm_f32x4_mul(wasm_f32x4_sub(Y, yo), ys);
    V r = CL(wasm_f32x4_add(yv, wasm_f32x4_mul(crr, cr)));
    V g = CL(wasm_f32x4_sub(wasm_f32x4_sub(yv, wasm_f32x4_mul(cbg, cb)), wasm_f32x4_mul(crg, cr)));
    V b = CL(wasm_f32x4_add(yv, wasm_f32x4_mul(cbb, cb)));
    /* r0 g0 b0 r1 | g1 b1 r2 g2 | b2 r3 g3 b3 */
    V t0 = wasm_i32x4_shuffle(r, g, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(g, b, 1, 5, 2, 6);
    V t2 = wasm_i32x4_shuffle(r, g, 3, 7, 3, 7);
    float *d = dst + 3 * i;
    ST(d, wasm_i32x4_shuffle(t0, b, 0, 1, 4, 2));
    ST(d + 4, wasm_i32x4_shuffle(t1, r, 0, 1, 6, 2));
    ST(d + 8, wasm_i32x4_shuffle(b, t2, 2, 4, 5, 3));
  }
#undef CL
  if (i < n) fx__kern_scalar.yuv_rgbf(y + i, u + i, v + i, n - i, k, dst + 3 * i);
}

/* ---- guided filter ---- */

static void guided_fields(const uint8_t *I, const uint8_t *p, int n, int32_t *f0, int32_t *f1,
                          int32_t *f2, int32_t *f3) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    V a = U16X8(I + i), b = U16X8(p + i);
    ST(f0 + i, wasm_u32x4_extend_low_u16x8(a));
    ST(f0 + i + 4, wasm_u32x4_extend_high_u16x8(a));
    ST(f1 + i, wasm_u32x4_extend_low_u16x8(b));
    ST(f1 + i + 4, wasm_u32x4_extend_high_u16x8(b));
    ST(f2 + i, wasm_u32x4_extmul_low_u16x8(a, a));
    ST(f2 + i + 4, wasm_u32x4_extmul_high_u16x8(a, a));
    ST(f3 + i, wasm_u32x4_extmul_low_u16x8(a, b));
    ST(f3 + i + 4, wasm_u32x4_extmul_high_u16x8(a, b));
  }
  if (i < n) fx__kern_scalar.guided_fields(I + i, p + i, n - i, f0 + i, f1 + i, f2 + i, f3 + i);
}

INLINE void box_v_body(const int32_t *src, int32_t *dst, int32_t *col, int w, int h, int r, int inv,
                       int sh) {
  int w4 = w & ~3;
  for (int x = 0; x < w; x++) col[x] = 0;
  for (int j = -r; j <= r; j++) {
    const int32_t *row = src + (size_t)fx__fold(j, h) * w;
    int x = 0;
    for (; x < w4; x += 4) ST(col + x, wasm_i32x4_add(LD(col + x), LD(row + x)));
    for (; x < w; x++) col[x] += row[x];
  }
  V vinv = wasm_i32x4_splat(inv), half = wasm_i32x4_splat(sh ? 1 << (sh - 1) : 0);
  for (int y = 0; y < h; y++) {
    int32_t *d = dst + (size_t)y * w;
    const int32_t *add = src + (size_t)fx__fold(y + r + 1, h) * w;
    const int32_t *sub = src + (size_t)fx__fold(y - r, h) * w;
    int last = y + 1 == h, x = 0;
    /* sum·inv < 2^31 for the blur's normalised planes (sum ≤ 65535·(2r+1), inv ≈ 2^14/(2r+1)). */
    for (; x < w4; x += 4) {
      V cv = LD(col + x);
      ST(d + x, sh ? wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_mul(cv, vinv), half), sh) : cv);
      if (!last) ST(col + x, wasm_i32x4_sub(wasm_i32x4_add(cv, LD(add + x)), LD(sub + x)));
    }
    for (; x < w; x++) {
      d[x] = sh ? (int32_t)(((int64_t)col[x] * inv + (1 << (sh - 1))) >> sh) : col[x];
      if (!last) col[x] += add[x] - sub[x];
    }
  }
}

static void box_v(const int32_t *src, int32_t *dst, int32_t *col, int w, int h, int r, int inv,
                  int sh) {
  if (sh == 0)
    box_v_body(src, dst, col, w, h, r, inv, 0);
  else if (sh == 14)
    box_v_body(src, dst, col, w, h, r, inv, 14);
  else
    fx__kern_scalar.box_v(src, dst, col, w, h, r, inv, sh);
}

static void transpose(const int32_t *src, int w, int h, int32_t *dst) {
  int y = 0;
  for (; y + 4 <= h; y += 4) {
    int x = 0;
    for (; x + 4 <= w; x += 4) {
      const int32_t *s = src + (size_t)y * w + x;
      V a = LD(s), b = LD(s + w), c = LD(s + 2 * w), d = LD(s + 3 * w);
      V t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
      V t2 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
      int32_t *o = dst + (size_t)x * h + y;
      ST(o, wasm_i64x2_shuffle(t0, t1, 0, 2));
      ST(o + h, wasm_i64x2_shuffle(t0, t1, 1, 3));
      ST(o + 2 * h, wasm_i64x2_shuffle(t2, t3, 0, 2));
      ST(o + 3 * h, wasm_i64x2_shuffle(t2, t3, 1, 3));
    }
    for (; x < w; x++)
      for (int j = 0; j < 4; j++) dst[(size_t)x * h + y + j] = src[(size_t)(y + j) * w + x];
  }
  for (; y < h; y++)
    for (int x = 0; x < w; x++) dst[(size_t)x * h + y] = src[(size_t)y * w + x];
}

static void guided_ab(const int32_t *s0, const int32_t *s1, const int32_t *s2, const int32_t *s3,
                      int n, int N, float eps_n2, int32_t *A, int32_t *B) {
  V vn = wasm_i32x4_splat(N), eps = wasm_f32x4_splat(eps_n2),
    inv = wasm_f32x4_splat(1.0f / (float)N);
  V amax = wasm_f32x4_splat(FX__GUIDED_AMAX), amin = wasm_f32x4_splat(-FX__GUIDED_AMAX);
  V q10 = wasm_f32x4_splat(1024.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    V a0 = LD(s0 + i), a1 = LD(s1 + i);
    V var = wasm_i32x4_sub(wasm_i32x4_mul(vn, LD(s2 + i)), wasm_i32x4_mul(a0, a0));
    V cov = wasm_i32x4_sub(wasm_i32x4_mul(vn, LD(s3 + i)), wasm_i32x4_mul(a0, a1));
    V a = wasm_f32x4_div(wasm_f32x4_convert_i32x4(cov),
                         wasm_f32x4_add(wasm_f32x4_convert_i32x4(var), eps));
    a = wasm_f32x4_pmin(wasm_f32x4_pmax(a, amin), amax);
    V b = wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_convert_i32x4(a1),
                                        wasm_f32x4_mul(a, wasm_f32x4_convert_i32x4(a0))),
                         inv);
    ST(A + i, wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(a, q10))));
    ST(B + i, wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(b, q10))));
  }
  if (i < n)
    fx__kern_scalar.guided_ab(s0 + i, s1 + i, s2 + i, s3 + i, n - i, N, eps_n2, A + i, B + i);
}

static void scale_i32(int32_t *x, int n, float s) {
  V vs = wasm_f32x4_splat(s);
  int i = 0;
  for (; i + 4 <= n; i += 4)
    ST(x + i, wasm_i32x4_trunc_sat_f32x4(
                  wasm_f32x4_nearest(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(LD(x + i)), vs))));
  if (i < n) fx__kern_scalar.scale_i32(x + i, n - i, s);
}

INLINE int guided_q_body(const uint8_t *I, const int32_t *a0, const int32_t *a1, const int32_t *b0,
                         const int32_t *b1, int wa, int wb, int sh, uint8_t *dst, int n) {
  V va = wasm_i32x4_splat(wa), vb = wasm_i32x4_splat(wb), half = wasm_i32x4_splat(1 << (sh - 1));
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    V g = U16X8(I + i), q[2];
    for (int h = 0; h < 2; h++) {
      V gi = h ? wasm_u32x4_extend_high_u16x8(g) : wasm_u32x4_extend_low_u16x8(g);
      int o = i + 4 * h;
      V A = wasm_i32x4_add(wasm_i32x4_mul(LD(a0 + o), va), wasm_i32x4_mul(LD(a1 + o), vb));
      V B = wasm_i32x4_add(wasm_i32x4_mul(LD(b0 + o), va), wasm_i32x4_mul(LD(b1 + o), vb));
      q[h] = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(A, gi), B), half), sh);
    }
    V s16 = wasm_i16x8_narrow_i32x4(q[0], q[1]); /* saturating: the clamp to 0..255 */
    ST64(dst + i, narrow8(s16, s16));
  }
  return i;
}

static void guided_q(const uint8_t *I, const int32_t *a0, const int32_t *a1, const int32_t *b0,
                     const int32_t *b1, int wa, int wb, int sh, uint8_t *dst, int n) {
  int i = sh == 14   ? guided_q_body(I, a0, a1, b0, b1, wa, wb, 14, dst, n)
          : sh == 16 ? guided_q_body(I, a0, a1, b0, b1, wa, wb, 16, dst, n)
                     : 0;
  if (i < n)
    fx__kern_scalar.guided_q(I + i, a0 + i, a1 + i, b0 + i, b1 + i, wa, wb, sh, dst + i, n - i);
}

/* ---- blur ---- */

/* Adds the pairs of u32 lanes of (a, b): [a0+a1, a2+a3, b0+b1, b2+b3]. */
static inline V hadd32(V a, V b) {
  return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
}

static void prem_y(const uint8_t *y, int w, int h, const uint8_t *m, int32_t *num, int32_t *den) {
  int hw = w / 2, gw = (w + 3) / 4;
  V k256 = wasm_i16x8_splat(256);
  for (int gy = 0; gy < (h + 3) / 4; gy++) {
    int gx = 0;
    if (4 * gy + 4 <= h)
      for (; 4 * gx + 16 <= w; gx += 4) { /* 4 cells = 16 luma columns, 8 half pixels */
        const uint8_t *r = y + (size_t)(4 * gy) * w + 4 * gx;
        V h0 = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(LD(r)),
                              wasm_u16x8_extadd_pairwise_u8x16(LD(r + w)));
        V h1 = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(LD(r + 2 * w)),
                              wasm_u16x8_extadd_pairwise_u8x16(LD(r + 3 * w)));
        const uint8_t *mr = m + (size_t)(2 * gy) * hw + 2 * gx;
        V w0 = wasm_i16x8_sub(k256, U16X8(mr)), w1 = wasm_i16x8_sub(k256, U16X8(mr + hw));
        /* 2×2 sums ≤ 1020 times weights ≤ 256: u32 */
        V sl = wasm_i32x4_add(wasm_u32x4_extmul_low_u16x8(h0, w0),
                              wasm_u32x4_extmul_low_u16x8(h1, w1));
        V sh = wasm_i32x4_add(wasm_u32x4_extmul_high_u16x8(h0, w0),
                              wasm_u32x4_extmul_high_u16x8(h1, w1));
        size_t o = (size_t)gy * gw + gx;
        ST(num + o, wasm_u32x4_shr(hadd32(sl, sh), 4));
        ST(den + o, wasm_i32x4_shl(wasm_u32x4_extadd_pairwise_u16x8(wasm_i16x8_add(w0, w1)), 5));
      }
    fx__prem_y_cells(y, w, h, m, num, den, gy, gx);
  }
}

static void prem_uv(const uint8_t *u, const uint8_t *v, int cw, int ch, const uint8_t *m,
                    int32_t *nu, int32_t *nv, int32_t *den) {
  int gw = (cw + 3) / 4;
  V k256 = wasm_i16x8_splat(256);
  for (int gy = 0; gy < (ch + 3) / 4; gy++) {
    int gx = 0;
    if (4 * gy + 4 <= ch)
      for (; 4 * gx + 16 <= cw; gx += 4) { /* 4 cells = 16 columns × 4 rows */
        V ul = wasm_i32x4_splat(0), uh = ul, vl = ul, vh = ul, dl = ul, dh = ul;
        for (int k = 0; k < 4; k++) {
          size_t o = (size_t)(4 * gy + k) * cw + 4 * gx;
          V mm = LD(m + o), U = LD(u + o), Vv = LD(v + o);
          V wl = wasm_i16x8_sub(k256, lo16(mm)), wh = wasm_i16x8_sub(k256, hi16(mm));
          /* 255·256 = 65280 fits u16 */
          ul = wasm_i32x4_add(ul, wasm_u32x4_extadd_pairwise_u16x8(wasm_i16x8_mul(lo16(U), wl)));
          uh = wasm_i32x4_add(uh, wasm_u32x4_extadd_pairwise_u16x8(wasm_i16x8_mul(hi16(U), wh)));
          vl = wasm_i32x4_add(vl, wasm_u32x4_extadd_pairwise_u16x8(wasm_i16x8_mul(lo16(Vv), wl)));
          vh = wasm_i32x4_add(vh, wasm_u32x4_extadd_pairwise_u16x8(wasm_i16x8_mul(hi16(Vv), wh)));
          dl = wasm_i32x4_add(dl, wasm_u32x4_extadd_pairwise_u16x8(wl));
          dh = wasm_i32x4_add(dh, wasm_u32x4_extadd_pairwise_u16x8(wh));
        }
        size_t o = (size_t)gy * gw + gx;
        ST(nu + o, wasm_u32x4_shr(hadd32(ul, uh), 4));
        ST(nv + o, wasm_u32x4_shr(hadd32(vl, vh), 4));
        ST(den + o, wasm_i32x4_shl(hadd32(dl, dh), 3));
      }
    fx__prem_uv_cells(u, v, cw, ch, m, nu, nv, den, gy, gx);
  }
}

static void ratio(const int32_t *num, const int32_t *den, int n, uint8_t *dst) {
  V k128 = wasm_f32x4_splat(128.0f), half = wasm_f32x4_splat(0.5f), one = wasm_i32x4_splat(1);
  V z = wasm_f32x4_splat(0.0f), top = wasm_f32x4_splat(255.0f);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    V q[2];
    for (int h = 0; h < 2; h++) {
      V nn = wasm_f32x4_convert_i32x4(LD(num + i + 4 * h));
      V dd = wasm_f32x4_convert_i32x4(wasm_i32x4_max(LD(den + i + 4 * h), one));
      V x = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_mul(nn, k128), dd), half);
      q[h] = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_pmin(wasm_f32x4_pmax(x, z), top));
    }
    V s16 = wasm_i16x8_narrow_i32x4(q[0], q[1]);
    ST64(dst + i, narrow8(s16, s16));
  }
  if (i < n) fx__kern_scalar.ratio(num + i, den + i, n - i, dst + i);
}

static void blend(const uint8_t *src, const uint8_t *bg, const uint8_t *m, uint8_t *dst, int n) {
  V k255 = wasm_i16x8_splat(255), k128 = wasm_i16x8_splat(128);
  int i = 0;
  for (; i + 16 <= n; i += 16) { /* m·s + (255 − m)·b + 128 ≤ 65153: u16 */
    V s = LD(src + i), b = LD(bg + i), mm = LD(m + i), r[2];
    for (int h = 0; h < 2; h++) {
      V sv = h ? hi16(s) : lo16(s), bv = h ? hi16(b) : lo16(b), mv = h ? hi16(mm) : lo16(mm);
      V x = wasm_i16x8_add(
          wasm_i16x8_add(wasm_i16x8_mul(mv, sv), wasm_i16x8_mul(wasm_i16x8_sub(k255, mv), bv)),
          k128);
      r[h] = wasm_u16x8_shr(wasm_i16x8_add(x, wasm_u16x8_shr(x, 8)), 8);
    }
    ST(dst + i, narrow8(r[0], r[1]));
  }
  if (i < n) fx__kern_scalar.blend(src + i, bg + i, m + i, dst + i, n - i);
}

static void wrap(const uint8_t *src, const uint8_t *bgb, const uint8_t *mb, int amount,
                 uint8_t *dst, int n) {
  V k255 = wasm_i16x8_splat(255), k256 = wasm_i16x8_splat(256), k128 = wasm_i16x8_splat(128);
  V am = wasm_i16x8_splat((int16_t)amount);
  int i = 0;
  for (; i + 16 <= n;
       i += 16) { /* (255 − mb)·amount + 128 ≤ 65408, s·(256 − wr) + b·wr + 128 ≤ 65408 */
    V s = LD(src + i), b = LD(bgb + i), mm = LD(mb + i), r[2];
    for (int h = 0; h < 2; h++) {
      V sv = h ? hi16(s) : lo16(s), bv = h ? hi16(b) : lo16(b), mv = h ? hi16(mm) : lo16(mm);
      V wr = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_mul(wasm_i16x8_sub(k255, mv), am), k128), 8);
      V x = wasm_i16x8_add(
          wasm_i16x8_add(wasm_i16x8_mul(sv, wasm_i16x8_sub(k256, wr)), wasm_i16x8_mul(bv, wr)),
          k128);
      r[h] = wasm_u16x8_shr(x, 8);
    }
    ST(dst + i, narrow8(r[0], r[1]));
  }
  if (i < n) fx__kern_scalar.wrap(src + i, bgb + i, mb + i, amount, dst + i, n - i);
}

const fx__kern fx__kern_simd128 = {
    .name = "wasm-simd128",
    .down2 = down2,
    .up_h_u8 = up_h_u8,
    .up_h_i32 = up_h_i32,
    .lerp_u8 = lerp_u8,
    .vlerp16 = vlerp16,
    .vacc = vacc,
    .hresample = fx__hresample, /* scalar: the taps vary per output */
    .yuv_rgbf = yuv_rgbf,
    .guided_fields = guided_fields,
    .box_v = box_v,
    .transpose = transpose,
    .guided_ab = guided_ab,
    .scale_i32 = scale_i32,
    .guided_q = guided_q,
    .prem_y = prem_y,
    .prem_uv = prem_uv,
    .ratio = ratio,
    .blend = blend,
    .wrap = wrap,
};
