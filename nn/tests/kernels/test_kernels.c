/* Holds every SIMD kernel set this CPU (or wasm engine) can run to the scalar reference
 * set, op by op, on randomised shapes: strides 1 and 2, dilations, paddings, kernel sizes
 * 1/3/5 (a few 7×8 convs; 1 to 4 for transposed conv), channel counts below, at and past the vector block
 * sizes, depth multipliers 1 and 2, and elementwise lengths with ragged tails.
 *
 * Tolerance: |simd − ref| ≤ 1e-4 · (1 + |ref|). The sets sum the same products in a
 * different order (and AVX2 fuses multiply-add), so each sum of K terms of size ≤ 1 may
 * differ by about K · 2^-24 · Σ|terms|; with K ≤ 40 channels × 25 taps = 1000 that is at
 * most ~6e-5 absolute in the worst case and far less in practice. An indexing, padding or
 * tail bug moves outputs by O(0.1–1), so it cannot hide under this bound. sigmoid's vector
 * exp is within 1e-6 relative, so elementwise ops get the tighter TOL_EW.
 *
 * Besides values it checks that kernels write every output (outputs start as NaN), write
 * nothing past the end (guard floats), and ignore stale scratch and padding contents.
 * Usage: test_kernels [seed] [cases-per-op]. Prints the seed so a failure reproduces. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/kernels/kernels.h"

#define GUARD 16
#define TOL 1e-4f
#define TOL_EW 2e-6f /* elementwise: no long sums, only rounding and sigmoid's exp */

static uint64_t rng_state;
static int n_pass, n_fail;

static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}
static int rnd_int(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float rnd_float(float lo, float hi) {
  return lo + (hi - lo) * (float)(rnd() & 0xffffff) / 16777216.0f;
}
static int pick(const int *v, int n) { return v[rnd() % (uint32_t)n]; }

/* A buffer of n floats plus GUARD sentinel floats after it. */
static float *buf_new(size_t n, float fill) {
  float *p = malloc((n + GUARD) * sizeof *p);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  for (size_t i = 0; i < n; i++) p[i] = fill;
  for (size_t i = 0; i < GUARD; i++) p[n + i] = -12345.0f;
  return p;
}
static float *buf_random(size_t n, float lo, float hi) {
  float *p = buf_new(n, 0.0f);
  for (size_t i = 0; i < n; i++) p[i] = rnd_float(lo, hi);
  return p;
}

/* Compares n outputs and the guard; reports one TAP line per case. */
static void check(const char *set, const char *what, const float *ref, const float *got,
                  size_t n, float tol) {
  size_t bad = (size_t)-1;
  float worst = 0.0f;
  for (size_t i = 0; i < n; i++) {
    float diff = fabsf(got[i] - ref[i]), lim = tol * (1.0f + fabsf(ref[i]));
    if (!(diff <= lim) && (bad == (size_t)-1 || diff > worst)) {
      bad = i;
      worst = diff;
    }
  }
  int guard_ok = 1;
  for (size_t i = 0; i < GUARD; i++) guard_ok &= got[n + i] == -12345.0f;
  if (bad == (size_t)-1 && guard_ok) {
    n_pass++;
    return;
  }
  n_fail++;
  if (!guard_ok)
    printf("not ok - %s %s: wrote past the end of the output\n", set, what);
  else
    printf("not ok - %s %s: out[%zu] = %.7g, want %.7g (|diff| %.3g)\n", set, what, bad,
           (double)got[bad], (double)ref[bad], (double)worst);
}

static float rnd_act(float *hi) {
  switch (rnd() % 3) {
  case 0: *hi = INFINITY; return -INFINITY;
  case 1: *hi = INFINITY; return 0.0f;
  default: *hi = 6.0f; return 0.0f;
  }
}

typedef enum {
  OP_CONV, OP_DWCONV, OP_TCONV, OP_CONV_ADD, OP_CONV_HS, OP_DWCONV_HS, OP_DWCONV_ADD,
  OP_CONV_PRELU, OP_CONV_ADD_PRELU
} conv_op;

/* The residual ADD's activation for OP_DWCONV_ADD (the depthwise conv keeps its own). */
static float res_lo = -INFINITY, res_hi = INFINITY;

/* Packs with the set's own pack (into NaN-filled memory), runs, returns the output. */
static float *run_conv(const nn_kernels *k, conv_op op, const nn_conv_desc *d, const float *in,
                       const float *w, const float *bias, const float *res,
                       const float *alpha) {
  int cv = op == OP_CONV || op == OP_CONV_ADD || op == OP_CONV_HS || op == OP_CONV_PRELU ||
           op == OP_CONV_ADD_PRELU;
  int dw = op == OP_DWCONV || op == OP_DWCONV_HS || op == OP_DWCONV_ADD;
  size_t np = cv ? k->conv_pack_size(d) : dw ? k->dwconv_pack_size(d) : k->tconv_pack_size(d);
  size_t ns = cv ? k->conv_scratch_size(d) : op == OP_TCONV ? k->tconv_scratch_size(d) : 0;
  float *packed = buf_new(np, NAN), *scratch = buf_new(ns, NAN);
  float *out = buf_new((size_t)d->oh * d->ow * d->oc, NAN);
  if (op == OP_CONV) {
    k->conv_pack(d, w, bias, packed);
    k->conv(d, in, packed, out, scratch);
  } else if (op == OP_CONV_ADD) {
    k->conv_pack(d, w, bias, packed);
    k->conv_add(d, in, packed, res, out, scratch);
  } else if (op == OP_CONV_PRELU || op == OP_CONV_ADD_PRELU) {
    k->conv_pack(d, w, bias, packed);
    k->conv_prelu(d, in, packed, res, alpha, out, scratch);
  } else if (op == OP_CONV_HS) {
    k->conv_pack(d, w, bias, packed);
    k->conv_hswish(d, in, packed, out, scratch);
  } else if (op == OP_DWCONV_HS) {
    k->dwconv_pack(d, w, bias, packed);
    k->dwconv_hswish(d, in, packed, out);
  } else if (op == OP_DWCONV_ADD) {
    k->dwconv_pack(d, w, bias, packed);
    k->dwconv_add(d, in, packed, res, out, res_lo, res_hi);
  } else if (op == OP_DWCONV) {
    k->dwconv_pack(d, w, bias, packed);
    k->dwconv(d, in, packed, out);
  } else {
    k->tconv_pack(d, w, bias, packed);
    k->tconv(d, in, packed, out, scratch);
  }
  free(packed);
  free(scratch);
  return out;
}

static void compare_conv(const nn_kernels *k, conv_op op, const nn_conv_desc *d) {
  static const char *names[] = {"conv", "dwconv", "tconv", "conv+add", "conv+hswish",
                                "dwconv+hswish", "dwconv+add", "conv+prelu",
                                "conv+add+prelu"};
  size_t nin = (size_t)d->ih * d->iw * d->ic;
  int dw = op == OP_DWCONV || op == OP_DWCONV_HS || op == OP_DWCONV_ADD;
  size_t nw = (size_t)d->kh * d->kw * (dw ? (size_t)d->oc : (size_t)d->oc * d->ic);
  float *in = buf_random(nin, -1.0f, 1.0f), *w = buf_random(nw, -1.0f, 1.0f);
  float *bias = rnd() % 4 ? buf_random((size_t)d->oc, -1.0f, 1.0f) : NULL;
  size_t nout = (size_t)d->oh * d->ow * d->oc;
  float *res = op == OP_CONV_ADD || op == OP_DWCONV_ADD || op == OP_CONV_ADD_PRELU
                   ? buf_random(nout, -4.0f, 4.0f)
                   : NULL;
  int pr = op == OP_CONV_PRELU || op == OP_CONV_ADD_PRELU;
  float *alpha = pr ? buf_random((size_t)d->oc, -0.5f, 1.5f) : NULL;
  float *ref = run_conv(&nn_kernels_scalar, op, d, in, w, bias, res, alpha);
  float *got = run_conv(k, op, d, in, w, bias, res, alpha);
  char what[256];
  snprintf(what, sizeof what,
           "%s in %dx%dx%d out %dx%dx%d k %dx%d s %d,%d d %d,%d pad %d,%d act [%g,%g]%s",
           names[op], d->ih, d->iw, d->ic, d->oh, d->ow, d->oc, d->kh, d->kw, d->sh, d->sw,
           d->dh, d->dw, d->pad_t, d->pad_l, (double)d->act_min, (double)d->act_max,
           bias ? "" : " no-bias");
  check(k->name, what, ref, got, (size_t)d->oh * d->ow * d->oc, TOL);
  free(in);
  free(w);
  free(bias);
  free(res);
  free(alpha);
  free(ref);
  free(got);
}

static const int channels[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 24, 31, 32, 33, 40};
#define NCH (int)(sizeof channels / sizeof channels[0])

/* Random forward geometry; returns 0 when the output would be empty. */
static int rnd_geometry(nn_conv_desc *d, int k) {
  static const int ks[] = {1, 3, 5};
  d->kh = k ? k : pick(ks, 3);
  d->kw = d->kh == 7 ? 8 : rnd() % 5 ? d->kh : pick(ks, 3); /* 7×8: past CV_MAX_TAPS */
  d->sh = rnd_int(1, 2);
  d->sw = rnd() % 5 ? d->sh : rnd_int(1, 2);
  d->dh = rnd() % 5 ? 1 : 2;
  d->dw = rnd() % 5 ? d->dh : rnd_int(1, 2);
  d->ih = rnd_int(1, 20);
  d->iw = rnd_int(1, 24);
  int ekh = (d->kh - 1) * d->dh + 1, ekw = (d->kw - 1) * d->dw + 1;
  int same = rnd() % 2; /* TFLite SAME padding, else random explicit padding */
  int pt = same ? ((d->ih + d->sh - 1) / d->sh - 1) * d->sh + ekh - d->ih : rnd_int(0, ekh - 1);
  int pl = same ? ((d->iw + d->sw - 1) / d->sw - 1) * d->sw + ekw - d->iw : rnd_int(0, ekw - 1);
  if (pt < 0) pt = 0;
  if (pl < 0) pl = 0;
  int pb = same ? pt - pt / 2 : rnd_int(0, ekh - 1), pr = same ? pl - pl / 2 : rnd_int(0, ekw - 1);
  d->pad_t = same ? pt / 2 : pt;
  d->pad_l = same ? pl / 2 : pl;
  if (same) pt = d->pad_t, pl = d->pad_l;
  d->oh = (d->ih + pt + pb - ekh) / d->sh + 1;
  d->ow = (d->iw + pl + pr - ekw) / d->sw + 1;
  if (d->ih + pt + pb < ekh || d->iw + pl + pr < ekw) return 0;
  d->act_min = rnd_act(&d->act_max);
  return d->oh > 0 && d->ow > 0;
}

static void test_conv(const nn_kernels *k, int cases) {
  for (int i = 0; i < cases; i++) {
    nn_conv_desc d;
    if (!rnd_geometry(&d, i % 50 == 0 ? 7 : i % 3 == 0 ? 1 : 0)) continue;
    d.ic = pick(channels, NCH);
    d.oc = pick(channels, NCH);
    compare_conv(k, OP_CONV, &d);
  }
}

/* Conv with a fused residual ADD (the sum, then the ADD's activation, as the unfused pair),
 * a fused HARD_SWISH, or a fused PRELU with or without the ADD (op). */
static void test_conv_add(const nn_kernels *k, int cases, conv_op op) {
  for (int i = 0; i < cases; i++) {
    nn_conv_desc d;
    if (!rnd_geometry(&d, i % 50 == 0 ? 7 : i % 2 == 0 ? 1 : 0)) continue;
    d.ic = pick(channels, NCH);
    d.oc = pick(channels, NCH);
    compare_conv(k, op, &d);
  }
}

static void test_dwconv(const nn_kernels *k, int cases, conv_op op) {
  for (int i = 0; i < cases; i++) {
    nn_conv_desc d;
    if (!rnd_geometry(&d, i % 2 ? 3 : 5)) continue;
    d.ic = pick(channels, NCH);
    if (i % 40 == 0 && d.sw == 1 && d.dw == 1) { /* wider than the sliding path's zero row */
      d.iw = d.ow = 230;
      d.pad_l = (d.kw - 1) / 2;
      d.ic = 40;
    }
    d.oc = d.ic * (rnd() % 6 ? 1 : 2);
    res_lo = rnd_act(&res_hi);
    compare_conv(k, op, &d);
  }
}

/* Transposed conv: output = (in − 1)·s + k, cropped by pad_t/pad_l and by a random
 * bottom/right amount (or TFLite SAME: out = in·s). */
static void test_tconv(const nn_kernels *k, int cases) {
  for (int i = 0; i < cases; i++) {
    nn_conv_desc d = {0};
    d.kh = rnd_int(1, 4);
    d.kw = rnd() % 4 ? d.kh : rnd_int(1, 4);
    d.sh = rnd_int(1, 2);
    d.sw = rnd() % 4 ? d.sh : rnd_int(1, 2);
    d.dh = d.dw = 1;
    d.ih = rnd_int(1, 12);
    d.iw = rnd_int(1, 14);
    int fh = (d.ih - 1) * d.sh + d.kh, fw = (d.iw - 1) * d.sw + d.kw;
    d.pad_t = rnd_int(0, d.kh - 1);
    d.pad_l = rnd_int(0, d.kw - 1);
    d.oh = fh - d.pad_t - rnd_int(0, d.kh - 1);
    d.ow = fw - d.pad_l - rnd_int(0, d.kw - 1);
    if (rnd() % 3 == 0) { /* MediaPipe's upsampling: stride = kernel, every output once */
      d.sh = d.kh = rnd_int(1, 3);
      d.sw = d.kw = rnd() % 4 ? d.kh : rnd_int(1, 3);
      d.pad_t = d.pad_l = 0;
      d.oh = d.ih * d.sh, d.ow = d.iw * d.sw;
    }
    if (d.oh < 1 || d.ow < 1) continue;
    d.ic = pick(channels, NCH);
    d.oc = rnd() % 3 == 0 ? 1 : pick(channels, NCH);
    d.act_min = rnd_act(&d.act_max);
    compare_conv(k, OP_TCONV, &d);
  }
  /* The selfie models' last layer, 2×2/2 to one channel, on widths with and without
   * full rows of 8 pixels (the 4-wide sets store those from registers). */
  static const int widths[] = {8, 13, 16, 21};
  for (int i = 0; i < 4; i++) {
    nn_conv_desc d = {0};
    d.kh = d.kw = d.sh = d.sw = 2, d.dh = d.dw = 1;
    d.ih = 3 + i, d.iw = widths[i], d.oh = 2 * d.ih, d.ow = 2 * d.iw;
    d.ic = 16 + i, d.oc = 1;
    d.act_min = -INFINITY, d.act_max = INFINITY;
    compare_conv(k, OP_TCONV, &d);
  }
}

/* ---- Elementwise ------------------------------------------------------------------------ */

typedef enum { EW_ADD, EW_MUL, EW_ADD_BCAST, EW_MUL_BCAST, EW_CLAMP, EW_HSWISH, EW_SIGMOID,
               EW_PRELU, EW_COUNT } ew_op;
static const char *ew_names[] = {"add", "mul", "add_bcast", "mul_bcast", "clamp",
                                 "hswish", "sigmoid", "prelu"};

/* Runs one elementwise op; `alias` makes out the same buffer as the first input. */
static void run_ew(const nn_kernels *k, ew_op op, const float *a, const float *b, float *out,
                   size_t rows, size_t c, float lo, float hi) {
  size_t n = rows * c;
  switch (op) {
  case EW_ADD: k->add(a, b, out, n, lo, hi); break;
  case EW_MUL: k->mul(a, b, out, n, lo, hi); break;
  case EW_ADD_BCAST: k->add_bcast(a, b, out, rows, c, lo, hi); break;
  case EW_MUL_BCAST: k->mul_bcast(a, b, out, rows, c, lo, hi); break;
  case EW_CLAMP: k->clamp(a, out, n, lo, hi); break;
  case EW_HSWISH: k->hswish(a, out, n); break;
  case EW_SIGMOID: k->sigmoid(a, out, n); break;
  case EW_PRELU: k->prelu(a, b, out, rows, c); break;
  default: break;
  }
}

static void test_eltwise(const nn_kernels *k, int cases) {
  for (int i = 0; i < cases; i++) {
    ew_op op = (ew_op)(i % EW_COUNT);
    size_t rows = (size_t)rnd_int(1, 9), c = (size_t)rnd_int(1, 70), n = rows * c;
    float range = op == EW_SIGMOID ? 30.0f : op == EW_HSWISH ? 5.0f : 8.0f;
    float *a = buf_random(n, -range, range), *b = buf_random(n, -2.0f, 2.0f);
    if (op == EW_SIGMOID && n > 2) a[0] = -120.0f, a[1] = 120.0f; /* saturated ends */
    float hi, lo = rnd_act(&hi);
    float *ref = buf_new(n, NAN), *got = buf_new(n, NAN);
    int alias = rnd() % 3 == 0;
    run_ew(&nn_kernels_scalar, op, a, b, ref, rows, c, lo, hi);
    if (alias) { /* out == a: the kernel must read each element before writing it */
      memcpy(got, a, n * sizeof *a);
      run_ew(k, op, got, b, got, rows, c, lo, hi);
    } else {
      run_ew(k, op, a, b, got, rows, c, lo, hi);
    }
    char what[128];
    snprintf(what, sizeof what, "%s rows %zu c %zu act [%g,%g]%s", ew_names[op], rows, c,
             (double)lo, (double)hi, alias ? " in-place" : "");
    check(k->name, what, ref, got, n, TOL_EW);
    free(a);
    free(b);
    free(ref);
    free(got);
  }
}

/* The fused squeeze-and-excite scale + residual: a·b[c] + res, out separate, on a or on res. */
static void test_mul_bcast_add(const nn_kernels *k, int cases) {
  for (int i = 0; i < cases; i++) {
    size_t rows = (size_t)rnd_int(1, 9), c = (size_t)rnd_int(1, 70), n = rows * c;
    float *a = buf_random(n, -8.0f, 8.0f), *b = buf_random(c, -2.0f, 2.0f);
    float *res = buf_random(n, -8.0f, 8.0f), hi, lo = rnd_act(&hi);
    float *ref = buf_new(n, NAN), *got = buf_new(n, NAN);
    int alias = (int)(rnd() % 3); /* 0 none, 1 out == a, 2 out == res */
    nn_kernels_scalar.mul_bcast_add(a, b, res, ref, rows, c, lo, hi);
    if (alias) memcpy(got, alias == 1 ? a : res, n * sizeof *a);
    k->mul_bcast_add(alias == 1 ? got : a, b, alias == 2 ? got : res, got, rows, c, lo, hi);
    char what[128];
    snprintf(what, sizeof what, "mul_bcast_add rows %zu c %zu act [%g,%g]%s", rows, c,
             (double)lo, (double)hi, alias == 1 ? " out=a" : alias == 2 ? " out=res" : "");
    check(k->name, what, ref, got, n, TOL_EW);
    free(a);
    free(b);
    free(res);
    free(ref);
    free(got);
  }
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20261124;
  int cases = argc > 2 ? atoi(argv[2]) : 300;
  if (seed == 0) seed = 1;
  printf("# kernel sets vs scalar, seed %llu, %d cases per op, tolerance %g*(1+|ref|), "
         "elementwise %g*(1+|ref|)\n",
         (unsigned long long)seed, cases, (double)TOL, (double)TOL_EW);
  const nn_kernels *sets[8];
  int nsets = nn_kernels_available(sets, 8), tested = 0;
  for (int s = 0; s < nsets; s++) {
    if (sets[s] == &nn_kernels_scalar) continue;
    rng_state = seed; /* every set sees the same cases */
    int before = n_fail;
    test_conv(sets[s], cases);
    test_dwconv(sets[s], cases, OP_DWCONV);
    test_tconv(sets[s], cases / 2);
    test_eltwise(sets[s], cases);
    test_conv_add(sets[s], cases / 2, OP_CONV_ADD);
    test_conv_add(sets[s], cases / 2, OP_CONV_HS);
    test_conv_add(sets[s], cases / 2, OP_CONV_PRELU);
    test_conv_add(sets[s], cases / 2, OP_CONV_ADD_PRELU);
    test_dwconv(sets[s], cases / 2, OP_DWCONV_HS);
    test_dwconv(sets[s], cases / 2, OP_DWCONV_ADD);
    test_mul_bcast_add(sets[s], cases / 2);
    printf("%s %s: %d failed\n", n_fail == before ? "ok -" : "not ok -", sets[s]->name,
           n_fail - before);
    tested++;
  }
  if (tested == 0) {
    printf("not ok - no SIMD kernel set available to test on this machine\n");
    return 1;
  }
  printf("# %d passed, %d failed (%d sets)\n", n_pass, n_fail, tested);
  return n_fail ? 1 : 0;
}
