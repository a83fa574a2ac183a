/* Helpers shared by operator preparation: shape checks, padding arithmetic, activations. */
#include <math.h>
#include <stdio.h>

#include "internal.h"

static void fmt_dims(char *buf, size_t len, int ndim, const int *dims) {
  size_t o = 0;
  buf[0] = 0;
  for (int i = 0; i < ndim && o + 12 < len; i++)
    o += (size_t)snprintf(buf + o, len - o, i ? ",%d" : "%d", dims[i]);
}

int nn__check_shape(nn__load *L, const nn__node *n, const nn__tensor *t, int ndim,
                    const int *dims) {
  int ok = t->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++) ok = t->dims[i] == dims[i];
  if (ok) return 0;
  char want[96], got[96];
  fmt_dims(want, sizeof want, ndim, dims);
  fmt_dims(got, sizeof got, t->ndim, t->dims);
  return nn__fail(L, NN_EFORMAT, "%s: tensor '%s' has shape [%s], expected [%s]",
                  nn__ops[n->kind].name, t->name, got, want);
}

int nn__fused_act(nn__load *L, const nn__node *n, int act, float *lo, float *hi) {
  switch (act) {
  case 0: *lo = -INFINITY; *hi = INFINITY; return 0;
  case 1: *lo = 0.0f; *hi = INFINITY; return 0;
  case 2: *lo = -1.0f; *hi = 1.0f; return 0;
  case 3: *lo = 0.0f; *hi = 6.0f; return 0;
  default:
    return nn__fail(L, NN_EUNSUPPORTED, "%s: unsupported fused activation %d",
                    nn__ops[n->kind].name, act);
  }
}

/* Geometry limits keep every index product far from int overflow. */
#define MAX_GEOM 65536

int nn__out_size(int padding, int in, int k, int stride, int dil, int *out, int *pad) {
  if (in < 1 || k < 1 || stride < 1 || dil < 1 || in > MAX_GEOM || k > MAX_GEOM ||
      stride > MAX_GEOM || dil > MAX_GEOM)
    return -1;
  long eff = (long)(k - 1) * dil + 1;
  if (padding == 0) { /* SAME */
    *out = (in + stride - 1) / stride;
    long total = (long)(*out - 1) * stride + eff - in;
    *pad = total > 0 ? (int)(total / 2) : 0;
    return 0;
  }
  if (padding == 1) { /* VALID */
    if (eff > in) return -1;
    *out = (int)((in - eff) / stride + 1);
    *pad = 0;
    return 0;
  }
  return -1;
}

int nn__act_input(nn__load *L, const nn__node *n, int i, nn__tensor **t) {
  const char *op = nn__ops[n->kind].name;
  if (i >= n->nin || n->in[i] < 0)
    return nn__fail(L, NN_EFORMAT, "%s: missing input %d", op, i);
  nn__tensor *x = &L->m->t[n->in[i]];
  if (x->type != NN__T_F32)
    return nn__fail(L, NN_EUNSUPPORTED, "%s: input '%s' has type %d, only float32 runs", op,
                    x->name, x->type);
  if (x->raw || x->cdata)
    return nn__fail(L, NN_EUNSUPPORTED, "%s: constant data input '%s'", op, x->name);
  *t = x;
  return 0;
}
