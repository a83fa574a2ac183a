/* Portable reference implementations of the operators that are not in the kernel table.
 * They are the ground truth for these ops on every target (native and WebAssembly). */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Valid tap range [*lo, *hi) of a window starting at `start` over [0, size). */
static void window(int start, int k, int size, int *lo, int *hi) {
  *lo = start < 0 ? -start : 0;
  *hi = start + k > size ? size - start : k;
}

/* Average over the taps inside the input: TFLite excludes padding from the count. */
void nn__ref_pool_avg(const nn_conv_desc *d, const float *in, float *out) {
  int c = d->ic;
  for (int oy = 0; oy < d->oh; oy++) {
    int y0 = oy * d->sh - d->pad_t, ky0, ky1;
    window(y0, d->kh, d->ih, &ky0, &ky1);
    for (int ox = 0; ox < d->ow; ox++) {
      int x0 = ox * d->sw - d->pad_l, kx0, kx1;
      window(x0, d->kw, d->iw, &kx0, &kx1);
      float *o = out + ((size_t)oy * d->ow + ox) * c;
      memset(o, 0, (size_t)c * sizeof *o);
      for (int ky = ky0; ky < ky1; ky++)
        for (int kx = kx0; kx < kx1; kx++) {
          const float *x = in + ((size_t)(y0 + ky) * d->iw + (x0 + kx)) * c;
          for (int i = 0; i < c; i++) o[i] += x[i];
        }
      int cnt = (ky1 - ky0) * (kx1 - kx0);
      float inv = cnt > 0 ? 1.0f / (float)cnt : 0.0f;
      for (int i = 0; i < c; i++) o[i] *= inv;
    }
  }
}

/* The max over a window's taps of POOL_CHUNK channels, in a local array with a constant
 * trip count so the compiler keeps it in vector registers instead of storing the output
 * after every tap (the face-landmark model's 2×2 pools: ≈ 2.5× faster under V8). Same
 * comparisons in the same order as the general loop. */
#define POOL_CHUNK 16
static void pool_max_chunk(const float *in, int iw, int c, int y0, int x0, int ky0, int ky1,
                           int kx0, int kx1, float *o) {
  float a[POOL_CHUNK];
  for (int i = 0; i < POOL_CHUNK; i++) a[i] = -INFINITY;
  for (int ky = ky0; ky < ky1; ky++)
    for (int kx = kx0; kx < kx1; kx++) {
      const float *x = in + ((size_t)(y0 + ky) * iw + (x0 + kx)) * c;
      for (int i = 0; i < POOL_CHUNK; i++) a[i] = x[i] > a[i] ? x[i] : a[i];
    }
  memcpy(o, a, sizeof a);
}

void nn__ref_pool_max(const nn_conv_desc *d, const float *in, float *out) {
  int c = d->ic;
  if (c % POOL_CHUNK == 0) {
    for (int oy = 0; oy < d->oh; oy++) {
      int y0 = oy * d->sh - d->pad_t, ky0, ky1;
      window(y0, d->kh, d->ih, &ky0, &ky1);
      for (int ox = 0; ox < d->ow; ox++) {
        int x0 = ox * d->sw - d->pad_l, kx0, kx1;
        window(x0, d->kw, d->iw, &kx0, &kx1);
        float *o = out + ((size_t)oy * d->ow + ox) * c;
        for (int i = 0; i < c; i += POOL_CHUNK)
          pool_max_chunk(in + i, d->iw, c, y0, x0, ky0, ky1, kx0, kx1, o + i);
      }
    }
    return;
  }
  for (int oy = 0; oy < d->oh; oy++) {
    int y0 = oy * d->sh - d->pad_t, ky0, ky1;
    window(y0, d->kh, d->ih, &ky0, &ky1);
    for (int ox = 0; ox < d->ow; ox++) {
      int x0 = ox * d->sw - d->pad_l, kx0, kx1;
      window(x0, d->kw, d->iw, &kx0, &kx1);
      float *o = out + ((size_t)oy * d->ow + ox) * c;
      for (int i = 0; i < c; i++) o[i] = -INFINITY;
      for (int ky = ky0; ky < ky1; ky++)
        for (int kx = kx0; kx < kx1; kx++) {
          const float *x = in + ((size_t)(y0 + ky) * d->iw + (x0 + kx)) * c;
          for (int i = 0; i < c; i++) o[i] = x[i] > o[i] ? x[i] : o[i];
        }
    }
  }
}

/* Sums MEAN_CHUNK channels over n pixels (stride c) into acc. A constant trip count lets
 * the compiler keep acc in vector registers instead of loading and storing the output row
 * once per pixel; each channel still adds its pixels in order, so sums are unchanged. */
#define MEAN_CHUNK 16
static void mean_chunk(const float *in, size_t n, int c, float *acc) {
  float a[MEAN_CHUNK] = {0};
  for (size_t p = 0; p < n; p++, in += c)
    for (int i = 0; i < MEAN_CHUNK; i++) a[i] += in[i];
  memcpy(acc, a, sizeof a);
}

/* The same over the sums in + in2 (each rounded first, as a stored ADD would be). */
static void mean_chunk2(const float *in, const float *in2, size_t n, int c, float *acc) {
  float a[MEAN_CHUNK] = {0};
  for (size_t p = 0; p < n; p++, in += c, in2 += c)
    for (int i = 0; i < MEAN_CHUNK; i++) a[i] += in[i] + in2[i];
  memcpy(acc, a, sizeof a);
}

/* in2 NULL: the mean of in alone. */
void nn__ref_mean_hw_sum(const float *in, const float *in2, float *out, int h, int w, int c) {
  size_t hw = (size_t)h * w;
  int c0 = 0;
  for (; c0 + MEAN_CHUNK <= c; c0 += MEAN_CHUNK) {
    if (in2)
      mean_chunk2(in + c0, in2 + c0, hw, c, out + c0);
    else
      mean_chunk(in + c0, hw, c, out + c0);
  }
  memset(out + c0, 0, (size_t)(c - c0) * sizeof *out);
  for (size_t p = 0; p < hw; p++)
    for (int i = c0; i < c; i++) out[i] += in2 ? in[p * c + i] + in2[p * c + i] : in[p * c + i];
  for (int i = 0; i < c; i++) out[i] /= (float)hw;
}

void nn__ref_mean_hw(const float *in, float *out, int h, int w, int c) {
  nn__ref_mean_hw_sum(in, NULL, out, h, w, c);
}

/* One output row (fixed outer indices) of a 4-D pad: zeros, then the input pixels (each
 * with its channel padding), then zeros. When channels are not padded the input row lands
 * contiguously and is copied in one piece. */
/* Short copies and fills of a pixel's channels (tens of floats): inline vector-sized moves
 * instead of calls to libc's memcpy/memset, which cost more than the copy at this size
 * (wasi-libc's are plain loops behind a call; the face models pad channels per pixel). */
#define PAD_SHORT 64
static void copy_short(float *o, const float *in, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float t[4];
    memcpy(t, in + i, sizeof t);
    __asm__ volatile("" ::: "memory"); /* keeps the compiler from fusing this into memcpy */
    memcpy(o + i, t, sizeof t);
  }
  for (; i < n; i++) o[i] = in[i];
}
static void zero_short(float *o, size_t n) {
  static const float z[4];
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    memcpy(o + i, z, sizeof z);
    __asm__ volatile("" ::: "memory");
  }
  for (; i < n; i++) o[i] = 0.0f;
}

static void pad_row(const float *in, float *out, const int *d, const int *p, int od3) {
  size_t left = (size_t)p[4] * od3, right = (size_t)p[5] * od3;
  memset(out, 0, left * sizeof *out);
  out += left;
  if (p[6] == 0 && p[7] == 0) {
    memcpy(out, in, (size_t)d[2] * d[3] * sizeof *out);
    out += (size_t)d[2] * d[3];
  } else {
    int shrt = od3 <= PAD_SHORT;
    for (int x = 0; x < d[2]; x++) {
      if (shrt) {
        zero_short(out, (size_t)p[6]);
        copy_short(out + p[6], in + (size_t)x * d[3], (size_t)d[3]);
        zero_short(out + p[6] + d[3], (size_t)p[7]);
      } else {
        memset(out, 0, (size_t)p[6] * sizeof *out);
        memcpy(out + p[6], in + (size_t)x * d[3], (size_t)d[3] * sizeof *out);
        memset(out + p[6] + d[3], 0, (size_t)p[7] * sizeof *out);
      }
      out += od3;
    }
  }
  memset(out, 0, right * sizeof *out);
}

/* in_dims[4]; pads[8] = before/after per dim. Zero outside the input. */
void nn__ref_pad4(const float *in, float *out, const int *d, const int *p) {
  int od[4];
  for (int i = 0; i < 4; i++) od[i] = d[i] + p[2 * i] + p[2 * i + 1];
  size_t row = (size_t)od[2] * od[3];
  for (int a = 0; a < od[0]; a++)
    for (int b = 0; b < od[1]; b++) {
      float *o = out + ((size_t)a * od[1] + b) * row;
      int ia = a - p[0], ib = b - p[2];
      if (ia < 0 || ia >= d[0] || ib < 0 || ib >= d[1]) {
        memset(o, 0, row * sizeof *o);
        continue;
      }
      pad_row(in + ((size_t)ia * d[1] + ib) * d[2] * d[3], o, d, p, od[3]);
    }
}

/* Source coordinate and its two neighbours, exactly as TFLite's reference computes them. */
static void interp(int o, float scale, int half, int size, float *v, int *lo, int *hi) {
  *v = half ? ((float)o + 0.5f) * scale - 0.5f : (float)o * scale;
  int f = (int)floorf(*v), c = (int)ceilf(*v);
  *lo = f > 0 ? f : 0;
  *hi = c < size - 1 ? c : size - 1;
}

static void resize_scales(int ih, int iw, int oh, int ow, int align, float *sy, float *sx) {
  *sy = (float)ih / (float)oh, *sx = (float)iw / (float)ow;
  if (align && oh > 1) *sy = (float)(ih - 1) / (float)(oh - 1);
  if (align && ow > 1) *sx = (float)(iw - 1) / (float)(ow - 1);
}

/* The definition, one pixel at a time (kept simple; the tests hold the fast path to it). */
void nn__ref_resize_bilinear(const float *in, float *out, int ih, int iw, int oh, int ow,
                             int c, int align, int half) {
  float sy, sx;
  resize_scales(ih, iw, oh, ow, align, &sy, &sx);
  for (int y = 0; y < oh; y++) {
    float fy;
    int y0, y1;
    interp(y, sy, half, ih, &fy, &y0, &y1);
    float dy = fy - (float)y0;
    for (int x = 0; x < ow; x++) {
      float fx;
      int x0, x1;
      interp(x, sx, half, iw, &fx, &x0, &x1);
      float dx = fx - (float)x0;
      const float *a = in + ((size_t)y0 * iw + x0) * c, *b = in + ((size_t)y1 * iw + x0) * c;
      const float *e = in + ((size_t)y0 * iw + x1) * c, *f = in + ((size_t)y1 * iw + x1) * c;
      float *o = out + ((size_t)y * ow + x) * c;
      for (int i = 0; i < c; i++)
        o[i] = a[i] * (1 - dy) * (1 - dx) + b[i] * dy * (1 - dx) + e[i] * (1 - dy) * dx +
               f[i] * dy * dx;
    }
  }
}

void nn__ref_resize_table(float *tab, int iw, int ow, int align, int half) {
  float sy, sx;
  resize_scales(1, iw, 1, ow, align, &sy, &sx);
  for (int x = 0; x < ow; x++) {
    float fx;
    int x0, x1;
    interp(x, sx, half, iw, &fx, &x0, &x1);
    tab[3 * x] = (float)x0, tab[3 * x + 1] = (float)x1, tab[3 * x + 2] = fx - (float)x0;
  }
}

/* Separable: each output row first blends its two input rows (once per row, over the
 * input width), then each output pixel blends two pixels of that row. About 1.6x fewer
 * multiply-adds than four-tap blending per output for 2x upsampling, and both loops are
 * plain a·u + b·v over contiguous floats, which compilers vectorise. Same value as the
 * definition up to float rounding. row: iw·c floats of scratch. */
static void lerp(float *restrict o, const float *restrict a, const float *restrict b, float u,
                 float v, size_t n) {
  for (size_t i = 0; i < n; i++) o[i] = a[i] * u + b[i] * v;
}

void nn__ref_resize_fast(const float *in, float *out, int ih, int iw, int oh, int ow, int c,
                         int align, int half, const float *tab, float *row) {
  float sy = (float)ih / (float)oh;
  if (align && oh > 1) sy = (float)(ih - 1) / (float)(oh - 1);
  size_t rlen = (size_t)iw * c;
  for (int y = 0; y < oh; y++) {
    float fy;
    int y0, y1;
    interp(y, sy, half, ih, &fy, &y0, &y1);
    float dy = fy - (float)y0;
    const float *r = in + (size_t)y0 * rlen;
    if (y1 != y0 && dy != 0) {
      lerp(row, r, in + (size_t)y1 * rlen, 1 - dy, dy, rlen);
      r = row;
    }
    float *o = out + (size_t)y * ow * c;
    for (int x = 0; x < ow; x++, o += c) {
      size_t x0 = (size_t)tab[3 * x] * c, x1 = (size_t)tab[3 * x + 1] * c;
      float dx = tab[3 * x + 2];
      lerp(o, r + x0, r + x1, 1 - dx, dx, (size_t)c);
    }
  }
}

void nn__ref_concat(const float *const *in, const size_t *chunk, int nin, size_t outer,
                    float *out) {
  for (size_t o = 0; o < outer; o++)
    for (int i = 0; i < nin; i++) {
      memcpy(out, in[i] + o * chunk[i], chunk[i] * sizeof *out);
      out += chunk[i];
    }
}

void nn__ref_tanh(const float *in, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
}
