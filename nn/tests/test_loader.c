/* Loader tests: tiny models built by tfl_writer run and give the expected numbers; corrupt,
 * truncated and unsupported files are refused with the right code and message. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "tests.h"
#include "tiny_models.h"

static char err[256];

static int load_tm(const tm_model *tm, nn_model **m, const char *kernels) {
  size_t len;
  uint8_t *buf = nnt_build(tm, &len);
  nn_options opt = {kernels};
  int r = nn_model_load(m, buf, len, &opt, err, sizeof err);
  free(buf);
  return r;
}

static void fill_input(nn_model *m) {
  nn_tensor_info in;
  assert_int_equal(nn_input_info(m, 0, &in), 0);
  float *x = nn_input(m, 0);
  for (size_t i = 0; i < in.count; i++) x[i] = (float)((int)(i * 7 % 11) - 5) * 0.5f;
}

static void check_conv_model(int external, const char *kernels) {
  tm_model tm;
  nn_model *m;
  nnt_conv_model(&tm, external);
  assert_int_equal(load_tm(&tm, &m, kernels), 0);
  fill_input(m);
  assert_int_equal(nn_run(m), 0);
  const float *x = nn_input(m, 0), *y = nn_output(m, 0);
  float want[48];
  for (int p = 0; p < 16; p++)
    for (int o = 0; o < 3; o++) {
      float v = nnt_conv_b[o] + nnt_conv_w[o][0] * x[2 * p] + nnt_conv_w[o][1] * x[2 * p + 1];
      want[3 * p + o] = (v > 0 ? v : 0) + nnt_conv_a[o];
    }
  nnt_expect_near(y, want, 48, 1e-5f);
  nn_model_destroy(m);
}

static void conv_model_runs(void **s) {
  (void)s;
  check_conv_model(0, "scalar");
  check_conv_model(0, "auto");
}

/* Weights stored after the flatbuffer (Buffer.offset/size) load like inline ones. */
static void external_buffers(void **s) {
  (void)s;
  check_conv_model(1, "scalar");
}

static float sigm(float v) { return 1.0f / (1.0f + expf(-v)); }
static float hsw(float v) { return v * fminf(fmaxf(v + 3, 0), 6) / 6; }

static void chain_model_runs(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m;
  nnt_chain_model(&tm);
  assert_int_equal(load_tm(&tm, &m, "scalar"), 0);
  fill_input(m);
  assert_int_equal(nn_run(m), 0);
  /* The same pipeline through the individually tested reference pieces. */
  const float *x = nn_input(m, 0);
  float pad[72], mp[18], ap[18], rs[72];
  int dims[4] = {1, 4, 4, 2}, pads[8] = {0, 0, 1, 1, 1, 1, 0, 0};
  nn__ref_pad4(x, pad, dims, pads);
  nn_conv_desc d1 = {6, 6, 2, 3, 3, 2, 2, 2, 2, 2, 1, 1, 0, 0, -INFINITY, INFINITY};
  nn__ref_pool_max(&d1, pad, mp);
  nn_conv_desc d2 = {3, 3, 2, 3, 3, 2, 3, 3, 1, 1, 1, 1, 1, 1, -INFINITY, INFINITY};
  nn__ref_pool_avg(&d2, mp, ap);
  nn__ref_resize_bilinear(ap, rs, 3, 3, 6, 6, 2, 0, 1);
  float want[2] = {0, 0};
  for (int i = 0; i < 72; i++) want[i % 2] += sigm(hsw(rs[i] * nnt_chain_scale[i % 2])) / 36;
  nnt_expect_near(nn_output(m, 0), want, 2, 1e-6f);
  nn_tensor_info o;
  assert_int_equal(nn_output_info(m, 0, &o), 0);
  assert_int_equal(o.ndim, 2);
  assert_int_equal(o.dims[1], 2);
  nn_model_destroy(m);
}

static void tconv_model_runs(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m;
  nnt_tconv_model(&tm);
  assert_int_equal(load_tm(&tm, &m, "scalar"), 0);
  memcpy(nn_input(m, 0), (float[]){1, 2, 3, 4}, 16);
  assert_int_equal(nn_run(m), 0);
  float want[16] = {1.5f, 2.5f, 2.5f, 4.5f, 3.5f, 4.5f, 6.5f, 8.5f,
                    3.5f, 6.5f, 4.5f, 8.5f, 9.5f, 12.5f, 12.5f, 16.5f};
  nnt_expect_near(nn_output(m, 0), want, 16, 0);
  nn_model_destroy(m);
}

static void dw_concat_model_runs(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m;
  nnt_dw_concat_model(&tm);
  assert_int_equal(load_tm(&tm, &m, "scalar"), 0);
  assert_int_equal(nn_num_outputs(m), 2);
  fill_input(m);
  assert_int_equal(nn_run(m), 0);
  const float *x = nn_input(m, 0), *y = nn_output(m, 0), *y2 = nn_output(m, 1);
  float want[64], want2[32];
  for (int p = 0; p < 16; p++)
    for (int c = 0; c < 2; c++) {
      int py = p / 4, px = p % 4;
      float acc = 0;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          if (py + dy >= 0 && py + dy < 4 && px + dx >= 0 && px + dx < 4)
            acc += x[((py + dy) * 4 + px + dx) * 2 + c] / 9;
      want[2 * p + c] = fminf(fmaxf(acc, 0), 6);
      want[32 + 2 * p + c] = x[2 * p + c];
      float v = x[2 * p + c];
      want2[2 * p + c] = v >= 0 ? v : v * (c ? 0.25f : 0.5f);
    }
  nnt_expect_near(y, want, 64, 1e-6f);
  nnt_expect_near(y2, want2, 32, 0);
  nn_model_destroy(m);
}

/* A graph output that folds to a constant still has its values after load. */
static void constant_output(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m;
  static uint16_t h[3];
  h[0] = tm_half(1.5f), h[1] = tm_half(-2), h[2] = tm_half(0.25f);
  memset(&tm, 0, sizeof tm);
  int x = tm_tensor_add(&tm, "input", TM_F32, 2, (int[]){1, 2}, NULL, 0);
  int c = tm_tensor_add(&tm, "c16", TM_F16, 1, (int[]){3}, h, sizeof h);
  int y = tm_tensor_add(&tm, "output", TM_F32, 1, (int[]){3}, NULL, 0);
  tm_op_add(&tm, 6, 1, (int[]){c}, y);
  tm.nin = 1, tm.in[0] = x, tm.nout = 1, tm.out[0] = y;
  assert_int_equal(load_tm(&tm, &m, NULL), 0);
  assert_int_equal(nn_run(m), 0);
  assert_non_null(nn_output(m, 0));
  nnt_expect_near(nn_output(m, 0), (float[]){1.5f, -2, 0.25f}, 3, 0);
  nn_model_destroy(m);
}

static void expect_refusal(const tm_model *tm, int code, const char *needle) {
  nn_model *m = (nn_model *)1;
  int r = load_tm(tm, &m, NULL);
  if (r != code || (needle && !strstr(err, needle))) {
    print_error("got %d '%s', want %d containing '%s'\n", r, err, code, needle ? needle : "");
    fail();
  }
  assert_null(m);
}

static void unsupported_ops(void **s) {
  (void)s;
  tm_model tm;
  nnt_single_op_model(&tm, 25, NULL);
  expect_refusal(&tm, NN_EUNSUPPORTED, "SOFTMAX");
  nnt_single_op_model(&tm, 32, "FancyCustomOp");
  expect_refusal(&tm, NN_EUNSUPPORTED, "FancyCustomOp");
  nnt_single_op_model(&tm, 200, NULL);
  expect_refusal(&tm, NN_EUNSUPPORTED, "200");
}

static void malformed_graphs(void **s) {
  (void)s;
  tm_model tm;
  nnt_conv_model(&tm, 0);
  tm.op[1].in[0] = 99; /* tensor index out of range */
  expect_refusal(&tm, NN_EFORMAT, "tensor index");
  nnt_conv_model(&tm, 0);
  tm.op[2].in[0] = 7; /* RELU reads the ADD's output, which reads RELU's: a cycle */
  expect_refusal(&tm, NN_EFORMAT, "cycle");
  nnt_conv_model(&tm, 0);
  tm.op[2].in[0] = tm_tensor_add(&tm, "orphan", TM_F32, 4, (int[]){1, 4, 4, 3}, NULL, 0);
  expect_refusal(&tm, NN_EFORMAT, "never written");
  nnt_conv_model(&tm, 0);
  tm.t[3].bytes = 8; /* bias of 2 floats for 3 channels */
  expect_refusal(&tm, NN_EFORMAT, "'b'");
  nnt_conv_model(&tm, 0);
  tm.t[4].dims[1] = 5; /* conv output shape disagrees with the geometry */
  expect_refusal(&tm, NN_EFORMAT, "CONV_2D");
  nnt_conv_model(&tm, 0);
  tm.t[0].dims[1] = 100000, tm.t[0].dims[2] = 100000;
  expect_refusal(&tm, NN_ELIMIT, NULL);
  nnt_conv_model(&tm, 0);
  tm.op[1].opt[1].v = 0; /* stride 0 */
  expect_refusal(&tm, NN_EFORMAT, "geometry");
  nnt_conv_model(&tm, 0);
  tm.op[1].opt_type = 5; /* Pool2DOptions on a CONV_2D */
  expect_refusal(&tm, NN_EFORMAT, "options table");
}

static void bad_files(void **s) {
  (void)s;
  nn_model *m;
  uint8_t junk[64] = {0};
  assert_int_equal(nn_model_load(&m, junk, sizeof junk, NULL, err, sizeof err), NN_EFORMAT);
  assert_int_equal(nn_model_load(&m, junk, 3, NULL, err, sizeof err), NN_EFORMAT);
  assert_int_equal(nn_model_load(&m, NULL, 0, NULL, err, sizeof err), NN_EFORMAT);
  tm_model tm;
  nnt_conv_model(&tm, 0);
  size_t len;
  uint8_t *buf = nnt_build(&tm, &len);
  nn_options opt = {"no-such-kernels"};
  assert_int_equal(nn_model_load(&m, buf, len, &opt, err, sizeof err), NN_EINVAL);
  /* Every truncation fails cleanly (ASan would catch an out-of-bounds read). */
  for (size_t n = 0; n < len; n++) {
    int r = nn_model_load(&m, buf, n, NULL, err, sizeof err);
    assert_int_not_equal(r, 0);
    assert_true(err[0] != 0);
  }
  free(buf);
  /* External data cut off: the offset/size point past the end. */
  nnt_conv_model(&tm, 1);
  buf = nnt_build(&tm, &len);
  assert_int_equal(nn_model_load(&m, buf, len - 8, NULL, err, sizeof err), NN_EFORMAT);
  free(buf);
}

/* Random byte mutations never crash; whatever loads also runs. */
static void mutations(void **s) {
  (void)s;
  tm_model tm;
  size_t len;
  nnt_chain_model(&tm);
  uint8_t *orig = nnt_build(&tm, &len), *buf = malloc(len);
  uint32_t seed = 12345;
  int loaded = 0;
  for (int it = 0; it < 3000; it++) {
    memcpy(buf, orig, len);
    for (int k = 0; k < 1 + it % 4; k++) {
      seed = seed * 1664525u + 1013904223u;
      buf[(seed >> 8) % len] ^= (uint8_t)(1u << (seed % 8));
    }
    nn_model *m;
    if (nn_model_load(&m, buf, len, NULL, err, sizeof err) == 0) {
      loaded++;
      nn_run(m);
      nn_model_destroy(m);
    }
  }
  assert_true(loaded > 0); /* some flips hit names or padding and stay valid */
  free(buf);
  free(orig);
}

const struct CMUnitTest nnt_loader_tests[] = {
    cmocka_unit_test(conv_model_runs),   cmocka_unit_test(external_buffers),
    cmocka_unit_test(chain_model_runs),  cmocka_unit_test(tconv_model_runs),
    cmocka_unit_test(dw_concat_model_runs), cmocka_unit_test(unsupported_ops),
    cmocka_unit_test(malformed_graphs),  cmocka_unit_test(bad_files),
    cmocka_unit_test(mutations),         cmocka_unit_test(constant_output),
};
const size_t nnt_loader_count = sizeof nnt_loader_tests / sizeof nnt_loader_tests[0];
