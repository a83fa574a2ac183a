/* PNG/PPM reading and conversion to the model's input tensor. */
#include "image.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIDE 16384

static int load_png(const char *path, nn_image *img, char *err, size_t err_len) {
  png_image pi;
  memset(&pi, 0, sizeof pi);
  pi.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&pi, path)) {
    snprintf(err, err_len, "%s: %s", path, pi.message);
    return -1;
  }
  if (pi.width > MAX_SIDE || pi.height > MAX_SIDE) {
    png_image_free(&pi);
    snprintf(err, err_len, "%s: image too large", path);
    return -1;
  }
  pi.format = PNG_FORMAT_RGB;
  img->w = (int)pi.width, img->h = (int)pi.height;
  img->rgb = malloc(PNG_IMAGE_SIZE(pi));
  if (!img->rgb || !png_image_finish_read(&pi, NULL, img->rgb, 0, NULL)) {
    snprintf(err, err_len, "%s: %s", path, img->rgb ? pi.message : "out of memory");
    png_image_free(&pi);
    free(img->rgb);
    img->rgb = NULL;
    return -1;
  }
  return 0;
}

/* Next header integer of a PNM file, skipping whitespace and # comments. */
static int pnm_int(FILE *f, int *v) {
  int c;
  do {
    c = fgetc(f);
    if (c == '#')
      while (c != '\n' && c != EOF) c = fgetc(f);
  } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
  if (c < '0' || c > '9') return -1;
  long x = 0;
  while (c >= '0' && c <= '9' && x <= MAX_SIDE) x = x * 10 + (c - '0'), c = fgetc(f);
  *v = (int)x;
  return x > MAX_SIDE ? -1 : 0;
}

static int load_pnm(FILE *f, const char *path, int channels, nn_image *img, char *err,
                    size_t err_len) {
  int w, h, maxval;
  if (pnm_int(f, &w) || pnm_int(f, &h) || pnm_int(f, &maxval) || w < 1 || h < 1 ||
      maxval != 255) {
    snprintf(err, err_len, "%s: unsupported PNM header (need 8-bit P5/P6)", path);
    return -1;
  }
  size_t n = (size_t)w * h;
  uint8_t *buf = malloc(n * 3);
  if (!buf || fread(buf, (size_t)channels, n, f) != n) {
    snprintf(err, err_len, "%s: %s", path, buf ? "truncated pixel data" : "out of memory");
    free(buf);
    return -1;
  }
  if (channels == 1) /* grey → RGB, back to front so it can expand in place */
    for (size_t i = n; i-- > 0;) buf[3 * i] = buf[3 * i + 1] = buf[3 * i + 2] = buf[i];
  img->w = w, img->h = h, img->rgb = buf;
  return 0;
}

int nn_image_load(const char *path, nn_image *img, char *err, size_t err_len) {
  FILE *f = fopen(path, "rb");
  uint8_t magic[8] = {0};
  img->rgb = NULL;
  if (!f) {
    snprintf(err, err_len, "%s: cannot open", path);
    return -1;
  }
  size_t got = fread(magic, 1, sizeof magic, f);
  int r;
  if (got >= 8 && png_sig_cmp(magic, 0, 8) == 0) {
    fclose(f);
    return load_png(path, img, err, err_len);
  }
  if (got >= 3 && magic[0] == 'P' && (magic[1] == '6' || magic[1] == '5')) {
    fseek(f, 2, SEEK_SET);
    r = load_pnm(f, path, magic[1] == '6' ? 3 : 1, img, err, err_len);
  } else {
    snprintf(err, err_len, "%s: not a PNG or binary PPM/PGM image", path);
    r = -1;
  }
  fclose(f);
  return r;
}

static float sample(const nn_image *img, float fx, float fy, int c) {
  if (fx < 0) fx = 0;
  if (fy < 0) fy = 0;
  int x0 = (int)fx, y0 = (int)fy;
  if (x0 > img->w - 1) x0 = img->w - 1;
  if (y0 > img->h - 1) y0 = img->h - 1;
  int x1 = x0 + 1 < img->w ? x0 + 1 : x0, y1 = y0 + 1 < img->h ? y0 + 1 : y0;
  float dx = fx - (float)x0, dy = fy - (float)y0;
  if (dx > 1) dx = 1;
  if (dy > 1) dy = 1;
  const uint8_t *p = img->rgb;
  float a = p[((size_t)y0 * img->w + x0) * 3 + c], b = p[((size_t)y0 * img->w + x1) * 3 + c];
  float e = p[((size_t)y1 * img->w + x0) * 3 + c], f = p[((size_t)y1 * img->w + x1) * 3 + c];
  return (a * (1 - dx) + b * dx) * (1 - dy) + (e * (1 - dx) + f * dx) * dy;
}

void nn_image_to_tensor(const nn_image *img, float *dst, int dw, int dh, float lo, float hi) {
  float scale = (hi - lo) / 255.0f;
  if (img->w == dw && img->h == dh) {
    for (size_t i = 0; i < (size_t)dw * dh * 3; i++) dst[i] = lo + img->rgb[i] * scale;
    return;
  }
  float sx = (float)img->w / (float)dw, sy = (float)img->h / (float)dh;
  for (int y = 0; y < dh; y++)
    for (int x = 0; x < dw; x++)
      for (int c = 0; c < 3; c++) {
        float v = sample(img, ((float)x + 0.5f) * sx - 0.5f, ((float)y + 0.5f) * sy - 0.5f, c);
        dst[((size_t)y * dw + x) * 3 + c] = lo + v * scale;
      }
}
