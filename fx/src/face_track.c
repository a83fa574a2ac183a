/* Face tracking from the landmark mesh (fx_face.h): life cycle, crop geometry, the detection /
 * tracking decision and the landmark smoothing.
 *
 * A face found by detection gets a crop from its box and eyes; from then on each frame's crop
 * comes from the previous frame's mesh (rotated to the eye line), so detection runs only when a
 * face was lost (presence below presence_min), when none is tracked (every idle_every frames)
 * and every redetect_every frames to pick up faces that entered the picture.
 *
 * Smoothing: a One Euro filter (Casiez et al., CHI 2012) whose cutoff follows the speed of the
 * mesh's centre in face sizes per second, so one cutoff holds for the whole mesh (it keeps its
 * shape) and does not depend on how near the face is. Still: the cutoff stays near min_cutoff
 * and the model's frame-to-frame jitter is averaged out; moving: the cutoff rises with the speed
 * and the lag stays a small fraction of the motion (fx/tests/test_face.c measures both). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"

#define PI_F 3.14159265358979f

/* ---- life cycle ---- */

static const fx_face_params defaults = {30, 3, 0.5f, 0.6f, 15.0f, 1.5f};

static int alloc_buffers(fx_face *f, int w, int h) {
  size_t n = (size_t)w * h, q = (size_t)(w / 2 + 1) * (h / 2 + 1);
  int lgw = (w + 15) / 16, lgh = (h + 15) / 16;
  size_t total = 2 * n + 5 * q * sizeof(float) + 3 * (size_t)lgw * lgh * sizeof(float) + 64;
  char *m = malloc(total);
  if (!m) return FX_ENOMEM;
  free(f->mem);
  f->mem = m;
  f->skin = (uint8_t *)m;
  f->tmp8 = f->skin + n;
  float *g = (float *)(((uintptr_t)(f->tmp8 + n) + 15) & ~(uintptr_t)15);
  for (int i = 0; i < 5; i++) f->gf[i] = g + (size_t)i * q;
  g += 5 * q;
  for (int i = 0; i < 3; i++) f->lg[i] = g + (size_t)i * lgw * lgh;
  memset(f->skin, 0, n);
  f->skin_valid = 0;
  f->w = w, f->h = h, f->lgw = lgw, f->lgh = lgh;
  return FX_OK;
}

int fx_face_create(fx_face **out, int w, int h) {
  if (!out) return FX_EINVAL;
  *out = NULL;
  if (w < 2 || h < 2 || w > FX_MAX_DIM || h > FX_MAX_DIM || (w & 1) || (h & 1)) return FX_EINVAL;
  fx_face *f = calloc(1, sizeof *f);
  if (!f) return FX_ENOMEM;
  f->tr = calloc(FX_FACE_MAX, sizeof *f->tr);
  f->p = defaults;
  f->lut_range = -1;
  if (!f->tr || alloc_buffers(f, w, h) != FX_OK) {
    fx_face_destroy(f);
    return FX_ENOMEM;
  }
  *out = f;
  return FX_OK;
}

void fx_face_destroy(fx_face *f) {
  if (!f) return;
  free(f->mem);
  free(f->spr);
  free(f->tr);
  free(f);
}

int fx_face_resize(fx_face *f, int w, int h) {
  if (!f || w < 2 || h < 2 || w > FX_MAX_DIM || h > FX_MAX_DIM || (w & 1) || (h & 1))
    return FX_EINVAL;
  if (w == f->w && h == f->h) return FX_OK;
  int rc = alloc_buffers(f, w, h);
  if (rc == FX_OK) f->n = 0, f->since_det = 0, f->lost = 0;
  return rc;
}

void fx_face_reset(fx_face *f) {
  if (!f) return;
  f->n = 0;
  f->since_det = 0;
  f->lost = 0;
  f->frame = 0;
  f->detecting = 0;
  f->skin_valid = 0;
  memset(&f->st, 0, sizeof f->st);
}

void fx_face_get_params(const fx_face *f, fx_face_params *p) {
  *p = f->p;
}

int fx_face_set_params(fx_face *f, const fx_face_params *p) {
  if (!f || !p || p->redetect_every < 1 || p->redetect_every > 1000 || p->idle_every < 1 ||
      p->idle_every > 1000 || !(p->presence_min >= 0 && p->presence_min <= 1) ||
      !(p->min_cutoff > 0 && p->min_cutoff < 100) || !(p->beta >= 0 && p->beta < 1000) ||
      !(p->d_cutoff > 0 && p->d_cutoff < 100))
    return FX_EINVAL;
  f->p = *p;
  return FX_OK;
}

void fx_face_get_stats(const fx_face *f, fx_face_stats *s) {
  *s = f->st;
  s->faces = f->n;
}

/* ---- geometry ---- */

void fx_face_rect_from_detection(const float d[FX_FACE_DET_STRIDE], fx_face_rect *r) {
  r->xc = d[1] + 0.5f * d[3];
  r->yc = d[2] + 0.5f * d[4];
  r->size = 1.5f * fmaxf(d[3], d[4]);
  r->rot = atan2f(d[8] - d[6], d[7] - d[5]);
}

void fx_face_rect_from_mesh(const float *pts, int n, fx_face_rect *r) {
  float ang = 0.0f;
  if (n > 263) ang = atan2f(pts[3 * 263 + 1] - pts[3 * 33 + 1], pts[3 * 263] - pts[3 * 33]);
  float c = cosf(ang), s = sinf(ang);
  float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (int i = 0; i < n; i++) {
    float x = pts[3 * i], y = pts[3 * i + 1];
    float a = c * x + s * y, b = -s * x + c * y; /* along and across the eye line */
    lo[0] = fminf(lo[0], a), hi[0] = fmaxf(hi[0], a);
    lo[1] = fminf(lo[1], b), hi[1] = fmaxf(hi[1], b);
  }
  float a = 0.5f * (lo[0] + hi[0]), b = 0.5f * (lo[1] + hi[1]);
  r->xc = c * a - s * b;
  r->yc = s * a + c * b;
  r->size = 1.5f * fmaxf(hi[0] - lo[0], hi[1] - lo[1]);
  r->rot = ang;
}

void fx_face_project(const float *raw, int n, int mw, int mh, const fx_face_rect *r, float *out) {
  float c = cosf(r->rot), s = sinf(r->rot);
  for (int i = 0; i < n; i++) {
    float x = (raw[3 * i] / (float)mw - 0.5f) * r->size;
    float y = (raw[3 * i + 1] / (float)mh - 0.5f) * r->size;
    out[3 * i] = c * x - s * y + r->xc;
    out[3 * i + 1] = s * x + c * y + r->yc;
    out[3 * i + 2] = raw[3 * i + 2] / (float)mw * r->size;
  }
}

int fx__mesh_box(const float *pts, int w, int h, float grow, int *x0, int *y0, int *x1, int *y1) {
  float lx = INFINITY, ly = INFINITY, hx = -INFINITY, hy = -INFINITY;
  for (int i = 0; i < FX_FACE_POINTS; i++) {
    lx = fminf(lx, pts[3 * i]), hx = fmaxf(hx, pts[3 * i]);
    ly = fminf(ly, pts[3 * i + 1]), hy = fmaxf(hy, pts[3 * i + 1]);
  }
  if (!(hx >= lx && hy >= ly)) return 0;
  float gx = (hx - lx) * grow, gy = (hy - ly) * grow;
  float a = fmaxf(0.0f, lx - gx), b = fmaxf(0.0f, ly - gy);
  float c = fminf((float)w, hx + gx), d = fminf((float)h, hy + gy);
  if (!(c > a && d > b)) return 0;
  *x0 = (int)a & ~1, *y0 = (int)b & ~1;
  *x1 = ((int)ceilf(c) + 1) & ~1, *y1 = ((int)ceilf(d) + 1) & ~1;
  if (*x1 > w) *x1 = w;
  if (*y1 > h) *y1 = h;
  return *x1 > *x0 && *y1 > *y0;
}

/* ---- tracking ---- */

int fx_face_begin(fx_face *f) {
  f->frame++;
  f->since_det++;
  for (int i = 0; i < f->n; i++) f->tr[i].got = 0;
  int every = f->n ? f->p.redetect_every : f->p.idle_every;
  f->detecting = f->frame == 1 || f->lost || f->since_det >= every;
  if (f->detecting) {
    f->st.detections++;
    if (f->lost || f->n) f->st.redetections++;
  }
  return f->detecting;
}

static int overlaps(const fx_face_rect *a, const fx_face_rect *b, float k) {
  float dx = a->xc - b->xc, dy = a->yc - b->yc, s = k * fmaxf(a->size, b->size);
  return dx * dx + dy * dy < s * s;
}

int fx_face_detections(fx_face *f, const float *det, int n) {
  if (!f || n < 0 || (n && !det)) return FX_EINVAL;
  float side = (float)(f->w > f->h ? f->w : f->h);
  float ox = 0.5f * ((float)f->w - side), oy = 0.5f * ((float)f->h - side);
  for (int k = 0; k < n && f->n < FX_FACE_MAX; k++) {
    const float *d = det + (size_t)k * FX_FACE_DET_STRIDE;
    float px[FX_FACE_DET_STRIDE];
    int ok = isfinite(d[0]);
    for (int j = 1; j < FX_FACE_DET_STRIDE; j++) {
      ok &= isfinite(d[j]) && d[j] > -2.0f && d[j] < 3.0f;
      px[j] = d[j] * side + ((j & 1) ? ox : oy);
    }
    px[3] = d[3] * side, px[4] = d[4] * side;
    if (!ok || px[3] <= 2.0f || px[4] <= 2.0f) continue;
    fx_face_rect r;
    fx_face_rect_from_detection(px, &r);
    int dup = 0;
    for (int i = 0; i < f->n && !dup; i++) dup = overlaps(&r, &f->tr[i].roi, 0.5f);
    if (dup) continue;
    fx__track *t = &f->tr[f->n++];
    memset(t, 0, sizeof *t);
    t->roi = r;
  }
  return FX_OK;
}

int fx_face_roi_count(const fx_face *f) {
  return f ? f->n : 0;
}

int fx_face_roi(const fx_face *f, int i, fx_face_rect *r) {
  if (!f || i < 0 || i >= f->n || !r) return FX_EINVAL;
  *r = f->tr[i].roi;
  return FX_OK;
}

int fx_face_landmarks(fx_face *f, int i, const float *raw, int mw, int mh, float logit) {
  if (!f || i < 0 || i >= f->n || !raw || mw < 1 || mh < 1) return FX_EINVAL;
  fx__track *t = &f->tr[i];
  fx_face_project(raw, FX_FACE_POINTS, mw, mh, &t->roi, t->raw);
  float p = isfinite(logit) ? 1.0f / (1.0f + expf(-logit)) : 0.0f;
  /* A point far outside the frame (or not a number) is no face: it would also take the crop,
   * the mask and the filter's lattice out of every bound. */
  float lim = 2.0f * (float)(f->w > f->h ? f->w : f->h);
  for (int k = 0; k < FX_FACE_POINTS * 3; k++)
    if (!isfinite(t->raw[k]) || t->raw[k] < -lim || t->raw[k] > 2.0f * lim) p = 0.0f;
  t->presence = p;
  t->got = 1;
  return FX_OK;
}

int fx_face_refine_roi(fx_face *f, int i, float min_shift) {
  if (!f || i < 0 || i >= f->n) return FX_EINVAL;
  fx__track *t = &f->tr[i];
  if (!t->got || t->presence < f->p.presence_min || !(min_shift > 0)) return 0;
  fx_face_rect r;
  fx_face_rect_from_mesh(t->raw, FX_FACE_POINTS, &r);
  if (!(r.size > 1.0f) || !isfinite(r.xc) || !isfinite(r.yc) || !isfinite(r.rot)) return 0;
  float s = t->roi.size > 1.0f ? t->roi.size : 1.0f;
  float dc = hypotf(r.xc - t->roi.xc, r.yc - t->roi.yc) / s, ds = fabsf(r.size - t->roi.size) / s;
  float dr = fabsf(remainderf(r.rot - t->roi.rot, 2.0f * PI_F));
  if (dc <= min_shift && ds <= min_shift && dr <= min_shift) return 0;
  t->roi = r;
  f->st.refinements++;
  return 1;
}

static float alpha(float cutoff, float dt) {
  float tau = 1.0f / (2.0f * PI_F * cutoff);
  return 1.0f / (1.0f + tau / dt);
}

float fx_one_euro_step(fx_one_euro *s, float x, double t, float scale, float min_cutoff,
                       float beta, float d_cutoff) {
  if (!s->init) {
    s->x = x, s->dx = 0.0f, s->t = t, s->init = 1;
    return x;
  }
  float dt = (float)(t - s->t);
  if (!(dt > 0.0f)) dt = 1.0f / 30.0f;
  s->t = t;
  float v = (x - s->x) / dt / (scale > 0 ? scale : 1.0f);
  s->dx += alpha(d_cutoff, dt) * (v - s->dx);
  s->x += alpha(min_cutoff + beta * fabsf(s->dx), dt) * (x - s->x);
  return s->x;
}

static void centre(const float *pts, float *cx, float *cy) {
  double sx = 0, sy = 0;
  for (int i = 0; i < FX_FACE_POINTS; i++) sx += pts[3 * i], sy += pts[3 * i + 1];
  *cx = (float)(sx / FX_FACE_POINTS), *cy = (float)(sy / FX_FACE_POINTS);
}

/* The One Euro step of a whole mesh: one speed, one cutoff, every point. The speed is that
 * of the mesh's centre plus its rotation (a least-squares angle between this frame's points
 * and the smoothed ones, about their centres) times its RMS radius, in face sizes per second:
 * averaged over 468 points it carries little of the model's per-point jitter, and a face that
 * only tilts still raises the cutoff. */
static void smooth(const fx_face_params *p, fx__track *t, double ts) {
  float cx, cy;
  centre(t->raw, &cx, &cy);
  if (!t->smoothed) {
    memcpy(t->mesh, t->raw, sizeof t->mesh);
    t->smoothed = 1, t->t = ts, t->vx = t->vy = t->vr = 0.0f, t->cx = cx, t->cy = cy;
    return;
  }
  float dt = (float)(ts - t->t);
  if (!(dt > 0.0f && dt < 1.0f)) dt = 1.0f / 30.0f;
  t->t = ts;
  float scale = t->roi.size / 1.5f;
  float sc, sm;
  centre(t->mesh, &sc, &sm);
  double cr = 0, dp = 0, rr = 0;
  for (int i = 0; i < FX_FACE_POINTS; i++) {
    double ax = t->mesh[3 * i] - sc, ay = t->mesh[3 * i + 1] - sm;
    double bx = t->raw[3 * i] - cx, by = t->raw[3 * i + 1] - cy;
    cr += ax * by - ay * bx, dp += ax * bx + ay * by, rr += ax * ax + ay * ay;
  }
  float dth = (float)atan2(cr, dp);
  float radius = (float)sqrt(rr / FX_FACE_POINTS) / scale;
  float ad = alpha(p->d_cutoff, dt);
  t->vx += ad * ((cx - sc) / dt / scale - t->vx);
  t->vy += ad * ((cy - sm) / dt / scale - t->vy);
  t->vr += ad * (dth / dt - t->vr);
  float speed = sqrtf(t->vx * t->vx + t->vy * t->vy) + fabsf(t->vr) * radius;
  float a = alpha(p->min_cutoff + p->beta * speed, dt);
  for (int k = 0; k < FX_FACE_POINTS * 3; k++) t->mesh[k] += a * (t->raw[k] - t->mesh[k]);
  t->cx = cx, t->cy = cy;
}

int fx_face_end(fx_face *f, double t_ms) {
  if (!f) return 0;
  double ts = t_ms / 1000.0;
  int any_got = 0;
  for (int i = 0; i < f->n; i++) {
    fx__track *t = &f->tr[i];
    if (!t->got) continue;
    any_got = 1;
    if (t->presence < f->p.presence_min) {
      t->smoothed = t->smoothed > 0 ? -1 : -2; /* a tracked face lost, or a false detection */
      continue;
    }
    smooth(&f->p, t, ts);
    memcpy(t->draw, t->mesh, sizeof t->draw);
    fx_face_rect_from_mesh(t->raw, FX_FACE_POINTS, &t->roi);
  }
  if (f->detecting) f->since_det = 0, f->lost = 0;
  /* Lost faces and duplicates (two crops converged on one face) go; the older track stays.
   * Losing a tracked face asks for a detection on the next frame; a detection that the
   * landmark model does not confirm waits for the idle interval. */
  int m = 0;
  for (int i = 0; i < f->n; i++) {
    fx__track *t = &f->tr[i];
    if (t->smoothed < 0) {
      f->lost |= t->smoothed == -1;
      continue;
    }
    int dup = 0;
    for (int j = 0; j < m && !dup; j++) dup = overlaps(&t->roi, &f->tr[j].roi, 0.35f);
    if (dup) continue;
    if (m != i) f->tr[m] = *t;
    m++;
  }
  f->n = m;
  if (!f->detecting && any_got && m) {
    f->st.tracked_frames++;
  }
  f->detecting = 0;
  return m;
}

int fx_face_count(const fx_face *f) {
  return f ? f->n : 0;
}

const float *fx_face_mesh(const fx_face *f, int i) {
  if (!f || i < 0 || i >= f->n || f->tr[i].smoothed <= 0) return NULL;
  return f->tr[i].draw;
}

int fx_face_predict(fx_face *f, double t_ms) {
  if (!f) return FX_EINVAL;
  for (int i = 0; i < f->n; i++) {
    fx__track *t = &f->tr[i];
    if (t->smoothed <= 0) continue;
    float dt = (float)(t_ms / 1000.0 - t->t);
    if (!(dt > 0.0f)) dt = 0.0f;
    if (dt > 0.15f) dt = 0.15f;
    float scale = t->roi.size / 1.5f, cx, cy;
    centre(t->mesh, &cx, &cy);
    float dx = t->vx * scale * dt, dy = t->vy * scale * dt, a = t->vr * dt;
    float c = cosf(a), s = sinf(a);
    for (int k = 0; k < FX_FACE_POINTS; k++) {
      float x = t->mesh[3 * k] - cx, y = t->mesh[3 * k + 1] - cy;
      t->draw[3 * k] = cx + c * x - s * y + dx;
      t->draw[3 * k + 1] = cy + s * x + c * y + dy;
      t->draw[3 * k + 2] = t->mesh[3 * k + 2];
    }
  }
  return FX_OK;
}

int fx_face_set_mesh(fx_face *f, const float *pts) {
  if (!f || !pts) return FX_EINVAL;
  if (f->n >= FX_FACE_MAX) return FX_EINVAL;
  fx__track *t = &f->tr[f->n++];
  memset(t, 0, sizeof *t);
  memcpy(t->raw, pts, sizeof t->raw);
  memcpy(t->mesh, pts, sizeof t->mesh);
  memcpy(t->draw, pts, sizeof t->draw);
  t->smoothed = 1;
  t->presence = 1.0f;
  fx_face_rect_from_mesh(pts, FX_FACE_POINTS, &t->roi);
  return FX_OK;
}

/* ---- mesh point lists ---- */

const int fx__oval[36] = {10,  338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288,
                          397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
                          172, 58,  132, 93,  234, 127, 162, 21,  54,  103, 67,  109};
const int fx__lips[20] = {61, 146, 91, 181, 84, 17, 314, 405, 321, 375,
                          291, 409, 270, 269, 267, 0, 37, 39, 40, 185};
const int fx__eye_r[16] = {33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246};
const int fx__eye_l[16] = {263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466};
const int fx__brow_r[10] = {46, 53, 52, 65, 55, 107, 66, 105, 63, 70};
const int fx__brow_l[10] = {276, 283, 282, 295, 285, 336, 296, 334, 293, 300};
const int fx__nose[8] = {98, 64, 48, 45, 275, 278, 294, 327};
