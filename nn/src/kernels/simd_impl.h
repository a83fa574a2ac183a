/* The body of a SIMD kernel set, shared by every instruction set. The including file
 * defines, before including this:
 *   V, VL                  the vector type and its width in floats;
 *   V_LOAD(p), V_STORE(p, v), V_SPLAT(x)            unaligned load/store, broadcast;
 *   V_ADD, V_SUB, V_MUL, V_DIV, V_MIN, V_MAX        lane-wise arithmetic;
 *   V_FMA(a, b, c)         a·b + c (fused where the ISA has it, else mul then add);
 *   V_CLAMP(x, lo, hi)     min(max(x, lo), hi), passing NaN through like the scalar set;
 *   V_ROUND(x)             round to nearest integer value;
 *   V_POW2I(n)             2^n for integer-valued n in [-126, 127], built in the exponent;
 *   NN_SIMD_SET, NN_SIMD_NAME   the nn_kernels symbol and its name string.
 * Everything here is static, so each set is one self-contained translation unit. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "kernels.h"

#include "simd_conv.h"
#include "simd_dwconv.h"
#include "simd_eltwise.h"

const nn_kernels NN_SIMD_SET = {
    .name = NN_SIMD_NAME,
    .conv_pack_size = cv_pack_size_any,
    .conv_pack = cv_pack_any,
    .conv_scratch_size = cv_scratch_size,
    .conv = cv_conv,
    .dwconv_pack_size = dw_pack_size,
    .dwconv_pack = dw_pack,
    .dwconv = dw_conv,
    .tconv_pack_size = tc_pack_size,
    .tconv_pack = tc_pack,
    .tconv_scratch_size = tc_scratch_size,
    .tconv = tc_conv,
    .add = ew_add,
    .mul = ew_mul,
    .add_bcast = ew_add_bcast,
    .mul_bcast = ew_mul_bcast,
    .clamp = ew_clamp,
    .hswish = ew_hswish,
    .sigmoid = ew_sigmoid,
    .prelu = ew_prelu,
    .conv_add = cv_conv_add,
    .mul_bcast_add = ew_mul_bcast_add,
    .conv_hswish = cv_conv_hswish,
    .dwconv_hswish = dw_conv_hswish,
    .dwconv_add = dw_conv_add,
    .conv_prelu = cv_conv_prelu,
};
