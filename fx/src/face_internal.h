/* Internals of fx face (fx/include/fx_face.h): the tracker state and the effect buffers,
 * shared by face_track.c, face_input.c, face_touchup.c, face_light.c and face_overlay.c. */
#ifndef FX_FACE_INTERNAL_H
#define FX_FACE_INTERNAL_H

#include "fx_face.h"
#include "fx_internal.h"

typedef struct fx__track {
  fx_face_rect roi;                /* crop for the coming frame */
  float raw[FX_FACE_POINTS * 3];   /* this frame's projected mesh */
  float mesh[FX_FACE_POINTS * 3];  /* smoothed mesh, frame pixels */
  float draw[FX_FACE_POINTS * 3];  /* the mesh the effects draw with: mesh, or mesh moved on
                                      by fx_face_predict */
  float presence;                  /* probability, this frame */
  int got;                         /* landmarks arrived this frame */
  int smoothed;                    /* mesh holds a value */
  double t;                        /* time of the last smoothing, seconds */
  float vx, vy;                    /* filtered speed of the mesh centre, face sizes per second */
  float vr;                        /* filtered rotation speed, radians per second */
  float cx, cy;                    /* mesh centre at the last smoothing */
} fx__track;

struct fx_face {
  int w, h;
  fx_face_params p;
  fx__track *tr;   /* FX_FACE_MAX */
  int n;           /* tracks alive, tr[0..n) */
  int since_det;   /* frames since the last detection */
  int lost;        /* a face was lost since the last detection */
  int detecting;   /* this frame runs detection */
  int frame;       /* frames begun */
  fx_face_stats st;

  /* Touch-up buffers (allocated for the frame size). */
  uint8_t *skin;   /* w × h skin mask (zero outside the faces' boxes) */
  uint8_t *tmp8;   /* w × h */
  float *gf[5];    /* (w/2) × (h/2) each: guided-filter planes at half resolution */
  int skin_valid;  /* skin holds the last touch-up's mask */

  /* Low light. */
  int lgw, lgh;    /* 16-px cell grid */
  float *lg[3];    /* lgw × lgh each */
  uint8_t lut[64][256]; /* y → y^γ for 64 γ in [FX__GAMMA_MIN, 1] */
  int lut_range;   /* full_range the LUT was built for (−1 = none) */

  /* Filter picture: premultiplied Y, U, V and alpha per pixel. */
  uint8_t *spr;    /* sw × sh × 4 */
  int sw, sh;
  float su0, sv0, su1, sv1;

  void *mem;       /* the block of skin, tmp8, gf and lg */
};

#define FX__GAMMA_MIN 0.4f

/* Mesh point lists (the face_landmark model's topology). */
extern const int fx__oval[36];
extern const int fx__lips[20];
extern const int fx__eye_r[16], fx__eye_l[16];
extern const int fx__brow_r[10], fx__brow_l[10];
extern const int fx__nose[8];

/* Axis-aligned bounds of a mesh, clamped to the frame: [x0, x1) × [y0, y1); 0 if empty. */
int fx__mesh_box(const float *pts, int w, int h, float grow, int *x0, int *y0, int *x1, int *y1);

#endif
