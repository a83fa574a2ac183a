/* The face models' inputs from the camera frame (I420 in fx_frame): a rotated square sampled
 * bilinearly, RGB float HWC. Points outside the frame are black (what MediaPipe pads with).
 * When the square shrinks by more than 2× (the detector's whole-frame input), each output pixel
 * averages k × k bilinear samples spread over its footprint (k ≤ 4), against aliasing. */
#include <math.h>

#include "face_internal.h"

/* Bilinear sample of plane p (pw × ph) at (x, y) in its pixel units (centres at +0.5). */
static float sample(const uint8_t *p, int pw, int ph, float x, float y) {
  x -= 0.5f, y -= 0.5f;
  if (x < 0) x = 0;
  if (y < 0) y = 0;
  if (x > pw - 1) x = (float)(pw - 1);
  if (y > ph - 1) y = (float)(ph - 1);
  int x0 = (int)x, y0 = (int)y;
  int x1 = x0 + 1 < pw ? x0 + 1 : x0, y1 = y0 + 1 < ph ? y0 + 1 : y0;
  float fx = x - x0, fy = y - y0;
  const uint8_t *r0 = p + (size_t)y0 * pw, *r1 = p + (size_t)y1 * pw;
  float a = r0[x0] + fx * (r0[x1] - r0[x0]);
  float b = r1[x0] + fx * (r1[x1] - r1[x0]);
  return a + fy * (b - a);
}

int fx_face_crop_input(fx_ctx *c, const fx_face_rect *r, float *dst, int mw, int mh, float lo,
                       float hi) {
  if (!c || !r || !dst || mw < 1 || mh < 1 || mw > 1024 || mh > 1024 || !isfinite(lo) ||
      !isfinite(hi) || !isfinite(r->xc) || !isfinite(r->yc) || !isfinite(r->rot) ||
      !(r->size > 0.5f && r->size < 4.0f * FX_MAX_DIM))
    return FX_EINVAL;
  const float *k = c->yuv2rgb;
  const uint8_t *Y = c->frame, *U = Y + (size_t)c->w * c->h, *V = U + (size_t)c->hw * c->hh;
  float cs = cosf(r->rot), sn = sinf(r->rot);
  float step = r->size / (float)(mw > mh ? mw : mh);
  int ss = step > 2.0f ? (int)ceilf(step / 2.0f) : 1;
  if (ss > 4) ss = 4;
  float sc = (hi - lo) / 255.0f, inv = 1.0f / (float)(ss * ss);
  float W = (float)c->w, H = (float)c->h;
  for (int oy = 0; oy < mh; oy++) {
    for (int ox = 0; ox < mw; ox++) {
      float acc[3] = {0, 0, 0};
      for (int j = 0; j < ss; j++) {
        for (int i = 0; i < ss; i++) {
          float u = ((float)ox + ((float)i + 0.5f) / (float)ss) / (float)mw - 0.5f;
          float v = ((float)oy + ((float)j + 0.5f) / (float)ss) / (float)mh - 0.5f;
          float x = r->xc + (cs * u - sn * v) * r->size, y = r->yc + (sn * u + cs * v) * r->size;
          if (!(x >= 0 && y >= 0 && x < W && y < H)) continue;
          float yy = (sample(Y, c->w, c->h, x, y) - k[FX__K_YO]) * k[FX__K_YS];
          float cb = sample(U, c->hw, c->hh, 0.5f * x, 0.5f * y) - 128.0f;
          float cr = sample(V, c->hw, c->hh, 0.5f * x, 0.5f * y) - 128.0f;
          float rr = yy + k[FX__K_CRR] * cr, gg = yy - k[FX__K_CBG] * cb - k[FX__K_CRG] * cr;
          float bb = yy + k[FX__K_CBB] * cb;
          acc[0] += rr < 0 ? 0 : rr > 255 ? 255 : rr;
          acc[1] += gg < 0 ? 0 : gg > 255 ? 255 : gg;
          acc[2] += bb < 0 ? 0 : bb > 255 ? 255 : bb;
        }
      }
      float *d = dst + ((size_t)oy * mw + ox) * 3;
      d[0] = lo + sc * acc[0] * inv;
      d[1] = lo + sc * acc[1] * inv;
      d[2] = lo + sc * acc[2] * inv;
    }
  }
  return FX_OK;
}

int fx_face_detect_input(fx_ctx *c, float *dst, int mw, int mh, float lo, float hi) {
  if (!c) return FX_EINVAL;
  fx_face_rect r = {0.5f * (float)c->w, 0.5f * (float)c->h, (float)(c->w > c->h ? c->w : c->h),
                    0.0f};
  return fx_face_crop_input(c, &r, dst, mw, mh, lo, hi);
}
