/* Post-processing for MediaPipe's face models, in C so the native CLI and the WebAssembly
 * build decode identically.
 *
 * BlazeFace short range: 128×128 input, SSD anchors on strides 8,16,16,16 (896 anchors),
 * outputs regressors [896][16] (box dx, dy, w, h then 6 keypoints x, y; in input pixels
 * relative to the anchor) and classificators [896] (logits). Face landmark: output 0 holds
 * 468 × (x, y, z) in input pixels (192×192). */
#ifndef NN_POST_H
#define NN_POST_H

#ifdef __cplusplus
extern "C" {
#endif

#define NN_BLAZEFACE_ANCHORS 896
#define NN_BLAZEFACE_KEYPOINTS 6
#define NN_FACE_LANDMARKS 468

/* One detection, coordinates normalised to the model input ([0,1] over width/height). */
typedef struct nn_face {
  float score; /* sigmoid of the logit */
  float xmin, ymin, w, h;
  float kp[NN_BLAZEFACE_KEYPOINTS][2]; /* right eye, left eye, nose, mouth, right ear, left ear */
} nn_face;

/* Anchor centres (x, y pairs, normalised) of the short-range model; returns the count
 * (896), or -1 if max < 896. */
int nn_blazeface_anchors(float *xy, int max);

/* Decodes boxes and keypoints, keeps those with score >= min_score, merges overlapping ones
 * by MediaPipe's weighted non-maximum suppression (IoU > iou). Writes at most max faces,
 * best first; returns the count. Needs no allocation (the work area is on the stack). */
int nn_blazeface_decode(const float *regressors, const float *logits, float min_score,
                        float iou, nn_face *out, int max);

/* A region of the image the landmark model saw: centre, size (normalised to the image) and
 * rotation (radians, clockwise as MediaPipe's NormalizedRect). */
typedef struct nn_rect {
  float xc, yc, w, h, rotation;
} nn_rect;

/* Maps raw landmarks (n × 3, in pixels of an in_w × in_h input) through the crop rect to
 * image pixels (img_w × img_h); z is scaled like x. out holds n × 3 floats. */
void nn_landmarks_project(const float *raw, int n, int in_w, int in_h, const nn_rect *roi,
                          int img_w, int img_h, float *out);

#ifdef __cplusplus
}
#endif
#endif
