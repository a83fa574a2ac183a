/* AVERAGE_POOL_2D, MAX_POOL_2D and MEAN over H and W (engine-side portable C). */
#include <math.h>

#include "ops.h"

/* Pool2DOptions field ids. */
enum { POOL_PAD = 0, POOL_SW = 1, POOL_SH = 2, POOL_FW = 3, POOL_FH = 4, POOL_ACT = 5 };

NN__PREP(pool) {
  nn__tensor *x = NULL;
  nn_conv_desc *d = &n->cd;
  int32_t pad, sw, sh, fw, fh, act;
  int r = nn__act_input(L, n, 0, &x);
  if (r) return r;
  const char *op = nn__ops[n->kind].name;
  if (x->ndim != 4 || x->dims[0] != 1)
    return nn__fail(L, NN_EUNSUPPORTED, "%s: input '%s' is not [1,H,W,C]", op, x->name);
  if (!n->has_opt || nn__fb_byte(&n->opt, POOL_PAD, 0, &pad) ||
      nn__fb_i32(&n->opt, POOL_SW, 1, &sw) || nn__fb_i32(&n->opt, POOL_SH, 1, &sh) ||
      nn__fb_i32(&n->opt, POOL_FW, 1, &fw) || nn__fb_i32(&n->opt, POOL_FH, 1, &fh) ||
      nn__fb_byte(&n->opt, POOL_ACT, 0, &act))
    return nn__fail(L, NN_EFORMAT, "%s: missing or malformed options", op);
  d->ih = x->dims[1], d->iw = x->dims[2], d->ic = d->oc = x->dims[3];
  d->kh = fh, d->kw = fw, d->sh = sh, d->sw = sw, d->dh = d->dw = 1;
  if ((r = nn__fused_act(L, n, act, &d->act_min, &d->act_max))) return r;
  if (nn__out_size(pad, d->ih, fh, sh, 1, &d->oh, &d->pad_t) ||
      nn__out_size(pad, d->iw, fw, sw, 1, &d->ow, &d->pad_l))
    return nn__fail(L, NN_EFORMAT, "%s: bad padding/stride/filter geometry", op);
  int dims[4] = {1, d->oh, d->ow, d->oc};
  n->work = (uint64_t)d->oh * d->ow * d->oc * (uint64_t)(fh < d->ih ? fh : d->ih) *
            (uint64_t)(fw < d->iw ? fw : d->iw);
  return nn__check_shape(L, n, &L->m->t[n->out], 4, dims);
}

int nn__pool_is_global(const nn_conv_desc *d) {
  return d->oh == 1 && d->ow == 1 && d->kh == d->ih && d->kw == d->iw && !d->pad_t && !d->pad_l;
}

NN__RUN(pool) {
  const nn_conv_desc *d = &n->cd;
  /* A window that is the whole image (squeeze-and-excite's global pool) is a mean over H
   * and W, which has a channel-vectorised loop; the windowed pool is ~5x slower there. */
  if (n->kind == NN__OP_AVGPOOL && nn__pool_is_global(d))
    nn__ref_mean_hw_sum(n->x[0], n->nin > NN__MEAN_ADDEND ? n->x[NN__MEAN_ADDEND] : NULL, n->y,
                        d->ih, d->iw, d->ic);
  else if (n->kind == NN__OP_AVGPOOL) nn__ref_pool_avg(d, n->x[0], n->y);
  else nn__ref_pool_max(d, n->x[0], n->y);
  if (d->act_min > -INFINITY || d->act_max < INFINITY)
    m->k->clamp(n->y, n->y, (size_t)d->oh * d->ow * d->oc, d->act_min, d->act_max);
}

NN__PREP(mean) {
  nn__tensor *x = NULL;
  int32_t axes[4];
  int r = nn__act_input(L, n, 0, &x);
  if (r) return r;
  if (n->nin != 2 || n->in[1] < 0) return nn__fail(L, NN_EFORMAT, "MEAN: no axes");
  int na = nn__const_i32(L, &L->m->t[n->in[1]], axes, 4);
  if (na < 0) return na;
  if (x->ndim != 4 || x->dims[0] != 1 || na != 2 || axes[0] + axes[1] != 3 ||
      axes[0] * axes[1] != 2)
    return nn__fail(L, NN_EUNSUPPORTED, "MEAN: only over H and W of [1,H,W,C] runs");
  n->cd.ih = x->dims[1], n->cd.iw = x->dims[2], n->cd.ic = x->dims[3];
  const nn__tensor *o = &L->m->t[n->out];
  if (o->ndim < 1 || o->count != (size_t)x->dims[3] || o->dims[o->ndim - 1] != x->dims[3])
    return nn__fail(L, NN_EFORMAT, "MEAN: output '%s' does not have %d channels", o->name,
                    x->dims[3]);
  return 0;
}

/* in[2], when present, is a same-shape ADD's other operand fused by nn__plan_fuse. */
NN__RUN(mean) {
  (void)m;
  nn__ref_mean_hw_sum(n->x[0], n->nin > NN__MEAN_ADDEND ? n->x[NN__MEAN_ADDEND] : NULL, n->y,
                      n->cd.ih, n->cd.iw, n->cd.ic);
}
