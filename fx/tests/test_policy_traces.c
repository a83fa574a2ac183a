/* fx_policy against recorded-looking traces: a simulated device with per-tier costs,
 * measurement noise, clock jitter, a worker that drops frames when it falls behind, a
 * slowdown that changes mid-call, thermal throttling and an encoder that reports CPU
 * limitation. Every random number comes from a seeded PRNG, so each trace, and each
 * expectation below, is exact and repeatable. FXP_TRACE=1 in the environment prints every
 * decision change. (test_policy.c holds the rules with exact synthetic samples.) */
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

/* ---- deterministic PRNG (splitmix64) ---- */

static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double rng_pm(uint64_t *s, double amp) { /* uniform in [-amp, amp] */
  return amp * (2.0 * (double)(rng_next(s) >> 11) / 9007199254740992.0 - 1.0);
}

/* ---- the simulated device ---- */

typedef struct device {
  double infer[3];      /* inference ms per tier at speed 1 */
  double composite;     /* input preparation + compositing, ms */
  double other;         /* copy in, hand-off, ms (seen only in total_ms) */
  double passthrough;   /* a paused frame, ms */
  double tier_extra[3]; /* hidden extra cost of running a tier (seen only in total_ms) */
  double slow;          /* slowdown factor on every cost */
  double warmup;        /* the first inference of a newly chosen tier costs this × more */
  double heat_after;    /* large throttles (its inference × heat_factor) once it has run */
  double heat_factor;   /* this long (ms) without a break; 0: never */
  double noise;         /* ± ms on every measurement */
  double jitter;        /* ± ms on every timestamp */
} device;

typedef struct event {
  double t;
  int frame;
  fx_decision d;
} event;

typedef struct sim sim;
/* The encoder's report at time t: returns FX_QL_*, sets *encode_ms. */
typedef int (*encoder_fn)(const sim *s, double t, double *encode_ms);

struct sim {
  fx_policy *p;
  device dev;
  uint64_t rng;
  long j;         /* next camera frame (arrives at j × T_MS) */
  double free_at; /* the worker is busy until then */
  int phase;      /* frames since the last inference */
  int fresh;      /* the tier was just chosen: its first inference is slow */
  double tier_t;  /* when the running tier was chosen */
  int frames;     /* frames processed */
  fx_decision d;  /* the decision the next frame follows */
  double stall;   /* extra ms of work on the next frame (a GC pause) */
  encoder_fn enc;
  double next_enc;
  event ev[4096]; /* every decision that changed tier or infer_every */
  int nev;
};

static const device fast_device = {.infer = {2, 4, 9},
                                   .composite = 3,
                                   .other = 1,
                                   .passthrough = 1,
                                   .slow = 1,
                                   .warmup = 4,
                                   .noise = 1,
                                   .jitter = 1};
/* This 2-core machine: medium fits, large does not. */
static const device laptop = {.infer = {6, 13, 34},
                              .composite = 5,
                              .other = 2,
                              .passthrough = 1,
                              .slow = 1,
                              .warmup = 4,
                              .noise = 1,
                              .jitter = 1};

static void sim_init(sim *s, const device *dev, int max_tier, int pinned, uint64_t seed) {
  memset(s, 0, sizeof *s);
  s->dev = *dev;
  s->rng = seed;
  fx_policy_config cfg = {.target_fps = FPS, .max_tier = max_tier, .pinned = pinned};
  assert_int_equal(fx_policy_create(&s->p, &cfg), 0);
  fx_policy_current(s->p, &s->d);
  assert_int_equal(s->d.changed, 1);
  s->ev[s->nev++] = (event){0, 0, s->d};
  s->next_enc = 1000;
  s->fresh = 1;
}

static void sim_free(sim *s) {
  fx_policy_destroy(s->p);
}

static void log_decision(sim *s, double t, const fx_decision *d) {
  const fx_decision *last = &s->ev[s->nev - 1].d;
  if (!d->changed && d->tier == last->tier && d->infer_every == last->infer_every) return;
  if (getenv("FXP_TRACE"))
    printf("  %9.3f s frame %6d: tier %d every %d changed %d from %d reason %d\n", t / 1000,
           s->frames, d->tier, d->infer_every, d->changed, d->from, d->reason);
  assert_true(s->nev < (int)(sizeof s->ev / sizeof s->ev[0]));
  s->ev[s->nev++] = (event){t, s->frames, *d};
}

/* One camera frame through the worker: frames that arrive while it is busy wait, and only
 * the newest waiting one is kept (the rest count as dropped). */
static void sim_frame(sim *s) {
  const device *dv = &s->dev;
  double start = s->j * T_MS > s->free_at ? s->j * T_MS : s->free_at;
  long newest = (long)floor((start + 1e-6) / T_MS);
  int dropped = 0;
  if (newest > s->j) {
    dropped = (int)(newest - s->j);
    s->j = newest;
  }
  double arrival = s->j * T_MS;
  const fx_decision *d = &s->d;
  double infer = 0, comp = 0, work;
  if (d->tier == FX_TIER_PAUSED) {
    work = dv->passthrough * dv->slow;
    s->phase = 0;
  } else {
    if (s->phase % d->infer_every == 0) {
      infer = dv->infer[d->tier] * dv->slow;
      if (s->fresh && dv->warmup > 0) infer *= dv->warmup;
      if (d->tier == FX_TIER_LARGE && dv->heat_after > 0 && arrival - s->tier_t > dv->heat_after)
        infer *= dv->heat_factor;
      s->fresh = 0;
    }
    s->phase = (s->phase + 1) % d->infer_every;
    comp = dv->composite * dv->slow;
    work = infer + comp + (dv->other + dv->tier_extra[d->tier]) * dv->slow;
  }
  work += s->stall;
  s->stall = 0;
  s->free_at = start + work;
  /* Each number is measured with its own error (coarse timers: the sum of the parts can
   * exceed the total). */
  double infer_m = infer > 0 ? fmax(0.1, infer + rng_pm(&s->rng, dv->noise)) : 0;
  double comp_m = comp > 0 ? fmax(0, comp + rng_pm(&s->rng, dv->noise)) : 0;
  fx_frame_sample fs = {.t_ms = arrival + rng_pm(&s->rng, dv->jitter),
                        .total_ms = fmax(0, s->free_at - arrival + rng_pm(&s->rng, dv->noise)),
                        .infer_ms = infer_m,
                        .composite_ms = comp_m,
                        .dropped = dropped};
  s->j++;
  s->frames++;
  if (s->enc && arrival >= s->next_enc) {
    double ems = 0;
    int ql = s->enc(s, arrival, &ems);
    fx_policy_encoder(s->p, ql, ems);
    s->next_enc += 1000;
  }
  fx_decision nd;
  fx_policy_frame(s->p, &fs, &nd);
  if (nd.tier != s->d.tier || nd.infer_every != s->d.infer_every) s->phase = 0;
  if (nd.tier != s->d.tier) {
    s->fresh = 1;
    s->tier_t = arrival;
  }
  log_decision(s, arrival, &nd);
  s->d = nd;
}

static double sim_now(const sim *s) {
  return s->j * T_MS;
}

static void sim_run_until(sim *s, double t_ms) {
  while (sim_now(s) < t_ms) sim_frame(s);
}

/* Frames until the decision differs from the current one (or max frames). */
static int sim_frames_to_change(sim *s, int max) {
  fx_decision d0 = s->d;
  for (int i = 1; i <= max; i++) {
    sim_frame(s);
    if (s->d.tier != d0.tier || s->d.infer_every != d0.infer_every) return i;
  }
  return max + 1;
}

/* ---- checks over the event log ---- */

static int tier_changes_between(const sim *s, double t0, double t1) {
  int c = 0;
  for (int i = 1; i < s->nev; i++)
    if (s->ev[i].d.changed && s->ev[i].t >= t0 && s->ev[i].t < t1) c++;
  return c;
}

static int max_changes_per_minute(const sim *s, double t0, double t1) {
  int worst = 0;
  for (int i = 1; i < s->nev; i++) {
    if (!s->ev[i].d.changed || s->ev[i].t < t0 || s->ev[i].t >= t1) continue;
    int c = tier_changes_between(s, s->ev[i].t, s->ev[i].t + 60000);
    if (c > worst) worst = c;
  }
  return worst;
}

/* The i-th tier change after time t0 (i from 0), or NULL. */
static const event *nth_change(const sim *s, double t0, int i) {
  for (int e = 1; e < s->nev; e++)
    if (s->ev[e].d.changed && s->ev[e].t >= t0 && i-- == 0) return &s->ev[e];
  return NULL;
}

static void assert_change(const event *e, int from, int tier, int reason) {
  assert_non_null(e);
  assert_int_equal(e->d.from, from);
  assert_int_equal(e->d.tier, tier);
  assert_int_equal(e->d.reason, reason);
}

/* ---- tests ---- */

/* Synthetic, noise-free: from large, every size of slowdown steps down within N frames, and
 * every further rung that still misses from its start is left within N frames too. */
static void test_down_within_n_frames(void **state) {
  (void)state;
  const double factors[] = {1.0, 1.25, 1.6, 2.5, 4, 8};
  for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++) {
    sim s;
    device dev = fast_device;
    dev.noise = dev.jitter = 0;
    sim_init(&s, &dev, FX_TIER_LARGE, FX_POLICY_AUTO, 1);
    sim_run_until(&s, 20000);
    assert_int_equal(s.d.tier, FX_TIER_LARGE);
    /* Large costs 13 ms at speed 1; this puts it just over the miss line (0.88 × 33.3),
     * or further. */
    s.dev.slow = factors[f] * FX_POLICY_MISS_FRAC * 1000.0 / FPS / 13.0 * 1.02;
    int steps = 0;
    while (s.d.tier != FX_TIER_PAUSED && steps < 8) {
      int n = sim_frames_to_change(&s, 400);
      if (n > 400) break; /* this rung fits */
      assert_in_range(n, 1, N);
      steps++;
    }
    assert_true(steps >= 1);
    if (getenv("FXP_TRACE"))
      printf("factor %.2f: %d steps, tier %d every %d\n", factors[f], steps, s.d.tier,
             s.d.infer_every);
    /* What remains fits: large 13, medium 8, small 6 ms at speed 1. */
    double load = s.d.tier == FX_TIER_PAUSED ? 0 : ((double[]){6, 8, 13})[s.d.tier];
    if (s.d.tier != FX_TIER_PAUSED && s.d.infer_every == 1)
      assert_true(load * s.dev.slow <= FX_POLICY_MISS_FRAC * 1000.0 / FPS);
    sim_free(&s);
  }
}

/* A device that slows down mid-call steps down within N frames, holds, and climbs back once
 * headroom returns; the only switches are those. */
static void test_slowdown_mid_call(void **state) {
  (void)state;
  sim s;
  device dev = {.infer = {3, 6, 16},
                .composite = 4,
                .other = 1,
                .passthrough = 1,
                .slow = 1,
                .noise = 1.5,
                .jitter = 2};
  sim_init(&s, &dev, FX_TIER_LARGE, FX_POLICY_AUTO, 42);
  sim_run_until(&s, 60000);
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  assert_change(nth_change(&s, 1, 0), FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
  assert_change(nth_change(&s, 1, 1), FX_TIER_MEDIUM, FX_TIER_LARGE, FX_REASON_HEADROOM);
  assert_true(nth_change(&s, 1, 1)->t < 12000);
  assert_int_equal(fx_policy_switches(s.p), 2);

  s.dev.slow = 1.6; /* large: 34 ms > budget; medium: 18 ms fits */
  int f0 = s.frames;
  sim_run_until(&s, 180000);
  const event *down = nth_change(&s, 60000, 0);
  assert_change(down, FX_TIER_LARGE, FX_TIER_MEDIUM, FX_REASON_SLOW);
  assert_in_range(down->frame - f0, 1, N);
  assert_int_equal(tier_changes_between(&s, 60000, 180000), 1);
  assert_int_equal(s.d.tier, FX_TIER_MEDIUM);

  s.dev.slow = 1.0;
  sim_run_until(&s, 300000);
  const event *up = nth_change(&s, 180000, 0);
  assert_change(up, FX_TIER_MEDIUM, FX_TIER_LARGE, FX_REASON_HEADROOM);
  /* Headroom held for FX_POLICY_HEADROOM_MS (no back-off: large had held for longer than
   * FX_POLICY_SETTLE_MS before it was left), once the averaged prediction (about a second
   * long) has forgotten the slow frames: 6.2 s in all. */
  assert_in_range((long)(up->t - 180000), FX_POLICY_HEADROOM_MS + 2000,
                  FX_POLICY_HEADROOM_MS + 3500);
  assert_int_equal(tier_changes_between(&s, 180000, 300000), 1);
  assert_int_equal(fx_policy_switches(s.p), 4);
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  sim_free(&s);
}

/* Between 30 s and 75 s the encoder is CPU-limited whenever the effect runs medium or large. */
static int encoder_busy_30_75(const sim *s, double t, double *encode_ms) {
  int busy = t >= 30000 && t < 75000 && s->d.tier >= FX_TIER_MEDIUM;
  *encode_ms = busy ? 28 : 9;
  return busy ? FX_QL_CPU : FX_QL_NONE;
}

static void test_busy_encoder(void **state) {
  (void)state;
  sim s;
  sim_init(&s, &fast_device, FX_TIER_LARGE, FX_POLICY_AUTO, 7);
  s.enc = encoder_busy_30_75;
  sim_run_until(&s, 30000);
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  sim_run_until(&s, 200000);
  /* The first CPU report (at 30 s) yields one tier at once; the next one allowed
   * FX_POLICY_ENC_STEP_MS later yields the next. */
  const event *e0 = nth_change(&s, 30000, 0), *e1 = nth_change(&s, 30000, 1);
  assert_change(e0, FX_TIER_LARGE, FX_TIER_MEDIUM, FX_REASON_ENCODER);
  assert_true(e0->t < 30000 + 2 * T_MS);
  assert_change(e1, FX_TIER_MEDIUM, FX_TIER_SMALL, FX_REASON_ENCODER);
  /* (Reports come every second, so the step waits for the first one after the pace.) */
  assert_in_range((long)(e1->t - e0->t), FX_POLICY_ENC_STEP_MS - 1, FX_POLICY_ENC_STEP_MS + 1100);
  /* While the encoder stays busy, trials to medium fail on it (reason ENCODER), with
   * back-off and the limiter; no switch is ever blamed on slowness. */
  for (int i = 0; i < s.nev; i++) {
    if (!s.ev[i].d.changed) continue;
    assert_int_not_equal(s.ev[i].d.reason, FX_REASON_SLOW);
    if (s.ev[i].t >= 30000 && s.ev[i].t < 75000 && s.ev[i].d.reason == FX_REASON_HEADROOM)
      assert_change(nth_change(&s, s.ev[i].t + 1, 0), FX_TIER_MEDIUM, FX_TIER_SMALL,
                    FX_REASON_ENCODER);
  }
  assert_true(max_changes_per_minute(&s, 0, 200000) <= K);
  /* After it recovers, the effect climbs back to large: medium once the switches of the
   * last minute are down to K - 2 (the yields at 30 s and 34 s have aged out), large once
   * the failed trial's two have. */
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  const event *fail = NULL, *med = NULL, *back = NULL;
  for (int i = 0; i < s.nev; i++) {
    if (!s.ev[i].d.changed || s.ev[i].t < 30000) continue;
    if (s.ev[i].d.tier == FX_TIER_SMALL && s.ev[i].d.from == FX_TIER_MEDIUM && !fail &&
        s.ev[i].t > e1->t)
      fail = &s.ev[i - 1];
    if (s.ev[i].t > 75000 && s.ev[i].d.tier == FX_TIER_MEDIUM && !med) med = &s.ev[i];
    if (s.ev[i].d.tier == FX_TIER_LARGE) back = &s.ev[i];
  }
  assert_non_null(fail);
  assert_non_null(med);
  assert_non_null(back);
  assert_in_range((long)(med->t - e1->t), 60000, 60100);
  assert_in_range((long)(back->t - fail->t), 60000, 60100);
  assert_int_equal(fx_policy_switches(s.p), 8);
  sim_free(&s);
}

/* encode_ms alone: above FX_POLICY_ENC_HIGH_FRAC × budget it yields a tier (before WebRTC's
 * own adaptation would), between LOW and HIGH it only holds the climb. */
static int encoder_slow_encode(const sim *s, double t, double *encode_ms) {
  (void)s;
  *encode_ms = t < 20000 ? 20 : t < 40000 ? 6 : t < 60000 ? 25 : 6;
  return FX_QL_NONE;
}

static int encoder_cpu_at_2s(const sim *s, double t, double *encode_ms) {
  (void)s;
  *encode_ms = 5;
  return t < 1500 ? FX_QL_NONE : t < 2500 ? FX_QL_CPU : FX_QL_NONE;
}

static void test_encoder_encode_time(void **state) {
  (void)state;
  sim s;
  /* One CPU report (at 2 s) blocks climbing for FX_POLICY_ENC_HOLD_MS, then headroom must
   * hold FX_POLICY_HEADROOM_MS again. */
  sim_init(&s, &fast_device, FX_TIER_LARGE, FX_POLICY_AUTO, 9);
  s.enc = encoder_cpu_at_2s;
  sim_run_until(&s, 20000);
  assert_change(&s.ev[1], FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
  assert_in_range((long)s.ev[1].t, 2000 + FX_POLICY_ENC_HOLD_MS + FX_POLICY_HEADROOM_MS - 100,
                  2000 + FX_POLICY_ENC_HOLD_MS + FX_POLICY_HEADROOM_MS + 200);
  sim_free(&s);

  sim_init(&s, &fast_device, FX_TIER_LARGE, FX_POLICY_AUTO, 9);
  s.enc = encoder_slow_encode;
  sim_run_until(&s, 20000);
  assert_int_equal(s.d.tier, FX_TIER_SMALL); /* 20 ms encode: 0.6 × budget holds the climb */
  assert_int_equal(fx_policy_switches(s.p), 0);
  sim_run_until(&s, 40000);
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  const event *m = nth_change(&s, 20000, 0);
  assert_change(m, FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
  assert_true(m->t < 20000 + 1000 + FX_POLICY_ENC_HOLD_MS + FX_POLICY_HEADROOM_MS + 500);
  sim_run_until(&s, 45000);
  const event *y = nth_change(&s, 40000, 0);
  assert_change(y, FX_TIER_LARGE, FX_TIER_MEDIUM, FX_REASON_ENCODER);
  assert_true(y->t < 40000 + 1000 + 2 * T_MS);
  sim_run_until(&s, 60000);
  assert_int_equal(s.d.tier, FX_TIER_SMALL); /* floor for the encoder */
  assert_int_equal(s.d.infer_every, 1);
  sim_free(&s);
}

/* ±5 ms on every timestamp and every measurement: one climb to the tier that fits, then no
 * switch and no infer_every change for 10 minutes. */
static void test_noisy_clock(void **state) {
  (void)state;
  sim s;
  device dev = laptop;
  dev.noise = 5;
  dev.jitter = 5;
  sim_init(&s, &dev, FX_TIER_LARGE, FX_POLICY_AUTO, 1234);
  sim_run_until(&s, 600000);
  assert_int_equal(s.nev, 2); /* the start and one climb */
  assert_change(&s.ev[1], FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
  assert_true(s.ev[1].t < 10000);
  assert_int_equal(s.d.tier, FX_TIER_MEDIUM);
  assert_int_equal(s.d.infer_every, 1);
  assert_int_equal(fx_policy_switches(s.p), 1);
  sim_free(&s);

  /* The same noise on a busier machine: medium at 0.75 × budget, near the top of the band
   * (the miss line is 0.88), and large far off. Unpinned from medium: it stays. */
  dev.slow = 1.25;
  sim_init(&s, &dev, FX_TIER_LARGE, FX_TIER_MEDIUM, 99);
  fx_policy_config cfg = {FPS, FX_TIER_LARGE, FX_POLICY_AUTO};
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  sim_run_until(&s, 600000);
  assert_int_equal(s.nev, 1);
  assert_int_equal(fx_policy_switches(s.p), 0);
  sim_free(&s);
}

/* One 200 ms stall (frames dropped behind it), and later one every 5 s: no switch. */
static void test_hiccup(void **state) {
  (void)state;
  sim s;
  sim_init(&s, &laptop, FX_TIER_LARGE, FX_POLICY_AUTO, 5);
  sim_run_until(&s, 30000);
  assert_int_equal(s.d.tier, FX_TIER_MEDIUM);
  int nev = s.nev;
  s.stall = 200;
  sim_run_until(&s, 60000);
  for (double t = 60000; t < 180000; t += 5000) {
    s.stall = 200;
    sim_run_until(&s, t + 5000);
  }
  assert_int_equal(s.nev, nev);
  assert_int_equal(fx_policy_switches(s.p), 1);
  sim_free(&s);
}

/* Too slow even for small: infer_every 2, then 3 (no tier change), then paused; resume
 * probes with a growing back-off; when the device gets faster a probe holds and the effect
 * comes back (from FX_TIER_PAUSED). */
static void test_too_slow_device(void **state) {
  (void)state;
  sim s;
  device dev = {.infer = {45, 90, 250},
                .composite = 14,
                .other = 2,
                .passthrough = 1,
                .slow = 1,
                .noise = 1,
                .jitter = 1};
  sim_init(&s, &dev, FX_TIER_LARGE, FX_POLICY_AUTO, 77);
  sim_run_until(&s, 400000);
  /* Frame skipping first: no tier change, each step within N frames. */
  assert_int_equal(s.ev[1].d.infer_every, 2);
  assert_int_equal(s.ev[1].d.changed, 0);
  assert_int_equal(s.ev[1].d.tier, FX_TIER_SMALL);
  assert_int_equal(s.ev[2].d.infer_every, 3);
  assert_int_equal(s.ev[2].d.changed, 0);
  assert_change(&s.ev[3], FX_TIER_SMALL, FX_TIER_PAUSED, FX_REASON_PAUSED);
  assert_in_range(s.ev[1].frame, 1, N + FX_POLICY_WARM_FRAMES);
  assert_in_range(s.ev[2].frame - s.ev[1].frame, 1, N);
  assert_in_range(s.ev[3].frame - s.ev[2].frame, 1, N);
  /* Probes: small/3 on trial, back to paused within N frames; the waits double from
   * FX_POLICY_PROBE_MS (10, 20, 40, 80, 160 s), except that a probe also waits until the last
   * 60 s hold at most K - 2 switches: the second one waits for the first pause to age out. */
  double pause_t = s.ev[3].t;
  int probes = 0;
  for (int i = 4; i + 1 < s.nev; i += 2, probes++) {
    assert_change(&s.ev[i], FX_TIER_PAUSED, FX_TIER_SMALL, FX_REASON_HEADROOM);
    assert_int_equal(s.ev[i].d.infer_every, 3);
    assert_change(&s.ev[i + 1], FX_TIER_SMALL, FX_TIER_PAUSED, FX_REASON_PAUSED);
    assert_in_range(s.ev[i + 1].frame - s.ev[i].frame, 1, N);
    double wait = s.ev[i].t - pause_t, expect = FX_POLICY_PROBE_MS * (double)(1 << probes);
    if (probes > 0 && s.ev[i - 3].t + 60000 - pause_t > expect)
      expect = s.ev[i - 3].t + 60000 - pause_t;
    if (getenv("FXP_TRACE")) printf("probe %d after %.0f ms\n", probes, wait);
    assert_in_range((long)wait, (long)expect - 40, (long)expect + 100);
    pause_t = s.ev[i + 1].t;
  }
  /* At 12, 62, 102, 182 and 343 s; the sixth is due at 643 s (the 300 s cap). */
  assert_int_equal(probes, 5);
  assert_true(max_changes_per_minute(&s, 0, 400000) <= K);

  /* The device gets 3× faster: the next probe holds, then the effect climbs. */
  s.dev.slow = 1.0 / 3;
  int nev = s.nev;
  sim_run_until(&s, 700000);
  assert_change(&s.ev[nev], FX_TIER_PAUSED, FX_TIER_SMALL, FX_REASON_HEADROOM);
  assert_int_equal(s.d.tier, FX_TIER_SMALL);
  assert_int_equal(s.d.infer_every, 1); /* 15 + 4.7 + 0.7 ms per frame */
  for (int i = nev + 1; i < s.nev; i++) assert_int_equal(s.ev[i].d.changed, 0);
  sim_free(&s);
}

/* A fast device climbs to large in two trials and then stays there for 10 minutes. */
static void test_fast_device(void **state) {
  (void)state;
  sim s;
  sim_init(&s, &fast_device, FX_TIER_LARGE, FX_POLICY_AUTO, 3);
  sim_run_until(&s, 660000);
  assert_int_equal(s.nev, 3);
  assert_change(&s.ev[1], FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
  assert_change(&s.ev[2], FX_TIER_MEDIUM, FX_TIER_LARGE, FX_REASON_HEADROOM);
  /* Each climb: the window refills (warm-up + FX_POLICY_MIN_FRAMES) and headroom holds
   * FX_POLICY_HEADROOM_MS; the second also waits for the first trial to pass. */
  assert_in_range((long)s.ev[1].t, 3000, 3600);
  assert_in_range((long)(s.ev[2].t - s.ev[1].t), 5000, 5600); /* 2 s trial, then 3 s */
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  assert_int_equal(fx_policy_switches(s.p), 2);
  assert_int_equal(tier_changes_between(&s, 60000, 660000), 0);
  assert_true(max_changes_per_minute(&s, 0, 660000) <= K);
  sim_free(&s);
}

/* Worst case for oscillation: medium hides a cost that its inference time does not show, so
 * the prediction keeps saying it fits and every trial fails. The back-off doubles, the
 * limiter holds every minute to K switches, and over 10 minutes few trials happen. */
static void test_failed_trials_back_off(void **state) {
  (void)state;
  sim s;
  device dev = laptop;
  dev.tier_extra[FX_TIER_MEDIUM] = 14; /* medium: 13 + 5 + 2 + 14 = 34 ms */
  sim_init(&s, &dev, FX_TIER_LARGE, FX_POLICY_AUTO, 11);
  sim_run_until(&s, 600000);
  int trials = 0;
  double last = 0;
  for (int i = 1; i < s.nev; i++) {
    if (!s.ev[i].d.changed) continue;
    if (s.ev[i].d.reason == FX_REASON_HEADROOM) {
      assert_change(&s.ev[i], FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
      assert_true(i + 1 < s.nev);
      assert_change(&s.ev[i + 1], FX_TIER_MEDIUM, FX_TIER_SMALL, FX_REASON_SLOW);
      assert_in_range(s.ev[i + 1].frame - s.ev[i].frame, 1, N);
      /* The back-off: headroom held FX_POLICY_HEADROOM_MS × 2^failures, after the window
       * refilled; the third trial also waits for the first one's switches to age out. */
      double gap = s.ev[i].t - last, backoff = FX_POLICY_HEADROOM_MS * (double)(1 << trials);
      if (getenv("FXP_TRACE")) printf("trial %d after %.0f ms\n", trials, gap);
      if (trials == 2) backoff = s.ev[1].t + 60000 - last;
      assert_in_range((long)gap, (long)backoff, (long)backoff + 700);
      last = s.ev[i + 1].t;
      trials++;
    }
  }
  assert_int_equal(trials, 7); /* at 3, 10, 64, 88, 137, 234 and 427 s */
  assert_true(max_changes_per_minute(&s, 0, 600000) <= K);
  assert_int_equal(s.d.tier, FX_TIER_SMALL);
  sim_free(&s);
}

/* Large on this device costs 5× medium, not the default 2.8×: one trial teaches the policy
 * the ratio, and it never tries again (without learning it would retry with back-off). */
static void test_learned_ratio(void **state) {
  (void)state;
  sim s;
  device dev = laptop;
  dev.infer[FX_TIER_SMALL] = 3;
  dev.infer[FX_TIER_MEDIUM] = 6;
  dev.infer[FX_TIER_LARGE] = 30;
  dev.composite = 4;
  dev.other = 1; /* large predicted 6 × 2.8 + 5 = 21.8 ms < 0.7 × 33.3: tried; 35 measured */
  sim_init(&s, &dev, FX_TIER_LARGE, FX_POLICY_AUTO, 17);
  sim_run_until(&s, 600000);
  assert_int_equal(s.nev, 4);
  assert_change(&s.ev[1], FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
  assert_change(&s.ev[2], FX_TIER_MEDIUM, FX_TIER_LARGE, FX_REASON_HEADROOM);
  assert_change(&s.ev[3], FX_TIER_LARGE, FX_TIER_MEDIUM, FX_REASON_SLOW);
  assert_int_equal(s.d.tier, FX_TIER_MEDIUM);
  sim_free(&s);
}

/* Thermal throttling: large passes its trial but slows down 10 s later, every time. Leaving
 * it within FX_POLICY_SETTLE_MS counts as a failed trial, so the waits before climbing back
 * double. */
static void test_settle_failures(void **state) {
  (void)state;
  sim s;
  device dev = fast_device;
  dev.heat_after = 10000;
  dev.heat_factor = 4; /* 36 ms */
  sim_init(&s, &dev, FX_TIER_LARGE, FX_POLICY_AUTO, 19);
  sim_run_until(&s, 600000);
  int ups = 0;
  double left = 0;
  for (int i = 3; i < s.nev; i++) { /* after small → medium → large */
    if (!s.ev[i].d.changed) continue;
    if (s.ev[i].d.tier == FX_TIER_MEDIUM) {
      assert_change(&s.ev[i], FX_TIER_LARGE, FX_TIER_MEDIUM, FX_REASON_SLOW);
      left = s.ev[i].t;
    } else {
      assert_change(&s.ev[i], FX_TIER_MEDIUM, FX_TIER_LARGE, FX_REASON_HEADROOM);
      double wait = s.ev[i].t - left, backoff = FX_POLICY_HEADROOM_MS * (double)(2 << ups);
      if (getenv("FXP_TRACE")) printf("climb %d after %.0f ms\n", ups, wait);
      /* Beyond the first minutes the back-off, not the limiter, sets the wait. */
      assert_true(wait >= backoff);
      if (ups >= 3) assert_true(wait < backoff + 700);
      ups++;
    }
  }
  assert_int_equal(ups, 6); /* waits of 45, 12, 37, 48, 96 and 192 s */
  assert_true(max_changes_per_minute(&s, 0, 600000) <= K);
  sim_free(&s);
}

static int encoder_always_cpu(const sim *s, double t, double *encode_ms) {
  (void)s;
  (void)t;
  *encode_ms = 30;
  return FX_QL_CPU;
}

/* A pinned tier never moves: not for slowness, not for the encoder, not to pause; only its
 * infer_every rises to keep the frame rate, and comes back. */
static void test_pinned(void **state) {
  (void)state;
  sim s;
  sim_init(&s, &laptop, FX_TIER_LARGE, FX_TIER_MEDIUM, 21);
  assert_int_equal(s.ev[0].d.reason, FX_REASON_PINNED);
  assert_int_equal(s.ev[0].d.tier, FX_TIER_MEDIUM);
  s.enc = encoder_always_cpu;
  sim_run_until(&s, 60000);
  assert_int_equal(s.nev, 1);
  s.dev.slow = 1.8; /* medium 36 ms: every 2nd frame fits (24 ms a frame) */
  sim_run_until(&s, 120000);
  assert_int_equal(s.d.infer_every, 2);
  s.dev.slow = 6; /* hopeless: every 3rd, and no pause */
  sim_run_until(&s, 180000);
  assert_int_equal(s.d.infer_every, 3);
  s.dev.slow = 1;
  s.enc = NULL;
  sim_run_until(&s, 240000);
  assert_int_equal(s.d.infer_every, 1);
  for (int i = 0; i < s.nev; i++) {
    assert_int_equal(s.ev[i].d.tier, FX_TIER_MEDIUM);
    assert_int_equal(s.ev[i].d.changed, i == 0);
  }
  assert_int_equal(fx_policy_switches(s.p), 0);
  sim_free(&s);
}

/* max_tier bounds the climb; raising it (the large model arrived) climbs at once, since the
 * headroom was measured all along; lowering it below the running tier steps down. */
static void test_max_tier(void **state) {
  (void)state;
  sim s;
  sim_init(&s, &fast_device, FX_TIER_MEDIUM, FX_POLICY_AUTO, 8);
  sim_run_until(&s, 120000);
  assert_int_equal(s.nev, 2);
  assert_int_equal(s.d.tier, FX_TIER_MEDIUM);
  fx_policy_config cfg = {FPS, FX_TIER_LARGE, FX_POLICY_AUTO};
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  int n = sim_frames_to_change(&s, 100);
  assert_in_range(n, 1, 2);
  assert_change(&s.ev[s.nev - 1], FX_TIER_MEDIUM, FX_TIER_LARGE, FX_REASON_HEADROOM);
  sim_run_until(&s, 180000);
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  cfg.max_tier = FX_TIER_SMALL;
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  fx_decision d;
  fx_policy_current(s.p, &d); /* in force at once, reported by the next frame */
  assert_int_equal(d.tier, FX_TIER_SMALL);
  assert_int_equal(d.changed, 0);
  sim_frame(&s);
  assert_change(&s.ev[s.nev - 1], FX_TIER_LARGE, FX_TIER_SMALL, FX_REASON_CONFIG);
  sim_run_until(&s, 300000);
  assert_int_equal(s.d.tier, FX_TIER_SMALL);
  assert_int_equal(fx_policy_switches(s.p), 3);
  sim_free(&s);
}

/* Pinned → auto climbs from the pinned tier; auto → pinned reports the pin once; a new
 * target keeps the tier. */
static void test_reconfigure(void **state) {
  (void)state;
  sim s;
  sim_init(&s, &fast_device, FX_TIER_LARGE, FX_TIER_SMALL, 13);
  sim_run_until(&s, 30000);
  assert_int_equal(s.nev, 1);
  fx_policy_config cfg = {FPS, FX_TIER_LARGE, FX_POLICY_AUTO};
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  fx_decision d;
  fx_policy_current(s.p, &d);
  assert_int_equal(d.changed, 0); /* unpinning itself changes nothing */
  sim_run_until(&s, 45000);
  assert_int_equal(s.d.tier, FX_TIER_LARGE);
  assert_change(nth_change(&s, 30000, 0), FX_TIER_SMALL, FX_TIER_MEDIUM, FX_REASON_HEADROOM);
  assert_true(nth_change(&s, 30000, 1)->t < 30000 + 12000);

  cfg.pinned = FX_TIER_MEDIUM;
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  sim_frame(&s);
  assert_change(&s.ev[s.nev - 1], FX_TIER_LARGE, FX_TIER_MEDIUM, FX_REASON_PINNED);
  int nev = s.nev;
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0); /* the same pin again: no news */
  sim_run_until(&s, 120000);
  assert_int_equal(s.nev, nev);

  /* A change undone before it was reported is not reported. */
  cfg.pinned = FX_TIER_SMALL;
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  cfg.pinned = FX_TIER_MEDIUM;
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  sim_frame(&s);
  assert_int_equal(s.nev, nev);
  assert_int_equal(s.d.tier, FX_TIER_MEDIUM);

  cfg.pinned = FX_POLICY_AUTO;
  cfg.target_fps = 15; /* the device is simulated at 30: the budget doubles, tier stays */
  assert_int_equal(fx_policy_configure(s.p, &cfg), 0);
  sim_run_until(&s, 130000);
  assert_int_equal(s.d.tier, FX_TIER_LARGE); /* it still climbs, from medium */
  assert_int_equal(fx_policy_switches(s.p), 6);
  sim_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_down_within_n_frames),
      cmocka_unit_test(test_slowdown_mid_call),
      cmocka_unit_test(test_busy_encoder),
      cmocka_unit_test(test_encoder_encode_time),
      cmocka_unit_test(test_noisy_clock),
      cmocka_unit_test(test_hiccup),
      cmocka_unit_test(test_too_slow_device),
      cmocka_unit_test(test_fast_device),
      cmocka_unit_test(test_failed_trials_back_off),
      cmocka_unit_test(test_learned_ratio),
      cmocka_unit_test(test_settle_failures),
      cmocka_unit_test(test_pinned),
      cmocka_unit_test(test_max_tier),
      cmocka_unit_test(test_reconfigure),
  };
  return cmocka_run_group_tests_name("fx_policy_traces", tests, NULL, NULL);
}
