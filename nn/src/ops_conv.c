/* CONV_2D, DEPTHWISE_CONV_2D and MediaPipe's Convolution2DTransposeBias: validate geometry,
 * pack weights once through the kernel set, run through it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* Conv2DOptions / DepthwiseConv2DOptions field ids (schema.fbs). */
/* Field ids of Conv2DOptions and DepthwiseConv2DOptions (depth_multiplier sits at 3). */
typedef struct conv_fields {
  int pad, sw, sh, act, dw, dh;
} conv_fields;
static const conv_fields CONV_FIELDS = {0, 1, 2, 3, 4, 5};
static const conv_fields DW_FIELDS = {0, 1, 2, 4, 5, 6};

/* Reads the options both convolutions share into n->cd (strides, dilations) and pad/act. */
static int conv_options(nn__load *L, nn__node *n, const conv_fields *f, const char *op,
                        int32_t *pad, int32_t *act) {
  nn_conv_desc *d = &n->cd;
  int32_t sw, sh, dw, dh;
  if (!n->has_opt || nn__fb_byte(&n->opt, f->pad, 0, pad) || nn__fb_i32(&n->opt, f->sw, 1, &sw) ||
      nn__fb_i32(&n->opt, f->sh, 1, &sh) || nn__fb_byte(&n->opt, f->act, 0, act) ||
      nn__fb_i32(&n->opt, f->dw, 1, &dw) || nn__fb_i32(&n->opt, f->dh, 1, &dh))
    return nn__fail(L, NN_EFORMAT, "%s: missing or malformed options", op);
  if (n->nin < 2 || n->in[1] < 0) return nn__fail(L, NN_EFORMAT, "%s: no weights", op);
  d->sh = sh, d->sw = sw, d->dh = dh, d->dw = dw;
  return 0;
}

/* Constant weights w (rank 4) and optional bias [oc]. */
static int weights(nn__load *L, nn__node *n, const float **w, const float **b, int oc) {
  const char *op = nn__ops[n->kind].name;
  if (n->nin < 2 || n->in[1] < 0) return nn__fail(L, NN_EFORMAT, "%s: no weights", op);
  nn__tensor *wt = &L->m->t[n->in[1]];
  if (wt->ndim != 4) return nn__fail(L, NN_EFORMAT, "%s: weights of rank %d", op, wt->ndim);
  int r = nn__const_f32(L, wt, w);
  if (r) return r;
  *b = NULL;
  if (n->nin >= 3 && n->in[2] >= 0) {
    nn__tensor *bt = &L->m->t[n->in[2]];
    if (bt->count != (size_t)oc)
      return nn__fail(L, NN_EFORMAT, "%s: bias has %zu values for %d channels", op,
                      bt->count, oc);
    return nn__const_f32(L, bt, b);
  }
  return 0;
}

static int out_check(nn__load *L, nn__node *n) {
  const nn_conv_desc *d = &n->cd;
  int dims[4] = {1, d->oh, d->ow, d->oc};
  return nn__check_shape(L, n, &L->m->t[n->out], 4, dims);
}

/* Reads the input, sets ih/iw/ic. */
static int conv_input(nn__load *L, nn__node *n) {
  nn__tensor *x = NULL;
  int r = nn__act_input(L, n, 0, &x);
  if (r) return r;
  if (x->ndim != 4 || x->dims[0] != 1)
    return nn__fail(L, NN_EUNSUPPORTED, "%s: input '%s' is not [1,H,W,C]",
                    nn__ops[n->kind].name, x->name);
  n->cd.ih = x->dims[1];
  n->cd.iw = x->dims[2];
  n->cd.ic = x->dims[3];
  return 0;
}

/* A zero PAD of H and W whose only reader is this convolution becomes the convolution's
 * own padding: the PAD never runs and its output is never stored. Kernels take explicit
 * top/left padding (bottom/right follow from oh/ow); every window must still overlap the
 * input, so each side stays below the kernel's extent. */
static void absorb_pad(nn__load *L, nn__node *n) {
  const nn__tensor *x = &L->m->t[n->in[0]];
  if (x->producer < 0 || x->consumers != 1 || x->is_output) return;
  nn__node *p = &L->m->nodes[x->producer];
  const int *pd = p->p; /* before/after of N, H, W, C */
  if (p->kind != NN__OP_PAD || p->dead || pd[0] || pd[1] || pd[6] || pd[7]) return;
  nn_conv_desc *d = &n->cd;
  int eh = (d->kh - 1) * d->dh + 1, ew = (d->kw - 1) * d->dw + 1;
  int ih = d->ih - pd[2] - pd[3], iw = d->iw - pd[4] - pd[5];
  int top = d->pad_t + pd[2], left = d->pad_l + pd[4];
  long bottom = (long)(d->oh - 1) * d->sh + eh - ih - top;
  long right = (long)(d->ow - 1) * d->sw + ew - iw - left;
  if (top >= eh || left >= ew || bottom >= eh || right >= ew) return;
  d->ih = ih, d->iw = iw, d->pad_t = top, d->pad_l = left;
  n->in[0] = p->in[0];
  p->dead = 1;
}

static int geometry(nn__load *L, nn__node *n, int padding) {
  nn_conv_desc *d = &n->cd;
  if (nn__out_size(padding, d->ih, d->kh, d->sh, d->dh, &d->oh, &d->pad_t) ||
      nn__out_size(padding, d->iw, d->kw, d->sw, d->dw, &d->ow, &d->pad_l))
    return nn__fail(L, NN_EFORMAT, "%s: bad padding/stride/kernel geometry",
                    nn__ops[n->kind].name);
  int r = out_check(L, n);
  if (!r) absorb_pad(L, n);
  return r;
}

static int alloc_packed(nn__load *L, nn__node *n, size_t floats, float **out) {
  if (floats > NN__MAX_WEIGHTS / 4 || L->m->weight_bytes > NN__MAX_WEIGHTS - floats * 4)
    return nn__fail(L, NN_ELIMIT, "%s: packed weights exceed the limit",
                    nn__ops[n->kind].name);
  float *p = malloc((floats ? floats : 1) * sizeof *p);
  if (!p) return nn__fail(L, NN_ENOMEM, "out of memory packing weights");
  L->m->weight_bytes += floats * 4;
  n->packed = p;
  *out = p;
  return 0;
}

NN__PREP(conv) {
  int32_t pad, act;
  nn_conv_desc *d = &n->cd;
  const float *w, *b;
  int r = conv_input(L, n);
  if (r || (r = conv_options(L, n, &CONV_FIELDS, "CONV_2D", &pad, &act))) return r;
  const nn__tensor *wt = &L->m->t[n->in[1]];
  if (wt->ndim != 4) return nn__fail(L, NN_EFORMAT, "CONV_2D: weights of rank %d", wt->ndim);
  if (wt->dims[3] != d->ic)
    return nn__fail(L, NN_EUNSUPPORTED, "CONV_2D: grouped convolution (%d vs %d channels)",
                    wt->dims[3], d->ic);
  d->oc = wt->dims[0], d->kh = wt->dims[1], d->kw = wt->dims[2];
  if ((r = nn__fused_act(L, n, act, &d->act_min, &d->act_max)) || (r = geometry(L, n, pad)) ||
      (r = weights(L, n, &w, &b, d->oc)))
    return r;
  const nn_kernels *k = L->m->k;
  float *p = NULL;
  if ((r = alloc_packed(L, n, k->conv_pack_size(d), &p))) return r;
  k->conv_pack(d, w, b, p);
  n->scratch = k->conv_scratch_size(d);
  n->macs = (uint64_t)d->oh * d->ow * d->oc * d->kh * d->kw * d->ic;
  return 0;
}

/* Output rows [y0, y1) of a convolution as a convolution of its own: the input starts at
 * the first row those outputs read (or stays at row 0 with the remaining top padding), the
 * bottom padding follows from the shorter output as before. Each output is computed by the
 * same operations as in the whole convolution, so splitting rows among threads changes no
 * bit (nn_model_set_pool). */
static nn_conv_desc rows_desc(const nn_conv_desc *d, int y0, int y1, size_t *in_off) {
  nn_conv_desc s = *d;
  int r0 = y0 * d->sh - d->pad_t;
  if (r0 > 0) {
    s.ih = d->ih - r0, s.pad_t = 0;
    *in_off = (size_t)r0 * d->iw * d->ic;
  } else {
    s.pad_t = -r0;
    *in_off = 0;
  }
  s.oh = y1 - y0;
  return s;
}

/* in[3], when present, is a residual ADD fused by nn__plan_fuse (see NN__CONV_RES);
 * p[NN__P_HSWISH] a fused HARD_SWISH (never both); in[4] a fused PRELU's alpha (never
 * with HARD_SWISH), which the kernel applies to each tile as soon as it is written. */
NN__ROWS(conv) {
  size_t io, oo = (size_t)y0 * n->cd.ow * n->cd.oc;
  nn_conv_desc d = rows_desc(&n->cd, y0, y1, &io);
  const float *x = n->x[0] + io;
  const float *res = n->nin > NN__CONV_RES && n->x[NN__CONV_RES] ? n->x[NN__CONV_RES] + oo
                                                                  : NULL;
  const float *alpha = n->nin > NN__CONV_ALPHA ? n->x[NN__CONV_ALPHA] : NULL;
  if (alpha)
    m->k->conv_prelu(&d, x, n->packed, res, alpha, n->y + oo, scratch);
  else if (n->p[NN__P_HSWISH])
    m->k->conv_hswish(&d, x, n->packed, n->y + oo, scratch);
  else if (res)
    m->k->conv_add(&d, x, n->packed, res, n->y + oo, scratch);
  else
    m->k->conv(&d, x, n->packed, n->y + oo, scratch);
}

NN__RUN(conv) { nn__rows_conv(m, n, 0, n->cd.oh, m->scratch); }

NN__PREP(dwconv) {
  int32_t pad, act;
  nn_conv_desc *d = &n->cd;
  const float *w, *b;
  int r = conv_input(L, n);
  if (r || (r = conv_options(L, n, &DW_FIELDS, "DEPTHWISE_CONV_2D", &pad, &act))) return r;
  const nn__tensor *wt = &L->m->t[n->in[1]];
  if (wt->ndim != 4 || wt->dims[0] != 1 || wt->dims[3] % d->ic != 0)
    return nn__fail(L, NN_EFORMAT, "DEPTHWISE_CONV_2D: weights '%s' do not fit %d channels",
                    wt->name, d->ic);
  d->oc = wt->dims[3], d->kh = wt->dims[1], d->kw = wt->dims[2];
  if ((r = nn__fused_act(L, n, act, &d->act_min, &d->act_max)) || (r = geometry(L, n, pad)) ||
      (r = weights(L, n, &w, &b, d->oc)))
    return r;
  const nn_kernels *k = L->m->k;
  float *p = NULL;
  if ((r = alloc_packed(L, n, k->dwconv_pack_size(d), &p))) return r;
  k->dwconv_pack(d, w, b, p);
  n->macs = (uint64_t)d->oh * d->ow * d->oc * d->kh * d->kw;
  return 0;
}

/* in[3]: a fused residual ADD (activation res_min/res_max), as for CONV_2D. Rows split as
 * for CONV_2D. */
NN__ROWS(dwconv) {
  (void)scratch;
  size_t io, oo = (size_t)y0 * n->cd.ow * n->cd.oc;
  nn_conv_desc d = rows_desc(&n->cd, y0, y1, &io);
  const float *x = n->x[0] + io;
  if (n->p[NN__P_HSWISH])
    m->k->dwconv_hswish(&d, x, n->packed, n->y + oo);
  else if (n->nin > NN__CONV_RES && n->x[NN__CONV_RES])
    m->k->dwconv_add(&d, x, n->packed, n->x[NN__CONV_RES] + oo, n->y + oo, n->res_min,
                     n->res_max);
  else
    m->k->dwconv(&d, x, n->packed, n->y + oo);
}

NN__RUN(dwconv) { nn__rows_dwconv(m, n, 0, n->cd.oh, NULL); }

/* MediaPipe stores TfLiteTransposeConvParams {int padding; int stride_w; int stride_h;}
 * (TfLitePadding: 1 = SAME, 2 = VALID) as raw little-endian custom options. */
static int tconv_params(nn__load *L, const nn__node *n, int32_t v[3]) {
  if (n->custom_len < 12)
    return nn__fail(L, NN_EFORMAT, "Convolution2DTransposeBias: %zu bytes of options",
                    n->custom_len);
  for (int i = 0; i < 3; i++) memcpy(&v[i], n->custom + 4 * i, 4);
  if (v[0] < 1 || v[0] > 2 || v[1] < 1 || v[2] < 1 || v[1] > 64 || v[2] > 64)
    return nn__fail(L, NN_EFORMAT, "Convolution2DTransposeBias: padding %d strides %dx%d",
                    v[0], v[1], v[2]);
  return 0;
}

/* MediaPipe's geometry: output = s*(in-1) + k - pad_total, pad_total only for SAME. */
static void tconv_dim(int same, int in, int k, int s, int *out, int *pad) {
  int total = same ? k - (in - 1) % s - 1 : 0;
  if (total < 0) total = 0;
  *out = s * (in - 1) + k - total;
  *pad = total / 2;
}

NN__PREP(tconv) {
  int32_t v[3] = {0, 0, 0};
  nn_conv_desc *d = &n->cd;
  const float *w, *b;
  int r = conv_input(L, n);
  if (r || (r = tconv_params(L, n, v))) return r;
  if (n->nin < 2 || n->in[1] < 0)
    return nn__fail(L, NN_EFORMAT, "Convolution2DTransposeBias: no weights");
  const nn__tensor *wt = &L->m->t[n->in[1]];
  if (wt->ndim != 4 || wt->dims[3] != d->ic || wt->dims[1] > 64 || wt->dims[2] > 64)
    return nn__fail(L, NN_EFORMAT, "Convolution2DTransposeBias: weights '%s' do not fit",
                    wt->name);
  d->oc = wt->dims[0], d->kh = wt->dims[1], d->kw = wt->dims[2];
  d->sh = v[2], d->sw = v[1], d->dh = d->dw = 1;
  if (d->ih > 65536 || d->iw > 65536)
    return nn__fail(L, NN_ELIMIT, "Convolution2DTransposeBias: input too large");
  tconv_dim(v[0] == 1, d->ih, d->kh, d->sh, &d->oh, &d->pad_t);
  tconv_dim(v[0] == 1, d->iw, d->kw, d->sw, &d->ow, &d->pad_l);
  d->act_min = -INFINITY;
  d->act_max = INFINITY;
  if ((r = out_check(L, n)) || (r = weights(L, n, &w, &b, d->oc))) return r;
  const nn_kernels *k = L->m->k;
  float *p = NULL;
  if ((r = alloc_packed(L, n, k->tconv_pack_size(d), &p))) return r;
  k->tconv_pack(d, w, b, p);
  n->scratch = k->tconv_scratch_size(d);
  n->macs = (uint64_t)d->ih * d->iw * d->ic * d->kh * d->kw * d->oc;
  return 0;
}

NN__RUN(tconv) { m->k->tconv(&n->cd, n->x[0], n->packed, n->y, m->scratch); }
