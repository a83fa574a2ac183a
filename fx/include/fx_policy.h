/* fx_policy: the adaptive tier policy of the background effects. Pure logic over per-frame
 * measurements (no clocks, no I/O: time is the frames' t_ms), so it is unit-tested natively
 * with recorded-looking and synthetic traces and runs unchanged in WebAssembly. One policy per
 * effect stream; one thread per policy.
 *
 * Decisions: which model tier runs (small, medium, large), how often inference runs
 * (every frame, every 2nd, every 3rd; the mask is reused between inferences), and, as the
 * last resort, pausing the effect. It steps down within FX_POLICY_DOWN_FRAMES frames of
 * missing the target, steps up only after sustained headroom with a trial that reverts if it
 * fails, and uses hysteresis so it does not oscillate: at most FX_POLICY_MAX_SWITCHES_PER_MIN
 * tier switches in any minute of steady conditions. docs/effects.md (## Adaptive tier policy)
 * explains the rules; the constants below are the single source of truth, and
 * fx/tests/test_policy.c (synthetic samples) and test_policy_traces.c (a simulated device)
 * hold them.
 *
 * The ladder, lowest to highest (auto mode): paused < small/3 < small/2 < small/1 < medium/1
 * < large/1 (tier/infer_every). A step down goes one rung down, a step up one rung up
 * (infer_every falls to 1 before the tier climbs; the tier falls to small before infer_every
 * rises). A pinned tier only moves along its own infer_every (1, 2, 3): never another tier,
 * never paused; the encoder does not move it either. */
#ifndef FX_POLICY_H
#define FX_POLICY_H

#ifdef __cplusplus
extern "C" {
#endif

enum { FX_TIER_PAUSED = -1, FX_TIER_SMALL = 0, FX_TIER_MEDIUM = 1, FX_TIER_LARGE = 2 };
/* fx_policy_config.pinned for automatic tiers; also fx_decision.from of the first choice. */
enum { FX_POLICY_AUTO = -2, FX_TIER_NONE = -2 };

/* The policy's constants. The budget is 1000 / target_fps ms; the cost of a frame is
 * max(total_ms, infer_ms + composite_ms). The judging window holds the last
 * FX_POLICY_WINDOW frames since the last change of tier or infer_every (the first
 * FX_POLICY_WARM_FRAMES after a change are left out: a new model's first runs are slow).
 * Costs are judged by interquartile means (a quarter of the frames on either side left out)
 * and the output rate without the two longest intervals, so a hiccup of a few frames moves
 * nothing. */
#define FX_POLICY_WINDOW 15     /* frames judged (0.5 s at 30 fps) */
#define FX_POLICY_MIN_FRAMES 8  /* frames in the window before anything is judged */
#define FX_POLICY_WARM_FRAMES 2 /* frames left out after a change */
/* N: a step down comes at the latest on the N-th frame of a sustained miss (or the N-th
 * frame after a change, when the new rung misses from its start). */
#define FX_POLICY_DOWN_FRAMES 15
/* K: tier switches (pauses included) in any 60 s of steady conditions. Enforced by the
 * hysteresis gap, the back-off and a limiter: a tier step up or a resume probe is taken only
 * while the last 60 s hold at most K - 2 switches, so a trial and its revert keep the minute
 * within K. Steps down are never held back. */
#define FX_POLICY_MAX_SWITCHES_PER_MIN 4
/* Missed: the window's cost per frame (averaged over the infer_every cycle) above
 * FX_POLICY_MISS_FRAC × budget, or frames dropped and the output rate below
 * FX_POLICY_RATE_FRAC × target (a camera slower than the target, dropping nothing, is not
 * a miss). Headroom: the rung above, predicted from the running rung's figures averaged over
 * about a second (inference × the tier ratio, learned by each tier trial; or the cycle with
 * one frame fewer), costs under FX_POLICY_HEADROOM_FRAC × budget. */
#define FX_POLICY_MISS_FRAC 0.88
#define FX_POLICY_RATE_FRAC 0.85
#define FX_POLICY_HEADROOM_FRAC 0.70
#define FX_POLICY_HEADROOM_MS 3000 /* headroom held this long before a trial ... */
#define FX_POLICY_TRIAL_MS 2000    /* ... which passes when it has not missed for this long */
/* Leaving a rung within FX_POLICY_SETTLE_MS of climbing to it counts as a failed trial:
 * the headroom needed before trying it again doubles (FX_POLICY_HEADROOM_MS × 2^failures,
 * at most FX_POLICY_BACKOFF_MAX_MS); leaving it later resets its failures. */
#define FX_POLICY_SETTLE_MS 30000
#define FX_POLICY_BACKOFF_MAX_MS 300000
/* Paused: a resume probe (small/3 on trial) after FX_POLICY_PROBE_MS × 2^failed probes,
 * at most FX_POLICY_BACKOFF_MAX_MS. */
#define FX_POLICY_PROBE_MS 10000
/* Encoder pressure: quality_limitation FX_QL_CPU, or encode_ms above FX_POLICY_ENC_HIGH_FRAC
 * × budget (before WebRTC's own CPU adaptation, which starts near 85 % encode usage, lowers
 * the resolution). It steps the tier down (never below small, never infer_every, never a
 * pinned tier), at most once per FX_POLICY_ENC_STEP_MS, reverts a tier trial, and blocks
 * every step up until FX_POLICY_ENC_HOLD_MS after it; so does encode_ms above
 * FX_POLICY_ENC_LOW_FRAC × budget (a report older than FX_POLICY_ENC_HOLD_MS is stale). */
#define FX_POLICY_ENC_HIGH_FRAC 0.70
#define FX_POLICY_ENC_LOW_FRAC 0.50
#define FX_POLICY_ENC_STEP_MS 4000
#define FX_POLICY_ENC_HOLD_MS 3000

/* Why the tier changed (the `reason` of the client's effect-tier event). */
enum {
  FX_REASON_NONE = 0,     /* no change this frame */
  FX_REASON_START = 1,    /* first tier chosen */
  FX_REASON_SLOW = 2,     /* target frame rate missed */
  FX_REASON_HEADROOM = 3, /* sustained headroom: trying a larger tier */
  FX_REASON_ENCODER = 4,  /* the encoder is CPU-limited: effects yield first */
  FX_REASON_PINNED = 5,   /* the user pinned a tier */
  FX_REASON_PAUSED = 6,   /* even the smallest tier at every 3rd frame misses the target */
  FX_REASON_CONFIG = 7,   /* fx_policy_configure lowered max_tier below the running tier */
};

enum { FX_QL_NONE = 0, FX_QL_CPU = 1, FX_QL_BANDWIDTH = 2, FX_QL_OTHER = 3 };

typedef struct fx_policy fx_policy;

typedef struct fx_policy_config {
  double target_fps; /* the camera's frame rate, e.g. 30 */
  int max_tier;      /* largest tier automatic climbing may reach (SMALL..LARGE) */
  int pinned;        /* FX_POLICY_AUTO (-2); else a tier FX_TIER_SMALL..FX_TIER_LARGE, never
                        moved (its infer_every may still rise to 2 or 3); max_tier does not
                        bound it (a tier may be pinned before its model has loaded) */
} fx_policy_config;

/* One processed (or dropped) camera frame. Times in milliseconds. */
typedef struct fx_frame_sample {
  double t_ms;         /* capture timestamp of the frame (monotonic) */
  double total_ms;     /* capture to output handed to the track (added latency) */
  double infer_ms;     /* inference time, 0 on a frame that reused the mask */
  double composite_ms; /* input preparation + mask refinement + compositing */
  int dropped;         /* frames dropped (not processed) since the previous sample */
} fx_frame_sample;

typedef struct fx_decision {
  int tier;        /* FX_TIER_* (FX_TIER_PAUSED: pass frames through unprocessed) */
  int infer_every; /* 1, 2 or 3 (3 while paused: the rung a resume starts from) */
  int changed;     /* 1 when this call reports a change of tier (infer_every changes are
                      not reported) */
  int from;        /* previous tier (FX_TIER_PAUSED..), FX_TIER_NONE (-2) for the first
                      choice; equal to tier when not changed */
  int reason;      /* FX_REASON_* when changed, else FX_REASON_NONE */
} fx_decision;
/* fx/wasm/policy_wasm.c hands this struct to JavaScript as 5 consecutive int32. */

/* Each change of tier is reported exactly once (changed = 1), by the next fx_policy_frame
 * call, also when fx_policy_configure or fx_policy_encoder made it; the first decision is
 * reported by the first fx_policy_frame or fx_policy_current call. Otherwise
 * fx_policy_current only reads: it shows the tier and infer_every in force with changed = 0.
 *
 * Returns 0, or -1 for a bad config (target_fps not in (0, 240], max_tier not a tier, pinned
 * neither FX_POLICY_AUTO nor a tier; also a NULL argument or no memory), with
 * *out NULL. The caller frees the policy with fx_policy_destroy. The first tier is small (auto:
 * the client loads the small model first) or the pinned one; the first decision reports it as a
 * change from FX_TIER_NONE with FX_REASON_START (FX_REASON_PINNED when pinned). */
int fx_policy_create(fx_policy **out, const fx_policy_config *cfg);
void fx_policy_destroy(fx_policy *p); /* NULL is fine */
/* Changes the target, max_tier and pin; returns 0, or -1 (bad config, nothing changed).
 * Pinning a tier other than the running one switches to it at infer_every 1 (reason
 * FX_REASON_PINNED); unpinning keeps the running rung and adapts from there; lowering
 * max_tier below the running tier (not pinned, or unpinned by this call) steps down to it
 * (FX_REASON_CONFIG); raising it lets the
 * policy climb (headroom already held counts). A change is reported by the next
 * fx_policy_frame. */
int fx_policy_configure(fx_policy *p, const fx_policy_config *cfg);
/* Feeds one frame (processed, paused pass-through, or after drops); *d is the decision for
 * the next frame. Bad values are tolerated: non-finite or negative times count as 0, a
 * timestamp going backwards as no time passing. */
void fx_policy_frame(fx_policy *p, const fx_frame_sample *s, fx_decision *d);
/* Feeds the outgoing encoder's state (from getStats about once a second):
 * quality_limitation FX_QL_*, encode_ms per frame (0 when unknown). Its time is the last
 * frame's t_ms. A change it causes is in force at once and reported by the next
 * fx_policy_frame. */
void fx_policy_encoder(fx_policy *p, int quality_limitation, double encode_ms);
/* The decision in force without feeding a frame (first call after create, before any frame:
 * the start, reported as the change). */
void fx_policy_current(fx_policy *p, fx_decision *d);
/* Tier switches so far (pauses included; infer_every changes and the first choice not). */
int fx_policy_switches(const fx_policy *p);

/* The face effects' detail per tier: the same decision (tier, infer_every) drives both effects,
 * and this table says what a tier means for the face (docs/effects.md, "Face effects"). The
 * landmark model runs on the policy's inference frames (every infer_every-th); these are the
 * knobs on top of that. */
typedef struct fx_face_detail {
  int redetect_every; /* tracking interval: tracked frames between detections (new faces are
                         found sooner on larger tiers) */
  float refine_shift; /* landmark refinement: a second landmark pass on a face whose fresh mesh
                         moves its crop by more than this fraction of the crop's side (centre
                         or side) or this many radians (rotation), as after a detection or a
                         quick move; 0 = never */
  int filter_px;      /* filter detail: the filter picture's pixels per unit of the face's
                         texture space (a unit is about half a face width) */
} fx_face_detail;
/* The detail of tier FX_TIER_SMALL..FX_TIER_LARGE into *d: 0, or -1 (no such tier; a paused
 * effect draws nothing), *d unchanged. */
int fx_policy_face_detail(int tier, fx_face_detail *d);

#ifdef __cplusplus
}
#endif
#endif
