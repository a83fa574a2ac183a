/* Activation memory: every stored tensor gets a live interval [first, last] in execution
 * steps; tensors whose intervals overlap never share bytes. Placement is greedy best-fit
 * (largest tensor first, into the smallest gap that holds it), as in TFLite's arena
 * planner; RESHAPE outputs share their input's storage (the "root"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_const(const nn__tensor *t) { return t->raw || t->cdata; }

static int root(const nn_model *m, int t) {
  for (int guard = 0; m->t[t].alias >= 0 && guard < m->ntensors; guard++) t = m->t[t].alias;
  return t;
}

static size_t bytes_of(const nn__tensor *t) {
  return (t->count * sizeof(float) + NN__ALIGN - 1) / NN__ALIGN * NN__ALIGN;
}

static void touch(nn_model *m, int ti, int step) {
  if (ti < 0 || is_const(&m->t[ti])) return;
  nn__tensor *r = &m->t[root(m, ti)];
  if (r->first < 0 || step < r->first) r->first = step;
  if (step > r->last) r->last = step;
}

static void compact_order(nn_model *m) {
  int s = 0;
  for (int i = 0; i < m->norder; i++)
    if (!m->nodes[m->order[i]].dead) m->order[s++] = m->order[i];
  m->norder = s;
}

/* Input slots an elementwise node may overwrite (its kernels allow out to alias them). */
static int in_place_slots(const nn__node *n, int *slots) {
  switch (n->kind) {
  case NN__OP_ADD:
  case NN__OP_MUL:
    slots[0] = 0, slots[1] = 1, slots[2] = 2;
    return n->nin < 3 ? n->nin : 3;
  case NN__OP_LOGISTIC: case NN__OP_HSWISH: case NN__OP_RELU: case NN__OP_RELU6:
  case NN__OP_RELU_N1_1: case NN__OP_TANH: case NN__OP_PRELU:
    slots[0] = 0;
    return 1;
  default:
    return 0;
  }
}

/* An elementwise node whose input of the output's size is read for the last time by it
 * writes its output over that input: the output joins the input's storage group (as a
 * RESHAPE alias does). The arena shrinks and the output lands in memory that is already in
 * cache. Graph inputs and outputs (and anything sharing their storage) are never
 * overwritten. Best effort: without memory for the bookkeeping nothing changes. */
static void in_place(nn_model *m) {
  int nt = m->ntensors;
  int *glast = malloc(((size_t)nt + 1) * sizeof *glast);
  char *pinned = calloc((size_t)nt + 1, 1);
  if (!glast || !pinned) goto done;
  for (int i = 0; i < nt; i++) glast[i] = -1;
  for (int s = 0; s < m->norder; s++) {
    const nn__node *n = &m->nodes[m->order[s]];
    for (int j = 0; j < n->nin; j++)
      if (n->in[j] >= 0) glast[root(m, n->in[j])] = s;
    if (glast[root(m, n->out)] < s) glast[root(m, n->out)] = s;
  }
  for (int i = 0; i < nt; i++)
    if (m->t[i].is_input || m->t[i].is_output) pinned[root(m, i)] = 1;
  for (int s = 0; s < m->norder; s++) {
    const nn__node *n = &m->nodes[m->order[s]];
    int slots[3], ns = in_place_slots(n, slots);
    nn__tensor *o = &m->t[n->out];
    if (o->alias >= 0 || is_const(o) || pinned[n->out]) continue;
    for (int k = 0; k < ns; k++) {
      int x = n->in[slots[k]];
      if (x < 0 || is_const(&m->t[x]) || m->t[x].count != o->count) continue;
      int rx = root(m, x);
      if (pinned[rx] || glast[rx] != s || rx == n->out) continue;
      o->alias = x;
      if (glast[n->out] > glast[rx]) glast[rx] = glast[n->out];
      break;
    }
  }
done:
  free(glast);
  free(pinned);
}

/* Live intervals over the live nodes (m->order compacted already). */
static void liveness(nn_model *m) {
  int s;
  for (int i = 0; i < m->nin; i++) touch(m, m->inputs[i], 0);
  for (s = 0; s < m->norder; s++) {
    const nn__node *n = &m->nodes[m->order[s]];
    for (int j = 0; j < n->nin; j++) touch(m, n->in[j], s);
    touch(m, n->out, s);
  }
  /* Inputs and outputs stay valid across runs: inputs are not clobbered by activations. */
  for (int i = 0; i < m->nin; i++) touch(m, m->inputs[i], m->norder);
  for (int i = 0; i < m->nout; i++) touch(m, m->outputs[i], m->norder);
}

typedef struct slot {
  size_t off, size;
} slot;

static int by_off(const void *a, const void *b) {
  size_t x = ((const slot *)a)->off, y = ((const slot *)b)->off;
  return x < y ? -1 : x > y;
}

typedef struct item {
  size_t size;
  int idx;
} item;

static int by_size_desc(const void *a, const void *b) {
  const item *x = a, *y = b;
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  return x->idx - y->idx;
}

/* Best-fit offset for tensor t among already placed tensors that overlap it in time. */
static size_t best_fit(nn_model *m, const int *placed, int np, int t, slot *tmp) {
  const nn__tensor *x = &m->t[t];
  int nc = 0;
  for (int i = 0; i < np; i++) {
    const nn__tensor *y = &m->t[placed[i]];
    if (y->first <= x->last && x->first <= y->last) tmp[nc++] = (slot){y->off, bytes_of(y)};
  }
  qsort(tmp, (size_t)nc, sizeof *tmp, by_off);
  size_t need = bytes_of(x), cur = 0, best = SIZE_MAX, best_gap = SIZE_MAX;
  for (int i = 0; i < nc; i++) {
    if (tmp[i].off >= cur + need && tmp[i].off - cur < best_gap)
      best = cur, best_gap = tmp[i].off - cur;
    if (tmp[i].off + tmp[i].size > cur) cur = tmp[i].off + tmp[i].size;
  }
  return best != SIZE_MAX ? best : cur;
}

static int place(nn__load *L) {
  nn_model *m = L->m;
  int *list = malloc(((size_t)m->ntensors + 1) * sizeof *list), n = 0;
  slot *tmp = malloc(((size_t)m->ntensors + 1) * sizeof *tmp);
  item *items = malloc(((size_t)m->ntensors + 1) * sizeof *items);
  int r = 0;
  if (!list || !tmp || !items) {
    r = NN_ENOMEM;
    goto done;
  }
  for (int i = 0; i < m->ntensors; i++)
    if (m->t[i].first >= 0 && m->t[i].alias < 0 && !is_const(&m->t[i]))
      items[n++] = (item){bytes_of(&m->t[i]), i};
  qsort(items, (size_t)n, sizeof *items, by_size_desc);
  for (int i = 0; i < n; i++) list[i] = items[i].idx;
  m->arena_bytes = 0;
  for (int i = 0; i < n; i++) {
    nn__tensor *t = &m->t[list[i]];
    t->off = best_fit(m, list, i, list[i], tmp);
    if (t->off + bytes_of(t) > m->arena_bytes) m->arena_bytes = t->off + bytes_of(t);
  }
  if (m->arena_bytes > NN__MAX_ARENA)
    r = nn__fail(L, NN_ELIMIT, "activations need %zu bytes (limit %zu)", m->arena_bytes,
                 (size_t)NN__MAX_ARENA);
done:
  free(list);
  free(tmp);
  free(items);
  return r;
}

/* Pointers for every tensor and node, and the scratch area after the activations. */
static void resolve(nn_model *m) {
  for (int i = 0; i < m->ntensors; i++) {
    nn__tensor *t = &m->t[i];
    const nn__tensor *r = &m->t[root(m, i)];
    t->ptr = t->cdata ? t->cdata : r->first >= 0 ? (float *)(m->arena + r->off) : NULL;
  }
  for (int s = 0; s < m->norder; s++) {
    nn__node *n = &m->nodes[m->order[s]];
    for (int j = 0; j < n->nin; j++) n->x[j] = n->in[j] >= 0 ? m->t[n->in[j]].ptr : NULL;
    n->y = m->t[n->out].ptr;
    m->macs += n->macs;
    m->work += n->macs + n->work + 4 * (uint64_t)m->t[n->out].count;
  }
  m->scratch = (float *)(m->arena + m->arena_bytes);
}

int nn__plan_memory(nn__load *L) {
  nn_model *m = L->m;
  compact_order(m);
  in_place(m);
  liveness(m);
  int r = place(L);
  if (r) return r;
  for (int s = 0; s < m->norder; s++) {
    size_t sc = m->nodes[m->order[s]].scratch;
    if (sc > m->scratch_floats) m->scratch_floats = sc;
  }
  if (m->scratch_floats > (NN__MAX_ARENA - m->arena_bytes) / 4)
    return nn__fail(L, NN_ELIMIT, "kernel scratch too large");
  size_t total = m->arena_bytes + m->scratch_floats * 4 + NN__ALIGN;
  if (!(m->arena_mem = calloc(1, total))) return nn__fail(L, NN_ENOMEM, "out of memory (arena)");
  uintptr_t a = ((uintptr_t)m->arena_mem + NN__ALIGN - 1) & ~(uintptr_t)(NN__ALIGN - 1);
  m->arena = (uint8_t *)a;
  /* Constants only packed at load are no longer needed; the rest count as weights. */
  for (int i = 0; i < m->ntensors; i++) {
    nn__tensor *t = &m->t[i];
    if (t->cdata && !t->run_const && !t->is_output) {
      free(t->cdata);
      t->cdata = NULL;
    } else if (t->cdata) {
      m->weight_bytes += t->count * sizeof(float);
    }
  }
  resolve(m);
  return 0;
}
