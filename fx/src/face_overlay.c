/* Face filters: a picture drawn in the face's texture space, mapped onto each face through a
 * lattice of mesh points (see fx_face_overlay in fx_face.h) and alpha-blended into the I420
 * output, luma at full resolution and chroma at half, in the same pass over the faces.
 *
 * Texture space: u runs from the face's right edge (point 234, u = −1) through the bridge of
 * the nose (168, u = 0) to its left edge (454, u = 1); v from the forehead (103 / 10 / 332,
 * v = −1) through the eye line (v = 0) to the jaw (172 / 152 / 397, v = 1). Outside, the lattice
 * is extended linearly (u, v = ±3), so a hat above the forehead or a beard below the chin still
 * follows the face. Because the middle column is a mesh point, a turned face compresses the
 * far half of the picture as it compresses the face. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"

static const int lattice_pts[3][3] = {{103, 10, 332}, {234, 168, 454}, {172, 152, 397}};

#define L 7           /* lattice points per side: u, v = −3 .. 3 */
#define LC (L - 1)    /* cells per side */
#define NTRI (2 * LC * LC)

/* The L × L lattice of face pts: P[r][c] (x, y) at u = c − 3, v = r − 3; the mesh gives the
 * inner 3 × 3, the rings outside are extended linearly from the nearest two. */
static void lattice(const float *pts, float P[L][L][2]) {
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      P[r + 2][c + 2][0] = pts[3 * lattice_pts[r][c]];
      P[r + 2][c + 2][1] = pts[3 * lattice_pts[r][c] + 1];
    }
  for (int r = 2; r < 5; r++)
    for (int k = 0; k < 2; k++) {
      float dl = P[r][2][k] - P[r][3][k], dr = P[r][4][k] - P[r][3][k];
      P[r][1][k] = P[r][2][k] + dl, P[r][0][k] = P[r][2][k] + 2 * dl;
      P[r][5][k] = P[r][4][k] + dr, P[r][6][k] = P[r][4][k] + 2 * dr;
    }
  for (int c = 0; c < L; c++)
    for (int k = 0; k < 2; k++) {
      float du = P[2][c][k] - P[3][c][k], dd = P[4][c][k] - P[3][c][k];
      P[1][c][k] = P[2][c][k] + du, P[0][c][k] = P[2][c][k] + 2 * du;
      P[5][c][k] = P[4][c][k] + dd, P[6][c][k] = P[4][c][k] + 2 * dd;
    }
}

int fx_face_set_sprite(fx_ctx *c, fx_face *f, const uint8_t *rgba, int sw, int sh, float u0,
                       float v0, float u1, float v1) {
  if (!c || !f) return FX_EINVAL;
  if (!rgba) {
    free(f->spr);
    f->spr = NULL;
    f->sw = f->sh = 0;
    return FX_OK;
  }
  if (sw < 1 || sh < 1 || sw > 1024 || sh > 1024 || !(u1 > u0) || !(v1 > v0) || !isfinite(u0) ||
      !isfinite(u1) || !isfinite(v0) || !isfinite(v1) || u0 < -4 || u1 > 4 || v0 < -4 || v1 > 4)
    return FX_EINVAL;
  uint8_t *s = malloc((size_t)sw * sh * 4);
  if (!s) return FX_ENOMEM;
  const float *k = c->rgb2yuv;
  for (size_t i = 0; i < (size_t)sw * sh; i++) {
    const uint8_t *p = rgba + 4 * i;
    float R = p[0], G = p[1], B = p[2], a = p[3] / 255.0f;
    float y = k[0] * R + k[1] * G + k[2] * B + k[9];
    float u = k[3] * R + k[4] * G + k[5] * B + k[10];
    float v = k[6] * R + k[7] * G + k[8] * B + k[11];
    s[4 * i] = (uint8_t)fminf(255.0f, fmaxf(0.0f, y * a + 0.5f));
    s[4 * i + 1] = (uint8_t)fminf(255.0f, fmaxf(0.0f, u * a + 0.5f));
    s[4 * i + 2] = (uint8_t)fminf(255.0f, fmaxf(0.0f, v * a + 0.5f));
    s[4 * i + 3] = p[3];
  }
  free(f->spr);
  f->spr = s, f->sw = sw, f->sh = sh;
  f->su0 = u0, f->sv0 = v0, f->su1 = u1, f->sv1 = v1;
  return FX_OK;
}

/* Bilinear premultiplied sample of the sprite at texture (u, v): out[0..3]; 0 if outside. */
static int sprite_at(const fx_face *f, float u, float v, float out[4]) {
  float x = (u - f->su0) / (f->su1 - f->su0) * (float)f->sw - 0.5f;
  float y = (v - f->sv0) / (f->sv1 - f->sv0) * (float)f->sh - 0.5f;
  if (x < -0.5f || y < -0.5f || x > f->sw - 0.5f || y > f->sh - 0.5f) return 0;
  if (x < 0) x = 0;
  if (y < 0) y = 0;
  int x0 = (int)x, y0 = (int)y;
  int x1 = x0 + 1 < f->sw ? x0 + 1 : x0, y1 = y0 + 1 < f->sh ? y0 + 1 : y0;
  float fx = x - x0, fy = y - y0;
  const uint8_t *a = f->spr + ((size_t)y0 * f->sw + x0) * 4, *b = f->spr + ((size_t)y0 * f->sw + x1) * 4;
  const uint8_t *cc = f->spr + ((size_t)y1 * f->sw + x0) * 4, *d = f->spr + ((size_t)y1 * f->sw + x1) * 4;
  for (int k = 0; k < 4; k++)
    out[k] = (a[k] * (1 - fx) + b[k] * fx) * (1 - fy) + (cc[k] * (1 - fx) + d[k] * fx) * fy;
  return out[3] > 0.5f;
}

typedef struct tri {
  float x[3], y[3], u[3], v[3];
} tri;

/* Rasterises t onto plane p (pw × ph) scaled by `scale` (1 luma, 0.5 chroma): each pixel centre
 * inside gets the sprite blended; plane k of the sprite (0 Y, 1 U, 2 V). */
static void raster(const fx_face *f, const tri *t, uint8_t *p, int pw, int ph, float scale, int k) {
  float x[3], y[3];
  for (int i = 0; i < 3; i++) x[i] = t->x[i] * scale, y[i] = t->y[i] * scale;
  float area = (x[1] - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (y[1] - y[0]);
  if (fabsf(area) < 1e-3f) return;
  float inv = 1.0f / area;
  int xa = (int)floorf(fminf(x[0], fminf(x[1], x[2]))), xb = (int)ceilf(fmaxf(x[0], fmaxf(x[1], x[2])));
  int ya = (int)floorf(fminf(y[0], fminf(y[1], y[2]))), yb = (int)ceilf(fmaxf(y[0], fmaxf(y[1], y[2])));
  if (xa < 0) xa = 0;
  if (ya < 0) ya = 0;
  if (xb > pw) xb = pw;
  if (yb > ph) yb = ph;
  for (int py = ya; py < yb; py++) {
    float cy = (float)py + 0.5f;
    uint8_t *row = p + (size_t)py * pw;
    for (int px = xa; px < xb; px++) {
      float cx = (float)px + 0.5f;
      /* Barycentric weights; half-open on the edges so neighbouring triangles share none. */
      float w1 = ((cx - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (cy - y[0])) * inv;
      float w2 = ((x[1] - x[0]) * (cy - y[0]) - (cx - x[0]) * (y[1] - y[0])) * inv;
      float w0 = 1.0f - w1 - w2;
      if (w0 < 0 || w1 < 0 || w2 <= 0 || (w0 == 0 && w1 == 0)) continue;
      float u = w0 * t->u[0] + w1 * t->u[1] + w2 * t->u[2];
      float v = w0 * t->v[0] + w1 * t->v[1] + w2 * t->v[2];
      float s[4];
      if (!sprite_at(f, u, v, s)) continue;
      float o = (float)row[px] * (1.0f - s[3] / 255.0f) + s[k];
      row[px] = (uint8_t)(o > 255 ? 255 : o + 0.5f);
    }
  }
}

/* Triangle j (0..NTRI−1) of the lattice: cell (r, c) = (j / (2 LC), (j / 2) % LC), half j & 1. */
static void lattice_tri(float P[L][L][2], int j, tri *t) {
  int r = j / (2 * LC), c = (j / 2) % LC, h = j & 1;
  int vr[3], vc[3];
  if (!h) vr[0] = r, vc[0] = c, vr[1] = r, vc[1] = c + 1, vr[2] = r + 1, vc[2] = c + 1;
  else vr[0] = r, vc[0] = c, vr[1] = r + 1, vc[1] = c + 1, vr[2] = r + 1, vc[2] = c;
  for (int i = 0; i < 3; i++) {
    t->x[i] = P[vr[i]][vc[i]][0], t->y[i] = P[vr[i]][vc[i]][1];
    t->u[i] = (float)(vc[i] - 3), t->v[i] = (float)(vr[i] - 3);
  }
}

int fx_face_overlay(fx_ctx *c, fx_face *f) {
  if (!c || !f || c->w != f->w || c->h != f->h) return FX_EINVAL;
  if (!f->spr) return FX_OK;
  uint8_t *Y = c->out, *U = Y + (size_t)c->w * c->h, *V = U + (size_t)c->hw * c->hh;
  for (int i = 0; i < f->n; i++) {
    const float *pts = fx_face_mesh(f, i);
    if (!pts) continue;
    float P[L][L][2];
    lattice(pts, P);
    for (int j = 0; j < NTRI; j++) {
      tri t;
      lattice_tri(P, j, &t);
      float ul = fminf(t.u[0], fminf(t.u[1], t.u[2])), uh = fmaxf(t.u[0], fmaxf(t.u[1], t.u[2]));
      float vl = fminf(t.v[0], fminf(t.v[1], t.v[2])), vh = fmaxf(t.v[0], fmaxf(t.v[1], t.v[2]));
      if (uh <= f->su0 || ul >= f->su1 || vh <= f->sv0 || vl >= f->sv1) continue;
      raster(f, &t, Y, c->w, c->h, 1.0f, 0);
      raster(f, &t, U, c->hw, c->hh, 0.5f, 1);
      raster(f, &t, V, c->hw, c->hh, 0.5f, 2);
    }
  }
  return FX_OK;
}

int fx_face_lattice(const fx_face *f, int i, float *out) {
  const float *pts = f && out ? fx_face_mesh(f, i) : NULL;
  if (!pts) return FX_EINVAL;
  float P[L][L][2];
  lattice(pts, P);
  memcpy(out, P, sizeof P);
  return FX_OK;
}

int fx_face_tex_at(const fx_face *f, int i, float x, float y, float *u, float *v) {
  const float *pts = fx_face_mesh(f, i);
  if (!pts) return 0;
  float P[L][L][2];
  lattice(pts, P);
  for (int j = 0; j < NTRI; j++) {
    tri t;
    lattice_tri(P, j, &t);
    float area = (t.x[1] - t.x[0]) * (t.y[2] - t.y[0]) - (t.x[2] - t.x[0]) * (t.y[1] - t.y[0]);
    if (fabsf(area) < 1e-3f) continue;
    float w1 = ((x - t.x[0]) * (t.y[2] - t.y[0]) - (t.x[2] - t.x[0]) * (y - t.y[0])) / area;
    float w2 = ((t.x[1] - t.x[0]) * (y - t.y[0]) - (x - t.x[0]) * (t.y[1] - t.y[0])) / area;
    float w0 = 1.0f - w1 - w2;
    if (w0 < 0 || w1 < 0 || w2 < 0) continue;
    *u = w0 * t.u[0] + w1 * t.u[1] + w2 * t.u[2];
    *v = w0 * t.v[0] + w1 * t.v[1] + w2 * t.v[2];
    return 1;
  }
  return 0;
}
