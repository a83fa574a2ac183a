/* Real MediaPipe models load and run (paths relative to the repository root), and the
 * BlazeFace / landmark post-processing decodes synthetic outputs as specified. */
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
#include "nn_post.h"
#include "tests.h"

void nnt_check_no_overlap(const nn_model *m);

static uint8_t *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    print_error("cannot open %s (run from the repository root after npm ci)\n", path);
    fail();
  }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)len);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return buf;
}

static nn_model *load_file(const char *path, const char *kernels) {
  size_t n;
  char err[256];
  uint8_t *buf = slurp(path, &n);
  nn_model *m = NULL;
  nn_options opt = {kernels};
  int r = nn_model_load(&m, buf, n, &opt, err, sizeof err);
  free(buf);
  if (r) print_error("%s: %s\n", path, err);
  assert_int_equal(r, 0);
  return m;
}

/* A smooth synthetic picture in [0,1]. */
static void fill_image(float *x, int h, int w) {
  for (int y = 0; y < h; y++)
    for (int i = 0; i < w; i++)
      for (int c = 0; c < 3; c++)
        x[(y * w + i) * 3 + c] = 0.5f + 0.5f * sinf(0.05f * (float)(y * (c + 1)) + 0.03f * (float)i);
}

static void check_selfie(const char *path, int h, int w) {
  nn_model *s = load_file(path, "scalar"), *a = load_file(path, "auto");
  nn_tensor_info in, out;
  assert_int_equal(nn_input_info(s, 0, &in), 0);
  assert_int_equal(in.dims[1], h);
  assert_int_equal(in.dims[2], w);
  assert_int_equal(nn_output_info(s, 0, &out), 0);
  assert_int_equal(out.ndim, 4);
  assert_int_equal(out.dims[1], h);
  assert_int_equal(out.dims[2], w);
  assert_int_equal(out.dims[3], 1);
  fill_image(nn_input(s, 0), h, w);
  fill_image(nn_input(a, 0), h, w);
  assert_int_equal(nn_run(s), 0);
  assert_int_equal(nn_run(a), 0);
  const float *ys = nn_output(s, 0), *ya = nn_output(a, 0);
  float maxdiff = 0;
  for (size_t i = 0; i < out.count; i++) {
    assert_true(ys[i] >= 0.0f && ys[i] <= 1.0f);
    float d = fabsf(ys[i] - ya[i]);
    maxdiff = d > maxdiff ? d : maxdiff;
  }
  /* The best kernel set agrees with the scalar reference on the whole model. */
  assert_true(maxdiff < 1e-3f);
  nnt_check_no_overlap(s);
  assert_true(nn_model_macs(s) > 10000000);
  nn_model_destroy(s);
  nn_model_destroy(a);
}

static void selfie_square(void **st) {
  (void)st;
  check_selfie("node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite", 256, 256);
}

static void selfie_landscape(void **st) {
  (void)st;
  check_selfie("node_modules/@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite",
               144, 256);
}

static void blazeface_decode(void **st) {
  (void)st;
  float anchors[2 * NN_BLAZEFACE_ANCHORS];
  assert_int_equal(nn_blazeface_anchors(anchors, NN_BLAZEFACE_ANCHORS), 896);
  assert_true(anchors[0] == 0.5f / 16 && anchors[1] == 0.5f / 16);
  assert_true(anchors[2 * 512] == 0.5f / 8); /* first stride-16 anchor */
  static float reg[896 * 16], logit[896];
  for (int i = 0; i < 896; i++) logit[i] = -10;
  /* Two overlapping boxes around anchor 0 and one far away at anchor 895. */
  int hits[3] = {0, 1, 895};
  float score[3] = {3, 1, 2};
  for (int k = 0; k < 3; k++) {
    float *r = reg + hits[k] * 16;
    r[0] = k == 1 ? 2.0f : 0.0f, r[2] = r[3] = 32;
    for (int p = 0; p < 6; p++) r[4 + 2 * p] = (float)p;
    logit[hits[k]] = score[k];
  }
  nn_face f[4];
  int n = nn_blazeface_decode(reg, logit, 0.5f, 0.3f, f, 4);
  assert_int_equal(n, 2);
  assert_true(fabsf(f[0].score - 1 / (1 + expf(-3))) < 1e-6f);
  float s0 = 1 / (1 + expf(-3)), s1 = 1 / (1 + expf(-1));
  float xc = anchors[0] + (s1 * 2.0f / 128) / (s0 + s1); /* score-weighted centre */
  assert_true(fabsf(f[0].xmin + f[0].w / 2 - xc) < 1e-5f);
  assert_true(fabsf(f[0].w - 0.25f) < 1e-6f);
  assert_true(fabsf(f[1].xmin + 0.125f - anchors[2 * 895]) < 1e-6f);
  assert_true(fabsf(f[1].kp[5][0] - (anchors[2 * 895] + 5.0f / 128)) < 1e-6f);
}

static void landmarks_projection(void **st) {
  (void)st;
  float raw[6] = {96, 96, 19.2f, 0, 48, 0}, out[6];
  nn_rect roi = {0.5f, 0.5f, 0.5f, 0.5f, 0};
  nn_landmarks_project(raw, 2, 192, 192, &roi, 400, 200, out);
  nnt_expect_near(out, (float[]){200, 100, 20, 100, 75, 0}, 6, 1e-4f);
  roi.rotation = (float)M_PI / 2; /* a quarter turn maps +x of the crop to +y */
  float r2[3] = {192, 96, 0};
  nn_landmarks_project(r2, 1, 192, 192, &roi, 100, 100, out);
  nnt_expect_near(out, (float[]){50, 75, 0}, 3, 1e-4f);
}

const struct CMUnitTest nnt_model_tests[] = {
    cmocka_unit_test(selfie_square),
    cmocka_unit_test(selfie_landscape),
    cmocka_unit_test(blazeface_decode),
    cmocka_unit_test(landmarks_projection),
};
const size_t nnt_model_count = sizeof nnt_model_tests / sizeof nnt_model_tests[0];
