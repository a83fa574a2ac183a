/* Chooses the kernel set: the best one compiled in that this CPU can run. */
#include <string.h>

#include "kernels.h"

/* Best first; each entry is compiled in only where its instruction set can be built. */
static const nn_kernels *const candidates[] = {
    &nn_kernels_scalar,
};

int nn_kernels_available(const nn_kernels **out, int max) {
  int n = 0;
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && n < max; i++)
    out[n++] = candidates[i];
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
