/* fx face: crop geometry, tracking decisions, One Euro smoothing (still-face shimmer and
 * moving-face lag measured), the touch-up mask and smoothing, low light and the filter
 * overlay, on synthetic frames and a synthetic mesh (face_synth.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "face_synth.h"
#include "fx.h"
#include "fx_face.h"

enum { W = 640, H = 360, MW = 192 };

static uint32_t rng = 12345;
static float urand(void) { /* xorshift32, 0..1 */
  rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
  return (float)(rng >> 8) / 16777216.0f;
}
static float nrand(void) {
  float s = 0;
  for (int i = 0; i < 12; i++) s += urand();
  return s - 6.0f;
}

/* Model output that projects through r onto pts (the inverse of fx_face_project). */
static void unproject(const float *pts, const fx_face_rect *r, float *raw) {
  float c = cosf(r->rot), s = sinf(r->rot);
  for (int i = 0; i < FX_FACE_POINTS; i++) {
    float x = pts[3 * i] - r->xc, y = pts[3 * i + 1] - r->yc;
    raw[3 * i] = ((c * x + s * y) / r->size + 0.5f) * MW;
    raw[3 * i + 1] = ((-s * x + c * y) / r->size + 0.5f) * MW;
    raw[3 * i + 2] = 0;
  }
}

static void geometry(void **state) {
  (void)state;
  float d[9] = {0.9f, 100, 50, 80, 100, 120, 90, 160, 90};
  fx_face_rect r;
  fx_face_rect_from_detection(d, &r);
  assert_float_equal(r.xc, 140, 1e-4);
  assert_float_equal(r.yc, 100, 1e-4);
  assert_float_equal(r.size, 150, 1e-4);
  assert_float_equal(r.rot, 0, 1e-6);
  d[8] = 130; /* left eye lower: the face tilts clockwise */
  fx_face_rect_from_detection(d, &r);
  assert_float_equal(r.rot, atanf(1.0f), 1e-5);

  static float pts[FX_FACE_POINTS * 3];
  synth_mesh(pts, 300, 180, 200, 0.4f);
  fx_face_rect_from_mesh(pts, FX_FACE_POINTS, &r);
  assert_float_equal(r.rot, 0.4f, 1e-3);
  assert_true(r.size > 1.5f * 200 * 0.99f && r.size < 1.5f * 200 * 1.4f);
}

/* A bright dot in the frame, cropped through a rotated square, found again by projecting the
 * crop's brightest pixel back: within 1.5 px. */
static void crop_and_project(void **state) {
  (void)state;
  fx_ctx *c = NULL;
  assert_int_equal(fx_create(&c, W, H), FX_OK);
  uint8_t *f = fx_frame(c);
  memset(f, 16, (size_t)W * H);
  memset(f + (size_t)W * H, 128, (size_t)W * H / 2);
  for (int y = 200; y < 204; y++)
    for (int x = 350; x < 354; x++) f[y * W + x] = 235;
  fx_face_rect r = {330, 190, 120, 0.5f};
  static float in[MW * MW * 3];
  assert_int_equal(fx_face_crop_input(c, &r, in, MW, MW, 0, 1), FX_OK);
  int best = 0;
  for (int i = 1; i < MW * MW; i++)
    if (in[3 * i] > in[3 * best]) best = i;
  float raw[3] = {(float)(best % MW) + 0.5f, (float)(best / MW) + 0.5f, 0}, out[3];
  fx_face_project(raw, 1, MW, MW, &r, out);
  assert_true(fabsf(out[0] - 352) < 1.5f && fabsf(out[1] - 202) < 1.5f);
  /* Outside the frame the crop is black; bad rectangles are refused. */
  fx_face_rect off = {10, 10, 200, 0};
  assert_int_equal(fx_face_crop_input(c, &off, in, MW, MW, -1, 1), FX_OK);
  assert_float_equal(in[0], -1.0f, 1e-6);
  fx_face_rect bad = {NAN, 0, 100, 0};
  assert_int_equal(fx_face_crop_input(c, &bad, in, MW, MW, 0, 1), FX_EINVAL);
  bad = (fx_face_rect){10, 10, 0, 0};
  assert_int_equal(fx_face_crop_input(c, &bad, in, MW, MW, 0, 1), FX_EINVAL);
  assert_int_equal(fx_face_detect_input(c, in, 128, 128, -1, 1), FX_OK);
  fx_destroy(c);
}

/* One frame of the tracker with the face at pts (presence logit lg); det != NULL runs detection. */
static int step(fx_face *f, const float *pts, float lg, double t, int *detected) {
  *detected = fx_face_begin(f);
  if (*detected) {
    float side = W; /* letterbox square of the 640 × 360 frame */
    float d[9] = {0.95f, (pts[3 * 234] - 0) / side, (pts[3 * 10 + 1] + 140) / side,
                  (pts[3 * 454] - pts[3 * 234]) / side, (pts[3 * 152 + 1] - pts[3 * 10 + 1]) / side,
                  pts[3 * 33] / side, (pts[3 * 33 + 1] + 140) / side, pts[3 * 263] / side,
                  (pts[3 * 263 + 1] + 140) / side};
    assert_int_equal(fx_face_detections(f, d, 1), FX_OK);
  }
  static float raw[FX_FACE_POINTS * 3];
  for (int i = 0; i < fx_face_roi_count(f); i++) {
    fx_face_rect r;
    assert_int_equal(fx_face_roi(f, i, &r), FX_OK);
    unproject(pts, &r, raw);
    assert_int_equal(fx_face_landmarks(f, i, raw, MW, MW, lg), FX_OK);
  }
  return fx_face_end(f, t);
}

static void tracking(void **state) {
  (void)state;
  fx_face *f = NULL;
  assert_int_equal(fx_face_create(&f, W, H), FX_OK);
  static float pts[FX_FACE_POINTS * 3];
  int det, ndet = 0;
  for (int n = 0; n < 90; n++) { /* moving and turning across the frame */
    synth_mesh(pts, 200 + 3.0f * n, 180 + 20 * sinf(n * 0.1f), 150, 0.3f * sinf(n * 0.07f));
    assert_int_equal(step(f, pts, 6.0f, n * 33.3, &det), 1);
    ndet += det;
    /* The crop follows the mesh: its centre stays near the face's. */
    fx_face_rect r;
    fx_face_roi(f, 0, &r);
    assert_true(fabsf(r.xc - pts[3 * 168]) < 40 && fabsf(r.yc - pts[3 * 168 + 1]) < 60);
  }
  fx_face_stats s;
  fx_face_get_stats(f, &s);
  /* Detections: the first frame, then one per 30 frames. */
  assert_int_equal(ndet, 3);
  assert_int_equal(s.detections, 3);
  assert_int_equal(s.redetections, 2);
  assert_int_equal(s.tracked_frames, 87);
  /* Presence drops: the face is dropped and the next frame detects again. */
  assert_int_equal(step(f, pts, -6.0f, 91 * 33.3, &det), 0);
  assert_int_equal(fx_face_begin(f), 1);
  fx_face_end(f, 92 * 33.3);
  /* A model output far outside the frame is no face. */
  {
    fx_face_reset(f);
    synth_mesh(pts, 300, 180, 150, 0);
    assert_int_equal(step(f, pts, 6.0f, 0, &det), 1);
    static float wild[FX_FACE_POINTS * 3];
    for (int i = 0; i < FX_FACE_POINTS * 3; i++) wild[i] = 1e30f;
    fx_face_begin(f);
    assert_int_equal(fx_face_landmarks(f, 0, wild, MW, MW, 6.0f), FX_OK);
    assert_int_equal(fx_face_end(f, 33.3), 0);
  }
  /* Several faces: two detections far apart make two tracks, a duplicate none. */
  fx_face_reset(f);
  assert_int_equal(fx_face_begin(f), 1);
  float d[3 * 9] = {0.9f, 0.1f, 0.3f, 0.15f, 0.15f, 0.13f, 0.35f, 0.22f, 0.35f,
                    0.9f, 0.6f, 0.3f, 0.15f, 0.15f, 0.63f, 0.35f, 0.72f, 0.35f,
                    0.8f, 0.61f, 0.31f, 0.15f, 0.15f, 0.64f, 0.36f, 0.73f, 0.36f};
  assert_int_equal(fx_face_detections(f, d, 3), FX_OK);
  assert_int_equal(fx_face_roi_count(f), 2);
  float nan_det[9] = {NAN, 0, 0, 0, 0, 0, 0, 0, 0};
  assert_int_equal(fx_face_detections(f, nan_det, 1), FX_OK);
  assert_int_equal(fx_face_roi_count(f), 2);
  assert_int_equal(fx_face_detections(f, NULL, 1), FX_EINVAL);
  fx_face_params p;
  fx_face_get_params(f, &p);
  p.redetect_every = 0;
  assert_int_equal(fx_face_set_params(f, &p), FX_EINVAL);
  fx_face_destroy(f);
}

/* Landmark refinement: a face that moved and turned since the crop was made gets a crop from
 * its fresh mesh (centred, upright) and one second pass; a face that stayed does not. */
static void refinement(void **state) {
  (void)state;
  fx_face *f = NULL;
  assert_int_equal(fx_face_create(&f, W, H), FX_OK);
  static float pts[FX_FACE_POINTS * 3], raw[FX_FACE_POINTS * 3];
  int det;
  synth_mesh(pts, 300, 180, 150, 0);
  assert_int_equal(step(f, pts, 6.0f, 0, &det), 1);
  assert_int_equal(step(f, pts, 6.0f, 33.3, &det), 1);
  /* Still: the fresh mesh gives the crop the model saw. */
  fx_face_rect r0, r1;
  assert_int_equal(fx_face_begin(f), 0);
  fx_face_roi(f, 0, &r0);
  unproject(pts, &r0, raw);
  assert_int_equal(fx_face_landmarks(f, 0, raw, MW, MW, 6.0f), FX_OK);
  assert_int_equal(fx_face_refine_roi(f, 0, 0.03f), 0);
  assert_int_equal(fx_face_refine_roi(f, 0, 0.0f), 0);
  fx_face_end(f, 66.6);
  /* Moved by 30 px and turned by 0.25 rad: refined once, the crop on the new face. */
  synth_mesh(pts, 330, 190, 150, 0.25f);
  assert_int_equal(fx_face_begin(f), 0);
  fx_face_roi(f, 0, &r0);
  unproject(pts, &r0, raw);
  assert_int_equal(fx_face_landmarks(f, 0, raw, MW, MW, 6.0f), FX_OK);
  assert_int_equal(fx_face_refine_roi(f, 0, 0.08f), 1);
  fx_face_roi(f, 0, &r1);
  printf("refinement: crop (%.1f, %.1f, %.2f rad) → (%.1f, %.1f, %.2f rad)\n", r0.xc, r0.yc, r0.rot, r1.xc,
         r1.yc, r1.rot);
  assert_true(fabsf(r1.rot - 0.25f) < 0.01f && fabsf(r0.rot) < 0.05f);
  assert_true(hypotf(r1.xc - pts[3 * 168], r1.yc - pts[3 * 168 + 1]) < hypotf(r0.xc - pts[3 * 168], r0.yc - pts[3 * 168 + 1]));
  unproject(pts, &r1, raw);
  assert_int_equal(fx_face_landmarks(f, 0, raw, MW, MW, 6.0f), FX_OK);
  assert_int_equal(fx_face_refine_roi(f, 0, 0.08f), 0); /* converged */
  assert_int_equal(fx_face_end(f, 99.9), 1);
  fx_face_stats s;
  fx_face_get_stats(f, &s);
  assert_int_equal(s.refinements, 1);
  assert_int_equal(fx_face_refine_roi(f, 3, 0.08f), FX_EINVAL);
  fx_face_destroy(f);
}

/* One Euro on the mesh: a still face with model jitter (σ = 1 % of the face width per point)
 * and a face moving at 1 face width per second. Prints the figures docs/effects.md quotes. */
static void smoothing(void **state) {
  (void)state;
  fx_face *f = NULL;
  assert_int_equal(fx_face_create(&f, W, H), FX_OK);
  static float truth[FX_FACE_POINTS * 3], noisy[FX_FACE_POINTS * 3], prev[FX_FACE_POINTS * 3];
  const float fw = 150, sigma = 1.5f;
  double raw_jit = 0, out_jit = 0;
  int det;
  for (int n = 0; n < 120; n++) {
    synth_mesh(truth, 320, 180, fw, 0);
    for (int i = 0; i < FX_FACE_POINTS * 3; i++) noisy[i] = truth[i] + sigma * nrand();
    step(f, noisy, 6, n * 33.3, &det);
    const float *m = fx_face_mesh(f, 0);
    if (n >= 30) {
      for (int i = 0; i < FX_FACE_POINTS; i++) {
        out_jit += hypotf(m[3 * i] - prev[3 * i], m[3 * i + 1] - prev[3 * i + 1]);
        raw_jit += hypotf(noisy[3 * i] - truth[3 * i], noisy[3 * i + 1] - truth[3 * i + 1]) * 1.41421356f;
      }
    }
    memcpy(prev, m, sizeof prev);
  }
  double shimmer = out_jit / raw_jit; /* frame-to-frame motion of a still face, smoothed / raw */
  fx_face_reset(f);
  double lag = 0, raw_err = 0;
  int k = 0;
  for (int n = 0; n < 90; n++) {
    float cx = 120 + fw * (float)n / 30.0f; /* 1 face width per second */
    synth_mesh(truth, cx, 180, fw, 0);
    for (int i = 0; i < FX_FACE_POINTS * 3; i++) noisy[i] = truth[i] + sigma * nrand();
    step(f, noisy, 6, n * 33.3, &det);
    const float *m = fx_face_mesh(f, 0);
    if (n >= 30) {
      double sx = 0, rx = 0;
      for (int i = 0; i < FX_FACE_POINTS; i++) sx += m[3 * i] - truth[3 * i], rx += noisy[3 * i] - truth[3 * i];
      lag += fabs(sx / FX_FACE_POINTS), raw_err += fabs(rx / FX_FACE_POINTS);
      k++;
    }
  }
  lag /= k;
  raw_err /= k;
  /* Frames without the landmark model: the predicted mesh 100 ms on is nearer the face than
   * the last smoothed one. */
  {
    const float *m = fx_face_mesh(f, 0);
    double stale = 0, pred = 0;
    synth_mesh(truth, 120 + fw * 92.0f / 30.0f, 180, fw, 0); /* 3 frames after the last */
    for (int i = 0; i < FX_FACE_POINTS; i++) stale += fabsf(m[3 * i] - truth[3 * i]);
    assert_int_equal(fx_face_predict(f, 92 * 33.3), FX_OK);
    m = fx_face_mesh(f, 0);
    for (int i = 0; i < FX_FACE_POINTS; i++) pred += fabsf(m[3 * i] - truth[3 * i]);
    printf("face prediction 100 ms ahead at 1 face/s: %.2f px from the face (stale mesh %.2f px)\n",
           pred / FX_FACE_POINTS, stale / FX_FACE_POINTS);
    assert_true(pred < 0.4 * stale);
  }
  /* Tilting at 1 rad/s about the face's centre: the chin's error. */
  fx_face_reset(f);
  double tilt = 0;
  k = 0;
  for (int n = 0; n < 90; n++) {
    synth_mesh(truth, 320, 180, fw, -0.6f + (float)n / 30.0f * 0.4f);
    for (int i = 0; i < FX_FACE_POINTS * 3; i++) noisy[i] = truth[i] + sigma * nrand();
    step(f, noisy, 6, n * 33.3, &det);
    const float *m = fx_face_mesh(f, 0);
    if (n >= 30) tilt += hypotf(m[3 * 152] - truth[3 * 152], m[3 * 152 + 1] - truth[3 * 152 + 1]), k++;
  }
  tilt /= k;
  printf("face smoothing: still-face shimmer %.2f of raw (σ %.1f px on a %.0f px face); moving at "
         "1 face/s lag %.2f px = %.2f %% of the face width (raw %.2f px); tilting at 0.4 rad/s "
         "chin error %.2f px\n",
         shimmer, sigma, fw, lag, 100 * lag / fw, raw_err, tilt);
  assert_true(shimmer < 0.35);
  assert_true(lag < 0.03 * fw);
  assert_true(tilt < 0.03 * fw);
  fx_face_destroy(f);
}

/* A frame with noisy skin (σ 8 levels), and eye stripes (40 / 220) under the eyes' polygons. */
static void face_frame(fx_ctx *c, const float *pts) {
  uint8_t *o = (uint8_t *)fx_out(c);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) o[y * W + x] = (uint8_t)(140 + 8 * nrand());
  memset(o + W * H, 128, W * H / 2);
  for (int e = 0; e < 2; e++) {
    int ci = e ? 263 : 33, ce = e ? 362 : 133;
    float ex = 0.5f * (pts[3 * ci] + pts[3 * ce]), ey = 0.5f * (pts[3 * ci + 1] + pts[3 * ce + 1]);
    for (int y = (int)ey - 4; y < (int)ey + 4; y++)
      for (int x = (int)ex - 10; x < (int)ex + 10; x++) o[y * W + x] = (x / 2) & 1 ? 220 : 40;
  }
}

static double var_at(const uint8_t *Y, int x0, int y0, int n) {
  double s = 0, s2 = 0;
  for (int y = y0; y < y0 + n; y++)
    for (int x = x0; x < x0 + n; x++) s += Y[y * W + x], s2 += (double)Y[y * W + x] * Y[y * W + x];
  s /= n * n;
  return s2 / (n * n) - s * s;
}

static void touchup(void **state) {
  (void)state;
  fx_ctx *c = NULL;
  fx_face *f = NULL;
  assert_int_equal(fx_create(&c, W, H), FX_OK);
  assert_int_equal(fx_face_create(&f, W, H), FX_OK);
  static float pts[FX_FACE_POINTS * 3];
  synth_mesh(pts, 320, 170, 220, 0.15f);
  assert_int_equal(fx_face_set_mesh(f, pts), FX_OK);
  face_frame(c, pts);
  static uint8_t before[W * H];
  memcpy(before, fx_out(c), sizeof before);
  /* Cheek: between the eye and the jaw on the right side; eye: the stripes. */
  int chx = (int)(0.5f * (pts[3 * 234] + pts[3 * 168])) - 6, chy = (int)(pts[3 * 168 + 1] + 0.2f * 220) - 6;
  int ex = (int)(0.5f * (pts[3 * 33] + pts[3 * 133])) - 4, ey = (int)(0.5f * (pts[3 * 33 + 1] + pts[3 * 133 + 1])) - 3;
  double vc0 = var_at(before, chx, chy, 12), ve0 = var_at(before, ex, ey, 6);
  assert_int_equal(fx_face_touchup(c, f, 80), FX_OK);
  const uint8_t *Y = fx_out(c), *m = fx_face_skin_mask(f);
  assert_non_null(m);
  double vc1 = var_at(Y, chx, chy, 12), ve1 = var_at(Y, ex, ey, 6);
  printf("touch-up: cheek variance %.1f → %.1f, eye %.1f → %.1f\n", vc0, vc1, ve0, ve1);
  assert_true(vc1 < 0.4 * vc0);
  assert_true(ve1 > 0.9 * ve0);
  /* Mask: skin inside, eyes, lips and the outside kept. */
  assert_int_equal(m[(chy + 6) * W + chx + 6], 255);
  assert_true(m[(int)pts[3 * 159 + 1] * W + (int)pts[3 * 159]] < 128);
  assert_true(m[(int)pts[3 * 0 + 1] * W + (int)pts[3 * 0]] < 128);
  assert_int_equal(m[10 * W + 10], 0);
  assert_memory_equal(Y, before, W * 20); /* rows above the face are untouched */
  fx_face_destroy(f);
  fx_destroy(c);
}

static void lowlight(void **state) {
  (void)state;
  fx_ctx *c = NULL;
  fx_face *f = NULL;
  assert_int_equal(fx_create(&c, W, H), FX_OK);
  assert_int_equal(fx_face_create(&f, W, H), FX_OK);
  fx_set_color(c, FX_MATRIX_BT601, 0);
  static float pts[FX_FACE_POINTS * 3];
  synth_mesh(pts, 320, 180, 160, 0);
  assert_int_equal(fx_face_set_mesh(f, pts), FX_OK);
  uint8_t *o = (uint8_t *)fx_out(c);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float dx = (x - 320) / 110.0f, dy = (y - 190) / 130.0f;
      int face = dx * dx + dy * dy < 1;
      o[y * W + x] = (uint8_t)(face ? (x < 320 ? 40 : 60) : 50); /* a dim face lit from its left */
    }
  for (int x = 0; x < 40; x++) o[5 * W + x] = 230; /* a highlight in the background */
  memset(o + W * H, 140, W * H / 2);
  assert_int_equal(fx_face_lowlight(c, f, 100), FX_OK);
  int dark = o[190 * W + 280], lit = o[190 * W + 360], bg = o[20 * W + 600];
  printf("low light: face 40 → %d and 60 → %d, background 50 → %d, highlight 230 → %d\n", dark, lit,
         bg, o[5 * W + 10]);
  assert_true(dark - 40 > 2 * (bg - 50));
  assert_true((dark - 16) * 44 > (lit - 16) * 24 * 1.2); /* the sides' ratio evens out (24 : 44 before) */
  assert_true(bg >= 50);
  assert_true(o[5 * W + 10] >= 230 && o[5 * W + 10] <= 235); /* no blow-out */
  assert_true(o[W * H + 95 * (W / 2) + 160] >= 140);         /* chroma kept or raised */
  fx_face_destroy(f);
  fx_destroy(c);
}

static void overlay(void **state) {
  (void)state;
  fx_ctx *c = NULL;
  fx_face *f = NULL;
  assert_int_equal(fx_create(&c, W, H), FX_OK);
  assert_int_equal(fx_face_create(&f, W, H), FX_OK);
  static float pts[FX_FACE_POINTS * 3];
  synth_mesh(pts, 300, 180, 180, -0.3f);
  assert_int_equal(fx_face_set_mesh(f, pts), FX_OK);
  float u, v;
  assert_int_equal(fx_face_tex_at(f, 0, pts[3 * 168], pts[3 * 168 + 1] + 0.01f, &u, &v), 1);
  assert_true(fabsf(u) < 0.02f && fabsf(v) < 0.02f);
  assert_int_equal(fx_face_tex_at(f, 0, pts[3 * 152] - 0.01f, pts[3 * 152 + 1] - 0.5f, &u, &v), 1);
  assert_true(fabsf(u) < 0.03f && fabsf(v - 1) < 0.03f);
  /* A red square over u, v ∈ [−0.5, 0.5]. */
  static uint8_t spr[32 * 32 * 4];
  for (int i = 0; i < 32 * 32; i++) spr[4 * i] = 255, spr[4 * i + 1] = 0, spr[4 * i + 2] = 0, spr[4 * i + 3] = 255;
  assert_int_equal(fx_face_set_sprite(c, f, spr, 32, 32, -0.5f, -0.5f, 0.5f, 0.5f), FX_OK);
  assert_int_equal(fx_face_set_sprite(c, f, spr, 32, 32, 0.5f, 0, 0.5f, 1), FX_EINVAL);
  uint8_t *o = (uint8_t *)fx_out(c);
  memset(o, 100, (size_t)W * H);
  memset(o + W * H, 128, (size_t)W * H / 2);
  assert_int_equal(fx_face_overlay(c, f), FX_OK);
  const uint8_t *V = o + W * H + (W / 2) * (H / 2);
  int x = (int)pts[3 * 168], y = (int)pts[3 * 168 + 1];
  assert_true(V[(y / 2) * (W / 2) + x / 2] > 200); /* red: V high */
  assert_int_equal(o[5 * W + 5], 100);
  assert_int_equal(V[2 * (W / 2) + 2], 128);
  /* Every pixel inside u, v ∈ [−0.4, 0.4] is red, none outside u, v ∈ [−0.6, 0.6]. */
  int bad = 0;
  for (int yy = 0; yy < H; yy += 3)
    for (int xx = 0; xx < W; xx += 3) {
      if (!fx_face_tex_at(f, 0, xx + 0.5f, yy + 0.5f, &u, &v)) continue;
      int red = V[(yy / 2) * (W / 2) + xx / 2] > 200;
      if (fabsf(u) < 0.4f && fabsf(v) < 0.4f && !red) bad++;
      if ((fabsf(u) > 0.6f || fabsf(v) > 0.6f) && red) bad++;
    }
  assert_int_equal(bad, 0);
  assert_int_equal(fx_face_set_sprite(c, f, NULL, 0, 0, 0, 0, 0, 0), FX_OK);
  fx_face_destroy(f);
  fx_destroy(c);
}


/* The pieces the WebGL2 back end draws with: the skin mask built from fx_frame equals the one
 * fx_face_touchup builds from fx_out on the same picture; the low-light grid lifts the dim
 * face (γ < 1, chroma gain ≥ 1) more than the background; the lattice's inner points are the
 * mesh points fx_face_overlay maps through. */
static void gl_pieces(void **state) {
  (void)state;
  fx_ctx *c = NULL;
  fx_face *f = NULL;
  assert_int_equal(fx_create(&c, W, H), FX_OK);
  assert_int_equal(fx_face_create(&f, W, H), FX_OK);
  static float pts[FX_FACE_POINTS * 3];
  synth_mesh(pts, 320, 170, 220, 0.15f);
  assert_int_equal(fx_face_set_mesh(f, pts), FX_OK);
  face_frame(c, pts);
  memcpy(fx_frame(c), fx_out(c), (size_t)W * H * 3 / 2);
  float width = 0;
  assert_int_equal(fx_face_skin_frame(c, f, &width), 1);
  assert_true(width > 200 && width < 240);
  static uint8_t m1[W * H];
  memcpy(m1, fx_face_skin_mask(f), sizeof m1);
  assert_int_equal(fx_face_touchup(c, f, 80), FX_OK);
  assert_memory_equal(m1, fx_face_skin_mask(f), sizeof m1);

  /* A dim face (40) on a brighter background (90). */
  uint8_t *fr = (uint8_t *)fx_frame(c);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float dx = (x - 320) / 110.0f, dy = (y - 190) / 130.0f;
      fr[y * W + x] = (uint8_t)(dx * dx + dy * dy < 1 ? 40 : 90);
    }
  int gw = (W + 15) / 16, gh = (H + 15) / 16;
  static uint8_t grid[2 * ((W + 15) / 16) * ((H + 15) / 16)];
  assert_int_equal(fx_face_lowlight_grid(c, f, 100, grid), FX_OK);
  int face = 2 * ((190 / 16) * gw + 320 / 16), corner = 0;
  printf("low-light grid: face γ %.2f gain %.2f, corner γ %.2f\n", 0.4 + 0.6 * grid[face] / 255.0,
         1 + 0.4 * grid[face + 1] / 255.0, 0.4 + 0.6 * grid[corner] / 255.0);
  assert_true(grid[face] < 200);          /* γ < 0.87: lifted */
  assert_true(grid[face] < grid[corner]); /* more than the background */
  assert_true(grid[face + 1] > 0);
  assert_int_equal(fx_face_lowlight_grid(c, f, 0, grid), FX_OK);
  assert_int_equal(grid[2 * (gw * gh - 1)], 255); /* strength 0: γ = 1 everywhere */

  float lat[98];
  assert_int_equal(fx_face_lattice(f, 0, lat), FX_OK);
  assert_true(fabsf(lat[2 * (7 * 3 + 3)] - pts[3 * 168]) < 1e-4f);
  assert_true(fabsf(lat[2 * (7 * 4 + 3) + 1] - pts[3 * 152 + 1]) < 1e-4f);
  assert_true(fabsf(lat[2 * (7 * 2 + 4)] - pts[3 * 332]) < 1e-4f);
  assert_int_equal(fx_face_lattice(f, 1, lat), FX_EINVAL);
  fx_face_destroy(f);
  fx_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(geometry),  cmocka_unit_test(crop_and_project), cmocka_unit_test(tracking),
      cmocka_unit_test(smoothing), cmocka_unit_test(touchup),          cmocka_unit_test(lowlight),
      cmocka_unit_test(overlay),   cmocka_unit_test(gl_pieces),        cmocka_unit_test(refinement),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
