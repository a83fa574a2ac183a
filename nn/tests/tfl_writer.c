/* Minimal TFLite flatbuffer writer (test helper). Objects are written front to back: a
 * parent first with placeholder offsets, its children after it, then the placeholders are
 * patched, so every uoffset points forward as FlatBuffers requires. */
#include "tfl_writer.h"

#include <stdlib.h>
#include <string.h>

typedef struct W {
  uint8_t *p;
  size_t n, cap;
} W;

typedef struct fld {
  int id, size, is_off;
  uint64_t v;
} fld;

static size_t reserve(W *w, size_t bytes, size_t align) {
  size_t pos = (w->n + align - 1) / align * align;
  if (pos + bytes > w->cap) {
    size_t cap = (pos + bytes) * 2 + 256;
    w->p = realloc(w->p, cap);
    if (!w->p) abort(); /* test helper: out of memory is fatal */
    memset(w->p + w->cap, 0, cap - w->cap);
    w->cap = cap;
  }
  w->n = pos + bytes;
  return pos;
}

static void put(W *w, size_t at, uint64_t v, int size) {
  for (int i = 0; i < size; i++) w->p[at + i] = (uint8_t)(v >> (8 * i));
}

static void patch(W *w, size_t at, size_t target) { put(w, at, target - at, 4); }

/* Writes vtable + table; pos_of[i] receives the position of field i (for patching). */
static size_t table(W *w, int nf, const fld *f, size_t *pos_of) {
  int maxid = -1, off = 4, offs[16] = {0};
  for (int i = 0; i < nf; i++) maxid = f[i].id > maxid ? f[i].id : maxid;
  for (int pass = 8; pass >= 1; pass /= 2) /* largest first keeps natural alignment */
    for (int i = 0; i < nf; i++) {
      int sz = f[i].is_off ? 4 : f[i].size;
      if (sz != pass) continue;
      off = (off + sz - 1) / sz * sz;
      offs[i] = off;
      off += sz;
    }
  int vt_len = 4 + 2 * (maxid + 1), tab_len = (off + 3) / 4 * 4;
  size_t vt = reserve(w, (size_t)vt_len, 2);
  put(w, vt, (uint64_t)vt_len, 2);
  put(w, vt + 2, (uint64_t)tab_len, 2);
  size_t pos = reserve(w, (size_t)tab_len, 8);
  put(w, pos, (uint64_t)(uint32_t)(int32_t)(pos - vt), 4);
  for (int i = 0; i < nf; i++) {
    put(w, vt + 4 + 2 * (size_t)f[i].id, (uint64_t)offs[i], 2);
    if (!f[i].is_off) put(w, pos + (size_t)offs[i], f[i].v, f[i].size);
    if (pos_of) pos_of[i] = pos + (size_t)offs[i];
  }
  return pos;
}

/* A vector: length then count × elem bytes (zero when data is NULL); returns its position. */
static size_t vec(W *w, size_t count, size_t elem, const void *data, size_t align) {
  size_t pos = (w->n + 3) / 4 * 4;
  while ((pos + 4) % align) pos += 4; /* pad so the data itself is aligned */
  w->n = pos;
  pos = reserve(w, 4 + count * elem, 1);
  put(w, pos, count, 4);
  if (data) memcpy(w->p + pos + 4, data, count * elem);
  return pos;
}

static size_t string(W *w, const char *s) {
  size_t len = strlen(s), pos = vec(w, len + 1, 1, s, 4);
  put(w, pos, len, 4); /* the NUL is not counted */
  return pos;
}

static size_t ivec(W *w, int n, const int *v) {
  size_t pos = vec(w, (size_t)n, 4, NULL, 4);
  for (int i = 0; i < n; i++) put(w, pos + 4 + 4 * (size_t)i, (uint64_t)(uint32_t)v[i], 4);
  return pos;
}

int tm_tensor_add(tm_model *m, const char *name, int type, int ndim, const int *dims,
                  const void *data, size_t bytes) {
  tm_tensor *t = &m->t[m->nt];
  memset(t, 0, sizeof *t);
  t->name = name, t->type = type, t->ndim = ndim, t->data = data, t->bytes = bytes;
  memcpy(t->dims, dims, (size_t)ndim * sizeof *dims);
  return m->nt++;
}

tm_op *tm_op_add(tm_model *m, int builtin, int nin, const int *in, int out) {
  tm_op *op = &m->op[m->nop++];
  memset(op, 0, sizeof *op);
  op->builtin = builtin, op->nin = nin, op->nout = 1, op->out[0] = out;
  memcpy(op->in, in, (size_t)nin * sizeof *in);
  return op;
}

void tm_op_opt(tm_op *op, int opt_type, int id, int size, int64_t v) {
  op->opt_type = opt_type;
  op->opt[op->nopt++] = (tm_opt){id, size, v};
}

static void write_opcodes(W *w, const tm_model *m, size_t slot) {
  size_t v = vec(w, (size_t)m->nop, 4, NULL, 4);
  patch(w, slot, v);
  for (int i = 0; i < m->nop; i++) {
    const tm_op *o = &m->op[i];
    fld f[4] = {{0, 1, 0, (uint64_t)(o->builtin < 127 ? o->builtin : 127)},
                {2, 4, 0, 1},
                {3, 4, 0, (uint64_t)o->builtin},
                {1, 4, 1, 0}};
    size_t pos_of[4];
    patch(w, v + 4 + 4 * (size_t)i, table(w, o->custom ? 4 : 3, f, pos_of));
    if (o->custom) patch(w, pos_of[3], string(w, o->custom));
  }
}

static void write_tensors(W *w, const tm_model *m, size_t slot, const int *buf_of) {
  size_t v = vec(w, (size_t)m->nt, 4, NULL, 4);
  patch(w, slot, v);
  for (int i = 0; i < m->nt; i++) {
    const tm_tensor *t = &m->t[i];
    fld f[4] = {{0, 4, 1, 0}, {1, 1, 0, (uint64_t)t->type}, {2, 4, 0, (uint64_t)buf_of[i]},
                {3, 4, 1, 0}};
    size_t pos_of[4];
    patch(w, v + 4 + 4 * (size_t)i, table(w, 4, f, pos_of));
    patch(w, pos_of[0], ivec(w, t->ndim, t->dims));
    patch(w, pos_of[3], string(w, t->name ? t->name : ""));
  }
}

static void write_operators(W *w, const tm_model *m, size_t slot) {
  size_t v = vec(w, (size_t)m->nop, 4, NULL, 4);
  patch(w, slot, v);
  for (int i = 0; i < m->nop; i++) {
    const tm_op *o = &m->op[i];
    fld f[6] = {{0, 4, 0, (uint64_t)i}, {1, 4, 1, 0}, {2, 4, 1, 0},
                {3, 1, 0, (uint64_t)o->opt_type}, {4, 4, 1, 0}, {5, 4, 1, 0}};
    int nf = o->copts ? 6 : o->nopt ? 5 : 3;
    size_t pos_of[6];
    patch(w, v + 4 + 4 * (size_t)i, table(w, nf, f, pos_of));
    patch(w, pos_of[1], ivec(w, o->nin, o->in));
    patch(w, pos_of[2], ivec(w, o->nout, o->out));
    if (nf >= 5) {
      fld of[8];
      for (int k = 0; k < o->nopt; k++)
        of[k] = (fld){o->opt[k].id, o->opt[k].size, 0, (uint64_t)o->opt[k].v};
      patch(w, pos_of[4], table(w, o->nopt, of, NULL));
    }
    if (o->copts) patch(w, pos_of[5], vec(w, o->copts_len, 1, o->copts, 4));
  }
}

static void write_subgraph(W *w, const tm_model *m, size_t slot, const int *buf_of) {
  size_t v = vec(w, 1, 4, NULL, 4);
  patch(w, slot, v);
  fld f[5] = {{0, 4, 1, 0}, {1, 4, 1, 0}, {2, 4, 1, 0}, {3, 4, 1, 0}, {4, 4, 1, 0}};
  size_t pos_of[5];
  patch(w, v + 4, table(w, 5, f, pos_of));
  write_tensors(w, m, pos_of[0], buf_of);
  patch(w, pos_of[1], ivec(w, m->nin, m->in));
  patch(w, pos_of[2], ivec(w, m->nout, m->out));
  write_operators(w, m, pos_of[3]);
  patch(w, pos_of[4], string(w, "main"));
}

/* Buffers: 0 is the empty sentinel; constants get one each. External data is appended
 * after the flatbuffer and addressed by offset/size from the file start. */
static void write_buffers(W *w, const tm_model *m, size_t slot, int nbuf) {
  size_t v = vec(w, (size_t)nbuf, 4, NULL, 4), ext_pos[TM_MAX_TENSORS] = {0};
  int ext_idx[TM_MAX_TENSORS], next = 0;
  patch(w, slot, v);
  patch(w, v + 4, table(w, 0, NULL, NULL));
  for (int i = 0, b = 1; i < m->nt; i++) {
    const tm_tensor *t = &m->t[i];
    if (!t->data) continue;
    size_t pos_of[3];
    if (m->external_buffers) {
      fld f[2] = {{1, 8, 0, 0}, {2, 8, 0, t->bytes}};
      patch(w, v + 4 + 4 * (size_t)b, table(w, 2, f, pos_of));
      ext_pos[next] = pos_of[0], ext_idx[next++] = i;
    } else {
      fld f[1] = {{0, 4, 1, 0}};
      patch(w, v + 4 + 4 * (size_t)b, table(w, 1, f, pos_of));
      patch(w, pos_of[0], vec(w, t->bytes, 1, t->data, 16));
    }
    b++;
  }
  for (int k = 0; k < next; k++) {
    const tm_tensor *t = &m->t[ext_idx[k]];
    size_t at = reserve(w, t->bytes, 16);
    memcpy(w->p + at, t->data, t->bytes);
    put(w, ext_pos[k], at, 8);
  }
}

uint8_t *tm_build(const tm_model *m, size_t *len) {
  W w = {NULL, 0, 0};
  int buf_of[TM_MAX_TENSORS], nbuf = 1;
  for (int i = 0; i < m->nt; i++) buf_of[i] = m->t[i].data ? nbuf++ : 0;
  size_t root = reserve(&w, 8, 8);
  memcpy(w.p + 4, "TFL3", 4);
  fld f[4] = {{0, 4, 0, 3}, {1, 4, 1, 0}, {2, 4, 1, 0}, {4, 4, 1, 0}};
  size_t pos_of[4];
  patch(&w, root, table(&w, 4, f, pos_of));
  write_opcodes(&w, m, pos_of[1]);
  write_subgraph(&w, m, pos_of[2], buf_of);
  write_buffers(&w, m, pos_of[3], nbuf);
  *len = w.n;
  return w.p;
}

uint16_t tm_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, man = x & 0x7fffff;
  if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
  int e = (int)exp - 127 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00);
  if (e <= 0) return (uint16_t)sign; /* flush tiny values: tests do not need subnormals */
  uint32_t h = sign | ((uint32_t)e << 10) | (man >> 13);
  uint32_t rest = man & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
  return (uint16_t)h;
}
