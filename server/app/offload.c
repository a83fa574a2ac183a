/* sig's jobs (argon2, SQLite writes) on libuv's thread pool: work on a pool thread, done back
 * on the loop. sig runs at most one password job and one store write at a time, so two pool
 * threads are busy at most and the pool's default four suffice. */
#include "app/offload.h"

#include <stdlib.h>
#include <uv.h>

typedef struct offload_req {
  uv_work_t req;
  void (*work)(void *);
  void (*done)(void *);
  void *arg;
} offload_req;

static void on_work(uv_work_t *req) {
  offload_req *o = req->data;
  o->work(o->arg);
}

static void on_done(uv_work_t *req, int status) {
  offload_req *o = req->data;
  (void)status; /* never cancelled: every queued job reports back */
  o->done(o->arg);
  free(o);
}

int bz_offload(void *loop, void (*work)(void *), void (*done)(void *), void *arg) {
  offload_req *o = malloc(sizeof *o);
  if (!o) return -1;
  o->work = work;
  o->done = done;
  o->arg = arg;
  o->req.data = o;
  if (uv_queue_work(loop, &o->req, on_work, on_done) != 0) {
    free(o);
    return -1;
  }
  return 0;
}
