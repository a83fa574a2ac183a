/* Hand-computed small cases for every scalar kernel and every portable reference op. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "tests.h"

static const nn_kernels *K = &nn_kernels_scalar;

void nnt_expect_near(const float *got, const float *want, size_t n, float tol) {
  for (size_t i = 0; i < n; i++) {
    if (!(fabsf(got[i] - want[i]) <= tol)) {
      print_error("element %zu: got %.7g want %.7g\n", i, got[i], want[i]);
      fail();
    }
  }
}

/* Runs the kernel set's conv through its own pack. */
static void run_conv(const nn_conv_desc *d, const float *in, const float *w, const float *b,
                     float *out) {
  float *p = malloc(K->conv_pack_size(d) * sizeof *p);
  K->conv_pack(d, w, b, p);
  K->conv(d, in, p, out, NULL);
  free(p);
}

/* 3x3 single-channel input, 2x2 kernel, VALID, stride 1, two output channels. */
static void conv_valid(void **state) {
  (void)state;
  float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  float w[8] = {1, 0, 0, 1, /* oc 0: x[y][x] + x[y+1][x+1] */ 1, 1, 1, 1};
  float b[2] = {0.5f, -1};
  nn_conv_desc d = {3, 3, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, -INFINITY, INFINITY};
  float out[8], want[8] = {6.5f, 11, 8.5f, 15, 12.5f, 23, 14.5f, 27};
  run_conv(&d, in, w, b, out);
  nnt_expect_near(out, want, 8, 0);
}

/* SAME padding, stride 2, ReLU6 clamp. */
static void conv_same_stride_clamp(void **state) {
  (void)state;
  float in[16];
  for (int i = 0; i < 16; i++) in[i] = (float)i;
  float w[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  /* 4x4 → 2x2, SAME: total pad = (2-1)*2+3-4 = 1 → top/left 0. */
  nn_conv_desc d = {4, 4, 1, 2, 2, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, 60};
  float out[4], want[4] = {45, 2 + 3 + 6 + 7 + 10 + 11, 60 /* 66 clamped */, 50};
  run_conv(&d, in, w, NULL, out);
  nnt_expect_near(out, want, 4, 0);
}

/* Dilation 2 over a 5x5 input: the 2x2 kernel reads the corners of 3x3 windows. */
static void conv_dilated(void **state) {
  (void)state;
  float in[25];
  for (int i = 0; i < 25; i++) in[i] = (float)i;
  float w[4] = {1, 2, 3, 4};
  nn_conv_desc d = {5, 5, 1, 3, 3, 1, 2, 2, 1, 1, 2, 2, 0, 0, -INFINITY, INFINITY};
  float out[9], want[9];
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 3; x++)
      want[y * 3 + x] = in[y * 5 + x] + 2 * in[y * 5 + x + 2] + 3 * in[(y + 2) * 5 + x] +
                        4 * in[(y + 2) * 5 + x + 2];
  run_conv(&d, in, w, NULL, out);
  nnt_expect_near(out, want, 9, 0);
}

/* Depthwise, multiplier 2: channel c reads input channel c / 2. */
static void dwconv_mult2(void **state) {
  (void)state;
  float in[2 * 2 * 1] = {1, 2, 3, 4};
  float w[2 * 2 * 2] = {1, 10, 1, 10, 1, 10, 1, 10}; /* [1][2][2][2] */
  float b[2] = {0, 1};
  nn_conv_desc d = {2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 0, 0, -INFINITY, INFINITY};
  float *p = malloc(K->dwconv_pack_size(&d) * sizeof *p), out[2], want[2] = {10, 101};
  K->dwconv_pack(&d, w, b, p);
  K->dwconv(&d, in, p, out);
  free(p);
  nnt_expect_near(out, want, 2, 0);
}

/* Transposed conv, 2x2 kernel, stride 2, no padding: each input pixel becomes a 2x2 block
 * of in * w + bias (MediaPipe's selfie upsampler geometry). */
static void tconv_stride2(void **state) {
  (void)state;
  float in[4] = {1, 2, 3, 4}, w[4] = {1, 2, 3, 4}, b[1] = {0.5f}, out[16];
  nn_conv_desc d = {2, 2, 1, 4, 4, 1, 2, 2, 2, 2, 1, 1, 0, 0, -INFINITY, INFINITY};
  float want[16] = {1.5f, 2.5f, 2.5f, 4.5f, 3.5f, 4.5f, 6.5f, 8.5f,
                    3.5f, 6.5f, 4.5f, 8.5f, 9.5f, 12.5f, 12.5f, 16.5f};
  float *p = malloc(K->tconv_pack_size(&d) * sizeof *p);
  K->tconv_pack(&d, w, b, p);
  K->tconv(&d, in, p, out, NULL);
  free(p);
  nnt_expect_near(out, want, 16, 0);
}

static uint32_t rng = 1;
static float frand(void) {
  rng = rng * 1664525u + 1013904223u;
  return (float)(rng >> 8) / 16777216.0f - 0.5f;
}

/* Direct-definition convolution (TFLite semantics) for random geometries, both packed
 * layouts of the scalar set (narrow oc < 8 and wide). */
static void conv_random_vs_definition(void **state) {
  (void)state;
  static const int geo[][7] = {/* ih iw ic oc k s d */
                               {7, 6, 3, 5, 3, 2, 1}, {9, 8, 4, 12, 3, 1, 2},
                               {5, 5, 8, 9, 1, 1, 1}, {6, 7, 2, 1, 2, 2, 1}};
  for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
    int ih = geo[g][0], iw = geo[g][1], ic = geo[g][2], oc = geo[g][3], k = geo[g][4];
    int s = geo[g][5], dl = geo[g][6], oh = (ih + s - 1) / s, ow = (iw + s - 1) / s;
    int ph = ((oh - 1) * s + (k - 1) * dl + 1 - ih) / 2, pw = ((ow - 1) * s + (k - 1) * dl + 1 - iw) / 2;
    nn_conv_desc d = {ih, iw, ic, oh, ow, oc, k, k, s, s, dl, dl, ph > 0 ? ph : 0, pw > 0 ? pw : 0,
                      -0.5f, 0.75f};
    size_t ni = (size_t)ih * iw * ic, nw = (size_t)oc * k * k * ic, no = (size_t)oh * ow * oc;
    float *in = malloc(ni * 4), *w = malloc(nw * 4), *b = malloc((size_t)oc * 4);
    float *out = malloc(no * 4), *want = malloc(no * 4);
    for (size_t i = 0; i < ni; i++) in[i] = frand();
    for (size_t i = 0; i < nw; i++) w[i] = frand();
    for (int i = 0; i < oc; i++) b[i] = frand();
    for (int y = 0; y < oh; y++)
      for (int x = 0; x < ow; x++)
        for (int o = 0; o < oc; o++) {
          float acc = b[o];
          for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
              int yy = y * s - d.pad_t + ky * dl, xx = x * s - d.pad_l + kx * dl;
              if (yy < 0 || yy >= ih || xx < 0 || xx >= iw) continue;
              for (int i = 0; i < ic; i++)
                acc += in[((size_t)yy * iw + xx) * ic + i] * w[(((size_t)o * k + ky) * k + kx) * ic + i];
            }
          want[((size_t)y * ow + x) * oc + o] = fminf(fmaxf(acc, -0.5f), 0.75f);
        }
    run_conv(&d, in, w, b, out);
    nnt_expect_near(out, want, no, 1e-5f);
    free(in), free(w), free(b), free(out), free(want);
  }
}

/* MediaPipe's scatter definition of the transposed convolution vs the kernel's gather. */
static void tconv_random_vs_definition(void **state) {
  (void)state;
  static const int geo[][5] = {{5, 4, 3, 1, 3}, {4, 6, 16, 9, 2}, {3, 3, 2, 2, 4}}; /* ih iw ic oc k */
  for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
    int ih = geo[g][0], iw = geo[g][1], ic = geo[g][2], oc = geo[g][3], k = geo[g][4], s = 2;
    int pth = k - (ih - 1) % s - 1, ptw = k - (iw - 1) % s - 1; /* SAME */
    pth = pth > 0 ? pth : 0, ptw = ptw > 0 ? ptw : 0;
    int oh = s * (ih - 1) + k - pth, ow = s * (iw - 1) + k - ptw;
    nn_conv_desc d = {ih, iw, ic, oh, ow, oc, k, k, s, s, 1, 1, pth / 2, ptw / 2, -INFINITY, INFINITY};
    size_t ni = (size_t)ih * iw * ic, nw = (size_t)oc * k * k * ic, no = (size_t)oh * ow * oc;
    float *in = malloc(ni * 4), *w = malloc(nw * 4), *b = malloc((size_t)oc * 4);
    float *out = malloc(no * 4), *want = malloc(no * 4);
    for (size_t i = 0; i < ni; i++) in[i] = frand();
    for (size_t i = 0; i < nw; i++) w[i] = frand();
    for (int i = 0; i < oc; i++) b[i] = frand();
    for (size_t i = 0; i < no; i++) want[i] = b[i % (size_t)oc];
    for (int y = 0; y < ih; y++)
      for (int x = 0; x < iw; x++)
        for (int ky = 0; ky < k; ky++)
          for (int kx = 0; kx < k; kx++) {
            int oy = y * s - d.pad_t + ky, ox = x * s - d.pad_l + kx;
            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
            for (int o = 0; o < oc; o++)
              for (int i = 0; i < ic; i++)
                want[((size_t)oy * ow + ox) * oc + o] +=
                    in[((size_t)y * iw + x) * ic + i] * w[(((size_t)o * k + ky) * k + kx) * ic + i];
          }
    float *p = malloc(K->tconv_pack_size(&d) * sizeof *p);
    K->tconv_pack(&d, w, b, p);
    K->tconv(&d, in, p, out, NULL);
    nnt_expect_near(out, want, no, 1e-5f);
    free(p), free(in), free(w), free(b), free(out), free(want);
  }
}

static void elementwise(void **state) {
  (void)state;
  float a[4] = {-2, -0.5f, 1, 7}, b[4] = {1, 2, 3, 4}, o[4];
  K->add(a, b, o, 4, 0, 6);
  nnt_expect_near(o, (float[]){0, 1.5f, 4, 6}, 4, 0);
  K->mul(a, b, o, 4, -INFINITY, INFINITY);
  nnt_expect_near(o, (float[]){-2, -1, 3, 28}, 4, 0);
  K->add_bcast(a, (float[]){10, 20}, o, 2, 2, -INFINITY, INFINITY);
  nnt_expect_near(o, (float[]){8, 19.5f, 11, 27}, 4, 0);
  K->mul_bcast(a, (float[]){2, -1}, o, 2, 2, -INFINITY, INFINITY);
  nnt_expect_near(o, (float[]){-4, 0.5f, 2, -7}, 4, 0);
  K->clamp(a, o, 4, -1, 1);
  nnt_expect_near(o, (float[]){-1, -0.5f, 1, 1}, 4, 0);
  K->hswish((float[]){-4, -1, 1, 4}, o, 4);
  nnt_expect_near(o, (float[]){0, -1.0f / 3, 4.0f / 6, 4}, 4, 1e-6f);
  K->sigmoid((float[]){0, 2, -2, 50}, o, 4);
  nnt_expect_near(o, (float[]){0.5f, 0.880797f, 0.119203f, 1}, 4, 1e-6f);
  K->prelu(a, (float[]){0.5f, 0.1f}, o, 2, 2);
  nnt_expect_near(o, (float[]){-1, -0.05f, 1, 7}, 4, 1e-7f);
  float t[3];
  nn__ref_tanh((float[]){0, 1, -1}, t, 3);
  nnt_expect_near(t, (float[]){0, 0.761594f, -0.761594f}, 3, 1e-6f);
}

/* 3x3 average pool, SAME, stride 1 on 3x3: corners average 4 taps, the centre 9. */
static void pools(void **state) {
  (void)state;
  float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, o[9];
  nn_conv_desc d = {3, 3, 1, 3, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1, -INFINITY, INFINITY};
  nn__ref_pool_avg(&d, in, o);
  nnt_expect_near(o, (float[]){3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}, 9, 1e-6f);
  nn__ref_pool_max(&d, in, o);
  nnt_expect_near(o, (float[]){5, 6, 6, 8, 9, 9, 8, 9, 9}, 9, 0);
  nn_conv_desc g = {3, 3, 1, 1, 1, 1, 3, 3, 3, 3, 1, 1, 0, 0, -INFINITY, INFINITY};
  nn__ref_pool_avg(&g, in, o);
  nnt_expect_near(o, (float[]){5}, 1, 1e-6f);
  float two[8] = {1, 10, 2, 20, 3, 30, 4, 40};
  nn__ref_mean_hw(two, o, 2, 2, 2);
  nnt_expect_near(o, (float[]){2.5f, 25}, 2, 1e-6f);
}

static void pad_and_concat(void **state) {
  (void)state;
  float in[4] = {1, 2, 3, 4}, o[18];
  int dims[4] = {1, 2, 1, 2}, pads[8] = {0, 0, 1, 0, 0, 0, 0, 1}; /* H before 1, C after 1 */
  nn__ref_pad4(in, o, dims, pads);
  nnt_expect_near(o, (float[]){0, 0, 0, 1, 2, 0, 3, 4, 0}, 9, 0);
  /* W padded on both sides, H after, C before: [1,1,2,1] → [1,2,4,2]. */
  int dims2[4] = {1, 1, 2, 1}, pads2[8] = {0, 0, 0, 1, 1, 1, 1, 0};
  float o2[16];
  memset(o2, 0xff, sizeof o2);
  nn__ref_pad4((float[]){5, 6}, o2, dims2, pads2);
  nnt_expect_near(o2, (float[]){0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 16, 0);
  const float *parts[2] = {(float[]){1, 2, 3, 4}, (float[]){9, 8}};
  size_t chunk[2] = {2, 1}; /* [2][2] ++ [2][1] along the last axis */
  nn__ref_concat(parts, chunk, 2, 2, o);
  nnt_expect_near(o, (float[]){1, 2, 9, 3, 4, 8}, 6, 0);
}

/* 2x2 → 4x4 (one channel) in TFLite's three coordinate modes. */
static void resize_bilinear(void **state) {
  (void)state;
  float in[4] = {0, 1, 2, 3}, o[16];
  nn__ref_resize_bilinear(in, o, 2, 2, 4, 4, 1, 0, 0);
  nnt_expect_near(o, (float[]){0, 0.5f, 1, 1, 1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 2, 2.5f, 3, 3}, 16,
                  1e-6f);
  nn__ref_resize_bilinear(in, o, 2, 2, 4, 4, 1, 0, 1);
  nnt_expect_near(o, (float[]){0, 0.25f, 0.75f, 1, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f,
                               2.25f, 2.5f, 2, 2.25f, 2.75f, 3},
                  16, 1e-6f);
  nn__ref_resize_bilinear(in, o, 2, 2, 3, 3, 1, 1, 0);
  nnt_expect_near(o, (float[]){0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3}, 9, 1e-6f);
}

/* The table-driven separable fast path equals the definition up to float rounding. */
static void resize_fast_matches(void **state) {
  (void)state;
  static const int geo[][6] = {{3, 5, 7, 4, 0, 0}, {8, 8, 16, 16, 0, 1}, {5, 4, 9, 11, 1, 0},
                               {16, 16, 8, 8, 0, 1}};
  for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
    int ih = geo[g][0], iw = geo[g][1], oh = geo[g][2], ow = geo[g][3], c = 3;
    float in[16 * 16 * 3], a[16 * 16 * 3], b[16 * 16 * 3], tab[16 * 3], row[16 * 3];
    for (int i = 0; i < ih * iw * c; i++) in[i] = frand();
    nn__ref_resize_bilinear(in, a, ih, iw, oh, ow, c, geo[g][4], geo[g][5]);
    nn__ref_resize_table(tab, iw, ow, geo[g][4], geo[g][5]);
    nn__ref_resize_fast(in, b, ih, iw, oh, ow, c, geo[g][4], geo[g][5], tab, row);
    nnt_expect_near(b, a, (size_t)oh * ow * c, 1e-6f);
  }
}

static void half_floats(void **state) {
  (void)state;
  assert_true(nn__half_to_float(0x3c00) == 1.0f);
  assert_true(nn__half_to_float(0xc000) == -2.0f);
  assert_true(nn__half_to_float(0x7bff) == 65504.0f);
  assert_true(nn__half_to_float(0x0001) == ldexpf(1.0f, -24));
  assert_true(nn__half_to_float(0x03ff) == ldexpf(1023.0f, -24));
  assert_true(isinf(nn__half_to_float(0x7c00)));
  assert_true(isnan(nn__half_to_float(0x7e00)));
  assert_true(signbit(nn__half_to_float(0x8000)));
}

const struct CMUnitTest nnt_ops_tests[] = {
    cmocka_unit_test(conv_valid),      cmocka_unit_test(conv_same_stride_clamp),
    cmocka_unit_test(conv_dilated),    cmocka_unit_test(dwconv_mult2),
    cmocka_unit_test(tconv_stride2),   cmocka_unit_test(elementwise),
    cmocka_unit_test(conv_random_vs_definition), cmocka_unit_test(tconv_random_vs_definition),
    cmocka_unit_test(pools),           cmocka_unit_test(pad_and_concat),
    cmocka_unit_test(resize_bilinear), cmocka_unit_test(half_floats),
    cmocka_unit_test(resize_fast_matches),
};
const size_t nnt_ops_count = sizeof nnt_ops_tests / sizeof nnt_ops_tests[0];
