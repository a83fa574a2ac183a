/* nn-run: input preprocessing, timing/benchmark, output files and decoded JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_post.h"
#include "nn_run.h"

static void print_shape(const char *what, int i, const nn_tensor_info *t) {
  printf("%s %d '%s' [", what, i, t->name);
  for (int d = 0; d < t->ndim; d++) printf(d ? ",%d" : "%d", t->dims[d]);
  printf("]\n");
}

/* Index of the output named `name`, else of the one holding `count` floats, else -1. */
static int find_output(const nn_model *m, const char *name, size_t count) {
  nn_tensor_info t;
  for (int i = 0; i < nn_num_outputs(m); i++)
    if (!nn_output_info(m, i, &t) && !strcmp(t.name, name)) return i;
  for (int i = 0; i < nn_num_outputs(m); i++)
    if (!nn_output_info(m, i, &t) && t.count == count) return i;
  return -1;
}

int nnr_fill_input(nnr_args *a, nn_model *m, const nn_image *img) {
  nn_tensor_info in;
  if (nn_num_inputs(m) != 1 || nn_input_info(m, 0, &in) || in.ndim != 4 || in.dims[0] != 1 ||
      in.dims[3] != 3) {
    fprintf(stderr, "nn-run: the model's input is not one [1,H,W,3] image\n");
    return -1;
  }
  /* MediaPipe's BlazeFace detectors take [-1,1]; its selfie, pose and face mesh models
   * take [0,1]. */
  if (a->range_auto) {
    int blaze = find_output(m, "regressors", (size_t)-1) >= 0;
    a->lo = blaze ? -1.0f : 0.0f;
    a->hi = 1.0f;
  }
  nn_image_to_tensor(img, nn_input(m, 0), in.dims[2], in.dims[1], a->lo, a->hi);
  print_shape("input", 0, &in);
  printf("input image %dx%d%s, range [%g,%g]\n", img->w, img->h,
         img->w == in.dims[2] && img->h == in.dims[1] ? "" : " (bilinear resize)", a->lo, a->hi);
  for (int i = 0; i < nn_num_outputs(m); i++) {
    nn_tensor_info t;
    nn_output_info(m, i, &t);
    print_shape("output", i, &t);
  }
  return 0;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int nnr_infer(const nnr_args *a, nn_model *m) {
  double t0 = nnr_now_ms();
  int r = nn_run(m);
  double t1 = nnr_now_ms();
  if (r) return fprintf(stderr, "nn-run: run failed: %s\n", nn_strerror(r)), -1;
  printf("run_ms=%.2f\n", t1 - t0);
  if (!a->bench) return 0;
  double *ms = malloc((size_t)a->bench * sizeof *ms);
  if (!ms) return -1;
  for (int i = 0; i < 2; i++) nn_run(m); /* warm-up: caches, page faults, CPU clocks */
  for (int i = 0; i < a->bench; i++) {
    double s = nnr_now_ms();
    nn_run(m);
    ms[i] = nnr_now_ms() - s;
  }
  qsort(ms, (size_t)a->bench, sizeof *ms, cmp_double);
  double med = a->bench % 2 ? ms[a->bench / 2] : (ms[a->bench / 2 - 1] + ms[a->bench / 2]) / 2;
  double gflops = 2.0 * (double)nn_model_macs(m) / (med * 1e6);
  printf("nn-run model=%s kernels=%s median_ms=%.3f gflops=%.2f runs=%d min_ms=%.3f\n",
         base_name(a->model), nn_model_kernels(m), med, gflops, a->bench, ms[0]);
  free(ms);
  return 0;
}

static int write_one(const char *path, const nn_tensor_info *t, const float *v, int raw) {
  FILE *f = fopen(path, "wb");
  if (!f) return fprintf(stderr, "nn-run: cannot write %s\n", path), -1;
  int pgm = !raw && t->ndim == 4 && t->dims[3] == 1 && t->dims[1] > 1 && t->dims[2] > 1;
  int ok;
  if (pgm) {
    fprintf(f, "P5\n%d %d\n255\n", t->dims[2], t->dims[1]);
    ok = 1;
    for (size_t i = 0; i < t->count && ok; i++) {
      float x = v[i] < 0 ? 0 : v[i] > 1 ? 1 : v[i];
      ok = fputc((int)lrintf(x * 255.0f), f) != EOF;
    }
  } else {
    ok = fwrite(v, sizeof *v, t->count, f) == t->count;
  }
  ok = fclose(f) == 0 && ok;
  if (!ok) return fprintf(stderr, "nn-run: error writing %s\n", path), -1;
  printf("wrote %s (%s)\n", path, pgm ? "PGM 0..255" : "raw float32 little-endian");
  return 0;
}

int nnr_write_outputs(const nnr_args *a, const nn_model *m) {
  int n = nn_num_outputs(m);
  for (int i = 0; i < n; i++) {
    nn_tensor_info t;
    char path[4096];
    nn_output_info(m, i, &t);
    if (n == 1) snprintf(path, sizeof path, "%s", a->output);
    else snprintf(path, sizeof path, "%s.%d", a->output, i);
    if (write_one(path, &t, nn_output(m, i), a->raw)) return -1;
  }
  return 0;
}
