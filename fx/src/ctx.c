/* fx context: life cycle, the frame-size buffers (one block, allocated by fx_create and
 * fx_resize only), accessors, errors and the kernel-set switch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fx_internal.h"

const char *fx_strerror(int err) {
  switch (err) {
    case FX_OK:
      return "ok";
    case FX_ENOMEM:
      return "out of memory";
    case FX_EINVAL:
      return "invalid argument";
    default:
      return "unknown error";
  }
}

/* ---- kernel set ---- */

static int force_scalar;

const fx__kern *fx__k(void) {
#if defined(__wasm_simd128__)
  if (!force_scalar) return &fx__kern_simd128;
#endif
  return &fx__kern_scalar;
}

const char *fx_kernels(void) {
  return fx__k()->name;
}
void fx_use_scalar(int on) {
  force_scalar = on != 0;
}

/* ---- buffers ---- */

/* Lays buffers out in one block: a first pass with base NULL only measures. */
typedef struct carve {
  char *base;
  size_t off;
} carve;

static void *take(carve *cv, size_t n) {
  size_t o = (cv->off + 15) & ~(size_t)15;
  cv->off = o + n;
  return cv->base ? cv->base + o : NULL;
}

static void take_taps(carve *cv, fx__taps *t) {
  t->m = 0;
  t->start = take(cv, (FX_MAX_DIM + 1) * sizeof(int32_t));
  t->off = take(cv, (FX_MAX_DIM + 2) * sizeof(int32_t));
  t->w = take(cv, FX__TAPS_CAP * sizeof(uint16_t));
}

/* Every frame-size buffer of the context, from c->w, c->h. */
static void layout(fx_ctx *c, carve *cv) {
  size_t n = (size_t)c->w * c->h, nh = (size_t)c->hw * c->hh, ng = (size_t)c->gw * c->gh;
  size_t ncg = (size_t)c->cgw * c->cgh, ring = 4 * (size_t)c->gw + FX__PAD;
  c->frame = take(cv, n * 3 / 2);
  c->out = take(cv, n * 3 / 2);
  c->hist = take(cv, FX__MAX_MASK_PIXELS * sizeof(uint16_t));
  c->msm = take(cv, FX__MAX_MASK_PIXELS);
  c->mask_half = take(cv, nh + FX__PAD);
  c->mask_full = take(cv, n + FX__PAD);
  c->ghalf = take(cv, nh + FX__PAD);
  c->glo = take(cv, ng + FX__PAD);
  c->plo = take(cv, ng + FX__PAD);
  for (int i = 0; i < 6; i++) c->work[i] = take(cv, (ng + FX__PAD) * sizeof(int32_t));
  c->col = take(cv, ((size_t)(c->gw > c->gh ? c->gw : c->gh) + FX__PAD) * sizeof(int32_t));
  for (int i = 0; i < 4; i++) c->rowbuf[i] = take(cv, (size_t)c->w + FX__PAD);
  for (int i = 0; i < 8; i++) c->ring8[i] = take(cv, ring);
  for (int i = 0; i < 4; i++) c->ring32[i] = take(cv, ring * sizeof(int32_t));
  c->blo = take(cv, ng + 2 * ncg + FX__PAD);
  c->mb_lo = take(cv, ng + ncg + FX__PAD);
  take_taps(cv, &c->tx);
  take_taps(cv, &c->ty);
  take_taps(cv, &c->cx);
  take_taps(cv, &c->cy);
  for (int i = 0; i < 3; i++) {
    c->acc[i] = take(cv, (FX_MAX_DIM + FX__PAD) * sizeof(uint16_t));
    c->hrow[i] = take(cv, (FX_MAX_DIM + FX__PAD) * sizeof(uint32_t));
  }
}

static int valid_size(int w, int h) {
  return w >= 2 && h >= 2 && w <= FX_MAX_DIM && h <= FX_MAX_DIM && w % 2 == 0 && h % 2 == 0;
}

static void set_dims(fx_ctx *c, int w, int h) {
  c->w = w;
  c->h = h;
  c->hw = w / 2;
  c->hh = h / 2;
  c->gw = (w + 3) / 4;
  c->gh = (h + 3) / 4;
  c->cgw = (w + 7) / 8;
  c->cgh = (h + 7) / 8;
}

/* Allocates the block for w×h into a copy of c; on success *out holds the new pointers. */
static int alloc_block(const fx_ctx *c, int w, int h, fx_ctx *out) {
  *out = *c;
  set_dims(out, w, h);
  carve cv = {NULL, 0};
  layout(out, &cv);
  char *raw = malloc(cv.off + 16);
  if (!raw) return FX_ENOMEM;
  out->mem = raw;
  cv.base = (char *)(((uintptr_t)raw + 15) & ~(uintptr_t)15);
  cv.off = 0;
  layout(out, &cv);
  size_t n = (size_t)w * h;
  memset(out->frame, 0, n);
  memset(out->frame + n, 128, n / 2);
  memcpy(out->out, out->frame, n * 3 / 2);
  return FX_OK;
}

static void reset_state(fx_ctx *c) {
  c->have_mask = 0;
  c->mask_is_full = 0;
  c->hist_w = c->hist_h = 0;
  c->mb_version = 0;
}

static void init_sigmoid(fx_ctx *c) {
  /* logistic(x) at x = -16 + i/32; the two guard entries keep interpolation in bounds. */
  for (int i = 0; i < 1026; i++) {
    double x = -16.0 + i / 32.0;
    c->sig_lut[i] = (float)(1.0 / (1.0 + exp(-x)));
  }
}

/* A smoothstep from FX__EDGE_LO to FX__EDGE_HI: the guided filter leaves a transition of
 * ~10–20 frame pixels where hair meets a backdrop of similar brightness, which shows as a
 * rim of the old background behind a replacement. Narrowing it keeps the 0.5 contour near
 * where the filter put it (a little inside, since the rim is background). */
static void init_edge(fx_ctx *c) {
  for (int i = 0; i < 256; i++) {
    double t = (i - FX__EDGE_LO) / (double)(FX__EDGE_HI - FX__EDGE_LO);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    c->edge_lut[i] = (uint8_t)(255.0 * t * t * (3.0 - 2.0 * t) + 0.5);
  }
}

int fx_create(fx_ctx **out, int w, int h) {
  if (!out) return FX_EINVAL;
  *out = NULL;
  if (!valid_size(w, h)) return FX_EINVAL;
  fx_ctx *c = calloc(1, sizeof *c);
  if (!c) return FX_ENOMEM;
  fx_ctx tmp;
  if (alloc_block(c, w, h, &tmp) != FX_OK) {
    free(c);
    return FX_ENOMEM;
  }
  *c = tmp;
  c->matrix = FX_MATRIX_BT601;
  c->full_range = 0;
  fx__color_update(c);
  init_sigmoid(c);
  init_edge(c);
  reset_state(c);
  *out = c;
  return FX_OK;
}

void fx_destroy(fx_ctx *c) {
  if (!c) return;
  fx__bg_free(c);
  free(c->mem);
  free(c);
}

int fx_resize(fx_ctx *c, int w, int h) {
  if (!c || !valid_size(w, h)) return FX_EINVAL;
  if (w == c->w && h == c->h) { /* same size (another camera, or a defensive call): no allocation */
    reset_state(c);
    return FX_OK;
  }
  fx_ctx tmp;
  if (alloc_block(c, w, h, &tmp) != FX_OK) return FX_ENOMEM;
  void *old = c->mem;
  /* The background image is rebuilt at the new size; if that cannot be allocated the
   * context keeps its old size and buffers. */
  fx_ctx save = *c;
  *c = tmp;
  c->bgmem = NULL;
  c->bg = NULL;
  c->bgb_lo = NULL;
  int rc = fx__bg_rebuild(c);
  if (rc != FX_OK) {
    free(c->mem);
    *c = save;
    return rc;
  }
  free(save.bgmem);
  free(old);
  reset_state(c);
  return FX_OK;
}

int fx_width(const fx_ctx *c) {
  return c ? c->w : 0;
}
int fx_height(const fx_ctx *c) {
  return c ? c->h : 0;
}
uint8_t *fx_frame(fx_ctx *c) {
  return c ? c->frame : NULL;
}
const uint8_t *fx_out(const fx_ctx *c) {
  return c ? c->out : NULL;
}

void fx_set_color(fx_ctx *c, int matrix, int full_range) {
  if (!c || (matrix != FX_MATRIX_BT601 && matrix != FX_MATRIX_BT709)) return;
  full_range = full_range != 0;
  if (matrix == c->matrix && full_range == c->full_range) return;
  c->matrix = matrix;
  c->full_range = full_range;
  fx__color_update(c);
  /* The stored background was converted with the old matrix; redo it (no allocation). */
  if (c->bg) fx__bg_rebuild(c);
}

void fx__vpos(int y, int f, int n, int *ia, int *wa, int *ib, int *wb) {
  int i = y / f, k = y % f, num = 2 * k + 1 - f;
  if (i > n - 1) i = n - 1;
  if (num < 0) {
    *ia = i > 0 ? i - 1 : 0;
    *wa = -num;
  } else {
    *ia = i + 1 < n ? i + 1 : n - 1;
    *wa = num;
  }
  *ib = i;
  *wb = 2 * f - *wa;
}
