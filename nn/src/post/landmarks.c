/* Landmark projection from the model's crop back to the image (MediaPipe's
 * TensorsToLandmarks + LandmarkProjection, for one crop rectangle). */
#include <math.h>

#include "nn_post.h"

void nn_landmarks_project(const float *raw, int n, int in_w, int in_h, const nn_rect *roi,
                          int img_w, int img_h, float *out) {
  float c = cosf(roi->rotation), s = sinf(roi->rotation);
  for (int i = 0; i < n; i++) {
    float x = raw[3 * i] / (float)in_w - 0.5f, y = raw[3 * i + 1] / (float)in_h - 0.5f;
    float z = raw[3 * i + 2] / (float)in_w;
    float nx = (c * x - s * y) * roi->w + roi->xc, ny = (s * x + c * y) * roi->h + roi->yc;
    out[3 * i] = nx * (float)img_w;
    out[3 * i + 1] = ny * (float)img_h;
    out[3 * i + 2] = z * roi->w * (float)img_w;
  }
}
