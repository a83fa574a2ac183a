/* The scalar reference kernels of fx: the ground truth the SIMD set is held to (exactly for
 * the integer kernels, and for the float ones too: both do the same IEEE operations in the
 * same order). Definitions of each kernel are in fx_internal.h. */
#include <math.h>

#include "fx_internal.h"

static int imin(int a, int b) {
  return a < b ? a : b;
}
static int imax(int a, int b) {
  return a > b ? a : b;
}
static uint8_t clamp_u8(int v) {
  return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* log2(2f) for the upsampling factors fx uses (2, 4, 8). */
static int sh2f(int f) {
  return f == 2 ? 2 : f == 4 ? 3 : 4;
}

void fx__down2_rows(const uint8_t *src, int sw, int sh, uint8_t *dst, int x0, int y) {
  int dw = (sw + 1) / 2;
  const uint8_t *r0 = src + (size_t)(2 * y) * sw;
  const uint8_t *r1 = src + (size_t)imin(2 * y + 1, sh - 1) * sw;
  uint8_t *d = dst + (size_t)y * dw;
  for (int x = x0; x < dw; x++) {
    int a = 2 * x, b = imin(2 * x + 1, sw - 1);
    d[x] = (uint8_t)((r0[a] + r0[b] + r1[a] + r1[b] + 2) >> 2);
  }
}

static void down2(const uint8_t *src, int sw, int sh, uint8_t *dst) {
  for (int y = 0; y < (sh + 1) / 2; y++) fx__down2_rows(src, sw, sh, dst, 0, y);
}

/* Output k of input i reads its neighbour on the side of its centre: the sample (k + ½)/f
 * − ½ lies (2k + 1 − f)/(2f) of a step from i. */
void fx__up_h_u8_range(const uint8_t *src, int n, int f, uint8_t *dst, int i0, int i1) {
  int sh = sh2f(f), den = 2 * f, half = f;
  for (int i = i0; i < i1; i++) {
    int prev = src[imax(i - 1, 0)], next = src[imin(i + 1, n - 1)], cur = src[i];
    for (int k = 0; k < f; k++) {
      int num = 2 * k + 1 - f;
      int nb = num < 0 ? prev : next, wn = num < 0 ? -num : num;
      dst[i * f + k] = (uint8_t)((nb * wn + cur * (den - wn) + half) >> sh);
    }
  }
}

static void up_h_u8(const uint8_t *src, int n, int f, uint8_t *dst) {
  fx__up_h_u8_range(src, n, f, dst, 0, n);
}

void fx__up_h_i32_range(const int32_t *src, int n, int f, int32_t *dst, int i0, int i1) {
  int den = 2 * f;
  for (int i = i0; i < i1; i++) {
    int32_t prev = src[imax(i - 1, 0)], next = src[imin(i + 1, n - 1)], cur = src[i];
    for (int k = 0; k < f; k++) {
      int num = 2 * k + 1 - f;
      int32_t nb = num < 0 ? prev : next;
      int wn = num < 0 ? -num : num;
      dst[i * f + k] = nb * wn + cur * (den - wn);
    }
  }
}

static void up_h_i32(const int32_t *src, int n, int f, int32_t *dst) {
  fx__up_h_i32_range(src, n, f, dst, 0, n);
}

static void lerp_u8(const uint8_t *a, const uint8_t *b, int wa, int wb, int sh, uint8_t *dst,
                    int n) {
  int half = 1 << (sh - 1);
  for (int i = 0; i < n; i++) dst[i] = (uint8_t)((a[i] * wa + b[i] * wb + half) >> sh);
}

static void vlerp16(const uint16_t *a, const uint16_t *b, int wa, int wb, uint8_t *dst, int n) {
  for (int i = 0; i < n; i++)
    dst[i] = (uint8_t)(((uint32_t)a[i] * wa + (uint32_t)b[i] * wb + 32768u) >> 16);
}

static void vacc(uint16_t *acc, const uint8_t *row, int wgt, int first, int n) {
  if (first)
    for (int i = 0; i < n; i++) acc[i] = (uint16_t)(row[i] * wgt);
  else
    for (int i = 0; i < n; i++) acc[i] = (uint16_t)(acc[i] + row[i] * wgt);
}

void fx__hresample(const uint16_t *acc, const fx__taps *t, uint32_t *dst) {
  for (int o = 0; o < t->m; o++) {
    const uint16_t *a = acc + t->start[o];
    const uint16_t *w = t->w + t->off[o];
    int n = t->off[o + 1] - t->off[o];
    uint32_t s = 0;
    for (int j = 0; j < n; j++) s += (uint32_t)a[j] * w[j];
    dst[o] = s;
  }
}

static float clampf255(float x) {
  x = x < 0.0f ? 0.0f : x;
  return 255.0f < x ? 255.0f : x;
}

static void yuv_rgbf(const uint32_t *y, const uint32_t *u, const uint32_t *v, int n, const float *k,
                     float *dst) {
  const float s = 1.0f / 65536.0f;
  for (int i = 0; i < n; i++) {
    float Y = (float)y[i] * s, cb = (float)u[i] * s - 128.0f, cr = (float)v[i] * s - 128.0f;
    float yv = (Y - k[FX__K_YO]) * k[FX__K_YS];
    float r = yv + k[FX__K_CRR] * cr;
    float g = yv - k[FX__K_CBG] * cb - k[FX__K_CRG] * cr;
    float b = yv + k[FX__K_CBB] * cb;
    dst[3 * i + 0] = k[FX__K_LO] + clampf255(r) * k[FX__K_SC];
    dst[3 * i + 1] = k[FX__K_LO] + clampf255(g) * k[FX__K_SC];
    dst[3 * i + 2] = k[FX__K_LO] + clampf255(b) * k[FX__K_SC];
  }
}

static void guided_fields(const uint8_t *I, const uint8_t *p, int n, int32_t *f0, int32_t *f1,
                          int32_t *f2, int32_t *f3) {
  for (int i = 0; i < n; i++) {
    f0[i] = I[i];
    f1[i] = p[i];
    f2[i] = I[i] * I[i];
    f3[i] = I[i] * p[i];
  }
}

static void box_v(const int32_t *src, int32_t *dst, int32_t *col, int w, int h, int r, int inv,
                  int sh) {
  for (int x = 0; x < w; x++) col[x] = 0;
  for (int j = -r; j <= r; j++) {
    const int32_t *row = src + (size_t)fx__fold(j, h) * w;
    for (int x = 0; x < w; x++) col[x] += row[x];
  }
  int64_t half = sh ? (int64_t)1 << (sh - 1) : 0;
  for (int y = 0; y < h; y++) {
    int32_t *d = dst + (size_t)y * w;
    if (sh)
      for (int x = 0; x < w; x++) d[x] = (int32_t)(((int64_t)col[x] * inv + half) >> sh);
    else
      for (int x = 0; x < w; x++) d[x] = col[x];
    if (y + 1 == h) break;
    const int32_t *add = src + (size_t)fx__fold(y + r + 1, h) * w;
    const int32_t *sub = src + (size_t)fx__fold(y - r, h) * w;
    for (int x = 0; x < w; x++) col[x] += add[x] - sub[x];
  }
}

static void transpose(const int32_t *src, int w, int h, int32_t *dst) {
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) dst[(size_t)x * h + y] = src[(size_t)y * w + x];
}

static void guided_ab(const int32_t *s0, const int32_t *s1, const int32_t *s2, const int32_t *s3,
                      int n, int N, float eps_n2, int32_t *A, int32_t *B) {
  float inv_n = 1.0f / (float)N;
  for (int i = 0; i < n; i++) {
    int32_t var = N * s2[i] - s0[i] * s0[i]; /* N²·variance of I, exact */
    int32_t cov = N * s3[i] - s0[i] * s1[i]; /* N²·covariance of I and p */
    float a = (float)cov / ((float)var + eps_n2);
    a = a < -FX__GUIDED_AMAX ? -FX__GUIDED_AMAX : a;
    a = FX__GUIDED_AMAX < a ? FX__GUIDED_AMAX : a;
    float b = ((float)s1[i] - a * (float)s0[i]) * inv_n;
    A[i] = (int32_t)nearbyintf(a * 1024.0f);
    B[i] = (int32_t)nearbyintf(b * 1024.0f);
  }
}

static void scale_i32(int32_t *x, int n, float s) {
  for (int i = 0; i < n; i++) x[i] = (int32_t)nearbyintf((float)x[i] * s);
}

static void guided_q(const uint8_t *I, const int32_t *a0, const int32_t *a1, const int32_t *b0,
                     const int32_t *b1, int wa, int wb, int sh, uint8_t *dst, int n) {
  int32_t half = (int32_t)1 << (sh - 1);
  for (int i = 0; i < n; i++) {
    int32_t A = a0[i] * wa + a1[i] * wb, B = b0[i] * wa + b1[i] * wb;
    /* Arithmetic shift of a possibly negative value: what gcc and clang do. */
    dst[i] = clamp_u8((A * I[i] + B + half) >> sh);
  }
}

void fx__prem_y_cells(const uint8_t *y, int w, int h, const uint8_t *m, int32_t *num, int32_t *den,
                      int gy, int gx0) {
  int hw = w / 2, hh = h / 2, gw = (w + 3) / 4;
  for (int gx = gx0; gx < gw; gx++) {
    int32_t n = 0, d = 0;
    for (int hy = 2 * gy; hy < imin(2 * gy + 2, hh); hy++)
      for (int hx = 2 * gx; hx < imin(2 * gx + 2, hw); hx++) {
        const uint8_t *p = y + (size_t)(2 * hy) * w + 2 * hx;
        int s = p[0] + p[1] + p[w] + p[w + 1], wgt = 256 - m[(size_t)hy * hw + hx];
        n += s * wgt;
        d += wgt;
      }
    num[(size_t)gy * gw + gx] = n >> 4;
    den[(size_t)gy * gw + gx] = d * 32;
  }
}

static void prem_y(const uint8_t *y, int w, int h, const uint8_t *m, int32_t *num, int32_t *den) {
  for (int gy = 0; gy < (h + 3) / 4; gy++) fx__prem_y_cells(y, w, h, m, num, den, gy, 0);
}

void fx__prem_uv_cells(const uint8_t *u, const uint8_t *v, int cw, int ch, const uint8_t *m,
                       int32_t *nu, int32_t *nv, int32_t *den, int gy, int gx0) {
  int gw = (cw + 3) / 4;
  for (int gx = gx0; gx < gw; gx++) {
    int32_t a = 0, b = 0, d = 0;
    for (int yy = 4 * gy; yy < imin(4 * gy + 4, ch); yy++)
      for (int xx = 4 * gx; xx < imin(4 * gx + 4, cw); xx++) {
        size_t i = (size_t)yy * cw + xx;
        int wgt = 256 - m[i];
        a += u[i] * wgt;
        b += v[i] * wgt;
        d += wgt;
      }
    size_t o = (size_t)gy * gw + gx;
    nu[o] = a >> 4;
    nv[o] = b >> 4;
    den[o] = d * 8;
  }
}

static void prem_uv(const uint8_t *u, const uint8_t *v, int cw, int ch, const uint8_t *m,
                    int32_t *nu, int32_t *nv, int32_t *den) {
  for (int gy = 0; gy < (ch + 3) / 4; gy++) fx__prem_uv_cells(u, v, cw, ch, m, nu, nv, den, gy, 0);
}

static void ratio(const int32_t *num, const int32_t *den, int n, uint8_t *dst) {
  for (int i = 0; i < n; i++) {
    float q = (float)num[i] * 128.0f / (float)(den[i] < 1 ? 1 : den[i]) + 0.5f;
    q = q < 0.0f ? 0.0f : q;
    q = 255.0f < q ? 255.0f : q;
    dst[i] = (uint8_t)(int)q;
  }
}

static void blend(const uint8_t *src, const uint8_t *bg, const uint8_t *m, uint8_t *dst, int n) {
  for (int i = 0; i < n; i++) {
    int x = m[i] * src[i] + (255 - m[i]) * bg[i] + 128; /* exact round(x / 255) below */
    dst[i] = (uint8_t)((x + (x >> 8)) >> 8);
  }
}

static void wrap(const uint8_t *src, const uint8_t *bgb, const uint8_t *mb, int amount,
                 uint8_t *dst, int n) {
  for (int i = 0; i < n; i++) {
    int wr = ((255 - mb[i]) * amount + 128) >> 8;
    dst[i] = (uint8_t)((src[i] * (256 - wr) + bgb[i] * wr + 128) >> 8);
  }
}

const fx__kern fx__kern_scalar = {
    .name = "scalar",
    .down2 = down2,
    .up_h_u8 = up_h_u8,
    .up_h_i32 = up_h_i32,
    .lerp_u8 = lerp_u8,
    .vlerp16 = vlerp16,
    .vacc = vacc,
    .hresample = fx__hresample,
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
