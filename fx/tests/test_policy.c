/* fx_policy against synthetic traces: hand-made samples with exact costs, so each threshold
 * and window rule is held to its number (test_policy_traces.c replays recorded-looking traces
 * from a simulated device). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fx_policy.h"

#define N FX_POLICY_DOWN_FRAMES
#define K FX_POLICY_MAX_SWITCHES_PER_MIN
#define FPS 30.0
#define T_MS (1000.0 / FPS)

static int feed_exact(fx_policy *p, fx_decision *d, double *t, int n, double dt, int dropped,
                      const double infer[3], double composite);

/* ---- tests ---- */

static void test_config_and_first_decision(void **state) {
  (void)state;
  fx_policy *p = (fx_policy *)1;
  const fx_policy_config bad[] = {
      {0, FX_TIER_LARGE, FX_POLICY_AUTO},
      {-30, FX_TIER_LARGE, FX_POLICY_AUTO},
      {NAN, FX_TIER_LARGE, FX_POLICY_AUTO},
      {INFINITY, FX_TIER_LARGE, FX_POLICY_AUTO},
      {241, FX_TIER_LARGE, FX_POLICY_AUTO},
      {30, 3, FX_POLICY_AUTO},
      {30, FX_TIER_PAUSED, FX_POLICY_AUTO},
      {30, FX_TIER_LARGE, FX_TIER_PAUSED},
      {30, FX_TIER_LARGE, 3},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(fx_policy_create(&p, &bad[i]), -1);
    assert_null(p);
  }
  fx_policy_config ok = {30, FX_TIER_LARGE, FX_POLICY_AUTO};
  assert_int_equal(fx_policy_create(&p, NULL), -1);
  assert_int_equal(fx_policy_create(NULL, &ok), -1);

  fx_decision d;
  assert_int_equal(fx_policy_create(&p, &ok), 0);
  fx_policy_current(p, &d);
  assert_int_equal(d.tier, FX_TIER_SMALL);
  assert_int_equal(d.infer_every, 1);
  assert_int_equal(d.changed, 1);
  assert_int_equal(d.from, FX_TIER_NONE);
  assert_int_equal(d.reason, FX_REASON_START);
  fx_policy_current(p, &d); /* reported once */
  assert_int_equal(d.changed, 0);
  assert_int_equal(d.from, FX_TIER_SMALL);
  assert_int_equal(d.reason, FX_REASON_NONE);
  fx_frame_sample first = {.t_ms = 0, .total_ms = 10, .infer_ms = 5, .composite_ms = 3};
  fx_policy_frame(p, &first, &d); /* not again by the first frame */
  assert_int_equal(d.changed, 0);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(fx_policy_configure(p, &bad[i]), -1);
  fx_policy_current(p, &d);
  assert_int_equal(d.changed, 0);
  assert_int_equal(fx_policy_switches(p), 0);
  fx_policy_destroy(p);

  /* Pinned: the first frame reports the pin. */
  fx_policy_config pin = {30, FX_TIER_LARGE, FX_TIER_MEDIUM};
  assert_int_equal(fx_policy_create(&p, &pin), 0);
  fx_frame_sample fs = {.t_ms = 1000, .total_ms = 10, .infer_ms = 5, .composite_ms = 3};
  fx_policy_frame(p, &fs, &d);
  assert_int_equal(d.tier, FX_TIER_MEDIUM);
  assert_int_equal(d.changed, 1);
  assert_int_equal(d.from, FX_TIER_NONE);
  assert_int_equal(d.reason, FX_REASON_PINNED);
  fs.t_ms += T_MS;
  fx_policy_frame(p, &fs, &d);
  assert_int_equal(d.changed, 0);
  fx_policy_destroy(p);
  fx_policy_destroy(NULL);

  /* A pin above max_tier is taken (the client pins before the model has loaded); max_tier
   * bounds the automatic climb only: unpinning above it steps down (FX_REASON_CONFIG). */
  fx_policy_config early = {30, FX_TIER_SMALL, FX_TIER_LARGE};
  assert_int_equal(fx_policy_create(&p, &early), 0);
  fx_policy_current(p, &d);
  assert_int_equal(d.tier, FX_TIER_LARGE);
  assert_int_equal(d.reason, FX_REASON_PINNED);
  assert_int_equal(fx_policy_configure(p, &early), 0);
  early.pinned = FX_POLICY_AUTO;
  assert_int_equal(fx_policy_configure(p, &early), 0);
  fx_policy_frame(p, &fs, &d);
  assert_int_equal(d.changed, 1);
  assert_int_equal(d.from, FX_TIER_LARGE);
  assert_int_equal(d.tier, FX_TIER_SMALL);
  assert_int_equal(d.reason, FX_REASON_CONFIG);
  fx_policy_destroy(p);
}

/* A change made by the encoder or by configure is in force at once (fx_policy_current shows
 * it, with changed 0) and reported once, by the next frame. */
static void test_reporting(void **state) {
  (void)state;
  static const double infer[3] = {3, 5, 9};
  fx_policy *p;
  fx_policy_config cfg = {30, FX_TIER_LARGE, FX_POLICY_AUTO};
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_decision d;
  double t = 0;
  /* No fx_policy_current first: the first frame reports the start. */
  fx_frame_sample fs = {.t_ms = t, .total_ms = 8, .infer_ms = 3, .composite_ms = 4};
  fx_policy_frame(p, &fs, &d);
  assert_int_equal(d.changed, 1);
  assert_int_equal(d.from, FX_TIER_NONE);
  assert_int_equal(d.reason, FX_REASON_START);
  t += T_MS;
  assert_true(feed_exact(p, &d, &t, 1000, T_MS, 0, infer, 4) > 0);
  assert_int_equal(d.tier, FX_TIER_MEDIUM);
  assert_int_equal(d.reason, FX_REASON_HEADROOM);

  fx_policy_encoder(p, FX_QL_CPU, 10);
  for (int i = 0; i < 3; i++) {
    fx_policy_current(p, &d);
    assert_int_equal(d.tier, FX_TIER_SMALL);
    assert_int_equal(d.changed, 0);
  }
  fs.t_ms = t;
  fx_policy_frame(p, &fs, &d);
  assert_int_equal(d.changed, 1);
  assert_int_equal(d.from, FX_TIER_MEDIUM);
  assert_int_equal(d.tier, FX_TIER_SMALL);
  assert_int_equal(d.reason, FX_REASON_ENCODER);
  fs.t_ms += T_MS;
  fx_policy_frame(p, &fs, &d);
  assert_int_equal(d.changed, 0);

  cfg.pinned = FX_TIER_LARGE;
  assert_int_equal(fx_policy_configure(p, &cfg), 0);
  fx_policy_current(p, &d);
  assert_int_equal(d.tier, FX_TIER_LARGE);
  assert_int_equal(d.changed, 0);
  fs.t_ms += T_MS;
  fx_policy_frame(p, &fs, &d);
  assert_int_equal(d.changed, 1);
  assert_int_equal(d.from, FX_TIER_SMALL);
  assert_int_equal(d.reason, FX_REASON_PINNED);
  assert_int_equal(fx_policy_switches(p), 3);
  fx_policy_destroy(p);
}

/* Garbage in the samples (NaN, negative, clock going backwards) neither crashes nor moves. */
static void test_bad_samples(void **state) {
  (void)state;
  fx_policy *p;
  fx_policy_config cfg = {30, FX_TIER_LARGE, FX_TIER_SMALL};
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_decision d;
  fx_policy_current(p, &d);
  double t = 0;
  for (int i = 0; i < 3000; i++) {
    fx_frame_sample fs = {.t_ms = t, .total_ms = 8, .infer_ms = 4, .composite_ms = 3};
    switch (i % 7) {
      case 1:
        fs.t_ms = NAN;
        break;
      case 2:
        fs.total_ms = -5;
        fs.infer_ms = NAN;
        break;
      case 3:
        fs.t_ms = t - 500;
        break; /* backwards */
      case 4:
        fs.dropped = -3;
        fs.composite_ms = INFINITY;
        break;
      default:
        break;
    }
    fx_policy_frame(p, &fs, &d);
    assert_int_equal(d.tier, FX_TIER_SMALL);
    assert_int_equal(d.infer_every, 1);
    assert_int_equal(d.changed, 0);
    fx_policy_encoder(p, i % 11 == 0 ? 99 : FX_QL_NONE, i % 13 == 0 ? NAN : 3);
    t += T_MS;
  }
  fx_policy_destroy(p);
}

/* Synthetic frames with exact costs that follow the decision: infer[tier] on inference
 * frames, composite + 1 ms on every frame; dt apart, `dropped` before each. Returns the frame
 * count at the first decision that changes tier or infer_every (0: none in n frames). */
static int feed_exact(fx_policy *p, fx_decision *d, double *t, int n, double dt, int dropped,
                      const double infer[3], double composite) {
  int phase = 0;
  for (int i = 1; i <= n; i++) {
    fx_frame_sample fs = {.t_ms = *t, .composite_ms = composite, .dropped = dropped};
    if (d->tier != FX_TIER_PAUSED && phase++ % d->infer_every == 0) fs.infer_ms = infer[d->tier];
    fs.total_ms = fs.infer_ms + composite + 1;
    *t += dt;
    fx_decision nd;
    fx_policy_frame(p, &fs, &nd);
    int moved = nd.tier != d->tier || nd.infer_every != d->infer_every;
    *d = nd;
    if (moved) return i;
  }
  return 0;
}

/* The thresholds, exactly: window cost 0.86 × budget holds, 0.90 × budget steps down; the
 * next tier predicted at 0.68 × budget climbs, at 0.72 × budget does not. */
static void test_thresholds(void **state) {
  (void)state;
  const double budget = 1000.0 / 30, cost_ok = 0.86 * budget, cost_miss = 0.90 * budget;
  for (int miss = 0; miss < 2; miss++) {
    fx_policy *p;
    fx_policy_config cfg = {30, FX_TIER_SMALL, FX_POLICY_AUTO};
    assert_int_equal(fx_policy_create(&p, &cfg), 0);
    fx_decision d;
    fx_policy_current(p, &d);
    double t = 0, c = miss ? cost_miss : cost_ok;
    const double infer[3] = {c - 5, 0, 0};
    int n = feed_exact(p, &d, &t, 3000, T_MS, 0, infer, 4);
    if (miss) {
      assert_in_range(n, 1, N);
      assert_int_equal(d.infer_every, 2);
    } else {
      assert_int_equal(n, 0);
    }
    fx_policy_destroy(p);
  }
  /* Prediction for medium: small's inference × 2.0 + the rest (5 ms). */
  const double pred[2] = {0.68 * budget, 0.72 * budget};
  for (int k = 0; k < 2; k++) {
    fx_policy *p;
    fx_policy_config cfg = {30, FX_TIER_MEDIUM, FX_POLICY_AUTO};
    assert_int_equal(fx_policy_create(&p, &cfg), 0);
    fx_decision d;
    fx_policy_current(p, &d);
    double t = 0;
    const double infer[3] = {(pred[k] - 5) / 2, 5, 0};
    int n = feed_exact(p, &d, &t, 3000, T_MS, 0, infer, 4);
    if (k == 0) {
      /* FX_POLICY_MIN_FRAMES after the warm-up, then FX_POLICY_HEADROOM_MS of headroom. */
      int expect = FX_POLICY_WARM_FRAMES + FX_POLICY_MIN_FRAMES - 1 +
                   (int)ceil(FX_POLICY_HEADROOM_MS / T_MS - 1e-9);
      assert_in_range(n, expect, expect + 1);
      assert_int_equal(d.tier, FX_TIER_MEDIUM);
    } else {
      assert_int_equal(n, 0);
    }
    fx_policy_destroy(p);
  }
}

/* The output rate: frames dropped and the rate below FX_POLICY_RATE_FRAC × target steps down
 * though each frame is cheap (the CPU goes elsewhere); a camera that delivers fewer frames
 * than the target, dropping none, is not the effect's fault and moves nothing down. */
static void test_frame_rate(void **state) {
  (void)state;
  static const double infer[3] = {3, 5, 9};
  fx_policy *p;
  fx_policy_config cfg = {30, FX_TIER_LARGE, FX_POLICY_AUTO};
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_decision d;
  fx_policy_current(p, &d);
  double t = 0;
  /* Every other camera frame dropped: 15 fps out of 30. */
  int n = feed_exact(p, &d, &t, 1000, 2 * T_MS, 1, infer, 4);
  assert_in_range(n, 1, N);
  assert_int_equal(d.tier, FX_TIER_SMALL);
  assert_int_equal(d.infer_every, 2);
  assert_in_range(feed_exact(p, &d, &t, 1000, 2 * T_MS, 1, infer, 4), 1, N);
  assert_int_equal(d.infer_every, 3);
  assert_in_range(feed_exact(p, &d, &t, 1000, 2 * T_MS, 1, infer, 4), 1, N);
  assert_int_equal(d.tier, FX_TIER_PAUSED);
  assert_int_equal(d.reason, FX_REASON_PAUSED);
  fx_policy_destroy(p);

  /* The rate line, exactly: drops on every frame and intervals for 0.83 × target steps
   * down within N frames; for 0.87 × target it holds. */
  for (int k = 0; k < 2; k++) {
    fx_policy_config small_only = {30, FX_TIER_SMALL, FX_POLICY_AUTO};
    assert_int_equal(fx_policy_create(&p, &small_only), 0);
    fx_policy_current(p, &d);
    t = 0;
    double dt = 1000.0 / (30 * (k ? 0.87 : 0.83));
    n = feed_exact(p, &d, &t, 3000, dt, 1, infer, 4);
    if (k == 0) {
      assert_in_range(n, 1, N);
      assert_int_equal(d.infer_every, 2);
    } else {
      assert_int_equal(n, 0);
    }
    fx_policy_destroy(p);
  }

  /* One frame in 8 dropped (26 fps, above 0.85 × 30): the rate holds, the effect climbs. */
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_policy_current(p, &d);
  t = 0;
  for (int i = 0; i < 9000; i++) {
    fx_frame_sample fs = {.infer_ms = infer[d.tier], .composite_ms = 4, .dropped = i % 7 == 6};
    t += fs.dropped ? 2 * T_MS : T_MS;
    fs.t_ms = t;
    fs.total_ms = fs.infer_ms + 5;
    fx_policy_frame(p, &fs, &d);
    if (d.changed) assert_int_equal(d.reason, FX_REASON_HEADROOM);
    assert_int_equal(d.infer_every, 1);
  }
  assert_int_equal(d.tier, FX_TIER_LARGE);
  fx_policy_destroy(p);

  /* A 15 fps camera with target 30 and nothing dropped: it climbs, and never steps down. */
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_policy_current(p, &d);
  t = 0;
  assert_int_equal(feed_exact(p, &d, &t, 20, 2 * T_MS, 0, infer, 4), 0);
  for (int k = 0; k < 2; k++) {
    assert_true(feed_exact(p, &d, &t, 1000, 2 * T_MS, 0, infer, 4) > 0);
    assert_int_equal(d.reason, FX_REASON_HEADROOM);
  }
  assert_int_equal(d.tier, FX_TIER_LARGE);
  assert_int_equal(feed_exact(p, &d, &t, 9000, 2 * T_MS, 0, infer, 4), 0);
  assert_int_equal(fx_policy_switches(p), 2);
  fx_policy_destroy(p);
}

/* At infer_every 2 or 3 the load is the average over the cycle: inference frames of 40 ms
 * and mask-reusing frames of 5 ms at every 2nd frame make 22.5 ms, which fits. */
static void test_frame_skipping_load(void **state) {
  (void)state;
  fx_policy *p;
  fx_policy_config cfg = {30, FX_TIER_LARGE, FX_TIER_SMALL};
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_decision d;
  fx_policy_current(p, &d);
  double t = 0;
  static const double infer[3] = {35, 0, 0};
  assert_in_range(feed_exact(p, &d, &t, 3000, T_MS, 0, infer, 4), 1, N);
  assert_int_equal(d.infer_every, 2);
  assert_int_equal(feed_exact(p, &d, &t, 9000, T_MS, 0, infer, 4), 0);
  /* Back to every frame only when the inference frame alone fits under the headroom line. */
  static const double faster[3] = {17, 0, 0};
  int n = feed_exact(p, &d, &t, 3000, T_MS, 0, faster, 4);
  /* The averaged prediction (about a second) first forgets the slow frames, then headroom
   * holds FX_POLICY_HEADROOM_MS (90 frames). */
  assert_in_range(n, 150, 200);
  assert_int_equal(d.infer_every, 1);
  assert_int_equal(fx_policy_switches(p), 0);
  fx_policy_destroy(p);

  /* Every 3rd frame: (81 + 5 + 5) / 3 = 30.3 ms misses (one inference frame in three must
   * weigh its third), so the effect pauses. */
  cfg.pinned = FX_POLICY_AUTO;
  cfg.max_tier = FX_TIER_SMALL;
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_policy_current(p, &d);
  static const double slow[3] = {76, 0, 0};
  for (int every = 2; every <= 4; every++) {
    assert_in_range(feed_exact(p, &d, &t, 3000, T_MS, 0, slow, 4), 1, N);
    assert_int_equal(d.infer_every, every < 4 ? every : 3);
  }
  assert_int_equal(d.tier, FX_TIER_PAUSED);
  fx_policy_destroy(p);
}

/* A one-frame hiccup by hand, at small with exact costs: a 200 ms frame, then 6 drops on
 * the next one: no switch, no infer_every change. */
static void test_hiccup_exact(void **state) {
  (void)state;
  fx_policy *p;
  fx_policy_config cfg = {30, FX_TIER_SMALL, FX_POLICY_AUTO};
  assert_int_equal(fx_policy_create(&p, &cfg), 0);
  fx_decision d;
  fx_policy_current(p, &d);
  double t = 0;
  for (int i = 0; i < 900; i++) {
    fx_frame_sample fs = {.t_ms = t, .total_ms = 25, .infer_ms = 17, .composite_ms = 6};
    if (i == 300) fs.total_ms = 200;
    if (i == 301) fs.dropped = 6, t += 6 * T_MS, fs.t_ms = t, fs.total_ms = 60;
    fx_policy_frame(p, &fs, &d);
    assert_int_equal(d.tier, FX_TIER_SMALL);
    assert_int_equal(d.infer_every, 1);
    assert_int_equal(d.changed, 0);
    t += T_MS;
  }
  fx_policy_destroy(p);
}

/* The face effects' detail per tier: larger tiers re-detect sooner, refine at smaller moves
 * and draw the filter finer; no detail for paused or unknown tiers. */
static void test_face_detail(void **state) {
  (void)state;
  fx_face_detail d[3];
  for (int t = FX_TIER_SMALL; t <= FX_TIER_LARGE; t++) assert_int_equal(fx_policy_face_detail(t, &d[t]), 0);
  assert_true(d[0].refine_shift == 0.0f);
  for (int t = 1; t < 3; t++) {
    assert_true(d[t].redetect_every < d[t - 1].redetect_every);
    assert_true(d[t].filter_px > d[t - 1].filter_px);
    assert_true(d[t].refine_shift > 0);
  }
  assert_true(d[2].refine_shift < d[1].refine_shift);
  fx_face_detail keep = d[0];
  assert_int_equal(fx_policy_face_detail(FX_TIER_PAUSED, &keep), -1);
  assert_int_equal(fx_policy_face_detail(3, &keep), -1);
  assert_int_equal(fx_policy_face_detail(0, NULL), -1);
  assert_int_equal(keep.redetect_every, d[0].redetect_every);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_and_first_decision),
      cmocka_unit_test(test_face_detail),
      cmocka_unit_test(test_reporting),
      cmocka_unit_test(test_bad_samples),
      cmocka_unit_test(test_thresholds),
      cmocka_unit_test(test_frame_rate),
      cmocka_unit_test(test_frame_skipping_load),
      cmocka_unit_test(test_hiccup_exact),
  };
  return cmocka_run_group_tests_name("fx_policy", tests, NULL, NULL);
}
