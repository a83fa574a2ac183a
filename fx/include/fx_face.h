/* fx face: tracking faces from the landmark mesh and the face effects drawn with it (touch-up,
 * low-light correction, filters), on the frames of an fx_ctx. C beside fx.h, linked into
 * build/nn.wasm like the rest of fx; the models themselves run in nn (face_detection_short,
 * 128×128, and face_landmark, 192×192, 468 points), called by the worker between the steps.
 *
 * Per frame, with one fx_face per video stream (same thread as its fx_ctx):
 *   fx_face_begin(f)                          → does this frame need a detection?
 *   if so: fx_face_detect_input(c, ...) → face_detection_short → fx_face_detections(f, ...)
 *   for i < fx_face_roi_count(f):
 *     fx_face_roi_input(c, f, i, ...) → face_landmark → fx_face_landmarks(f, i, ...)
 *   fx_face_end(f, t_ms)                      smooths (One Euro), drops duplicates and lost faces
 *   fx_face_lowlight / fx_face_touchup / fx_face_overlay on fx_out(c)
 *
 * Coordinates are frame pixels (x right, y down, pixel centres at +0.5). Rectangles rotate
 * clockwise on screen by `rot` radians (MediaPipe's NormalizedRect convention, in pixels).
 * Errors: 0 or a negative FX_E* code (fx.h). Buffers for the effects are allocated by
 * fx_face_create / fx_face_resize (and the filter picture by fx_face_set_sprite), never
 * during a frame. */
#ifndef FX_FACE_H
#define FX_FACE_H

#include <stdint.h>

#include "fx.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FX_FACE_MAX 4           /* faces tracked and drawn at once */
#define FX_FACE_POINTS 468      /* landmarks per face (x, y, z) */
#define FX_FACE_DET_STRIDE 9    /* per detection: score, xmin, ymin, w, h, rex, rey, lex, ley */

typedef struct fx_face fx_face;

typedef struct fx_face_rect {
  float xc, yc; /* centre, frame pixels */
  float size;   /* side of the square, frame pixels */
  float rot;    /* radians, clockwise */
} fx_face_rect;

/* Tracking parameters; fx_face_create sets the defaults given here. */
typedef struct fx_face_params {
  int redetect_every; /* frames between detections while faces are tracked (default 30) */
  int idle_every;     /* frames between detections while none is (default 3) */
  float presence_min; /* face_landmark presence (probability) that keeps a track (0.5) */
  float min_cutoff;   /* One Euro: Hz at rest (default 0.6) */
  float beta;         /* One Euro: cutoff rise per face size per second of speed (default 15) */
  float d_cutoff;     /* One Euro: Hz of the speed estimate (default 1.5) */
} fx_face_params;

/* Face statistics since create (or fx_face_reset). */
typedef struct fx_face_stats {
  int faces;          /* tracked now */
  int tracked_frames; /* frames whose landmarks came from the previous frame's mesh only */
  int detections;     /* frames that ran detection */
  int redetections;   /* detections run because a face was lost or the interval expired */
  int refinements;    /* second landmark passes (fx_face_refine_roi returned 1) */
} fx_face_stats;

/* For w×h frames (the fx_ctx's size). Caller frees with fx_face_destroy. */
int fx_face_create(fx_face **out, int w, int h);
void fx_face_destroy(fx_face *f);
/* New frame size: buffers reallocated, tracks dropped. */
int fx_face_resize(fx_face *f, int w, int h);
/* Drops every track (effect off and on again) and zeroes the statistics. */
void fx_face_reset(fx_face *f);
void fx_face_get_params(const fx_face *f, fx_face_params *p);
int fx_face_set_params(fx_face *f, const fx_face_params *p); /* FX_EINVAL if out of range */
void fx_face_get_stats(const fx_face *f, fx_face_stats *s);

/* ---- geometry (pure functions, exposed for tests) ---- */

/* The landmark model's crop for a detection: the box centre, rotation from the eye line
 * (right eye = the subject's, on the image's left), side = 1.5 × the box's longer side. */
void fx_face_rect_from_detection(const float det[FX_FACE_DET_STRIDE], fx_face_rect *r);
/* The crop for the next frame from a mesh (n × 3): rotation from the eye corners (points 33
 * and 263), the mesh's extent along and across the eye line, side = 1.5 × the longer. */
void fx_face_rect_from_mesh(const float *pts, int n, fx_face_rect *r);
/* Model output (n × 3 in pixels of an mw × mh input) through the crop to frame pixels; z is
 * scaled like x. */
void fx_face_project(const float *raw, int n, int mw, int mh, const fx_face_rect *r, float *out);

/* ---- model inputs (from the current frame, fx_frame(c)) ---- */

/* Detection input: the whole frame letterboxed into a square (black bars), mw × mh RGB
 * float HWC, 0..255 mapped onto [lo, hi]. */
int fx_face_detect_input(fx_ctx *c, float *dst, int mw, int mh, float lo, float hi);
/* Landmark input: the rotated square r sampled bilinearly (black outside the frame). */
int fx_face_crop_input(fx_ctx *c, const fx_face_rect *r, float *dst, int mw, int mh, float lo,
                       float hi);

/* ---- tracking ---- */

/* Starts a frame; returns 1 when it must run detection (no face, a face lost since the last
 * detection, or the interval expired), else 0. */
int fx_face_begin(fx_face *f);
/* Detections of this frame (n × FX_FACE_DET_STRIDE floats, box and eyes normalised to the
 * letterboxed square of fx_face_detect_input, the layout nn_face has). A detection that does
 * not overlap a tracked face starts a new track, up to FX_FACE_MAX. */
int fx_face_detections(fx_face *f, const float *det, int n);
/* Faces to run the landmark model on this frame, and the crop of each. */
int fx_face_roi_count(const fx_face *f);
int fx_face_roi(const fx_face *f, int i, fx_face_rect *r);
/* Landmark output for crop i: raw n × 3 (n = FX_FACE_POINTS) in pixels of mw × mh, and the
 * presence logit. A face below presence_min is dropped at fx_face_end. */
int fx_face_landmarks(fx_face *f, int i, const float *raw, int mw, int mh, float presence_logit);
/* Landmark refinement, after fx_face_landmarks(f, i, ...): when the crop that this frame's
 * (raw) mesh gives differs from the one the model saw by more than min_shift (fraction of the
 * side for the centre and the side, radians for the rotation), face i's crop becomes it and 1
 * is returned: run the landmark model on fx_face_roi(f, i) again and hand the result to
 * fx_face_landmarks(f, i, ...), which replaces the first pass. 0: nothing to refine (moved
 * less, the face below presence_min, min_shift ≤ 0); FX_EINVAL without face i. */
int fx_face_refine_roi(fx_face *f, int i, float min_shift);
/* Ends the frame at t_ms (capture time): smooths each kept mesh, sets the next crops, drops
 * lost faces and duplicates. Returns the number of faces. */
int fx_face_end(fx_face *f, double t_ms);
/* Faces now, and the smoothed mesh of face i (FX_FACE_POINTS × 3, frame pixels; NULL if none). */
int fx_face_count(const fx_face *f);
const float *fx_face_mesh(const fx_face *f, int i);
/* Frames that do not run the landmark model (the policy's infer_every > 1): moves each mesh
 * on from its last smoothing to t_ms (at most 150 ms) with the smoothed speed and rotation,
 * so the effects keep up with a moving face. fx_face_end resets it to the smoothed mesh. */
int fx_face_predict(fx_face *f, double t_ms);
/* Sets face i's mesh directly (tests, and frames that reuse a mesh): no smoothing. */
int fx_face_set_mesh(fx_face *f, const float *pts);

/* One Euro filter of one value (exposed for the tuning tests). */
typedef struct fx_one_euro {
  float x, dx;
  double t;
  int init;
} fx_one_euro;
/* Filters x at time t_s (seconds); scale divides the speed (a face's size, so the cutoff does
 * not depend on how near the face is). */
float fx_one_euro_step(fx_one_euro *s, float x, double t_s, float scale, float min_cutoff,
                       float beta, float d_cutoff);

/* ---- effects on the output frame (fx_out(c)), for every tracked face ---- */

/* The skin mask of the faces (for tests): w × h bytes, 255 = skin to smooth, 0 = keep sharp
 * (eyes, brows, lips, nostrils, hair, background); made by fx_face_touchup. */
const uint8_t *fx_face_skin_mask(const fx_face *f);
/* Smooths the skin under the mesh: a self-guided filter of the luma, applied through the
 * skin mask; strength 0..100 (0 = nothing). */
int fx_face_touchup(fx_ctx *c, fx_face *f, int strength);
/* For a back end that draws the effects itself (WebGL2, web/js/effects/gl-compositor.js):
 * the skin mask of fx_face_touchup, its colour gate read from the camera frame fx_frame(c)
 * instead of fx_out (fx_face_skin_mask then returns it). face_width (may be NULL): the widest
 * face's width in frame pixels (0 without a face), which sets the smoothing window as in
 * fx_face_touchup (half-resolution radius width / 30, 2..24). Returns the faces drawn. */
int fx_face_skin_frame(fx_ctx *c, fx_face *f, float *face_width);
/* Low-light correction: a local tone curve (per-region gamma, never clipping) that lifts a
 * dim face towards mid-grey and its darker side more; the background gets a fraction of the
 * faces' lift. strength 0..100. Without a face, a mild global lift of a dark frame only. */
int fx_face_lowlight(fx_ctx *c, fx_face *f, int strength);
/* The tone curve of fx_face_lowlight as a grid, for a back end that applies it itself: luma of
 * fx_frame(c), cells of 16 pixels, gw = ceil(w / 16) × gh = ceil(h / 16), two bytes per cell:
 * γ as 255 (γ − 0.4) / 0.6 (γ ∈ [0.4, 1], applied to the normalised luma, interpolated
 * between cell centres) and the chroma gain k as 255 (k − 1) / 0.4 (k ∈ [1, 1.4]). out holds
 * 2 gw gh bytes. */
int fx_face_lowlight_grid(fx_ctx *c, fx_face *f, int strength, uint8_t *out);
/* The filter picture: RGBA8 sw × sh (1..1024 each) covering [u0, u1] × [v0, v1] of the face's
 * texture space (see fx_face_overlay). Copied; NULL clears. */
int fx_face_set_sprite(fx_ctx *c, fx_face *f, const uint8_t *rgba, int sw, int sh, float u0,
                       float v0, float u1, float v1);
/* Draws the sprite on every face, alpha-blended, through the mesh's texture coordinates: a
 * 7 × 7 lattice whose inner 3 × 3 points are mesh points (forehead 103 / 10 / 332, eye line
 * 234 / 168 / 454, jaw 172 / 152 / 397, at u, v = −1, 0, 1) and whose outer rings (to ±3) are
 * extrapolated, mapped piecewise-affinely (two triangles per cell), so the picture follows the
 * face as it moves, turns and tilts. */
int fx_face_overlay(fx_ctx *c, fx_face *f);
/* The 7 × 7 lattice of fx_face_overlay for face i: out[2 (7 r + c) + 0, 1] = frame (x, y) of
 * texture point u = c − 3, v = r − 3 (98 floats). FX_EINVAL without face i. */
int fx_face_lattice(const fx_face *f, int i, float *out);
/* Texture coordinates (u, v) of frame point (x, y) on face i, for tests: 0 if outside. */
int fx_face_tex_at(const fx_face *f, int i, float x, float y, float *u, float *v);

#ifdef __cplusplus
}
#endif
#endif
