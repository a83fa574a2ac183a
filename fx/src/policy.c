/* The adaptive tier policy (fx_policy.h). A small state machine over a window of per-frame
 * measurements: judge the running rung on every frame (does it miss the target? would the
 * rung above fit?), step down as soon as the window's robust figures miss, climb through a
 * trial after sustained headroom. Time is the frames' t_ms only, so traces replay exactly.
 * docs/effects.md describes the rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fx_policy.h"

#define NTIERS 3
#define NLEVELS (NTIERS * 3) /* (tier, infer_every) rungs above paused */
#define MAX_BACKOFF_SHIFT 10
#define AVG_LEN 30 /* frames: about a second */

/* Default inference cost ratios between neighbouring tiers (medium / small, large /
 * medium), measured on the selfie models; each trial replaces its ratio with what it
 * measured, so a device with other proportions is predicted by its own numbers. */
static const double default_ratio[NTIERS - 1] = {2.0, 2.8};
#define RATIO_MIN 1.1
#define RATIO_MAX 10.0

typedef struct obs {
  double cost;  /* max(total, infer + composite), ms */
  double infer; /* inference ms; 0 on a frame that reused the mask */
  double dt;    /* ms since the previous frame */
  int dropped;
} obs;

/* What the window says about the running rung; each figure is an interquartile mean. */
typedef struct judgement {
  double load;     /* average cost per frame at the running infer_every, ms */
  double c_infer;  /* cost of a frame that ran inference (0: none seen) */
  double c_skip;   /* cost of a frame that reused the mask (0: none seen) */
  double infer;    /* inference time (0: none seen) */
  double base;     /* cost besides inference */
  int rate_missed; /* frames dropped and the output rate below target */
} judgement;

struct fx_policy {
  fx_policy_config cfg;
  double budget; /* ms per frame */
  int tier, every;

  /* The change not yet reported. */
  int pend, pend_from, pend_reason;
  int switches;
  double switch_t[FX_POLICY_MAX_SWITCHES_PER_MIN]; /* ring of the last K switch times */
  int switch_head;

  int have_t;
  double now; /* the latest frame time seen, ms (never goes back) */

  obs ring[FX_POLICY_WINDOW];
  int n, head, warm;

  double headroom; /* ms of sustained headroom for the next rung */
  int fails[NLEVELS];
  double ratio[NTIERS - 1];

  /* How the running rung was reached: by a step up at reached_t, or not. */
  int reached_up;
  double reached_t;
  /* A trial: the rung we came from, and the inference cost measured there. */
  int trial, trial_tier, trial_every;
  double trial_pre_infer;
  /* The judgements of the running rung averaged over its last AVG_LEN frames: predictions
   * for the rung above use them (climbing is not urgent; one window is noisy, and a window
   * picked because it shows headroom is biased low). */
  judgement avg;
  int avg_n;

  double paused_t;

  int enc_seen, enc_warm;
  double enc_t, enc_press_t, enc_step_t;
  int enc_pressed, enc_stepped;
};

static int level_index(int tier, int every) {
  return tier * 3 + every - 1;
}

static int config_ok(const fx_policy_config *c) {
  if (!c || !isfinite(c->target_fps) || c->target_fps <= 0 || c->target_fps > 240) return 0;
  if (c->max_tier < FX_TIER_SMALL || c->max_tier > FX_TIER_LARGE) return 0;
  /* A pin may name a tier above max_tier: the caller pins what the user chose, before its
   * model has loaded; max_tier bounds only the automatic climb. */
  return c->pinned == FX_POLICY_AUTO || (c->pinned >= FX_TIER_SMALL && c->pinned <= FX_TIER_LARGE);
}

static double clean_ms(double v) {
  if (!isfinite(v) || v < 0) return 0;
  return v > 1e6 ? 1e6 : v;
}

/* ---- window statistics ---- */

static void sort_values(double *v, int n) { /* insertion sort: n <= FX_POLICY_WINDOW */
  for (int i = 1; i < n; i++) {
    double x = v[i];
    int j = i - 1;
    for (; j >= 0 && v[j] > x; j--) v[j + 1] = v[j];
    v[j + 1] = x;
  }
}

/* Sum of v without its `drop` largest values (v is sorted in place); *kept counts the rest. */
static double sum_trimmed(double *v, int n, int drop, int *kept) {
  sort_values(v, n);
  int m = n - drop > 0 ? n - drop : 0;
  double s = 0;
  for (int i = 0; i < m; i++) s += v[i];
  *kept = m;
  return s;
}

/* The interquartile mean: v without its lowest and highest quarter, averaged (v is sorted in
 * place). Up to n/4 outliers on either side do not move it, and on noisy frames it varies
 * less than the median. */
static double robust_mean(double *v, int n) {
  if (n <= 0) return 0;
  sort_values(v, n);
  int cut = n / 4;
  double s = 0;
  for (int i = cut; i < n - cut; i++) s += v[i];
  return s / (n - 2 * cut);
}

static void judge(const fx_policy *p, judgement *j) {
  double a[FX_POLICY_WINDOW], b[FX_POLICY_WINDOW], c[FX_POLICY_WINDOW];
  double r[FX_POLICY_WINDOW], all[FX_POLICY_WINDOW];
  int na = 0, nb = 0;
  for (int i = 0; i < p->n; i++) {
    const obs *o = &p->ring[i];
    if (o->infer > 0) {
      a[na] = o->cost;
      c[na++] = o->infer;
    } else {
      b[nb++] = o->cost;
    }
    all[i] = o->cost - o->infer > 0 ? o->cost - o->infer : 0;
  }
  memset(j, 0, sizeof *j);
  j->c_infer = robust_mean(a, na);
  j->infer = robust_mean(c, na);
  j->c_skip = robust_mean(b, nb);
  j->base = robust_mean(all, p->n);
  for (int i = 0; i < p->n; i++) all[i] = p->ring[i].cost;
  if (p->every == 1 || na == 0 || nb == 0)
    j->load = robust_mean(all, p->n);
  else
    j->load = (j->c_infer + j->c_skip * (p->every - 1)) / p->every;

  /* Output rate from the frame intervals, and drops, each without the two largest values
   * (one stall shows as one long interval and one large drop count). */
  int kept;
  for (int i = 0; i < p->n; i++) r[i] = p->ring[i].dt;
  double span = sum_trimmed(r, p->n, 2, &kept);
  for (int i = 0; i < p->n; i++) r[i] = p->ring[i].dropped;
  int kd;
  double drops = sum_trimmed(r, p->n, 2, &kd);
  if (drops > 0 && kept > 0 && span > 0) {
    double fps = 1000.0 * kept / span;
    j->rate_missed = fps < FX_POLICY_RATE_FRAC * p->cfg.target_fps;
  }
}

/* ---- the ladder ---- */

/* The rung above (tier, every); 0 when there is none. Automatic climbing stops at
 * cap_tier. */
static int rung_up(const fx_policy *p, int cap_tier, int *tier, int *every) {
  if (p->tier == FX_TIER_PAUSED) {
    *tier = FX_TIER_SMALL;
    *every = 3;
    return 1;
  }
  if (p->every > 1) {
    *tier = p->tier;
    *every = p->every - 1;
    return 1;
  }
  if (p->cfg.pinned != FX_POLICY_AUTO || p->tier >= cap_tier) return 0;
  *tier = p->tier + 1;
  *every = 1;
  return 1;
}

static int rung_down(const fx_policy *p, int *tier, int *every) {
  if (p->tier == FX_TIER_PAUSED) return 0;
  if (p->cfg.pinned != FX_POLICY_AUTO) {
    if (p->every >= 3) return 0;
    *tier = p->tier;
    *every = p->every + 1;
    return 1;
  }
  if (p->tier > FX_TIER_SMALL) {
    *tier = p->tier - 1;
    *every = p->every;
  } else if (p->every < 3) {
    *tier = FX_TIER_SMALL;
    *every = p->every + 1;
  } else {
    *tier = FX_TIER_PAUSED;
    *every = 3;
  }
  return 1;
}

/* The cost the rung above would have, from the running rung's window. */
static double predict_up(const fx_policy *p, const judgement *j, int tier, int every) {
  if (tier == p->tier) { /* one fewer frame between inferences */
    double skip = j->c_skip > 0 ? j->c_skip : j->base;
    return (j->c_infer + skip * (every - 1)) / every;
  }
  return j->infer * p->ratio[p->tier] + j->base;
}

static double backoff_ms(double base, int fails) {
  int k = fails < MAX_BACKOFF_SHIFT ? fails : MAX_BACKOFF_SHIFT;
  double ms = base * (double)(1 << k);
  return ms < FX_POLICY_BACKOFF_MAX_MS ? ms : FX_POLICY_BACKOFF_MAX_MS;
}

static int switches_last_minute(const fx_policy *p) {
  int c = 0;
  for (int i = 0; i < FX_POLICY_MAX_SWITCHES_PER_MIN; i++)
    if (p->switch_t[i] > p->now - 60000.0) c++;
  return c;
}

static int encoder_blocks(const fx_policy *p) {
  if (p->enc_pressed && p->now - p->enc_press_t < FX_POLICY_ENC_HOLD_MS) return 1;
  return p->enc_seen && p->enc_warm && p->now - p->enc_t < FX_POLICY_ENC_HOLD_MS;
}

static void clear_window(fx_policy *p) {
  p->n = p->head = 0;
  memset(&p->avg, 0, sizeof p->avg);
  p->avg_n = 0;
  p->warm = FX_POLICY_WARM_FRAMES;
  p->headroom = 0;
}

/* Moves to (tier, every). up: a voluntary climb, which starts a trial; climbing away from a
 * rung that passed its own trial clears that rung's failures. */
static void move_to(fx_policy *p, int tier, int every, int reason, int up, double pre_infer) {
  if (up && p->reached_up && !p->trial && p->tier != FX_TIER_PAUSED)
    p->fails[level_index(p->tier, p->every)] = 0;
  if (tier != p->tier) {
    if (!p->pend) {
      p->pend = 1;
      p->pend_from = p->tier;
    }
    p->pend_reason = reason;
    if (p->pend_from == tier) p->pend = 0; /* back where the last report left it */
    p->switches++;
    p->switch_t[p->switch_head] = p->now;
    p->switch_head = (p->switch_head + 1) % FX_POLICY_MAX_SWITCHES_PER_MIN;
  }
  p->trial = up;
  if (up) {
    p->trial_tier = p->tier;
    p->trial_every = p->every;
    p->trial_pre_infer = pre_infer;
  }
  p->reached_up = up;
  p->reached_t = p->now;
  if (tier == FX_TIER_PAUSED) p->paused_t = p->now;
  p->tier = tier;
  p->every = every;
  clear_window(p);
}

/* Leaving the running rung downwards soon after climbing to it is a failed trial: a longer
 * back-off before the next try. (A rung held for FX_POLICY_SETTLE_MS has its failures
 * cleared by settle().) */
static void note_leaving(fx_policy *p) {
  if (!p->reached_up || p->tier == FX_TIER_PAUSED) return;
  if (p->now - p->reached_t >= FX_POLICY_SETTLE_MS) return;
  int *f = &p->fails[level_index(p->tier, p->every)];
  if (*f < MAX_BACKOFF_SHIFT) (*f)++;
}

static void settle(fx_policy *p) {
  if (!p->reached_up || p->trial || p->now - p->reached_t < FX_POLICY_SETTLE_MS) return;
  p->fails[level_index(p->tier, p->every)] = 0;
  p->reached_up = 0;
}

/* A tier trial teaches the ratio between its tier and the one below (two measurements a few
 * seconds apart, so the device's speed cancels out). */
static void learn_ratio(fx_policy *p) {
  if (!p->trial || p->tier != p->trial_tier + 1 || p->trial_tier < FX_TIER_SMALL) return;
  if (p->avg.infer <= 0 || p->trial_pre_infer <= 0) return;
  double r = p->avg.infer / p->trial_pre_infer;
  p->ratio[p->trial_tier] = r < RATIO_MIN ? RATIO_MIN : r > RATIO_MAX ? RATIO_MAX : r;
}

static void step_down(fx_policy *p, int reason) {
  int tier, every;
  if (p->trial) {
    learn_ratio(p);
    tier = p->trial_tier;
    every = p->trial_every;
  } else if (!rung_down(p, &tier, &every)) {
    return;
  }
  note_leaving(p);
  if (tier == FX_TIER_PAUSED) reason = FX_REASON_PAUSED;
  move_to(p, tier, every, reason, 0, 0);
}

/* ---- public API ---- */

int fx_policy_create(fx_policy **out, const fx_policy_config *cfg) {
  if (!out) return -1;
  *out = NULL;
  if (!config_ok(cfg)) return -1;
  fx_policy *p = calloc(1, sizeof *p);
  if (!p) return -1;
  p->cfg = *cfg;
  p->budget = 1000.0 / cfg->target_fps;
  p->tier = cfg->pinned == FX_POLICY_AUTO ? FX_TIER_SMALL : cfg->pinned;
  p->every = 1;
  p->pend = 1;
  p->pend_from = FX_TIER_NONE;
  p->pend_reason = cfg->pinned == FX_POLICY_AUTO ? FX_REASON_START : FX_REASON_PINNED;
  for (int i = 0; i < FX_POLICY_MAX_SWITCHES_PER_MIN; i++) p->switch_t[i] = -INFINITY;
  memcpy(p->ratio, default_ratio, sizeof p->ratio);
  clear_window(p);
  *out = p;
  return 0;
}

void fx_policy_destroy(fx_policy *p) {
  free(p);
}

int fx_policy_configure(fx_policy *p, const fx_policy_config *cfg) {
  if (!p || !config_ok(cfg)) return -1;
  fx_policy_config old = p->cfg;
  p->cfg = *cfg;
  if (cfg->target_fps != old.target_fps) {
    p->budget = 1000.0 / cfg->target_fps;
    int warm = p->warm;
    clear_window(p);
    p->warm = warm;
  }
  if (cfg->pinned != FX_POLICY_AUTO) {
    if (cfg->pinned != p->tier) {
      move_to(p, cfg->pinned, 1, FX_REASON_PINNED, 0, 0);
    } else if (cfg->pinned != old.pinned) {
      p->trial = 0;
      p->reached_up = 0;
      p->headroom = 0;
    }
  } else if (p->tier > cfg->max_tier) {
    move_to(p, cfg->max_tier, p->every, FX_REASON_CONFIG, 0, 0);
  } else if (old.pinned != FX_POLICY_AUTO) {
    p->headroom = 0;
  }
  return 0;
}

/* Fills *d; consume: this call reports the pending change (fx_policy_frame always;
 * fx_policy_current only the first decision, so that it can be announced before the first
 * frame while every later change reaches the caller through fx_policy_frame). */
static void report(fx_policy *p, fx_decision *d, int consume) {
  d->tier = p->tier;
  d->infer_every = p->every;
  if (p->pend && consume) {
    d->changed = 1;
    d->from = p->pend_from;
    d->reason = p->pend_reason;
    p->pend = 0;
  } else {
    d->changed = 0;
    d->from = p->tier;
    d->reason = FX_REASON_NONE;
  }
}

void fx_policy_current(fx_policy *p, fx_decision *d) {
  report(p, d, p->pend && p->pend_from == FX_TIER_NONE);
}

/* Per tier, small → large. Costs (docs/effects.md): a detection frame is about 2.4× a tracked
 * one, a refinement pass one more landmark run; the filter's resolution costs nothing per frame
 * (the picture is drawn once per tier) but its sharpness. */
static const fx_face_detail face_detail[3] = {
    {.redetect_every = 60, .refine_shift = 0.0f, .filter_px = 100},
    {.redetect_every = 30, .refine_shift = 0.08f, .filter_px = 150},
    {.redetect_every = 15, .refine_shift = 0.03f, .filter_px = 200},
};

int fx_policy_face_detail(int tier, fx_face_detail *d) {
  if (!d || tier < FX_TIER_SMALL || tier > FX_TIER_LARGE) return -1;
  *d = face_detail[tier];
  return 0;
}

int fx_policy_switches(const fx_policy *p) {
  return p ? p->switches : 0;
}

void fx_policy_encoder(fx_policy *p, int quality_limitation, double encode_ms) {
  encode_ms = clean_ms(encode_ms);
  int pressure = quality_limitation == FX_QL_CPU || encode_ms > FX_POLICY_ENC_HIGH_FRAC * p->budget;
  p->enc_seen = 1;
  p->enc_t = p->now;
  p->enc_warm = encode_ms > FX_POLICY_ENC_LOW_FRAC * p->budget;
  if (!pressure) return;
  p->enc_pressed = 1;
  p->enc_press_t = p->now;
  p->headroom = 0;
  if (p->cfg.pinned != FX_POLICY_AUTO || p->tier <= FX_TIER_SMALL) return;
  /* A tier trial ends here too: the tier below is the one it came from, and leaving it this
   * soon counts as a failure (note_leaving). */
  if (p->enc_stepped && p->now - p->enc_step_t < FX_POLICY_ENC_STEP_MS) return;
  p->enc_stepped = 1;
  p->enc_step_t = p->now;
  note_leaving(p);
  move_to(p, p->tier - 1, p->every, FX_REASON_ENCODER, 0, 0);
}

/* A paused effect probes a resume after its back-off. */
static void paused_frame(fx_policy *p) {
  double wait = backoff_ms(FX_POLICY_PROBE_MS, p->fails[level_index(FX_TIER_SMALL, 3)]);
  if (p->now - p->paused_t < wait || encoder_blocks(p)) return;
  if (switches_last_minute(p) > FX_POLICY_MAX_SWITCHES_PER_MIN - 2) return;
  move_to(p, FX_TIER_SMALL, 3, FX_REASON_HEADROOM, 1, 0);
}

/* A running mean over the first AVG_LEN judgements of a rung, then an exponential one with
 * the same weight. A field that was not seen (0) keeps its average. */
static void average(fx_policy *p, const judgement *j) {
  if (p->avg_n < AVG_LEN) p->avg_n++;
  double w = 1.0 / p->avg_n;
  double *a[] = {&p->avg.c_infer, &p->avg.c_skip, &p->avg.infer, &p->avg.base};
  const double v[] = {j->c_infer, j->c_skip, j->infer, j->base};
  for (int i = 0; i < 4; i++) {
    if (v[i] <= 0) continue;
    *a[i] = *a[i] > 0 ? *a[i] + (v[i] - *a[i]) * w : v[i];
  }
}

static void judge_frame(fx_policy *p, double dt) {
  settle(p);
  judgement j;
  judge(p, &j);
  average(p, &j);
  if (j.load > FX_POLICY_MISS_FRAC * p->budget || j.rate_missed) {
    step_down(p, FX_REASON_SLOW);
    return;
  }
  if (p->trial) { /* passed once it has held long enough */
    if (p->now - p->reached_t >= FX_POLICY_TRIAL_MS) {
      learn_ratio(p);
      p->trial = 0;
    }
    return;
  }
  /* Headroom is measured for the next rung even above max_tier, so raising max_tier later
   * climbs at once when the headroom has been there all along. */
  int tier, every;
  if (encoder_blocks(p) || !rung_up(p, FX_TIER_LARGE, &tier, &every) ||
      predict_up(p, &p->avg, tier, every) >= FX_POLICY_HEADROOM_FRAC * p->budget) {
    p->headroom = 0;
    return;
  }
  p->headroom += dt < 3 * p->budget ? dt : 3 * p->budget;
  if (tier > p->cfg.max_tier) return;
  if (p->headroom < backoff_ms(FX_POLICY_HEADROOM_MS, p->fails[level_index(tier, every)])) return;
  if (tier != p->tier && switches_last_minute(p) > FX_POLICY_MAX_SWITCHES_PER_MIN - 2) return;
  move_to(p, tier, every, FX_REASON_HEADROOM, 1, p->avg.infer);
}

void fx_policy_frame(fx_policy *p, const fx_frame_sample *s, fx_decision *d) {
  double t = s->t_ms, dt = p->budget;
  if (!isfinite(t)) t = p->have_t ? p->now + p->budget : 0;
  if (!p->have_t) {
    p->now = t;
    p->have_t = 1;
  } else {
    dt = t > p->now ? t - p->now : 0; /* a timestamp going back: no time passes */
    if (dt > 60000) dt = 60000;
    if (t > p->now) p->now = t;
  }

  if (p->tier == FX_TIER_PAUSED) {
    paused_frame(p);
  } else if (p->warm > 0) {
    p->warm--;
  } else {
    double infer = clean_ms(s->infer_ms), comp = clean_ms(s->composite_ms);
    double total = clean_ms(s->total_ms);
    obs o = {.cost = total > infer + comp ? total : infer + comp,
             .infer = infer,
             .dt = dt,
             .dropped = s->dropped < 0      ? 0
                        : s->dropped > 1000 ? 1000
                                            : s->dropped};
    p->ring[p->head] = o;
    p->head = (p->head + 1) % FX_POLICY_WINDOW;
    if (p->n < FX_POLICY_WINDOW) p->n++;
    if (p->n >= FX_POLICY_MIN_FRAMES) judge_frame(p, dt);
  }
  report(p, d, 1);
}
