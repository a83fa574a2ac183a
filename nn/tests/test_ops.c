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
    cmocka_unit_test(pools),           cmocka_unit_test(pad_and_concat),
    cmocka_unit_test(resize_bilinear), cmocka_unit_test(half_floats),
};
const size_t nnt_ops_count = sizeof nnt_ops_tests / sizeof nnt_ops_tests[0];
