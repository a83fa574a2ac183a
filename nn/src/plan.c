/* Planning, done once at load: execution order, activation fusion, and activation memory
 * (liveness intervals packed into one arena by greedy best-fit, largest tensors first). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_const(const nn__tensor *t) { return t->raw || t->cdata; }

/* Marks producers and graph inputs/outputs; rejects tensors written twice. */
static int mark_producers(nn__load *L) {
  nn_model *m = L->m;
  for (int i = 0; i < m->nin; i++) {
    nn__tensor *t = &m->t[m->inputs[i]];
    if (t->type != NN__T_F32 || is_const(t))
      return nn__fail(L, NN_EUNSUPPORTED, "graph input '%s' is not a float32 activation",
                      t->name);
    t->is_input = 1;
  }
  for (int i = 0; i < m->nnodes; i++)
    for (int j = 0; j < m->nodes[i].nin; j++)
      if (m->nodes[i].in[j] >= 0) m->t[m->nodes[i].in[j]].consumers++;
  for (int i = 0; i < m->nnodes; i++) {
    nn__tensor *t = &m->t[m->nodes[i].out];
    if (t->producer >= 0 || t->is_input || t->raw)
      return nn__fail(L, NN_EFORMAT, "malformed model: tensor '%s' written twice", t->name);
    t->producer = i;
  }
  for (int i = 0; i < m->nout; i++) {
    nn__tensor *t = &m->t[m->outputs[i]];
    if (t->producer < 0 || t->type != NN__T_F32)
      return nn__fail(L, NN_EUNSUPPORTED, "graph output '%s' is not a computed float32 tensor",
                      t->name);
    t->is_output = 1;
  }
  return 0;
}

/* Kahn's algorithm over producer → consumer edges; FIFO keeps the file's order when valid. */
static int topo_sort(nn__load *L) {
  nn_model *m = L->m;
  int nn = m->nnodes, *indeg = calloc((size_t)nn + 1, sizeof *indeg);
  int *start = calloc((size_t)nn + 2, sizeof *start), *edges = NULL, r = 0;
  m->order = calloc((size_t)nn + 1, sizeof *m->order);
  if (!indeg || !start || !m->order) goto oom;
  size_t ne = 0;
  for (int i = 0; i < nn; i++)
    for (int j = 0; j < m->nodes[i].nin; j++) {
      int ti = m->nodes[i].in[j];
      if (ti < 0) continue;
      const nn__tensor *t = &m->t[ti];
      if (t->producer < 0 && !t->is_input && !is_const(t)) {
        r = nn__fail(L, NN_EFORMAT, "malformed model: tensor '%s' is read but never written",
                     t->name);
        goto done;
      }
      if (t->producer >= 0) indeg[i]++, start[t->producer + 1]++, ne++;
    }
  for (int i = 0; i < nn; i++) start[i + 1] += start[i];
  if (!(edges = malloc((ne ? ne : 1) * sizeof *edges))) goto oom;
  int *pos = calloc((size_t)nn + 1, sizeof *pos);
  if (!pos) goto oom;
  memcpy(pos, start, (size_t)nn * sizeof *pos);
  for (int i = 0; i < nn; i++)
    for (int j = 0; j < m->nodes[i].nin; j++) {
      int ti = m->nodes[i].in[j];
      if (ti >= 0 && m->t[ti].producer >= 0) edges[pos[m->t[ti].producer]++] = i;
    }
  free(pos);
  int head = 0, tail = 0;
  for (int i = 0; i < nn; i++)
    if (indeg[i] == 0) m->order[tail++] = i;
  while (head < tail) {
    int v = m->order[head++];
    for (int e = start[v]; e < start[v + 1]; e++)
      if (--indeg[edges[e]] == 0) m->order[tail++] = edges[e];
  }
  m->norder = tail;
  if (tail != nn) r = nn__fail(L, NN_EFORMAT, "malformed model: the graph has a cycle");
  goto done;
oom:
  r = NN_ENOMEM;
done:
  free(indeg);
  free(start);
  free(edges);
  return r;
}

int nn__plan_order(nn__load *L) {
  int r = mark_producers(L);
  return r ? r : topo_sort(L);
}

/* Producers whose kernels clamp their output, so a following RELU/RELU6 costs nothing. */
static int clamps(int kind) {
  return kind == NN__OP_CONV || kind == NN__OP_DWCONV || kind == NN__OP_TCONV ||
         kind == NN__OP_ADD || kind == NN__OP_MUL;
}

static int is_relu(int kind) {
  return kind == NN__OP_RELU || kind == NN__OP_RELU6 || kind == NN__OP_RELU_N1_1;
}

/* The input slot that takes a fused residual: CONV_2D (kernel conv_add) or a per-channel
 * broadcast MUL (mul_bcast_add, the squeeze-and-excite scale); -1 when p cannot take one. */
static int residual_slot(const nn__node *p) {
  if ((p->kind == NN__OP_CONV || p->kind == NN__OP_DWCONV) && p->nin <= NN__CONV_RES)
    return NN__CONV_RES;
  if (p->kind == NN__OP_MUL && p->nin == 2 && p->p[0] == 1) return 2;
  return -1;
}

/* Node producing ADD operand j alone, fusable with the other operand as residual: it has
 * no activation (the ADD's applies to the sum; a depthwise conv keeps its own and applies
 * the ADD's after the sum) and is not fused already. The other operand may be written
 * after it runs: fuse_residual then moves it later. */
static nn__node *residual_producer(nn_model *m, const nn__node *a, int j, const int *uses) {
  int ti = a->in[j], oi = a->in[1 - j];
  if (ti < 0 || oi < 0 || ti == oi || uses[ti] != 1) return NULL;
  const nn__tensor *t = &m->t[ti], *o = &m->t[oi];
  if (t->producer < 0 || t->is_output) return NULL;
  nn__node *c = &m->nodes[t->producer];
  if (c->dead || residual_slot(c) < 0) return NULL;
  if (c->kind != NN__OP_DWCONV && (c->cd.act_min != -INFINITY || c->cd.act_max != INFINITY))
    return NULL;
  if (t->count != o->count) return NULL;
  return c;
}

/* Moves node c from its step to the step just before node a, the steps between moving up
 * one. Valid when a alone reads c's output: c's inputs are still written before it. */
static void sink_before(nn_model *m, int *pos, int c, int a) {
  int to = pos[a] - 1;
  for (int s = pos[c]; s < to; s++) {
    m->order[s] = m->order[s + 1];
    pos[m->order[s]] = s;
  }
  m->order[to] = c;
  pos[c] = to;
}

/* A same-shape ADD of a conv's (or SE MUL's) output and another tensor becomes that
 * node's epilogue: its own output is never stored and the ADD pass disappears. When the
 * other operand is written after the conv (the face models' blocks: conv on one branch,
 * MAX_POOL and channel PAD on the other), the conv moves to just before the ADD first. */
static void fuse_residual(nn_model *m, const int *uses) {
  int *pos = malloc(((size_t)m->nnodes + 1) * sizeof *pos);
  if (!pos) return;
  for (int s = 0; s < m->norder; s++) pos[m->order[s]] = s;
  for (int s = 0; s < m->norder; s++) {
    nn__node *a = &m->nodes[m->order[s]], *c = NULL;
    if (a->dead || a->kind != NN__OP_ADD || a->nin != 2 || a->p[0] != 0) continue;
    int j = 0;
    for (; j < 2 && !c; j++) c = residual_producer(m, a, j, uses);
    if (!c) continue;
    int ci = m->t[a->in[j - 1]].producer;
    int oi = m->t[a->in[2 - j]].producer;
    if (oi >= 0 && pos[oi] > pos[ci]) sink_before(m, pos, ci, m->order[s]);
    int slot = residual_slot(c);
    for (int k = c->nin; k < slot; k++) c->in[k] = -1; /* a conv without bias */
    c->in[slot] = a->in[2 - j];
    c->nin = slot + 1;
    if (c->kind == NN__OP_DWCONV)
      c->res_min = a->cd.act_min, c->res_max = a->cd.act_max;
    else
      c->cd.act_min = a->cd.act_min, c->cd.act_max = a->cd.act_max;
    m->t[c->out].producer = -1;
    c->out = a->out;
    m->t[a->out].producer = ci;
    a->dead = 1;
  }
  free(pos);
}

/* A HARD_SWISH whose input comes only from a CONV_2D or DEPTHWISE_CONV_2D (without a
 * fused residual) is applied by that node as it stores its output. */
static void fuse_hswish(nn_model *m, const int *uses) {
  for (int s = 0; s < m->norder; s++) {
    nn__node *h = &m->nodes[m->order[s]];
    if (h->dead || h->kind != NN__OP_HSWISH || h->in[0] < 0) continue;
    nn__tensor *t = &m->t[h->in[0]];
    if (t->producer < 0 || t->is_output || uses[h->in[0]] != 1) continue;
    nn__node *p = &m->nodes[t->producer];
    if (p->dead || p->p[NN__P_HSWISH] || p->nin > NN__CONV_RES ||
        (p->kind != NN__OP_CONV && p->kind != NN__OP_DWCONV))
      continue;
    p->p[NN__P_HSWISH] = 1;
    p->out = h->out;
    m->t[h->out].producer = t->producer;
    t->producer = -1;
    h->dead = 1;
  }
}

/* A PRELU with per-channel alpha whose input comes only from a CONV_2D (with or without a
 * fused residual, not with a HARD_SWISH) is applied by the conv (kernel conv_prelu) to each
 * band of output pixels it has just written, while they are in L1: the face models'
 * conv → PRELU pairs lose a pass over the tensor. The same operations as the prelu kernel
 * on the same values, so the same result bit for bit. */
static void fuse_prelu(nn_model *m, const int *uses) {
  for (int s = 0; s < m->norder; s++) {
    nn__node *h = &m->nodes[m->order[s]];
    if (h->dead || h->kind != NN__OP_PRELU || h->in[0] < 0 || h->in[1] < 0) continue;
    nn__tensor *t = &m->t[h->in[0]];
    if (t->producer < 0 || t->is_output || uses[h->in[0]] != 1) continue;
    nn__node *p = &m->nodes[t->producer];
    if (p->dead || p->kind != NN__OP_CONV || p->p[NN__P_HSWISH] || p->nin > NN__CONV_ALPHA ||
        h->p[1] != p->cd.oc || (long)h->p[0] != (long)p->cd.oh * p->cd.ow)
      continue;
    if (p->nin <= NN__CONV_RES) p->in[NN__CONV_RES] = -1;
    p->in[NN__CONV_ALPHA] = h->in[1];
    p->nin = NN__CONV_ALPHA + 1;
    p->out = h->out;
    m->t[h->out].producer = t->producer;
    t->producer = -1;
    h->dead = 1;
  }
}

/* A mean over H and W: MEAN, or an AVERAGE_POOL_2D whose window is the whole image. */
static int is_spatial_mean(const nn__node *n) {
  const nn_conv_desc *d = &n->cd;
  if (n->kind == NN__OP_MEAN) return n->nin == 2;
  return n->kind == NN__OP_AVGPOOL && n->nin == 1 && nn__pool_is_global(d) &&
         d->act_min == -INFINITY && d->act_max == INFINITY;
}

/* A same-shape ADD without activation read only by a spatial mean (squeeze-and-excite
 * pooling of a skip sum) is summed by the mean itself: the sum is never stored. */
static void fuse_add_mean(nn_model *m, const int *uses) {
  for (int s = 0; s < m->norder; s++) {
    nn__node *mn = &m->nodes[m->order[s]];
    if (mn->dead || !is_spatial_mean(mn) || mn->in[0] < 0) continue;
    nn__tensor *t = &m->t[mn->in[0]];
    if (t->producer < 0 || t->is_output || uses[mn->in[0]] != 1) continue;
    nn__node *a = &m->nodes[t->producer];
    if (a->dead || a->kind != NN__OP_ADD || a->nin != 2 || a->p[0] != 0 || a->in[0] < 0 ||
        a->in[1] < 0 || a->cd.act_min != -INFINITY || a->cd.act_max != INFINITY)
      continue;
    if (m->t[a->in[0]].count != t->count || m->t[a->in[1]].count != t->count) continue;
    mn->in[0] = a->in[0];
    if (mn->nin < NN__MEAN_ADDEND) mn->in[1] = -1; /* the pool has no axes input */
    mn->in[NN__MEAN_ADDEND] = a->in[1];
    mn->nin = NN__MEAN_ADDEND + 1;
    t->producer = -1;
    a->dead = 1;
  }
}

void nn__plan_fuse(nn_model *m) {
  int *uses = calloc((size_t)m->ntensors + 1, sizeof *uses);
  if (!uses) return; /* fusion is an optimisation; the unfused graph is still correct */
  for (int i = 0; i < m->nnodes; i++)
    for (int j = 0; j < m->nodes[i].nin; j++)
      if (m->nodes[i].in[j] >= 0) uses[m->nodes[i].in[j]]++;
  for (int s = 0; s < m->norder; s++) {
    nn__node *r = &m->nodes[m->order[s]];
    if (r->dead || !is_relu(r->kind)) continue;
    nn__tensor *t = &m->t[r->in[0]];
    if (t->producer < 0 || t->is_output || uses[r->in[0]] != 1) continue;
    nn__node *p = &m->nodes[t->producer];
    if (p->dead || !clamps(p->kind)) continue;
    float lo = p->cd.act_min > r->cd.act_min ? p->cd.act_min : r->cd.act_min;
    float hi = p->cd.act_max < r->cd.act_max ? p->cd.act_max : r->cd.act_max;
    if (lo > hi) continue;
    p->cd.act_min = lo, p->cd.act_max = hi;
    p->out = r->out;
    m->t[r->out].producer = t->producer;
    t->producer = -1;
    r->dead = 1;
  }
  fuse_residual(m, uses); /* after the clamps, so an ADD's fused RELU moves with it */
  fuse_hswish(m, uses);   /* after the residuals: a conv takes one or the other */
  fuse_prelu(m, uses);    /* after the residuals: conv + ADD + PRELU is one node */
  fuse_add_mean(m, uses); /* ADDs left after the residual fusion */
  free(uses);
}
