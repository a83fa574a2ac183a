/* The C API nn.wasm exports to JavaScript (web/js/nn/nn.js wraps it). Handles are nn_model
 * pointers into wasm memory; JS never dereferences them, it only passes them back.
 * Errors: nn_wasm_load returns 0 and leaves a message for nn_wasm_last_error(); other
 * calls return a negative NN_E* code, named by nn_wasm_strerror(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn.h"

#define NN_EXPORT(name) __attribute__((export_name(#name)))

static char last_error[512];

NN_EXPORT(nn_wasm_malloc) void *nn_wasm_malloc(size_t n) { return malloc(n ? n : 1); }
NN_EXPORT(nn_wasm_free) void nn_wasm_free(void *p) { free(p); }

NN_EXPORT(nn_wasm_last_error) const char *nn_wasm_last_error(void) { return last_error; }
NN_EXPORT(nn_wasm_strerror) const char *nn_wasm_strerror(int err) { return nn_strerror(err); }

/* kernels: NULL (0 from JS) for the best set, else a set name such as "scalar". */
NN_EXPORT(nn_wasm_load)
nn_model *nn_wasm_load(const uint8_t *data, size_t n, const char *kernels) {
  nn_model *m = NULL;
  nn_options opt = {.kernels = kernels};
  last_error[0] = '\0';
  int rc = nn_model_load(&m, data, n, &opt, last_error, sizeof last_error);
  if (rc != 0) {
    if (!last_error[0]) strncpy(last_error, nn_strerror(rc), sizeof last_error - 1);
    return NULL;
  }
  return m;
}

NN_EXPORT(nn_wasm_destroy) void nn_wasm_destroy(nn_model *m) { nn_model_destroy(m); }
NN_EXPORT(nn_wasm_run) int nn_wasm_run(nn_model *m) { return nn_run(m); }
NN_EXPORT(nn_wasm_kernels) const char *nn_wasm_kernels(nn_model *m) {
  return nn_model_kernels(m);
}
NN_EXPORT(nn_wasm_num_inputs) int nn_wasm_num_inputs(nn_model *m) { return nn_num_inputs(m); }
NN_EXPORT(nn_wasm_num_outputs) int nn_wasm_num_outputs(nn_model *m) {
  return nn_num_outputs(m);
}
NN_EXPORT(nn_wasm_input) float *nn_wasm_input(nn_model *m, int i) { return nn_input(m, i); }
NN_EXPORT(nn_wasm_output) const float *nn_wasm_output(nn_model *m, int i) {
  return nn_output(m, i);
}

/* Shape of input (is_output 0) or output (1) number i: ndim, or dims[j] for 0 ≤ j < ndim;
 * a negative NN_E* code for a bad index. */
NN_EXPORT(nn_wasm_tensor_dim) int nn_wasm_tensor_dim(nn_model *m, int is_output, int i, int j) {
  nn_tensor_info info;
  int rc = is_output ? nn_output_info(m, i, &info) : nn_input_info(m, i, &info);
  if (rc != 0) return rc;
  if (j < 0) return info.ndim;
  return j < info.ndim ? info.dims[j] : NN_EINVAL;
}

/* Converts an RGBA8 image (w × h, rows packed) into input i, which must be [1][h][w][3]
 * (or [h][w][3]), mapping 0..255 linearly onto [lo, hi]. Doing it here keeps the per-frame
 * loop out of JavaScript. */
NN_EXPORT(nn_wasm_rgba_to_input)
int nn_wasm_rgba_to_input(nn_model *m, int i, const uint8_t *rgba, int w, int h, float lo,
                          float hi) {
  nn_tensor_info info;
  if (nn_input_info(m, i, &info) != 0 || w <= 0 || h <= 0) return NN_EINVAL;
  if (info.ndim < 3 || info.dims[info.ndim - 1] != 3 || info.dims[info.ndim - 2] != w ||
      info.dims[info.ndim - 3] != h || info.count != (size_t)w * h * 3)
    return NN_EINVAL;
  float *x = nn_input(m, i), scale = (hi - lo) / 255.0f;
  size_t n = (size_t)w * h;
  for (size_t p = 0; p < n; p++, rgba += 4, x += 3) {
    x[0] = lo + scale * rgba[0];
    x[1] = lo + scale * rgba[1];
    x[2] = lo + scale * rgba[2];
  }
  return 0;
}

/* Threads (nn-mt.wasm; in nn.wasm nn_wasm_pool_create(n > 1) fails). nn.js creates the pool,
 * starts threads − 1 Workers on the same memory that each call nn_wasm_pool_worker(pool, i)
 * (it returns after nn_wasm_pool_destroy), and attaches models with nn_wasm_set_pool. */
NN_EXPORT(nn_wasm_pool_create) nn_pool *nn_wasm_pool_create(int threads) {
  nn_pool *p = NULL;
  return nn_pool_create(&p, threads) == 0 ? p : NULL;
}
NN_EXPORT(nn_wasm_pool_worker) void nn_wasm_pool_worker(nn_pool *p, int i) { nn_pool_worker(p, i); }
NN_EXPORT(nn_wasm_pool_set_threads) int nn_wasm_pool_set_threads(nn_pool *p, int n) {
  return nn_pool_set_threads(p, n);
}
NN_EXPORT(nn_wasm_pool_destroy) void nn_wasm_pool_destroy(nn_pool *p) { nn_pool_destroy(p); }
NN_EXPORT(nn_wasm_pool_free) void nn_wasm_pool_free(nn_pool *p) { nn_pool_free(p); }
NN_EXPORT(nn_wasm_set_pool) int nn_wasm_set_pool(nn_model *m, nn_pool *p) {
  return nn_model_set_pool(m, p);
}

/* Per-step profile for nn.js (NNModel.profile): runs the model `runs` times traced and adds
 * each step's time to ms[step] (double, ms; nn_wasm_profile_steps() entries). The clock is
 * WASI's, which nn.js answers with performance.now(). */
typedef struct prof {
  double *ms, t;
  int last;
} prof;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void prof_step(void *user, int step, const char *op) {
  prof *p = user;
  double t = now_ms();
  if (p->last >= 0) p->ms[p->last] += t - p->t;
  (void)op;
  p->last = step;
  p->t = now_ms();
}

static int profile_steps(nn_model *m) {
  int n = 0;
  while (nn_model_step_op(m, n)) n++;
  return n;
}

NN_EXPORT(nn_wasm_profile_steps) int nn_wasm_profile_steps(nn_model *m) { return profile_steps(m); }
NN_EXPORT(nn_wasm_profile_op) const char *nn_wasm_profile_op(nn_model *m, int step) {
  return nn_model_step_op(m, step);
}
NN_EXPORT(nn_wasm_profile) int nn_wasm_profile(nn_model *m, int runs, double *ms) {
  int n = profile_steps(m);
  for (int s = 0; s < n; s++) ms[s] = 0;
  for (int r = 0; r < runs; r++) {
    prof p = {ms, 0, -1};
    int rc = nn_run_traced(m, prof_step, &p);
    if (rc) return rc;
  }
  return 0;
}
