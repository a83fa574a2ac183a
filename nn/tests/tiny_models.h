/* Small TFLite models built with tfl_writer, shared by the unit tests and the fuzz corpus
 * generator. Each returns a malloc'd buffer. */
#ifndef NN_TESTS_TINY_MODELS_H
#define NN_TESTS_TINY_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "tfl_writer.h"

/* input [1,4,4,2] → CONV_2D 1x1 (fp16 weights via DEQUANTIZE, oc 3) → RELU → ADD const [3].
 * Weights w[o][i] = (o + 1) * (i ? -1 : 1) / 2, bias b[o] = o - 1, addend a[o] = 0.25 * o. */
void nnt_conv_model(tm_model *m, int external);
extern const float nnt_conv_w[3][2], nnt_conv_b[3], nnt_conv_a[3];

/* input [1,4,4,2] → PAD(H,W by 1) → MAX_POOL 2x2/2 → AVERAGE_POOL 3x3 SAME → RESIZE_BILINEAR
 * to 6x6 (half-pixel) → MUL const [2] → HARD_SWISH → LOGISTIC → MEAN(H,W) → RESHAPE [1,2]. */
void nnt_chain_model(tm_model *m);
extern const float nnt_chain_scale[2];

/* input [1,2,2,1] → Convolution2DTransposeBias 2x2/2 (w = 1,2,3,4; bias 0.5) → [1,4,4,1]. */
void nnt_tconv_model(tm_model *m);

/* input [1,4,4,2] → DEPTHWISE 3x3 SAME RELU6 (w = 1/9, bias 0) → RESHAPE [1,16,2];
 * input → RESHAPE [1,16,2]; CONCATENATION axis 1 → [1,32,2]; plus PRELU on the input
 * (alpha [2] = 0.5, 0.25) as a second output. */
void nnt_dw_concat_model(tm_model *m);

/* One op of the given builtin code on [1,2,2,2] (for unsupported-op tests). */
void nnt_single_op_model(tm_model *m, int builtin, const char *custom);

uint8_t *nnt_build(const tm_model *m, size_t *len);

#endif
