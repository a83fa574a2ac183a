/* Background blur on the low-resolution grids, as a normalised convolution:
 *
 *     bg = blur(frame · wgt) / blur(wgt),   wgt = 256 − mask  (1 on the person, 256 outside)
 *
 * so the person's pixels hardly enter the blurred background (no halo around them) while
 * the weights never reach 0 (deep inside the person the plain blur of the person remains,
 * which the blend hides). Each plane is first reduced 4× with the weights (prem_y /
 * prem_uv), then blurred by three box passes each way (≈ a Gaussian of σ² = r(r+1) grid
 * pixels), then divided. Horizontal passes are vertical passes over the transposed plane. */
#include <string.h>

#include "fx_internal.h"

/* Three box passes of radius r over a w×h plane in place (tmp: c->work[5]). Each pass
 * divides by 2r+1 in 2.14 fixed point; numerator and denominator see the same rounding,
 * so their ratio keeps a constant background exact. */
static void box3(fx_ctx *c, const fx__kern *k, int32_t *f, int w, int h, int r, int passes) {
  if (r <= 0) return;
  int32_t *t = c->work[5];
  int inv = (16384 + r) / (2 * r + 1);
  for (int dir = 0; dir < 2; dir++) {
    int32_t *a = f, *b = t;
    for (int p = 0; p < passes; p++) {
      k->box_v(a, b, c->col, w, h, r, inv, 14);
      int32_t *s = a;
      a = b;
      b = s;
    }
    /* a holds the result; transpose it into f (via t if a is f). */
    if (a == f) {
      memcpy(t, f, (size_t)w * h * sizeof *f);
      a = t;
    }
    k->transpose(a, w, h, f);
    int s = w;
    w = h;
    h = s;
  }
}

void fx__blur_planes(fx_ctx *c, const uint8_t *yuv, const uint8_t *mask_half, int ry, int rc,
                     uint8_t *dst) {
  const fx__kern *k = fx__k();
  size_t n = (size_t)c->w * c->h, nh = (size_t)c->hw * c->hh;
  if (!mask_half) { /* uniform weights: a zero mask in the (idle) guide buffer */
    memset(c->ghalf, 0, nh);
    mask_half = c->ghalf;
  }
  int32_t *w0 = c->work[0], *w1 = c->work[1], *w2 = c->work[2];
  int G = c->gw * c->gh, CG = c->cgw * c->cgh;
  k->prem_y(yuv, c->w, c->h, mask_half, w0, w1);
  box3(c, k, w0, c->gw, c->gh, ry, 3);
  box3(c, k, w1, c->gw, c->gh, ry, 3);
  k->ratio(w0, w1, G, dst);
  k->prem_uv(yuv + n, yuv + n + nh, c->hw, c->hh, mask_half, w0, w1, w2);
  box3(c, k, w0, c->cgw, c->cgh, rc, 3);
  box3(c, k, w1, c->cgw, c->cgh, rc, 3);
  box3(c, k, w2, c->cgw, c->cgh, rc, 3);
  k->ratio(w0, w2, CG, dst + G);
  k->ratio(w1, w2, CG, dst + G + CG);
}

void fx__box_blur_u8(fx_ctx *c, const uint8_t *src, int w, int h, int r, int passes, uint8_t *dst) {
  const fx__kern *k = fx__k();
  int32_t *f = c->work[0];
  size_t n = (size_t)w * h;
  for (size_t i = 0; i < n; i++) f[i] = src[i] * 64; /* 6 fractional bits through the passes */
  box3(c, k, f, w, h, r, passes);
  for (size_t i = 0; i < n; i++) {
    int v = (f[i] + 32) >> 6;
    dst[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}
