/* Jobs: the one place sig hands work to another thread (tp.offload) and takes the result back
 * on the control thread. Without an offload hook (unit tests, the fuzzer) a job runs inline,
 * so the same code paths are exercised in both. */
#include "sig/sig_int.h"

static void job_work(void *arg) {
  sig_job *j = arg;
  j->work(j);
}

static void job_done(void *arg) {
  sig_job *j = arg;
  sig_ctx *ctx = j->ctx;
  /* A done callback sends and may close connections: defer their frees like a handler does. */
  sig__enter(ctx);
  ctx->jobs_in_flight--;
  j->done(j);
  sig__leave(ctx);
}

void sig__offload(sig_ctx *ctx, sig_job *j) {
  j->ctx = ctx;
  ctx->jobs_in_flight++;
  if (ctx->tp.offload && ctx->tp.offload(ctx->tp.ctx_user, job_work, job_done, j) == 0) return;
  job_work(j); /* no hook, or it could not queue: the result is still right, only slower */
  job_done(j);
}
