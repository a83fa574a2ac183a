/* libFuzzer target for the TFLite loader: any byte string either loads or is refused with
 * an error code and message; what loads is also planned and (when small) run once. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h" /* white-box: the run-cost estimate */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nn_model *m = NULL;
  char err[256];
  /* Odd-sized inputs run the best SIMD set, even-sized the scalar reference. */
  nn_options opt = {(size & 1) ? "auto" : "scalar"};
  int r = nn_model_load(&m, data, size, &opt, err, sizeof err);
  if (r != 0) {
    /* A refusal always explains itself and never leaves a model behind. */
    if (m != NULL || err[0] == 0 || strlen(err) >= sizeof err) __builtin_trap();
    return 0;
  }
  /* Keep each run fast: real models are exercised by the unit tests. */
  if (nn_model_arena_bytes(m) <= (16u << 20) && m->work <= 20000000u) nn_run(m);
  nn_model_destroy(m);
  return 0;
}
