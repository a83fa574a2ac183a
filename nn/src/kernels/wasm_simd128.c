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
/* Optional (4-wide sets only): the low / high two lanes of a, then of b. */
#define V_LO2(a, b) wasm_i32x4_shuffle((a), (b), 0, 1, 4, 5)
#define V_HI2(a, b) wasm_i32x4_shuffle((a), (b), 2, 3, 6, 7)
#define V_POW2I(n)                                                                          \
  wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23)
/* The convolution micro-kernel's shape under V8 (measured in Chromium, docs/nn.md): V8 on
 * x64 allocates 15 xmm registers, so the tile is 4 pixels × 8 channels (8 accumulators, two
 * weight rows, the broadcast input and a product: 12 live vectors) and the k loop is not
 * unrolled. An empty asm after each k step pins the step's accumulators: without it LLVM
 * chains each accumulator's products across steps (or hoists every broadcast to the top of
 * the loop), which keeps more vectors live than V8 has registers and spills accumulators
 * to the stack (6×8 tiles: 20 % slower whole-model). -DMR=, -DCV_KU=, -DCV_NO_PIN override
 * for experiments. */
#ifndef MR
#define MR 4
#endif
#ifndef CV_KU
#define CV_KU 1
#endif
#ifndef CV_NO_PIN
#define CV_PIN2(a, b) __asm__ volatile("" : "+r"(a), "+r"(b));
#define CV_PIN1(a) __asm__ volatile("" : "+r"(a));
#endif
#define NN_SIMD_SET nn_kernels_wasm_simd128
#if defined(__wasm_relaxed_simd__)
#define NN_SIMD_NAME "wasm-relaxed-simd128"
#else
#define NN_SIMD_NAME "wasm-simd128"
#endif

extern const nn_kernels nn_kernels_wasm_simd128;

#include "simd_impl.h"
