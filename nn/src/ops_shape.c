/* Data movement: PAD, RESIZE_BILINEAR, RESHAPE (an alias, no copy), CONCATENATION, and
 * DEQUANTIZE (folded into a float32 constant at load). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define MAX_PAD 65536

/* PAD: p[0..7] = before/after for each of 4 dims, p[8..11] = input dims (rank padded to 4
 * with leading 1s). */
NN__PREP(pad) {
  nn__tensor *x = NULL;
  int32_t pads[8];
  int r = nn__act_input(L, n, 0, &x);
  if (r) return r;
  if (n->nin < 2 || n->in[1] < 0) return nn__fail(L, NN_EFORMAT, "PAD: no paddings");
  int np = nn__const_i32(L, &L->m->t[n->in[1]], pads, 8);
  if (np < 0) return np;
  if (x->ndim > 4 || np != 2 * x->ndim)
    return nn__fail(L, NN_EUNSUPPORTED, "PAD: rank %d with %d padding values", x->ndim, np);
  int lead = 4 - x->ndim, dims[4];
  for (int i = 0; i < 4; i++) {
    int j = i - lead;
    int before = j >= 0 ? pads[2 * j] : 0, after = j >= 0 ? pads[2 * j + 1] : 0;
    if (before < 0 || after < 0 || before > MAX_PAD || after > MAX_PAD)
      return nn__fail(L, NN_EUNSUPPORTED, "PAD: padding %d/%d", before, after);
    n->p[2 * i] = before, n->p[2 * i + 1] = after;
    n->p[8 + i] = j >= 0 ? x->dims[j] : 1;
    dims[i] = n->p[8 + i] + before + after;
  }
  return nn__check_shape(L, n, &L->m->t[n->out], x->ndim, dims + lead);
}

NN__RUN(pad) {
  (void)m;
  nn__ref_pad4(n->x[0], n->y, n->p + 8, n->p);
}

/* ResizeBilinearOptions: align_corners = 2, half_pixel_centers = 3. p[0], p[1] = flags. */
NN__PREP(resize) {
  nn__tensor *x = NULL;
  int32_t size[2];
  int r = nn__act_input(L, n, 0, &x);
  if (r) return r;
  if (n->nin < 2 || n->in[1] < 0) return nn__fail(L, NN_EFORMAT, "RESIZE_BILINEAR: no size");
  int ns = nn__const_i32(L, &L->m->t[n->in[1]], size, 2);
  if (ns < 0) return ns;
  if (ns != 2 || x->ndim != 4 || x->dims[0] != 1 || size[0] < 1 || size[1] < 1 ||
      size[0] > 65536 || size[1] > 65536)
    return nn__fail(L, NN_EUNSUPPORTED, "RESIZE_BILINEAR: input '%s' or size", x->name);
  if (n->has_opt &&
      (nn__fb_bool(&n->opt, 2, &n->p[0]) || nn__fb_bool(&n->opt, 3, &n->p[1])))
    return nn__fail(L, NN_EFORMAT, "RESIZE_BILINEAR: malformed options");
  if (n->p[0] && n->p[1])
    return nn__fail(L, NN_EUNSUPPORTED, "RESIZE_BILINEAR: align_corners with half_pixel_centers");
  n->cd.ih = x->dims[1], n->cd.iw = x->dims[2], n->cd.ic = x->dims[3];
  n->cd.oh = size[0], n->cd.ow = size[1];
  int dims[4] = {1, size[0], size[1], x->dims[3]};
  int r2 = nn__check_shape(L, n, &L->m->t[n->out], 4, dims);
  if (r2) return r2;
  if (!(n->packed = malloc((size_t)size[1] * 3 * sizeof *n->packed))) return NN_ENOMEM;
  nn__ref_resize_table(n->packed, x->dims[2], size[1], n->p[0], n->p[1]);
  n->scratch = (size_t)x->dims[2] * x->dims[3]; /* one blended input row */
  return 0;
}

NN__RUN(resize) {
  const nn_conv_desc *d = &n->cd;
  nn__ref_resize_fast(n->x[0], n->y, d->ih, d->iw, d->oh, d->ow, d->ic, n->p[0], n->p[1],
                      n->packed, m->scratch);
}

/* RESHAPE never runs: the output shares the input's storage (or, for a constant, gets its
 * own copy of the values). */
NN__PREP(reshape) {
  if (n->nin < 1 || n->in[0] < 0) return nn__fail(L, NN_EFORMAT, "RESHAPE: no input");
  nn__tensor *x = &L->m->t[n->in[0]], *o = &L->m->t[n->out];
  if (x->count != o->count)
    return nn__fail(L, NN_EFORMAT, "RESHAPE: '%s' has %zu elements, '%s' %zu", x->name,
                    x->count, o->name, o->count);
  n->dead = 1;
  if (!x->raw && !x->cdata) {
    if (x->type != NN__T_F32)
      return nn__fail(L, NN_EUNSUPPORTED, "RESHAPE: input type %d", x->type);
    o->alias = n->in[0];
    return 0;
  }
  const float *d;
  int r = nn__const_f32(L, x, &d);
  if (r) return r;
  if (!(o->cdata = malloc(o->count * sizeof *o->cdata))) return NN_ENOMEM;
  memcpy(o->cdata, d, o->count * sizeof *d);
  return 0;
}

/* CONCATENATION: p[i] = floats per outer step of input i, p[15] = outer count. */
NN__PREP(concat) {
  nn__tensor *o = &L->m->t[n->out];
  int32_t axis = 0, act = 0;
  if (n->nin < 1 || n->nin > 15) return nn__fail(L, NN_EUNSUPPORTED, "CONCATENATION: %d inputs", n->nin);
  if (!n->has_opt || nn__fb_i32(&n->opt, 0, 0, &axis) || nn__fb_byte(&n->opt, 1, 0, &act))
    return nn__fail(L, NN_EFORMAT, "CONCATENATION: missing or malformed options");
  int r = nn__fused_act(L, n, act, &n->cd.act_min, &n->cd.act_max);
  if (r) return r;
  if (axis < 0) axis += o->ndim;
  if (axis < 0 || axis >= o->ndim) return nn__fail(L, NN_EFORMAT, "CONCATENATION: axis");
  size_t outer = 1, inner = 1;
  for (int i = 0; i < axis; i++) outer *= (size_t)o->dims[i];
  for (int i = axis + 1; i < o->ndim; i++) inner *= (size_t)o->dims[i];
  long sum = 0;
  for (int i = 0; i < n->nin; i++) {
    if (n->in[i] < 0) return nn__fail(L, NN_EFORMAT, "CONCATENATION: missing input");
    nn__tensor *x = &L->m->t[n->in[i]];
    const float *d;
    if ((x->raw || x->cdata) && (r = nn__const_f32(L, x, &d))) return r;
    x->run_const = x->cdata != NULL;
    int ok = x->ndim == o->ndim && (x->cdata || x->type == NN__T_F32);
    for (int j = 0; ok && j < o->ndim; j++) ok = j == axis || x->dims[j] == o->dims[j];
    if (!ok) return nn__fail(L, NN_EFORMAT, "CONCATENATION: input '%s' does not fit", x->name);
    sum += x->dims[axis];
    n->p[i] = (int)(x->dims[axis] * inner);
  }
  if (sum != o->dims[axis]) return nn__fail(L, NN_EFORMAT, "CONCATENATION: sizes do not add up");
  n->p[15] = (int)outer;
  return 0;
}

NN__RUN(concat) {
  size_t chunk[15];
  for (int i = 0; i < n->nin; i++) chunk[i] = (size_t)n->p[i];
  nn__ref_concat(n->x, chunk, n->nin, (size_t)n->p[15], n->y);
  const nn_conv_desc *d = &n->cd;
  if (d->act_min > -INFINITY || d->act_max < INFINITY)
    m->k->clamp(n->y, n->y, m->t[n->out].count, d->act_min, d->act_max);
}

/* DEQUANTIZE of a float16 constant: folded; the output becomes a float32 constant. */
NN__PREP(dequantize) {
  if (n->nin < 1 || n->in[0] < 0) return nn__fail(L, NN_EFORMAT, "DEQUANTIZE: no input");
  nn__tensor *x = &L->m->t[n->in[0]], *o = &L->m->t[n->out];
  if (!x->raw && !x->cdata)
    return nn__fail(L, NN_EUNSUPPORTED, "DEQUANTIZE of non-constant tensor '%s'", x->name);
  if (x->type != NN__T_F16 && x->type != NN__T_F32)
    return nn__fail(L, NN_EUNSUPPORTED, "DEQUANTIZE from type %d (only float16 runs)", x->type);
  if (x->count != o->count)
    return nn__fail(L, NN_EFORMAT, "DEQUANTIZE: '%s' and '%s' differ in size", x->name, o->name);
  const float *d;
  int r = nn__const_f32(L, x, &d);
  if (r) return r;
  o->cdata = x->cdata; /* the fp16 source has no other use for its float copy */
  x->cdata = NULL;
  n->dead = 1;
  return 0;
}
