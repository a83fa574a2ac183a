/* Times the hot kernels of every available set on MobileNetV3-style layer shapes (those
 * of MediaPipe's 144×256 selfie segmentation model), so SIMD kernels can be tuned without
 * a whole model. Prints one line per (set, layer): the fastest call in microseconds and its GFLOP/s.
 * Usage: bench_kernels [milliseconds-per-layer [name-substring]]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/kernels/kernels.h"

typedef struct layer {
  const char *name;
  int dw; /* 1 = depthwise */
  int ih, iw, ic, oc, k, s;
} layer;

static const layer layers[] = {
    {"conv3x3 s2 3->16", 0, 144, 256, 3, 16, 3, 2},
    {"conv1x1 16->16", 0, 72, 128, 16, 16, 1, 1},
    {"conv1x1 16->72", 0, 36, 64, 16, 72, 1, 1},
    {"conv1x1 72->24", 0, 18, 32, 72, 24, 1, 1},
    {"conv1x1 24->96", 0, 18, 32, 24, 96, 1, 1},
    {"conv1x1 96->24", 0, 18, 32, 96, 24, 1, 1},
    {"conv1x1 240->40", 0, 9, 16, 240, 40, 1, 1},
    {"dw3x3 s2 c16", 1, 72, 128, 16, 16, 3, 2},
    {"dw3x3 s1 c72", 1, 36, 64, 72, 72, 3, 1},
    {"dw3x3 s1 c88", 1, 18, 32, 88, 88, 3, 1},
    {"dw5x5 s2 c96", 1, 18, 32, 96, 96, 5, 2},
    {"dw5x5 s1 c240", 1, 9, 16, 240, 240, 5, 1},
    /* face_landmark's first blocks, then the depthwise shapes that dominate pose_heavy. */
    {"conv3x3 s2 3->16 192", 0, 192, 192, 3, 16, 3, 2},
    {"conv1x1 16->16 96", 0, 96, 96, 16, 16, 1, 1},
    {"dw3x3 s1 c16 96", 1, 96, 96, 16, 16, 3, 1},
    {"dw3x3 s1 c192", 1, 64, 64, 192, 192, 3, 1},
    {"dw5x5 s1 c336", 1, 32, 32, 336, 336, 5, 1},
    {"dw5x5 s1 c960", 1, 16, 16, 960, 960, 5, 1},
    {"dw5x5 s1 c1632", 1, 8, 8, 1632, 1632, 5, 1},
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static float *randbuf(size_t n) {
  float *p = malloc((n ? n : 1) * sizeof *p);
  for (size_t i = 0; p && i < n; i++) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  return p;
}

static void bench(const nn_kernels *k, const layer *L, double budget_ms) {
  nn_conv_desc d = {L->ih, L->iw, L->ic, 0, 0, L->oc, L->k, L->k, L->s, L->s, 1, 1, 0, 0, 0.0f, 6.0f};
  d.oh = (L->ih + L->s - 1) / L->s;
  d.ow = (L->iw + L->s - 1) / L->s;
  int pad_h = (d.oh - 1) * L->s + L->k - L->ih, pad_w = (d.ow - 1) * L->s + L->k - L->iw;
  d.pad_t = pad_h > 0 ? pad_h / 2 : 0;
  d.pad_l = pad_w > 0 ? pad_w / 2 : 0;
  size_t nw = (size_t)L->k * L->k * (L->dw ? (size_t)L->oc : (size_t)L->oc * L->ic);
  float *in = randbuf((size_t)L->ih * L->iw * L->ic), *w = randbuf(nw), *b = randbuf(L->oc);
  float *out = randbuf((size_t)d.oh * d.ow * d.oc);
  float *packed = randbuf(L->dw ? k->dwconv_pack_size(&d) : k->conv_pack_size(&d));
  float *scratch = randbuf(L->dw ? 0 : k->conv_scratch_size(&d));
  if (L->dw)
    k->dwconv_pack(&d, w, b, packed);
  else
    k->conv_pack(&d, w, b, packed);
  /* The fastest call, not the mean: the machine is shared, and other jobs only ever add
   * time, so the minimum is the most repeatable figure. */
  double t0 = now_ms(), best = 1e30;
  do {
    double c0 = now_ms();
    if (L->dw)
      k->dwconv(&d, in, packed, out);
    else
      k->conv(&d, in, packed, out, scratch);
    double c = now_ms() - c0;
    if (c < best) best = c;
  } while (now_ms() - t0 < budget_ms);
  double us = best * 1e3;
  double flops = 2.0 * d.oh * d.ow * d.oc * L->k * L->k * (L->dw ? 1 : L->ic);
  printf("%-14s %-18s %9.1f us %7.2f GFLOP/s\n", k->name, L->name, us, flops / us / 1e3);
  free(in), free(w), free(b), free(out), free(packed), free(scratch);
}

int main(int argc, char **argv) {
  double budget = argc > 1 ? atof(argv[1]) : 200.0;
  const nn_kernels *sets[8];
  int n = nn_kernels_available(sets, 8);
  const char *only = argc > 2 ? argv[2] : "";
  for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++)
    if (strstr(layers[l].name, only))
        for (int s = 0; s < n; s++) bench(sets[s], &layers[l], budget);
  return 0;
}
