/* SIMD128 calibration kernel for bench-nn: the peak multiply-add rate of one core under the
 * engine that runs it (V8 here). Eight independent accumulators (enough to cover the add
 * or FMA latency on two ports; twelve made V8 spill and measured 2× lower), each updated by a
 * product of values loaded from a small L1-resident table (so nothing is loop-invariant), no
 * stores: peak_simd uses f32x4.mul then f32x4.add, peak_relaxed (built with -mrelaxed-simd
 * into its own module) f32x4.relaxed_madd. Returns a sum of the accumulators so nothing is
 * dead. Flops per call: iters·8·4·2. */
#include <wasm_simd128.h>

static float table[64] = {1.0f, 0.5f};

#if defined(__wasm_relaxed_simd__)
#define MADD(a, x, w) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(x), (__f32x4)(w), (__f32x4)(a)))
#define NAME "peak_relaxed"
#else
#define MADD(a, x, w) wasm_f32x4_add((a), wasm_f32x4_mul((x), (w)))
#define NAME "peak_simd"
#endif

__attribute__((export_name(NAME))) float peak(int iters, float seed) {
  v128_t a0 = wasm_f32x4_splat(seed), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,
         a7 = a0, x = wasm_f32x4_splat(seed * 0.5f);
  for (int i = 0; i < iters; i++) {
    v128_t w0 = wasm_v128_load(table + ((i & 7) << 2)), w1 = wasm_v128_load(table + 32 + ((i & 7) << 2));
    a0 = MADD(a0, x, w0), a1 = MADD(a1, x, w1), a2 = MADD(a2, w0, w1), a3 = MADD(a3, x, w0);
    a4 = MADD(a4, w1, w0), a5 = MADD(a5, x, w1), a6 = MADD(a6, w0, w0), a7 = MADD(a7, w1, w1);
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)),
                            wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 3);
}
