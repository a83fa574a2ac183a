/* The scalar reference kernel set: plain C, no intrinsics. It is the ground truth every SIMD
 * set is tested against, so it favours obviously-correct code, but loops are ordered so the
 * innermost one runs over contiguous output channels (which compilers vectorise well).
 *
 * Packed layouts (private to this set):
 *   conv, tconv: bias[oc] then weights HWIO [kh][kw][ic][oc], or HWOI [kh][kw][oc][ic]
 *                when oc < NARROW (a dot product per output channel is then faster);
 *   dwconv:      bias[oc] then weights      [kh][kw][oc] (the TFLite layout). */
#include <math.h>
#include <string.h>

#include "kernels.h"

static float clampf(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

static void clamp_row(float *o, int n, float lo, float hi) {
  for (int i = 0; i < n; i++) o[i] = clampf(o[i], lo, hi);
}

/* ---- CONV_2D ---------------------------------------------------------------------------- */

static size_t conv_pack_size(const nn_conv_desc *d) {
  return (size_t)d->oc + (size_t)d->oc * d->kh * d->kw * d->ic;
}

/* Below this many output channels, weights are packed per channel for dot products. Both
 * forms add the input channels to each accumulator in the same order, so they give
 * identical results. */
#define NARROW 8

/* OHWI -> bias + HWIO (or HWOI when narrow). Shared by conv and tconv (same source layout). */
static void conv_pack(const nn_conv_desc *d, const float *w, const float *bias, float *p) {
  int oc = d->oc, ic = d->ic, taps = d->kh * d->kw;
  for (int o = 0; o < oc; o++) p[o] = bias ? bias[o] : 0.0f;
  float *wp = p + oc;
  for (int o = 0; o < oc; o++)
    for (int t = 0; t < taps; t++)
      for (int i = 0; i < ic; i++) {
        size_t dst = oc < NARROW ? ((size_t)t * oc + o) * ic + i : ((size_t)t * ic + i) * oc + o;
        wp[dst] = w[((size_t)o * taps + t) * ic + i];
      }
}

static size_t no_scratch(const nn_conv_desc *d) {
  (void)d;
  return 0;
}

/* acc[oc] += sum_i x[i] * w[i][oc]: one kernel tap over all input channels. */
static void tap_accumulate(float *restrict acc, const float *restrict x,
                           const float *restrict w, int ic, int oc) {
  if (oc < NARROW) {
    for (int o = 0; o < oc; o++) {
      const float *wr = w + (size_t)o * ic;
      float a = acc[o];
      for (int i = 0; i < ic; i++) a += x[i] * wr[i];
      acc[o] = a;
    }
    return;
  }
  for (int i = 0; i < ic; i++) {
    float xv = x[i];
    const float *wr = w + (size_t)i * oc;
    for (int o = 0; o < oc; o++) acc[o] += xv * wr[o];
  }
}

static void conv(const nn_conv_desc *d, const float *in, const float *p, float *out,
                 float *scratch) {
  (void)scratch;
  int oc = d->oc, ic = d->ic;
  const float *w = p + oc;
  for (int oy = 0; oy < d->oh; oy++) {
    for (int ox = 0; ox < d->ow; ox++) {
      float *acc = out + ((size_t)oy * d->ow + ox) * oc;
      for (int o = 0; o < oc; o++) acc[o] = p[o];
      for (int ky = 0; ky < d->kh; ky++) {
        int iy = oy * d->sh - d->pad_t + ky * d->dh;
        if (iy < 0 || iy >= d->ih) continue;
        for (int kx = 0; kx < d->kw; kx++) {
          int ix = ox * d->sw - d->pad_l + kx * d->dw;
          if (ix < 0 || ix >= d->iw) continue;
          const float *x = in + ((size_t)iy * d->iw + ix) * ic;
          const float *wt = w + (size_t)(ky * d->kw + kx) * ic * oc;
          tap_accumulate(acc, x, wt, ic, oc);
        }
      }
      clamp_row(acc, oc, d->act_min, d->act_max);
    }
  }
}

/* ---- DEPTHWISE_CONV_2D ------------------------------------------------------------------ */

static size_t dwconv_pack_size(const nn_conv_desc *d) {
  return (size_t)d->oc + (size_t)d->oc * d->kh * d->kw;
}

static void dwconv_pack(const nn_conv_desc *d, const float *w, const float *bias, float *p) {
  for (int o = 0; o < d->oc; o++) p[o] = bias ? bias[o] : 0.0f;
  memcpy(p + d->oc, w, (size_t)d->oc * d->kh * d->kw * sizeof *w);
}

/* acc[c] += x[c / mult] * w[c] over the oc channels of one tap. */
static void dw_tap(float *restrict acc, const float *restrict x, const float *restrict w,
                   int oc, int mult) {
  if (mult == 1) {
    for (int c = 0; c < oc; c++) acc[c] += x[c] * w[c];
  } else {
    for (int c = 0; c < oc; c++) acc[c] += x[c / mult] * w[c];
  }
}

static void dwconv(const nn_conv_desc *d, const float *in, const float *p, float *out) {
  int oc = d->oc, ic = d->ic, mult = oc / ic;
  const float *w = p + oc;
  for (int oy = 0; oy < d->oh; oy++) {
    for (int ox = 0; ox < d->ow; ox++) {
      float *acc = out + ((size_t)oy * d->ow + ox) * oc;
      for (int o = 0; o < oc; o++) acc[o] = p[o];
      for (int ky = 0; ky < d->kh; ky++) {
        int iy = oy * d->sh - d->pad_t + ky * d->dh;
        if (iy < 0 || iy >= d->ih) continue;
        for (int kx = 0; kx < d->kw; kx++) {
          int ix = ox * d->sw - d->pad_l + kx * d->dw;
          if (ix < 0 || ix >= d->iw) continue;
          const float *x = in + ((size_t)iy * d->iw + ix) * ic;
          dw_tap(acc, x, w + (size_t)(ky * d->kw + kx) * oc, oc, mult);
        }
      }
      clamp_row(acc, oc, d->act_min, d->act_max);
    }
  }
}

/* ---- Transposed convolution (gather form) ----------------------------------------------- */

static void tconv(const nn_conv_desc *d, const float *in, const float *p, float *out,
                  float *scratch) {
  (void)scratch;
  int oc = d->oc, ic = d->ic;
  const float *w = p + oc;
  for (int oy = 0; oy < d->oh; oy++) {
    for (int ox = 0; ox < d->ow; ox++) {
      float *acc = out + ((size_t)oy * d->ow + ox) * oc;
      for (int o = 0; o < oc; o++) acc[o] = p[o];
      for (int ky = 0; ky < d->kh; ky++) {
        int ty = oy + d->pad_t - ky;
        if (ty < 0 || ty % d->sh != 0 || ty / d->sh >= d->ih) continue;
        for (int kx = 0; kx < d->kw; kx++) {
          int tx = ox + d->pad_l - kx;
          if (tx < 0 || tx % d->sw != 0 || tx / d->sw >= d->iw) continue;
          const float *x = in + ((size_t)(ty / d->sh) * d->iw + tx / d->sw) * ic;
          const float *wt = w + (size_t)(ky * d->kw + kx) * ic * oc;
          tap_accumulate(acc, x, wt, ic, oc);
        }
      }
      clamp_row(acc, oc, d->act_min, d->act_max);
    }
  }
}

/* The definition of a fused residual ADD: the conv without activation, stored, then the
 * ADD with the activation, exactly the unfused graph's two steps. */
static void conv_add(const nn_conv_desc *d, const float *in, const float *p, const float *res,
                     float *out, float *scratch) {
  nn_conv_desc plain = *d;
  plain.act_min = -INFINITY, plain.act_max = INFINITY;
  conv(&plain, in, p, out, scratch);
  size_t n = (size_t)d->oh * d->ow * d->oc;
  for (size_t i = 0; i < n; i++) out[i] = clampf(out[i] + res[i], d->act_min, d->act_max);
}

static void hswish(const float *in, float *out, size_t n);

static void conv_hswish(const nn_conv_desc *d, const float *in, const float *p, float *out,
                        float *scratch) {
  conv(d, in, p, out, scratch);
  hswish(out, out, (size_t)d->oh * d->ow * d->oc);
}

static void dwconv_hswish(const nn_conv_desc *d, const float *in, const float *p, float *out) {
  dwconv(d, in, p, out);
  hswish(out, out, (size_t)d->oh * d->ow * d->oc);
}

/* The unfused pair: the depthwise conv stored, then the ADD with its activation. */
static void dwconv_add(const nn_conv_desc *d, const float *in, const float *p, const float *res,
                       float *out, float lo, float hi) {
  dwconv(d, in, p, out);
  size_t n = (size_t)d->oh * d->ow * d->oc;
  for (size_t i = 0; i < n; i++) out[i] = clampf(out[i] + res[i], lo, hi);
}

static void prelu(const float *in, const float *alpha, float *out, size_t rows, size_t c);

static void conv_prelu(const nn_conv_desc *d, const float *in, const float *p, const float *res,
                       const float *alpha, float *out, float *scratch) {
  if (res)
    conv_add(d, in, p, res, out, scratch);
  else
    conv(d, in, p, out, scratch);
  prelu(out, alpha, out, (size_t)d->oh * d->ow, (size_t)d->oc);
}

/* ---- Elementwise ------------------------------------------------------------------------ */

static void add(const float *a, const float *b, float *out, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; i++) out[i] = clampf(a[i] + b[i], lo, hi);
}

static void mul(const float *a, const float *b, float *out, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; i++) out[i] = clampf(a[i] * b[i], lo, hi);
}

static void add_bcast(const float *a, const float *b, float *out, size_t rows, size_t c,
                      float lo, float hi) {
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < c; i++) out[r * c + i] = clampf(a[r * c + i] + b[i], lo, hi);
}

static void mul_bcast(const float *a, const float *b, float *out, size_t rows, size_t c,
                      float lo, float hi) {
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < c; i++) out[r * c + i] = clampf(a[r * c + i] * b[i], lo, hi);
}

static void mul_bcast_add(const float *a, const float *b, const float *res, float *out,
                          size_t rows, size_t c, float lo, float hi) {
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < c; i++) {
      float prod = a[r * c + i] * b[i]; /* its own statement: never contracted to an FMA */
      out[r * c + i] = clampf(prod + res[r * c + i], lo, hi);
    }
}

static void clamp(const float *in, float *out, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; i++) out[i] = clampf(in[i], lo, hi);
}

static void hswish(const float *in, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float x = in[i];
    out[i] = x * clampf(x + 3.0f, 0.0f, 6.0f) * (1.0f / 6.0f);
  }
}

static void sigmoid(const float *in, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
}

static void prelu(const float *in, const float *alpha, float *out, size_t rows, size_t c) {
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < c; i++) {
      float x = in[r * c + i];
      out[r * c + i] = x >= 0.0f ? x : x * alpha[i];
    }
}

const nn_kernels nn_kernels_scalar = {
    .name = "scalar",
    .conv_pack_size = conv_pack_size,
    .conv_pack = conv_pack,
    .conv_scratch_size = no_scratch,
    .conv = conv,
    .dwconv_pack_size = dwconv_pack_size,
    .dwconv_pack = dwconv_pack,
    .dwconv = dwconv,
    .tconv_pack_size = conv_pack_size,
    .tconv_pack = conv_pack,
    .tconv_scratch_size = no_scratch,
    .tconv = tconv,
    .add = add,
    .mul = mul,
    .add_bcast = add_bcast,
    .mul_bcast = mul_bcast,
    .clamp = clamp,
    .hswish = hswish,
    .sigmoid = sigmoid,
    .prelu = prelu,
    .conv_add = conv_add,
    .mul_bcast_add = mul_bcast_add,
    .conv_hswish = conv_hswish,
    .dwconv_hswish = dwconv_hswish,
    .dwconv_add = dwconv_add,
    .conv_prelu = conv_prelu,
};
