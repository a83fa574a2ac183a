/* nn-run: runs a .tflite model on an image and writes its outputs (see docs/nn.md).
 *
 *   nn-run --model M.tflite --input IMG --output OUT [--raw] [--kernels scalar|auto|NAME]
 *          [--bench N] [--profile] [--decode blazeface|landmarks] [--range LO,HI]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "nn.h"
#include "nn_run.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: nn-run --model M.tflite --input IMG.png|IMG.ppm [--output OUT] [--raw]\n"
          "              [--kernels scalar|auto|NAME] [--bench N] [--profile] [--range LO,HI]\n"
          "              [--threads N]\n"
          "              [--decode blazeface|landmarks]\n");
}

/* Parses the command line into a; returns 0 or -1 (message printed). */
static int parse_args(int argc, char **argv, nnr_args *a) {
  memset(a, 0, sizeof *a);
  a->range_auto = 1;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      usage(stdout);
      exit(0);
    }
    static const char *const known[] = {"--model", "--input",   "--output", "--kernels", "--decode",
                                        "--raw",   "--profile", "--bench",  "--range", "--threads"};
    int is_known = 0;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) is_known |= !strcmp(o, known[k]);
    if (!is_known) {
      fprintf(stderr, "nn-run: unknown option %s\n", o);
      usage(stderr);
      return -1;
    }
    int takes = strcmp(o, "--raw") != 0 && strcmp(o, "--profile") != 0;
    if (takes && !v) {
      fprintf(stderr, "nn-run: %s needs a value\n", o);
      return -1;
    }
    if (!strcmp(o, "--model")) a->model = v;
    else if (!strcmp(o, "--input")) a->input = v;
    else if (!strcmp(o, "--output")) a->output = v;
    else if (!strcmp(o, "--kernels")) a->kernels = v;
    else if (!strcmp(o, "--decode")) a->decode = v;
    else if (!strcmp(o, "--raw")) a->raw = 1;
    else if (!strcmp(o, "--profile")) a->profile = 1;
    else if (!strcmp(o, "--bench")) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 1 || n > 100000) return fprintf(stderr, "nn-run: bad --bench\n"), -1;
      a->bench = (int)n;
    } else if (!strcmp(o, "--threads")) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 1 || n > 64) return fprintf(stderr, "nn-run: bad --threads\n"), -1;
      a->threads = (int)n;
    } else if (!strcmp(o, "--range")) {
      if (sscanf(v, "%f,%f", &a->lo, &a->hi) != 2)
        return fprintf(stderr, "nn-run: --range wants LO,HI\n"), -1;
      a->range_auto = 0;
    } else {
      fprintf(stderr, "nn-run: unknown option %s\n", o);
      return -1;
    }
    i += takes;
  }
  if (!a->model || !a->input) return usage(stderr), -1;
  return 0;
}

double nnr_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t cap = 0, len = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 1 << 20;
      uint8_t *nb = cap > ((size_t)1 << 31) ? NULL : realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      fclose(f);
      *n = len;
      return buf;
    }
  }
  fclose(f);
  free(buf);
  return NULL;
}

static int load(const nnr_args *a, nn_model **m) {
  size_t n = 0;
  uint8_t *data = read_file(a->model, &n);
  if (!data) {
    fprintf(stderr, "nn-run: %s: %s\n", a->model, strerror(errno));
    return -1;
  }
  nn_options opt = {a->kernels};
  char err[256];
  double t0 = nnr_now_ms();
  int r = nn_model_load(m, data, n, &opt, err, sizeof err);
  double t1 = nnr_now_ms();
  free(data);
  if (r) {
    fprintf(stderr, "nn-run: %s: %s: %s\n", a->model, nn_strerror(r), err);
    return -1;
  }
  printf("model %s: kernels=%s load_ms=%.1f arena_bytes=%zu weight_bytes=%zu macs=%llu\n",
         a->model, nn_model_kernels(*m), t1 - t0, nn_model_arena_bytes(*m),
         nn_model_weight_bytes(*m), (unsigned long long)nn_model_macs(*m));
  return 0;
}

int main(int argc, char **argv) {
  nnr_args a;
  nn_model *m = NULL;
  nn_pool *pool = NULL;
  nn_image img = {0, 0, NULL};
  char err[256];
  int rc = 1;
  if (parse_args(argc, argv, &a) || load(&a, &m)) goto done;
  if (a.threads > 1 && (nn_pool_create(&pool, a.threads) || nn_model_set_pool(m, pool))) {
    fprintf(stderr, "nn-run: cannot start %d threads\n", a.threads);
    goto done;
  }
  if (nn_image_load(a.input, &img, err, sizeof err)) {
    fprintf(stderr, "nn-run: %s\n", err);
    goto done;
  }
  if (nnr_fill_input(&a, m, &img) || nnr_infer(&a, m)) goto done;
  if (a.profile) nnr_profile(m, a.bench ? a.bench : 10);
  if (a.output && nnr_write_outputs(&a, m)) goto done;
  if (a.decode && nnr_decode(&a, m, &img)) goto done;
  rc = 0;
done:
  nn_model_destroy(m);
  nn_pool_destroy(pool);
  free(img.rgb);
  return rc;
}
