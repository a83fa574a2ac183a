/* The password queue: argon2 runs (join verifications, new room and set-password hashes) on a
 * worker thread, one at a time, under two budgets of CPU time per second — the whole server's
 * and each client address's — so that a guessing flood costs at most a fixed share of a core
 * and cannot starve other addresses. The budgets are charged with the thread CPU time each run
 * really took (it varies with the machine's load and the stored hash's cost), and may go into
 * debt by the last run; the next run starts once both are positive again. Among queued jobs
 * the address served longest ago goes first; jobs of one address keep their order. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sig/sig_int.h"
#include "util/log.h"

#define PWQ_ADDRS 256    /* address slots; more than the queue can ever reference */
#define PWQ_BURST_S 4.0 /* a budget holds at most this many seconds of its rate */

typedef struct pwq_addr {
  char key[SIG_ADDR_MAX];
  double tokens_ms;
  uint64_t refill_ms, served_ms, used_ms;
  int jobs; /* queued or running: the slot is not reused meanwhile */
} pwq_addr;

struct sig_pw {
  sig_job job; /* first */
  sig_pw *next;
  int slot;
  char *password;   /* owned; wiped when freed */
  char *verify;     /* owned copy of the hash to check; NULL = make a hash */
  uint8_t salt[16]; /* for a new hash, drawn on the control thread */
  uint32_t t_cost, m_kib;
  int ok;
  char *hash_out;
  uint64_t cpu_us;
  int cancelled;
  sig_pw_done_fn done;
  void *arg;
};

typedef struct sig_pwq {
  sig_pw *head; /* queued, in arrival order */
  int len;
  sig_pw *running;
  double tokens_ms;
  uint64_t refill_ms;
  uint64_t runs, cpu_us, refused;
  pwq_addr addrs[PWQ_ADDRS];
} sig_pwq;

int sig__pwq_create(sig_ctx *ctx) {
  ctx->pwq = calloc(1, sizeof *ctx->pwq);
  if (!ctx->pwq) return SIG_ENOMEM;
  ctx->pwq->tokens_ms = ctx->lim.password_cpu_ms_per_s * PWQ_BURST_S;
  ctx->pwq->refill_ms = sig__now(ctx);
  return SIG_OK;
}

static void pw_free(sig_pw *p) {
  if (p->password) OPENSSL_cleanse(p->password, strlen(p->password));
  free(p->password);
  free(p->verify);
  free(p->hash_out);
  free(p);
}

void sig__pwq_destroy(sig_ctx *ctx) {
  if (!ctx->pwq) return;
  while (ctx->pwq->head) {
    sig_pw *p = ctx->pwq->head;
    ctx->pwq->head = p->next;
    pw_free(p);
  }
  free(ctx->pwq);
  ctx->pwq = NULL;
}

int sig__pwq_queued(const sig_ctx *ctx) {
  return ctx->pwq ? ctx->pwq->len + (ctx->pwq->running != NULL) : 0;
}

static void refill(double *tokens, uint64_t *last, uint64_t now, double per_s) {
  if (now > *last) *tokens += (double)(now - *last) / 1000.0 * per_s;
  if (*tokens > per_s * PWQ_BURST_S) *tokens = per_s * PWQ_BURST_S;
  *last = now;
}

/* The slot of addr: its own, else a free one (unused longest), else -1. */
static int addr_slot(sig_ctx *ctx, const char *addr, uint64_t now) {
  sig_pwq *q = ctx->pwq;
  int best = -1;
  for (int i = 0; i < PWQ_ADDRS; i++) {
    pwq_addr *a = &q->addrs[i];
    if (a->used_ms && strcmp(a->key, addr) == 0) return i;
    if (a->jobs == 0 && (best < 0 || a->used_ms < q->addrs[best].used_ms)) best = i;
  }
  if (best < 0) return -1;
  pwq_addr *a = &q->addrs[best];
  memset(a, 0, sizeof *a);
  snprintf(a->key, sizeof a->key, "%s", addr);
  a->tokens_ms = ctx->lim.password_addr_cpu_ms_per_s * PWQ_BURST_S;
  a->refill_ms = a->used_ms = now;
  return best;
}

static uint64_t thread_cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Worker thread: only the job's own fields. */
static void pw_work(sig_job *j) {
  sig_pw *p = (sig_pw *)j;
  uint64_t t0 = thread_cpu_us();
  if (p->verify)
    p->ok = sig__pw_verify(p->verify, p->password);
  else
    p->ok = sig__pw_hash_raw(p->t_cost, p->m_kib, p->salt, p->password, &p->hash_out) == SIG_OK;
  p->cpu_us = thread_cpu_us() - t0;
}

static void pw_done(sig_job *j) {
  sig_pw *p = (sig_pw *)j;
  sig_ctx *ctx = j->ctx;
  sig_pwq *q = ctx->pwq;
  pwq_addr *a = &q->addrs[p->slot];
  double ms = (double)p->cpu_us / 1000.0;
  q->running = NULL;
  q->runs++;
  q->cpu_us += p->cpu_us;
  q->tokens_ms -= ms;
  a->tokens_ms -= ms;
  a->jobs--;
  if (!p->verify && !p->ok) BZ_ERROR("argon2", "err=\"hashing failed\"");
  char *hash = p->hash_out;
  p->hash_out = NULL;
  p->done(ctx, p->arg, p->cancelled ? -1 : p->ok, hash);
  pw_free(p);
  sig__pw_pump(ctx);
}

/* The queued job to run next: its address has budget, and was served longest ago. */
static sig_pw **pick(sig_ctx *ctx, uint64_t now) {
  sig_pwq *q = ctx->pwq;
  sig_pw **best = NULL;
  for (sig_pw **pp = &q->head; *pp; pp = &(*pp)->next) {
    pwq_addr *a = &q->addrs[(*pp)->slot];
    refill(&a->tokens_ms, &a->refill_ms, now, ctx->lim.password_addr_cpu_ms_per_s);
    if (a->tokens_ms <= 0) continue;
    if (!best || a->served_ms < q->addrs[(*best)->slot].served_ms) best = pp;
  }
  return best;
}

void sig__pw_pump(sig_ctx *ctx) {
  sig_pwq *q = ctx->pwq;
  if (!q || q->running || !q->head) return;
  uint64_t now = sig__now(ctx);
  refill(&q->tokens_ms, &q->refill_ms, now, ctx->lim.password_cpu_ms_per_s);
  if (q->tokens_ms <= 0) return; /* sig_tick tries again */
  sig_pw **pp = pick(ctx, now);
  if (!pp) return;
  sig_pw *p = *pp;
  *pp = p->next;
  q->len--;
  q->running = p;
  q->addrs[p->slot].served_ms = now;
  p->job.work = pw_work;
  p->job.done = pw_done;
  sig__offload(ctx, &p->job);
}

int sig__pw_submit(sig_ctx *ctx, const char *addr, const char *verify_hash, const char *password,
                   sig_pw_done_fn done, void *arg, sig_pw **out) {
  sig_pwq *q = ctx->pwq;
  uint64_t now = sig__now(ctx);
  int slot = addr_slot(ctx, addr && *addr ? addr : "?", now);
  if (q->len >= ctx->lim.password_queue_max || slot < 0 ||
      q->addrs[slot].jobs >= ctx->lim.password_addr_queue_max) {
    q->refused++;
    return SIG_EBUSY;
  }
  sig_pw *p = calloc(1, sizeof *p);
  if (!p) return SIG_ENOMEM;
  p->password = strdup(password);
  p->verify = verify_hash ? strdup(verify_hash) : NULL;
  if (!p->password || (verify_hash && !p->verify) ||
      (!verify_hash && sig__random(ctx, p->salt, sizeof p->salt) != 0)) {
    pw_free(p);
    return SIG_ENOMEM;
  }
  p->t_cost = ctx->argon_t;
  p->m_kib = ctx->argon_m_kib;
  p->slot = slot;
  p->done = done;
  p->arg = arg;
  q->addrs[slot].jobs++;
  q->addrs[slot].used_ms = now;
  sig_pw **pp = &q->head;
  while (*pp) pp = &(*pp)->next;
  *pp = p;
  q->len++;
  if (out) *out = p;
  sig__pw_pump(ctx); /* may run it inline (no offload hook) and call done before we return */
  return SIG_OK;
}

void sig__pw_cancel(sig_ctx *ctx, sig_pw *p) {
  sig_pwq *q = ctx->pwq;
  if (q->running == p) {
    p->cancelled = 1;
    return;
  }
  for (sig_pw **pp = &q->head; *pp; pp = &(*pp)->next) {
    if (*pp != p) continue;
    *pp = p->next;
    q->len--;
    q->addrs[p->slot].jobs--;
    p->done(ctx, p->arg, -1, NULL);
    pw_free(p);
    return;
  }
}

void sig__pwq_stats(const sig_ctx *ctx, uint64_t *runs, uint64_t *cpu_us, uint64_t *refused) {
  *runs = ctx->pwq ? ctx->pwq->runs : 0;
  *cpu_us = ctx->pwq ? ctx->pwq->cpu_us : 0;
  *refused = ctx->pwq ? ctx->pwq->refused : 0;
}
