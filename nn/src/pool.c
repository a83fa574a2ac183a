/* Threads for nn_run(): a pool of helpers that split one operator's output rows with the
 * calling thread (nn_model_set_pool, model.c). The pool only hands out row ranges; every
 * output element is still computed by one thread with the same operations in the same
 * order as on one thread, so results are bit-identical for any thread count.
 *
 * Synchronisation is one generation counter: the caller publishes a job (function, context,
 * thread count), bumps `gen` and wakes sleepers; each helper runs its share, and the last
 * one to finish drops `pending` to 0, which the caller spins on (it may be a browser thread
 * where blocking waits are not allowed). Between the steps of a run helpers spin on `gen`
 * for a while before they sleep, since a futex wake-up would cost more than most steps.
 *
 * Natively the helpers are pthreads started by nn_pool_create(). In WebAssembly the host
 * starts them: nn.js instantiates the threaded build (nn-mt.wasm) in Workers on the same
 * shared memory and calls nn_pool_worker() there, which never returns before destroy.
 * Helpers run kernel code only (no allocation, no stdio, no libc state; memcpy/memset at
 * most), which is what lets nn-mt.wasm link Debian's wasi-libc, built without atomics
 * (docs/nn.md, "Threads"). */
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

#if !defined(__wasm__)
#include <pthread.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <sched.h>
#endif
#endif

#define NN__POOL_MAX 64
/* Spins on `gen` before a helper sleeps: long enough to bridge the gap between two steps
 * of a run (elementwise ops, tens of µs), short enough not to burn a core when idle. */
#define NN__SPINS 200000

struct nn_pool {
  _Atomic int gen;      /* bumped for each job; helpers wait for it to change */
  _Atomic int pending;  /* helpers still working on the current job */
  _Atomic int sleepers; /* helpers blocked in wait (so the caller must wake them) */
  _Atomic int stop;
  _Atomic int started;  /* helpers that have read `gen` once and are waiting for jobs */
  int created;          /* threads including the caller */
  int active;           /* threads used per job, 1..created */
  /* The current job (written before gen is bumped, read after it is seen). */
  nn__pool_fn fn;
  void *ctx;
  int nthreads;
#if !defined(__wasm__)
  pthread_t tid[NN__POOL_MAX];
#endif
};

static void pool_wait(_Atomic int *addr, int seen) {
#if defined(__wasm__)
#if defined(__wasm_atomics__)
  __builtin_wasm_memory_atomic_wait32((int *)addr, seen, -1);
#else
  (void)addr, (void)seen;
#endif
#elif defined(__linux__)
  syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
#else
  (void)addr, (void)seen;
  sched_yield();
#endif
}

static void pool_wake(_Atomic int *addr) {
#if defined(__wasm__)
#if defined(__wasm_atomics__)
  __builtin_wasm_memory_atomic_notify((int *)addr, NN__POOL_MAX);
#else
  (void)addr;
#endif
#elif defined(__linux__)
  syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, NN__POOL_MAX, NULL, NULL, 0);
#else
  (void)addr;
#endif
}

void nn_pool_worker(nn_pool *p, int index) {
  int seen = atomic_load(&p->gen);
  atomic_fetch_add(&p->started, 1);
  for (;;) {
    int g, spins = 0;
    while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen) {
      if (atomic_load(&p->stop)) return;
      if (++spins < NN__SPINS) continue;
      atomic_fetch_add(&p->sleepers, 1);
      pool_wait(&p->gen, seen);
      atomic_fetch_sub(&p->sleepers, 1);
      spins = 0;
    }
    seen = g;
    if (atomic_load(&p->stop)) return;
    if (index < p->nthreads) {
      p->fn(p->ctx, index, p->nthreads);
      atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
  }
}

#if !defined(__wasm__)
typedef struct {
  nn_pool *p;
  int index;
} start_arg;

static void *thread_main(void *arg) {
  start_arg a = *(start_arg *)arg;
  free(arg);
  nn_pool_worker(a.p, a.index);
  return NULL;
}
#endif

int nn_pool_create(nn_pool **out, int threads) {
  if (!out) return NN_EINVAL;
  *out = NULL;
  if (threads < 1 || threads > NN__POOL_MAX) return NN_EINVAL;
#if defined(__wasm__) && !defined(__wasm_atomics__)
  if (threads > 1) return NN_EUNSUPPORTED; /* nn.wasm: no shared memory, no helpers */
#endif
  nn_pool *p = calloc(1, sizeof *p);
  if (!p) return NN_ENOMEM;
  p->created = p->active = threads;
#if !defined(__wasm__)
  for (int i = 1; i < threads; i++) {
    start_arg *a = malloc(sizeof *a);
    if (!a) {
      p->created = i;
      nn_pool_destroy(p);
      return NN_ENOMEM;
    }
    a->p = p, a->index = i;
    if (pthread_create(&p->tid[i], NULL, thread_main, a) != 0) {
      free(a);
      p->created = i;
      nn_pool_destroy(p);
      return NN_ENOMEM;
    }
  }
#endif
  *out = p;
  return 0;
}

void nn_pool_destroy(nn_pool *p) {
  if (!p) return;
  atomic_store(&p->stop, 1);
  atomic_fetch_add(&p->gen, 1);
  pool_wake(&p->gen);
#if !defined(__wasm__)
  for (int i = 1; i < p->created; i++) pthread_join(p->tid[i], NULL);
  free(p);
#endif
  /* In wasm the host stops its Workers and then frees the pool (nn_pool_free); a helper
   * may still be reading `stop` here. */
}

void nn_pool_free(nn_pool *p) {
#if defined(__wasm__)
  free(p);
#else
  (void)p;
#endif
}

int nn_pool_threads(const nn_pool *p) { return p ? p->active : 1; }
int nn_pool_max_threads(const nn_pool *p) { return p ? p->created : 1; }

int nn_pool_set_threads(nn_pool *p, int n) {
  if (!p || n < 1 || n > p->created) return NN_EINVAL;
  p->active = n;
  return 0;
}

/* Runs fn(ctx, t, T) for t = 0..T-1, T = the active thread count, t = 0 on the caller. */
void nn__pool_run(nn_pool *p, nn__pool_fn fn, void *ctx) {
  int T = p ? p->active : 1;
  if (T <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  /* A helper must have read `gen` before the first job is published, or it would take
   * that job for the state it started from (Workers start late in a browser). */
  while (atomic_load(&p->started) < p->created - 1) {
  }
  p->fn = fn, p->ctx = ctx, p->nthreads = T;
  atomic_store(&p->pending, T - 1);
  atomic_fetch_add_explicit(&p->gen, 1, memory_order_seq_cst);
  if (atomic_load(&p->sleepers)) pool_wake(&p->gen);
  fn(ctx, 0, T);
  while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0) {
  }
}
