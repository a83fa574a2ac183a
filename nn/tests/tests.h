/* Shared declarations of the nn unit test groups. */
#ifndef NN_TESTS_TESTS_H
#define NN_TESTS_TESTS_H

#include <stddef.h>

struct CMUnitTest;
extern const struct CMUnitTest nnt_ops_tests[], nnt_loader_tests[], nnt_plan_tests[],
    nnt_model_tests[];
extern const size_t nnt_ops_count, nnt_loader_count, nnt_plan_count, nnt_model_count;

void nnt_expect_near(const float *got, const float *want, size_t n, float tol);

/* Allocation counter (the test binary links with -Wl,--wrap=malloc,...). */
extern long nnt_allocs;

#endif
