/* nn-run --decode: BlazeFace detections or face landmarks as JSON on stdout. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn_post.h"
#include "nn_run.h"

static int output_by(const nn_model *m, const char *name, size_t count) {
  nn_tensor_info t;
  for (int i = 0; i < nn_num_outputs(m); i++)
    if (!nn_output_info(m, i, &t) && (!strcmp(t.name, name) || t.count == count)) return i;
  return -1;
}

/* MediaPipe's short-range graph: min score 0.5, weighted NMS at IoU 0.3. Coordinates are
 * normalised to the input image. */
static int decode_blazeface(const nn_model *m) {
  int ri = output_by(m, "regressors", NN_BLAZEFACE_ANCHORS * 16);
  int ci = output_by(m, "classificators", NN_BLAZEFACE_ANCHORS);
  if (ri < 0 || ci < 0) {
    fprintf(stderr, "nn-run: --decode blazeface needs [896,16] and [896] outputs\n");
    return -1;
  }
  nn_face faces[32];
  int n = nn_blazeface_decode(nn_output(m, ri), nn_output(m, ci), 0.5f, 0.3f, faces, 32);
  printf("{\"faces\":[");
  for (int i = 0; i < n; i++) {
    const nn_face *f = &faces[i];
    printf("%s{\"score\":%.5f,\"box\":{\"xmin\":%.5f,\"ymin\":%.5f,\"w\":%.5f,\"h\":%.5f},"
           "\"keypoints\":[",
           i ? "," : "", f->score, f->xmin, f->ymin, f->w, f->h);
    for (int k = 0; k < NN_BLAZEFACE_KEYPOINTS; k++)
      printf("%s[%.5f,%.5f]", k ? "," : "", f->kp[k][0], f->kp[k][1]);
    printf("]}");
  }
  printf("]}\n");
  return 0;
}

/* The whole input image is the crop: points come out in image pixels. */
static int decode_landmarks(const nn_model *m, const nn_image *img) {
  nn_tensor_info in, out;
  int li = output_by(m, "", NN_FACE_LANDMARKS * 3);
  if (li < 0 || nn_input_info(m, 0, &in) || nn_output_info(m, li, &out)) {
    fprintf(stderr, "nn-run: --decode landmarks needs a 1404-value output\n");
    return -1;
  }
  static float pts[NN_FACE_LANDMARKS * 3];
  nn_rect roi = {0.5f, 0.5f, 1.0f, 1.0f, 0.0f};
  nn_landmarks_project(nn_output(m, li), NN_FACE_LANDMARKS, in.dims[2], in.dims[1], &roi,
                       img->w, img->h, pts);
  printf("{");
  for (int i = 0; i < nn_num_outputs(m); i++) {
    nn_tensor_info t;
    if (i != li && !nn_output_info(m, i, &t) && t.count == 1)
      printf("\"face_score\":%.5f,", 1.0 / (1.0 + exp(-nn_output(m, i)[0])));
  }
  printf("\"landmarks\":[");
  for (int i = 0; i < NN_FACE_LANDMARKS; i++)
    printf("%s[%.3f,%.3f,%.3f]", i ? "," : "", pts[3 * i], pts[3 * i + 1], pts[3 * i + 2]);
  printf("]}\n");
  return 0;
}

int nnr_decode(const nnr_args *a, const nn_model *m, const nn_image *img) {
  if (!strcmp(a->decode, "blazeface")) return decode_blazeface(m);
  if (!strcmp(a->decode, "landmarks")) return decode_landmarks(m, img);
  fprintf(stderr, "nn-run: unknown --decode %s (blazeface|landmarks)\n", a->decode);
  return -1;
}
