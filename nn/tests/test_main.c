/* nn unit tests: runs every group; exit status = number of failed tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests.h"

/* Counts allocations so a test can prove nn_run() does none. */
long nnt_allocs;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n) {
  nnt_allocs++;
  return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s) {
  nnt_allocs++;
  return __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n) {
  nnt_allocs++;
  return __real_realloc(p, n);
}

int main(void) {
  int failed = 0;
  failed += _cmocka_run_group_tests("nn_ops", nnt_ops_tests, nnt_ops_count, NULL, NULL);
  failed += _cmocka_run_group_tests("nn_loader", nnt_loader_tests, nnt_loader_count, NULL, NULL);
  failed += _cmocka_run_group_tests("nn_plan", nnt_plan_tests, nnt_plan_count, NULL, NULL);
  failed += _cmocka_run_group_tests("nn_models", nnt_model_tests, nnt_model_count, NULL, NULL);
  return failed ? 1 : 0;
}
