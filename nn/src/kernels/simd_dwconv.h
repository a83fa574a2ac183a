/* DEPTHWISE_CONV_2D for one SIMD kernel set (template; see simd_conv.h).
 *
 * Packed layout (depth multiplier 1): channels in blocks of VL, each block bias[VL] then
 * weights [kh][kw][VL], zero padded past oc. Other depth multipliers are rare in the models
 * we run and are delegated, packing included, to the scalar set.
 *
 * Loop order: output rows, then channel blocks, then pixels: the few input rows one row
 * of outputs reads stay in L1 while every channel block passes over them (sweeping the
 * whole image once per block streams it from L3 when the image is large and the channels
 * few). Rows with horizontal stride 1 or 2, dilation 1 and a 3×3 or 5×5 kernel use a
 * sliding window over input columns (DW_SLIDE, DW_SLIDE_S2), padding included. Other rows split into a left
 * border, an interior where every tap is inside the image (fully unrolled for 3×3 and 5×5,
 * two channel blocks per pass) and a right border; rows whose taps leave the image, and
 * other kernel sizes, run the bordered path. Channels past the last full vector run in
 * plain C. */

#ifndef DW_PAIR
#define DW_PAIR 1 /* interior: two channel blocks per pass (see DW_FIXED2) */
#endif
#ifndef DW_ROLL
#define DW_ROLL 1 /* rows with horizontal stride 1 or 2 use the sliding windows */
#endif

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

/* Interior span of one row for a K×K kernel known at compile time: no bounds checks, taps
 * fully unrolled, the block's weights loaded once per span. */
#define DW_FIXED(K)                                                                         \
  static void dw_span_k##K(const nn_conv_desc *d, const float *in, const float *bp, int c0,  \
                           int oy, int ox0, int ox1, float *out) {                          \
    V w[K * K], b = V_LOAD(bp), lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);         \
    for (int t = 0; t < K * K; t++) w[t] = V_LOAD(bp + VL + t * VL);                         \
    size_t c = (size_t)d->ic, dx = (size_t)d->dw * c, dy = (size_t)d->dh * d->iw * c;        \
    size_t step = (size_t)d->sw * c, oc = (size_t)d->oc;                                    \
    const float *r =                                                                        \
        in + ((size_t)(oy * d->sh - d->pad_t) * d->iw + (ox0 * d->sw - d->pad_l)) * c + c0;  \
    float *o = out + ((size_t)oy * d->ow + ox0) * oc + c0;                                  \
    for (int ox = ox0; ox < ox1; ox++, r += step, o += oc) {                                \
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

/* The same for two adjacent channel blocks at once: their inputs sit VL floats apart and
 * their packed weights a constant distance apart, so in wasm both loads take immediate
 * offsets and the per-tap address arithmetic is paid once per 2·VL channels. */
#define DW_FIXED2(K)                                                                        \
  static void dw_span2_k##K(const nn_conv_desc *d, const float *in, const float *bp, int c0, \
                            int oy, int ox0, int ox1, float *out) {                         \
    enum { BLK = VL * (1 + K * K) }; /* floats between two packed blocks */                \
    V b0 = V_LOAD(bp), b1 = V_LOAD(bp + BLK);                                               \
    V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);                                   \
    size_t c = (size_t)d->ic, dx = (size_t)d->dw * c, dy = (size_t)d->dh * d->iw * c;        \
    size_t step = (size_t)d->sw * c, oc = (size_t)d->oc;                                    \
    const float *r =                                                                        \
        in + ((size_t)(oy * d->sh - d->pad_t) * d->iw + (ox0 * d->sw - d->pad_l)) * c + c0;  \
    float *o = out + ((size_t)oy * d->ow + ox0) * oc + c0;                                  \
    const float *w = bp + VL;                                                               \
    for (int ox = ox0; ox < ox1; ox++, r += step, o += oc) {                                \
      V a0 = b0, a1 = b1;                                                                   \
      _Pragma("GCC unroll 5") for (int ky = 0; ky < K; ky++) {                              \
        _Pragma("GCC unroll 5") for (int kx = 0; kx < K; kx++) {                            \
          const float *x = r + ky * dy + kx * dx;                                           \
          const float *wt = w + (ky * K + kx) * VL;                                         \
          a0 = V_FMA(V_LOAD(x), V_LOAD(wt), a0);                                            \
          a1 = V_FMA(V_LOAD(x + VL), V_LOAD(wt + BLK), a1);                                 \
        }                                                                                   \
      }                                                                                     \
      V_STORE(o, V_CLAMP(a0, lo, hi));                                                      \
      V_STORE(o + VL, V_CLAMP(a1, lo, hi));                                                 \
    }                                                                                       \
  }
DW_FIXED2(3)
DW_FIXED2(5)

/* Rows for K×K kernels with horizontal stride and dilation 1: a sliding window over input
 * columns. Each column (K loads, one per kernel row) is multiplied by the K weight
 * columns and added to the K outputs it belongs to; the leftmost of those is then complete
 * and stored. Each input is loaded once instead of K times, and for 3×3 the nine weights,
 * the partial sums and the column all stay in registers. Columns outside the image (left
 * and right padding) contribute nothing; kernel rows outside it (top and bottom padding)
 * read a static row of zeros, so every output row takes this path.
 * rows[ky]: input row ky of this output row, offset to channel c0 (or dw_zeros). */
#define DW_ZEROS 8192
static const float dw_zeros[DW_ZEROS];

#define DW_SLIDE(K)                                                                         \
  static void dw_row_slide_k##K(const nn_conv_desc *d, const float *const *rows,            \
                                const float *bp, float *o) {                                \
    V w[K * K], acc[K - 1], x[K];                                                           \
    const float *r[K]; /* a local copy: stores to o cannot alias it, so it stays in */      \
    for (int ky = 0; ky < K; ky++) r[ky] = rows[ky]; /* registers across the loop */        \
    for (int t = 0; t < K * K; t++) w[t] = V_LOAD(bp + VL + t * VL);                         \
    V b = V_LOAD(bp), lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);                   \
    for (int j = 0; j < K - 1; j++) acc[j] = b;                                             \
    size_t c = (size_t)d->ic, oc = (size_t)d->oc;                                           \
    /* Column i completes output ox = i + pad_l − (K − 1); acc[j] is output ox + j. */      \
    int ow = d->ow, ox = d->pad_l - (K - 1), last = ow - 1 - d->pad_l + (K - 1), i = 0;      \
    for (; i <= last && i < d->iw; i++, ox++) {                                             \
      size_t off = (size_t)i * c;                                                           \
      _Pragma("GCC unroll 5") for (int ky = 0; ky < K; ky++) x[ky] = V_LOAD(r[ky] + off);    \
      V next = b;                                                                           \
      _Pragma("GCC unroll 5") for (int ky = 0; ky < K; ky++) {                              \
        _Pragma("GCC unroll 5") for (int j = 0; j < K - 1; j++) acc[j] =                    \
            V_FMA(x[ky], w[ky * K + K - 1 - j], acc[j]);                                    \
        next = V_FMA(x[ky], w[ky * K], next);                                               \
      }                                                                                     \
      if (ox >= 0) V_STORE(o + (size_t)ox * oc, V_CLAMP(acc[0], lo, hi));                   \
      _Pragma("GCC unroll 5") for (int j = 0; j < K - 2; j++) acc[j] = acc[j + 1];          \
      acc[K - 2] = next;                                                                    \
    }                                                                                       \
    /* Past the right edge the columns are padding: pending outputs just complete. */       \
    for (; i <= last; i++, ox++) {                                                          \
      if (ox >= 0) V_STORE(o + (size_t)ox * oc, V_CLAMP(acc[0], lo, hi));                   \
      for (int j = 0; j < K - 2; j++) acc[j] = acc[j + 1];                                  \
      acc[K - 2] = b;                                                                       \
    }                                                                                       \
  }
DW_SLIDE(3)
DW_SLIDE(5)

/* The sliding window for horizontal stride 2 (K = 2m + 1). Output ox reads columns
 * s .. s + 2m with s = 2·ox − pad_l; the step that completes it loads only its last two
 * columns, s + 2m − 1 and s + 2m, and adds them to ox and to the m outputs after it that
 * also read them (acc[j] is output ox + j). Steps start at the virtual output −m so that
 * output 0's first columns are seen; columns outside the image load as zeros. Each input is
 * loaded once instead of about K/2 times. */
#define DW_SLIDE_S2(K)                                                                      \
  static void dw_row_slide2_k##K(const nn_conv_desc *d, const float *const *rows,           \
                                 const float *bp, float *o) {                               \
    enum { M = (K - 1) / 2 };                                                               \
    V w[K * K], acc[M + 1], x1[K], x2[K];                                                   \
    const float *r[K];                                                                      \
    for (int ky = 0; ky < K; ky++) r[ky] = rows[ky];                                        \
    for (int t = 0; t < K * K; t++) w[t] = V_LOAD(bp + VL + t * VL);                         \
    V b = V_LOAD(bp), lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max), z = V_SPLAT(0.0f); \
    for (int j = 0; j <= M; j++) acc[j] = b;                                                \
    size_t c = (size_t)d->ic, oc = (size_t)d->oc;                                           \
    unsigned iw = (unsigned)d->iw;                                                          \
    for (int ox = -M; ox < d->ow; ox++) {                                                   \
      int i2 = 2 * ox - d->pad_l + 2 * M, i1 = i2 - 1;                                      \
      int in1 = (unsigned)i1 < iw, in2 = (unsigned)i2 < iw;                                 \
      _Pragma("GCC unroll 5") for (int ky = 0; ky < K; ky++) {                              \
        x1[ky] = in1 ? V_LOAD(r[ky] + (size_t)i1 * c) : z;                                  \
        x2[ky] = in2 ? V_LOAD(r[ky] + (size_t)i2 * c) : z;                                  \
      }                                                                                     \
      _Pragma("GCC unroll 5") for (int ky = 0; ky < K; ky++) {                              \
        _Pragma("GCC unroll 5") for (int j = 0; j <= M; j++) {                              \
          acc[j] = V_FMA(x2[ky], w[ky * K + 2 * M - 2 * j], acc[j]);                        \
          if (j < M) acc[j] = V_FMA(x1[ky], w[ky * K + 2 * M - 1 - 2 * j], acc[j]);         \
        }                                                                                   \
      }                                                                                     \
      if (ox >= 0) V_STORE(o + (size_t)ox * oc, V_CLAMP(acc[0], lo, hi));                   \
      _Pragma("GCC unroll 5") for (int j = 0; j < M; j++) acc[j] = acc[j + 1];              \
      acc[M] = b;                                                                           \
    }                                                                                       \
  }
DW_SLIDE_S2(3)
DW_SLIDE_S2(5)

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

/* Rows of many channels, where a pass per channel block along a row would stride ic floats
 * between loads (and the sliding window's zero row is too short): G adjacent outputs at a
 * time, every channel block in turn, so consecutive blocks read consecutive memory. For
 * each kernel row, its K weights stay in registers while the (G − 1)·S + K input columns
 * the group reads are loaded once each and multiplied into the outputs that use them; with
 * G = 4 and K = 5 that is 13 loads for 20 multiply-adds, and 12 live vectors. Taps are
 * added kernel row by kernel row, left to right, as dw_pixel_border adds them. rows[ky]:
 * input row ky of this output row (channel 0), or NULL outside the image; check: some
 * columns of the group may fall outside the image, and are then skipped. */
#define DW_GROUP(K, S, G)                                                                   \
  static void dw_group_k##K##s##S##g##G(const nn_conv_desc *d, const float *const *rows,    \
                                        const float *p, int cfull, int ox, int check,       \
                                        float *o) {                                         \
    enum { NI = (G - 1) * S + K, BLK = VL * (1 + K * K) };                                  \
    size_t c = (size_t)d->ic, oc = (size_t)d->oc;                                           \
    int ix0 = ox * S - d->pad_l;                                                            \
    unsigned iw = (unsigned)d->iw;                                                          \
    V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);                                   \
    for (int c0 = 0; c0 < cfull; c0 += VL) {                                                \
      const float *bp = p + (size_t)(c0 / VL) * BLK;                                        \
      V acc[G], w[K];                                                                       \
      acc[0] = V_LOAD(bp);                                                                  \
      for (int j = 1; j < G; j++) acc[j] = acc[0];                                          \
      _Pragma("GCC unroll 5") for (int ky = 0; ky < K; ky++) {                              \
        if (!rows[ky]) continue;                                                            \
        const float *r = rows[ky] + c0;                                                     \
        _Pragma("GCC unroll 5") for (int kx = 0; kx < K; kx++) w[kx] =                      \
            V_LOAD(bp + VL + (ky * K + kx) * VL);                                           \
        _Pragma("GCC unroll 16") for (int i = 0; i < NI; i++) {                             \
          if (check && (unsigned)(ix0 + i) >= iw) continue;                                 \
          V x = V_LOAD(r + (ptrdiff_t)(ix0 + i) * (ptrdiff_t)c);                            \
          _Pragma("GCC unroll 4") for (int j = 0; j < G; j++) {                             \
            int kx = i - j * S;                                                             \
            if (kx >= 0 && kx < K) acc[j] = V_FMA(x, w[kx], acc[j]);                        \
          }                                                                                 \
        }                                                                                   \
      }                                                                                     \
      _Pragma("GCC unroll 4") for (int j = 0; j < G; j++)                                   \
          V_STORE(o + (size_t)j * oc + c0, V_CLAMP(acc[j], lo, hi));                        \
    }                                                                                       \
  }
DW_GROUP(3, 1, 4)
DW_GROUP(3, 1, 1)
DW_GROUP(3, 2, 4)
DW_GROUP(3, 2, 1)
DW_GROUP(5, 1, 4)
DW_GROUP(5, 1, 1)
DW_GROUP(5, 2, 4)
DW_GROUP(5, 2, 1)

typedef void (*dw_group_fn)(const nn_conv_desc *d, const float *const *rows, const float *p,
                            int cfull, int ox, int check, float *o);
enum { DW_G = 4 };


/* The grouped kernels for d (four outputs, then one), or 0 when its shape has none. */
static int dw_grouper(const nn_conv_desc *d, dw_group_fn *four, dw_group_fn *one) {
  if (d->dw != 1 || d->kh != d->kw || (d->kh != 3 && d->kh != 5) || d->sw > 2) return 0;
  int k5 = d->kh == 5, s2 = d->sw == 2;
  *four = k5 ? (s2 ? dw_group_k5s2g4 : dw_group_k5s1g4) : (s2 ? dw_group_k3s2g4 : dw_group_k3s1g4);
  *one = k5 ? (s2 ? dw_group_k5s2g1 : dw_group_k5s1g1) : (s2 ? dw_group_k3s2g1 : dw_group_k3s1g1);
  return 1;
}

/* Every full channel block of output row oy through the grouped kernels. */
static void dw_row_group(const nn_conv_desc *d, dw_group_fn four, dw_group_fn one,
                         const float *in, const float *p, int cfull, int oy, float *out) {
  const float *rows[5];
  for (int ky = 0; ky < d->kh; ky++) {
    int iy = oy * d->sh - d->pad_t + ky * d->dh;
    rows[ky] = (unsigned)iy < (unsigned)d->ih ? in + (size_t)iy * d->iw * d->ic : NULL;
  }
  int xlo, xhi, ox = 0;
  dw_interior_cols(d, &xlo, &xhi);
  float *o = out + (size_t)oy * d->ow * d->oc;
  size_t oc = (size_t)d->oc;
  for (; ox + DW_G <= d->ow; ox += DW_G)
    four(d, rows, p, cfull, ox, ox < xlo || ox + DW_G > xhi, o + (size_t)ox * oc);
  for (; ox < d->ow; ox++) one(d, rows, p, cfull, ox, ox < xlo || ox >= xhi, o + (size_t)ox * oc);
}

typedef void (*dw_slide_fn)(const nn_conv_desc *d, const float *const *rows, const float *bp,
                            float *o);

/* The sliding kernel for d, or NULL when its shape needs the general path. */
static dw_slide_fn dw_slider(const nn_conv_desc *d) {
  if (!DW_ROLL || d->sw > 2 || d->dw != 1 || d->kh != d->kw) return NULL;
  if ((size_t)d->iw * d->ic + VL > DW_ZEROS) return NULL; /* zero row too short */
  if (d->sw == 2) return d->kh == 3 ? dw_row_slide2_k3 : d->kh == 5 ? dw_row_slide2_k5 : NULL;
  return d->kh == 3 ? dw_row_slide_k3 : d->kh == 5 ? dw_row_slide_k5 : NULL;
}

/* Every channel block of output row oy through the sliding kernel. */
static void dw_row_slide(const nn_conv_desc *d, dw_slide_fn slide, const float *in,
                         const float *p, int cfull, int oy, float *out) {
  const float *rows[5];
  int taps = d->kh * d->kw;
  for (int c0 = 0; c0 < cfull; c0 += VL) {
    for (int ky = 0; ky < d->kh; ky++) {
      int iy = oy * d->sh - d->pad_t + ky * d->dh;
      rows[ky] = (unsigned)iy < (unsigned)d->ih
                     ? in + (size_t)iy * d->iw * d->ic + c0
                     : dw_zeros;
    }
    slide(d, rows, p + (size_t)c0 * (1 + taps), out + (size_t)oy * d->ow * d->oc + c0);
  }
}

typedef void (*dw_span_fn)(const nn_conv_desc *d, const float *in, const float *bp, int c0,
                           int oy, int ox0, int ox1, float *out);

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

/* out[i] = clamp(out[i] + res[i], lo, hi) over n floats: a fused residual ADD. */
static void dw_add_res(float *out, const float *res, size_t n, float lo, float hi) {
  V vlo = V_SPLAT(lo), vhi = V_SPLAT(hi);
  size_t i = 0;
  for (; i + VL <= n; i += VL)
    V_STORE(out + i, V_CLAMP(V_ADD(V_LOAD(out + i), V_LOAD(res + i)), vlo, vhi));
  for (; i < n; i++) {
    float v = out[i] + res[i];
    out[i] = v < lo ? lo : (v > hi ? hi : v);
  }
}

/* A residual ADD fused into a depthwise conv: its other operand and activation. */
typedef struct dw_res {
  const float *res;
  float lo, hi;
} dw_res;

/* Epilogues applied to each output row as soon as it is complete, while it is still in L1,
 * instead of in a separate pass over the whole tensor: hs, a fused HARD_SWISH; r, a fused
 * residual ADD (or NULL). */
static void dw_conv_epi(const nn_conv_desc *d, const float *in, const float *p, float *out,
                        int hs, const dw_res *r) {
  int c = d->oc, taps = d->kh * d->kw, xlo, xhi;
  dw_span_fn fixed = NULL, fixed2 = NULL;
  if (d->kh == 3 && d->kw == 3) fixed = dw_span_k3, fixed2 = dw_span2_k3;
  if (d->kh == 5 && d->kw == 5) fixed = dw_span_k5, fixed2 = dw_span2_k5;
  dw_interior_cols(d, &xlo, &xhi);
  int cfull = c / VL * VL;
  dw_slide_fn slide = dw_slider(d);
  dw_group_fn four = NULL, one = NULL;
#ifndef DW_GROUP3
#define DW_GROUP3 0
#endif
  if ((!slide || d->kh == 5 || DW_GROUP3) && dw_grouper(d, &four, &one)) slide = NULL;
  size_t blk = (size_t)VL * (1 + taps);
  for (int oy = 0; oy < d->oh; oy++) {
    int iy0 = oy * d->sh - d->pad_t;
    int inside = fixed && xlo < xhi && iy0 >= 0 && iy0 + (d->kh - 1) * d->dh < d->ih;
    size_t row = (size_t)d->ow * c;
    if (four || slide) {
      if (four)
        dw_row_group(d, four, one, in, p, cfull, oy, out);
      else
        dw_row_slide(d, slide, in, p, cfull, oy, out);
      if (hs && cfull == c) v_hswish_inplace(out + oy * row, row);
      if (r && cfull == c) dw_add_res(out + oy * row, r->res + oy * row, row, r->lo, r->hi);
      continue;
    }
    for (int c0 = 0; c0 < cfull;) {
      const float *bp = p + (size_t)c0 * (1 + taps);
      int pair = DW_PAIR && inside && c0 + 2 * VL <= cfull, nb = pair ? 2 : 1;
      for (int b = 0; b < nb; b++)
        dw_span_border(d, in, bp + b * blk, c0 + b * VL, oy, 0, inside ? xlo : d->ow, out);
      if (pair)
        fixed2(d, in, bp, c0, oy, xlo, xhi, out);
      else if (inside)
        fixed(d, in, bp, c0, oy, xlo, xhi, out);
      if (inside)
        for (int b = 0; b < nb; b++)
          dw_span_border(d, in, bp + b * blk, c0 + b * VL, oy, xhi, d->ow, out);
      c0 += nb * VL;
    }
    if (hs && cfull == c) v_hswish_inplace(out + oy * row, row);
    if (r && cfull == c) dw_add_res(out + oy * row, r->res + oy * row, row, r->lo, r->hi);
  }
  if (cfull < c) { /* ragged channels: the tail, then one pass over everything */
    dw_tail(d, in, p + (size_t)cfull * (1 + taps), cfull, out);
    if (hs) v_hswish_inplace(out, (size_t)d->oh * d->ow * c);
    if (r) dw_add_res(out, r->res, (size_t)d->oh * d->ow * c, r->lo, r->hi);
  }
}

static void dw_conv(const nn_conv_desc *d, const float *in, const float *p, float *out) {
  if (!dw_is_native(d))
    nn_kernels_scalar.dwconv(d, in, p, out);
  else
    dw_conv_epi(d, in, p, out, 0, NULL);
}

static void dw_conv_add(const nn_conv_desc *d, const float *in, const float *p, const float *res,
                        float *out, float lo, float hi) {
  dw_res r = {res, lo, hi};
  if (!dw_is_native(d))
    nn_kernels_scalar.dwconv_add(d, in, p, res, out, lo, hi);
  else
    dw_conv_epi(d, in, p, out, 0, &r);
}

static void dw_conv_hswish(const nn_conv_desc *d, const float *in, const float *p,
                           float *out) {
  if (!dw_is_native(d))
    nn_kernels_scalar.dwconv_hswish(d, in, p, out);
  else
    dw_conv_epi(d, in, p, out, 1, NULL);
}
