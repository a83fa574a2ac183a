/* wasm exports of fx_convert.h (web/js/effects/engine.js calls them). */
#include <stdint.h>

#include "fx_convert.h"

#define FX_EXPORT(name) __attribute__((export_name(#name)))

FX_EXPORT(fx_wasm_nv12_to_i420)
int fx_wasm_nv12_to_i420(const uint8_t *nv12, int w, int h, uint8_t *i420) {
  return fx_nv12_to_i420(nv12, w, h, i420);
}
FX_EXPORT(fx_wasm_rgba_to_i420)
int fx_wasm_rgba_to_i420(const uint8_t *rgba, int w, int h, int matrix, uint8_t *i420) {
  return fx_rgba_to_i420(rgba, w, h, matrix, i420);
}
FX_EXPORT(fx_wasm_i420_to_rgba)
int fx_wasm_i420_to_rgba(const uint8_t *i420, int w, int h, int matrix, uint8_t *rgba) {
  return fx_i420_to_rgba(i420, w, h, matrix, rgba);
}
