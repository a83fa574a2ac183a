/* The WebAssembly SIMD128 kernel set: 4-wide vectors, no FMA (relaxed-simd is not in every
 * browser yet). Built only for wasm32 with -msimd128; the native build skips *wasm* files.
 * Built with -mrelaxed-simd as well (nn-relaxed.wasm, which nn.js picks by feature
 * detection when asked): then V_FMA is f32x4.relaxed_madd, fused where the CPU has FMA,
 * and the set is named wasm-relaxed-simd128. */
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
#if defined(__wasm_relaxed_simd__)
/* clang 16's wasm_simd128.h has no relaxed intrinsics yet; its builtin computes a·b + c. */
#define V_FMA(a, b, c)                                                                      \
  ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define V_FMA(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif
/* pmax(x, lo) = x < lo ? lo : x and pmin(y, hi) = hi < y ? hi : y keep NaN as NaN. */
#define V_CLAMP(x, lo, hi) wasm_f32x4_pmin(wasm_f32x4_pmax((x), (lo)), (hi))
#define V_ROUND(x) wasm_f32x4_nearest(x)
#define V_POW2I(n)                                                                          \
  wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23)
#define NN_SIMD_SET nn_kernels_wasm_simd128
#if defined(__wasm_relaxed_simd__)
#define NN_SIMD_NAME "wasm-relaxed-simd128"
#else
#define NN_SIMD_NAME "wasm-simd128"
#endif

extern const nn_kernels nn_kernels_wasm_simd128;

#include "simd_impl.h"
