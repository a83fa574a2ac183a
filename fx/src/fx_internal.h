/* Internals of fx shared by its .c files: the context, the kernel table, resampling taps.
 * Not part of the public API (fx/include/fx.h is). */
#ifndef FX_INTERNAL_H
#define FX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fx.h"

/* Model outputs (fx_update_mask) hold at most this many values; the mask history is
 * allocated for it up front. Segmentation models output 256×256 or less. */
#define FX__MAX_MASK_PIXELS (512 * 512)
/* Resampling taps per table: a source of n ≤ FX_MAX_DIM samples onto m ≤ FX_MAX_DIM
 * outputs needs at most n + 2m weights (see resample.c). */
#define FX__TAPS_CAP (3 * FX_MAX_DIM + 16)
/* Every row buffer gets this much slack so SIMD stores of a whole vector stay inside. */
#define FX__PAD 64
/* Guided filter: window radius on the coefficient grid (¼ of the frame: 4 ≈ 16 frame
 * pixels, which snaps a mask edge that is up to ±6 px off onto the luma edge) and ε in 8-bit
 * levels squared (0.004 on a 0..1 scale). r ≤ 5 keeps the window sums within int32. */
#define FX__GUIDED_R 4
#define FX__EDGE_LO 96  /* mask levels below → background (edge_lut) */
#define FX__EDGE_HI 192 /* mask levels above → person */
#define FX__GUIDED_EPS (0.004f * 255.0f * 255.0f)
/* Guided coefficients are clamped to |a| ≤ this so every fixed-point product fits int32. */
#define FX__GUIDED_AMAX 16.0f
/* Light wrap in FX_MODE_IMAGE: how much of the blurred background reaches the person's edge
 * (0..256), and the radius of the mask blur that finds the edge (grid pixels). */
#define FX__WRAP_AMOUNT 110
#define FX__WRAP_R 2

/* Separable resampling weights: output o reads source samples start[o] .. start[o] +
 * (off[o+1] - off[o]) - 1 with weights w[off[o]] ..., which sum to exactly 256. */
typedef struct fx__taps {
  int m;          /* outputs */
  int32_t *start; /* m */
  int32_t *off;   /* m + 1 */
  uint16_t *w;    /* FX__TAPS_CAP */
} fx__taps;

/* The kernel set: every hot loop of fx, scalar reference and WebAssembly SIMD128 versions
 * behind the same table. Widths are in elements; no kernel reads or writes outside
 * [0, n) of its rows (the SIMD set does the tails with the scalar code). */
typedef struct fx__kern {
  const char *name;
  /* 2×2 average with edge replicate: src sw×sh → dst ((sw+1)/2)×((sh+1)/2), rounded. */
  void (*down2)(const uint8_t *src, int sw, int sh, uint8_t *dst);
  /* Horizontal upsampling by f (2 or 4; other f take the scalar path), centre-aligned
   * bilinear with edge clamp, src n → dst n·f. The u8 form rounds; the i32 form leaves the
   * result scaled by 2f (weights in units of 1/(2f)). */
  void (*up_h_u8)(const uint8_t *src, int n, int f, uint8_t *dst);
  void (*up_h_i32)(const int32_t *src, int n, int f, int32_t *dst);
  /* dst = (a·wa + b·wb + 2^(sh-1)) >> sh, wa + wb = 2^sh. */
  void (*lerp_u8)(const uint8_t *a, const uint8_t *b, int wa, int wb, int sh, uint8_t *dst, int n);
  /* dst = (a·wa + b·wb + 2^15) >> 16 for 8.8 rows a, b and wa + wb = 256. */
  void (*vlerp16)(const uint16_t *a, const uint16_t *b, int wa, int wb, uint8_t *dst, int n);
  /* acc = (first ? 0 : acc) + wgt·row  (the weights of one output row sum to 256). */
  void (*vacc)(uint16_t *acc, const uint8_t *row, int wgt, int first, int n);
  /* dst[o] = Σ taps of acc (16.16 fixed point of the source scale). */
  void (*hresample)(const uint16_t *acc, const fx__taps *t, uint32_t *dst);
  /* Y, U, V rows (16.16) → RGB interleaved floats, n pixels; k: fx__yuv2rgb. */
  void (*yuv_rgbf)(const uint32_t *y, const uint32_t *u, const uint32_t *v, int n, const float *k,
                   float *dst);
  /* Guided-filter inputs from guide I and mask p: f0 = I, f1 = p, f2 = I², f3 = I·p. */
  void (*guided_fields)(const uint8_t *I, const uint8_t *p, int n, int32_t *f0, int32_t *f1,
                        int32_t *f2, int32_t *f3);
  /* Vertical box filter of radius r over a w×h int32 image, rows beyond the edges mirrored
   * (symmetric: -1 → 0, h → h-1), running column sums in col (w):
   * dst = sh ? (sum·inv + 2^(sh-1)) >> sh : sum. */
  void (*box_v)(const int32_t *src, int32_t *dst, int32_t *col, int w, int h, int r, int inv,
                int sh);
  /* dst (h×w) = transpose of src (w×h). */
  void (*transpose)(const int32_t *src, int w, int h, int32_t *dst);
  /* Guided-filter coefficients from window sums (N pixels per window): A, B in Q10. */
  void (*guided_ab)(const int32_t *s0, const int32_t *s1, const int32_t *s2, const int32_t *s3,
                    int n, int N, float eps_n2, int32_t *a, int32_t *b);
  /* x = nearbyint(x·s). */
  void (*scale_i32)(int32_t *x, int n, float s);
  /* One output row of the guided filter: A = a0·wa + a1·wb (same for B), q = clamp((A·I + B
   * + 2^(sh-1)) >> sh, 0, 255). */
  void (*guided_q)(const uint8_t *I, const int32_t *a0, const int32_t *a1, const int32_t *b0,
                   const int32_t *b1, int wa, int wb, int sh, uint8_t *dst, int n);
  /* Background-weighted 4× downsampling of a luma plane (w×h, even) with weights 256 − m
   * of the half-resolution mask (w/2 × h/2): num (≈ Σ Y·wgt / 16) and den (Σ wgt · 32) on
   * the grid gw × gh = ceil(w/4) × ceil(h/4). bg = 128·num/den. */
  void (*prem_y)(const uint8_t *y, int w, int h, const uint8_t *m, int32_t *num, int32_t *den);
  /* The same for the chroma planes (cw×ch) with the mask at their resolution: one den. */
  void (*prem_uv)(const uint8_t *u, const uint8_t *v, int cw, int ch, const uint8_t *m, int32_t *nu,
                  int32_t *nv, int32_t *den);
  /* dst = clamp((int)(num·128 / max(den, 1) + 0.5), 0, 255). */
  void (*ratio)(const int32_t *num, const int32_t *den, int n, uint8_t *dst);
  /* dst = round((m·src + (255 − m)·bg) / 255). */
  void (*blend)(const uint8_t *src, const uint8_t *bg, const uint8_t *m, uint8_t *dst, int n);
  /* Light wrap: wr = ((255 − mb)·amount + 128) >> 8, dst = (src·(256 − wr) + bgb·wr + 128)
   * >> 8. */
  void (*wrap)(const uint8_t *src, const uint8_t *bgb, const uint8_t *mb, int amount, uint8_t *dst,
               int n);
} fx__kern;

extern const fx__kern fx__kern_scalar;
#if defined(__wasm_simd128__)
extern const fx__kern fx__kern_simd128;
#endif
/* The set in use (fx_use_scalar switches it). */
const fx__kern *fx__k(void);

/* Scalar helpers the SIMD set calls for its tails (or uses as they are). */
void fx__hresample(const uint16_t *acc, const fx__taps *t, uint32_t *dst);
void fx__down2_rows(const uint8_t *src, int sw, int sh, uint8_t *dst, int x0, int y);
void fx__up_h_u8_range(const uint8_t *src, int n, int f, uint8_t *dst, int i0, int i1);
void fx__up_h_i32_range(const int32_t *src, int n, int f, int32_t *dst, int i0, int i1);
void fx__prem_y_cells(const uint8_t *y, int w, int h, const uint8_t *m, int32_t *num, int32_t *den,
                      int gy, int gx0);
void fx__prem_uv_cells(const uint8_t *u, const uint8_t *v, int cw, int ch, const uint8_t *m,
                       int32_t *nu, int32_t *nv, int32_t *den, int gy, int gx0);

/* Colour conversion constants (see input.c). */
enum {
  FX__K_YO,
  FX__K_YS,
  FX__K_CRR,
  FX__K_CBG,
  FX__K_CRG,
  FX__K_CBB,
  FX__K_LO,
  FX__K_SC,
  FX__K_N
};

/* Row cache for upsampling a low-resolution plane row by row: slot i&1 holds the
 * horizontally upsampled row i. */
typedef struct fx__ring {
  void *slot[2];
  int idx[2];
} fx__ring;

/* Vertical position of output row y when upsampling by f: rows ia (weight wa) and ib
 * (weight wb) of the low-resolution image, wa + wb = 2f. */
void fx__vpos(int y, int f, int n, int *ia, int *wa, int *ib, int *wb);
/* Row j of a plane of h rows under symmetric mirroring, for any j. */
static inline int fx__fold(int j, int h) {
  int p = 2 * h;
  j %= p;
  if (j < 0) j += p;
  return j < h ? j : p - 1 - j;
}

struct fx_ctx {
  int w, h;     /* frame */
  int hw, hh;   /* half resolution = chroma planes: w/2 × h/2 */
  int gw, gh;   /* grid of the guided coefficients and of the luma blur: ceil(w/4) × ceil(h/4) */
  int cgw, cgh; /* grid of the chroma blur: ceil(w/8) × ceil(h/8) */
  int matrix, full_range;
  float yuv2rgb[FX__K_N]; /* lo = 0, sc = 1 here; fx_make_input fills its own copy */
  float rgb2yuv[9 + 3];   /* rows Y, U, V (coefficients of R, G, B), then offsets */

  uint8_t *frame, *out; /* w·h·3/2 each, I420 packed */

  /* Mask state. */
  int have_mask;         /* a refined mask exists */
  int mask_is_full;      /* the last refine was FX_REFINE_GUIDED_FULL: mask_full is valid */
  unsigned mask_version; /* bumped by every fx_update_mask */
  int hist_w, hist_h;    /* model size of the history; 0 = none */
  uint16_t *hist;        /* FX__MAX_MASK_PIXELS, 8.8 fixed point levels */
  uint8_t *msm;          /* FX__MAX_MASK_PIXELS, smoothed mask at model resolution */
  uint8_t *mask_half;    /* hw × hh */
  uint8_t *mask_full;    /* w × h */
  uint8_t *ghalf;        /* hw × hh: luma at half resolution (guide) */
  uint8_t *glo, *plo;    /* gw × gh: guide and mask on the grid */
  int32_t *work[6];      /* gw·gh each: guided fields, blur planes */
  int32_t *col;          /* max(gw, gh) + FX__PAD: running column sums */
  uint8_t *rowbuf[4];    /* w + FX__PAD each */
  uint8_t *ring8[8];     /* 4·gw + FX__PAD each: upsampled rows (≥ w) */
  int32_t *ring32[4];    /* 4·gw + FX__PAD each */
  uint8_t *blo;          /* gw·gh + 2·cgw·cgh: blurred background, Y then U then V */
  uint8_t *mb_lo;        /* gw·gh + cgw·cgh: blurred mask for the light wrap, Y then C */
  unsigned mb_version;   /* mask_version mb_lo was made from, + 1 (0 = never) */

  /* Resampling (make_input, masks, background). */
  fx__taps tx, ty, cx, cy;
  uint16_t *acc[3];    /* FX_MAX_DIM + FX__PAD each */
  uint32_t *hrow[3];   /* FX_MAX_DIM + FX__PAD each */
  float sig_lut[1026]; /* logistic on [-16, 16] in steps of 1/32, plus guard */
  uint8_t edge_lut[256]; /* refined mask → final mask: the soft edge narrowed (mask.c) */

  /* Background image (FX_MODE_IMAGE). */
  uint8_t *bg_rgba; /* the caller's image, bw × bh × 4, kept for fx_resize */
  int bw, bh;
  uint8_t *bg;      /* w·h·3/2, I420 at frame size; NULL when no image */
  uint8_t *bgb_lo;  /* gw·gh + 2·cgw·cgh: its blur on the grid (light wrap) */
  uint16_t *bg_acc; /* 4·bw + FX__PAD: conversion scratch */
  float *bg_rgb;    /* 2 × 3·w: conversion scratch (two RGB rows) */

  void *mem;   /* the one block all frame-size buffers live in */
  void *bgmem; /* the block of bg and bgb_lo */
};

/* resample.c */
int fx__taps_build(fx__taps *t, int n, int m, double off, double len);
/* src sw×sh → dst dw×dh, the destination spanning lx × ly source samples from the origin. */
void fx__resample_u8(fx_ctx *c, const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                     double lx, double ly);
/* blur.c: background-weighted blur of the frame on the grids (composite) and the plain blur
 * of the background image (fx_set_background); results in u8 planes Y (gw×gh), U, V
 * (cgw×cgh each). mask NULL = uniform weights. */
void fx__blur_planes(fx_ctx *c, const uint8_t *yuv, const uint8_t *mask_half, int ry, int rc,
                     uint8_t *dst);
void fx__box_blur_u8(fx_ctx *c, const uint8_t *src, int w, int h, int r, int passes, uint8_t *dst);
/* background.c */
int fx__bg_rebuild(fx_ctx *c);
void fx__bg_free(fx_ctx *c);
/* input.c */
void fx__color_update(fx_ctx *c);

#endif
