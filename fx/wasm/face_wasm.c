/* wasm exports of fx_face.h for the effects worker (web/js/effects/face-engine.js). Handles
 * are pointers into wasm memory that JavaScript only passes back. fxf_wasm_create allocates
 * (once per stream and frame size), fxf_wasm_destroy frees. Pointers returned by
 * fxf_wasm_roi / fxf_wasm_stats point into one static block, valid until the next call of the
 * same function (the worker is one thread). Detection output is decoded here by nn's BlazeFace
 * decoder (nn/include/nn_post.h), so the worker never loops over 896 anchors in JavaScript. */
#include <stddef.h>
#include <stdint.h>

#include "fx_face.h"
#include "nn_post.h"

#define FXF_EXPORT(name) __attribute__((export_name(#name)))

static float roi_out[4];
static int32_t stats_out[5];

FXF_EXPORT(fxf_wasm_create) fx_face *fxf_wasm_create(int w, int h) {
  fx_face *f = NULL;
  return fx_face_create(&f, w, h) == FX_OK ? f : NULL;
}
FXF_EXPORT(fxf_wasm_destroy) void fxf_wasm_destroy(fx_face *f) { fx_face_destroy(f); }
FXF_EXPORT(fxf_wasm_resize) int fxf_wasm_resize(fx_face *f, int w, int h) { return fx_face_resize(f, w, h); }
FXF_EXPORT(fxf_wasm_reset) void fxf_wasm_reset(fx_face *f) { fx_face_reset(f); }

FXF_EXPORT(fxf_wasm_set_params)
int fxf_wasm_set_params(fx_face *f, int redetect_every, int idle_every, float presence_min,
                        float min_cutoff, float beta, float d_cutoff) {
  fx_face_params p = {redetect_every, idle_every, presence_min, min_cutoff, beta, d_cutoff};
  return fx_face_set_params(f, &p);
}

FXF_EXPORT(fxf_wasm_begin) int fxf_wasm_begin(fx_face *f) { return f ? fx_face_begin(f) : 0; }

FXF_EXPORT(fxf_wasm_detect_input)
int fxf_wasm_detect_input(fx_ctx *c, float *dst, int mw, int mh, float lo, float hi) {
  return fx_face_detect_input(c, dst, mw, mh, lo, hi);
}

/* Decodes BlazeFace short-range outputs (896 × 16 regressors, 896 logits) and hands the faces
 * to the tracker. Returns the number decoded, or a negative FX_E* code. */
FXF_EXPORT(fxf_wasm_detect)
int fxf_wasm_detect(fx_face *f, const float *regressors, const float *logits, float min_score,
                    float iou) {
  if (!f || !regressors || !logits) return FX_EINVAL;
  nn_face faces[FX_FACE_MAX];
  int n = nn_blazeface_decode(regressors, logits, min_score, iou, faces, FX_FACE_MAX);
  if (n < 0) return FX_EINVAL;
  float det[FX_FACE_MAX * FX_FACE_DET_STRIDE];
  for (int i = 0; i < n; i++) {
    float *d = det + i * FX_FACE_DET_STRIDE;
    d[0] = faces[i].score, d[1] = faces[i].xmin, d[2] = faces[i].ymin;
    d[3] = faces[i].w, d[4] = faces[i].h;
    d[5] = faces[i].kp[0][0], d[6] = faces[i].kp[0][1], d[7] = faces[i].kp[1][0], d[8] = faces[i].kp[1][1];
  }
  int rc = fx_face_detections(f, det, n);
  return rc < 0 ? rc : n;
}

FXF_EXPORT(fxf_wasm_roi_count) int fxf_wasm_roi_count(fx_face *f) { return fx_face_roi_count(f); }
/* The crop of face i as 4 floats (xc, yc, size, rot), or 0. */
FXF_EXPORT(fxf_wasm_roi) float *fxf_wasm_roi(fx_face *f, int i) {
  fx_face_rect r;
  if (fx_face_roi(f, i, &r) != FX_OK) return NULL;
  roi_out[0] = r.xc, roi_out[1] = r.yc, roi_out[2] = r.size, roi_out[3] = r.rot;
  return roi_out;
}
FXF_EXPORT(fxf_wasm_roi_input)
int fxf_wasm_roi_input(fx_ctx *c, fx_face *f, int i, float *dst, int mw, int mh, float lo, float hi) {
  fx_face_rect r;
  int rc = fx_face_roi(f, i, &r);
  return rc != FX_OK ? rc : fx_face_crop_input(c, &r, dst, mw, mh, lo, hi);
}
FXF_EXPORT(fxf_wasm_landmarks)
int fxf_wasm_landmarks(fx_face *f, int i, const float *raw, int mw, int mh, float logit) {
  return fx_face_landmarks(f, i, raw, mw, mh, logit);
}
FXF_EXPORT(fxf_wasm_refine_roi) int fxf_wasm_refine_roi(fx_face *f, int i, float min_shift) {
  return fx_face_refine_roi(f, i, min_shift);
}
FXF_EXPORT(fxf_wasm_end) int fxf_wasm_end(fx_face *f, double t_ms) { return fx_face_end(f, t_ms); }
FXF_EXPORT(fxf_wasm_predict) int fxf_wasm_predict(fx_face *f, double t_ms) { return fx_face_predict(f, t_ms); }
FXF_EXPORT(fxf_wasm_count) int fxf_wasm_count(fx_face *f) { return fx_face_count(f); }
FXF_EXPORT(fxf_wasm_mesh) const float *fxf_wasm_mesh(fx_face *f, int i) { return fx_face_mesh(f, i); }
/* faces, tracked_frames, detections, redetections, refinements (int32). */
FXF_EXPORT(fxf_wasm_stats) int32_t *fxf_wasm_stats(fx_face *f) {
  fx_face_stats s = {0, 0, 0, 0, 0};
  if (f) fx_face_get_stats(f, &s);
  stats_out[0] = s.faces, stats_out[1] = s.tracked_frames, stats_out[2] = s.detections;
  stats_out[3] = s.redetections, stats_out[4] = s.refinements;
  return stats_out;
}

FXF_EXPORT(fxf_wasm_touchup) int fxf_wasm_touchup(fx_ctx *c, fx_face *f, int strength) {
  return fx_face_touchup(c, f, strength);
}
FXF_EXPORT(fxf_wasm_lowlight) int fxf_wasm_lowlight(fx_ctx *c, fx_face *f, int strength) {
  return fx_face_lowlight(c, f, strength);
}
FXF_EXPORT(fxf_wasm_set_sprite)
int fxf_wasm_set_sprite(fx_ctx *c, fx_face *f, const uint8_t *rgba, int sw, int sh, float u0,
                        float v0, float u1, float v1) {
  return fx_face_set_sprite(c, f, rgba, sw, sh, u0, v0, u1, v1);
}
FXF_EXPORT(fxf_wasm_overlay) int fxf_wasm_overlay(fx_ctx *c, fx_face *f) { return fx_face_overlay(c, f); }
FXF_EXPORT(fxf_wasm_skin_mask) const uint8_t *fxf_wasm_skin_mask(fx_face *f) { return fx_face_skin_mask(f); }

/* For the WebGL2 back end (gl-compositor.js draws the effects): the skin mask from the camera
 * frame (then fxf_wasm_skin_mask), returning the widest face's width in pixels (0: none, −1:
 * error); the low-light grid into out (2 ceil(w/16) ceil(h/16) bytes); face i's lattice as 98
 * floats in a static block (valid until the next call), or NULL. */
static float lattice_out[98];
FXF_EXPORT(fxf_wasm_skin_frame) float fxf_wasm_skin_frame(fx_ctx *c, fx_face *f) {
  float width = 0;
  return fx_face_skin_frame(c, f, &width) < 0 ? -1.0f : width;
}
FXF_EXPORT(fxf_wasm_lowlight_grid)
int fxf_wasm_lowlight_grid(fx_ctx *c, fx_face *f, int strength, uint8_t *out) {
  return fx_face_lowlight_grid(c, f, strength, out);
}
FXF_EXPORT(fxf_wasm_lattice) const float *fxf_wasm_lattice(fx_face *f, int i) {
  return fx_face_lattice(f, i, lattice_out) == FX_OK ? lattice_out : NULL;
}
