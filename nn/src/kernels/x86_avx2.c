/* The AVX2+FMA kernel set: 8-wide vectors, fused multiply-add. Built with -mavx2 -mfma
 * (nn/nn.mk does that for *_avx2.c); select.c offers it only when CPUID reports both. */
#include <immintrin.h>

#include "kernels.h"

typedef __m256 V;
#define VL 8
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_SPLAT(x) _mm256_set1_ps(x)
#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_DIV _mm256_div_ps
#define V_MIN _mm256_min_ps
#define V_MAX _mm256_max_ps
#define V_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
/* max(lo, x) returns x when x is NaN (the second operand), as the scalar clamp does. */
#define V_CLAMP(x, lo, hi) _mm256_min_ps((hi), _mm256_max_ps((lo), (x)))
#define V_ROUND(x) _mm256_round_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define V_POW2I(n)                                                                          \
  _mm256_castsi256_ps(_mm256_slli_epi32(                                                    \
      _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))
#define NN_SIMD_SET nn_kernels_avx2
#define NN_SIMD_NAME "avx2"

extern const nn_kernels nn_kernels_avx2;

#include "simd_impl.h"
