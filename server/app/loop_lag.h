/* Control-loop lag probe: a 20 ms one-shot timer, re-armed from its own callback, records how
 * late it fired. Anything that holds the control thread (a slow handler, a blocking call)
 * shows up as lag, so /metrics carries `buzz_loop_lag_seconds` and `make bench` reads it
 * under load (bench/server). Idle lag is the loop's own timer granularity, about 1 ms. */
#ifndef BZ_LOOP_LAG_H
#define BZ_LOOP_LAG_H

#include <stdint.h>
#include <uv.h>

#include "util/hist.h"

#define BZ_LOOP_LAG_PERIOD_MS 20

typedef struct bz_loop_lag {
  uv_timer_t timer;
  uint64_t due_ns; /* uv_hrtime() when the armed timer should fire */
  bz_hist hist;
} bz_loop_lag;

void bz_loop_lag_start(bz_loop_lag *l, uv_loop_t *loop);
/* Closes the timer (the loop must run once more to finish the close). */
void bz_loop_lag_stop(bz_loop_lag *l);

#endif
