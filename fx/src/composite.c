/* The output frame: person from the camera, background blurred (FX_MODE_BLUR) or replaced
 * (FX_MODE_IMAGE), blended per plane with the mask (U and V use the half-resolution mask,
 * which is their own resolution). Low-resolution planes are upsampled row by row: each
 * low-resolution row is upsampled horizontally once into a two-row cache, and each output
 * row is a vertical lerp of two cached rows, so nothing of frame size is written twice. */
#include <math.h>
#include <string.h>

#include "fx_internal.h"

static const uint8_t *ring_u8(fx__ring *rg, const fx__kern *k, const uint8_t *lo, int lw, int i,
                              int f) {
  int s = i & 1;
  if (rg->idx[s] != i) {
    k->up_h_u8(lo + (size_t)i * lw, lw, f, rg->slot[s]);
    rg->idx[s] = i;
  }
  return rg->slot[s];
}

static fx__ring mkring(fx_ctx *c, int first) {
  fx__ring r = {{c->ring8[first], c->ring8[first + 1]}, {-1, -1}};
  return r;
}

/* Row y (n wide) of the lw×lh plane lo upsampled f×, bilinear, into tmp. */
static const uint8_t *up_row(fx__ring *rg, const fx__kern *k, const uint8_t *lo, int lw, int lh,
                             int f, int y, int n, uint8_t *tmp) {
  int ia, wa, ib, wb;
  fx__vpos(y, f, lh, &ia, &wa, &ib, &wb);
  const uint8_t *r0 = ring_u8(rg, k, lo, lw, ia, f), *r1 = ring_u8(rg, k, lo, lw, ib, f);
  k->lerp_u8(r0, r1, wa, wb, f == 2 ? 2 : 3, tmp, n);
  return tmp;
}

/* The mask for luma row y: the full-resolution mask, or the half one upsampled. */
static const uint8_t *mask_row(fx_ctx *c, const fx__kern *k, fx__ring *rg, int y, uint8_t *tmp) {
  if (c->mask_is_full) return c->mask_full + (size_t)y * c->w;
  return up_row(rg, k, c->mask_half, c->hw, c->hh, 2, y, c->w, tmp);
}

/* Box radius on a grid for a Gaussian of sigma grid pixels from three passes. */
static int radius(double sigma) {
  return (int)floor((sqrt(1.0 + 4.0 * sigma * sigma) - 1.0) / 2.0 + 0.5);
}

static void composite_blur(fx_ctx *c, const fx__kern *k, int strength) {
  /* Strength 1..100 → σ of 0.3..30 frame pixels. */
  double sigma = 0.3 * strength;
  int G = c->gw * c->gh, CG = c->cgw * c->cgh;
  size_t n = (size_t)c->w * c->h, nh = (size_t)c->hw * c->hh;
  fx__blur_planes(c, c->frame, c->mask_half, radius(sigma / 4), radius(sigma / 8), c->blo);
  fx__ring rb = mkring(c, 0), rm = mkring(c, 2);
  for (int y = 0; y < c->h; y++) {
    const uint8_t *bg = up_row(&rb, k, c->blo, c->gw, c->gh, 4, y, c->w, c->rowbuf[0]);
    const uint8_t *m = mask_row(c, k, &rm, y, c->rowbuf[1]);
    size_t o = (size_t)y * c->w;
    k->blend(c->frame + o, bg, m, c->out + o, c->w);
  }
  for (int p = 0; p < 2; p++) {
    const uint8_t *lo = c->blo + G + (size_t)p * CG;
    size_t base = n + (size_t)p * nh;
    rb = mkring(c, 0);
    for (int y = 0; y < c->hh; y++) {
      const uint8_t *bg = up_row(&rb, k, lo, c->cgw, c->cgh, 4, y, c->hw, c->rowbuf[0]);
      size_t o = (size_t)y * c->hw;
      k->blend(c->frame + base + o, bg, c->mask_half + o, c->out + base + o, c->hw);
    }
  }
}

/* The blurred mask of the light wrap, on both grids, remade when the mask changed. */
static void wrap_mask(fx_ctx *c, const fx__kern *k) {
  if (c->mb_version == c->mask_version + 1u) return;
  k->down2(c->mask_half, c->hw, c->hh, c->plo);
  fx__box_blur_u8(c, c->plo, c->gw, c->gh, FX__WRAP_R, 2, c->mb_lo);
  k->down2(c->mb_lo, c->gw, c->gh, c->mb_lo + (size_t)c->gw * c->gh);
  c->mb_version = c->mask_version + 1u;
}

static void composite_image(fx_ctx *c, const fx__kern *k) {
  int G = c->gw * c->gh, CG = c->cgw * c->cgh;
  size_t n = (size_t)c->w * c->h, nh = (size_t)c->hw * c->hh;
  wrap_mask(c, k);
  fx__ring rb = mkring(c, 0), rw = mkring(c, 2), rm = mkring(c, 4);
  for (int y = 0; y < c->h; y++) {
    const uint8_t *bgb = up_row(&rb, k, c->bgb_lo, c->gw, c->gh, 4, y, c->w, c->rowbuf[0]);
    const uint8_t *mb = up_row(&rw, k, c->mb_lo, c->gw, c->gh, 4, y, c->w, c->rowbuf[1]);
    const uint8_t *m = mask_row(c, k, &rm, y, c->rowbuf[3]);
    size_t o = (size_t)y * c->w;
    k->wrap(c->frame + o, bgb, mb, FX__WRAP_AMOUNT, c->rowbuf[2], c->w);
    k->blend(c->rowbuf[2], c->bg + o, m, c->out + o, c->w);
  }
  for (int p = 0; p < 2; p++) {
    const uint8_t *lo = c->bgb_lo + G + (size_t)p * CG, *mlo = c->mb_lo + G;
    size_t base = n + (size_t)p * nh;
    rb = mkring(c, 0);
    rw = mkring(c, 2);
    for (int y = 0; y < c->hh; y++) {
      const uint8_t *bgb = up_row(&rb, k, lo, c->cgw, c->cgh, 4, y, c->hw, c->rowbuf[0]);
      const uint8_t *mb = up_row(&rw, k, mlo, c->cgw, c->cgh, 4, y, c->hw, c->rowbuf[1]);
      size_t o = (size_t)y * c->hw;
      k->wrap(c->frame + base + o, bgb, mb, FX__WRAP_AMOUNT, c->rowbuf[2], c->hw);
      k->blend(c->rowbuf[2], c->bg + base + o, c->mask_half + o, c->out + base + o, c->hw);
    }
  }
}

int fx_composite(fx_ctx *c, int mode, int strength) {
  if (!c) return FX_EINVAL;
  size_t bytes = (size_t)c->w * c->h * 3 / 2;
  int rc = FX_OK;
  if (mode != FX_MODE_NONE && mode != FX_MODE_BLUR && mode != FX_MODE_IMAGE) rc = FX_EINVAL;
  if (mode == FX_MODE_IMAGE && !c->bg) rc = FX_EINVAL;
  if (rc != FX_OK || mode == FX_MODE_NONE || !c->have_mask) {
    memcpy(c->out, c->frame, bytes); /* the output is always a valid frame */
    return rc;
  }
  const fx__kern *k = fx__k();
  if (mode == FX_MODE_BLUR)
    composite_blur(c, k, strength < 1 ? 1 : strength > 100 ? 100 : strength);
  else
    composite_image(c, k);
  return FX_OK;
}
