/* fx: the image side of BuzzStream's video effects, in C beside nn and linked into the same
 * WebAssembly module (build/nn.wasm). One fx_ctx per video stream holds every buffer the
 * effect needs for one frame size, allocated by fx_create/fx_resize and never during a frame.
 *
 * Frame layout: I420, planes packed back to back in one buffer without padding:
 * Y w×h, then U (w/2)×(h/2), then V (w/2)×(h/2); w and h are even. JavaScript copies each
 * VideoFrame there (VideoFrame.copyTo with that layout), calls the steps below, and builds the
 * output VideoFrame from fx_out() (same layout).
 *
 * Per frame:  fx_frame() ← copy camera frame
 *             fx_make_input()          (only on frames that run inference)
 *             nn_run(...)              (the worker runs the model)
 *             fx_update_mask()         (only on frames that ran inference)
 *             fx_composite()           → fx_out()
 * On frames without inference the last mask is reused.
 *
 * Errors: 0 or a negative FX_E* code, named by fx_strerror(). Threads: one ctx, one thread. */
#ifndef FX_H
#define FX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  FX_OK = 0,
  FX_ENOMEM = -1,
  FX_EINVAL = -2, /* bad argument: size out of range, odd size, unknown mode */
};
const char *fx_strerror(int err);

#define FX_MAX_DIM 4096 /* frames and background images: each side at most this */

typedef struct fx_ctx fx_ctx;

/* Colour matrix of the camera frames (VideoFrame.colorSpace.matrix / fullRange). */
enum { FX_MATRIX_BT601 = 0, FX_MATRIX_BT709 = 1 };

/* Effect modes for fx_composite. */
enum {
  FX_MODE_NONE = 0,  /* copy the frame through (still a valid path, for tests) */
  FX_MODE_BLUR = 1,  /* background blurred; strength 1..100 sets the blur radius */
  FX_MODE_IMAGE = 2, /* background replaced by the image of fx_set_background */
};

/* Quality of the mask refinement: the adaptive tiers use a heavier one on larger tiers. */
enum { FX_REFINE_FAST = 0, FX_REFINE_GUIDED = 1, FX_REFINE_GUIDED_FULL = 2 };

/* Creates a context for w×h frames (even, 2..FX_MAX_DIM). Caller frees with fx_destroy. */
int fx_create(fx_ctx **out, int w, int h);
void fx_destroy(fx_ctx *c);
/* Changes the frame size (camera switched); keeps the background image (rescaled), drops the
 * mask history. */
int fx_resize(fx_ctx *c, int w, int h);
int fx_width(const fx_ctx *c);
int fx_height(const fx_ctx *c);

/* The input frame buffer (w*h*3/2 bytes, I420 packed) and the output buffer (same layout).
 * Valid until the next fx_resize/fx_destroy. */
uint8_t *fx_frame(fx_ctx *c);
const uint8_t *fx_out(const fx_ctx *c);

/* Colour conversion of the camera: matrix FX_MATRIX_*, full_range 0 (16..235) or 1. */
void fx_set_color(fx_ctx *c, int matrix, int full_range);

/* Model input from the current frame: the whole frame resized (bilinear, area-averaged when
 * shrinking by more than 2×) to mw×mh (each 1..FX_MAX_DIM), RGB interleaved HWC float,
 * 0..255 mapped onto [lo, hi]. dst holds mw*mh*3 floats (the model's input tensor). */
int fx_make_input(fx_ctx *c, float *dst, int mw, int mh, float lo, float hi);

/* Takes the model's output for the current frame: mw×mh values (mw·mh ≤ 512·512),
 * probabilities in 0..1 (is_logit 0) or logits (1); NaN counts as background. Smooths it
 * over time against the previous mask (still areas steady, moving edges follow at once) and
 * refines it to the working resolution guided by the current frame (refine FX_REFINE_*:
 * FAST and GUIDED give a mask of (w/2)×(h/2), GUIDED_FULL one of w×h). The first call after
 * create/resize/reset, or with a model size other than the last one, takes the output as it
 * is. */
int fx_update_mask(fx_ctx *c, const float *out, int mw, int mh, int is_logit, int refine);
/* Forgets the mask history (effect turned off and on, tier swapped to another model). The
 * current mask stays in use by fx_composite until the next fx_update_mask. */
void fx_reset_mask(fx_ctx *c);

/* Background image for FX_MODE_IMAGE: RGBA8 (bw×bh, each 1..FX_MAX_DIM, rows packed; alpha
 * ignored), scaled to cover the frame (centre crop, aspect kept) and stored as I420 at the
 * frame size with the colour matrix of fx_set_color. The context keeps a copy (bw·bh·4 bytes)
 * so fx_resize and fx_set_color can rebuild it; the caller's buffer is not referenced after
 * the call. */
int fx_set_background(fx_ctx *c, const uint8_t *rgba, int bw, int bh);

/* Writes the output frame: person from the frame, background per mode (strength 1..100 for
 * FX_MODE_BLUR, clamped into that range: light blur ~25, strong ~75). Light wrap at the edge
 * for FX_MODE_IMAGE. Without a mask yet, the frame is copied through. An unknown mode, or
 * FX_MODE_IMAGE before any fx_set_background, returns FX_EINVAL with the frame copied
 * through (the output is always a valid frame). */
int fx_composite(fx_ctx *c, int mode, int strength);

/* The current refined mask at working resolution, for tests and debugging: *w × *h bytes,
 * 0 = background, 255 = person. NULL before the first fx_update_mask. */
const uint8_t *fx_mask(const fx_ctx *c, int *w, int *h);

/* Kernel set in use: "scalar" or "wasm-simd128" (chosen at build time); fx_use_scalar(1)
 * forces the scalar reference kernels, for tests. */
const char *fx_kernels(void);
void fx_use_scalar(int on);

#ifdef __cplusplus
}
#endif
#endif
