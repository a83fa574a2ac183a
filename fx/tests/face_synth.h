/* A synthetic 468-point face mesh for the fx face tests: the point lists the effects use
 * (oval, eyes, brows, lips, nose, lattice points) placed where a frontal face has them, every
 * other point inside the oval. Face centre (cx, cy), width fw (234 → 454), rotation rot. */
#ifndef FX_FACE_SYNTH_H
#define FX_FACE_SYNTH_H
#include <math.h>
#include <string.h>

#include "face_internal.h"

/* Unit coordinates: x from −0.5 (234) to 0.5 (454), y from −0.6 (forehead 10) to 0.7 (chin). */
static void synth_unit(float *u) {
  for (int i = 0; i < FX_FACE_POINTS; i++) { /* filler: a spiral inside the cheeks */
    float a = (float)i * 2.39996f, r = 0.1f + 0.25f * sqrtf((float)i / FX_FACE_POINTS);
    u[3 * i] = r * cosf(a), u[3 * i + 1] = 0.1f + 0.8f * r * sinf(a), u[3 * i + 2] = 0;
  }
  for (int k = 0; k < 36; k++) { /* oval: 10 at the top, clockwise on screen */
    float a = -1.5707963f + 6.2831853f * (float)k / 36.0f;
    int i = fx__oval[k];
    u[3 * i] = 0.5f * cosf(a), u[3 * i + 1] = 0.05f + (sinf(a) < 0 ? 0.65f : 0.65f) * sinf(a);
  }
  const int *eyes[2] = {fx__eye_r, fx__eye_l};
  for (int e = 0; e < 2; e++)
    for (int k = 0; k < 16; k++) {
      float a = 6.2831853f * (float)k / 16.0f;
      int i = eyes[e][k];
      u[3 * i] = (e ? 0.2f : -0.2f) + 0.09f * cosf(a), u[3 * i + 1] = -0.02f + 0.035f * sinf(a);
    }
  const int *brows[2] = {fx__brow_r, fx__brow_l};
  for (int e = 0; e < 2; e++)
    for (int k = 0; k < 10; k++) {
      float a = 6.2831853f * (float)k / 10.0f;
      int i = brows[e][k];
      u[3 * i] = (e ? 0.2f : -0.2f) + 0.11f * cosf(a), u[3 * i + 1] = -0.15f + 0.025f * sinf(a);
    }
  for (int k = 0; k < 20; k++) {
    float a = 6.2831853f * (float)k / 20.0f;
    int i = fx__lips[k];
    u[3 * i] = 0.15f * cosf(a), u[3 * i + 1] = 0.38f + 0.06f * sinf(a);
  }
  for (int k = 0; k < 8; k++) {
    float a = 6.2831853f * (float)k / 8.0f;
    int i = fx__nose[k];
    u[3 * i] = 0.08f * cosf(a), u[3 * i + 1] = 0.2f + 0.03f * sinf(a);
  }
  const float lat[9][3] = {{103, -0.35f, -0.5f}, {10, 0, -0.6f}, {332, 0.35f, -0.5f},
                           {234, -0.5f, 0.0f},   {168, 0, -0.02f}, {454, 0.5f, 0.0f},
                           {172, -0.38f, 0.5f},  {152, 0, 0.7f},  {397, 0.38f, 0.5f}};
  for (int k = 0; k < 9; k++) {
    int i = (int)lat[k][0];
    u[3 * i] = lat[k][1], u[3 * i + 1] = lat[k][2];
  }
  u[3 * 33] = -0.29f, u[3 * 33 + 1] = -0.02f; /* eye corners set the eye line */
  u[3 * 263] = 0.29f, u[3 * 263 + 1] = -0.02f;
}

static void synth_mesh(float *pts, float cx, float cy, float fw, float rot) {
  static float u[FX_FACE_POINTS * 3];
  synth_unit(u);
  float c = cosf(rot), s = sinf(rot);
  for (int i = 0; i < FX_FACE_POINTS; i++) {
    float x = u[3 * i] * fw, y = u[3 * i + 1] * fw;
    pts[3 * i] = cx + c * x - s * y, pts[3 * i + 1] = cy + s * x + c * y, pts[3 * i + 2] = 0;
  }
}
#endif
