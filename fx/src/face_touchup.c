/* Touch-up: skin smoothed, features kept sharp.
 *
 * The skin mask is drawn from the mesh: the face oval (pulled in by 4 % towards its centre, so
 * the hairline, the beard line and the face's outline stay sharp) filled with 255, then the
 * eyes (grown 1.7× about their centres: lashes and lids), the brows (1.5×), the lips (1.15×)
 * and the nostrils (1.2×) cut out with 0, then feathered by two box blurs of about 1/60 of the
 * face's width. Outside the faces' boxes the mask is 0: hair, neck and background are never
 * touched.
 *
 * The smoothing is a self-guided filter of the luma (He et al.) at half resolution: where the
 * local variance is small against ε (skin texture, pores, small blemishes) the output is the
 * local mean; where it is large (the mask's feather crossing an edge, a strand of hair) the
 * pixel stays. ε and the blend rise with the strength. */
#include <math.h>
#include <string.h>

#include "face_internal.h"

#define MAX_POLY 40

/* Fills polygon (pts[idx[i]] scaled by k about its centroid) into m (w × h) with value v,
 * inside [x0, x1) × [y0, y1), even-odd rule at pixel centres. */
static void fill_poly(uint8_t *m, int w, const float *pts, const int *idx, int n, float k, uint8_t v,
                      int x0, int y0, int x1, int y1) {
  float px[MAX_POLY], py[MAX_POLY], cx = 0, cy = 0;
  for (int i = 0; i < n; i++) cx += pts[3 * idx[i]], cy += pts[3 * idx[i] + 1];
  cx /= (float)n, cy /= (float)n;
  float lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < n; i++) {
    px[i] = cx + k * (pts[3 * idx[i]] - cx);
    py[i] = cy + k * (pts[3 * idx[i] + 1] - cy);
    lo = fminf(lo, py[i]), hi = fmaxf(hi, py[i]);
  }
  int ya = (int)fmaxf((float)y0, floorf(lo)), yb = (int)fminf((float)y1, ceilf(hi) + 1);
  for (int y = ya; y < yb; y++) {
    float yc = (float)y + 0.5f, xs[MAX_POLY];
    int nx = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) {
      if ((py[i] > yc) != (py[j] > yc)) xs[nx++] = px[j] + (yc - py[j]) / (py[i] - py[j]) * (px[i] - px[j]);
    }
    for (int a = 1; a < nx; a++) /* insertion sort: nx ≤ n */
      for (int b = a; b > 0 && xs[b - 1] > xs[b]; b--) {
        float t = xs[b];
        xs[b] = xs[b - 1], xs[b - 1] = t;
      }
    uint8_t *row = m + (size_t)y * w;
    for (int a = 0; a + 1 < nx; a += 2) {
      int xa = (int)ceilf(xs[a] - 0.5f), xb = (int)ceilf(xs[a + 1] - 0.5f);
      if (xa < x0) xa = x0;
      if (xb > x1) xb = x1;
      if (xb > xa) memset(row + xa, v, (size_t)(xb - xa));
    }
  }
}

/* Box blur of radius r of u8 region [x0, x1) × [y0, y1) of m (row stride w), via t. */
static void box_u8(uint8_t *m, uint8_t *t, int w, int x0, int y0, int x1, int y1, int r) {
  int rw = x1 - x0, rh = y1 - y0, n = 2 * r + 1;
  for (int y = y0; y < y1; y++) {
    const uint8_t *s = m + (size_t)y * w + x0;
    uint8_t *d = t + (size_t)y * w + x0;
    int acc = 0;
    for (int i = -r; i <= r; i++) acc += s[i < 0 ? 0 : i >= rw ? rw - 1 : i];
    for (int x = 0; x < rw; x++) {
      d[x] = (uint8_t)((acc + n / 2) / n);
      int a = x + r + 1, b = x - r;
      acc += s[a >= rw ? rw - 1 : a] - s[b < 0 ? 0 : b];
    }
  }
  for (int x = x0; x < x1; x++) {
    int acc = 0;
    for (int i = -r; i <= r; i++) acc += t[(size_t)(y0 + (i < 0 ? 0 : i >= rh ? rh - 1 : i)) * w + x];
    for (int y = 0; y < rh; y++) {
      m[(size_t)(y0 + y) * w + x] = (uint8_t)((acc + n / 2) / n);
      int a = y + r + 1, b = y - r;
      acc += t[(size_t)(y0 + (a >= rh ? rh - 1 : a)) * w + x] - t[(size_t)(y0 + (b < 0 ? 0 : b)) * w + x];
    }
  }
}

/* Box mean of radius r over a float plane (w × h), edges clamped, via t. */
static void box_f(const float *s, float *d, float *t, int w, int h, int r) {
  float inv = 1.0f / (float)(2 * r + 1);
  for (int y = 0; y < h; y++) {
    const float *a = s + (size_t)y * w;
    float *o = t + (size_t)y * w, acc = 0;
    for (int i = -r; i <= r; i++) acc += a[i < 0 ? 0 : i >= w ? w - 1 : i];
    for (int x = 0; x < w; x++) {
      o[x] = acc * inv;
      int p = x + r + 1, q = x - r;
      acc += a[p >= w ? w - 1 : p] - a[q < 0 ? 0 : q];
    }
  }
  for (int x = 0; x < w; x++) {
    float acc = 0;
    for (int i = -r; i <= r; i++) acc += t[(size_t)(i < 0 ? 0 : i >= h ? h - 1 : i) * w + x];
    for (int y = 0; y < h; y++) {
      d[(size_t)y * w + x] = acc * inv;
      int p = y + r + 1, q = y - r;
      acc += t[(size_t)(p >= h ? h - 1 : p) * w + x] - t[(size_t)(q < 0 ? 0 : q) * w + x];
    }
  }
}

static float dist(const float *pts, int a, int b) {
  float dx = pts[3 * a] - pts[3 * b], dy = pts[3 * a + 1] - pts[3 * b + 1];
  return sqrtf(dx * dx + dy * dy);
}

/* Keeps the mask to the skin's colour: the chroma of the cheeks (patches at points 50, 280,
 * 205 and 425) sets a mean and spread; mask pixels whose chroma lies far from it (hair over
 * the forehead, a hand, glasses frames) fade out, full weight within 2.5 σ, none beyond 4 σ. */
static void skin_gate(fx_ctx *c, fx_face *f, const uint8_t *img, const float *pts, float width, int x0,
                      int y0, int x1, int y1) {
  static const int cheeks[4] = {50, 280, 205, 425};
  const uint8_t *U = img + (size_t)c->w * c->h, *V = U + (size_t)c->hw * c->hh;
  int r = (int)(width / 40.0f) + 1;
  double su = 0, sv = 0, suu = 0, svv = 0;
  int n = 0;
  for (int k = 0; k < 4; k++) {
    int cx = (int)pts[3 * cheeks[k]] / 2, cy = (int)pts[3 * cheeks[k] + 1] / 2;
    for (int y = cy - r / 2; y <= cy + r / 2; y++)
      for (int x = cx - r / 2; x <= cx + r / 2; x++) {
        if (x < 0 || y < 0 || x >= c->hw || y >= c->hh) continue;
        double u = U[(size_t)y * c->hw + x], v = V[(size_t)y * c->hw + x];
        su += u, sv += v, suu += u * u, svv += v * v, n++;
      }
  }
  if (n < 4) return;
  double mu = su / n, mv = sv / n;
  double sd = sqrt(fmax(0.0, (suu / n - mu * mu) + (svv / n - mv * mv)));
  if (sd < 3.0) sd = 3.0;
  float lo = (float)(2.5 * sd), hi = (float)(4.0 * sd);
  for (int y = y0; y < y1; y++) {
    uint8_t *m = f->skin + (size_t)y * f->w;
    const uint8_t *u = U + (size_t)(y / 2) * c->hw, *v = V + (size_t)(y / 2) * c->hw;
    for (int x = x0; x < x1; x++) {
      if (!m[x]) continue;
      float du = (float)u[x / 2] - (float)mu, dv = (float)v[x / 2] - (float)mv;
      float d = sqrtf(du * du + dv * dv);
      if (d <= lo) continue;
      m[x] = d >= hi ? 0 : (uint8_t)((float)m[x] * (hi - d) / (hi - lo));
    }
  }
}

/* Draws face `pts`' skin mask into f->skin over its box, its colour gate read from I420 frame
 * img (fx_out or fx_frame); returns the box and the face width. */
static int draw_skin(fx_ctx *c, fx_face *f, const uint8_t *img, const float *pts, int *bx, float *fw) {
  int x0, y0, x1, y1;
  if (!fx__mesh_box(pts, f->w, f->h, 0.08f, &x0, &y0, &x1, &y1)) return 0;
  for (int y = y0; y < y1; y++) memset(f->skin + (size_t)y * f->w + x0, 0, (size_t)(x1 - x0));
  float width = dist(pts, 234, 454);
  fill_poly(f->skin, f->w, pts, fx__oval, 36, 0.96f, 255, x0, y0, x1, y1);
  fill_poly(f->skin, f->w, pts, fx__eye_r, 16, 1.7f, 0, x0, y0, x1, y1);
  fill_poly(f->skin, f->w, pts, fx__eye_l, 16, 1.7f, 0, x0, y0, x1, y1);
  fill_poly(f->skin, f->w, pts, fx__brow_r, 10, 1.5f, 0, x0, y0, x1, y1);
  fill_poly(f->skin, f->w, pts, fx__brow_l, 10, 1.5f, 0, x0, y0, x1, y1);
  fill_poly(f->skin, f->w, pts, fx__lips, 20, 1.15f, 0, x0, y0, x1, y1);
  fill_poly(f->skin, f->w, pts, fx__nose, 8, 1.2f, 0, x0, y0, x1, y1);
  skin_gate(c, f, img, pts, width, x0, y0, x1, y1);
  int r = (int)(width / 60.0f);
  if (r < 1) r = 1;
  if (r > 12) r = 12;
  box_u8(f->skin, f->tmp8, f->w, x0, y0, x1, y1, r);
  box_u8(f->skin, f->tmp8, f->w, x0, y0, x1, y1, r);
  bx[0] = x0, bx[1] = y0, bx[2] = x1, bx[3] = y1;
  *fw = width;
  return 1;
}

/* The guided filter over box bx of the output luma, blended through the skin mask. */
static void smooth_box(fx_ctx *c, fx_face *f, const int *bx, float width, int strength) {
  uint8_t *Y = c->out;
  int w = c->w, x0 = bx[0], y0 = bx[1];
  int sw = (bx[2] - x0) / 2, sh = (bx[3] - y0) / 2;
  if (sw < 2 || sh < 2) return;
  float *I = f->gf[0], *II = f->gf[1], *mI = f->gf[2], *mII = f->gf[3], *t = f->gf[4];
  for (int y = 0; y < sh; y++) {
    const uint8_t *r0 = Y + (size_t)(y0 + 2 * y) * w + x0, *r1 = r0 + w;
    for (int x = 0; x < sw; x++) {
      float v = 0.25f * (float)(r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]);
      I[(size_t)y * sw + x] = v;
      II[(size_t)y * sw + x] = v * v;
    }
  }
  int r = (int)(width / 30.0f); /* half-resolution pixels: a window of about 1/8 of the face */
  if (r < 2) r = 2;
  if (r > 24) r = 24;
  float s = (float)strength / 100.0f;
  float eps = (4.0f + 20.0f * s) * (4.0f + 20.0f * s);
  box_f(I, mI, t, sw, sh, r);
  box_f(II, mII, t, sw, sh, r);
  for (size_t i = 0; i < (size_t)sw * sh; i++) {
    float var = mII[i] - mI[i] * mI[i];
    if (var < 0) var = 0;
    float a = var / (var + eps);
    I[i] = a;
    II[i] = (1.0f - a) * mI[i];
  }
  box_f(I, mI, t, sw, sh, r);
  box_f(II, mII, t, sw, sh, r);
  float blend = 0.35f + 0.65f * s; /* of 255 mask levels */
  for (int y = y0; y < bx[3]; y++) {
    float gy = 0.5f * (float)(y - y0) - 0.25f;
    if (gy < 0) gy = 0;
    if (gy > sh - 1) gy = (float)(sh - 1);
    int j0 = (int)gy, j1 = j0 + 1 < sh ? j0 + 1 : j0;
    float fy = gy - j0;
    const uint8_t *m = f->skin + (size_t)y * w;
    uint8_t *row = Y + (size_t)y * w;
    for (int x = x0; x < bx[2]; x++) {
      if (!m[x]) continue;
      float gx = 0.5f * (float)(x - x0) - 0.25f;
      if (gx < 0) gx = 0;
      if (gx > sw - 1) gx = (float)(sw - 1);
      int i0 = (int)gx, i1 = i0 + 1 < sw ? i0 + 1 : i0;
      float fx = gx - i0;
      size_t a = (size_t)j0 * sw, b = (size_t)j1 * sw;
      float A = (mI[a + i0] * (1 - fx) + mI[a + i1] * fx) * (1 - fy) + (mI[b + i0] * (1 - fx) + mI[b + i1] * fx) * fy;
      float B = (mII[a + i0] * (1 - fx) + mII[a + i1] * fx) * (1 - fy) + (mII[b + i0] * (1 - fx) + mII[b + i1] * fx) * fy;
      float v = row[x], q = A * v + B;
      float o = v + (q - v) * blend * (float)m[x] / 255.0f;
      row[x] = (uint8_t)(o < 0 ? 0 : o > 255 ? 255 : o + 0.5f);
    }
  }
}

int fx_face_touchup(fx_ctx *c, fx_face *f, int strength) {
  if (!c || !f || c->w != f->w || c->h != f->h) return FX_EINVAL;
  if (strength <= 0) return FX_OK;
  if (strength > 100) strength = 100;
  memset(f->skin, 0, (size_t)f->w * f->h); /* cheap next to the filter; keeps the mask exact */
  for (int i = 0; i < f->n; i++) {
    const float *pts = fx_face_mesh(f, i);
    int bx[4];
    float width;
    if (!pts || !draw_skin(c, f, c->out, pts, bx, &width)) continue;
    smooth_box(c, f, bx, width, strength);
  }
  f->skin_valid = 1;
  return FX_OK;
}

int fx_face_skin_frame(fx_ctx *c, fx_face *f, float *face_width) {
  if (!c || !f || c->w != f->w || c->h != f->h) return FX_EINVAL;
  memset(f->skin, 0, (size_t)f->w * f->h);
  int n = 0;
  float widest = 0;
  for (int i = 0; i < f->n; i++) {
    const float *pts = fx_face_mesh(f, i);
    int bx[4];
    float width;
    if (!pts || !draw_skin(c, f, c->frame, pts, bx, &width)) continue;
    if (width > widest) widest = width;
    n++;
  }
  f->skin_valid = 1;
  if (face_width) *face_width = widest;
  return n;
}

const uint8_t *fx_face_skin_mask(const fx_face *f) {
  return f && f->skin_valid ? f->skin : NULL;
}
