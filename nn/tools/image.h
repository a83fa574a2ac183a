/* Image input for nn-run: PNG (libpng) or binary PPM/PGM, as 8-bit RGB. */
#ifndef NN_TOOLS_IMAGE_H
#define NN_TOOLS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_image {
  int w, h;
  uint8_t *rgb; /* h × w × 3, owned; free with free() */
} nn_image;

/* Loads PNG or P6/P5 PPM/PGM (maxval 255). Returns 0, or -1 with a message in err. */
int nn_image_load(const char *path, nn_image *img, char *err, size_t err_len);

/* Fills dst (dh × dw × 3 floats) from img: copied when sizes match, else bilinear resize
 * with half-pixel centres; each channel becomes lo + v / 255 * (hi - lo). */
void nn_image_to_tensor(const nn_image *img, float *dst, int dw, int dh, float lo, float hi);

#endif
