/* Times the fx kernels per frame at a camera size (default 1280×720), scalar reference vs the
 * build's best set (wasm-simd128 in wasm), on a synthetic frame with a person-like blob and a
 * 256×144 model output. One line per figure: kernel, scalar ms, simd ms, ratio. Each figure
 * is the fastest of the calls made in its time budget (the machine is shared; other jobs
 * only ever add time). Usage: bench_fx [ms-per-figure] [w h]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fx.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

enum { K_INPUT, K_INPUT_SQ, K_FAST, K_GUIDED, K_FULL, K_BLUR25, K_BLUR75, K_IMAGE, K_TOTAL, K_N };
static const char *names[K_N] = {
    "make_input 256x144", "make_input 256x256",      "update_mask fast",
    "update_mask guided", "update_mask guided_full", "composite blur 25",
    "composite blur 75",  "composite image",         "frame total (input+guided+blur50)"};

static fx_ctx *ctx;
static float *input, *model;

static void run(int k) {
  switch (k) {
    case K_INPUT:
      fx_make_input(ctx, input, 256, 144, 0.0f, 1.0f);
      break;
    case K_INPUT_SQ:
      fx_make_input(ctx, input, 256, 256, 0.0f, 1.0f);
      break;
    case K_FAST:
      fx_update_mask(ctx, model, 256, 144, 0, FX_REFINE_FAST);
      break;
    case K_GUIDED:
      fx_update_mask(ctx, model, 256, 144, 0, FX_REFINE_GUIDED);
      break;
    case K_FULL:
      fx_update_mask(ctx, model, 256, 144, 0, FX_REFINE_GUIDED_FULL);
      break;
    case K_BLUR25:
      fx_composite(ctx, FX_MODE_BLUR, 25);
      break;
    case K_BLUR75:
      fx_composite(ctx, FX_MODE_BLUR, 75);
      break;
    case K_IMAGE:
      fx_composite(ctx, FX_MODE_IMAGE, 0);
      break;
    default:
      fx_make_input(ctx, input, 256, 144, 0.0f, 1.0f);
      fx_update_mask(ctx, model, 256, 144, 0, FX_REFINE_GUIDED);
      fx_composite(ctx, FX_MODE_BLUR, 50);
  }
}

static double best_ms(int k, double budget) {
  /* The composite figures use the mask of a guided update made just before. */
  if (k >= K_BLUR25 && k <= K_IMAGE) fx_update_mask(ctx, model, 256, 144, 0, FX_REFINE_GUIDED);
  run(k); /* warm up */
  double t0 = now_ms(), best = 1e30;
  int n = 0;
  do {
    double c0 = now_ms();
    run(k);
    double c = now_ms() - c0;
    if (c < best) best = c;
    n++;
  } while (now_ms() - t0 < budget || n < 3);
  return best;
}

int main(int argc, char **argv) {
  double budget = argc > 1 ? atof(argv[1]) : 300.0;
  int w = argc > 3 ? atoi(argv[2]) : 1280, h = argc > 3 ? atoi(argv[3]) : 720;
  if (fx_create(&ctx, w, h) != FX_OK) return 1;
  uint8_t *f = fx_frame(ctx);
  uint32_t r = 1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int dx = x - w / 2, dy = y - h * 2 / 3, in = dx * dx + dy * dy < (h / 3) * (h / 3);
      r = r * 1664525u + 1013904223u;
      f[(size_t)y * w + x] = (uint8_t)((in ? 170 : 60) + (x * 40) / w + (r >> 28));
    }
  memset(f + (size_t)w * h, 118, (size_t)w * h / 2);
  input = malloc(256 * 256 * 3 * sizeof *input);
  model = malloc(256 * 144 * sizeof *model);
  uint8_t *img = malloc(1920 * 1080 * 4);
  if (!input || !model || !img) return 1;
  for (int y = 0; y < 144; y++)
    for (int x = 0; x < 256; x++) {
      int dx = x - 128, dy = y - 96;
      model[y * 256 + x] = dx * dx + dy * dy < 48 * 48 ? 0.97f : 0.03f;
    }
  for (size_t i = 0; i < (size_t)1920 * 1080 * 4; i++) img[i] = (uint8_t)(i * 7 + i / 4096);
  fx_set_background(ctx, img, 1920, 1080);
  printf("fx %dx%d, best of %.0f ms per figure; kernels %s\n", w, h, budget, fx_kernels());
  printf("%-34s %10s %10s %7s\n", "kernel", "scalar ms", "simd ms", "ratio");
  for (int k = 0; k < K_N; k++) {
    fx_use_scalar(1);
    double s = best_ms(k, budget);
    fx_use_scalar(0);
    double v = best_ms(k, budget);
    printf("%-34s %10.3f %10.3f %6.2fx\n", names[k], s, v, s / v);
  }
  fx_destroy(ctx);
  free(input);
  free(model);
  free(img);
  return 0;
}
