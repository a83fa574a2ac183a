/* Public API: load (parse → order → prepare/pack → rewrite → fuse → plan memory), run, accessors. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *nn_strerror(int err) {
  switch (err) {
  case NN_OK: return "success";
  case NN_ENOMEM: return "out of memory";
  case NN_EFORMAT: return "malformed model file";
  case NN_EUNSUPPORTED: return "unsupported operator or model feature";
  case NN_EINVAL: return "invalid argument";
  case NN_ELIMIT: return "resource limit exceeded";
  default: return "unknown error";
  }
}

void nn_model_destroy(nn_model *m) {
  if (!m) return;
  for (int i = 0; m->t && i < m->ntensors; i++) {
    free(m->t[i].name);
    free(m->t[i].cdata);
  }
  for (int i = 0; m->nodes && i < m->nnodes; i++) free(m->nodes[i].packed);
  free(m->t);
  free(m->nodes);
  free(m->order);
  free(m->inputs);
  free(m->outputs);
  free(m->arena_mem);
  free(m->tscratch_mem);
  free(m);
}

/* Prepares every live node in execution order (DEQUANTIZE folds before its consumers). */
static int prepare_all(nn__load *L) {
  nn_model *m = L->m;
  for (int s = 0; s < m->norder; s++) {
    nn__node *n = &m->nodes[m->order[s]];
    const nn__tensor *o = &m->t[n->out];
    if (o->type != NN__T_F32)
      return nn__fail(L, NN_EUNSUPPORTED, "%s: output '%s' has type %d, only float32 runs",
                      nn__ops[n->kind].name, o->name, o->type);
    int want = nn__ops[n->kind].opt_type;
    if (n->has_opt && want && n->opt_type != want)
      return nn__fail(L, NN_EFORMAT, "%s: options table of type %d, expected %d",
                      nn__ops[n->kind].name, n->opt_type, want);
    int r = nn__ops[n->kind].prepare(L, n);
    if (r) return r;
  }
  return 0;
}

int nn_model_load(nn_model **out, const uint8_t *data, size_t n, const nn_options *opt,
                  char *err, size_t err_len) {
  nn__load L = {NULL, err, err_len, {NULL, 0}};
  if (err && err_len) err[0] = 0;
  if (!out) return nn__fail(&L, NN_EINVAL, "no output pointer");
  *out = NULL;
  if (!data || n < 8) return nn__fail(&L, NN_EFORMAT, "model file too short (%zu bytes)", n);
  nn_model *m = calloc(1, sizeof *m);
  if (!m) return nn__fail(&L, NN_ENOMEM, "out of memory");
  L.m = m;
  const char *ks = opt ? opt->kernels : NULL;
  m->k = nn_kernels_find(ks);
  int r;
  if (!m->k) r = nn__fail(&L, NN_EINVAL, "unknown kernel set '%s'", ks ? ks : "auto");
  else if (!(r = nn__parse_tflite(&L, data, n)) && !(r = nn__plan_order(&L)) &&
           !(r = prepare_all(&L)) && !(r = nn__plan_rewrite(&L))) {
    nn__plan_fuse(m);
    r = nn__plan_memory(&L);
  }
  if (r) {
    if (r == NN_ENOMEM && err && err_len && !err[0]) nn__fail(&L, r, "out of memory");
    nn_model_destroy(m);
    return r;
  }
  *out = m;
  return 0;
}

int nn_num_inputs(const nn_model *m) { return m ? m->nin : 0; }
int nn_num_outputs(const nn_model *m) { return m ? m->nout : 0; }

static int info(const nn_model *m, int ti, nn_tensor_info *inf) {
  const nn__tensor *t = &m->t[ti];
  inf->name = t->name;
  inf->ndim = t->ndim;
  memset(inf->dims, 0, sizeof inf->dims);
  memcpy(inf->dims, t->dims, (size_t)t->ndim * sizeof *t->dims);
  inf->count = t->count;
  return 0;
}

int nn_input_info(const nn_model *m, int i, nn_tensor_info *inf) {
  if (!m || !inf || i < 0 || i >= m->nin) return NN_EINVAL;
  return info(m, m->inputs[i], inf);
}

int nn_output_info(const nn_model *m, int i, nn_tensor_info *inf) {
  if (!m || !inf || i < 0 || i >= m->nout) return NN_EINVAL;
  return info(m, m->outputs[i], inf);
}

float *nn_input(nn_model *m, int i) {
  return m && i >= 0 && i < m->nin ? m->t[m->inputs[i]].ptr : NULL;
}

const float *nn_output(const nn_model *m, int i) {
  return m && i >= 0 && i < m->nout ? m->t[m->outputs[i]].ptr : NULL;
}

int nn_model_set_pool(nn_model *m, nn_pool *p) {
  if (!m) return NN_EINVAL;
  free(m->tscratch_mem);
  m->tscratch_mem = NULL, m->tscratch = NULL, m->pool = NULL;
  if (!p) return 0;
  size_t helpers = (size_t)nn_pool_max_threads(p) - 1;
  if (helpers && m->scratch_floats) {
    m->tscratch_mem = malloc(helpers * m->scratch_floats * sizeof(float) + NN__ALIGN);
    if (!m->tscratch_mem) return NN_ENOMEM;
    uintptr_t a = ((uintptr_t)m->tscratch_mem + NN__ALIGN - 1) & ~(uintptr_t)(NN__ALIGN - 1);
    m->tscratch = (float *)a;
  }
  m->pool = p;
  return 0;
}

typedef struct rows_job {
  const nn_model *m;
  const nn__node *n;
} rows_job;

/* Chunk c of n: output rows [oh·c/n, oh·(c+1)/n), on thread t with t's scratch. */
static void rows_part(void *ctx, int t, int c, int n) {
  const rows_job *j = ctx;
  const nn_model *m = j->m;
  int oh = j->n->cd.oh, y0 = (int)((long)oh * c / n), y1 = (int)((long)oh * (c + 1) / n);
  float *scratch = t ? m->tscratch + (size_t)(t - 1) * m->scratch_floats : m->scratch;
  if (y1 > y0) nn__ops[j->n->kind].rows(m, j->n, y0, y1, scratch);
}

static void run_node(const nn_model *m, const nn__node *n) {
  const nn__op *op = &nn__ops[n->kind];
  int T = nn_pool_threads(m->pool);
  if (m->pool && op->rows && n->macs >= NN__PAR_MIN_MACS && n->cd.oh > 1 && T > 1) {
    rows_job j = {m, n};
    int chunks = T * NN__CHUNKS_PER_THREAD;
    nn__pool_run(m->pool, rows_part, &j, chunks < n->cd.oh ? chunks : n->cd.oh);
  } else {
    op->run(m, n);
  }
}

int nn_run(nn_model *m) {
  if (!m) return NN_EINVAL;
  for (int s = 0; s < m->norder; s++) run_node(m, &m->nodes[m->order[s]]);
  nn__pool_park(m->pool);
  return 0;
}

int nn_run_traced(nn_model *m, nn_trace_fn trace, void *user) {
  if (!m || !trace) return NN_EINVAL;
  for (int s = 0; s < m->norder; s++) {
    const nn__node *n = &m->nodes[m->order[s]];
    trace(user, s, nn__ops[n->kind].name);
    run_node(m, n);
  }
  nn__pool_park(m->pool);
  trace(user, m->norder, NULL);
  return 0;
}

const char *nn_model_step_op(const nn_model *m, int step) {
  if (!m || step < 0 || step >= m->norder) return NULL;
  return nn__ops[m->nodes[m->order[step]].kind].name;
}

const char *nn_model_kernels(const nn_model *m) { return m ? m->k->name : NULL; }
uint64_t nn_model_macs(const nn_model *m) { return m ? m->macs : 0; }
size_t nn_model_arena_bytes(const nn_model *m) { return m ? m->arena_bytes : 0; }
size_t nn_model_weight_bytes(const nn_model *m) { return m ? m->weight_bytes : 0; }
