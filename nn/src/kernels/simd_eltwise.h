/* Elementwise kernels for one SIMD kernel set (template; see simd_conv.h). Each loop runs
 * whole vectors and finishes the last n % VL elements with the same formula in plain C. */

static inline float ew_clampf(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* Rows of NV·VL channels (NV known at compile time) with the broadcast operand b held in
 * registers: the general row loops reload b and pay their loop overhead every VL floats,
 * which costs more than the arithmetic on the 16- and 32-channel tensors of the selfie and
 * face models under V8. Same operations per element as the general loops. OP(x, j) gives
 * the value stored for vector x of column block j, with bv[j] and the row's r pointer. */
#define EW_ROWS_NV(NAME, OP)                                                                \
  static inline __attribute__((always_inline)) void NAME(                                   \
      const float *a, const float *b, const float *res, float *out, size_t rows, int nv,    \
      float lo, float hi) {                                                                 \
    V bv[8], vlo = V_SPLAT(lo), vhi = V_SPLAT(hi);                                          \
    for (int j = 0; j < nv; j++) bv[j] = V_LOAD(b + j * VL);                                \
    for (size_t row = 0; row < rows; row++, a += nv * VL, out += nv * VL) {                 \
      const float *r = res ? res + row * nv * VL : NULL;                                    \
      (void)r;                                                                              \
      for (int j = 0; j < nv; j++) V_STORE(out + j * VL, V_CLAMP(OP, vlo, vhi));            \
    }                                                                                       \
  }
EW_ROWS_NV(ew_add_nv, V_ADD(V_LOAD(a + j * VL), bv[j]))
EW_ROWS_NV(ew_mul_nv, V_MUL(V_LOAD(a + j * VL), bv[j]))
EW_ROWS_NV(ew_mul_add_nv, V_ADD(V_MUL(V_LOAD(a + j * VL), bv[j]), V_LOAD(r + j * VL)))

/* Runs CALL(nv) and returns when c is 4 or 8 vectors. */
#define EW_TRY_NV(c, CALL)                                                                  \
  if ((c) == 4 * VL) {                                                                      \
    CALL(4);                                                                                \
    return;                                                                                 \
  }                                                                                         \
  if ((c) == 8 * VL) {                                                                      \
    CALL(8);                                                                                \
    return;                                                                                 \
  }

#define EW_BINARY(NAME, VOP, SOP)                                                           \
  static void ew_##NAME(const float *a, const float *b, float *out, size_t n, float lo,     \
                        float hi) {                                                         \
    V vlo = V_SPLAT(lo), vhi = V_SPLAT(hi);                                                 \
    size_t i = 0;                                                                           \
    for (; i + VL <= n; i += VL)                                                            \
      V_STORE(out + i, V_CLAMP(VOP(V_LOAD(a + i), V_LOAD(b + i)), vlo, vhi));               \
    for (; i < n; i++) out[i] = ew_clampf(a[i] SOP b[i], lo, hi);                           \
  }                                                                                         \
  static void ew_##NAME##_bcast(const float *a, const float *b, float *out, size_t rows,    \
                                size_t c, float lo, float hi) {                             \
    EW_TRY_NV(c, EW_##NAME##_NV)                                                            \
    V vlo = V_SPLAT(lo), vhi = V_SPLAT(hi);                                                 \
    for (size_t r = 0; r < rows; r++) {                                                     \
      const float *ar = a + r * c;                                                          \
      float *orow = out + r * c;                                                            \
      size_t i = 0;                                                                         \
      for (; i + VL <= c; i += VL)                                                          \
        V_STORE(orow + i, V_CLAMP(VOP(V_LOAD(ar + i), V_LOAD(b + i)), vlo, vhi));           \
      for (; i < c; i++) orow[i] = ew_clampf(ar[i] SOP b[i], lo, hi);                       \
    }                                                                                       \
  }
#define EW_add_NV(nv) ew_add_nv(a, b, NULL, out, rows, nv, lo, hi)
#define EW_mul_NV(nv) ew_mul_nv(a, b, NULL, out, rows, nv, lo, hi)
EW_BINARY(add, V_ADD, +)
EW_BINARY(mul, V_MUL, *)

/* Squeeze-and-excite scale plus residual in one pass: a·b[c] + res. */
static void ew_mul_bcast_add(const float *a, const float *b, const float *res, float *out,
                             size_t rows, size_t c, float lo, float hi) {
#define EW_MA_NV(nv) ew_mul_add_nv(a, b, res, out, rows, nv, lo, hi)
  EW_TRY_NV(c, EW_MA_NV)
  V vlo = V_SPLAT(lo), vhi = V_SPLAT(hi);
  for (size_t r = 0; r < rows; r++) {
    const float *ar = a + r * c, *rr = res + r * c;
    float *orow = out + r * c;
    size_t i = 0;
    for (; i + VL <= c; i += VL) {
      V prod = V_MUL(V_LOAD(ar + i), V_LOAD(b + i));
      V_STORE(orow + i, V_CLAMP(V_ADD(prod, V_LOAD(rr + i)), vlo, vhi));
    }
    for (; i < c; i++) {
      float prod = ar[i] * b[i];
      orow[i] = ew_clampf(prod + rr[i], lo, hi);
    }
  }
}

static void ew_clamp(const float *in, float *out, size_t n, float lo, float hi) {
  V vlo = V_SPLAT(lo), vhi = V_SPLAT(hi);
  size_t i = 0;
  for (; i + VL <= n; i += VL) V_STORE(out + i, V_CLAMP(V_LOAD(in + i), vlo, vhi));
  for (; i < n; i++) out[i] = ew_clampf(in[i], lo, hi);
}

static void ew_hswish(const float *in, float *out, size_t n) {
  V three = V_SPLAT(3.0f), zero = V_SPLAT(0.0f), six = V_SPLAT(6.0f);
  V sixth = V_SPLAT(1.0f / 6.0f);
  size_t i = 0;
  for (; i + VL <= n; i += VL) {
    V x = V_LOAD(in + i);
    V r = V_CLAMP(V_ADD(x, three), zero, six);
    V_STORE(out + i, V_MUL(V_MUL(x, r), sixth));
  }
  for (; i < n; i++) out[i] = in[i] * ew_clampf(in[i] + 3.0f, 0.0f, 6.0f) * (1.0f / 6.0f);
}

/* e^x for x in [-87.3, 88.7] (callers clamp): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a
 * degree-6 Taylor polynomial (error below 2e-7 relative on that range), 2^n built in the
 * exponent bits. ln2 is split in two so n·ln2 is subtracted without cancellation error. */
static inline V ew_exp(V x) {
  V n = V_ROUND(V_MUL(x, V_SPLAT(1.44269504088896341f)));
  V r = V_FMA(n, V_SPLAT(-0.693359375f), x);
  r = V_FMA(n, V_SPLAT(2.12194440e-4f), r);
  V p = V_SPLAT(1.0f / 720.0f);
  p = V_FMA(p, r, V_SPLAT(1.0f / 120.0f));
  p = V_FMA(p, r, V_SPLAT(1.0f / 24.0f));
  p = V_FMA(p, r, V_SPLAT(1.0f / 6.0f));
  p = V_FMA(p, r, V_SPLAT(0.5f));
  p = V_FMA(p, r, V_SPLAT(1.0f));
  p = V_FMA(p, r, V_SPLAT(1.0f));
  return V_MUL(p, V_POW2I(n));
}

/* 1 / (1 + e^-x). The clamp keeps e^-x finite; beyond it the result is 0 or 1 to within
 * float precision anyway. */
static void ew_sigmoid(const float *in, float *out, size_t n) {
  V lo = V_SPLAT(-87.0f), hi = V_SPLAT(87.0f), one = V_SPLAT(1.0f);
  size_t i = 0;
  for (; i + VL <= n; i += VL) {
    V x = V_CLAMP(V_LOAD(in + i), lo, hi);
    V e = ew_exp(V_SUB(V_SPLAT(0.0f), x));
    V_STORE(out + i, V_DIV(one, V_ADD(one, e)));
  }
  for (; i < n; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
}

/* rows of NV·VL channels with the alphas held in registers (NV known at compile time): the
 * general loop below reloads them and pays its loop overhead every VL floats, which made
 * the face-landmark model's PRELUs on 16 channels ≈ 3.7 cycles per vector under V8. */
static inline __attribute__((always_inline)) void
ew_prelu_nv(const float *in, const float *alpha, float *out, size_t rows, int nv) {
  V a[8], zero = V_SPLAT(0.0f);
  for (int j = 0; j < nv; j++) a[j] = V_LOAD(alpha + j * VL);
  for (size_t r = 0; r < rows; r++, in += nv * VL, out += nv * VL)
    for (int j = 0; j < nv; j++) {
      V v = V_LOAD(in + j * VL);
      V_STORE(out + j * VL, V_FMA(a[j], V_MIN(v, zero), V_MAX(v, zero)));
    }
}

/* x ≥ 0 ? x : α·x, written as max(x, 0) + α·min(x, 0). */
static void ew_prelu(const float *in, const float *alpha, float *out, size_t rows, size_t c) {
  V zero = V_SPLAT(0.0f);
  if (c == 4 * VL) {
    ew_prelu_nv(in, alpha, out, rows, 4);
    return;
  }
  if (c == 8 * VL) {
    ew_prelu_nv(in, alpha, out, rows, 8);
    return;
  }
  for (size_t r = 0; r < rows; r++) {
    const float *x = in + r * c;
    float *o = out + r * c;
    size_t i = 0;
    for (; i + VL <= c; i += VL) {
      V v = V_LOAD(x + i);
      V_STORE(o + i, V_FMA(V_LOAD(alpha + i), V_MIN(v, zero), V_MAX(v, zero)));
    }
    for (; i < c; i++) o[i] = x[i] >= 0.0f ? x[i] : x[i] * alpha[i];
  }
}
