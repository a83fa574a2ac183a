/* BlazeFace short-range decoding: SSD anchors, box/keypoint decoding, weighted NMS, with
 * the constants of MediaPipe's face_detection_short_range graph. */
#include <math.h>
#include <string.h>

#include "nn_post.h"

#define INPUT 128.0f
#define COORDS 16

/* Strides 8,16,16,16 with two anchors per layer and location (aspect 1 plus the
 * interpolated scale): 16×16×2 + 8×8×6 = 896. Fixed anchor size: w = h = 1. */
int nn_blazeface_anchors(float *xy, int max) {
  static const struct {
    int fm, per_cell;
  } grids[] = {{16, 2}, {8, 6}};
  if (max < NN_BLAZEFACE_ANCHORS) return -1;
  int n = 0;
  for (int g = 0; g < 2; g++)
    for (int y = 0; y < grids[g].fm; y++)
      for (int x = 0; x < grids[g].fm; x++)
        for (int k = 0; k < grids[g].per_cell; k++) {
          xy[2 * n] = ((float)x + 0.5f) / (float)grids[g].fm;
          xy[2 * n + 1] = ((float)y + 0.5f) / (float)grids[g].fm;
          n++;
        }
  return n;
}

static void decode_one(const float *r, const float *anchor, float score, nn_face *f) {
  float xc = r[0] / INPUT + anchor[0], yc = r[1] / INPUT + anchor[1];
  float w = r[2] / INPUT, h = r[3] / INPUT;
  f->score = score;
  f->xmin = xc - w / 2, f->ymin = yc - h / 2, f->w = w, f->h = h;
  for (int k = 0; k < NN_BLAZEFACE_KEYPOINTS; k++) {
    f->kp[k][0] = r[4 + 2 * k] / INPUT + anchor[0];
    f->kp[k][1] = r[5 + 2 * k] / INPUT + anchor[1];
  }
}

static float iou_of(const nn_face *a, const nn_face *b) {
  float x0 = fmaxf(a->xmin, b->xmin), y0 = fmaxf(a->ymin, b->ymin);
  float x1 = fminf(a->xmin + a->w, b->xmin + b->w), y1 = fminf(a->ymin + a->h, b->ymin + b->h);
  float inter = fmaxf(0.0f, x1 - x0) * fmaxf(0.0f, y1 - y0);
  float uni = a->w * a->h + b->w * b->h - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

/* Averages the members of a cluster weighted by score; keeps the best score. */
static nn_face merge(const nn_face *c, const int *idx, int n) {
  nn_face m;
  memset(&m, 0, sizeof m);
  float total = 0;
  for (int i = 0; i < n; i++) {
    const nn_face *f = &c[idx[i]];
    float s = f->score;
    total += s;
    m.xmin += f->xmin * s, m.ymin += f->ymin * s, m.w += f->w * s, m.h += f->h * s;
    for (int k = 0; k < NN_BLAZEFACE_KEYPOINTS; k++)
      m.kp[k][0] += f->kp[k][0] * s, m.kp[k][1] += f->kp[k][1] * s;
  }
  float inv = total > 0 ? 1.0f / total : 0.0f;
  m.xmin *= inv, m.ymin *= inv, m.w *= inv, m.h *= inv;
  for (int k = 0; k < NN_BLAZEFACE_KEYPOINTS; k++) m.kp[k][0] *= inv, m.kp[k][1] *= inv;
  m.score = c[idx[0]].score;
  return m;
}

int nn_blazeface_decode(const float *regressors, const float *logits, float min_score,
                        float iou, nn_face *out, int max) {
  float anchors[2 * NN_BLAZEFACE_ANCHORS];
  nn_face cand[NN_BLAZEFACE_ANCHORS];
  int live[NN_BLAZEFACE_ANCHORS], cluster[NN_BLAZEFACE_ANCHORS], nc = 0, nout = 0;
  nn_blazeface_anchors(anchors, NN_BLAZEFACE_ANCHORS);
  for (int i = 0; i < NN_BLAZEFACE_ANCHORS; i++) {
    float l = fminf(fmaxf(logits[i], -100.0f), 100.0f);
    float s = 1.0f / (1.0f + expf(-l));
    if (s >= min_score) decode_one(regressors + i * COORDS, anchors + 2 * i, s, &cand[nc++]);
  }
  /* Insertion sort by score, best first (nc is small in practice). */
  for (int i = 1; i < nc; i++) {
    nn_face f = cand[i];
    int j = i;
    for (; j > 0 && cand[j - 1].score < f.score; j--) cand[j] = cand[j - 1];
    cand[j] = f;
  }
  for (int i = 0; i < nc; i++) live[i] = 1;
  for (int i = 0; i < nc && nout < max; i++) {
    if (!live[i]) continue;
    int n = 0;
    for (int j = i; j < nc; j++)
      if (live[j] && (j == i || iou_of(&cand[i], &cand[j]) > iou)) cluster[n++] = j, live[j] = 0;
    out[nout++] = merge(cand, cluster, n);
  }
  return nout;
}
