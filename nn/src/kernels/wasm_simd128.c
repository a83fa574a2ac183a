/* The WebAssembly SIMD128 kernel set: 4-wide vectors, no FMA (relaxed-simd is not in every
 * browser yet). Built only for wasm32 with -msimd128; the native build skips *wasm* files. */
#include <wasm_simd128.h>

#include "kernels.h"

typedef v128_t V;
#define VL 4
#define V_LOAD(p) wasm_v128_load(p)
#define V_STORE(p, v) wasm_v128_store((p), (v))
#define V_SPLAT(x) wasm_f32x4_splat(x)
#define V_ADD wasm_f32x4_add
#define V_SUB wasm_f32x4_sub
#define V_MUL wasm_f32x4_mul
#define V_DIV wasm_f32x4_div
/* pmin/pmax are the "pseudo" min/max (one compare and select), which engines lower to a
 * single minps/maxps on x86, unlike the NaN-propagating f32x4.min/max. */
#define V_MIN(a, b) wasm_f32x4_pmin((a), (b))
#define V_MAX(a, b) wasm_f32x4_pmax((a), (b))
#define V_FMA(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
/* pmax(x, lo) = x < lo ? lo : x and pmin(y, hi) = hi < y ? hi : y keep NaN as NaN. */
#define V_CLAMP(x, lo, hi) wasm_f32x4_pmin(wasm_f32x4_pmax((x), (lo)), (hi))
#define V_ROUND(x) wasm_f32x4_nearest(x)
#define V_POW2I(n)                                                                          \
  wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23)
#define NN_SIMD_SET nn_kernels_wasm_simd128
#define NN_SIMD_NAME "wasm-simd128"

extern const nn_kernels nn_kernels_wasm_simd128;

#include "simd_impl.h"
