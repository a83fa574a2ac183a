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
 * live in registers while it walks the taps and input channels, broadcasting one input
 * value per pixel against one row of packed weights. A 1×1 convolution is exactly a GEMM
 * (pixels × ic) · (ic × oc). Padding is handled once per tap per pixel by pointing that
 * pixel at a row of zeros, so the inner channel loop has no branches. */

#define NR (2 * VL)
#define MR 6

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

/* One zero row of ic floats (padding taps point there), rounded up for safety. */
static size_t cv_scratch_size(const nn_conv_desc *d) { return (size_t)d->ic + VL; }

/* Where a pixel's tap reads: its input row, or the zero row when outside the image. */
static inline const float *cv_tap(const nn_conv_desc *d, const float *in, const float *zero,
                                  int iy, int ix) {
  if ((unsigned)iy >= (unsigned)d->ih || (unsigned)ix >= (unsigned)d->iw) return zero;
  return in + ((size_t)iy * d->iw + ix) * d->ic;
}

/* Clamps and stores one pixel's W channels, only the nvalid that exist. */
static inline void cv_store(float *o, V v, int nvalid, V lo, V hi) {
  v = V_CLAMP(v, lo, hi);
  if (nvalid >= VL) {
    V_STORE(o, v);
  } else {
    float tmp[VL];
    V_STORE(tmp, v);
    for (int j = 0; j < nvalid; j++) o[j] = tmp[j];
  }
}

/* Input row pointers of the MR pixels for tap (ky, kx). */
#define CV_PTRS(r) const float *a##r = cv_tap(d, in, zero, iy[r] + ky * d->dh, ix[r] + kx * d->dw);
#define CV_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

/* MR pixels × 2 vectors of output channels. iy/ix: each pixel's top-left input position
 * (pixels past mr repeat the last one, so the loads stay valid). */
static void cv_tile2(const nn_conv_desc *d, const float *in, const float *zero, const int *iy,
                     const int *ix, const float *bp, float *out, int mr, int nvalid) {
  V b0 = V_LOAD(bp), b1 = V_LOAD(bp + VL);
#define CV_INIT2(r) V c##r##0 = b0, c##r##1 = b1;
  CV_ROWS(CV_INIT2)
  const float *w = bp + NR;
  int ic = d->ic;
  for (int ky = 0; ky < d->kh; ky++)
    for (int kx = 0; kx < d->kw; kx++) {
      CV_ROWS(CV_PTRS)
      for (int k = 0; k < ic; k++, w += NR) {
        V w0 = V_LOAD(w), w1 = V_LOAD(w + VL);
#define CV_FMA2(r)                                                                          \
  {                                                                                         \
    V x = V_SPLAT(a##r[k]);                                                                 \
    c##r##0 = V_FMA(x, w0, c##r##0);                                                        \
    c##r##1 = V_FMA(x, w1, c##r##1);                                                        \
  }
        CV_ROWS(CV_FMA2)
      }
    }
  V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);
  int n1 = nvalid - VL, oc = d->oc;
#define CV_STORE2(r)                                                                        \
  if (r < mr) {                                                                             \
    cv_store(out + (size_t)r * oc, c##r##0, nvalid, lo, hi);                                \
    if (n1 > 0) cv_store(out + (size_t)r * oc + VL, c##r##1, n1, lo, hi);                   \
  }
  CV_ROWS(CV_STORE2)
}

/* MR pixels × 1 vector: the narrow last block. */
static void cv_tile1(const nn_conv_desc *d, const float *in, const float *zero, const int *iy,
                     const int *ix, const float *bp, float *out, int mr, int nvalid) {
  V b0 = V_LOAD(bp);
#define CV_INIT1(r) V c##r##0 = b0;
  CV_ROWS(CV_INIT1)
  const float *w = bp + VL;
  int ic = d->ic;
  for (int ky = 0; ky < d->kh; ky++)
    for (int kx = 0; kx < d->kw; kx++) {
      CV_ROWS(CV_PTRS)
      for (int k = 0; k < ic; k++, w += VL) {
        V w0 = V_LOAD(w);
#define CV_FMA1(r) c##r##0 = V_FMA(V_SPLAT(a##r[k]), w0, c##r##0);
        CV_ROWS(CV_FMA1)
      }
    }
  V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);
  int oc = d->oc;
#define CV_STORE1(r)                                                                        \
  if (r < mr) cv_store(out + (size_t)r * oc, c##r##0, nvalid, lo, hi);
  CV_ROWS(CV_STORE1)
}

/* Output channel blocks outside, pixel tiles inside: one block's packed weights stay in
 * cache while the input streams past them. */
static void cv_conv(const nn_conv_desc *d, const float *in, const float *p, float *out,
                    float *scratch) {
  int oc = d->oc, npix = d->oh * d->ow, taps = d->kh * d->kw;
  memset(scratch, 0, cv_scratch_size(d) * sizeof *scratch);
  for (int o0 = 0; o0 < oc; o0 += NR) {
    int bw = cv_block_width(oc, o0), nvalid = oc - o0 < bw ? oc - o0 : bw;
    const float *bp = p + (size_t)o0 * (1 + (size_t)taps * d->ic);
    for (int p0 = 0; p0 < npix; p0 += MR) {
      int mr = npix - p0 < MR ? npix - p0 : MR, iy[MR], ix[MR];
      for (int r = 0; r < MR; r++) {
        int pix = p0 + (r < mr ? r : mr - 1), oy = pix / d->ow, ox = pix % d->ow;
        iy[r] = oy * d->sh - d->pad_t;
        ix[r] = ox * d->sw - d->pad_l;
      }
      float *o = out + (size_t)p0 * oc + o0;
      if (bw == NR)
        cv_tile2(d, in, scratch, iy, ix, bp, o, mr, nvalid);
      else
        cv_tile1(d, in, scratch, iy, ix, bp, o, mr, nvalid);
    }
  }
}

/* ---- Transposed convolution ------------------------------------------------------------- */

/* Same packing as conv. Each output pixel gathers only the taps whose phase matches it
 * (ky ≡ oy + pad_t mod sh), found by stepping, not by testing every tap. */
static size_t tc_scratch_size(const nn_conv_desc *d) {
  (void)d;
  return 0;
}

/* First tap index ≥ 0 congruent to t modulo s, for t possibly negative. */
static inline int tc_first_tap(int t, int s) {
  int r = t % s;
  return r < 0 ? r + s : r;
}

static void tc_pixel(const nn_conv_desc *d, const float *in, const float *bp, int bw, int oy,
                     int ox, float *o, int nvalid, V lo, V hi) {
  int ic = d->ic;
  V c0 = V_LOAD(bp), c1 = bw == NR ? V_LOAD(bp + VL) : V_SPLAT(0.0f);
  const float *w = bp + bw;
  for (int ky = tc_first_tap(oy + d->pad_t, d->sh); ky < d->kh; ky += d->sh) {
    int iy = (oy + d->pad_t - ky) / d->sh;
    if (iy < 0) break; /* larger ky only moves further up */
    if (iy >= d->ih) continue;
    for (int kx = tc_first_tap(ox + d->pad_l, d->sw); kx < d->kw; kx += d->sw) {
      int ix = (ox + d->pad_l - kx) / d->sw;
      if (ix < 0) break;
      if (ix >= d->iw) continue;
      const float *x = in + ((size_t)iy * d->iw + ix) * ic;
      const float *wt = w + (size_t)(ky * d->kw + kx) * ic * bw;
      if (bw == NR) {
        for (int k = 0; k < ic; k++, wt += NR) {
          V xv = V_SPLAT(x[k]);
          c0 = V_FMA(xv, V_LOAD(wt), c0);
          c1 = V_FMA(xv, V_LOAD(wt + VL), c1);
        }
      } else {
        for (int k = 0; k < ic; k++, wt += VL) c0 = V_FMA(V_SPLAT(x[k]), V_LOAD(wt), c0);
      }
    }
  }
  cv_store(o, c0, nvalid, lo, hi);
  if (nvalid > VL) cv_store(o + VL, c1, nvalid - VL, lo, hi);
}

static void tc_conv(const nn_conv_desc *d, const float *in, const float *p, float *out,
                    float *scratch) {
  (void)scratch;
  int oc = d->oc, taps = d->kh * d->kw;
  V lo = V_SPLAT(d->act_min), hi = V_SPLAT(d->act_max);
  for (int oy = 0; oy < d->oh; oy++)
    for (int ox = 0; ox < d->ow; ox++) {
      float *o = out + ((size_t)oy * d->ow + ox) * oc;
      for (int o0 = 0; o0 < oc; o0 += NR) {
        int bw = cv_block_width(oc, o0), nvalid = oc - o0 < bw ? oc - o0 : bw;
        const float *bp = p + (size_t)o0 * (1 + (size_t)taps * d->ic);
        tc_pixel(d, in, bp, bw, oy, ox, o + o0, nvalid, lo, hi);
      }
    }
}
