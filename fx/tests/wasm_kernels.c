/* fx's WebAssembly SIMD128 kernels against the scalar reference, inside wasm (a WASI command
 * run by node: make test-fx-wasm). Every kernel on random data at many lengths (not
 * multiples of the vector width, down to 1), then the whole pipeline (make_input,
 * update_mask with each refinement, composite in each mode) on random frames of several
 * sizes down to 2×2. Tolerance: none — the integer kernels must match exactly and the float
 * ones do the same IEEE operations in the same order, so every output must be bit-equal.
 * Usage: wasm_kernels [seed] [rounds]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fx_internal.h"

static uint32_t rng;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}
static int rndi(int lo, int hi) {
  return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static int failures;
static void check(int ok, const char *what, int a, int b) {
  if (!ok && failures++ < 20) printf("FAIL %s (%d, %d)\n", what, a, b);
}

static const fx__kern *S = &fx__kern_scalar, *W = &fx__kern_simd128;

/* Buffers big enough for every case below (with the FX__PAD slack the kernels assume). */
#define BIG (1300 * 740 + 4096)
static uint8_t *u8a, *u8b, *u8c, *u8d, *o8s, *o8w;
static int32_t *i32a, *i32b, *i32c, *i32d, *o32s, *o32w, *col;
static uint16_t *acc_s, *acc_w;
static uint32_t *y32, *u32, *v32;
static float *fs, *fw;

static void fill8(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd();
}

static void t_down2(void) {
  for (int k = 0; k < 60; k++) {
    int sw = rndi(1, 90), sh = rndi(1, 9);
    fill8(u8a, (size_t)sw * sh);
    size_t n = (size_t)((sw + 1) / 2) * ((sh + 1) / 2);
    S->down2(u8a, sw, sh, o8s);
    W->down2(u8a, sw, sh, o8w);
    check(!memcmp(o8s, o8w, n), "down2", sw, sh);
  }
}

static void t_up(void) {
  for (int n = 1; n < 70; n++)
    for (int f = 2; f <= 4; f += 2) {
      fill8(u8a, n);
      S->up_h_u8(u8a, n, f, o8s);
      W->up_h_u8(u8a, n, f, o8w);
      check(!memcmp(o8s, o8w, (size_t)n * f), "up_h_u8", n, f);
      for (int i = 0; i < n; i++) i32a[i] = (int32_t)(rnd() % 9000001) - 4500000;
      S->up_h_i32(i32a, n, f, o32s);
      W->up_h_i32(i32a, n, f, o32w);
      check(!memcmp(o32s, o32w, (size_t)n * f * 4), "up_h_i32", n, f);
    }
}

static void t_rows(void) {
  static const int lw[][3] = {{1, 3, 2}, {3, 1, 2}, {3, 5, 3}, {1, 7, 3}, {7, 1, 3}, {5, 3, 3}};
  /* Short rows for the tails, long ones so that rare rounding cases (ties hit ~1 value in
   * 255) show up. */
  static const int lens[] = {1,  2,  3,  5,  7,  8,  9,   12,  15,  16,  17,   23,  31,
                             32, 33, 47, 63, 64, 65, 100, 127, 255, 641, 1280, 4099};
  for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
    int n = lens[li];
    fill8(u8a, n);
    fill8(u8b, n);
    fill8(u8c, n);
    for (int j = 0; j < 6; j++) {
      S->lerp_u8(u8a, u8b, lw[j][0], lw[j][1], lw[j][2], o8s, n);
      W->lerp_u8(u8a, u8b, lw[j][0], lw[j][1], lw[j][2], o8w, n);
      check(!memcmp(o8s, o8w, n), "lerp_u8", n, j);
    }
    S->blend(u8a, u8b, u8c, o8s, n);
    W->blend(u8a, u8b, u8c, o8w, n);
    check(!memcmp(o8s, o8w, n), "blend", n, 0);
    int am = rndi(0, 256);
    S->wrap(u8a, u8b, u8c, am, o8s, n);
    W->wrap(u8a, u8b, u8c, am, o8w, n);
    check(!memcmp(o8s, o8w, n), "wrap", n, am);
    /* vacc: a few rows whose weights sum to 256 */
    int left = 256;
    for (int r = 0; left > 0; r++) {
      int wgt = r == 3 ? left : rndi(0, left);
      fill8(u8d, n);
      S->vacc(acc_s, u8d, wgt, r == 0, n);
      W->vacc(acc_w, u8d, wgt, r == 0, n);
      left -= wgt;
    }
    check(!memcmp(acc_s, acc_w, (size_t)n * 2), "vacc", n, 0);
    for (int i = 0; i < n; i++) {
      y32[i] = rnd() % (256u << 16);
      u32[i] = rnd() % (256u << 16);
      v32[i] = rnd() % (256u << 16);
    }
    float k[FX__K_N] = {16.0f, 255.0f / 219, 1.596f, 0.392f, 0.813f, 2.017f, -1.0f, 2.0f / 255};
    S->yuv_rgbf(y32, u32, v32, n, k, fs);
    W->yuv_rgbf(y32, u32, v32, n, k, fw);
    check(!memcmp(fs, fw, (size_t)n * 12), "yuv_rgbf", n, 0);
    for (int i = 0; i < n; i++) {
      i32a[i] = (int32_t)(rnd() % 1100000);
      i32b[i] = (int32_t)(rnd() % 40000) - (i % 7 == 0 ? 40000 : 0);
    }
    S->ratio(i32a, i32b, n, o8s);
    W->ratio(i32a, i32b, n, o8w);
    check(!memcmp(o8s, o8w, n), "ratio", n, 0);
  }
}

/* Window sums of a random guide/mask through the scalar kernels, then both sets of the
 * guided kernels on them. */
static void t_guided(void) {
  for (int k = 0; k < 25; k++) {
    int w = rndi(1, 45), h = rndi(1, 30), n = w * h, r = rndi(0, 5), N = (2 * r + 1) * (2 * r + 1);
    fill8(u8a, n);
    fill8(u8b, n);
    if (k & 1) memset(u8a, 77, n); /* flat guide: variance 0 */
    int32_t *f[4] = {i32a, i32b, i32c, i32d};
    S->guided_fields(u8a, u8b, n, f[0], f[1], f[2], f[3]);
    W->guided_fields(u8a, u8b, n, o32s, o32w, o32s + n, o32w + n);
    check(!memcmp(f[0], o32s, n * 4) && !memcmp(f[1], o32w, n * 4) &&
              !memcmp(f[2], o32s + n, n * 4) && !memcmp(f[3], o32w + n, n * 4),
          "guided_fields", w, h);
    for (int i = 0; i < 4; i++) {
      S->box_v(f[i], o32s, col, w, h, r, 0, 0);
      W->box_v(f[i], o32w, col, w, h, r, 0, 0);
      check(!memcmp(o32s, o32w, n * 4), "box_v raw", w, r);
      S->transpose(o32s, w, h, f[i]);
      W->transpose(o32s, w, h, o32w);
      check(!memcmp(f[i], o32w, n * 4), "transpose", w, h);
      S->box_v(f[i], o32s, col, h, w, r, 0, 0);
      memcpy(f[i], o32s, n * 4);
    }
    float eps = FX__GUIDED_EPS * N * N;
    int32_t *as = o32s, *bs = o32s + n, *aw = o32w, *bw = o32w + n;
    S->guided_ab(f[0], f[1], f[2], f[3], n, N, eps, as, bs);
    W->guided_ab(f[0], f[1], f[2], f[3], n, N, eps, aw, bw);
    check(!memcmp(as, aw, n * 4) && !memcmp(bs, bw, n * 4), "guided_ab", w, r);
    S->scale_i32(as, n, 1.0f / N);
    W->scale_i32(aw, n, 1.0f / N);
    check(!memcmp(as, aw, n * 4), "scale_i32", w, r);
    /* normalised box passes as the blur uses them */
    for (int i = 0; i < n; i++) i32a[i] = (int32_t)(rnd() % 65536);
    int inv = (16384 + r) / (2 * r + 1);
    S->box_v(i32a, o32s, col, w, h, r, inv, 14);
    W->box_v(i32a, o32w, col, w, h, r, inv, 14);
    check(!memcmp(o32s, o32w, n * 4), "box_v norm", w, r);
  }
  for (int n = 1; n < 80; n += 3)
    for (int f = 2; f <= 4; f += 2) {
      int sh = 10 + 2 * (f == 2 ? 2 : 3), wa = rndi(1, 2 * f - 1);
      for (int i = 0; i < n; i++) {
        i32a[i] = (int32_t)(rnd() % 262145) - 131072; /* |A| ≤ 16·1024·2f */
        i32b[i] = (int32_t)(rnd() % 262145) - 131072;
        i32c[i] = (int32_t)(rnd() % 71000001) - 35500000; /* |B| ≤ 4335·1024·2f */
        i32d[i] = (int32_t)(rnd() % 71000001) - 35500000;
      }
      fill8(u8a, n);
      S->guided_q(u8a, i32a, i32b, i32c, i32d, wa, 2 * f - wa, sh, o8s, n);
      W->guided_q(u8a, i32a, i32b, i32c, i32d, wa, 2 * f - wa, sh, o8w, n);
      check(!memcmp(o8s, o8w, n), "guided_q", n, f);
    }
}

static void t_prem(void) {
  for (int k = 0; k < 40; k++) {
    int w = 2 * rndi(1, 60), h = 2 * rndi(1, 12);
    fill8(u8a, (size_t)w * h);
    fill8(u8b, (size_t)w * h / 4);
    int G = ((w + 3) / 4) * ((h + 3) / 4);
    S->prem_y(u8a, w, h, u8b, i32a, i32b);
    W->prem_y(u8a, w, h, u8b, i32c, i32d);
    check(!memcmp(i32a, i32c, G * 4) && !memcmp(i32b, i32d, G * 4), "prem_y", w, h);
    int cw = rndi(1, 70), ch = rndi(1, 13), CG = ((cw + 3) / 4) * ((ch + 3) / 4);
    fill8(u8a, (size_t)cw * ch);
    fill8(u8b, (size_t)cw * ch);
    fill8(u8c, (size_t)cw * ch);
    S->prem_uv(u8a, u8b, cw, ch, u8c, i32a, i32b, o32s);
    W->prem_uv(u8a, u8b, cw, ch, u8c, i32c, i32d, o32w);
    check(!memcmp(i32a, i32c, CG * 4) && !memcmp(i32b, i32d, CG * 4) && !memcmp(o32s, o32w, CG * 4),
          "prem_uv", cw, ch);
  }
}

/* ---- the pipeline ---- */

/* A frame with smooth regions, edges and noise (so the guided filter has work to do). */
static void scene(uint8_t *f, int w, int h) {
  int cx = rndi(0, w), cy = rndi(0, h), rr = rndi(1, w > h ? w : h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int in = (x - cx) * (x - cx) + (y - cy) * (y - cy) < rr * rr / 4;
      f[(size_t)y * w + x] = (uint8_t)((in ? 180 : 40) + (x * 50) / w + rnd() % 24);
    }
  size_t n = (size_t)w * h;
  for (size_t i = 0; i < n / 2; i++) f[n + i] = (uint8_t)(100 + rnd() % 60);
}

static void model_out(float *o, int mw, int mh, int logit) {
  int cx = rndi(0, mw), cy = rndi(0, mh), rr = rndi(1, mw + mh);
  for (int y = 0; y < mh; y++)
    for (int x = 0; x < mw; x++) {
      float d = (float)((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (float)(rr * rr / 4 + 1);
      float p = d < 1.0f ? 1.0f - d * d * 0.3f : 0.2f / d;
      p += (float)(rnd() % 100) / 1000.0f - 0.05f;
      o[y * mw + x] = logit ? (p - 0.5f) * 16.0f : p;
    }
}

static int same_out(fx_ctx *a, fx_ctx *b, const char *what, int w, int h) {
  size_t n = (size_t)w * h * 3 / 2;
  int ok = !memcmp(fx_out(a), fx_out(b), n);
  check(ok, what, w, h);
  return ok;
}

static void t_pipeline(int rounds) {
  static const int sz[][2] = {{2, 2},   {4, 2},    {2, 8},     {6, 10},    {18, 34},
                              {34, 18}, {130, 66}, {322, 182}, {642, 362}, {1280, 720}};
  static const int ms[][2] = {{256, 144}, {160, 96}, {7, 5}, {1, 1}};
  float *o = malloc(256 * 256 * sizeof *o), *in_s = malloc(256 * 144 * 3 * 4),
        *in_w = malloc(256 * 144 * 3 * 4);
  uint8_t img[37 * 23 * 4];
  for (int round = 0; round < rounds; round++)
    for (size_t s = 0; s < sizeof sz / sizeof sz[0]; s++) {
      int w = sz[s][0], h = sz[s][1];
      fx_ctx *a = NULL, *b = NULL;
      if (fx_create(&a, w, h) || fx_create(&b, w, h)) {
        check(0, "create", w, h);
        return;
      }
      scene(fx_frame(a), w, h);
      memcpy(fx_frame(b), fx_frame(a), (size_t)w * h * 3 / 2);
      int matrix = rndi(0, 1), full = rndi(0, 1);
      fx_set_color(a, matrix, full);
      fx_set_color(b, matrix, full);
      fill8(img, sizeof img);
      fx_use_scalar(1);
      fx_set_background(a, img, 37, 23);
      fx_use_scalar(0);
      fx_set_background(b, img, 37, 23);
      for (size_t m = 0; m < sizeof ms / sizeof ms[0]; m++) {
        int mw = ms[m][0], mh = ms[m][1];
        fx_use_scalar(1);
        fx_make_input(a, in_s, mw, mh, -1.0f, 1.0f);
        fx_use_scalar(0);
        fx_make_input(b, in_w, mw, mh, -1.0f, 1.0f);
        check(!memcmp(in_s, in_w, (size_t)mw * mh * 12), "make_input", w, mw);
        for (int step = 0; step < 3; step++) {
          int refine = (step + (int)m) % 3, logit = rndi(0, 1);
          model_out(o, mw, mh, logit);
          fx_use_scalar(1);
          fx_update_mask(a, o, mw, mh, logit, refine);
          fx_use_scalar(0);
          fx_update_mask(b, o, mw, mh, logit, refine);
          int aw, ah, bw, bh;
          const uint8_t *ma = fx_mask(a, &aw, &ah), *mb = fx_mask(b, &bw, &bh);
          check(aw == bw && ah == bh && !memcmp(ma, mb, (size_t)aw * ah), "update_mask", w, refine);
          for (int mode = 1; mode <= 2; mode++) {
            int strength = rndi(1, 100);
            fx_use_scalar(1);
            fx_composite(a, mode, strength);
            fx_use_scalar(0);
            fx_composite(b, mode, strength);
            same_out(a, b, mode == 1 ? "composite blur" : "composite image", w, h);
          }
        }
      }
      fx_destroy(a);
      fx_destroy(b);
    }
  free(o);
  free(in_s);
  free(in_w);
}

int main(int argc, char **argv) {
  rng = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 20261201u;
  if (!rng) rng = 1;
  int rounds = argc > 2 ? atoi(argv[2]) : 2;
  u8a = malloc(BIG), u8b = malloc(BIG), u8c = malloc(BIG), u8d = malloc(BIG);
  o8s = malloc(BIG), o8w = malloc(BIG);
  i32a = malloc(BIG * 4), i32b = malloc(BIG * 4), i32c = malloc(BIG * 4), i32d = malloc(BIG * 4);
  o32s = malloc(2 * BIG * 4), o32w = malloc(2 * BIG * 4), col = malloc(8192 * 4);
  acc_s = malloc(BIG * 2), acc_w = malloc(BIG * 2);
  y32 = malloc(BIG * 4), u32 = malloc(BIG * 4), v32 = malloc(BIG * 4);
  fs = malloc(BIG * 12), fw = malloc(BIG * 12);
  if (!fw) return 2;
  printf("fx kernels: %s vs %s, seed %u\n", W->name, S->name, rng);
  for (int r = 0; r < rounds; r++) {
    t_down2();
    t_up();
    t_rows();
    t_guided();
    t_prem();
  }
  printf("kernels: %s\n", failures ? "FAILED" : "ok");
  t_pipeline(rounds);
  fx_use_scalar(0);
  printf("pipeline: %s\n", failures ? "FAILED" : "ok");
  if (strcmp(fx_kernels(), "wasm-simd128")) {
    printf("FAIL default kernel set is %s\n", fx_kernels());
    failures++;
  }
  printf("%s (%d failures)\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
