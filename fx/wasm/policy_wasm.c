/* wasm exports of fx_policy.h for the effects worker (web/js/effects/). A handle is a pointer
 * into wasm memory that JavaScript only passes back; it owns the one fx_decision that
 * fxp_wasm_frame and fxp_wasm_current return, which JavaScript reads as 5 consecutive int32
 * (tier, infer_every, changed, from, reason) and which stays valid until the next call on the
 * same handle. fxp_wasm_create allocates (malloc, once per effect stream); fxp_wasm_destroy
 * frees. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fx_policy.h"

#define FXP_EXPORT(name) __attribute__((export_name(#name)))

static_assert(sizeof(int) == 4, "fx_decision is read as int32");
static_assert(sizeof(fx_decision) == 20, "fx_decision: 5 int32, no padding");
static_assert(offsetof(fx_decision, tier) == 0, "tier at 0");
static_assert(offsetof(fx_decision, infer_every) == 4, "infer_every at 4");
static_assert(offsetof(fx_decision, changed) == 8, "changed at 8");
static_assert(offsetof(fx_decision, from) == 12, "from at 12");
static_assert(offsetof(fx_decision, reason) == 16, "reason at 16");

typedef struct fxp_handle {
  fx_policy *p;
  fx_decision d;
} fxp_handle;

/* pinned: FX_POLICY_AUTO (-2) or a tier. Returns 0 for a bad config. */
FXP_EXPORT(fxp_wasm_create)
fxp_handle *fxp_wasm_create(double target_fps, int max_tier, int pinned) {
  fxp_handle *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  fx_policy_config cfg = {.target_fps = target_fps, .max_tier = max_tier, .pinned = pinned};
  if (fx_policy_create(&h->p, &cfg) != 0) {
    free(h);
    return NULL;
  }
  return h;
}

FXP_EXPORT(fxp_wasm_destroy) void fxp_wasm_destroy(fxp_handle *h) {
  if (!h) return;
  fx_policy_destroy(h->p);
  free(h);
}

/* 0, or -1 for a bad config (nothing changed). */
FXP_EXPORT(fxp_wasm_configure)
int fxp_wasm_configure(fxp_handle *h, double target_fps, int max_tier, int pinned) {
  if (!h) return -1;
  fx_policy_config cfg = {.target_fps = target_fps, .max_tier = max_tier, .pinned = pinned};
  return fx_policy_configure(h->p, &cfg);
}

FXP_EXPORT(fxp_wasm_frame)
const fx_decision *fxp_wasm_frame(fxp_handle *h, double t_ms, double total_ms, double infer_ms,
                                  double composite_ms, int dropped) {
  if (!h) return NULL;
  fx_frame_sample s = {.t_ms = t_ms,
                       .total_ms = total_ms,
                       .infer_ms = infer_ms,
                       .composite_ms = composite_ms,
                       .dropped = dropped};
  fx_policy_frame(h->p, &s, &h->d);
  return &h->d;
}

FXP_EXPORT(fxp_wasm_encoder)
void fxp_wasm_encoder(fxp_handle *h, int quality_limitation, double encode_ms) {
  if (h) fx_policy_encoder(h->p, quality_limitation, encode_ms);
}

FXP_EXPORT(fxp_wasm_current) const fx_decision *fxp_wasm_current(fxp_handle *h) {
  if (!h) return NULL;
  fx_policy_current(h->p, &h->d);
  return &h->d;
}

/* fx_policy_face_detail of a tier as 3 int32 in a static block (valid until the next call):
 * redetect_every, refine_shift in thousandths, filter_px; NULL for no such tier. */
static int32_t face_detail_out[3];
FXP_EXPORT(fxp_wasm_face_detail) const int32_t *fxp_wasm_face_detail(int tier) {
  fx_face_detail d;
  if (fx_policy_face_detail(tier, &d) != 0) return NULL;
  face_detail_out[0] = d.redetect_every;
  face_detail_out[1] = (int32_t)(d.refine_shift * 1000.0f + 0.5f);
  face_detail_out[2] = d.filter_px;
  return face_detail_out;
}

FXP_EXPORT(fxp_wasm_switches) int fxp_wasm_switches(fxp_handle *h) {
  return h ? fx_policy_switches(h->p) : 0;
}
