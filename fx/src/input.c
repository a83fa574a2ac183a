/* Model input from the camera frame: I420 → RGB float HWC at the model's size.
 *
 * The planes are resized first (Y from w×h, U and V from w/2×h/2, each onto mw×mh) and the
 * colour matrix is applied at the model's resolution: both steps are linear, so this equals
 * converting first and resizing after (up to the clamp to 0..255), at 1/25 of the cost for
 * 720p → 256×144. Y, U and V rows come out in 16.16 fixed point and are converted in
 * float. */
#include <math.h>

#include "fx_internal.h"

/* Kr, Kb of the matrices (ITU-R BT.601 and BT.709). */
static const double kr_kb[2][2] = {{0.299, 0.114}, {0.2126, 0.0722}};

void fx__color_update(fx_ctx *c) {
  double kr = kr_kb[c->matrix][0], kb = kr_kb[c->matrix][1], kg = 1.0 - kr - kb;
  double ys = c->full_range ? 1.0 : 255.0 / 219.0, cs = c->full_range ? 1.0 : 255.0 / 224.0;
  double yo = c->full_range ? 0.0 : 16.0;
  float *k = c->yuv2rgb;
  k[FX__K_YO] = (float)yo;
  k[FX__K_YS] = (float)ys;
  k[FX__K_CRR] = (float)(2.0 * (1.0 - kr) * cs);
  k[FX__K_CBG] = (float)(2.0 * kb * (1.0 - kb) / kg * cs);
  k[FX__K_CRG] = (float)(2.0 * kr * (1.0 - kr) / kg * cs);
  k[FX__K_CBB] = (float)(2.0 * (1.0 - kb) * cs);
  k[FX__K_LO] = 0.0f;
  k[FX__K_SC] = 1.0f;
  /* The inverse, for the background image: Y' = Kr R + Kg G + Kb B, then the offsets. */
  float *r = c->rgb2yuv;
  double su = 1.0 / (2.0 * (1.0 - kb) * cs), sv = 1.0 / (2.0 * (1.0 - kr) * cs);
  r[0] = (float)(kr / ys), r[1] = (float)(kg / ys), r[2] = (float)(kb / ys);
  r[3] = (float)(-kr * su), r[4] = (float)(-kg * su), r[5] = (float)((1.0 - kb) * su);
  r[6] = (float)((1.0 - kr) * sv), r[7] = (float)(-kg * sv), r[8] = (float)(-kb * sv);
  r[9] = (float)yo, r[10] = 128.0f, r[11] = 128.0f;
}

/* Resizes plane p (pw×ph) row oy of the output into hrow (16.16). */
static void plane_row(fx_ctx *c, const fx__kern *k, const uint8_t *p, int pw, const fx__taps *tx,
                      const fx__taps *ty, int oy, int slot) {
  int s0 = ty->start[oy], n = ty->off[oy + 1] - ty->off[oy];
  const uint16_t *w = ty->w + ty->off[oy];
  for (int j = 0; j < n; j++) k->vacc(c->acc[slot], p + (size_t)(s0 + j) * pw, w[j], j == 0, pw);
  k->hresample(c->acc[slot], tx, c->hrow[slot]);
}

int fx_make_input(fx_ctx *c, float *dst, int mw, int mh, float lo, float hi) {
  if (!c || !dst || mw < 1 || mh < 1 || mw > FX_MAX_DIM || mh > FX_MAX_DIM || !isfinite(lo) ||
      !isfinite(hi))
    return FX_EINVAL;
  if (fx__taps_build(&c->tx, c->w, mw, 0.0, c->w) != FX_OK ||
      fx__taps_build(&c->ty, c->h, mh, 0.0, c->h) != FX_OK ||
      fx__taps_build(&c->cx, c->hw, mw, 0.0, c->hw) != FX_OK ||
      fx__taps_build(&c->cy, c->hh, mh, 0.0, c->hh) != FX_OK)
    return FX_EINVAL;
  const fx__kern *k = fx__k();
  float kk[FX__K_N];
  for (int i = 0; i < FX__K_N; i++) kk[i] = c->yuv2rgb[i];
  kk[FX__K_LO] = lo;
  kk[FX__K_SC] = (hi - lo) / 255.0f;
  const uint8_t *Y = c->frame, *U = Y + (size_t)c->w * c->h, *V = U + (size_t)c->hw * c->hh;
  for (int oy = 0; oy < mh; oy++) {
    plane_row(c, k, Y, c->w, &c->tx, &c->ty, oy, 0);
    plane_row(c, k, U, c->hw, &c->cx, &c->cy, oy, 1);
    plane_row(c, k, V, c->hw, &c->cx, &c->cy, oy, 2);
    k->yuv_rgbf(c->hrow[0], c->hrow[1], c->hrow[2], mw, kk, dst + (size_t)oy * mw * 3);
  }
  return FX_OK;
}
