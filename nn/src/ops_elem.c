/* Elementwise operators: ADD, MUL (same shape or per-channel broadcast), the activations
 * (RELU, RELU6, RELU_N1_TO_1, HARD_SWISH, LOGISTIC, TANH) and PRELU. */
#include <math.h>

#include "ops.h"

/* A float operand: an activation, or a constant read at run time. */
static int operand(nn__load *L, const nn__node *n, int i, nn__tensor **out) {
  if (i >= n->nin || n->in[i] < 0)
    return nn__fail(L, NN_EFORMAT, "%s: missing input %d", nn__ops[n->kind].name, i);
  nn__tensor *t = &L->m->t[n->in[i]];
  *out = t;
  if (t->raw || t->cdata) {
    const float *d;
    int r = nn__const_f32(L, t, &d);
    t->run_const = 1;
    return r;
  }
  if (t->type != NN__T_F32)
    return nn__fail(L, NN_EUNSUPPORTED, "%s: input '%s' has type %d, only float32 runs",
                    nn__ops[n->kind].name, t->name, t->type);
  return 0;
}

/* Same dimensions once leading 1s are ignored. */
static int same_shape(const nn__tensor *a, const nn__tensor *b) {
  int i = 0, j = 0;
  while (i < a->ndim && a->dims[i] == 1) i++;
  while (j < b->ndim && b->dims[j] == 1) j++;
  if (a->ndim - i != b->ndim - j) return 0;
  for (; i < a->ndim; i++, j++)
    if (a->dims[i] != b->dims[j]) return 0;
  return 1;
}

/* v broadcasts over big as a per-channel vector [c] (or a scalar). */
static int channel_vec(const nn__tensor *v, const nn__tensor *big, int *c) {
  int last = big->ndim ? big->dims[big->ndim - 1] : 1;
  if (v->ndim > big->ndim) return 0;
  for (int i = 0; i + 1 < v->ndim; i++)
    if (v->dims[i] != 1) return 0;
  if (v->count == 1) *c = 1;
  else if (v->count == (size_t)last) *c = last;
  else return 0;
  return 1;
}

NN__PREP(binary) {
  nn__tensor *a = NULL, *b = NULL, *o = &L->m->t[n->out];
  int32_t act = 0;
  int r, c = 0;
  if (n->nin != 2) return nn__fail(L, NN_EFORMAT, "%s: %d inputs", nn__ops[n->kind].name, n->nin);
  if ((r = operand(L, n, 0, &a)) || (r = operand(L, n, 1, &b))) return r;
  if (n->has_opt && nn__fb_byte(&n->opt, 0, 0, &act))
    return nn__fail(L, NN_EFORMAT, "%s: malformed options", nn__ops[n->kind].name);
  if ((r = nn__fused_act(L, n, act, &n->cd.act_min, &n->cd.act_max))) return r;
  const nn__tensor *big = a;
  n->p[0] = 0; /* mode: 0 same shape, 1 broadcast x[1 - p[1]] over rows of x[p[1]] */
  n->p[1] = 0;
  if (a->count == b->count && same_shape(a, b)) {
  } else if (b->count < a->count && channel_vec(b, a, &c)) {
    n->p[0] = 1;
  } else if (a->count < b->count && channel_vec(a, b, &c)) {
    n->p[0] = 1, n->p[1] = 1, big = b;
  } else {
    return nn__fail(L, NN_EUNSUPPORTED, "%s: broadcasting '%s' with '%s'",
                    nn__ops[n->kind].name, a->name, b->name);
  }
  if (n->p[0]) n->p[2] = (int)(big->count / (size_t)c), n->p[3] = c;
  return nn__check_shape(L, n, o, big->ndim, big->dims);
}

NN__RUN(binary) {
  const float *a = n->x[n->p[1]], *b = n->x[1 - n->p[1]];
  float lo = n->cd.act_min, hi = n->cd.act_max;
  size_t cnt = m->t[n->out].count;
  if (n->kind == NN__OP_ADD) {
    if (n->p[0]) m->k->add_bcast(a, b, n->y, (size_t)n->p[2], (size_t)n->p[3], lo, hi);
    else m->k->add(a, b, n->y, cnt, lo, hi);
  } else if (n->nin > 2) { /* residual ADD fused by nn__plan_fuse: x[2] */
    m->k->mul_bcast_add(a, b, n->x[2], n->y, (size_t)n->p[2], (size_t)n->p[3], lo, hi);
  } else {
    if (n->p[0]) m->k->mul_bcast(a, b, n->y, (size_t)n->p[2], (size_t)n->p[3], lo, hi);
    else m->k->mul(a, b, n->y, cnt, lo, hi);
  }
}

NN__PREP(unary) {
  nn__tensor *x = NULL;
  int r = nn__act_input(L, n, 0, &x);
  if (r) return r;
  static const float lo[NN__OP_COUNT] = {[NN__OP_RELU] = 0, [NN__OP_RELU6] = 0,
                                         [NN__OP_RELU_N1_1] = -1};
  static const float hi[NN__OP_COUNT] = {[NN__OP_RELU6] = 6, [NN__OP_RELU_N1_1] = 1};
  n->cd.act_min = lo[n->kind];
  n->cd.act_max = n->kind == NN__OP_RELU ? INFINITY : hi[n->kind];
  return nn__check_shape(L, n, &L->m->t[n->out], x->ndim, x->dims);
}

NN__RUN(unary) {
  size_t cnt = m->t[n->out].count;
  switch (n->kind) {
  case NN__OP_HSWISH: m->k->hswish(n->x[0], n->y, cnt); break;
  case NN__OP_LOGISTIC: m->k->sigmoid(n->x[0], n->y, cnt); break;
  case NN__OP_TANH: nn__ref_tanh(n->x[0], n->y, cnt); break;
  default: m->k->clamp(n->x[0], n->y, cnt, n->cd.act_min, n->cd.act_max); break;
  }
}

NN__PREP(prelu) {
  nn__tensor *x = NULL, *alpha = NULL;
  int r = nn__act_input(L, n, 0, &x), c = 0;
  if (r || (r = operand(L, n, 1, &alpha))) return r;
  if (!alpha->raw && !alpha->cdata)
    return nn__fail(L, NN_EUNSUPPORTED, "PRELU: non-constant alpha '%s'", alpha->name);
  if (alpha->count == x->count) {
    n->p[0] = 1, n->p[1] = (int)x->count;
  } else if (channel_vec(alpha, x, &c) && c > 1) {
    n->p[0] = (int)(x->count / (size_t)c), n->p[1] = c;
  } else {
    return nn__fail(L, NN_EUNSUPPORTED, "PRELU: alpha '%s' shape", alpha->name);
  }
  return nn__check_shape(L, n, &L->m->t[n->out], x->ndim, x->dims);
}

NN__RUN(prelu) { m->k->prelu(n->x[0], n->x[1], n->y, (size_t)n->p[0], (size_t)n->p[1]); }
