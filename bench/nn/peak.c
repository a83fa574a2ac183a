/* SIMD128 calibration kernel for bench-nn: the peak multiply-add rate of one core under the
 * engine that runs it (V8 here). Twelve independent accumulators, as in the convolution
 * micro-kernel's 6×2 tile, each updated by a product with a value loaded from a small
 * L1-resident table (so nothing is loop-invariant), no stores: peak_simd uses f32x4.mul then
 * f32x4.add, peak_relaxed (built with -mrelaxed-simd into its own module) f32x4.relaxed_madd.
 * Returns a sum of the accumulators so nothing is dead. Flops per call: iters·12·4·2. */
#include <wasm_simd128.h>

static float table[64] = {1.0f};

#if defined(__wasm_relaxed_simd__)
#define MADD(a, x, w) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(x), (__f32x4)(w), (__f32x4)(a)))
#define NAME "peak_relaxed"
#else
#define MADD(a, x, w) wasm_f32x4_add((a), wasm_f32x4_mul((x), (w)))
#define NAME "peak_simd"
#endif

__attribute__((export_name(NAME))) float peak(int iters, float seed) {
  v128_t a0 = wasm_f32x4_splat(seed), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  v128_t a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  v128_t x0 = wasm_f32x4_splat(seed * 0.5f), x1 = wasm_f32x4_splat(seed * 0.25f);
  for (int i = 0; i < iters; i++) {
    v128_t w = wasm_v128_load(table + ((i & 15) << 2));
    a0 = MADD(a0, x0, w), a1 = MADD(a1, x1, w), a2 = MADD(a2, x0, w);
    a3 = MADD(a3, x1, w), a4 = MADD(a4, x0, w), a5 = MADD(a5, x1, w);
    a6 = MADD(a6, x0, w), a7 = MADD(a7, x1, w), a8 = MADD(a8, x0, w);
    a9 = MADD(a9, x1, w), a10 = MADD(a10, x0, w), a11 = MADD(a11, x1, w);
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)),
                            wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 3);
}
