/* IVF reader; see clip.h. */
#include "clip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int clip_load(const char *path, clip *c) {
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  uint8_t h[32];
  if (fread(h, 1, 32, f) != 32 || memcmp(h, "DKIF", 4) != 0 || memcmp(h + 8, "VP80", 4) != 0 ||
      (h[6] | h[7] << 8) < 32) {
    fclose(f);
    return -1;
  }
  c->width = h[12] | h[13] << 8;
  c->height = h[14] | h[15] << 8;
  if (fseek(f, h[6] | h[7] << 8, SEEK_SET) != 0) {
    fclose(f);
    return -1;
  }
  int cap = 0;
  for (;;) {
    uint8_t fh[12];
    if (fread(fh, 1, 12, f) != 12) break;
    uint32_t len = le32(fh);
    if (len == 0 || len > CLIP_MAX_FRAME || c->n >= CLIP_MAX_FRAMES) goto bad;
    if (c->n == cap) {
      cap = cap ? cap * 2 : 256;
      uint8_t **d = realloc(c->data, (size_t)cap * sizeof *d);
      if (d) c->data = d;
      size_t *l = realloc(c->len, (size_t)cap * sizeof *l);
      if (l) c->len = l;
      uint8_t *k = realloc(c->key, (size_t)cap);
      if (k) c->key = k;
      if (!d || !l || !k) goto bad;
    }
    uint8_t *buf = malloc(len);
    if (!buf) goto bad;
    if (fread(buf, 1, len, f) != len) {
      free(buf);
      goto bad;
    }
    c->data[c->n] = buf;
    c->len[c->n] = len;
    c->key[c->n] = (buf[0] & 1) == 0;
    c->bytes += len;
    c->n++;
  }
  fclose(f);
  if (c->n == 0 || !c->key[0]) {
    clip_free(c);
    return -1;
  }
  return 0;
bad:
  fclose(f);
  clip_free(c);
  return -1;
}

void clip_free(clip *c) {
  for (int i = 0; i < c->n; i++) free(c->data[i]);
  free(c->data);
  free(c->len);
  free(c->key);
  memset(c, 0, sizeof *c);
}
