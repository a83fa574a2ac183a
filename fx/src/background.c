/* The replacement background of FX_MODE_IMAGE: the caller's RGBA image scaled to cover the
 * frame (aspect kept, centre crop; area averaging when shrinking, bilinear when enlarging),
 * converted once to I420 at the frame size with the camera's colour matrix, plus its blur on
 * the grids for the light wrap. The context keeps a copy of the RGBA image so fx_resize and
 * fx_set_color can rebuild the I420 version; the alpha channel is ignored. */
#include <stdlib.h>
#include <string.h>

#include "fx_internal.h"

static uint8_t to_u8(float v) {
  v += 0.5f;
  return (uint8_t)(v < 0.0f ? 0 : v > 255.0f ? 255 : (int)v);
}

/* The block of bg, bgb_lo and the conversion scratch, for the current frame size and bw. */
static int bg_alloc(const fx_ctx *c, int bw, void **mem, uint8_t **bg, uint8_t **lo, uint16_t **acc,
                    float **rgb) {
  size_t n = (size_t)c->w * c->h, g = (size_t)c->gw * c->gh + 2 * (size_t)c->cgw * c->cgh;
  size_t sz[4] = {n * 3 / 2, g + FX__PAD, ((size_t)bw * 4 + FX__PAD) * sizeof(uint16_t),
                  (size_t)c->w * 6 * sizeof(float)};
  size_t off[4], total = 0;
  for (int i = 0; i < 4; i++) {
    off[i] = total;
    total += (sz[i] + 15) & ~(size_t)15;
  }
  char *raw = malloc(total + 16);
  if (!raw) return FX_ENOMEM;
  char *base = (char *)(((uintptr_t)raw + 15) & ~(uintptr_t)15);
  *mem = raw;
  *bg = (uint8_t *)(base + off[0]);
  *lo = (uint8_t *)(base + off[1]);
  *acc = (uint16_t *)(base + off[2]);
  *rgb = (float *)(base + off[3]);
  return FX_OK;
}

void fx__bg_free(fx_ctx *c) {
  free(c->bg_rgba);
  free(c->bgmem);
  c->bg_rgba = NULL;
  c->bgmem = NULL;
  c->bg = c->bgb_lo = NULL;
  c->bg_acc = NULL;
  c->bg_rgb = NULL;
}

/* One row of the scaled image: RGB floats (0..255) into rgb (w × 3). */
static void scaled_row(fx_ctx *c, const fx__kern *k, int y, float *rgb) {
  int bw4 = c->bw * 4, s0 = c->ty.start[y], nt = c->ty.off[y + 1] - c->ty.off[y];
  const uint16_t *wy = c->ty.w + c->ty.off[y];
  for (int j = 0; j < nt; j++)
    k->vacc(c->bg_acc, c->bg_rgba + (size_t)(s0 + j) * bw4, wy[j], j == 0, bw4);
  for (int x = 0; x < c->w; x++) {
    const uint16_t *a = c->bg_acc + 4 * c->tx.start[x], *wx = c->tx.w + c->tx.off[x];
    int n = c->tx.off[x + 1] - c->tx.off[x];
    uint32_t r = 0, g = 0, b = 0;
    for (int j = 0; j < n; j++) {
      r += (uint32_t)a[4 * j] * wx[j];
      g += (uint32_t)a[4 * j + 1] * wx[j];
      b += (uint32_t)a[4 * j + 2] * wx[j];
    }
    rgb[3 * x] = (float)r * (1.0f / 65536.0f);
    rgb[3 * x + 1] = (float)g * (1.0f / 65536.0f);
    rgb[3 * x + 2] = (float)b * (1.0f / 65536.0f);
  }
}

int fx__bg_rebuild(fx_ctx *c) {
  if (!c->bg_rgba) return FX_OK;
  if (!c->bgmem && bg_alloc(c, c->bw, &c->bgmem, &c->bg, &c->bgb_lo, &c->bg_acc, &c->bg_rgb))
    return FX_ENOMEM;
  const fx__kern *k = fx__k();
  /* Cover: the frame's aspect cut from the middle of the image. */
  double sx = (double)c->w / c->bw, sy = (double)c->h / c->bh, s = sx > sy ? sx : sy;
  double cw = c->w / s, ch = c->h / s;
  if (fx__taps_build(&c->tx, c->bw, c->w, (c->bw - cw) / 2, cw) != FX_OK ||
      fx__taps_build(&c->ty, c->bh, c->h, (c->bh - ch) / 2, ch) != FX_OK)
    return FX_EINVAL;
  const float *m = c->rgb2yuv;
  size_t n = (size_t)c->w * c->h, nh = (size_t)c->hw * c->hh;
  uint8_t *Y = c->bg, *U = Y + n, *V = U + nh;
  for (int y = 0; y < c->h; y++) {
    float *row = c->bg_rgb + (size_t)(y & 1) * 3 * c->w;
    scaled_row(c, k, y, row);
    for (int x = 0; x < c->w; x++)
      Y[(size_t)y * c->w + x] =
          to_u8(m[9] + m[0] * row[3 * x] + m[1] * row[3 * x + 1] + m[2] * row[3 * x + 2]);
    if (!(y & 1)) continue;
    const float *r0 = c->bg_rgb, *r1 = c->bg_rgb + 3 * c->w;
    for (int x = 0; x < c->hw; x++) {
      float rgb[3];
      for (int j = 0; j < 3; j++)
        rgb[j] = 0.25f * (r0[6 * x + j] + r0[6 * x + 3 + j] + r1[6 * x + j] + r1[6 * x + 3 + j]);
      size_t o = (size_t)(y / 2) * c->hw + x;
      U[o] = to_u8(m[10] + m[3] * rgb[0] + m[4] * rgb[1] + m[5] * rgb[2]);
      V[o] = to_u8(m[11] + m[6] * rgb[0] + m[7] * rgb[1] + m[8] * rgb[2]);
    }
  }
  fx__blur_planes(c, c->bg, NULL, 2, 1, c->bgb_lo);
  return FX_OK;
}

int fx_set_background(fx_ctx *c, const uint8_t *rgba, int bw, int bh) {
  if (!c || !rgba || bw < 1 || bh < 1 || bw > FX_MAX_DIM || bh > FX_MAX_DIM) return FX_EINVAL;
  size_t bytes = (size_t)bw * bh * 4;
  uint8_t *copy = malloc(bytes);
  if (!copy) return FX_ENOMEM;
  void *mem;
  uint8_t *bg, *lo;
  uint16_t *acc;
  float *rgb;
  if (bg_alloc(c, bw, &mem, &bg, &lo, &acc, &rgb) != FX_OK) {
    free(copy);
    return FX_ENOMEM;
  }
  memcpy(copy, rgba, bytes);
  fx__bg_free(c);
  c->bg_rgba = copy;
  c->bw = bw;
  c->bh = bh;
  c->bgmem = mem;
  c->bg = bg;
  c->bgb_lo = lo;
  c->bg_acc = acc;
  c->bg_rgb = rgb;
  return fx__bg_rebuild(c);
}
