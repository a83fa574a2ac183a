/* The operator table: TFLite codes → engine kinds → prepare/run functions. */
#include <string.h>

#include "internal.h"
#include "ops.h"

/* name, BuiltinOptions type (schema.fbs union index), prepare, run, and for operators whose
 * output rows threads may split, the row-range run. */
const nn__op nn__ops[NN__OP_COUNT] = {
    [NN__OP_CONV] = {"CONV_2D", 1, nn__prep_conv, nn__run_conv, nn__rows_conv},
    [NN__OP_DWCONV] = {"DEPTHWISE_CONV_2D", 2, nn__prep_dwconv, nn__run_dwconv,
                       nn__rows_dwconv},
    [NN__OP_TCONV] = {"Convolution2DTransposeBias", 0, nn__prep_tconv, nn__run_tconv, NULL},
    [NN__OP_ADD] = {"ADD", 11, nn__prep_binary, nn__run_binary, NULL},
    [NN__OP_MUL] = {"MUL", 21, nn__prep_binary, nn__run_binary, NULL},
    [NN__OP_RELU] = {"RELU", 0, nn__prep_unary, nn__run_unary, NULL},
    [NN__OP_RELU6] = {"RELU6", 0, nn__prep_unary, nn__run_unary, NULL},
    [NN__OP_RELU_N1_1] = {"RELU_N1_TO_1", 0, nn__prep_unary, nn__run_unary, NULL},
    [NN__OP_HSWISH] = {"HARD_SWISH", 0, nn__prep_unary, nn__run_unary, NULL},
    [NN__OP_LOGISTIC] = {"LOGISTIC", 0, nn__prep_unary, nn__run_unary, NULL},
    [NN__OP_TANH] = {"TANH", 0, nn__prep_unary, nn__run_unary, NULL},
    [NN__OP_PRELU] = {"PRELU", 0, nn__prep_prelu, nn__run_prelu, NULL},
    [NN__OP_AVGPOOL] = {"AVERAGE_POOL_2D", 5, nn__prep_pool, nn__run_pool, NULL},
    [NN__OP_MAXPOOL] = {"MAX_POOL_2D", 5, nn__prep_pool, nn__run_pool, NULL},
    [NN__OP_MEAN] = {"MEAN", 27, nn__prep_mean, nn__run_mean, NULL},
    [NN__OP_PAD] = {"PAD", 0, nn__prep_pad, nn__run_pad, NULL},
    [NN__OP_RESIZE] = {"RESIZE_BILINEAR", 15, nn__prep_resize, nn__run_resize, NULL},
    [NN__OP_RESHAPE] = {"RESHAPE", 0, nn__prep_reshape, NULL, NULL},
    [NN__OP_CONCAT] = {"CONCATENATION", 10, nn__prep_concat, nn__run_concat, NULL},
    [NN__OP_DEQUANTIZE] = {"DEQUANTIZE", 0, nn__prep_dequantize, NULL, NULL},
};

/* TFLite BuiltinOperator values (schema.fbs) of the operators we run. */
static const struct {
  int code;
  int kind;
} builtins[] = {
    {0, NN__OP_ADD},      {1, NN__OP_AVGPOOL},    {2, NN__OP_CONCAT},  {3, NN__OP_CONV},
    {4, NN__OP_DWCONV},   {6, NN__OP_DEQUANTIZE}, {14, NN__OP_LOGISTIC}, {17, NN__OP_MAXPOOL},
    {18, NN__OP_MUL},     {19, NN__OP_RELU},      {20, NN__OP_RELU_N1_1}, {21, NN__OP_RELU6},
    {22, NN__OP_RESHAPE}, {23, NN__OP_RESIZE},    {28, NN__OP_TANH},   {34, NN__OP_PAD},
    {40, NN__OP_MEAN},    {54, NN__OP_PRELU},     {117, NN__OP_HSWISH},
};

#define BUILTIN_CUSTOM 32

int nn__kind_of(int builtin, const char *custom, size_t custom_len) {
  if (builtin == BUILTIN_CUSTOM) {
    static const char tconv[] = "Convolution2DTransposeBias";
    if (custom_len == sizeof tconv - 1 && memcmp(custom, tconv, custom_len) == 0)
      return NN__OP_TCONV;
    return -1;
  }
  for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
    if (builtins[i].code == builtin) return builtins[i].kind;
  return -1;
}

/* Names of other common builtins, so a refusal can say what the model needed. */
static const struct {
  int code;
  const char *name;
} other_names[] = {
    {5, "DEPTH_TO_SPACE"}, {9, "FULLY_CONNECTED"}, {25, "SOFTMAX"},
    {26, "SPACE_TO_DEPTH"}, {32, "CUSTOM"}, {36, "GATHER"},
    {39, "TRANSPOSE"}, {41, "SUB"}, {42, "DIV"},
    {43, "SQUEEZE"}, {45, "STRIDED_SLICE"}, {47, "EXP"},
    {49, "SPLIT"}, {53, "CAST"}, {55, "MAXIMUM"},
    {57, "MINIMUM"}, {60, "PADV2"}, {65, "SLICE"},
    {67, "TRANSPOSE_CONV"}, {74, "SUM"}, {75, "SQRT"},
    {76, "RSQRT"}, {83, "PACK"}, {97, "RESIZE_NEAREST_NEIGHBOR"},
    {98, "LEAKY_RELU"}, {100, "MIRROR_PAD"}, {114, "QUANTIZE"},
};

const char *nn__builtin_name(int builtin) {
  for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
    if (builtins[i].code == builtin) return nn__ops[builtins[i].kind].name;
  for (size_t i = 0; i < sizeof other_names / sizeof other_names[0]; i++)
    if (other_names[i].code == builtin) return other_names[i].name;
  return "unknown builtin";
}
