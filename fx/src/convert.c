/* NV12/RGBA ↔ I420 conversions (fx_convert.h). Fixed point with 8 fractional bits; the
 * coefficients are the limited-range BT.601 / BT.709 matrices. */
#include "fx_convert.h"

#include <string.h>

#include "fx.h"

static int bad_size(const void *a, const void *b, int w, int h) {
  return !a || !b || w < 2 || h < 2 || w > FX_MAX_DIM || h > FX_MAX_DIM || (w & 1) || (h & 1);
}

static uint8_t clamp_u8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

int fx_nv12_to_i420(const uint8_t *nv12, int w, int h, uint8_t *i420) {
  if (bad_size(nv12, i420, w, h)) return FX_EINVAL;
  size_t ys = (size_t)w * h, cs = ys / 4;
  memcpy(i420, nv12, ys);
  const uint8_t *uv = nv12 + ys;
  uint8_t *u = i420 + ys, *v = u + cs;
  for (size_t i = 0; i < cs; i++) {
    u[i] = uv[2 * i];
    v[i] = uv[2 * i + 1];
  }
  return 0;
}

/* Forward coefficients ×256: Y = 16 + (yr R + yg G + yb B) / 256, and U, V likewise around
 * 128. Inverse coefficients ×256 for limited range input. */
typedef struct fwd { int yr, yg, yb, ur, ug, ub, vr, vg, vb; } fwd;
typedef struct inv { int y, rv, gu, gv, bu; } inv;
static const fwd FWD[2] = {
    {66, 129, 25, -38, -74, 112, 112, -94, -18}, /* BT.601 */
    {47, 157, 16, -26, -87, 112, 112, -102, -10}, /* BT.709 */
};
static const inv INV[2] = {
    {298, 409, -100, -208, 516}, /* BT.601 */
    {298, 459, -55, -136, 541},  /* BT.709 */
};

int fx_rgba_to_i420(const uint8_t *rgba, int w, int h, int matrix, uint8_t *i420) {
  if (bad_size(rgba, i420, w, h) || (matrix != FX_MATRIX_BT601 && matrix != FX_MATRIX_BT709))
    return FX_EINVAL;
  const fwd *k = &FWD[matrix];
  uint8_t *yp = i420, *up = i420 + (size_t)w * h, *vp = up + (size_t)w * h / 4;
  for (int y = 0; y < h; y++) {
    const uint8_t *s = rgba + (size_t)y * w * 4;
    uint8_t *d = yp + (size_t)y * w;
    for (int x = 0; x < w; x++, s += 4)
      d[x] = clamp_u8(16 + ((k->yr * s[0] + k->yg * s[1] + k->yb * s[2] + 128) >> 8));
  }
  int cw = w / 2;
  for (int y = 0; y < h / 2; y++) {
    const uint8_t *r0 = rgba + (size_t)(2 * y) * w * 4, *r1 = r0 + (size_t)w * 4;
    for (int x = 0; x < cw; x++) {
      int r = r0[8 * x] + r0[8 * x + 4] + r1[8 * x] + r1[8 * x + 4];
      int g = r0[8 * x + 1] + r0[8 * x + 5] + r1[8 * x + 1] + r1[8 * x + 5];
      int b = r0[8 * x + 2] + r0[8 * x + 6] + r1[8 * x + 2] + r1[8 * x + 6];
      /* r, g, b are sums of four samples: divide by 4 × 256. */
      up[(size_t)y * cw + x] = clamp_u8(128 + ((k->ur * r + k->ug * g + k->ub * b + 512) >> 10));
      vp[(size_t)y * cw + x] = clamp_u8(128 + ((k->vr * r + k->vg * g + k->vb * b + 512) >> 10));
    }
  }
  return 0;
}

int fx_i420_to_rgba(const uint8_t *i420, int w, int h, int matrix, uint8_t *rgba) {
  if (bad_size(i420, rgba, w, h) || (matrix != FX_MATRIX_BT601 && matrix != FX_MATRIX_BT709))
    return FX_EINVAL;
  const inv *k = &INV[matrix];
  const uint8_t *yp = i420, *up = i420 + (size_t)w * h, *vp = up + (size_t)w * h / 4;
  int cw = w / 2;
  for (int y = 0; y < h; y++) {
    const uint8_t *yr = yp + (size_t)y * w;
    const uint8_t *ur = up + (size_t)(y / 2) * cw, *vr = vp + (size_t)(y / 2) * cw;
    uint8_t *d = rgba + (size_t)y * w * 4;
    for (int x = 0; x < w; x++, d += 4) {
      int c = k->y * (yr[x] - 16), u = ur[x / 2] - 128, v = vr[x / 2] - 128;
      d[0] = clamp_u8((c + k->rv * v + 128) >> 8);
      d[1] = clamp_u8((c + k->gu * u + k->gv * v + 128) >> 8);
      d[2] = clamp_u8((c + k->bu * u + 128) >> 8);
      d[3] = 255;
    }
  }
  return 0;
}
