/* A fixed-bucket latency histogram rendered as a Prometheus histogram (seconds). Buckets grow
 * roughly 1.5× from 50 µs to 5 s, fine enough that a scraper can read p50/p99 from two
 * scrapes (the loop-lag benchmark does). Single-threaded: one histogram belongs to one thread. */
#ifndef BZ_HIST_H
#define BZ_HIST_H

#include <stddef.h>
#include <stdint.h>

#define BZ_HIST_BUCKETS 28 /* finite upper bounds; one more slot counts +Inf */

typedef struct bz_hist {
  uint64_t counts[BZ_HIST_BUCKETS + 1]; /* per bucket, not cumulative */
  uint64_t total;
  uint64_t sum_us;
  uint64_t max_us;
} bz_hist;

/* The finite upper bounds in microseconds, ascending. */
extern const uint32_t bz_hist_bounds_us[BZ_HIST_BUCKETS];

void bz_hist_record(bz_hist *h, uint64_t us);
/* The smallest bucket bound at or above the q-quantile (0 < q <= 1); UINT64_MAX when it lies
 * in the +Inf bucket, 0 when the histogram is empty. */
uint64_t bz_hist_quantile_bound_us(const bz_hist *h, double q);
/* Appends "# HELP/# TYPE", the cumulative _bucket lines, _sum and _count for `name` to buf
 * (NUL-terminated, never past cap). Returns the length it needed, like snprintf. */
size_t bz_hist_prometheus(const bz_hist *h, const char *name, const char *help, char *buf,
                          size_t cap);

#endif
