/* Separable resampling with 8-bit weights: area averaging when shrinking by more than 2×,
 * centre-aligned bilinear otherwise. Output o of m covers the source interval
 * [off + o·len/m, off + (o+1)·len/m). Weights of one output sum to exactly 256, so a
 * constant image stays constant; rows are accumulated vertically first (vacc, 16-bit, SIMD)
 * and then reduced horizontally through the taps (hresample). */
#include <math.h>

#include "fx_internal.h"

/* Overlap of source sample i with [a, b) (area) or its bilinear weight at x (a = b = x). */
static double weight(int i, double a, double b, int area) {
  if (area) {
    double lo = i > a ? i : a, hi = i + 1 < b ? i + 1 : b;
    return hi > lo ? hi - lo : 0.0;
  }
  double d = fabs(a - i);
  return d < 1.0 ? 1.0 - d : 0.0;
}

int fx__taps_build(fx__taps *t, int n, int m, double off, double len) {
  if (n < 1 || m < 1 || m > FX_MAX_DIM || !(len > 0.0)) return FX_EINVAL;
  double s = len / m;
  int area = s > 2.0;
  t->m = m;
  t->off[0] = 0;
  for (int o = 0; o < m; o++) {
    double a, b;
    int first, last;
    if (area) {
      a = off + o * s;
      b = a + s;
      a = a < 0.0 ? 0.0 : a > n - 1 ? n - 1 : a;
      b = b > n ? n : b < a + 1e-9 ? a + 1e-9 : b;
      first = (int)floor(a);
      last = (int)ceil(b) - 1;
    } else {
      a = off + (o + 0.5) * s - 0.5;
      a = a < 0.0 ? 0.0 : a > n - 1 ? n - 1 : a;
      b = a;
      first = (int)floor(a);
      last = first + 1;
    }
    if (last > n - 1) last = n - 1;
    if (last < first) last = first;
    int cnt = last - first + 1;
    int32_t base = t->off[o];
    if (base + cnt > FX__TAPS_CAP) return FX_EINVAL;
    double F = 0.0, cum = 0.0;
    for (int i = first; i <= last; i++) F += weight(i, a, b, area);
    if (!(F > 0.0)) F = 1.0; /* degenerate span: the first sample takes all below */
    /* Cumulative rounding: each weight within 1 of 256·w/F, the sum exactly 256. */
    int prev = 0;
    for (int j = 0; j < cnt; j++) {
      cum += weight(first + j, a, b, area);
      int q = j == cnt - 1 ? 256 : (int)floor(256.0 * cum / F + 0.5);
      if (q > 256) q = 256;
      t->w[base + j] = (uint16_t)(q - prev);
      prev = q;
    }
    t->start[o] = first;
    t->off[o + 1] = base + cnt;
  }
  return FX_OK;
}

/* Source row s resampled horizontally, in 8.8 fixed point, into ring slot s & 1. */
static const uint16_t *hrow16(fx_ctx *c, const fx__kern *k, const uint8_t *src, int sw, int s,
                              int *idx) {
  uint16_t *slot = c->acc[1 + (s & 1)];
  if (idx[s & 1] != s) {
    k->vacc(c->acc[0], src + (size_t)s * sw, 256, 1, sw);
    k->hresample(c->acc[0], &c->tx, c->hrow[0]);
    for (int x = 0; x < c->tx.m; x++) slot[x] = (uint16_t)((c->hrow[0][x] + 128u) >> 8);
    idx[s & 1] = s;
  }
  return slot;
}

void fx__resample_u8(fx_ctx *c, const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                     double lx, double ly) {
  const fx__kern *k = fx__k();
  if (fx__taps_build(&c->tx, sw, dw, 0.0, lx) != FX_OK ||
      fx__taps_build(&c->ty, sh, dh, 0.0, ly) != FX_OK)
    return; /* sizes are validated by the callers; unreachable */
  int up = dh > sh;
  for (int y = 0; up && y < dh; y++) up = c->ty.off[y + 1] - c->ty.off[y] <= 2;
  if (up) {
    /* Enlarging vertically (bilinear: two source rows per output row): the horizontal taps
     * run once per source row, not once per output row. */
    int idx[2] = {-1, -1};
    for (int y = 0; y < dh; y++) {
      int s0 = c->ty.start[y], two = c->ty.off[y + 1] - c->ty.off[y] == 2;
      int w0 = c->ty.w[c->ty.off[y]];
      const uint16_t *r0 = hrow16(c, k, src, sw, s0, idx);
      const uint16_t *r1 = two ? hrow16(c, k, src, sw, s0 + 1, idx) : r0;
      k->vlerp16(r0, r1, w0, 256 - w0, dst + (size_t)y * dw, dw);
    }
    return;
  }
  for (int y = 0; y < dh; y++) {
    int s0 = c->ty.start[y], n = c->ty.off[y + 1] - c->ty.off[y];
    const uint16_t *w = c->ty.w + c->ty.off[y];
    for (int j = 0; j < n; j++) k->vacc(c->acc[0], src + (size_t)(s0 + j) * sw, w[j], j == 0, sw);
    k->hresample(c->acc[0], &c->tx, c->hrow[0]);
    uint8_t *d = dst + (size_t)y * dw;
    for (int x = 0; x < dw; x++) d[x] = (uint8_t)((c->hrow[0][x] + 32768u) >> 16);
  }
}
