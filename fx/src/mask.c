/* The person mask: model output → temporal smoothing at the model's resolution → refinement
 * to the working resolution.
 *
 * Temporal smoothing keeps an 8.8 fixed-point history per model pixel and moves it towards
 * the new value by a fraction that grows with the change: 0.3 for changes up to 24 levels
 * (flicker of a still scene is damped), ramping to 1 at 96 levels and more (a moving edge is
 * followed at once, so it does not smear).
 *
 * Refinement (FX_REFINE_GUIDED, _FULL) is the fast guided filter (He & Sun 2015): the
 * coefficients a, b of q = a·I + b are fitted on a grid of ¼ of the frame (guide = luma
 * averaged 4×4, input = the mask resampled there) with box windows of radius FX__GUIDED_R,
 * then upsampled bilinearly and applied to the luma at half resolution (GUIDED, 640×360 for
 * 720p) or full resolution (GUIDED_FULL). Box sums run vertically with running column sums;
 * horizontal passes are vertical passes over the transposed image, so every pass is
 * contiguous SIMD. Both end with an edge curve (a smoothstep from FX__EDGE_LO to FX__EDGE_HI)
 * that narrows the soft transition the filter leaves where hair meets a backdrop of similar
 * brightness, which would show as a rim of the old background behind a replacement.
 * FX_REFINE_FAST is a plain bilinear resample to half resolution. */
#include "fx_internal.h"

static int alpha_q8(int d) {
  if (d <= 24) return 77;
  if (d >= 96) return 256;
  return 77 + (d - 24) * (256 - 77) / 72;
}

static float prob(const fx_ctx *c, float x, int is_logit) {
  if (is_logit) {
    if (x != x) return 0.0f;
    float t = (x < -16.0f ? -16.0f : x > 16.0f ? 16.0f : x) * 32.0f + 512.0f;
    int i = (int)t;
    float fr = t - (float)i;
    return c->sig_lut[i] + (c->sig_lut[i + 1] - c->sig_lut[i]) * fr;
  }
  return x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f; /* NaN → 0 */
}

static void temporal(fx_ctx *c, const float *out, int n, int is_logit, int first) {
  for (int i = 0; i < n; i++) {
    int v = (int)(prob(c, out[i], is_logit) * 65280.0f + 0.5f);
    int s = c->hist[i];
    if (first) {
      s = v;
    } else {
      int diff = v - s, d = (diff < 0 ? -diff : diff) >> 8;
      int step = diff * alpha_q8(d);
      s += (step + (step < 0 ? -128 : 128)) / 256; /* rounded half away from zero */
    }
    c->hist[i] = (uint16_t)s;
    c->msm[i] = (uint8_t)((s + 128) >> 8);
  }
}

/* Grid coefficients A, B (Q10, gw×gh, row-major) from c->glo and c->plo. */
static void guided_coeffs(fx_ctx *c, const fx__kern *k, int32_t **pa, int32_t **pb) {
  int gw = c->gw, gh = c->gh, G = gw * gh, r = FX__GUIDED_R, N = (2 * r + 1) * (2 * r + 1);
  int32_t *b[6];
  for (int i = 0; i < 6; i++) b[i] = c->work[i];
  k->guided_fields(c->glo, c->plo, G, b[0], b[1], b[2], b[3]);
  int32_t *tmp = b[4];
  for (int i = 0; i < 4; i++) { /* window sums, left transposed (gh wide) */
    k->box_v(b[i], tmp, c->col, gw, gh, r, 0, 0);
    k->transpose(tmp, gw, gh, b[i]);
    k->box_v(b[i], tmp, c->col, gh, gw, r, 0, 0);
    int32_t *t = b[i];
    b[i] = tmp;
    tmp = t;
  }
  int32_t *A = tmp, *B = b[5];
  k->guided_ab(b[0], b[1], b[2], b[3], G, N, FX__GUIDED_EPS * (float)N * (float)N, A, B);
  /* Mean of the coefficients over the same windows, back to row-major. */
  k->box_v(A, b[0], c->col, gh, gw, r, 0, 0);
  k->transpose(b[0], gh, gw, A);
  k->box_v(A, b[0], c->col, gw, gh, r, 0, 0);
  k->box_v(B, b[1], c->col, gh, gw, r, 0, 0);
  k->transpose(b[1], gh, gw, B);
  k->box_v(B, b[1], c->col, gw, gh, r, 0, 0);
  k->scale_i32(b[0], G, 1.0f / (float)N);
  k->scale_i32(b[1], G, 1.0f / (float)N);
  *pa = b[0];
  *pb = b[1];
}

static const int32_t *ring_i32(fx__ring *rg, const fx__kern *k, const int32_t *lo, int lw, int i,
                               int f) {
  int s = i & 1;
  if (rg->idx[s] != i) {
    k->up_h_i32(lo + (size_t)i * lw, lw, f, rg->slot[s]);
    rg->idx[s] = i;
  }
  return rg->slot[s];
}

/* q = A·I + B over a guide of ow×oh (f = 2: half resolution, 4: full). */
static void guided_apply(fx_ctx *c, const fx__kern *k, const int32_t *A, const int32_t *B,
                         const uint8_t *guide, int ow, int oh, int f, uint8_t *dst) {
  fx__ring ra = {{c->ring32[0], c->ring32[1]}, {-1, -1}};
  fx__ring rb = {{c->ring32[2], c->ring32[3]}, {-1, -1}};
  int sh = 10 + 2 * (f == 2 ? 2 : 3);
  for (int y = 0; y < oh; y++) {
    int ia, wa, ib, wb;
    fx__vpos(y, f, c->gh, &ia, &wa, &ib, &wb);
    const int32_t *a0 = ring_i32(&ra, k, A, c->gw, ia, f), *a1 = ring_i32(&ra, k, A, c->gw, ib, f);
    const int32_t *b0 = ring_i32(&rb, k, B, c->gw, ia, f), *b1 = ring_i32(&rb, k, B, c->gw, ib, f);
    k->guided_q(guide + (size_t)y * ow, a0, a1, b0, b1, wa, wb, sh, dst + (size_t)y * ow, ow);
  }
}

static void apply_lut(uint8_t *m, size_t n, const uint8_t *lut) {
  for (size_t i = 0; i < n; i++) m[i] = lut[m[i]];
}

int fx_update_mask(fx_ctx *c, const float *out, int mw, int mh, int is_logit, int refine) {
  if (!c || !out || mw < 1 || mh < 1 || mw > FX_MAX_DIM || mh > FX_MAX_DIM ||
      (size_t)mw * mh > FX__MAX_MASK_PIXELS)
    return FX_EINVAL;
  if (refine != FX_REFINE_FAST && refine != FX_REFINE_GUIDED && refine != FX_REFINE_GUIDED_FULL)
    return FX_EINVAL;
  const fx__kern *k = fx__k();
  int first = c->hist_w != mw || c->hist_h != mh;
  temporal(c, out, mw * mh, is_logit, first);
  c->hist_w = mw;
  c->hist_h = mh;

  if (refine == FX_REFINE_FAST) {
    fx__resample_u8(c, c->msm, mw, mh, c->mask_half, c->hw, c->hh, mw, mh);
    c->mask_is_full = 0;
  } else {
    k->down2(c->frame, c->w, c->h, c->ghalf);
    k->down2(c->ghalf, c->hw, c->hh, c->glo);
    /* The grid spans 4·gw × 4·gh frame pixels (a little more than the frame when w or h is
     * not a multiple of 4); map the model output onto the same span. */
    fx__resample_u8(c, c->msm, mw, mh, c->plo, c->gw, c->gh, (double)mw * 4 * c->gw / c->w,
                    (double)mh * 4 * c->gh / c->h);
    int32_t *A, *B;
    guided_coeffs(c, k, &A, &B);
    if (refine == FX_REFINE_GUIDED) {
      guided_apply(c, k, A, B, c->ghalf, c->hw, c->hh, 2, c->mask_half);
      c->mask_is_full = 0;
    } else {
      guided_apply(c, k, A, B, c->frame, c->w, c->h, 4, c->mask_full);
      c->mask_is_full = 1;
    }
  }
  /* The guided refinements end with the edge curve (ctx.c init_edge); FAST stays the plain
   * resample of the smoothed model output. */
  if (refine == FX_REFINE_GUIDED_FULL) {
    apply_lut(c->mask_full, (size_t)c->w * c->h, c->edge_lut);
    k->down2(c->mask_full, c->w, c->h, c->mask_half);
  } else if (refine == FX_REFINE_GUIDED) {
    apply_lut(c->mask_half, (size_t)c->hw * c->hh, c->edge_lut);
  }
  c->have_mask = 1;
  c->mask_version++;
  return FX_OK;
}

void fx_reset_mask(fx_ctx *c) {
  /* The refined mask stays for compositing until the next update (no flash of the raw
   * background while a new model loads); only the temporal history goes. */
  if (c) c->hist_w = c->hist_h = 0;
}

const uint8_t *fx_mask(const fx_ctx *c, int *w, int *h) {
  if (!c || !c->have_mask) {
    if (w) *w = 0;
    if (h) *h = 0;
    return NULL;
  }
  if (w) *w = c->mask_is_full ? c->w : c->hw;
  if (h) *h = c->mask_is_full ? c->h : c->hh;
  return c->mask_is_full ? c->mask_full : c->mask_half;
}
