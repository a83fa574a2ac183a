/* Planner tests: liveness-packed arena (smaller than the sum, no overlap of live tensors),
 * activation fusion, RESHAPE aliasing, zero allocations in nn_run(). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "tests.h"
#include "tiny_models.h"

static size_t stored_bytes(const nn__tensor *t) {
  return (t->count * 4 + NN__ALIGN - 1) / NN__ALIGN * NN__ALIGN;
}

/* Every pair of stored tensors that are live at the same step occupies disjoint bytes. */
void nnt_check_no_overlap(const nn_model *m) {
  size_t sum = 0;
  int stored = 0;
  for (int i = 0; i < m->ntensors; i++) {
    const nn__tensor *a = &m->t[i];
    if (a->first < 0 || a->alias >= 0 || a->cdata || a->raw) continue;
    sum += stored_bytes(a);
    stored++;
    assert_true(a->off + stored_bytes(a) <= m->arena_bytes);
    for (int j = i + 1; j < m->ntensors; j++) {
      const nn__tensor *b = &m->t[j];
      if (b->first < 0 || b->alias >= 0 || b->cdata || b->raw) continue;
      int live_together = a->first <= b->last && b->first <= a->last;
      int disjoint = a->off + stored_bytes(a) <= b->off || b->off + stored_bytes(b) <= a->off;
      if (live_together && !disjoint) {
        print_error("tensors '%s' and '%s' overlap\n", a->name, b->name);
        fail();
      }
    }
  }
  if (stored > 2) assert_true(m->arena_bytes < sum);
}

static nn_model *load(const tm_model *tm) {
  size_t len;
  char err[200];
  uint8_t *buf = nnt_build(tm, &len);
  nn_model *m = NULL;
  int r = nn_model_load(&m, buf, len, NULL, err, sizeof err);
  free(buf);
  if (r) print_error("load: %s\n", err);
  assert_int_equal(r, 0);
  return m;
}

static void arena_reuse(void **s) {
  (void)s;
  tm_model tm;
  nnt_chain_model(&tm);
  nn_model *m = load(&tm);
  nnt_check_no_overlap(m);
  nn_model_destroy(m);
}

static void relu_fused_into_conv(void **s) {
  (void)s;
  tm_model tm;
  nnt_conv_model(&tm, 0);
  nn_model *m = load(&tm);
  int live = 0;
  for (int i = 0; i < m->nnodes; i++) {
    const nn__node *n = &m->nodes[i];
    if (n->kind == NN__OP_CONV) assert_true(n->cd.act_min == 0.0f);
    if (n->kind == NN__OP_RELU || n->kind == NN__OP_DEQUANTIZE) assert_true(n->dead);
    live += !n->dead;
  }
  assert_int_equal(live, 2); /* CONV (+RELU) and ADD */
  assert_int_equal(m->norder, 2);
  assert_true(m->t[4].first < 0); /* the pre-activation tensor no longer exists */
  nn_model_destroy(m);
}

static void reshape_aliases(void **s) {
  (void)s;
  tm_model tm;
  nnt_chain_model(&tm);
  nn_model *m = load(&tm);
  int out = m->outputs[0];
  assert_true(m->t[out].alias >= 0);
  assert_ptr_equal(nn_output(m, 0), m->t[m->t[out].alias].ptr);
  nn_model_destroy(m);
}

static void run_does_not_allocate(void **s) {
  (void)s;
  tm_model tm;
  nnt_dw_concat_model(&tm);
  nn_model *m = load(&tm);
  long before = nnt_allocs;
  for (int i = 0; i < 5; i++) assert_int_equal(nn_run(m), 0);
  assert_int_equal(nnt_allocs, before);
  nn_model_destroy(m);
}

/* input [1,5,5,2] → PAD(H, W by 1) → CONV 3x3/2 VALID (oc 3) → [1,3,3,3]; when `shared`,
 * the padded tensor is also a graph output, so the PAD must stay. */
static void pad_conv_model(tm_model *tm, int shared) {
  static int32_t pads[8] = {0, 0, 1, 1, 1, 1, 0, 0};
  static float w[3 * 3 * 3 * 2], b[3] = {0.5f, -0.5f, 0};
  for (int i = 0; i < 54; i++) w[i] = (float)((i * 5) % 7 - 3) * 0.25f;
  memset(tm, 0, sizeof *tm);
  int x = tm_tensor_add(tm, "input", TM_F32, 4, (int[]){1, 5, 5, 2}, NULL, 0);
  int pv = tm_tensor_add(tm, "pads", TM_I32, 2, (int[]){4, 2}, pads, sizeof pads);
  int p = tm_tensor_add(tm, "padded", TM_F32, 4, (int[]){1, 7, 7, 2}, NULL, 0);
  int wt = tm_tensor_add(tm, "w", TM_F32, 4, (int[]){3, 3, 3, 2}, w, sizeof w);
  int bt = tm_tensor_add(tm, "b", TM_F32, 1, (int[]){3}, b, sizeof b);
  int y = tm_tensor_add(tm, "output", TM_F32, 4, (int[]){1, 3, 3, 3}, NULL, 0);
  tm_op_add(tm, 34, 2, (int[]){x, pv}, p);
  tm_op *op = tm_op_add(tm, 3, 3, (int[]){p, wt, bt}, y);
  tm_op_opt(op, 1, 0, 1, 1);
  tm_op_opt(op, 1, 1, 4, 2);
  tm_op_opt(op, 1, 2, 4, 2);
  tm->nin = 1, tm->in[0] = x, tm->nout = 1 + shared, tm->out[0] = y, tm->out[1] = p;
}

static void pad_absorbed_into_conv(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m[2];
  for (int shared = 0; shared < 2; shared++) {
    pad_conv_model(&tm, shared);
    m[shared] = load(&tm);
    assert_int_equal(m[shared]->nodes[0].dead, !shared); /* the PAD */
    float *x = nn_input(m[shared], 0);
    for (int i = 0; i < 50; i++) x[i] = (float)((i * 3) % 11) - 5;
    assert_int_equal(nn_run(m[shared]), 0);
  }
  assert_memory_equal(nn_output(m[0], 0), nn_output(m[1], 0), 27 * sizeof(float));
  nnt_check_no_overlap(m[0]);
  nn_model_destroy(m[0]);
  nn_model_destroy(m[1]);
}

/* input x [1,4,5,3] → CONV 3x3 SAME (oc 3, no activation) → c; ADD(c, other) with RELU6
 * → output. other is x, or (late) RELU(x) listed after the conv: the conv then moves
 * after it, as it would read it before it is written. When `shared`, c is also a graph
 * output, so nothing may fuse: the unfused reference. dw: a DEPTHWISE_CONV_2D 3x3 instead,
 * with a fused RELU_N1_TO_1 of its own when dw == 2 (kept, applied before the sum). */
static void residual_model(tm_model *tm, int shared, int late, int dw) {
  static float w[3 * 3 * 3 * 3], b[3] = {0.25f, -0.5f, 0.125f};
  for (int i = 0; i < 81; i++) w[i] = (float)((i * 7) % 11 - 5) * 0.125f;
  memset(tm, 0, sizeof *tm);
  int x = tm_tensor_add(tm, "input", TM_F32, 4, (int[]){1, 4, 5, 3}, NULL, 0);
  int wt = dw ? tm_tensor_add(tm, "w", TM_F32, 4, (int[]){1, 3, 3, 3}, w, 27 * sizeof *w)
              : tm_tensor_add(tm, "w", TM_F32, 4, (int[]){3, 3, 3, 3}, w, sizeof w);
  int bt = tm_tensor_add(tm, "b", TM_F32, 1, (int[]){3}, b, sizeof b);
  int c = tm_tensor_add(tm, "conv", TM_F32, 4, (int[]){1, 4, 5, 3}, NULL, 0);
  int r = tm_tensor_add(tm, "relu", TM_F32, 4, (int[]){1, 4, 5, 3}, NULL, 0);
  int y = tm_tensor_add(tm, "output", TM_F32, 4, (int[]){1, 4, 5, 3}, NULL, 0);
  tm_op *op = tm_op_add(tm, dw ? 4 : 3, 3, (int[]){x, wt, bt}, c); /* SAME */
  tm_op_opt(op, dw ? 2 : 1, 1, 4, 1);
  tm_op_opt(op, dw ? 2 : 1, 2, 4, 1);
  if (dw) tm_op_opt(op, 2, 3, 4, 1);     /* depth_multiplier */
  if (dw == 2) tm_op_opt(op, 2, 4, 1, 2); /* RELU_N1_TO_1 */
  if (late) tm_op_add(tm, 19, 1, (int[]){x}, r); /* RELU */
  tm_op_opt(tm_op_add(tm, 0, 2, (int[]){c, late ? r : x}, y), 11, 0, 1, 3); /* ADD, RELU6 */
  tm->nin = 1, tm->in[0] = x, tm->nout = 1 + shared, tm->out[0] = y, tm->out[1] = c;
}

static void residual_add_fused_into_conv(void **s) {
  (void)s;
  tm_model tm;
  for (int v = 0; v < 6; v++) {
    int late = v & 1, dw = v >> 1;
    nn_model *m[2];
    for (int shared = 0; shared < 2; shared++) {
      residual_model(&tm, shared, late, dw);
      m[shared] = load(&tm);
      float *x = nn_input(m[shared], 0);
      for (int i = 0; i < 60; i++) x[i] = (float)((i * 5) % 13 - 6) * 0.5f;
      assert_int_equal(nn_run(m[shared]), 0);
    }
    const nn__node *conv = &m[0]->nodes[0], *add = &m[0]->nodes[1 + late];
    assert_true(add->dead); /* fused, even when the other operand is written later */
    assert_int_equal(conv->nin, NN__CONV_RES + 1);
    assert_false(m[1]->nodes[1 + late].dead);
    assert_true(m[0]->t[3].first < 0); /* the conv's own output is never stored */
    if (late) { /* the conv moved after the RELU that writes its residual */
      int pc = -1, pr = -1;
      for (int k = 0; k < m[0]->norder; k++) {
        if (m[0]->order[k] == 0) pc = k;
        if (m[0]->order[k] == 1) pr = k;
      }
      assert_true(pr >= 0 && pc > pr);
    }
    const float *got = nn_output(m[0], 0), *want = nn_output(m[1], 0);
    int clamped = 0;
    for (int i = 0; i < 60; i++) {
      assert_true(fabsf(got[i] - want[i]) <= 1e-6f * (1 + fabsf(want[i])));
      clamped += want[i] == 0.0f || want[i] == 6.0f; /* the ADD's RELU6 was applied */
    }
    assert_true(clamped > 0);
    if (!late) nnt_check_no_overlap(m[0]); /* late: all four tensors meet, nothing to reuse */
    nn_model_destroy(m[0]);
    nn_model_destroy(m[1]);
  }
}

/* input x [1,3,4,5] → MUL by a per-channel [5] scale → s; ADD(x, s) with RELU6 → output
 * (a squeeze-and-excite block's tail). When `shared`, s is also an output: nothing fuses. */
static void se_model(tm_model *tm, int shared) {
  static float scale[5] = {0.5f, -1.25f, 2.0f, 0.0f, 3.5f};
  memset(tm, 0, sizeof *tm);
  int x = tm_tensor_add(tm, "input", TM_F32, 4, (int[]){1, 3, 4, 5}, NULL, 0);
  int k = tm_tensor_add(tm, "scale", TM_F32, 1, (int[]){5}, scale, sizeof scale);
  int sc = tm_tensor_add(tm, "scaled", TM_F32, 4, (int[]){1, 3, 4, 5}, NULL, 0);
  int y = tm_tensor_add(tm, "output", TM_F32, 4, (int[]){1, 3, 4, 5}, NULL, 0);
  tm_op_add(tm, 18, 2, (int[]){x, k}, sc); /* MUL */
  tm_op_opt(tm_op_add(tm, 0, 2, (int[]){x, sc}, y), 11, 0, 1, 3); /* ADD, RELU6 */
  tm->nin = 1, tm->in[0] = x, tm->nout = 1 + shared, tm->out[0] = y, tm->out[1] = sc;
}

static void residual_add_fused_into_mul(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m[2];
  for (int shared = 0; shared < 2; shared++) {
    se_model(&tm, shared);
    m[shared] = load(&tm);
    float *x = nn_input(m[shared], 0);
    for (int i = 0; i < 60; i++) x[i] = (float)((i * 7) % 17 - 8) * 0.375f;
    assert_int_equal(nn_run(m[shared]), 0);
    assert_int_equal(m[shared]->nodes[1].dead, !shared);
    assert_int_equal(m[shared]->nodes[0].nin, shared ? 2 : 3);
  }
  const float *got = nn_output(m[0], 0), *want = nn_output(m[1], 0);
  for (int i = 0; i < 60; i++)
    assert_true(fabsf(got[i] - want[i]) <= 1e-6f * (1 + fabsf(want[i])));
  assert_true(want[0] == 0.0f && want[2] == 6.0f); /* the ADD's RELU6 still clamps */
  nn_model_destroy(m[0]);
  nn_model_destroy(m[1]);
}

/* input [1,4,6,2] → CONV 1x1 (oc 4) → HARD_SWISH → DEPTHWISE 3x3 SAME → HARD_SWISH; when
 * `shared`, both pre-activation tensors are graph outputs too, so nothing fuses. */
static void hswish_model(tm_model *tm, int shared) {
  static float w[4 * 2], dw[9 * 4], b[4] = {0.5f, -1, 2, -3};
  for (int i = 0; i < 8; i++) w[i] = (float)(i % 5 - 2) * 1.5f;
  for (int i = 0; i < 36; i++) dw[i] = (float)((i * 7) % 9 - 4) * 0.25f;
  memset(tm, 0, sizeof *tm);
  int x = tm_tensor_add(tm, "input", TM_F32, 4, (int[]){1, 4, 6, 2}, NULL, 0);
  int wt = tm_tensor_add(tm, "w", TM_F32, 4, (int[]){4, 1, 1, 2}, w, sizeof w);
  int dwt = tm_tensor_add(tm, "dw", TM_F32, 4, (int[]){1, 3, 3, 4}, dw, sizeof dw);
  int bt = tm_tensor_add(tm, "b", TM_F32, 1, (int[]){4}, b, sizeof b);
  int t[4];
  for (int i = 0; i < 4; i++)
    t[i] = tm_tensor_add(tm, "t", TM_F32, 4, (int[]){1, 4, 6, 4}, NULL, 0);
  tm_op *op = tm_op_add(tm, 3, 3, (int[]){x, wt, bt}, t[0]); /* CONV_2D 1x1 */
  tm_op_opt(op, 1, 1, 4, 1);
  tm_op_opt(op, 1, 2, 4, 1);
  tm_op_add(tm, 117, 1, (int[]){t[0]}, t[1]); /* HARD_SWISH */
  op = tm_op_add(tm, 4, 3, (int[]){t[1], dwt, bt}, t[2]); /* DEPTHWISE_CONV_2D, SAME */
  tm_op_opt(op, 2, 1, 4, 1);
  tm_op_opt(op, 2, 2, 4, 1);
  tm_op_opt(op, 2, 3, 4, 1);
  tm_op_add(tm, 117, 1, (int[]){t[2]}, t[3]);
  tm->nin = 1, tm->in[0] = x, tm->out[0] = t[3], tm->out[1] = t[0], tm->out[2] = t[2];
  tm->nout = shared ? 3 : 1;
}

static void hswish_fused_into_convs(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m[2];
  for (int shared = 0; shared < 2; shared++) {
    hswish_model(&tm, shared);
    m[shared] = load(&tm);
    float *x = nn_input(m[shared], 0);
    for (int i = 0; i < 48; i++) x[i] = (float)((i * 5) % 11 - 5) * 0.75f;
    assert_int_equal(nn_run(m[shared]), 0);
    assert_int_equal(m[shared]->norder, shared ? 4 : 2);
    assert_int_equal(m[shared]->nodes[1].dead, !shared);
    assert_int_equal(m[shared]->nodes[3].dead, !shared);
  }
  const float *got = nn_output(m[0], 0), *want = nn_output(m[1], 0);
  int neg = 0;
  for (int i = 0; i < 96; i++) {
    assert_true(fabsf(got[i] - want[i]) <= 1e-6f * (1 + fabsf(want[i])));
    neg += want[i] < 0; /* hard-swish's dip below zero: not a clamp */
  }
  assert_true(neg > 0);
  nn_model_destroy(m[0]);
  nn_model_destroy(m[1]);
}

/* input [1,40,6,2] → CONV 1x1 (oc 4) → PRELU (alpha [4]); when `shared`, the conv output is a
 * graph output too, so the PRELU stays a node of its own. */
static void prelu_model(tm_model *tm, int shared) {
  static float w[4 * 2], b[4] = {0.5f, -1, 2, -3}, al[4] = {0.25f, -0.5f, 0.125f, 2};
  for (int i = 0; i < 8; i++) w[i] = (float)(i % 5 - 2) * 1.5f;
  memset(tm, 0, sizeof *tm);
  int x = tm_tensor_add(tm, "input", TM_F32, 4, (int[]){1, 40, 6, 2}, NULL, 0);
  int wt = tm_tensor_add(tm, "w", TM_F32, 4, (int[]){4, 1, 1, 2}, w, sizeof w);
  int bt = tm_tensor_add(tm, "b", TM_F32, 1, (int[]){4}, b, sizeof b);
  int at = tm_tensor_add(tm, "alpha", TM_F32, 3, (int[]){1, 1, 4}, al, sizeof al);
  int t0 = tm_tensor_add(tm, "conv", TM_F32, 4, (int[]){1, 40, 6, 4}, NULL, 0);
  int t1 = tm_tensor_add(tm, "prelu", TM_F32, 4, (int[]){1, 40, 6, 4}, NULL, 0);
  tm_op *op = tm_op_add(tm, 3, 3, (int[]){x, wt, bt}, t0); /* CONV_2D 1x1 */
  tm_op_opt(op, 1, 1, 4, 1);
  tm_op_opt(op, 1, 2, 4, 1);
  tm_op_add(tm, 54, 2, (int[]){t0, at}, t1); /* PRELU */
  tm->nin = 1, tm->in[0] = x, tm->out[0] = t1, tm->out[1] = t0;
  tm->nout = shared ? 2 : 1;
}

static void prelu_fused_into_conv(void **s) {
  (void)s;
  tm_model tm;
  nn_model *m[2];
  for (int shared = 0; shared < 2; shared++) {
    prelu_model(&tm, shared);
    m[shared] = load(&tm);
    float *x = nn_input(m[shared], 0);
    for (int i = 0; i < 480; i++) x[i] = (float)((i * 5) % 11 - 5) * 0.75f;
    assert_int_equal(nn_run(m[shared]), 0);
    assert_int_equal(m[shared]->norder, shared ? 2 : 1);
    assert_int_equal(m[shared]->nodes[1].dead, !shared);
  }
  const float *got = nn_output(m[0], 0), *want = nn_output(m[1], 0);
  int neg = 0;
  for (int i = 0; i < 960; i++) {
    assert_true(memcmp(&got[i], &want[i], sizeof got[i]) == 0); /* same kernel: same bits */
    neg += want[i] < 0;
  }
  assert_true(neg > 0);
  nn_model_destroy(m[0]);
  nn_model_destroy(m[1]);
}

/* input [1,3,5,4] → RESIZE_BILINEAR to 6x10 (half-pixel) → CONV 1x1 (oc 2, bias). `act`:
 * the conv has RELU fused (the pair must not swap); `shared`: the resized tensor is a graph
 * output too (nor then). */
static void resize_conv_model(tm_model *tm, int act, int shared) {
  static float w[2 * 4], b[2] = {0.75f, -0.5f};
  static int32_t size[2] = {6, 10};
  for (int i = 0; i < 8; i++) w[i] = (float)((i * 3) % 7 - 3) * 0.5f;
  memset(tm, 0, sizeof *tm);
  int x = tm_tensor_add(tm, "input", TM_F32, 4, (int[]){1, 3, 5, 4}, NULL, 0);
  int sz = tm_tensor_add(tm, "size", TM_I32, 1, (int[]){2}, size, sizeof size);
  int rs = tm_tensor_add(tm, "resized", TM_F32, 4, (int[]){1, 6, 10, 4}, NULL, 0);
  int wt = tm_tensor_add(tm, "w", TM_F32, 4, (int[]){2, 1, 1, 4}, w, sizeof w);
  int bt = tm_tensor_add(tm, "b", TM_F32, 1, (int[]){2}, b, sizeof b);
  int y = tm_tensor_add(tm, "output", TM_F32, 4, (int[]){1, 6, 10, 2}, NULL, 0);
  tm_op_opt(tm_op_add(tm, 23, 2, (int[]){x, sz}, rs), 15, 3, 1, 1); /* half_pixel */
  tm_op *op = tm_op_add(tm, 3, 3, (int[]){rs, wt, bt}, y);        /* CONV_2D 1x1 */
  tm_op_opt(op, 1, 1, 4, 1);
  tm_op_opt(op, 1, 2, 4, 1);
  if (act) tm_op_opt(op, 1, 3, 1, 1); /* RELU */
  tm->nin = 1, tm->in[0] = x, tm->out[0] = y, tm->out[1] = rs;
  tm->nout = shared ? 2 : 1;
}

/* A 1x1 conv after an upsampling resize runs on the small image, then the result is
 * resized: same values as the definition, a quarter of the conv's multiply-adds. */
static void resize_then_conv_swapped(void **s) {
  (void)s;
  tm_model tm;
  for (int variant = 0; variant < 3; variant++) {
    int act = variant == 1, shared = variant == 2;
    resize_conv_model(&tm, act, shared);
    nn_model *m = load(&tm);
    float *x = nn_input(m, 0);
    for (int i = 0; i < 60; i++) x[i] = (float)((i * 7) % 13 - 6) * 0.3f;
    float rs[240], want[120];
    nn__ref_resize_bilinear(x, rs, 3, 5, 6, 10, 4, 0, 1);
    for (int p = 0; p < 60; p++)
      for (int o = 0; o < 2; o++) {
        float acc = (o ? -0.5f : 0.75f);
        for (int i = 0; i < 4; i++) acc += rs[p * 4 + i] * ((float)(((o * 4 + i) * 3) % 7 - 3) * 0.5f);
        want[p * 2 + o] = act && acc < 0 ? 0 : acc;
      }
    assert_int_equal(nn_run(m), 0);
    nnt_expect_near(nn_output(m, 0), want, 120, 1e-5f);
    int swapped = !act && !shared;
    assert_int_equal(nn_model_macs(m), (uint64_t)(swapped ? 15 : 60) * 4 * 2);
    if (shared) nnt_expect_near(nn_output(m, 1), rs, 240, 1e-6f);
    nn_model_destroy(m);
  }
}

/* inputs x, y [1,5,7,18] → ADD → MEAN over H,W (or a global AVERAGE_POOL_2D when `pool`)
 * → output [1,1,1,18]. When `shared`, the sum is a graph output too: nothing fuses. */
static void add_mean_model(tm_model *tm, int pool, int shared) {
  static int32_t axes[2] = {1, 2};
  memset(tm, 0, sizeof *tm);
  int x = tm_tensor_add(tm, "x", TM_F32, 4, (int[]){1, 5, 7, 18}, NULL, 0);
  int y = tm_tensor_add(tm, "y", TM_F32, 4, (int[]){1, 5, 7, 18}, NULL, 0);
  int sum = tm_tensor_add(tm, "sum", TM_F32, 4, (int[]){1, 5, 7, 18}, NULL, 0);
  int ax = tm_tensor_add(tm, "axes", TM_I32, 1, (int[]){2}, axes, sizeof axes);
  int o = tm_tensor_add(tm, "output", TM_F32, 4, (int[]){1, 1, 1, 18}, NULL, 0);
  tm_op_add(tm, 0, 2, (int[]){x, y}, sum); /* ADD */
  if (pool) {
    tm_op *op = tm_op_add(tm, 1, 1, (int[]){sum}, o); /* AVERAGE_POOL_2D 5x7 VALID */
    tm_op_opt(op, 5, 0, 1, 1);
    tm_op_opt(op, 5, 1, 4, 1);
    tm_op_opt(op, 5, 2, 4, 1);
    tm_op_opt(op, 5, 3, 4, 7);
    tm_op_opt(op, 5, 4, 4, 5);
  } else {
    tm_op_opt(tm_op_add(tm, 40, 2, (int[]){sum, ax}, o), 27, 0, 1, 1); /* MEAN keep_dims */
  }
  tm->nin = 2, tm->in[0] = x, tm->in[1] = y, tm->out[0] = o, tm->out[1] = sum;
  tm->nout = shared ? 2 : 1;
}

/* The sum is never stored; the means equal the unfused graph's. */
static void add_fused_into_mean(void **s) {
  (void)s;
  tm_model tm;
  for (int pool = 0; pool < 2; pool++) {
    nn_model *m[2];
    for (int shared = 0; shared < 2; shared++) {
      add_mean_model(&tm, pool, shared);
      m[shared] = load(&tm);
      float *x = nn_input(m[shared], 0), *y = nn_input(m[shared], 1);
      for (int i = 0; i < 630; i++) {
        x[i] = (float)((i * 7) % 23 - 11) * 0.37f;
        y[i] = (float)((i * 5) % 17 - 8) * 0.61f;
      }
      assert_int_equal(nn_run(m[shared]), 0);
      assert_int_equal(m[shared]->nodes[0].dead, !shared);
    }
    assert_true(m[0]->t[2].first < 0); /* the sum is never stored */
    const float *got = nn_output(m[0], 0), *want = nn_output(m[1], 0);
    for (int c = 0; c < 18; c++) assert_true(fabsf(got[c] - want[c]) <= 1e-6f * (1 + fabsf(want[c])));
    nn_model_destroy(m[0]);
    nn_model_destroy(m[1]);
  }
}

static int tensor_named(const nn_model *m, const char *name) {
  for (int i = 0; i < m->ntensors; i++)
    if (strcmp(m->t[i].name, name) == 0) return i;
  fail_msg("no tensor %s", name);
  return -1;
}

/* Elementwise ops write over an input they read last: in the chain model MUL, HARD_SWISH
 * and LOGISTIC each reuse their input's storage; a graph input is never overwritten. */
static void elementwise_in_place(void **s) {
  (void)s;
  tm_model tm;
  nnt_chain_model(&tm);
  nn_model *m = load(&tm);
  assert_int_equal(m->t[tensor_named(m, "mul")].alias, tensor_named(m, "resized"));
  assert_int_equal(m->t[tensor_named(m, "hswish")].alias, tensor_named(m, "mul"));
  assert_int_equal(m->t[tensor_named(m, "logistic")].alias, tensor_named(m, "hswish"));
  nn_model_destroy(m);
  /* input → RELU → output: neither may share the other's storage. */
  nnt_single_op_model(&tm, 19, NULL);
  m = load(&tm);
  assert_int_equal(m->t[1].alias, -1);
  assert_true(nn_input(m, 0) != nn_output(m, 0));
  nn_model_destroy(m);
}

const struct CMUnitTest nnt_plan_tests[] = {
    cmocka_unit_test(elementwise_in_place),
    cmocka_unit_test(add_fused_into_mean),
    cmocka_unit_test(resize_then_conv_swapped),
    cmocka_unit_test(hswish_fused_into_convs),
    cmocka_unit_test(prelu_fused_into_conv),
    cmocka_unit_test(residual_add_fused_into_mul),
    cmocka_unit_test(residual_add_fused_into_conv),
    cmocka_unit_test(pad_absorbed_into_conv),
    cmocka_unit_test(arena_reuse),
    cmocka_unit_test(relu_fused_into_conv),
    cmocka_unit_test(reshape_aliases),
    cmocka_unit_test(run_does_not_allocate),
};
const size_t nnt_plan_count = sizeof nnt_plan_tests / sizeof nnt_plan_tests[0];
