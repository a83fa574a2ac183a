/* The store write queue: every SQLite write of sig goes through here, one at a time and in
 * order, on another thread (sig_jobs.c). A change is applied to memory and acknowledged only
 * in its done callback, once the write committed; a failed write changes nothing in memory
 * and its requester is told store_unavailable. Serial execution keeps the order of writes
 * (chat ids, a lock then an unlock) the order of requests. */
#include "sig/sig_int.h"
#include "util/log.h"

static void wq_start(sig_ctx *ctx);

static void wq_work(sig_job *j) {
  sig_write *w = (sig_write *)j;
  w->rc = w->write(w->store, w);
}

static void wq_done(sig_job *j) {
  sig_write *w = (sig_write *)j;
  sig_ctx *ctx = j->ctx;
  ctx->wq_head = w->next;
  if (!ctx->wq_head) ctx->wq_tail = NULL;
  ctx->wq_len--;
  ctx->wq_running = 0;
  if (w->rc != BZ_STORE_OK) ctx->store_failures++;
  w->done(ctx, w, w->rc); /* frees w */
  wq_start(ctx);
}

static void wq_start(sig_ctx *ctx) {
  if (ctx->wq_running || !ctx->wq_head) return;
  ctx->wq_running = 1;
  sig_write *w = ctx->wq_head;
  w->store = ctx->store;
  w->job.work = wq_work;
  w->job.done = wq_done;
  sig__offload(ctx, &w->job);
}

int sig__write(sig_ctx *ctx, sig_write *w) {
  if (!ctx->store) { /* in-memory server (fuzzer): nothing to wait for */
    sig__enter(ctx);
    w->done(ctx, w, BZ_STORE_OK);
    sig__leave(ctx);
    return SIG_OK;
  }
  if (ctx->wq_len >= SIG_WQ_MAX) {
    ctx->store_failures++;
    BZ_WARN("store_queue_full", "queued=%d", ctx->wq_len);
    return SIG_EBUSY;
  }
  w->next = NULL;
  if (ctx->wq_tail)
    ctx->wq_tail->next = w;
  else
    ctx->wq_head = w;
  ctx->wq_tail = w;
  ctx->wq_len++;
  wq_start(ctx);
  return SIG_OK;
}
