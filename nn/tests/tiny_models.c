/* Tiny test models: see tiny_models.h. */
#include "tiny_models.h"

#include <string.h>

enum { ADD = 0, AVG = 1, CONCAT = 2, CONV = 3, DW = 4, DEQ = 6, LOGISTIC = 14, MAXP = 17,
       MUL = 18, RELU = 19, RESHAPE = 22, RESIZE = 23, CUSTOM = 32, PAD = 34, MEAN = 40,
       PRELU = 54, HSWISH = 117 };

const float nnt_conv_w[3][2] = {{0.5f, -0.5f}, {1, -1}, {1.5f, -1.5f}};
const float nnt_conv_b[3] = {-1, 0, 1}, nnt_conv_a[3] = {0, 0.25f, 0.5f};
const float nnt_chain_scale[2] = {2, -1};

static uint16_t conv_w16[6];

void nnt_conv_model(tm_model *m, int external) {
  memset(m, 0, sizeof *m);
  for (int i = 0; i < 6; i++) conv_w16[i] = tm_half(nnt_conv_w[i / 2][i % 2]);
  int x = tm_tensor_add(m, "input", TM_F32, 4, (int[]){1, 4, 4, 2}, NULL, 0);
  int w16 = tm_tensor_add(m, "w16", TM_F16, 4, (int[]){3, 1, 1, 2}, conv_w16, 12);
  int w = tm_tensor_add(m, "w", TM_F32, 4, (int[]){3, 1, 1, 2}, NULL, 0);
  int b = tm_tensor_add(m, "b", TM_F32, 1, (int[]){3}, nnt_conv_b, 12);
  int c = tm_tensor_add(m, "conv", TM_F32, 4, (int[]){1, 4, 4, 3}, NULL, 0);
  int r = tm_tensor_add(m, "relu", TM_F32, 4, (int[]){1, 4, 4, 3}, NULL, 0);
  int a = tm_tensor_add(m, "a", TM_F32, 1, (int[]){3}, nnt_conv_a, 12);
  int y = tm_tensor_add(m, "output", TM_F32, 4, (int[]){1, 4, 4, 3}, NULL, 0);
  tm_op_add(m, DEQ, 1, (int[]){w16}, w);
  tm_op *op = tm_op_add(m, CONV, 3, (int[]){x, w, b}, c);
  tm_op_opt(op, 1, 0, 1, 1); /* VALID */
  tm_op_opt(op, 1, 1, 4, 1);
  tm_op_opt(op, 1, 2, 4, 1);
  tm_op_add(m, RELU, 1, (int[]){c}, r);
  tm_op_add(m, ADD, 2, (int[]){r, a}, y);
  m->nin = 1, m->in[0] = x, m->nout = 1, m->out[0] = y;
  m->external_buffers = external;
}

static int32_t pads[8] = {0, 0, 1, 1, 1, 1, 0, 0}, size6[2] = {6, 6}, axes[2] = {1, 2};
static int32_t shape12[2] = {1, 2};

static void pool_opts(tm_op *op, int pad, int s, int f) {
  tm_op_opt(op, 5, 0, 1, pad);
  tm_op_opt(op, 5, 1, 4, s);
  tm_op_opt(op, 5, 2, 4, s);
  tm_op_opt(op, 5, 3, 4, f);
  tm_op_opt(op, 5, 4, 4, f);
}

void nnt_chain_model(tm_model *m) {
  memset(m, 0, sizeof *m);
  int x = tm_tensor_add(m, "input", TM_F32, 4, (int[]){1, 4, 4, 2}, NULL, 0);
  int pv = tm_tensor_add(m, "pads", TM_I32, 2, (int[]){4, 2}, pads, 32);
  int p = tm_tensor_add(m, "padded", TM_F32, 4, (int[]){1, 6, 6, 2}, NULL, 0);
  int mp = tm_tensor_add(m, "maxpool", TM_F32, 4, (int[]){1, 3, 3, 2}, NULL, 0);
  int ap = tm_tensor_add(m, "avgpool", TM_F32, 4, (int[]){1, 3, 3, 2}, NULL, 0);
  int sz = tm_tensor_add(m, "size", TM_I32, 1, (int[]){2}, size6, 8);
  int rs = tm_tensor_add(m, "resized", TM_F32, 4, (int[]){1, 6, 6, 2}, NULL, 0);
  int sc = tm_tensor_add(m, "scale", TM_F32, 1, (int[]){2}, nnt_chain_scale, 8);
  int mu = tm_tensor_add(m, "mul", TM_F32, 4, (int[]){1, 6, 6, 2}, NULL, 0);
  int hs = tm_tensor_add(m, "hswish", TM_F32, 4, (int[]){1, 6, 6, 2}, NULL, 0);
  int lg = tm_tensor_add(m, "logistic", TM_F32, 4, (int[]){1, 6, 6, 2}, NULL, 0);
  int ax = tm_tensor_add(m, "axes", TM_I32, 1, (int[]){2}, axes, 8);
  int mn = tm_tensor_add(m, "mean", TM_F32, 4, (int[]){1, 1, 1, 2}, NULL, 0);
  int shp = tm_tensor_add(m, "shape", TM_I32, 1, (int[]){2}, shape12, 8);
  int y = tm_tensor_add(m, "output", TM_F32, 2, (int[]){1, 2}, NULL, 0);
  tm_op_add(m, PAD, 2, (int[]){x, pv}, p);
  pool_opts(tm_op_add(m, MAXP, 1, (int[]){p}, mp), 1, 2, 2);
  pool_opts(tm_op_add(m, AVG, 1, (int[]){mp}, ap), 0, 1, 3);
  tm_op *op = tm_op_add(m, RESIZE, 2, (int[]){ap, sz}, rs);
  tm_op_opt(op, 15, 3, 1, 1); /* half_pixel_centers */
  tm_op_add(m, MUL, 2, (int[]){rs, sc}, mu);
  tm_op_add(m, HSWISH, 1, (int[]){mu}, hs);
  tm_op_add(m, LOGISTIC, 1, (int[]){hs}, lg);
  tm_op_opt(tm_op_add(m, MEAN, 2, (int[]){lg, ax}, mn), 27, 0, 1, 1);
  tm_op_add(m, RESHAPE, 2, (int[]){mn, shp}, y);
  m->nin = 1, m->in[0] = x, m->nout = 1, m->out[0] = y;
}

static const float tconv_w[4] = {1, 2, 3, 4}, tconv_b[1] = {0.5f};
static const uint8_t tconv_opts[12] = {1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0};

void nnt_tconv_model(tm_model *m) {
  memset(m, 0, sizeof *m);
  int x = tm_tensor_add(m, "input", TM_F32, 4, (int[]){1, 2, 2, 1}, NULL, 0);
  int w = tm_tensor_add(m, "w", TM_F32, 4, (int[]){1, 2, 2, 1}, tconv_w, 16);
  int b = tm_tensor_add(m, "b", TM_F32, 1, (int[]){1}, tconv_b, 4);
  int y = tm_tensor_add(m, "output", TM_F32, 4, (int[]){1, 4, 4, 1}, NULL, 0);
  tm_op *op = tm_op_add(m, CUSTOM, 3, (int[]){x, w, b}, y);
  op->custom = "Convolution2DTransposeBias";
  op->copts = tconv_opts, op->copts_len = sizeof tconv_opts;
  m->nin = 1, m->in[0] = x, m->nout = 1, m->out[0] = y;
}

static float dw_w[18];
static const float prelu_a[2] = {0.5f, 0.25f};
static int32_t shape3[3] = {1, 16, 2};

void nnt_dw_concat_model(tm_model *m) {
  memset(m, 0, sizeof *m);
  for (int i = 0; i < 18; i++) dw_w[i] = 1.0f / 9;
  int x = tm_tensor_add(m, "input", TM_F32, 4, (int[]){1, 4, 4, 2}, NULL, 0);
  int w = tm_tensor_add(m, "w", TM_F32, 4, (int[]){1, 3, 3, 2}, dw_w, sizeof dw_w);
  int d = tm_tensor_add(m, "dw", TM_F32, 4, (int[]){1, 4, 4, 2}, NULL, 0);
  int shp = tm_tensor_add(m, "shape", TM_I32, 1, (int[]){3}, shape3, 12);
  int r1 = tm_tensor_add(m, "r1", TM_F32, 3, (int[]){1, 16, 2}, NULL, 0);
  int r2 = tm_tensor_add(m, "r2", TM_F32, 3, (int[]){1, 16, 2}, NULL, 0);
  int y = tm_tensor_add(m, "output", TM_F32, 3, (int[]){1, 32, 2}, NULL, 0);
  int al = tm_tensor_add(m, "alpha", TM_F32, 1, (int[]){2}, prelu_a, 8);
  int y2 = tm_tensor_add(m, "prelu", TM_F32, 4, (int[]){1, 4, 4, 2}, NULL, 0);
  tm_op *op = tm_op_add(m, DW, 2, (int[]){x, w}, d);
  tm_op_opt(op, 2, 0, 1, 0); /* SAME */
  tm_op_opt(op, 2, 1, 4, 1);
  tm_op_opt(op, 2, 2, 4, 1);
  tm_op_opt(op, 2, 3, 4, 1);
  tm_op_opt(op, 2, 4, 1, 3); /* RELU6 */
  tm_op_add(m, RESHAPE, 2, (int[]){d, shp}, r1);
  tm_op_add(m, RESHAPE, 2, (int[]){x, shp}, r2);
  tm_op_opt(tm_op_add(m, CONCAT, 2, (int[]){r1, r2}, y), 10, 0, 4, 1);
  tm_op_add(m, PRELU, 2, (int[]){x, al}, y2);
  m->nin = 1, m->in[0] = x, m->nout = 2, m->out[0] = y, m->out[1] = y2;
}

void nnt_single_op_model(tm_model *m, int builtin, const char *custom) {
  memset(m, 0, sizeof *m);
  int x = tm_tensor_add(m, "input", TM_F32, 4, (int[]){1, 2, 2, 2}, NULL, 0);
  int y = tm_tensor_add(m, "output", TM_F32, 4, (int[]){1, 2, 2, 2}, NULL, 0);
  tm_op *op = tm_op_add(m, builtin, 1, (int[]){x}, y);
  op->custom = custom;
  m->nin = 1, m->in[0] = x, m->nout = 1, m->out[0] = y;
}

uint8_t *nnt_build(const tm_model *m, size_t *len) { return tm_build(m, len); }
