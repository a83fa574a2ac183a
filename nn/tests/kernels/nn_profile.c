/* Per-operator profile of a whole model: loads a .tflite, runs it many times, and prints
 * each node's fastest time with its shape, then totals per operator kind. It reads engine
 * internals (the node list), so it is a developer tool, not a user of the public API.
 * Builds natively and as a WASI command (run it with run_wasi.mjs and a preopened dir).
 * Usage: nn_profile MODEL.tflite [runs] [kernels]. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t cap = 0, len = 0, got;
  do {
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 1 << 20);
      if (!nb) break;
      buf = nb;
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
  } while (got > 0);
  fclose(f);
  *n = len;
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 2) return fprintf(stderr, "usage: nn_profile MODEL [runs] [kernels]\n"), 2;
  int runs = argc > 2 ? atoi(argv[2]) : 50;
  size_t n;
  uint8_t *data = read_file(argv[1], &n);
  if (!data) return fprintf(stderr, "cannot read %s\n", argv[1]), 1;
  nn_model *m;
  char err[256];
  nn_options opt = {.kernels = argc > 3 ? argv[3] : NULL};
  if (nn_model_load(&m, data, n, &opt, err, sizeof err) != 0)
    return fprintf(stderr, "load: %s\n", err), 1;
  double *best = malloc(sizeof *best * (size_t)m->norder);
  for (int s = 0; s < m->norder; s++) best[s] = 1e30;
  double total_best = 1e30;
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    for (int s = 0; s < m->norder; s++) {
      const nn__node *nd = &m->nodes[m->order[s]];
      double a = now_ms();
      nn__ops[nd->kind].run(m, nd);
      double t = now_ms() - a;
      if (t < best[s]) best[s] = t;
    }
    double t = now_ms() - t0;
    if (t < total_best) total_best = t;
  }
  double kind_ms[NN__OP_COUNT] = {0}, sum = 0;
  for (int s = 0; s < m->norder; s++) {
    const nn__node *nd = &m->nodes[m->order[s]];
    const nn_conv_desc *d = &nd->cd;
    kind_ms[nd->kind] += best[s];
    sum += best[s];
    printf("%3d %-28s %7.1f us  in %dx%dx%d out %dx%dx%d k %dx%d s %d  t", s,
           nn__ops[nd->kind].name, best[s] * 1e3, d->ih, d->iw, d->ic, d->oh, d->ow, d->oc,
           d->kh, d->kw, d->sh);
    /* Tensor ids (constants marked c), so the graph around a slow node can be read. */
    for (int i = 0; i < nd->nin; i++)
      if (nd->in[i] >= 0) printf(" %d%s", nd->in[i], m->t[nd->in[i]].cdata ? "c" : "");
    printf(" -> %d\n", nd->out);
  }
  printf("# kernels %s: fastest run %.3f ms, sum of fastest nodes %.3f ms\n",
         nn_model_kernels(m), total_best, sum);
  for (int k = 0; k < NN__OP_COUNT; k++)
    if (kind_ms[k] > 0) printf("#   %-28s %7.3f ms\n", nn__ops[k].name, kind_ms[k]);
  free(best);
  nn_model_destroy(m);
  free(data);
  return 0;
}
