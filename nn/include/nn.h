/* nn: a small inference engine for TFLite vision models (float32 activations, float16 or
 * float32 weights), built natively and to WebAssembly from the same source.
 *
 * Life cycle: nn_model_load() parses and validates an untrusted .tflite flatbuffer, plans
 * activation memory into one arena and pre-packs weights; nn_run() then does a forward pass
 * with no allocation. One model is used from one thread at a time.
 * Error convention: 0 on success, a negative NN_E* code; nn_strerror() names it, and the
 * loader also writes a human-readable message (naming e.g. the unsupported operator). */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nn_model nn_model;

enum {
  NN_OK = 0,
  NN_ENOMEM = -1,
  NN_EFORMAT = -2,      /* not a valid TFLite flatbuffer: bad offset, length, shape... */
  NN_EUNSUPPORTED = -3, /* valid, but uses an operator/type/shape we do not run */
  NN_EINVAL = -4,       /* bad argument from the caller */
  NN_ELIMIT = -5,       /* exceeds a resource limit (tensor size, node count, arena) */
};
const char *nn_strerror(int err);

#define NN_MAX_DIMS 6

typedef struct nn_tensor_info {
  const char *name; /* owned by the model */
  int ndim;
  int dims[NN_MAX_DIMS]; /* e.g. {1, 144, 256, 3}, NHWC */
  size_t count;          /* product of dims */
} nn_tensor_info;

typedef struct nn_options {
  /* Kernel set: NULL or "auto" = best this CPU supports; "scalar" = reference kernels;
   * otherwise a name from nn_kernels_available(). */
  const char *kernels;
} nn_options;

/* Loads a model from memory. `data` is only read during the call (weights are copied and
 * packed). On failure *out is NULL, and err (if not NULL) holds a NUL-terminated message. */
int nn_model_load(nn_model **out, const uint8_t *data, size_t n, const nn_options *opt,
                  char *err, size_t err_len);
void nn_model_destroy(nn_model *m);

int nn_num_inputs(const nn_model *m);
int nn_num_outputs(const nn_model *m);
int nn_input_info(const nn_model *m, int i, nn_tensor_info *info);
int nn_output_info(const nn_model *m, int i, nn_tensor_info *info);
/* Pointers into the model's arena, valid until nn_model_destroy. Write inputs, nn_run(),
 * read outputs. Inputs keep their values across nn_run() (the planner never reuses their
 * bytes); outputs hold the last run's results until the next nn_run(). */
float *nn_input(nn_model *m, int i);
const float *nn_output(const nn_model *m, int i);

int nn_run(nn_model *m);

/* nn_run() that calls trace(user, step, op) before each step (op = the operator's name,
 * e.g. "CONV_2D") and once more after the last with op = NULL, so a caller can time each
 * operator without the engine touching clocks. */
typedef void (*nn_trace_fn)(void *user, int step, const char *op);
int nn_run_traced(nn_model *m, nn_trace_fn trace, void *user);

/* Operator name of execution step `step` (0-based, as passed to an nn_trace_fn), NULL past
 * the last step. */
const char *nn_model_step_op(const nn_model *m, int step);

/* Name of the kernel set the model runs with ("scalar", "sse4.1", "avx2", "wasm-simd128"). */
const char *nn_model_kernels(const nn_model *m);
/* Multiply-accumulates of one forward pass (convolutions), for GFLOP/s reporting. */
uint64_t nn_model_macs(const nn_model *m);
/* Bytes of the activation arena (planned by liveness) and of packed weights. */
size_t nn_model_arena_bytes(const nn_model *m);
size_t nn_model_weight_bytes(const nn_model *m);

/* Threads. A pool holds `threads` threads: the caller of nn_run() and threads − 1 helpers.
 * A model given a pool splits each large convolution's output rows among its active
 * threads; every output is still computed by one thread with the operations of the
 * single-threaded run, in the same order, so results are bit-identical for any count.
 * Natively nn_pool_create() starts the helpers (pthreads). In WebAssembly (nn-mt.wasm,
 * shared memory) the host starts them: each helper is a Worker that instantiates the
 * module on the same memory and calls nn_pool_worker(pool, i), i = 1..threads−1, which
 * returns only after nn_pool_destroy(); the host then frees the pool with nn_pool_free().
 * A pool may serve several models, one nn_run() at a time. Destroy it after the models
 * that use it (or after nn_model_set_pool(m, NULL)). */
typedef struct nn_pool nn_pool;
int nn_pool_create(nn_pool **out, int threads); /* NN_EUNSUPPORTED in nn.wasm if > 1 */
void nn_pool_destroy(nn_pool *p);
void nn_pool_free(nn_pool *p); /* wasm only, after the helpers returned; no-op natively */
void nn_pool_worker(nn_pool *p, int index);
/* Threads used from the next run on: 1..threads given to nn_pool_create. */
int nn_pool_set_threads(nn_pool *p, int n);
int nn_pool_threads(const nn_pool *p);
int nn_pool_max_threads(const nn_pool *p);
/* Runs m on pool p from now on (NULL: one thread). Allocates each helper's kernel scratch
 * here, so nn_run() still allocates nothing. */
int nn_model_set_pool(nn_model *m, nn_pool *p);

#ifdef __cplusplus
}
#endif
#endif
