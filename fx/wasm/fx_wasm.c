/* The fx API as nn.wasm exports it to the effects worker (web/js/effects/). Contexts are
 * fx_ctx pointers into wasm memory that JS only passes back. Buffers the caller fills
 * (RGBA background, model input) come from nn_wasm_malloc (nn/wasm/nn_wasm.c) and are
 * freed with nn_wasm_free; the frame, output and mask buffers belong to the context and
 * stay valid until fx_wasm_resize or fx_wasm_destroy. Errors: 0 or a negative FX_E* code,
 * named by fx_wasm_strerror. */
#include <stddef.h>
#include <stdint.h>

#include "fx.h"

#define FX_EXPORT(name) __attribute__((export_name(#name)))

/* 0 on failure (bad size or out of memory). */
FX_EXPORT(fx_wasm_create) fx_ctx *fx_wasm_create(int w, int h) {
  fx_ctx *c = NULL;
  return fx_create(&c, w, h) == FX_OK ? c : NULL;
}

FX_EXPORT(fx_wasm_destroy) void fx_wasm_destroy(fx_ctx *c) {
  fx_destroy(c);
}
FX_EXPORT(fx_wasm_resize) int fx_wasm_resize(fx_ctx *c, int w, int h) {
  return fx_resize(c, w, h);
}
FX_EXPORT(fx_wasm_frame) uint8_t *fx_wasm_frame(fx_ctx *c) {
  return fx_frame(c);
}
FX_EXPORT(fx_wasm_out) const uint8_t *fx_wasm_out(fx_ctx *c) {
  return fx_out(c);
}

FX_EXPORT(fx_wasm_set_color) void fx_wasm_set_color(fx_ctx *c, int matrix, int full_range) {
  fx_set_color(c, matrix, full_range);
}

FX_EXPORT(fx_wasm_make_input)
int fx_wasm_make_input(fx_ctx *c, float *dst, int mw, int mh, float lo, float hi) {
  return fx_make_input(c, dst, mw, mh, lo, hi);
}

FX_EXPORT(fx_wasm_update_mask)
int fx_wasm_update_mask(fx_ctx *c, const float *out, int mw, int mh, int is_logit, int refine) {
  return fx_update_mask(c, out, mw, mh, is_logit, refine);
}

FX_EXPORT(fx_wasm_reset_mask) void fx_wasm_reset_mask(fx_ctx *c) {
  fx_reset_mask(c);
}

FX_EXPORT(fx_wasm_set_background)
int fx_wasm_set_background(fx_ctx *c, const uint8_t *rgba, int bw, int bh) {
  return fx_set_background(c, rgba, bw, bh);
}

FX_EXPORT(fx_wasm_composite) int fx_wasm_composite(fx_ctx *c, int mode, int strength) {
  return fx_composite(c, mode, strength);
}

/* The mask of the last update (NULL before the first) and its size. */
FX_EXPORT(fx_wasm_mask) const uint8_t *fx_wasm_mask(fx_ctx *c) {
  return fx_mask(c, NULL, NULL);
}
FX_EXPORT(fx_wasm_mask_width) int fx_wasm_mask_width(fx_ctx *c) {
  int w = 0;
  fx_mask(c, &w, NULL);
  return w;
}
FX_EXPORT(fx_wasm_mask_height) int fx_wasm_mask_height(fx_ctx *c) {
  int h = 0;
  fx_mask(c, NULL, &h);
  return h;
}

FX_EXPORT(fx_wasm_strerror) const char *fx_wasm_strerror(int err) {
  return fx_strerror(err);
}
FX_EXPORT(fx_wasm_kernels) const char *fx_wasm_kernels(void) {
  return fx_kernels();
}
FX_EXPORT(fx_wasm_use_scalar) void fx_wasm_use_scalar(int on) {
  fx_use_scalar(on);
}
