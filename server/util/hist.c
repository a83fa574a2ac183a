/* Fixed-bucket histogram (see hist.h). */
#include "util/hist.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

const uint32_t bz_hist_bounds_us[BZ_HIST_BUCKETS] = {
    50,     100,    200,    300,    500,     750,     1000,    1500,   2000,   3000,
    5000,   7500,   10000,  15000,  20000,   30000,   50000,   75000,  100000, 150000,
    200000, 300000, 500000, 750000, 1000000, 2000000, 3000000, 5000000,
};

void bz_hist_record(bz_hist *h, uint64_t us) {
  int i = 0;
  while (i < BZ_HIST_BUCKETS && us > bz_hist_bounds_us[i]) i++;
  h->counts[i]++;
  h->total++;
  h->sum_us += us;
  if (us > h->max_us) h->max_us = us;
}

uint64_t bz_hist_quantile_bound_us(const bz_hist *h, double q) {
  if (h->total == 0) return 0;
  double want = q * (double)h->total;
  uint64_t seen = 0;
  for (int i = 0; i < BZ_HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if ((double)seen >= want) return bz_hist_bounds_us[i];
  }
  return UINT64_MAX;
}

/* snprintf that keeps counting what it would have needed once buf is full. */
static size_t put(char *buf, size_t cap, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t cap, size_t at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(at < cap ? buf + at : NULL, at < cap ? cap - at : 0, fmt, ap);
  va_end(ap);
  return n < 0 ? at : at + (size_t)n;
}

size_t bz_hist_prometheus(const bz_hist *h, const char *name, const char *help, char *buf,
                          size_t cap) {
  if (cap) buf[0] = '\0';
  size_t n = put(buf, cap, 0, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
  uint64_t cum = 0;
  for (int i = 0; i < BZ_HIST_BUCKETS; i++) {
    cum += h->counts[i];
    uint32_t b = bz_hist_bounds_us[i];
    n = put(buf, cap, n, "%s_bucket{le=\"%" PRIu32 ".%06" PRIu32 "\"} %" PRIu64 "\n", name,
            b / 1000000, b % 1000000, cum);
  }
  n = put(buf, cap, n, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->total);
  n = put(buf, cap, n, "%s_sum %" PRIu64 ".%06" PRIu64 "\n%s_count %" PRIu64 "\n", name,
          h->sum_us / 1000000, h->sum_us % 1000000, name, h->total);
  n = put(buf, cap, n,
          "# HELP %s_max The largest since start.\n# TYPE %s_max gauge\n%s_max %" PRIu64
          ".%06" PRIu64 "\n",
          name, name, name, h->max_us / 1000000, h->max_us % 1000000);
  return n;
}
