/* Pixel-format conversions at the edges of the effects pipeline, for frames that do not
 * arrive as I420: NV12 camera frames (common on laptops) and RGBA pictures from a canvas (the
 * main-thread fallback where MediaStreamTrackProcessor is missing). Scalar C: they run only
 * on those paths. Buffers are packed (no padding); w and h are even, 2..FX_MAX_DIM.
 * Return 0 or FX_EINVAL (fx.h). */
#ifndef FX_CONVERT_H
#define FX_CONVERT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NV12 (Y plane, then interleaved UV at half resolution) → I420 (Y, U, V planes). */
int fx_nv12_to_i420(const uint8_t *nv12, int w, int h, uint8_t *i420);
/* RGBA8 → I420, limited range, matrix FX_MATRIX_BT601 or FX_MATRIX_BT709; chroma is the mean
 * of each 2×2 block. */
int fx_rgba_to_i420(const uint8_t *rgba, int w, int h, int matrix, uint8_t *i420);
/* I420 (limited range, matrix as above) → RGBA8 with alpha 255, chroma upsampled by
 * nearest neighbour. */
int fx_i420_to_rgba(const uint8_t *i420, int w, int h, int matrix, uint8_t *rgba);

#ifdef __cplusplus
}
#endif
#endif
