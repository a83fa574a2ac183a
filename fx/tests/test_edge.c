/* The edge curve at the end of the guided refinements (mask.c): a soft transition left by the
 * model and the filter is narrowed — so a replaced background shows no rim of the old one —
 * while the contour stays where it was and flat regions keep their value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fx.h"

enum { W = 256, H = 64, MW = 64, MH = 16 };

/* A flat grey frame (the guide carries no edge) and a model output ramping from 0 to 1 over
 * model columns 16..48; returns the refined mask's middle row and its width. */
static const uint8_t *ramp_row(fx_ctx *c, int refine, int *mw) {
  uint8_t *f = fx_frame(c);
  memset(f, 128, (size_t)W * H * 3 / 2);
  float out[MW * MH];
  for (int y = 0; y < MH; y++)
    for (int x = 0; x < MW; x++) {
      float t = (float)(x - 16) / 32.0f;
      out[y * MW + x] = t < 0 ? 0 : t > 1 ? 1 : t;
    }
  fx_reset_mask(c);
  assert_int_equal(fx_update_mask(c, out, MW, MH, 0, refine), FX_OK);
  int w = 0, h = 0;
  const uint8_t *m = fx_mask(c, &w, &h);
  assert_non_null(m);
  *mw = w;
  return m + (size_t)(h / 2) * w;
}

static int soft_width(const uint8_t *row, int n) {
  int k = 0;
  for (int x = 0; x < n; x++) k += row[x] > 12 && row[x] < 243;
  return k;
}

static int crossing(const uint8_t *row, int n, int level) {
  for (int x = 0; x < n; x++)
    if (row[x] >= level) return x;
  return n;
}

static void narrows_and_keeps_contour(void **state) {
  (void)state;
  fx_ctx *c = NULL;
  assert_int_equal(fx_create(&c, W, H), FX_OK);
  int wf = 0, wg = 0;
  uint8_t fast[W];
  const uint8_t *f = ramp_row(c, FX_REFINE_FAST, &wf);
  memcpy(fast, f, (size_t)wf);
  const uint8_t *g = ramp_row(c, FX_REFINE_GUIDED, &wg);
  assert_int_equal(wf, wg);
  int sf = soft_width(fast, wf), sg = soft_width(g, wg);
  /* FAST keeps the ramp (half the frame wide at half resolution ≈ 64 px); the curve keeps
   * well under two thirds of it. */
  assert_in_range(sf, 56, 72);
  assert_true(sg * 3 < sf * 2);
  /* The curve's middle (level 144 of the ramp) maps to 128: same place within 3 px. */
  int xf = crossing(fast, wf, 144), xg = crossing(g, wg, 128);
  assert_in_range(xg, xf - 3, xf + 3);
  /* Flat regions: certain background and certain person stay exact. */
  assert_int_equal(g[2], 0);
  assert_int_equal(g[wg - 3], 255);
  fx_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(narrows_and_keeps_contour)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
