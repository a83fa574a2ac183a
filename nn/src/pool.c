/* Threads for nn_run(): a pool of helpers that split one operator's output rows with the
 * calling thread (nn_model_set_pool, model.c). The pool only hands out row ranges; every
 * output element is still computed by one thread with the same operations in the same
 * order as on one thread, so results are bit-identical for any thread count.
 *
 * A job is a node's output rows cut into chunks (a few per thread). The caller publishes it
 * (function, context, chunk counter), bumps `gen` and wakes sleepers; every thread, the
 * caller included, claims chunks until none is left, and the caller spins until all are
 * done (it may be a browser thread, where blocking waits are not allowed). So a helper that
 * the OS has not scheduled yet delays nothing: the others take its chunks. Between the
 * steps of a run helpers spin on `gen` for a while before they sleep, since a futex
 * wake-up would cost more than most steps; at the end of a run they sleep at once.
 *
 * Natively the helpers are pthreads started by nn_pool_create(). In WebAssembly the host
 * starts them: nn.js instantiates the threaded build (nn-mt.wasm) in Workers on the same
 * shared memory and calls nn_pool_worker() there, which never returns before destroy.
 * Helpers run kernel code only (no allocation, no stdio, no libc state; memcpy/memset at
 * most), which is what lets nn-mt.wasm link Debian's wasi-libc, built without atomics
 * (docs/nn.md, "Threads"). */
#include <stdatomic.h>
#include <stdint.h>
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
  /* The current job's chunk counter: job number (32 bits) | next chunk (16) | chunks (16).
   * A thread claims chunk c of job g only by a compare-and-swap from (g, c, n) to
   * (g, c + 1, n), so a helper that wakes late can never take a chunk of a job that is
   * over, and the job's fn/ctx stay valid while any of its chunks is claimed (the caller
   * publishes the next job only after every chunk is done). */
  _Atomic uint64_t work;
  _Atomic int done;     /* chunks of the current job finished */
  _Atomic int gen;      /* bumped for each job; helpers wait for it to change */
  _Atomic int sleepers; /* helpers blocked in wait (so the caller must wake them) */
  _Atomic int stop;
  _Atomic int park;     /* set at the end of a run: helpers sleep at once instead of spinning */
  int created;          /* threads including the caller */
  int active;           /* threads used per job, 1..created */
  /* The current job (written before gen is bumped, read after a chunk is claimed). */
  nn__pool_fn fn;
  void *ctx;
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

/* Claims and runs chunks of the current job until none is left; thread t. */
static void pool_drain(nn_pool *p, int t) {
  uint64_t w = atomic_load_explicit(&p->work, memory_order_acquire);
  for (;;) {
    unsigned c = (unsigned)(w >> 16) & 0xffff, n = (unsigned)w & 0xffff;
    if (c >= n) return;
    uint64_t claimed = (w & ~((uint64_t)0xffff << 16)) | ((uint64_t)(c + 1) << 16);
    if (!atomic_compare_exchange_weak_explicit(&p->work, &w, claimed, memory_order_acq_rel,
                                               memory_order_acquire))
      continue; /* w now holds the current value */
    p->fn(p->ctx, t, (int)c, (int)n);
    atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    w = claimed;
  }
}

void nn_pool_worker(nn_pool *p, int index) {
  int seen = atomic_load(&p->gen);
  for (;;) {
    int g, spins = 0;
    while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen) {
      if (atomic_load(&p->stop)) return;
      if (++spins < NN__SPINS && !atomic_load_explicit(&p->park, memory_order_relaxed)) continue;
      atomic_fetch_add(&p->sleepers, 1);
      pool_wait(&p->gen, seen);
      atomic_fetch_sub(&p->sleepers, 1);
      spins = 0;
    }
    seen = g;
    if (atomic_load(&p->stop)) return;
    if (index < p->active) pool_drain(p, index);
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

/* The end of a run: helpers stop spinning (they would take a core from whatever runs
 * between two inferences) and sleep until the next job. */
void nn__pool_park(nn_pool *p) {
  if (p) atomic_store(&p->park, 1);
}

int nn_pool_threads(const nn_pool *p) { return p ? p->active : 1; }
int nn_pool_max_threads(const nn_pool *p) { return p ? p->created : 1; }

int nn_pool_set_threads(nn_pool *p, int n) {
  if (!p || n < 1 || n > p->created) return NN_EINVAL;
  p->active = n;
  return 0;
}

/* Runs fn(ctx, t, c, n) for every chunk c of n on the active threads (t: the thread, 0 = the
 * caller; which thread runs which chunk varies) and returns when all n are done. */
void nn__pool_run(nn_pool *p, nn__pool_fn fn, void *ctx, int n) {
  if (n > 0xffff) n = 0xffff;
  if (!p || p->active <= 1) {
    for (int c = 0; c < n; c++) fn(ctx, 0, c, n);
    return;
  }
  p->fn = fn, p->ctx = ctx;
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  atomic_store_explicit(&p->park, 0, memory_order_relaxed);
  uint64_t job = (atomic_load_explicit(&p->work, memory_order_relaxed) >> 32) + 1;
  atomic_store_explicit(&p->work, (job << 32) | (uint64_t)n, memory_order_release);
  atomic_fetch_add_explicit(&p->gen, 1, memory_order_seq_cst);
  if (atomic_load(&p->sleepers)) pool_wake(&p->gen);
  pool_drain(p, 0);
  /* Only chunks a helper has claimed and is running are left to wait for. */
  while (atomic_load_explicit(&p->done, memory_order_acquire) != n) {
  }
}
