/* The kernel table: the contract between the engine (which plans, packs and calls) and each
 * kernel set (scalar reference, SSE4.1, AVX2+FMA, WebAssembly SIMD128).
 *
 * The scalar set is the ground truth; every other set must match it within the tolerance
 * stated in nn/tests/test_kernels.c. A set owns its packed weight layout: the engine asks
 * for the packed size, calls *_pack once at load, and passes the packed buffer back at run.
 * All tensors are batch 1, NHWC, float32, densely packed. Kernels never allocate: run-time
 * scratch comes from the arena, sized by *_scratch_size (in floats; may be 0).
 * Fused activation is a clamp to [act_min, act_max] (±INFINITY when none). */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>

typedef struct nn_conv_desc {
  int ih, iw, ic;   /* input height, width, channels */
  int oh, ow, oc;   /* output height, width, channels */
  int kh, kw;       /* kernel size */
  int sh, sw;       /* strides */
  int dh, dw;       /* dilations (1 = none) */
  int pad_t, pad_l; /* explicit top/left padding; bottom/right follow from oh/ow */
  float act_min, act_max;
} nn_conv_desc;

typedef struct nn_kernels {
  const char *name;

  /* CONV_2D. Weights in TFLite layout OHWI [oc][kh][kw][ic]; bias [oc] or NULL (= 0). */
  size_t (*conv_pack_size)(const nn_conv_desc *d);
  void (*conv_pack)(const nn_conv_desc *d, const float *w_ohwi, const float *bias,
                    float *packed);
  size_t (*conv_scratch_size)(const nn_conv_desc *d);
  void (*conv)(const nn_conv_desc *d, const float *in, const float *packed, float *out,
               float *scratch);

  /* DEPTHWISE_CONV_2D. Weights [1][kh][kw][oc], oc = ic * depth_multiplier; bias [oc]. */
  size_t (*dwconv_pack_size)(const nn_conv_desc *d);
  void (*dwconv_pack)(const nn_conv_desc *d, const float *w_1hwo, const float *bias,
                      float *packed);
  void (*dwconv)(const nn_conv_desc *d, const float *in, const float *packed, float *out);

  /* MediaPipe Convolution2DTransposeBias / TRANSPOSE_CONV. Weights OHWI [oc][kh][kw][ic],
   * bias [oc]. In the desc, (ih, iw) is the small input, (oh, ow) the upsampled output,
   * (sh, sw) the upsampling strides and pad_t/pad_l the padding cropped from the full
   * transposed output: out[y][x] gathers in[(y + pad_t - ky) / sh] where divisible. */
  size_t (*tconv_pack_size)(const nn_conv_desc *d);
  void (*tconv_pack)(const nn_conv_desc *d, const float *w_ohwi, const float *bias,
                     float *packed);
  size_t (*tconv_scratch_size)(const nn_conv_desc *d);
  void (*tconv)(const nn_conv_desc *d, const float *in, const float *packed, float *out,
                float *scratch);

  /* Elementwise over n floats; out may alias a or b. */
  void (*add)(const float *a, const float *b, float *out, size_t n, float lo, float hi);
  void (*mul)(const float *a, const float *b, float *out, size_t n, float lo, float hi);
  /* a is [rows][c], b is [c] broadcast over rows (per-channel scale/shift). */
  void (*add_bcast)(const float *a, const float *b, float *out, size_t rows, size_t c,
                    float lo, float hi);
  void (*mul_bcast)(const float *a, const float *b, float *out, size_t rows, size_t c,
                    float lo, float hi);
  void (*clamp)(const float *in, float *out, size_t n, float lo, float hi); /* RELU, RELU6 */
  void (*hswish)(const float *in, float *out, size_t n); /* x * relu6(x + 3) / 6 */
  void (*sigmoid)(const float *in, float *out, size_t n);
  /* PRELU with per-channel alpha [c]: in is [rows][c]. */
  void (*prelu)(const float *in, const float *alpha, float *out, size_t rows, size_t c);

  /* CONV_2D with a residual ADD fused into its store: out = clamp(conv(in) + res), res of
   * out's shape. [act_min, act_max] is the ADD's activation, applied to the sum (the conv
   * itself must have none). Same packing and scratch as conv; out aliases neither in nor
   * res. The sum rounds exactly as a conv store followed by an add would. */
  void (*conv_add)(const nn_conv_desc *d, const float *in, const float *packed,
                   const float *res, float *out, float *scratch);
  /* MUL (per-channel broadcast, as mul_bcast) with a residual ADD fused: out =
   * clamp(a·b + res), res [rows][c]. The product is rounded before the sum, as when the
   * two ops run apart. out may alias a or res. */
  void (*mul_bcast_add)(const float *a, const float *b, const float *res, float *out,
                        size_t rows, size_t c, float lo, float hi);
  /* CONV_2D / DEPTHWISE_CONV_2D followed by HARD_SWISH: out = hswish(clamp(conv(in))),
   * hswish rounding exactly as the hswish entry. Same packing and scratch as conv/dwconv. */
  void (*conv_hswish)(const nn_conv_desc *d, const float *in, const float *packed,
                      float *out, float *scratch);
  void (*dwconv_hswish)(const nn_conv_desc *d, const float *in, const float *packed,
                        float *out);
  /* DEPTHWISE_CONV_2D (with its own activation from d) followed by a residual ADD with
   * activation [lo, hi]: out = clamp(dwconv(in) + res, lo, hi), the dwconv's output
   * rounded before the sum as when the two ops run apart. res may be in itself (blocks that
   * add a depthwise conv's input back); out aliases neither. */
  void (*dwconv_add)(const nn_conv_desc *d, const float *in, const float *packed,
                     const float *res, float *out, float lo, float hi);
  /* CONV_2D, or conv_add when res is not NULL, followed by PRELU with per-channel
   * alpha[oc]: each value rounds exactly as the conv (or conv_add) entry followed by the
   * prelu entry. Same packing and scratch as conv. */
  void (*conv_prelu)(const nn_conv_desc *d, const float *in, const float *packed,
                     const float *res, const float *alpha, float *out, float *scratch);
} nn_kernels;

/* The reference set: plain C, no intrinsics. */
extern const nn_kernels nn_kernels_scalar;

/* Every set compiled into this build that the CPU can run, best first, ending with scalar.
 * Returns the count; fills up to max pointers. */
int nn_kernels_available(const nn_kernels **out, int max);
/* NULL or "auto" = the first of nn_kernels_available(); else by name; NULL if unknown. */
const nn_kernels *nn_kernels_find(const char *name);

#endif
