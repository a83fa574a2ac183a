/* Chooses the kernel set: the best one compiled in that this CPU can run.
 *
 * Native x86 builds compile x86_avx2.c and x86_sse41.c with their instruction sets enabled
 * (nn/nn.mk), so they may only be called after CPUID confirms the CPU has them; the wasm
 * build compiles wasm_simd128.c instead, and a wasm engine that lacks SIMD128 rejects the
 * whole module at compile time, so no run-time check is needed there. */
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define NN_HAVE_X86 1
extern const nn_kernels nn_kernels_avx2;
extern const nn_kernels nn_kernels_sse41;
#endif
#if defined(__wasm_simd128__)
extern const nn_kernels nn_kernels_wasm_simd128;
#endif

typedef struct candidate {
  const nn_kernels *set;
  int (*supported)(void);
} candidate;

static int always(void) { return 1; }

#ifdef NN_HAVE_X86
static int cpu_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int cpu_sse41(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.1");
}
#endif

/* Best first; each entry is compiled in only where its instruction set can be built. */
static const candidate candidates[] = {
#ifdef NN_HAVE_X86
    {&nn_kernels_avx2, cpu_avx2_fma},
    {&nn_kernels_sse41, cpu_sse41},
#endif
#if defined(__wasm_simd128__)
    {&nn_kernels_wasm_simd128, always},
#endif
    {&nn_kernels_scalar, always},
};

int nn_kernels_available(const nn_kernels **out, int max) {
  int n = 0;
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && n < max; i++)
    if (candidates[i].supported()) out[n++] = candidates[i].set;
  return n;
}

const nn_kernels *nn_kernels_find(const char *name) {
  const nn_kernels *sets[8];
  int n = nn_kernels_available(sets, 8);
  if (!name || strcmp(name, "auto") == 0) return n > 0 ? sets[0] : NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(sets[i]->name, name) == 0) return sets[i];
  return NULL;
}
