/* Conversions of fx_convert.h: known colours, round trips, NV12 de-interleaving, bad sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fx.h"
#include "fx_convert.h"

static void fill_rgba(uint8_t *p, int n, int r, int g, int b) {
  for (int i = 0; i < n; i++) {
    p[4 * i] = (uint8_t)r;
    p[4 * i + 1] = (uint8_t)g;
    p[4 * i + 2] = (uint8_t)b;
    p[4 * i + 3] = 255;
  }
}

static void known_colours(void **state) {
  (void)state;
  enum { W = 4, H = 2 };
  uint8_t rgba[W * H * 4], yuv[W * H * 3 / 2];
  /* BT.601 limited: white → (235, 128, 128), black → (16, 128, 128), red → (82, 90, 240). */
  const struct { int r, g, b, y, u, v; } cases[] = {
      {255, 255, 255, 235, 128, 128}, {0, 0, 0, 16, 128, 128}, {255, 0, 0, 82, 90, 240}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    fill_rgba(rgba, W * H, cases[c].r, cases[c].g, cases[c].b);
    assert_int_equal(fx_rgba_to_i420(rgba, W, H, FX_MATRIX_BT601, yuv), 0);
    assert_in_range(yuv[0], cases[c].y - 1, cases[c].y + 1);
    assert_in_range(yuv[W * H], cases[c].u - 1, cases[c].u + 1);
    assert_in_range(yuv[W * H + W * H / 4], cases[c].v - 1, cases[c].v + 1);
  }
}

static void round_trip(void **state) {
  (void)state;
  enum { W = 64, H = 32 };
  uint8_t *rgba = malloc(W * H * 4), *back = malloc(W * H * 4), *yuv = malloc(W * H * 3 / 2);
  for (int m = 0; m < 2; m++) {
    /* Smooth colours (constant over each 2×2 block) survive the round trip within a few
     * levels: the loss is only the fixed-point rounding. */
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        uint8_t *p = rgba + 4 * (y * W + x);
        p[0] = (uint8_t)(40 + 2 * (x / 2) * 2), p[1] = (uint8_t)(60 + 4 * (y / 2)), p[2] = 128, p[3] = 255;
      }
    assert_int_equal(fx_rgba_to_i420(rgba, W, H, m, yuv), 0);
    assert_int_equal(fx_i420_to_rgba(yuv, W, H, m, back), 0);
    for (int i = 0; i < W * H * 4; i++) assert_in_range(back[i], rgba[i] > 3 ? rgba[i] - 3 : 0, rgba[i] + 3);
  }
  free(rgba), free(back), free(yuv);
}

static void nv12(void **state) {
  (void)state;
  enum { W = 6, H = 4 };
  uint8_t src[W * H * 3 / 2], dst[W * H * 3 / 2];
  for (int i = 0; i < W * H * 3 / 2; i++) src[i] = (uint8_t)i;
  assert_int_equal(fx_nv12_to_i420(src, W, H, dst), 0);
  assert_memory_equal(dst, src, W * H);
  for (int i = 0; i < W * H / 4; i++) {
    assert_int_equal(dst[W * H + i], src[W * H + 2 * i]);
    assert_int_equal(dst[W * H + W * H / 4 + i], src[W * H + 2 * i + 1]);
  }
}

static void bad_sizes(void **state) {
  (void)state;
  uint8_t a[64] = {0}, b[64];
  assert_int_equal(fx_nv12_to_i420(a, 3, 2, b), FX_EINVAL);
  assert_int_equal(fx_nv12_to_i420(NULL, 2, 2, b), FX_EINVAL);
  assert_int_equal(fx_rgba_to_i420(a, 2, 0, FX_MATRIX_BT601, b), FX_EINVAL);
  assert_int_equal(fx_rgba_to_i420(a, 2, 2, 7, b), FX_EINVAL);
  assert_int_equal(fx_i420_to_rgba(a, FX_MAX_DIM + 2, 2, FX_MATRIX_BT709, b), FX_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(known_colours), cmocka_unit_test(round_trip), cmocka_unit_test(nv12),
      cmocka_unit_test(bad_sizes)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
