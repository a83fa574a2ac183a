/* bz_hist: the loop-lag histogram and its Prometheus text. */
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "util/hist.h"

static void test_buckets_and_quantiles(void **state) {
  (void)state;
  bz_hist h = {0};
  assert_int_equal(bz_hist_quantile_bound_us(&h, 0.5), 0);
  for (int i = 0; i < 98; i++) bz_hist_record(&h, 80);  /* ≤ 100 µs */
  bz_hist_record(&h, 100);                              /* on a bound: that bucket */
  bz_hist_record(&h, 40000);                            /* ≤ 50 ms */
  assert_int_equal(h.total, 100);
  assert_int_equal(h.max_us, 40000);
  assert_int_equal(h.counts[1], 99);
  assert_int_equal(bz_hist_quantile_bound_us(&h, 0.5), 100);
  assert_int_equal(bz_hist_quantile_bound_us(&h, 0.99), 100);
  assert_int_equal(bz_hist_quantile_bound_us(&h, 1.0), 50000);
  bz_hist_record(&h, 60u * 1000000u); /* past the last bound */
  assert_int_equal(h.counts[BZ_HIST_BUCKETS], 1);
  assert_true(bz_hist_quantile_bound_us(&h, 1.0) == UINT64_MAX);
}

static void test_prometheus_text(void **state) {
  (void)state;
  bz_hist h = {0};
  bz_hist_record(&h, 150);
  bz_hist_record(&h, 2500000);
  char buf[4096];
  size_t need = bz_hist_prometheus(&h, "x_seconds", "help text", buf, sizeof buf);
  assert_true(need < sizeof buf);
  assert_int_equal(strlen(buf), need);
  assert_non_null(strstr(buf, "# TYPE x_seconds histogram\n"));
  assert_non_null(strstr(buf, "x_seconds_bucket{le=\"0.000100\"} 0\n"));
  assert_non_null(strstr(buf, "x_seconds_bucket{le=\"0.000200\"} 1\n")); /* cumulative */
  assert_non_null(strstr(buf, "x_seconds_bucket{le=\"2.000000\"} 1\n"));
  assert_non_null(strstr(buf, "x_seconds_bucket{le=\"3.000000\"} 2\n"));
  assert_non_null(strstr(buf, "x_seconds_bucket{le=\"+Inf\"} 2\n"));
  assert_non_null(strstr(buf, "x_seconds_sum 2.500150\nx_seconds_count 2\n"));
  assert_non_null(strstr(buf, "x_seconds_max 2.500000\n"));
  /* A short buffer is cut, stays terminated, and the needed length is still reported. */
  char small[64];
  assert_int_equal(bz_hist_prometheus(&h, "x_seconds", "help text", small, sizeof small), need);
  assert_int_equal(strlen(small), sizeof small - 1);
}

int net_tests_hist(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buckets_and_quantiles),
      cmocka_unit_test(test_prometheus_text),
  };
  return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
