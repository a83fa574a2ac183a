/* Graph rewrites done once at load, after every node is prepared and before fusion:
 * algebraic identities that make a model cheaper to run without changing what it computes
 * (beyond float rounding).
 *
 * Resize, then 1×1 convolution → 1×1 convolution, then resize. Bilinear resizing mixes
 * pixels of one channel with weights that sum to one; a 1×1 convolution without activation
 * mixes channels of one pixel and adds a bias. The two commute, so the convolution can run
 * on the small image. Segmentation decoders upsample 2× and then project channels: the
 * convolution's work drops 4× and the resize carries the (usually fewer) output channels.
 * Done only where the estimated work falls. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* Multiply-adds (resize: four per output value) of the pair in each order. */
static int commute_pays(const nn_conv_desc *r, const nn_conv_desc *c) {
  double hi = (double)r->oh * r->ow, lo = (double)r->ih * r->iw;
  double before = hi * c->ic * c->oc + 4 * hi * c->ic;
  double after = lo * c->ic * c->oc + 4 * hi * c->oc;
  return after < 0.9 * before;
}

/* The resize node feeding conv c alone, when the pair may swap; else NULL. */
static nn__node *resize_before(nn_model *m, const nn__node *c) {
  const nn_conv_desc *d = &c->cd;
  if (c->dead || c->kind != NN__OP_CONV || c->nin > 3 || c->p[NN__P_HSWISH]) return NULL;
  if (d->kh != 1 || d->kw != 1 || d->sh != 1 || d->sw != 1 || d->pad_t || d->pad_l ||
      d->oh != d->ih || d->ow != d->iw)
    return NULL;
  if (d->act_min != -INFINITY || d->act_max != INFINITY) return NULL;
  const nn__tensor *t = &m->t[c->in[0]];
  if (t->producer < 0 || t->consumers != 1 || t->is_output || t->alias >= 0) return NULL;
  nn__node *r = &m->nodes[t->producer];
  if (r->dead || r->kind != NN__OP_RESIZE || !commute_pays(&r->cd, d)) return NULL;
  return r;
}

/* Re-runs a node's preparation after its tensors changed. The packed buffer is freed
 * first; for a convolution its bytes leave the weight count they were added to. */
static int reprepare(nn__load *L, nn__node *n) {
  if (n->kind == NN__OP_CONV && n->packed)
    L->m->weight_bytes -= L->m->k->conv_pack_size(&n->cd) * sizeof(float);
  free(n->packed);
  n->packed = NULL;
  return nn__ops[n->kind].prepare(L, n);
}

static int swap_resize_conv(nn__load *L, nn__node *r, nn__node *c, int *pos) {
  nn_model *m = L->m;
  int ri = (int)(r - m->nodes), ci = (int)(c - m->nodes);
  int x = r->in[0], t = r->out, y = c->out;
  /* t, read only by the conv, becomes the small image of output channels. */
  nn__tensor *tt = &m->t[t];
  tt->dims[1] = r->cd.ih, tt->dims[2] = r->cd.iw, tt->dims[3] = c->cd.oc;
  tt->count = (size_t)r->cd.ih * r->cd.iw * c->cd.oc;
  c->in[0] = x, c->out = t;
  r->in[0] = t, r->out = y;
  tt->producer = ci;
  m->t[y].producer = ri;
  /* The conv reads x, ready where the resize ran; the resize runs where the conv did. */
  m->order[pos[ri]] = ci;
  m->order[pos[ci]] = ri;
  int s = pos[ri];
  pos[ri] = pos[ci], pos[ci] = s;
  int e = reprepare(L, c);
  return e ? e : reprepare(L, r);
}

int nn__plan_rewrite(nn__load *L) {
  nn_model *m = L->m;
  int *pos = malloc(((size_t)m->nnodes + 1) * sizeof *pos);
  if (!pos) return NN_ENOMEM;
  for (int s = 0; s < m->norder; s++) pos[m->order[s]] = s;
  int r = 0;
  for (int s = 0; s < m->norder && !r; s++) {
    nn__node *c = &m->nodes[m->order[s]], *rs = resize_before(m, c);
    if (rs) r = swap_resize_conv(L, rs, c, pos);
  }
  free(pos);
  return r;
}
