/* CONV_2D and TRANSPOSE_CONV for one SIMD kernel set. This file is a template: an ISA file
 * (x86_avx2.c, x86_sse41.c, wasm_simd128.c) defines the vector type V, its width VL and the
 * V_* operations, then includes simd_impl.h, which includes this file once per set.
 *
 * Packed layout (shared by conv and tconv): output channels in blocks of NR = 2·VL (the
 * last block is VL wide when at most VL channels remain, so narrow layers waste less); each
 * block holds bias[W] then weights [kh][kw][ic][W], zero padded past oc. Block o0 starts
 * at o0·(1 + kh·kw·ic) because every block before the last is NR wide.
 *
 * The convolution is a register-blocked micro-kernel: MR output pixels × W output channels
 * live in registers while it walks K = kh·kw·ic products, broadcasting one input value
 * per pixel against one row of packed weights; a 1×1 convolution is exactly a GEMM
 * (pixels × ic) · (ic × oc) and reads the input in place. Other shapes first get a table
 * of input pointers per tile, one per tap per pixel (XNNPACK's "indirection buffer"), or
 * one per kernel row when the row's kw taps are contiguous in memory, with taps in the
 * padding pointing at a row of zeros: the inner loop is then the same branch-free GEMM
 * loop for every shape, and no input is copied. */

#define NR (2 * VL)
#ifndef MR
#define MR 6 /* rows of the micro-kernel: 2·MR accumulators + 3 temporaries ≤ 16 registers */
#endif

static int cv_block_width(int oc, int o0) { return oc - o0 <= VL ? VL : NR; }

static size_t cv_padded_oc(int oc) {
  int o0 = 0;
  while (oc - o0 > NR) o0 += NR;
  return (size_t)o0 + (size_t)cv_block_width(oc, o0);
}

static size_t cv_pack_size(const nn_conv_desc *d) {
  return cv_padded_oc(d->oc) * (1 + (size_t)d->kh * d->kw * d->ic);
}

static void cv_pack(const nn_conv_desc *d, const float *w, const float *bias, float *p) {
  int oc = d->oc, ic = d->ic, taps = d->kh * d->kw;
  for (int o0 = 0; o0 < oc; o0 += NR) {
    int bw = cv_block_width(oc, o0);
    float *bp = p + (size_t)o0 * (1 + (size_t)taps * ic);
    for (int j = 0; j < bw; j++) bp[j] = (o0 + j < oc && bias) ? bias[o0 + j] : 0.0f;
    float *wp = bp + bw;
    for (int t = 0; t < taps; t++)
      for (int i = 0; i < ic; i++)
        for (int j = 0; j < bw; j++, wp++) {
          int o = o0 + j;
          *wp = o < oc ? w[((size_t)o * taps + t) * ic + i] : 0.0f;
        }
  }
}

/* Largest kh·kw the SIMD path takes: its per-tile table of tap pointers lives on the stack.
 * Bigger kernels (none in the models we run) are delegated, packing included, to scalar. */
#define CV_MAX_TAPS 49

static int cv_is_native(const nn_conv_desc *d) { return d->kh * d->kw <= CV_MAX_TAPS; }

static size_t cv_pack_size_any(const nn_conv_desc *d) {
  return cv_is_native(d) ? cv_pack_size(d) : nn_kernels_scalar.conv_pack_size(d);
}

static void cv_pack_any(const nn_conv_desc *d, const float *w, const float *bias, float *p) {
  if (cv_is_native(d))
    cv_pack(d, w, bias, p);
  else
    nn_kernels_scalar.conv_pack(d, w, bias, p);
}

/* A row of kw·ic zeros: padding taps (or kernel rows) read it, so the inner loop never
 * tests bounds. */
static size_t cv_scratch_size(const nn_conv_desc *d) { return (size_t)d->kw * d->ic; }

/* x·relu6(x + 3)/6 with the operations, in the order, of the hswish kernel, so a fused
 * HARD_SWISH rounds exactly as the separate pass would. */
static inline V v_hswish(V x) {
  V r = V_CLAMP(V_ADD(x, V_SPLAT(3.0f)), V_SPLAT(0.0f), V_SPLAT(6.0f));
  return V_MUL(V_MUL(x, r), V_SPLAT(1.0f / 6.0f));
}

/* In place over n floats just written (still in L1): a fused HARD_SWISH. Applying it in
 * the conv's store instead was measured slower under V8 (its constants are rebuilt at each
 * of the tile's 12 stores), so convs and depthwise convs run it per finished tile/row. */
static void v_hswish_inplace(float *o, size_t n) {
  size_t i = 0;
  for (; i + VL <= n; i += VL) V_STORE(o + i, v_hswish(V_LOAD(o + i)));
  for (; i < n; i++) {
    float x = o[i], r = x + 3.0f;
    r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
    o[i] = x * r * (1.0f / 6.0f);
  }
}

/* In place over rows × c floats just written (still in L1): a fused PRELU with alpha[c],
 * max(x, 0) + α·min(x, 0) as the prelu kernel computes it. */
static void v_prelu_inplace(float *o, const float *alpha, size_t rows, size_t c) {
  V zero = V_SPLAT(0.0f);
  for (size_t r = 0; r < rows; r++, o += c) {
    size_t i = 0;
    for (; i + VL <= c; i += VL) {
      V v = V_LOAD(o + i);
      V_STORE(o + i, V_FMA(V_LOAD(alpha + i), V_MIN(v, zero), V_MAX(v, zero)));
    }
    for (; i < c; i++) o[i] = o[i] >= 0.0f ? o[i] : o[i] * alpha[i];
  }
}

/* Adds the residual (when fused), clamps and stores one pixel's W channels, only the
 * nvalid that exist. res is NULL without a fused ADD. */
static inline void cv_store(float *o, V v, int nvalid, V lo, V hi, const float *res) {
  if (res) {
    if (nvalid >= VL) {
      v = V_ADD(v, V_LOAD(res));
    } else {
      float tmp[VL] = {0};
      for (int j = 0; j < nvalid; j++) tmp[j] = res[j];
      v = V_ADD(v, V_LOAD(tmp));
    }
  }
  v = V_CLAMP(v, lo, hi);
  if (nvalid >= VL) {
    V_STORE(o, v);
  } else {
    float tmp[VL];
    V_STORE(tmp, v);
    for (int j = 0; j < nvalid; j++) o[j] = tmp[j];
  }
}

#ifndef CV_KU
#define CV_KU 4
#endif
#if MR == 3
#define CV_ROWS(X, j) X(0, j) X(1, j) X(2, j)
#elif MR == 4
#define CV_ROWS(X, j) X(0, j) X(1, j) X(2, j) X(3, j)
#elif MR == 5
#define CV_ROWS(X, j) X(0, j) X(1, j) X(2, j) X(3, j) X(4, j)
#elif MR == 6
#define CV_ROWS(X, j) X(0, j) X(1, j) X(2, j) X(3, j) X(4, j) X(5, j)
#else
#error "MR must be 4, 5 or 6"
#endif
#define CV_PTR(r, _) const float *a##r = ind[r];
#define CV_BUMP(r, n) a##r += n;

/* One k step at offset j for 2 vectors: a broadcast input per row against 2 weight rows. */
#define CV_FMA2(r, j)                                                                       \
  {                                                                                         \
    V x = V_SPLAT(a##r[j]);                                                                 \
    c##r##0 = V_FMA(x, w0, c##r##0);                                                        \
    c##r##1 = V_FMA(x, w1, c##r##1);                                                        \
  }
#ifndef CV_PIN2
#define CV_PIN2(a, b)
#endif
#ifndef CV_PIN1
#define CV_PIN1(a)
#endif
#define CV_PINR2(r, _) CV_PIN2(c##r##0, c##r##1)
#define CV_PINR1(r, _) CV_PIN1(c##r##0)
#define CV_STEP2(j)                                                                         \
  {                                                                                         \
    V w0 = V_LOAD(w + (j)*NR), w1 = V_LOAD(w + (j)*NR + VL);                                \
    CV_ROWS(CV_FMA2, j)                                                                     \
    CV_ROWS(CV_PINR2, j)                                                                    \
  }
#define CV_FMA1(r, j) c##r##0 = V_FMA(V_SPLAT(a##r[j]), w0, c##r##0);
#define CV_STEP1(j)                                                                         \
  {                                                                                         \
    V w0 = V_LOAD(w + (j)*VL);                                                              \
    CV_ROWS(CV_FMA1, j)                                                                     \
    CV_ROWS(CV_PINR1, j)                                                                    \
  }

/* MR pixels × 2 vectors of output channels. ind: for each of ntaps taps, MR pointers to
 * the ic inputs that tap reads for each pixel (rows past mr repeat the last pixel, so loads
 * stay valid); bp: the packed block (bias, then [tap][ic][NR] weights). The k loop is
 * unrolled by 4 so every load in its body is a constant offset from a pointer that moves
 * once per 4 steps (wasm folds constant offsets into the load instruction). */
static inline __attribute__((always_inline)) void
cv_tile2_impl(const float *const *ind, int ntaps, int ic, const float *bp, float *out,
              size_t ostride, int mr, int nvalid, V lo, V hi, const float *res) {
  V b0 = V_LOAD(bp), b1 = V_LOAD(bp + VL);
#define CV_INIT2(r, _) V c##r##0 = b0, c##r##1 = b1;
  CV_ROWS(CV_INIT2, 0)
  const float *w = bp + NR;
  for (int t = 0; t < ntaps; t++, ind += MR) {
    CV_ROWS(CV_PTR, 0)
    int k = 0;
#if CV_KU == 4
    for (; k + 4 <= ic; k += 4, w += 4 * NR) {
      CV_STEP2(0) CV_STEP2(1) CV_STEP2(2) CV_STEP2(3)
      CV_ROWS(CV_BUMP, 4)
    }
#elif CV_KU == 2
    for (; k + 2 <= ic; k += 2, w += 2 * NR) {
      CV_STEP2(0) CV_STEP2(1)
      CV_ROWS(CV_BUMP, 2)
    }
#endif
    for (; k < ic; k++, w += NR) {
      CV_STEP2(0)
      CV_ROWS(CV_BUMP, 1)
    }
  }
  int n1 = nvalid - VL;
#define CV_RES(r, off) (res ? res + (size_t)r * ostride + (off) : NULL)
#define CV_STORE2(r, _)                                                                     \
  if (r < mr) {                                                                             \
    cv_store(out + (size_t)r * ostride, c##r##0, nvalid, lo, hi, CV_RES(r, 0));             \
    if (n1 > 0)                                                                             \
      cv_store(out + (size_t)r * ostride + VL, c##r##1, n1, lo, hi, CV_RES(r, VL));         \
  }
  CV_ROWS(CV_STORE2, 0)
}

/* MR pixels × 1 vector: the narrow last block. */
static inline __attribute__((always_inline)) void
cv_tile1_impl(const float *const *ind, int ntaps, int ic, const float *bp, float *out,
              size_t ostride, int mr, int nvalid, V lo, V hi, const float *res) {
  V b0 = V_LOAD(bp);
#define CV_INIT1(r, _) V c##r##0 = b0;
  CV_ROWS(CV_INIT1, 0)
  const float *w = bp + VL;
  for (int t = 0; t < ntaps; t++, ind += MR) {
    CV_ROWS(CV_PTR, 0)
    int k = 0;
#if CV_KU == 4
    for (; k + 4 <= ic; k += 4, w += 4 * VL) {
      CV_STEP1(0) CV_STEP1(1) CV_STEP1(2) CV_STEP1(3)
      CV_ROWS(CV_BUMP, 4)
    }
#elif CV_KU == 2
    for (; k + 2 <= ic; k += 2, w += 2 * VL) {
      CV_STEP1(0) CV_STEP1(1)
      CV_ROWS(CV_BUMP, 2)
    }
#endif
    for (; k < ic; k++, w += VL) {
      CV_STEP1(0)
      CV_ROWS(CV_BUMP, 1)
    }
  }
#define CV_STORE1(r, _)                                                                     \
  if (r < mr) cv_store(out + (size_t)r * ostride, c##r##0, nvalid, lo, hi, CV_RES(r, 0));
  CV_ROWS(CV_STORE1, 0)
}

/* One compiled copy of each tile with and without a residual, so the plain tile is the
 * same code as without fusion (a live residual pointer across the k loop costs the wasm
 * engine a register in the hot loop; measured ~3% slower whole-model). */
#define CV_TILE_ARGS                                                                        \
  const float *const *ind, int ntaps, int ic, const float *bp, float *out, size_t ostride, \
      int mr, int nvalid, V lo, V hi
#define CV_TILE_PASS ind, ntaps, ic, bp, out, ostride, mr, nvalid, lo, hi
static void cv_tile2(CV_TILE_ARGS) { cv_tile2_impl(CV_TILE_PASS, NULL); }
static void cv_tile1(CV_TILE_ARGS) { cv_tile1_impl(CV_TILE_PASS, NULL); }
static void cv_tile2_res(CV_TILE_ARGS, const float *res) {
  cv_tile2_impl(CV_TILE_PASS, res);
}
static void cv_tile1_res(CV_TILE_ARGS, const float *res) {
  cv_tile1_impl(CV_TILE_PASS, res);
}

/* A run of ntile full tiles of a GEMM (a 1×1 convolution reading its input in place)
 * against one full block, the tile loop inside the call: with few input channels a tile is
 * only a few dozen cycles of work, and a call per tile and block (the general path) costs
 * a quarter of that under V8. The same operations per output as cv_tile2. */
static inline __attribute__((always_inline)) void
cv_run2_impl(const float *in, int ic, const float *bp, float *out, size_t ostride, int ntile,
             V lo, V hi, const float *res) {
  for (int t = 0; t < ntile; t++) {
    const float *ind[MR];
    for (int r = 0; r < MR; r++) ind[r] = in + (size_t)r * ic;
    cv_tile2_impl(ind, 1, ic, bp, out, ostride, MR, NR, lo, hi, res);
    in += (size_t)MR * ic;
    out += MR * ostride;
    if (res) res += MR * ostride;
  }
}
static void cv_run2(const float *in, int ic, const float *bp, float *out, size_t ostride,
                    int ntile, V lo, V hi) {
  cv_run2_impl(in, ic, bp, out, ostride, ntile, lo, hi, NULL);
}
static void cv_run2_res(const float *in, int ic, const float *bp, float *out, size_t ostride,
                        int ntile, V lo, V hi, const float *res) {
  cv_run2_impl(in, ic, bp, out, ostride, ntile, lo, hi, res);
}

/* A single pixel (a tile with mr == 1) over 4 full blocks (4·NR channels) at once. The
 * MR-row tile would compute its one pixel MR times; this one loads each input once for
 * 4·NR channels, and its 8 accumulators are independent chains. Every output takes the
 * same operations in the same order as in cv_tile2 (bias, then products in k order, mul
 * then add), so a pixel's result does not depend on which tile computed it (threads split
 * rows at any pixel and must stay bit-identical). bstride: floats between two blocks. */
static void cv_px4(const float *const *ind, int ntaps, int ic, const float *bp,
                   size_t bstride, float *out, V lo, V hi, const float *res) {
  const float *w0 = bp + NR, *w1 = w0 + bstride, *w2 = w1 + bstride, *w3 = w2 + bstride;
  V c00 = V_LOAD(bp), c01 = V_LOAD(bp + VL);
  V c10 = V_LOAD(bp + bstride), c11 = V_LOAD(bp + bstride + VL);
  V c20 = V_LOAD(bp + 2 * bstride), c21 = V_LOAD(bp + 2 * bstride + VL);
  V c30 = V_LOAD(bp + 3 * bstride), c31 = V_LOAD(bp + 3 * bstride + VL);
  for (int t = 0; t < ntaps; t++, ind += MR) {
    const float *a = ind[0];
    for (int k = 0; k < ic; k++, w0 += NR, w1 += NR, w2 += NR, w3 += NR) {
      V x = V_SPLAT(a[k]);
      c00 = V_FMA(x, V_LOAD(w0), c00);
      c01 = V_FMA(x, V_LOAD(w0 + VL), c01);
      c10 = V_FMA(x, V_LOAD(w1), c10);
      c11 = V_FMA(x, V_LOAD(w1 + VL), c11);
      c20 = V_FMA(x, V_LOAD(w2), c20);
      c21 = V_FMA(x, V_LOAD(w2 + VL), c21);
      c30 = V_FMA(x, V_LOAD(w3), c30);
      c31 = V_FMA(x, V_LOAD(w3 + VL), c31);
      CV_PIN2(c00, c01) CV_PIN2(c10, c11) CV_PIN2(c20, c21) CV_PIN2(c30, c31)
    }
  }
#define CV_PXS(b, j)                                                                        \
  cv_store(out + (b)*NR + (j)*VL, c##b##j, VL, lo, hi, res ? res + (b)*NR + (j)*VL : NULL);
  CV_PXS(0, 0) CV_PXS(0, 1) CV_PXS(1, 0) CV_PXS(1, 1)
  CV_PXS(2, 0) CV_PXS(2, 1) CV_PXS(3, 0) CV_PXS(3, 1)
#undef CV_PXS
}

/* A 1×1 convolution without stride or padding: a GEMM, pixel p reading input row p. */
static int cv_is_gemm(const nn_conv_desc *d) {
  return d->kh == 1 && d->kw == 1 && d->sh == 1 && d->sw == 1 && d->pad_t == 0 &&
         d->pad_l == 0 && d->iw == d->ow;
}

/* Fills the pointer table for the tile of pixels starting at p0 (mr of them) and returns
 * the number of taps in it. With horizontal dilation 1, a kernel row's kw taps read kw·ic
 * consecutive floats, the same order as the packed weights, so when every pixel's row
 * segment lies inside the image the table has one entry per kernel row (kh "taps" of
 * kw·ic products, fewer and longer inner loops); otherwise one per tap. The pixel's row and
 * column advance incrementally: a division per pixel costs more in wasm than the table. */
static int cv_indirection(const nn_conv_desc *d, const float *in, const float *zero, int p0,
                          int mr, const float **ind) {
  int oy = p0 / d->ow, ox = p0 % d->ow, ic = d->ic;
  if (cv_is_gemm(d)) { /* a GEMM: pixel p reads input row p */
    for (int r = 0; r < MR; r++) ind[r] = in + (size_t)(p0 + (r < mr ? r : mr - 1)) * ic;
    return 1;
  }
  int iy0[MR], ix0[MR], rows = d->dw == 1 && d->kw > 1;
  for (int r = 0; r < MR; r++) {
    if (r > 0 && r < mr && ++ox == d->ow) ox = 0, oy++;
    iy0[r] = oy * d->sh - d->pad_t;
    ix0[r] = ox * d->sw - d->pad_l;
    rows &= ix0[r] >= 0 && ix0[r] + d->kw - 1 < d->iw;
  }
  for (int r = 0; r < MR; r++) {
    const float **slot = ind + r;
    for (int ky = 0; ky < d->kh; ky++) {
      int iy = iy0[r] + ky * d->dh, yin = (unsigned)iy < (unsigned)d->ih;
      for (int kx = 0; kx < (rows ? 1 : d->kw); kx++, slot += MR) {
        int ix = ix0[r] + kx * d->dw;
        int inside = yin && (unsigned)ix < (unsigned)d->iw;
        *slot = inside ? in + ((size_t)iy * d->iw + ix) * ic : zero;
      }
    }
  }
  return rows ? d->kh : d->kh * d->kw;
}

#ifndef CV_RUN_MAX_IC
#define CV_RUN_MAX_IC 64 /* deeper inputs: a tile is long enough to pay for its call */
#endif
#define CV_RUN_BAND 64 /* pixels per band: its input stays in L1 while every block runs */

/* The full tiles of a GEMM in bands of pixels, each band through every full block as one
 * run (cv_run2) and the narrow or partial last block tile by tile; returns the first
 * pixel left for the general path (fewer than MR remain). */
static int cv_gemm_runs(const nn_conv_desc *d, const float *in, const float *p,
                        const float *res, float *out, int hs, const float *alpha) {
  int npix = d->oh * d->ow, oc = d->oc, ic = d->ic, p0 = 0;
  V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);
  for (; p0 + MR <= npix; p0 += CV_RUN_BAND) {
    int ntile = (npix - p0 < CV_RUN_BAND ? npix - p0 : CV_RUN_BAND) / MR;
    const float *x = in + (size_t)p0 * ic;
    float *o = out + (size_t)p0 * oc;
    for (int o0 = 0; o0 < oc; o0 += NR) {
      int bw = cv_block_width(oc, o0), nvalid = oc - o0 < bw ? oc - o0 : bw;
      const float *bp = p + (size_t)o0 * (1 + (size_t)ic);
      const float *rb = res ? res + (size_t)p0 * oc + o0 : NULL;
      if (bw == NR && nvalid == NR) {
        if (rb)
          cv_run2_res(x, ic, bp, o + o0, (size_t)oc, ntile, lo, hi, rb);
        else
          cv_run2(x, ic, bp, o + o0, (size_t)oc, ntile, lo, hi);
        continue;
      }
      for (int t = 0; t < ntile; t++) {
        const float *ind[MR];
        for (int r = 0; r < MR; r++) ind[r] = x + (size_t)(t * MR + r) * ic;
        float *ob = o + (size_t)t * MR * oc + o0;
        const float *rt = rb ? rb + (size_t)t * MR * oc : NULL;
        if (bw == NR && rt)
          cv_tile2_res(ind, 1, ic, bp, ob, (size_t)oc, MR, nvalid, lo, hi, rt);
        else if (bw == NR)
          cv_tile2(ind, 1, ic, bp, ob, (size_t)oc, MR, nvalid, lo, hi);
        else if (rt)
          cv_tile1_res(ind, 1, ic, bp, ob, (size_t)oc, MR, nvalid, lo, hi, rt);
        else
          cv_tile1(ind, 1, ic, bp, ob, (size_t)oc, MR, nvalid, lo, hi);
      }
    }
    if (hs) v_hswish_inplace(o, (size_t)ntile * MR * oc);
    if (alpha) v_prelu_inplace(o, alpha, (size_t)ntile * MR, (size_t)oc);
    if (ntile * MR < CV_RUN_BAND) return p0 + ntile * MR;
  }
  return p0;
}

/* Pixel tiles outside, output channel blocks inside: a tile's inputs (and its pointer
 * table) are reused by every block while they are hot in L1. res: a fused residual ADD's
 * other operand (out's shape), or NULL; hs: a fused HARD_SWISH; alpha: a fused PRELU's
 * alpha, or NULL. */
static void cv_conv_res(const nn_conv_desc *d, const float *in, const float *p,
                        const float *res, float *out, float *scratch, int hs,
                        const float *alpha) {
  int npix = d->oh * d->ow, oc = d->oc, ic = d->ic, ntaps = d->kh * d->kw;
  const float *ind[CV_MAX_TAPS * MR];
  V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);
  memset(scratch, 0, cv_scratch_size(d) * sizeof *scratch);
  int p0 = 0;
  if (cv_is_gemm(d) && ic <= CV_RUN_MAX_IC) p0 = cv_gemm_runs(d, in, p, res, out, hs, alpha);
  int prelu_from = p0; /* the PRELU runs once per band of pixels: per tile costs more */
  for (; p0 < npix; p0 += MR) {
    int mr = npix - p0 < MR ? npix - p0 : MR;
    int ntab = cv_indirection(d, in, scratch, p0, mr, ind);
    int klen = ntaps * ic / ntab; /* products per table entry: ic, or kw·ic for rows */
    float *o = out + (size_t)p0 * oc;
    const float *rs = res ? res + (size_t)p0 * oc : NULL;
    size_t bstride = (size_t)NR * (1 + (size_t)ntaps * ic);
    for (int o0 = 0; o0 < oc; o0 += NR) {
      int bw = cv_block_width(oc, o0), nvalid = oc - o0 < bw ? oc - o0 : bw;
      const float *bp = p + (size_t)o0 * (1 + (size_t)ntaps * ic), *rb = rs ? rs + o0 : NULL;
      float *ob = o + o0;
      if (mr == 1 && o0 + 4 * NR <= oc) {
        cv_px4(ind, ntab, klen, bp, bstride, ob, lo, hi, rb);
        o0 += 3 * NR;
      } else if (bw == NR && rb)
        cv_tile2_res(ind, ntab, klen, bp, ob, (size_t)oc, mr, nvalid, lo, hi, rb);
      else if (bw == NR)
        cv_tile2(ind, ntab, klen, bp, ob, (size_t)oc, mr, nvalid, lo, hi);
      else if (rb)
        cv_tile1_res(ind, ntab, klen, bp, ob, (size_t)oc, mr, nvalid, lo, hi, rb);
      else
        cv_tile1(ind, ntab, klen, bp, ob, (size_t)oc, mr, nvalid, lo, hi);
    }
    if (hs) v_hswish_inplace(o, (size_t)mr * oc);
    if (alpha && (p0 + mr - prelu_from >= CV_RUN_BAND || p0 + mr == npix)) {
      v_prelu_inplace(out + (size_t)prelu_from * oc, alpha, (size_t)(p0 + mr - prelu_from),
                      (size_t)oc);
      prelu_from = p0 + mr;
    }
  }
}

static void cv_conv(const nn_conv_desc *d, const float *in, const float *p, float *out,
                    float *scratch) {
  if (!cv_is_native(d))
    nn_kernels_scalar.conv(d, in, p, out, scratch);
  else
    cv_conv_res(d, in, p, NULL, out, scratch, 0, NULL);
}

static void cv_conv_hswish(const nn_conv_desc *d, const float *in, const float *p, float *out,
                           float *scratch) {
  if (!cv_is_native(d))
    nn_kernels_scalar.conv_hswish(d, in, p, out, scratch);
  else
    cv_conv_res(d, in, p, NULL, out, scratch, 1, NULL);
}

static void cv_conv_add(const nn_conv_desc *d, const float *in, const float *p,
                        const float *res, float *out, float *scratch) {
  if (!cv_is_native(d))
    nn_kernels_scalar.conv_add(d, in, p, res, out, scratch);
  else
    cv_conv_res(d, in, p, res, out, scratch, 0, NULL);
}

static void cv_conv_prelu(const nn_conv_desc *d, const float *in, const float *p,
                          const float *res, const float *alpha, float *out, float *scratch) {
  if (!cv_is_native(d))
    nn_kernels_scalar.conv_prelu(d, in, p, res, alpha, out, scratch);
  else
    cv_conv_res(d, in, p, res, out, scratch, 0, alpha);
}

/* ---- Transposed convolution ------------------------------------------------------------- */

/* Computed input-side: every input pixel contributes in[iy][ix][:] · W to a kh×kw patch of
 * outputs, so one GEMM (input pixels × ic) · (ic × kh·kw·oc) with the conv micro-kernel
 * gives all contributions, which are then added into place (col2im). This keeps the
 * vector lanes full even when oc is 1 (MediaPipe's final 2×2 upsampling layer), where a
 * per-output gather would waste all but one lane.
 *
 * Packed: bias[oc] (rounded up to VL), then the GEMM weights in conv blocks over
 * N = kh·kw·oc columns, column n = (ky·kw + kx)·oc + o, with zero GEMM bias. */
static size_t tc_cols(const nn_conv_desc *d) { return (size_t)d->kh * d->kw * d->oc; }
static size_t tc_bias_len(const nn_conv_desc *d) { return ((size_t)d->oc + VL - 1) / VL * VL; }

static size_t tc_pack_size(const nn_conv_desc *d) {
  return tc_bias_len(d) + cv_padded_oc((int)tc_cols(d)) * (1 + (size_t)d->ic);
}

static void tc_pack(const nn_conv_desc *d, const float *w, const float *bias, float *p) {
  int oc = d->oc, ic = d->ic, taps = d->kh * d->kw, n = (int)tc_cols(d);
  for (size_t j = 0; j < tc_bias_len(d); j++) p[j] = (bias && (int)j < oc) ? bias[j] : 0.0f;
  float *g = p + tc_bias_len(d);
  for (int n0 = 0; n0 < n; n0 += NR) {
    int bw = cv_block_width(n, n0);
    float *bp = g + (size_t)n0 * (1 + (size_t)ic);
    for (int j = 0; j < bw; j++) bp[j] = 0.0f;
    for (int i = 0; i < ic; i++)
      for (int j = 0; j < bw; j++) {
        int col = n0 + j, t = col / oc, o = col % oc;
        bp[bw + (size_t)i * bw + j] = col < n ? w[((size_t)o * taps + t) * ic + i] : 0.0f;
      }
  }
}

/* GEMM rows per tile: MR, or TC_MR8 when all N columns fit one vector (cv_tile1x8). */
#define TC_MR8 8
static int tc_rows(const nn_conv_desc *d) { return tc_cols(d) <= VL ? TC_MR8 : MR; }

/* One tile of GEMM results: up to TC_MR8 rows of N floats (and the VL-wide store of the
 * last row of cv_tile1x8). */
static size_t tc_scratch_size(const nn_conv_desc *d) {
  return (size_t)TC_MR8 * tc_cols(d) + VL;
}

/* 8 pixels × 1 vector, no activation: the transposed conv's GEMM when its N = kh·kw·oc
 * columns fit one vector (MediaPipe's final 2×2 upsampling to one channel: N = 4). The
 * MR-row tile would run MR dependent chains of adds, bound by the add latency; eight
 * chains keep the multiply and add units busy. ind: 8 row pointers (rows past mr repeat
 * the last pixel). */
static void cv_tile1x8(const float *const *ind, int ic, const float *bp, float *out,
                       size_t ostride, int mr, const float *bias1, float *row0, size_t ow) {
  V b0 = V_LOAD(bp);
  V c0 = b0, c1 = b0, c2 = b0, c3 = b0, c4 = b0, c5 = b0, c6 = b0, c7 = b0;
  const float *a0 = ind[0], *a1 = ind[1], *a2 = ind[2], *a3 = ind[3];
  const float *a4 = ind[4], *a5 = ind[5], *a6 = ind[6], *a7 = ind[7];
  const float *w = bp + VL;
  for (int k = 0; k < ic; k++, w += VL) {
    V w0 = V_LOAD(w);
    c0 = V_FMA(V_SPLAT(a0[k]), w0, c0);
    c1 = V_FMA(V_SPLAT(a1[k]), w0, c1);
    c2 = V_FMA(V_SPLAT(a2[k]), w0, c2);
    c3 = V_FMA(V_SPLAT(a3[k]), w0, c3);
    c4 = V_FMA(V_SPLAT(a4[k]), w0, c4);
    c5 = V_FMA(V_SPLAT(a5[k]), w0, c5);
    c6 = V_FMA(V_SPLAT(a6[k]), w0, c6);
    c7 = V_FMA(V_SPLAT(a7[k]), w0, c7);
    CV_PIN2(c0, c1) CV_PIN2(c2, c3) CV_PIN2(c4, c5) CV_PIN2(c6, c7)
  }
  /* Row r's ostride (N <= VL) floats; rows are stored in order, so the lanes past N that
   * a store writes are overwritten by the next row or fall in the scratch's slack. */
  V acc[TC_MR8] = {c0, c1, c2, c3, c4, c5, c6, c7};
  (void)row0, (void)ow;
#ifdef V_LO2
  if (row0) { /* 2×2 taps of 8 pixels in one input row: two rows of 16 outputs */
    V b = V_SPLAT(bias1[0]);
    for (int r = 0; r < TC_MR8; r++) acc[r] = V_ADD(acc[r], b);
    for (int r = 0; r < TC_MR8; r += 2) {
      V_STORE(row0 + 2 * r, V_LO2(acc[r], acc[r + 1]));
      V_STORE(row0 + ow + 2 * r, V_HI2(acc[r], acc[r + 1]));
    }
    return;
  }
#endif
  if (bias1) { /* one output channel: its bias added to every column after the sum */
    V b = V_SPLAT(bias1[0]);
    for (int r = 0; r < mr; r++) V_STORE(out + (size_t)r * ostride, V_ADD(acc[r], b));
  } else {
    for (int r = 0; r < mr; r++) V_STORE(out + (size_t)r * ostride, acc[r]);
  }
}

/* out[:] += src[:] over n floats. */
static inline void tc_accumulate(float *out, const float *src, int n) {
  int j = 0;
  for (; j + VL <= n; j += VL) V_STORE(out + j, V_ADD(V_LOAD(out + j), V_LOAD(src + j)));
  for (; j < n; j++) out[j] += src[j];
}

/* Adds the tile's contributions (row r = input pixel p0 + r) into the output. */
static void tc_scatter(const nn_conv_desc *d, const float *tile, int p0, int mr, float *out) {
  int oc = d->oc, n = (int)tc_cols(d), iy = p0 / d->iw, ix = p0 % d->iw - 1;
  for (int r = 0; r < mr; r++) {
    if (++ix == d->iw) ix = 0, iy++; /* no division per pixel: costly in wasm */
    for (int ky = 0; ky < d->kh; ky++) {
      int oy = iy * d->sh - d->pad_t + ky;
      if ((unsigned)oy >= (unsigned)d->oh) continue;
      for (int kx = 0; kx < d->kw; kx++) {
        int ox = ix * d->sw - d->pad_l + kx;
        if ((unsigned)ox >= (unsigned)d->ow) continue;
        tc_accumulate(out + ((size_t)oy * d->ow + ox) * oc,
                      tile + (size_t)r * n + (size_t)(ky * d->kw + kx) * oc, oc);
      }
    }
  }
}

/* Stride equal to the kernel and no padding (MediaPipe's 2x2/2 upsampling): every output
 * pixel takes exactly one tap of one input pixel, so the tile is stored with the bias
 * added instead of accumulated into a bias-filled output. */
static int tc_disjoint(const nn_conv_desc *d) {
  return d->sh == d->kh && d->sw == d->kw && d->pad_t == 0 && d->pad_l == 0 &&
         d->oh == d->ih * d->sh && d->ow == d->iw * d->sw;
}

static void tc_store(const nn_conv_desc *d, const float *tile, const float *bias, int p0,
                     int mr, float *out) {
  int oc = d->oc, n = (int)tc_cols(d), iy = p0 / d->iw, ix = p0 % d->iw - 1;
  for (int r = 0; r < mr; r++) {
    if (++ix == d->iw) ix = 0, iy++;
    const float *src = tile + (size_t)r * n;
    for (int ky = 0; ky < d->kh; ky++) {
      float *o = out + ((size_t)(iy * d->sh + ky) * d->ow + (size_t)ix * d->sw) * oc;
      if (oc == 1) { /* the kw taps of a kernel row are kw adjacent outputs */
        for (int kx = 0; kx < d->kw; kx++) o[kx] = src[kx] + bias[0];
        src += d->kw;
        continue;
      }
      for (int kx = 0; kx < d->kw; kx++, o += oc, src += oc) {
        int j = 0;
        for (; j + VL <= oc; j += VL) V_STORE(o + j, V_ADD(V_LOAD(src + j), V_LOAD(bias + j)));
        for (; j < oc; j++) o[j] = src[j] + bias[j];
      }
    }
  }
}

/* tc_store for one output channel and kw == 2 when the bias is already in the tile: each
 * kernel row of a pixel is two adjacent outputs, copied as one 8-byte unit (the scalar
 * loop read the tile back float by float right after its vector stores, ≈ 55 µs of the
 * selfie models' 90 µs upsampling layer under V8). */
static void tc_store_pairs(const nn_conv_desc *d, const float *tile, int p0, int mr,
                           float *out) {
  int n = (int)tc_cols(d), iy = p0 / d->iw, ix = p0 % d->iw - 1;
  for (int r = 0; r < mr; r++) {
    if (++ix == d->iw) ix = 0, iy++;
    const float *src = tile + (size_t)r * n;
    float *o = out + (size_t)iy * d->sh * d->ow + (size_t)ix * 2;
    for (int ky = 0; ky < d->kh; ky++, o += d->ow, src += 2) memcpy(o, src, 2 * sizeof *o);
  }
}

static void tc_conv(const nn_conv_desc *d, const float *in, const float *p, float *out,
                    float *scratch) {
  int oc = d->oc, ic = d->ic, n = (int)tc_cols(d), npix = d->ih * d->iw;
  size_t nout = (size_t)d->oh * d->ow;
  int disjoint = tc_disjoint(d);
  if (disjoint) {
    /* every output is stored by tc_store */
  } else if (oc == 1) { /* one float per pixel: a fill, not nout tiny copies */
    V b = V_SPLAT(p[0]);
    size_t i = 0;
    for (; i + VL <= nout; i += VL) V_STORE(out + i, b);
    for (; i < nout; i++) out[i] = p[0];
  } else {
    for (size_t i = 0; i < nout; i++) memcpy(out + i * oc, p, (size_t)oc * sizeof *out);
  }
  const float *g = p + tc_bias_len(d), *ind[TC_MR8];
  V none_lo = V_SPLAT(-INFINITY), none_hi = V_SPLAT(INFINITY);
  int rows = tc_rows(d), pairs = rows == TC_MR8 && disjoint && oc == 1 && d->kw == 2;
  for (int p0 = 0; p0 < npix; p0 += rows) {
    int mr = npix - p0 < rows ? npix - p0 : rows;
    for (int r = 0; r < rows; r++) ind[r] = in + (size_t)(p0 + (r < mr ? r : mr - 1)) * ic;
    if (rows == TC_MR8) { /* one block of n <= VL columns */
      /* 2×2/2 to one channel, 8 pixels of one input row (4-wide sets): stored from registers */
      int ix = p0 % d->iw, iy = p0 / d->iw, direct = pairs && d->kh == 2 && mr == TC_MR8 &&
                                                  ix + TC_MR8 <= d->iw;
#ifndef V_LO2
      direct = 0;
#endif
      float *row0 = direct ? out + (size_t)iy * 2 * d->ow + (size_t)ix * 2 : NULL;
      cv_tile1x8(ind, ic, g, scratch, (size_t)n, mr, pairs ? p : NULL, row0, (size_t)d->ow);
      if (direct) continue;
    }
    for (int n0 = 0; rows != TC_MR8 && n0 < n; n0 += NR) {
      int bw = cv_block_width(n, n0), nvalid = n - n0 < bw ? n - n0 : bw;
      const float *bp = g + (size_t)n0 * (1 + (size_t)ic);
      if (bw == NR)
        cv_tile2(ind, 1, ic, bp, scratch + n0, (size_t)n, mr, nvalid, none_lo, none_hi);
      else
        cv_tile1(ind, 1, ic, bp, scratch + n0, (size_t)n, mr, nvalid, none_lo, none_hi);
    }
    if (pairs)
      tc_store_pairs(d, scratch, p0, mr, out);
    else if (disjoint)
      tc_store(d, scratch, p, p0, mr, out);
    else
      tc_scatter(d, scratch, p0, mr, out);
  }
  if (d->act_min > -INFINITY || d->act_max < INFINITY) {
    V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);
    size_t total = nout * oc, i = 0;
    for (; i + VL <= total; i += VL) V_STORE(out + i, V_CLAMP(V_LOAD(out + i), lo, hi));
    for (; i < total; i++) out[i] = out[i] < d->act_min ? d->act_min
                                    : out[i] > d->act_max ? d->act_max : out[i];
  }
}
