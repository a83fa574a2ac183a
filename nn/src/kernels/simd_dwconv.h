/* DEPTHWISE_CONV_2D for one SIMD kernel set (template; see simd_conv.h).
 *
 * Packed layout (depth multiplier 1): channels in blocks of VL, each block bias[VL] then
 * weights [kh][kw][VL], zero padded past oc. Other depth multipliers are rare in the models
 * we run and are delegated, packing included, to the scalar set.
 *
 * Loop order: channel block outside, then rows, then pixels, so a 3×3 block's nine weight
 * vectors stay in registers for the whole sweep. Each row splits into a left border, an
 * interior where every tap is inside the image (a branch-free, fully unrolled kernel for
 * 3×3 and 5×5) and a right border; rows whose taps leave the image run the bordered path. */

static int dw_is_native(const nn_conv_desc *d) { return d->oc == d->ic; }

static size_t dw_padded(int c) { return ((size_t)c + VL - 1) / VL * VL; }

static size_t dw_pack_size(const nn_conv_desc *d) {
  if (!dw_is_native(d)) return nn_kernels_scalar.dwconv_pack_size(d);
  return dw_padded(d->oc) * (1 + (size_t)d->kh * d->kw);
}

static void dw_pack(const nn_conv_desc *d, const float *w, const float *bias, float *p) {
  if (!dw_is_native(d)) {
    nn_kernels_scalar.dwconv_pack(d, w, bias, p);
    return;
  }
  int c = d->oc, taps = d->kh * d->kw;
  for (int c0 = 0; c0 < c; c0 += VL) {
    float *bp = p + (size_t)c0 * (1 + taps);
    for (int j = 0; j < VL; j++) bp[j] = (c0 + j < c && bias) ? bias[c0 + j] : 0.0f;
    for (int t = 0; t < taps; t++)
      for (int j = 0; j < VL; j++)
        bp[VL + t * VL + j] = c0 + j < c ? w[(size_t)t * c + c0 + j] : 0.0f;
  }
}

/* A full block of VL channels at one pixel, any position: taps outside are skipped. */
static inline V dw_pixel_border(const nn_conv_desc *d, const float *in, const float *bp,
                                int c0, int oy, int ox) {
  V acc = V_LOAD(bp);
  int iy0 = oy * d->sh - d->pad_t, ix0 = ox * d->sw - d->pad_l, c = d->ic;
  for (int ky = 0; ky < d->kh; ky++) {
    int iy = iy0 + ky * d->dh;
    if ((unsigned)iy >= (unsigned)d->ih) continue;
    for (int kx = 0; kx < d->kw; kx++) {
      int ix = ix0 + kx * d->dw;
      if ((unsigned)ix >= (unsigned)d->iw) continue;
      V x = V_LOAD(in + ((size_t)iy * d->iw + ix) * c + c0);
      acc = V_FMA(x, V_LOAD(bp + VL + (ky * d->kw + kx) * VL), acc);
    }
  }
  return acc;
}

static void dw_span_border(const nn_conv_desc *d, const float *in, const float *bp, int c0,
                           int oy, int ox0, int ox1, float *out) {
  V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);
  for (int ox = ox0; ox < ox1; ox++) {
    V acc = dw_pixel_border(d, in, bp, c0, oy, ox);
    V_STORE(out + ((size_t)oy * d->ow + ox) * d->oc + c0, V_CLAMP(acc, lo, hi));
  }
}

/* Interior span of one row for a K×K kernel known at compile time: no bounds checks. */
#define DW_FIXED(K)                                                                         \
  static void dw_span_k##K(const nn_conv_desc *d, const float *in, const float *bp, int c0,  \
                           int oy, int ox0, int ox1, float *out) {                          \
    V w[K * K], b = V_LOAD(bp), lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);         \
    for (int t = 0; t < K * K; t++) w[t] = V_LOAD(bp + VL + t * VL);                         \
    size_t c = (size_t)d->ic, dx = (size_t)d->dw * c, dy = (size_t)d->dh * d->iw * c;        \
    size_t step = (size_t)d->sw * c;                                                        \
    const float *r =                                                                        \
        in + ((size_t)(oy * d->sh - d->pad_t) * d->iw + (ox0 * d->sw - d->pad_l)) * c + c0;  \
    float *o = out + ((size_t)oy * d->ow + ox0) * d->oc + c0;                               \
    for (int ox = ox0; ox < ox1; ox++, r += step, o += d->oc) {                             \
      V acc = b;                                                                            \
      _Pragma("GCC unroll 5") for (int ky = 0; ky < K; ky++) {                              \
        _Pragma("GCC unroll 5") for (int kx = 0; kx < K; kx++) {                            \
          acc = V_FMA(V_LOAD(r + ky * dy + kx * dx), w[ky * K + kx], acc);                  \
        }                                                                                   \
      }                                                                                     \
      V_STORE(o, V_CLAMP(acc, lo, hi));                                                     \
    }                                                                                       \
  }
DW_FIXED(3)
DW_FIXED(5)

typedef void (*dw_span_fn)(const nn_conv_desc *d, const float *in, const float *bp, int c0,
                           int oy, int ox0, int ox1, float *out);

/* Output columns [*lo, *hi) whose taps all fall inside the input width. */
static void dw_interior_cols(const nn_conv_desc *d, int *lo, int *hi) {
  int a = (d->pad_l + d->sw - 1) / d->sw;
  int last = d->iw - 1 - (d->kw - 1) * d->dw + d->pad_l; /* largest ox·sw allowed */
  int b = last < 0 ? 0 : last / d->sw + 1;
  if (b > d->ow) b = d->ow;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
}

/* The last channels that do not fill a vector: plain C over the packed block. */
static void dw_tail(const nn_conv_desc *d, const float *in, const float *bp, int c0,
                    float *out) {
  int n = d->oc - c0;
  for (int oy = 0; oy < d->oh; oy++)
    for (int ox = 0; ox < d->ow; ox++) {
      float acc[VL];
      for (int j = 0; j < n; j++) acc[j] = bp[j];
      for (int ky = 0; ky < d->kh; ky++) {
        int iy = oy * d->sh - d->pad_t + ky * d->dh;
        if ((unsigned)iy >= (unsigned)d->ih) continue;
        for (int kx = 0; kx < d->kw; kx++) {
          int ix = ox * d->sw - d->pad_l + kx * d->dw;
          if ((unsigned)ix >= (unsigned)d->iw) continue;
          const float *x = in + ((size_t)iy * d->iw + ix) * d->ic + c0;
          const float *w = bp + VL + (ky * d->kw + kx) * VL;
          for (int j = 0; j < n; j++) acc[j] += x[j] * w[j];
        }
      }
      float *o = out + ((size_t)oy * d->ow + ox) * d->oc + c0;
      for (int j = 0; j < n; j++) {
        float v = acc[j];
        o[j] = v < d->act_min ? d->act_min : (v > d->act_max ? d->act_max : v);
      }
    }
}

static void dw_conv(const nn_conv_desc *d, const float *in, const float *p, float *out) {
  if (!dw_is_native(d)) {
    nn_kernels_scalar.dwconv(d, in, p, out);
    return;
  }
  int c = d->oc, taps = d->kh * d->kw, xlo, xhi;
  dw_span_fn fixed = NULL;
  if (d->kh == 3 && d->kw == 3) fixed = dw_span_k3;
  if (d->kh == 5 && d->kw == 5) fixed = dw_span_k5;
  dw_interior_cols(d, &xlo, &xhi);
  for (int c0 = 0; c0 < c; c0 += VL) {
    const float *bp = p + (size_t)c0 * (1 + taps);
    if (c - c0 < VL) {
      dw_tail(d, in, bp, c0, out);
      break;
    }
    for (int oy = 0; oy < d->oh; oy++) {
      int iy0 = oy * d->sh - d->pad_t;
      int inside = iy0 >= 0 && iy0 + (d->kh - 1) * d->dh < d->ih;
      if (!fixed || !inside || xlo >= xhi) {
        dw_span_border(d, in, bp, c0, oy, 0, d->ow, out);
        continue;
      }
      dw_span_border(d, in, bp, c0, oy, 0, xlo, out);
      fixed(d, in, bp, c0, oy, xlo, xhi, out);
      dw_span_border(d, in, bp, c0, oy, xhi, d->ow, out);
    }
  }
}
