/* The control-loop lag probe (see loop_lag.h). */
#include "app/loop_lag.h"

#define PERIOD_NS ((uint64_t)BZ_LOOP_LAG_PERIOD_MS * 1000000u)

static void fired(uv_timer_t *t) {
  bz_loop_lag *l = t->data;
  uint64_t now = uv_hrtime();
  bz_hist_record(&l->hist, now > l->due_ns ? (now - l->due_ns) / 1000 : 0);
  uv_update_time(t->loop); /* count the period from now, not from the start of this turn */
  l->due_ns = now + PERIOD_NS;
  uv_timer_start(&l->timer, fired, BZ_LOOP_LAG_PERIOD_MS, 0);
}

void bz_loop_lag_start(bz_loop_lag *l, uv_loop_t *loop) {
  uv_timer_init(loop, &l->timer);
  l->timer.data = l;
  /* uv_update_time: the timer counts from the loop's cached clock, which may be stale here. */
  uv_update_time(loop);
  l->due_ns = uv_hrtime() + PERIOD_NS;
  uv_timer_start(&l->timer, fired, BZ_LOOP_LAG_PERIOD_MS, 0);
}

void bz_loop_lag_stop(bz_loop_lag *l) {
  uv_timer_stop(&l->timer);
  uv_close((uv_handle_t *)&l->timer, NULL);
}
