/* Known-answer tests of the fx image kernels (native, scalar reference), on small synthetic
 * frames: colour conversion, resizing, mask decoding and smoothing, guided refinement,
 * background blur (constant, checkerboard, halo), replacement, sizes and errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fx.h"

/* ---- helpers ---- */

static fx_ctx *mk(int w, int h) {
  fx_ctx *c = NULL;
  assert_int_equal(fx_create(&c, w, h), FX_OK);
  assert_non_null(c);
  return c;
}

static void fill(fx_ctx *c, int y, int u, int v) {
  int w = fx_width(c), h = fx_height(c);
  uint8_t *f = fx_frame(c);
  memset(f, y, (size_t)w * h);
  memset(f + (size_t)w * h, u, (size_t)w * h / 4);
  memset(f + (size_t)w * h * 5 / 4, v, (size_t)w * h / 4);
}

static float *constf(int n, float v) {
  float *p = malloc((size_t)n * sizeof *p);
  assert_non_null(p);
  for (int i = 0; i < n; i++) p[i] = v;
  return p;
}

static uint32_t rng = 12345;
static uint32_t rnd(void) {
  rng = rng * 1664525u + 1013904223u;
  return rng >> 8;
}

/* Where row y of a mask first reaches 128, scanning left to right. */
static int crossing(const uint8_t *m, int w, int y) {
  for (int x = 0; x < w; x++)
    if (m[(size_t)y * w + x] >= 128) return x;
  return w;
}

/* ---- colour conversion ---- */

/* Published coefficients (3–4 digits), independent of the code's derivation from Kr, Kb. */
static void ref_rgb(int matrix, int full, int Y, int U, int V, double rgb[3]) {
  double y = full ? Y : 1.164383 * (Y - 16), u = U - 128.0, v = V - 128.0;
  double s = full ? 1.0 : 255.0 / 224.0;
  u *= s;
  v *= s;
  if (matrix == FX_MATRIX_BT601) {
    rgb[0] = y + 1.402 * v;
    rgb[1] = y - 0.344136 * u - 0.714136 * v;
    rgb[2] = y + 1.772 * u;
  } else {
    rgb[0] = y + 1.5748 * v;
    rgb[1] = y - 0.187324 * u - 0.468124 * v;
    rgb[2] = y + 1.8556 * u;
  }
  for (int i = 0; i < 3; i++) rgb[i] = rgb[i] < 0 ? 0 : rgb[i] > 255 ? 255 : rgb[i];
}

static void ref_yuv(int matrix, int full, const double rgb[3], int yuv[3]) {
  double kr = matrix == FX_MATRIX_BT601 ? 0.299 : 0.2126;
  double kb = matrix == FX_MATRIX_BT601 ? 0.114 : 0.0722;
  double y = kr * rgb[0] + (1 - kr - kb) * rgb[1] + kb * rgb[2];
  double u = (rgb[2] - y) / (2 * (1 - kb)), v = (rgb[0] - y) / (2 * (1 - kr));
  double ys = full ? 1.0 : 219.0 / 255.0, cs = full ? 1.0 : 224.0 / 255.0;
  double o[3] = {(full ? 0 : 16) + y * ys, 128 + u * cs, 128 + v * cs};
  for (int i = 0; i < 3; i++) {
    int q = (int)floor(o[i] + 0.5);
    yuv[i] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
}

static void test_color_pure(void **state) {
  (void)state;
  static const double colors[][3] = {{255, 0, 0},     {0, 255, 0},   {0, 0, 255},
                                     {255, 255, 255}, {0, 0, 0},     {128, 128, 128},
                                     {255, 255, 0},   {0, 255, 255}, {200, 100, 50}};
  fx_ctx *c = mk(16, 8);
  float out[8 * 4 * 3];
  for (int matrix = 0; matrix < 2; matrix++)
    for (int full = 0; full < 2; full++) {
      fx_set_color(c, matrix, full);
      for (size_t i = 0; i < sizeof colors / sizeof colors[0]; i++) {
        int yuv[3];
        double want[3];
        ref_yuv(matrix, full, colors[i], yuv);
        ref_rgb(matrix, full, yuv[0], yuv[1], yuv[2], want);
        fill(c, yuv[0], yuv[1], yuv[2]);
        assert_int_equal(fx_make_input(c, out, 8, 4, 0.0f, 255.0f), FX_OK);
        for (int p = 0; p < 8 * 4; p++)
          for (int ch = 0; ch < 3; ch++) {
            double got = out[3 * p + ch];
            if (fabs(got - want[ch]) > 1.0)
              fail_msg("matrix %d full %d color %zu ch %d: got %.2f want %.2f", matrix, full, i, ch,
                       got, want[ch]);
            /* The round trip lands within 2 levels of the colour itself. */
            assert_true(fabs(got - colors[i][ch]) <= 2.5);
          }
      }
    }
  /* [lo, hi] mapping: white → hi, black → lo. */
  fx_set_color(c, FX_MATRIX_BT709, 1);
  fill(c, 255, 128, 128);
  assert_int_equal(fx_make_input(c, out, 8, 4, -1.0f, 1.0f), FX_OK);
  assert_true(fabsf(out[0] - 1.0f) < 1e-5f && fabsf(out[4] - 1.0f) < 1e-5f);
  fill(c, 0, 128, 128);
  assert_int_equal(fx_make_input(c, out, 8, 4, -1.0f, 1.0f), FX_OK);
  assert_true(fabsf(out[5] + 1.0f) < 1e-5f);
  fx_destroy(c);
}

/* ---- resizing ---- */

static const int sizes_in[][2] = {{256, 144}, {256, 256}, {37, 23}, {2000, 30}, {1, 1}};

static void test_resize_constant(void **state) {
  (void)state;
  fx_ctx *c = mk(1280, 720);
  fill(c, 90, 100, 150);
  float *out = malloc(2000 * 256 * 3 * sizeof *out);
  assert_non_null(out);
  for (size_t s = 0; s < sizeof sizes_in / sizeof sizes_in[0]; s++) {
    int mw = sizes_in[s][0], mh = sizes_in[s][1];
    assert_int_equal(fx_make_input(c, out, mw, mh, 0.0f, 1.0f), FX_OK);
    for (int i = 0; i < mw * mh * 3; i++) assert_true(out[i] == out[i % 3]);
  }
  free(out);
  fx_destroy(c);
}

static void test_resize_gradient(void **state) {
  (void)state;
  int w = 1280, h = 720;
  fx_ctx *c = mk(w, h);
  float *out = malloc(2000 * 256 * 3 * sizeof *out);
  assert_non_null(out);
  for (int dir = 0; dir < 2; dir++) {
    uint8_t *f = fx_frame(c);
    fill(c, 0, 128, 128);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        f[(size_t)y * w + x] = (uint8_t)(dir == 0 ? x * 255 / (w - 1) : y * 255 / (h - 1));
    for (size_t s = 0; s < sizeof sizes_in / sizeof sizes_in[0]; s++) {
      int mw = sizes_in[s][0], mh = sizes_in[s][1];
      assert_int_equal(fx_make_input(c, out, mw, mh, 0.0f, 255.0f), FX_OK);
      for (int y = 0; y < mh; y++)
        for (int x = 0; x < mw; x++) {
          int nx = dir == 0 ? x + 1 : x, ny = dir == 0 ? y : y + 1;
          if (nx >= mw || ny >= mh) continue;
          float a = out[3 * ((size_t)y * mw + x)], b = out[3 * ((size_t)ny * mw + nx)];
          if (b < a) fail_msg("size %dx%d dir %d at %d,%d: %f then %f", mw, mh, dir, x, y, a, b);
        }
      /* The ends of the ramp stay near its ends. */
      if (mw > 4 && mh > 4) {
        assert_true(out[0] < 10.0f);
        assert_true(out[3 * ((size_t)mw * mh - 1)] > 245.0f);
      }
    }
  }
  free(out);
  fx_destroy(c);
}

/* ---- mask decoding and temporal smoothing (FAST refine at model = half resolution is the
 * identity resample, so fx_mask shows the smoothed values themselves) ---- */

static const uint8_t *mask_of(fx_ctx *c, const float *o, int mw, int mh, int logit, int refine) {
  assert_int_equal(fx_update_mask(c, o, mw, mh, logit, refine), FX_OK);
  int w = 0, h = 0;
  const uint8_t *m = fx_mask(c, &w, &h);
  assert_non_null(m);
  return m;
}

static void test_mask_decode(void **state) {
  (void)state;
  fx_ctx *c = mk(8, 2);
  assert_null(fx_mask(c, NULL, NULL));
  float p[4] = {0.0f, 0.25f, 0.5f, 1.0f};
  const uint8_t *m = mask_of(c, p, 4, 1, 0, FX_REFINE_FAST);
  int w, h;
  fx_mask(c, &w, &h);
  assert_int_equal(w, 4);
  assert_int_equal(h, 1);
  assert_int_equal(m[0], 0);
  assert_true(abs(m[1] - 64) <= 1);
  assert_true(abs(m[2] - 128) <= 1);
  assert_int_equal(m[3], 255);
  float l[4] = {0.0f, 8.0f, -8.0f, NAN};
  fx_reset_mask(c);
  m = mask_of(c, l, 4, 1, 1, FX_REFINE_FAST);
  assert_true(abs(m[0] - 128) <= 1);
  assert_true(m[1] >= 254);
  assert_true(m[2] <= 1);
  assert_int_equal(m[3], 0);
  float l2[4] = {INFINITY, -INFINITY, 100.0f, -3.0f};
  fx_reset_mask(c);
  m = mask_of(c, l2, 4, 1, 1, FX_REFINE_FAST);
  assert_int_equal(m[0], 255);
  assert_int_equal(m[1], 0);
  assert_int_equal(m[2], 255);
  assert_true(abs(m[3] - (int)(255.0 / (1.0 + exp(3.0)) + 0.5)) <= 1);
  fx_destroy(c);
}

static void test_temporal(void **state) {
  (void)state;
  fx_ctx *c = mk(16, 2);
  float o[8];
  for (int i = 0; i < 8; i++) o[i] = 0.5f;
  const uint8_t *m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  assert_true(abs(m[0] - 128) <= 1);
  /* Still scene, small change: smoothed at first, converges to the new value. */
  for (int i = 0; i < 8; i++) o[i] = 0.55f;
  m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  assert_true(m[0] > 128 && m[0] < 138);
  for (int k = 0; k < 30; k++) m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  assert_true(abs(m[0] - 140) <= 1);
  /* A flicker of 15 levels peak to peak is damped to a third or less. */
  int lo = 255, hi = 0;
  for (int k = 0; k < 40; k++) {
    for (int i = 0; i < 8; i++) o[i] = (k & 1) ? 0.58f : 0.52f;
    m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
    if (k >= 20) {
      lo = m[0] < lo ? m[0] : lo;
      hi = m[0] > hi ? m[0] : hi;
    }
  }
  assert_true(hi - lo <= 5); /* input swings 15 levels; measured 3 */
  /* A moving edge: background → person is followed at once. */
  for (int i = 0; i < 8; i++) o[i] = i < 4 ? 0.0f : 1.0f;
  for (int k = 0; k < 5; k++) m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  for (int i = 0; i < 8; i++) o[i] = i < 2 ? 0.0f : 1.0f;
  m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  assert_true(m[2] >= 250 && m[3] >= 250);
  /* A soft step (40 % → 90 %) is within a few levels after two updates. */
  for (int i = 0; i < 8; i++) o[i] = 0.4f;
  for (int k = 0; k < 30; k++) m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  for (int i = 0; i < 8; i++) o[i] = 0.9f;
  mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  m = mask_of(c, o, 8, 1, 0, FX_REFINE_FAST);
  assert_true(abs(m[0] - 230) <= 4);
  /* A new model size starts over. */
  float o2[4] = {0.1f, 0.1f, 0.1f, 0.1f};
  m = mask_of(c, o2, 2, 2, 0, FX_REFINE_FAST);
  assert_true(abs(m[0] - 26) <= 1);
  fx_destroy(c);
}

/* ---- guided refinement ---- */

/* Frame w×h with a vertical luma edge at ex (dark left, bright right); model output at
 * ¼ of the frame whose edge sits at frame column mx. */
static void edge_scene(fx_ctx *c, int ex, int mx, float *o, int mw, int mh) {
  int w = fx_width(c), h = fx_height(c);
  fill(c, 40, 128, 128);
  uint8_t *f = fx_frame(c);
  for (int y = 0; y < h; y++) memset(f + (size_t)y * w + ex, 200, (size_t)(w - ex));
  int s = w / mw;
  for (int y = 0; y < mh; y++)
    for (int x = 0; x < mw; x++) {
      int in = 0;
      for (int j = 0; j < s; j++) in += x * s + j >= mx;
      o[y * mw + x] = (float)in / s;
    }
}

static void test_guided_snap(void **state) {
  (void)state;
  int w = 128, h = 64, mw = 32, mh = 16;
  float o[32 * 16];
  for (int off = -6; off <= 6; off += 3) {
    fx_ctx *c = mk(w, h);
    edge_scene(c, 64, 64 + off, o, mw, mh);
    int mwid, mhei;
    const uint8_t *m = mask_of(c, o, mw, mh, 0, FX_REFINE_FAST);
    fx_mask(c, &mwid, &mhei);
    assert_int_equal(mwid, w / 2);
    assert_true(abs(crossing(m, mwid, mhei / 2) - (64 + off) / 2) <= 1);
    fx_reset_mask(c);
    m = mask_of(c, o, mw, mh, 0, FX_REFINE_GUIDED);
    for (int y = 0; y < mhei; y++) {
      int x = crossing(m, mwid, y);
      if (abs(x - 32) > 1) fail_msg("off %d row %d: half-res crossing %d, luma edge 32", off, y, x);
      assert_true(m[(size_t)y * mwid + 4] <= 12);
      assert_true(m[(size_t)y * mwid + mwid - 4] >= 243);
    }
    fx_reset_mask(c);
    m = mask_of(c, o, mw, mh, 0, FX_REFINE_GUIDED_FULL);
    fx_mask(c, &mwid, &mhei);
    assert_int_equal(mwid, w);
    assert_int_equal(mhei, h);
    for (int y = 0; y < h; y++) {
      int x = crossing(m, w, y);
      if (abs(x - 64) > 1) fail_msg("off %d row %d: full-res crossing %d, luma edge 64", off, y, x);
    }
    fx_destroy(c);
  }
}

/* ---- compositing ---- */

static void test_blur_constant(void **state) {
  (void)state;
  int w = 96, h = 64, mw = 24, mh = 16;
  fx_ctx *c = mk(w, h);
  fill(c, 120, 90, 160);
  float o[24 * 16];
  for (int i = 0; i < mw * mh; i++) o[i] = (i % mw > 8 && i % mw < 16) ? 1.0f : 0.0f;
  for (int refine = 0; refine < 3; refine++) {
    fx_reset_mask(c);
    assert_int_equal(fx_update_mask(c, o, mw, mh, 0, refine), FX_OK);
    for (int s = 1; s <= 100; s += 33) {
      assert_int_equal(fx_composite(c, FX_MODE_BLUR, s), FX_OK);
      assert_memory_equal(fx_out(c), fx_frame(c), (size_t)w * h * 3 / 2);
    }
  }
  fx_destroy(c);
}

static double variance(const uint8_t *p, int w, int h, int x0, int x1) {
  double s = 0, s2 = 0;
  int n = 0;
  for (int y = 0; y < h; y++)
    for (int x = x0; x < x1; x++) {
      double v = p[(size_t)y * w + x];
      s += v;
      s2 += v * v;
      n++;
    }
  return s2 / n - (s / n) * (s / n);
}

static void test_blur_checker(void **state) {
  (void)state;
  int w = 128, h = 96;
  fx_ctx *c = mk(w, h);
  fill(c, 0, 128, 128);
  uint8_t *f = fx_frame(c);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) f[(size_t)y * w + x] = ((x / 8 + y / 8) & 1) ? 200 : 50;
  float *o = constf(32 * 24, 0.0f);
  assert_int_equal(fx_update_mask(c, o, 32, 24, 0, FX_REFINE_GUIDED), FX_OK);
  double v0 = variance(f, w, h, 0, w), prev = v0;
  for (int s = 25; s <= 100; s += 25) {
    assert_int_equal(fx_composite(c, FX_MODE_BLUR, s), FX_OK);
    double v = variance(fx_out(c), w, h, 0, w);
    assert_true(v < 0.25 * v0);
    assert_true(v <= prev * 1.01); /* stronger blurs smooth more */
    prev = v;
  }
  assert_true(prev < 0.01 * v0);
  free(o);
  fx_destroy(c);
}

static void random_frame(fx_ctx *c) {
  size_t n = (size_t)fx_width(c) * fx_height(c) * 3 / 2;
  uint8_t *f = fx_frame(c);
  for (size_t i = 0; i < n; i++) f[i] = (uint8_t)rnd();
}

static void test_mask_full_is_identity(void **state) {
  (void)state;
  int w = 66, h = 38;
  fx_ctx *c = mk(w, h);
  uint8_t rgba[4 * 4 * 4];
  for (size_t i = 0; i < sizeof rgba; i++) rgba[i] = (uint8_t)rnd();
  assert_int_equal(fx_set_background(c, rgba, 4, 4), FX_OK);
  float *o = constf(20 * 12, 1.0f);
  for (int refine = 0; refine < 3; refine++) {
    random_frame(c);
    fx_reset_mask(c);
    assert_int_equal(fx_update_mask(c, o, 20, 12, 0, refine), FX_OK);
    int mw, mh;
    const uint8_t *m = fx_mask(c, &mw, &mh);
    for (int i = 0; i < mw * mh; i++) assert_int_equal(m[i], 255);
    for (int mode = 0; mode < 3; mode++) {
      assert_int_equal(fx_composite(c, mode, 70), FX_OK);
      assert_memory_equal(fx_out(c), fx_frame(c), (size_t)w * h * 3 / 2);
    }
  }
  free(o);
  fx_destroy(c);
}

static void test_image_replaces(void **state) {
  (void)state;
  int w = 100, h = 100;
  fx_ctx *c = mk(w, h);
  random_frame(c);
  /* 300×100: red | green | blue thirds; covering a square frame keeps the middle third. */
  int bw = 300, bh = 100;
  uint8_t *img = malloc((size_t)bw * bh * 4);
  assert_non_null(img);
  for (int y = 0; y < bh; y++)
    for (int x = 0; x < bw; x++) {
      uint8_t *p = img + 4 * ((size_t)y * bw + x);
      p[0] = x < 100 ? 255 : 0;
      p[1] = x >= 100 && x < 200 ? 255 : 0;
      p[2] = x >= 200 ? 255 : 0;
      p[3] = 255;
    }
  assert_int_equal(fx_composite(c, FX_MODE_IMAGE, 0), FX_EINVAL); /* no image yet */
  assert_memory_equal(fx_out(c), fx_frame(c), (size_t)w * h * 3 / 2);
  assert_int_equal(fx_set_background(c, img, bw, bh), FX_OK);
  float *o = constf(25 * 25, 0.0f);
  assert_int_equal(fx_update_mask(c, o, 25, 25, 0, FX_REFINE_GUIDED), FX_OK);
  for (int matrix = 0; matrix < 2; matrix++) {
    fx_set_color(c, matrix, matrix); /* 601 limited, then 709 full: the image is reconverted */
    int want[3];
    double green[3] = {0, 255, 0};
    ref_yuv(matrix, matrix, green, want);
    assert_int_equal(fx_composite(c, FX_MODE_IMAGE, 0), FX_OK);
    const uint8_t *out = fx_out(c);
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++) assert_true(abs(out[i] - want[0]) <= 1);
    for (size_t i = 0; i < n / 4; i++) {
      assert_true(abs(out[n + i] - want[1]) <= 1);
      assert_true(abs(out[n + n / 4 + i] - want[2]) <= 1);
    }
  }
  free(o);
  free(img);
  fx_destroy(c);
}

static void test_no_halo(void **state) {
  (void)state;
  int w = 256, h = 128, mw = 64, mh = 32, x0 = 96, x1 = 160;
  for (int refine = 0; refine < 3; refine++) {
    fx_ctx *c = mk(w, h);
    fill(c, 16, 128, 128);
    uint8_t *f = fx_frame(c);
    for (int y = 0; y < h; y++) memset(f + (size_t)y * w + x0, 235, (size_t)(x1 - x0));
    float o[64 * 32];
    for (int y = 0; y < mh; y++)
      for (int x = 0; x < mw; x++) o[y * mw + x] = (x * 4 >= x0 && x * 4 < x1) ? 1.0f : 0.0f;
    assert_int_equal(fx_update_mask(c, o, mw, mh, 0, refine), FX_OK);
    assert_int_equal(fx_composite(c, FX_MODE_BLUR, 100), FX_OK);
    const uint8_t *out = fx_out(c);
    int worst = 0;
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        if (x > x0 - 4 && x < x1 + 4) continue; /* the person and 3 pixels around it */
        int v = out[(size_t)y * w + x];
        worst = v > worst ? v : worst;
      }
    /* Measured 17..20; a plain (unweighted) blur puts the person's 235 at 118 four pixels
     * out and still 88 at sixteen. */
    if (worst > 30) fail_msg("refine %d: background reaches %d near the person", refine, worst);
    /* The person is untouched inside. */
    for (int y = 0; y < h; y++) assert_int_equal(out[(size_t)y * w + 128], 235);
    fx_destroy(c);
  }
}

/* The light wrap tints only the person's edge band. */
static void test_light_wrap(void **state) {
  (void)state;
  int w = 128, h = 64, mw = 32, mh = 16;
  fx_ctx *c = mk(w, h);
  fill(c, 200, 128, 128);
  uint8_t img[4 * 4 * 4];
  for (int i = 0; i < 16; i++)
    img[4 * i] = img[4 * i + 1] = img[4 * i + 2] = 0, img[4 * i + 3] = 255;
  assert_int_equal(fx_set_background(c, img, 4, 4), FX_OK);
  float o[32 * 16];
  for (int y = 0; y < mh; y++)
    for (int x = 0; x < mw; x++) o[y * mw + x] = x >= 8 && x < 24 ? 1.0f : 0.0f;
  assert_int_equal(fx_update_mask(c, o, mw, mh, 0, FX_REFINE_FAST), FX_OK);
  assert_int_equal(fx_composite(c, FX_MODE_IMAGE, 0), FX_OK);
  const uint8_t *out = fx_out(c);
  int mid = out[32 * w + 64], edge = out[32 * w + 34];
  assert_int_equal(mid, 200);           /* deep inside: the person as is */
  assert_true(edge < 190 && edge > 60); /* at the edge: some of the dark background */
  assert_true(out[32 * w + 5] <= 17);   /* outside: the background */
  fx_destroy(c);
}

/* ---- sizes, errors, life cycle ---- */

static void test_sizes(void **state) {
  (void)state;
  static const int sz[][2] = {{2, 2}, {4, 2}, {2, 6}, {6, 10}, {18, 34}, {130, 66}, {642, 362}};
  static const int ms[][2] = {{1, 1}, {3, 5}, {256, 144}, {17, 3}};
  uint8_t img[3 * 5 * 4];
  for (size_t i = 0; i < sizeof img; i++) img[i] = (uint8_t)rnd();
  for (size_t s = 0; s < sizeof sz / sizeof sz[0]; s++) {
    fx_ctx *c = mk(sz[s][0], sz[s][1]);
    random_frame(c);
    assert_int_equal(fx_set_background(c, img, 3, 5), FX_OK);
    for (size_t m = 0; m < sizeof ms / sizeof ms[0]; m++) {
      int mw = ms[m][0], mh = ms[m][1];
      float *in = malloc((size_t)mw * mh * 3 * sizeof *in);
      float *o = malloc((size_t)mw * mh * sizeof *o);
      assert_non_null(in);
      assert_non_null(o);
      for (int i = 0; i < mw * mh; i++) o[i] = (float)(rnd() % 1000) / 999.0f;
      assert_int_equal(fx_make_input(c, in, mw, mh, 0.0f, 1.0f), FX_OK);
      for (int i = 0; i < mw * mh * 3; i++) assert_true(in[i] >= 0.0f && in[i] <= 1.0f);
      for (int refine = 0; refine < 3; refine++) {
        assert_int_equal(fx_update_mask(c, o, mw, mh, refine == 1, refine), FX_OK);
        for (int mode = 0; mode < 3; mode++)
          assert_int_equal(fx_composite(c, mode, 1 + (int)(rnd() % 100)), FX_OK);
      }
      free(in);
      free(o);
    }
    fx_destroy(c);
  }
}

static void test_bad_args(void **state) {
  (void)state;
  fx_ctx *c = (fx_ctx *)&c;
  assert_int_equal(fx_create(&c, 3, 4), FX_EINVAL);
  assert_null(c);
  assert_int_equal(fx_create(&c, 0, 0), FX_EINVAL);
  assert_int_equal(fx_create(&c, 4098, 2), FX_EINVAL);
  assert_int_equal(fx_create(&c, 4, -2), FX_EINVAL);
  assert_int_equal(fx_create(NULL, 4, 4), FX_EINVAL);
  c = mk(8, 8);
  float buf[64 * 3];
  uint8_t img[16];
  assert_int_equal(fx_resize(c, 7, 8), FX_EINVAL);
  assert_int_equal(fx_resize(c, 8, 4098), FX_EINVAL);
  assert_int_equal(fx_resize(NULL, 8, 8), FX_EINVAL);
  assert_int_equal(fx_width(c), 8);
  assert_int_equal(fx_make_input(c, NULL, 4, 4, 0, 1), FX_EINVAL);
  assert_int_equal(fx_make_input(c, buf, 0, 4, 0, 1), FX_EINVAL);
  assert_int_equal(fx_make_input(c, buf, 4, 5000, 0, 1), FX_EINVAL);
  assert_int_equal(fx_make_input(c, buf, 4, 4, NAN, 1), FX_EINVAL);
  assert_int_equal(fx_make_input(NULL, buf, 4, 4, 0, 1), FX_EINVAL);
  assert_int_equal(fx_update_mask(c, NULL, 4, 4, 0, 0), FX_EINVAL);
  assert_int_equal(fx_update_mask(c, buf, 0, 4, 0, 0), FX_EINVAL);
  assert_int_equal(fx_update_mask(c, buf, 4, 4, 0, 3), FX_EINVAL);
  assert_int_equal(fx_update_mask(c, buf, 4, 4, 0, -1), FX_EINVAL);
  assert_int_equal(fx_update_mask(c, buf, 1024, 1024, 0, 0), FX_EINVAL); /* > 512² values */
  assert_int_equal(fx_update_mask(NULL, buf, 4, 4, 0, 0), FX_EINVAL);
  assert_null(fx_mask(c, NULL, NULL));
  assert_int_equal(fx_set_background(c, NULL, 2, 2), FX_EINVAL);
  assert_int_equal(fx_set_background(c, img, 0, 2), FX_EINVAL);
  assert_int_equal(fx_set_background(c, img, 2, 4097), FX_EINVAL);
  assert_int_equal(fx_set_background(NULL, img, 2, 2), FX_EINVAL);
  assert_int_equal(fx_composite(c, 3, 50), FX_EINVAL);
  assert_int_equal(fx_composite(c, -1, 50), FX_EINVAL);
  assert_int_equal(fx_composite(NULL, FX_MODE_BLUR, 50), FX_EINVAL);
  fx_set_color(c, 7, 0); /* ignored */
  fx_set_color(NULL, 0, 0);
  fx_reset_mask(NULL);
  fx_destroy(NULL);
  assert_null(fx_frame(NULL));
  assert_null(fx_out(NULL));
  assert_string_equal(fx_strerror(FX_EINVAL), "invalid argument");
  assert_string_equal(fx_strerror(FX_ENOMEM), "out of memory");
  assert_string_equal(fx_strerror(FX_OK), "ok");
  assert_string_equal(fx_strerror(-99), "unknown error");
  fx_destroy(c);
}

static void test_resize(void **state) {
  (void)state;
  fx_ctx *c = mk(64, 48);
  uint8_t img[2 * 2 * 4] = {10, 200, 30, 255, 10, 200, 30, 255, 10, 200, 30, 255, 10, 200, 30, 255};
  assert_int_equal(fx_set_background(c, img, 2, 2), FX_OK);
  float *o = constf(64 * 48, 0.0f);
  assert_int_equal(fx_update_mask(c, o, 16, 12, 0, FX_REFINE_GUIDED), FX_OK);
  assert_int_equal(fx_composite(c, FX_MODE_IMAGE, 0), FX_OK);
  uint8_t y0 = fx_out(c)[0];
  for (int k = 0; k < 3; k++) {
    int w = k == 1 ? 320 : 130, h = k == 1 ? 240 : 2;
    assert_int_equal(fx_resize(c, w, h), FX_OK);
    assert_int_equal(fx_width(c), w);
    assert_int_equal(fx_height(c), h);
    assert_null(fx_mask(c, NULL, NULL)); /* the mask went with the old size */
    random_frame(c);
    assert_int_equal(fx_composite(c, FX_MODE_IMAGE, 0), FX_OK); /* copied through */
    assert_memory_equal(fx_out(c), fx_frame(c), (size_t)w * h * 3 / 2);
    assert_int_equal(fx_update_mask(c, o, 16, 12, 0, k), FX_OK);
    assert_int_equal(fx_composite(c, FX_MODE_IMAGE, 0), FX_OK);
    const uint8_t *out = fx_out(c);
    for (int i = 0; i < w * h; i++) assert_int_equal(out[i], y0); /* the image, rescaled */
    assert_int_equal(fx_composite(c, FX_MODE_BLUR, 40), FX_OK);
  }
  assert_int_equal(fx_resize(c, 5, 5), FX_EINVAL);
  assert_int_equal(fx_width(c), 130);
  /* The same size again: buffers kept (no allocation), the mask dropped. */
  const uint8_t *before = fx_out(c);
  assert_int_equal(fx_update_mask(c, o, 16, 12, 0, 0), FX_OK);
  assert_int_equal(fx_resize(c, 130, 2), FX_OK);
  assert_ptr_equal(fx_out(c), before);
  assert_null(fx_mask(c, NULL, NULL));
  free(o);
  fx_destroy(c);
}

static void test_kernel_set(void **state) {
  (void)state;
  assert_string_equal(fx_kernels(), "scalar");
  fx_use_scalar(1);
  assert_string_equal(fx_kernels(), "scalar");
  fx_use_scalar(0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_color_pure),
      cmocka_unit_test(test_resize_constant),
      cmocka_unit_test(test_resize_gradient),
      cmocka_unit_test(test_mask_decode),
      cmocka_unit_test(test_temporal),
      cmocka_unit_test(test_guided_snap),
      cmocka_unit_test(test_blur_constant),
      cmocka_unit_test(test_blur_checker),
      cmocka_unit_test(test_mask_full_is_identity),
      cmocka_unit_test(test_image_replaces),
      cmocka_unit_test(test_no_halo),
      cmocka_unit_test(test_light_wrap),
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_bad_args),
      cmocka_unit_test(test_resize),
      cmocka_unit_test(test_kernel_set),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
