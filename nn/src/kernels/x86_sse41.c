/* The SSE4.1 kernel set: 4-wide vectors, no FMA (multiply then add). Built with -msse4.1
 * (nn/nn.mk does that for *_sse41.c); select.c offers it only when CPUID reports it. */
#include <smmintrin.h>

#include "kernels.h"

typedef __m128 V;
#define VL 4
#define V_LOAD(p) _mm_loadu_ps(p)
#define V_STORE(p, v) _mm_storeu_ps((p), (v))
#define V_SPLAT(x) _mm_set1_ps(x)
#define V_ADD _mm_add_ps
#define V_SUB _mm_sub_ps
#define V_MUL _mm_mul_ps
#define V_DIV _mm_div_ps
#define V_MIN _mm_min_ps
#define V_MAX _mm_max_ps
#define V_FMA(a, b, c) _mm_add_ps(_mm_mul_ps((a), (b)), (c))
#define V_CLAMP(x, lo, hi) _mm_min_ps((hi), _mm_max_ps((lo), (x)))
#define V_ROUND(x) _mm_round_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
/* Optional (4-wide sets only): the low / high two lanes of a, then of b. */
#define V_LO2(a, b) _mm_shuffle_ps((a), (b), _MM_SHUFFLE(1, 0, 1, 0))
#define V_HI2(a, b) _mm_shuffle_ps((a), (b), _MM_SHUFFLE(3, 2, 3, 2))
#define V_POW2I(n)                                                                          \
  _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127)), 23))
#define NN_SIMD_SET nn_kernels_sse41
#define NN_SIMD_NAME "sse4.1"

extern const nn_kernels nn_kernels_sse41;

#include "simd_impl.h"
