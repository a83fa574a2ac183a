/* TFLite flatbuffer → engine graph. Field numbers follow tensorflow/lite/schema/schema.fbs;
 * every value read from the file is validated before use (see fb.h for the reading side). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* schema.fbs field ids */
enum { MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_CUSTOM = 1, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3,
       TENSOR_SPARSITY = 6 };
enum { BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPT_TYPE = 3, OP_OPT = 4,
       OP_CUSTOM = 5, OP_LARGE_OFF = 9, OP_LARGE_SIZE = 10 };

#define MAX_NAME 255

int nn__fail(nn__load *L, int code, const char *fmt, ...) {
  if (L->err && L->err_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err, L->err_len, fmt, ap);
    va_end(ap);
  }
  return code;
}

#define BAD(what) nn__fail(L, NN_EFORMAT, "malformed model: %s", what)

typedef struct opcode {
  int builtin;
  const char *custom;
  size_t custom_len;
} opcode;

typedef struct buffer {
  const uint8_t *p;
  size_t n;
} buffer;

typedef struct parse {
  nn__load *L;
  const nn__fb *fb;
  opcode *codes;
  uint32_t ncodes;
  buffer *bufs;
  uint32_t nbufs;
} parse;

static int parse_opcodes(parse *P, const nn__fb_table *root) {
  nn__load *L = P->L;
  nn__fb_vec v;
  if (nn__fb_vector(root, MODEL_OPCODES, 4, &v) < 0) return BAD("operator_codes");
  P->ncodes = v.len;
  P->codes = calloc(v.len ? v.len : 1, sizeof *P->codes);
  if (!P->codes) return NN_ENOMEM;
  for (uint32_t i = 0; i < v.len; i++) {
    nn__fb_table t;
    uint8_t dep;
    int32_t b;
    opcode *c = &P->codes[i];
    if (nn__fb_vec_table(&v, i, &t) || nn__fb_u8(&t, OPCODE_DEPRECATED, 0, &dep) ||
        nn__fb_i32(&t, OPCODE_BUILTIN, 0, &b) ||
        nn__fb_string(&t, OPCODE_CUSTOM, &c->custom, &c->custom_len) < 0)
      return BAD("operator code");
    /* Old files only fill the deprecated byte; new ones put 127 there for large codes. */
    c->builtin = b > (int32_t)dep ? b : (int32_t)dep;
  }
  return 0;
}

static int parse_buffers(parse *P, const nn__fb_table *root) {
  nn__load *L = P->L;
  nn__fb_vec v;
  if (nn__fb_vector(root, MODEL_BUFFERS, 4, &v) < 0) return BAD("buffers");
  P->nbufs = v.len;
  P->bufs = calloc(v.len ? v.len : 1, sizeof *P->bufs);
  if (!P->bufs) return NN_ENOMEM;
  for (uint32_t i = 0; i < v.len; i++) {
    nn__fb_table t;
    nn__fb_vec d;
    uint64_t off, size;
    if (nn__fb_vec_table(&v, i, &t) || nn__fb_vector(&t, BUF_DATA, 1, &d) < 0 ||
        nn__fb_u64(&t, BUF_OFFSET, 0, &off) || nn__fb_u64(&t, BUF_SIZE, 0, &size))
      return BAD("buffer");
    if (d.len) {
      P->bufs[i].p = nn__fb_vec_bytes(&d);
      P->bufs[i].n = d.len;
    } else if (off > 1) {
      /* Large models keep weights after the flatbuffer, addressed from the file start
       * (TFLite reserves offsets 0 and 1 for "no external data"). */
      if (off > P->fb->n || size > P->fb->n - off) return BAD("external buffer out of range");
      P->bufs[i].p = P->fb->p + off;
      P->bufs[i].n = (size_t)size;
    }
  }
  return 0;
}

static char *copy_name(const char *s, size_t len) {
  if (len > MAX_NAME) len = MAX_NAME;
  char *r = malloc(len + 1);
  if (!r) return NULL;
  memcpy(r, s, len);
  r[len] = 0;
  return r;
}

static int parse_shape(parse *P, const nn__fb_table *t, nn__tensor *x) {
  nn__load *L = P->L;
  nn__fb_vec s;
  if (nn__fb_vector(t, TENSOR_SHAPE, 4, &s) < 0) return BAD("tensor shape");
  if (s.len > NN_MAX_DIMS)
    return nn__fail(L, NN_EUNSUPPORTED, "tensor rank %u exceeds %d", s.len, NN_MAX_DIMS);
  x->ndim = (int)s.len;
  x->count = 1;
  for (uint32_t i = 0; i < s.len; i++) {
    int32_t d = nn__fb_vec_i32(&s, i);
    if (d <= 0) return nn__fail(L, NN_EUNSUPPORTED, "tensor dimension %d (dynamic or empty)", d);
    if ((size_t)d > NN__MAX_ELEMS / x->count)
      return nn__fail(L, NN_ELIMIT, "tensor larger than %zu elements", (size_t)NN__MAX_ELEMS);
    x->dims[i] = d;
    x->count *= (size_t)d;
  }
  return 0;
}

static int parse_tensor(parse *P, const nn__fb_vec *v, uint32_t i, nn__tensor *x) {
  nn__load *L = P->L;
  nn__fb_table t, sp;
  uint8_t type;
  int32_t buf;
  const char *name = "";
  size_t name_len = 0;
  x->producer = -1;
  x->alias = -1;
  x->first = x->last = -1;
  if (nn__fb_vec_table(v, i, &t) || nn__fb_u8(&t, TENSOR_TYPE, 0, &type) ||
      nn__fb_i32(&t, TENSOR_BUFFER, 0, &buf) ||
      nn__fb_string(&t, TENSOR_NAME, &name, &name_len) < 0)
    return BAD("tensor");
  int r = parse_shape(P, &t, x);
  if (r) return r;
  if (nn__fb_sub_table(&t, TENSOR_SPARSITY, &sp) != 1)
    return nn__fail(L, NN_EUNSUPPORTED, "sparse tensor %.*s", (int)(name_len % 64), name);
  x->type = type;
  if ((uint32_t)buf >= P->nbufs && buf != 0) return BAD("tensor buffer index");
  if ((uint32_t)buf < P->nbufs && P->bufs[buf].n) {
    x->raw = P->bufs[buf].p;
    x->raw_len = P->bufs[buf].n;
  }
  x->name = copy_name(name, name_len);
  return x->name ? 0 : NN_ENOMEM;
}

/* Reads an int vector of tensor indices; -1 ("optional, absent") only where allowed. */
static int parse_indices(parse *P, const nn__fb_table *t, int id, int allow_neg, int max,
                         int *out, int *count) {
  nn__load *L = P->L;
  nn__fb_vec v;
  if (nn__fb_vector(t, id, 4, &v) < 0) return BAD("index vector");
  if ((int64_t)v.len > max)
    return nn__fail(L, NN_EUNSUPPORTED, "%u inputs/outputs exceed %d", v.len, max);
  for (uint32_t i = 0; i < v.len; i++) {
    int32_t k = nn__fb_vec_i32(&v, i);
    if (k >= P->L->m->ntensors || k < (allow_neg ? -1 : 0)) return BAD("tensor index");
    out[i] = k;
  }
  *count = (int)v.len;
  return 0;
}

static int parse_operator(parse *P, const nn__fb_vec *v, uint32_t i, nn__node *n) {
  nn__load *L = P->L;
  nn__fb_table t;
  int32_t code_idx;
  uint8_t opt_type;
  uint64_t loff, lsize;
  if (nn__fb_vec_table(v, i, &t) || nn__fb_i32(&t, OP_OPCODE, 0, &code_idx) ||
      nn__fb_u8(&t, OP_OPT_TYPE, 0, &opt_type) || nn__fb_u64(&t, OP_LARGE_OFF, 0, &loff) ||
      nn__fb_u64(&t, OP_LARGE_SIZE, 0, &lsize))
    return BAD("operator");
  if ((uint32_t)code_idx >= P->ncodes) return BAD("operator code index");
  const opcode *c = &P->codes[code_idx];
  n->code = c->builtin;
  n->kind = nn__kind_of(c->builtin, c->custom, c->custom_len);
  if (n->kind < 0) {
    if (c->custom_len)
      return nn__fail(L, NN_EUNSUPPORTED, "unsupported operator: custom op '%.*s'",
                      (int)(c->custom_len > 64 ? 64 : c->custom_len), c->custom);
    return nn__fail(L, NN_EUNSUPPORTED, "unsupported operator: %s (builtin code %d)",
                    nn__builtin_name(c->builtin), c->builtin);
  }
  int nout, out[1];
  int r = parse_indices(P, &t, OP_INPUTS, 1, NN__MAX_IN, n->in, &n->nin);
  if (!r) r = parse_indices(P, &t, OP_OUTPUTS, 0, 1, out, &nout);
  if (r) return r;
  if (nout != 1) return nn__fail(L, NN_EUNSUPPORTED, "%s with %d outputs",
                                 nn__ops[n->kind].name, nout);
  n->out = out[0];
  int s = nn__fb_sub_table(&t, OP_OPT, &n->opt);
  if (s < 0) return BAD("builtin options");
  n->has_opt = s == 0;
  n->opt_type = opt_type;
  nn__fb_vec cv;
  if (nn__fb_vector(&t, OP_CUSTOM, 1, &cv) < 0) return BAD("custom options");
  n->custom = nn__fb_vec_bytes(&cv);
  n->custom_len = cv.len;
  if (!cv.len && loff > 1) {
    if (loff > P->fb->n || lsize > P->fb->n - loff) return BAD("large custom options");
    n->custom = P->fb->p + loff;
    n->custom_len = (size_t)lsize;
  }
  n->act_min = -INFINITY;
  n->act_max = INFINITY;
  return 0;
}

static int parse_io(parse *P, const nn__fb_table *sg, int id, int **out, int *count) {
  nn__load *L = P->L;
  nn__fb_vec v;
  if (nn__fb_vector(sg, id, 4, &v) < 0) return BAD("graph inputs/outputs");
  if (v.len == 0) return BAD("graph without inputs or outputs");
  if (v.len > 64) return nn__fail(L, NN_ELIMIT, "%u graph inputs/outputs", v.len);
  *out = calloc(v.len, sizeof **out);
  if (!*out) return NN_ENOMEM;
  *count = (int)v.len;
  return parse_indices(P, sg, id, 0, (int)v.len, *out, count);
}

static int parse_graph(parse *P, const nn__fb_table *sg) {
  nn__load *L = P->L;
  nn_model *m = L->m;
  nn__fb_vec tv, ov;
  if (nn__fb_vector(sg, SG_TENSORS, 4, &tv) || nn__fb_vector(sg, SG_OPERATORS, 4, &ov))
    return BAD("subgraph tensors/operators");
  if (tv.len > NN__MAX_TENSORS || ov.len > NN__MAX_NODES)
    return nn__fail(L, NN_ELIMIT, "%u tensors / %u operators", tv.len, ov.len);
  m->t = calloc(tv.len ? tv.len : 1, sizeof *m->t);
  m->nodes = calloc(ov.len ? ov.len : 1, sizeof *m->nodes);
  if (!m->t || !m->nodes) return NN_ENOMEM;
  m->ntensors = (int)tv.len;
  for (uint32_t i = 0; i < tv.len; i++) {
    int r = parse_tensor(P, &tv, i, &m->t[i]);
    if (r) return r;
  }
  m->nnodes = (int)ov.len;
  for (uint32_t i = 0; i < ov.len; i++) {
    int r = parse_operator(P, &ov, i, &m->nodes[i]);
    if (r) return r;
  }
  int r = parse_io(P, sg, SG_INPUTS, &m->inputs, &m->nin);
  if (!r) r = parse_io(P, sg, SG_OUTPUTS, &m->outputs, &m->nout);
  return r;
}

int nn__parse_tflite(nn__load *L, const uint8_t *data, size_t n) {
  L->fb = (nn__fb){data, n};
  nn__fb_table root, sg;
  nn__fb_vec sgs;
  parse P = {L, &L->fb, NULL, 0, NULL, 0};
  int r;
  if (n >= 8 && memcmp(data + 4, "TFL3", 4) != 0)
    r = nn__fail(L, NN_EFORMAT, "not a TFLite model (file identifier is not TFL3)");
  else if (nn__fb_root(&L->fb, &root))
    r = BAD("root table");
  else if (nn__fb_vector(&root, MODEL_SUBGRAPHS, 4, &sgs) || sgs.len == 0 ||
           nn__fb_vec_table(&sgs, 0, &sg))
    r = BAD("no subgraph");
  else if (!(r = parse_opcodes(&P, &root)) && !(r = parse_buffers(&P, &root)))
    r = parse_graph(&P, &sg);
  free(P.codes);
  free(P.bufs);
  return r;
}

/* IEEE half → float, including subnormals, infinities and NaN. */
float nn__half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man) {
    int e = -1; /* normalise the subnormal */
    do {
      e++;
      man <<= 1;
    } while (!(man & 0x400));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
  } else {
    bits = sign;
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

int nn__const_f32(nn__load *L, nn__tensor *t, const float **out) {
  if (t->cdata) {
    *out = t->cdata;
    return 0;
  }
  size_t es = t->type == NN__T_F32 ? 4 : t->type == NN__T_F16 ? 2 : 0;
  if (!es || !t->raw)
    return nn__fail(L, NN_EUNSUPPORTED, "tensor '%s' is not a float constant", t->name);
  if (t->raw_len != t->count * es)
    return nn__fail(L, NN_EFORMAT, "malformed model: tensor '%s' has %zu bytes, expected %zu",
                    t->name, t->raw_len, t->count * es);
  float *d = malloc(t->count * sizeof *d);
  if (!d) return NN_ENOMEM;
  for (size_t i = 0; i < t->count; i++) {
    if (es == 4) {
      memcpy(&d[i], t->raw + 4 * i, 4);
    } else {
      d[i] = nn__half_to_float((uint16_t)(t->raw[2 * i] | (t->raw[2 * i + 1] << 8)));
    }
  }
  t->cdata = d;
  *out = d;
  return 0;
}

int nn__const_i32(nn__load *L, const nn__tensor *t, int32_t *out, int max) {
  if (t->type != NN__T_I32 || !t->raw)
    return nn__fail(L, NN_EUNSUPPORTED, "tensor '%s' is not an int32 constant", t->name);
  if (t->raw_len != t->count * 4 || t->count > (size_t)max)
    return nn__fail(L, NN_EFORMAT, "malformed model: int32 constant '%s' size", t->name);
  for (size_t i = 0; i < t->count; i++) memcpy(&out[i], t->raw + 4 * i, 4);
  return (int)t->count;
}
