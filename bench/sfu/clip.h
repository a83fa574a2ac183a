/* clip: VP8 frames from an IVF file (the container ffmpeg writes for -c:v libvpx), loaded once
 * and replayed by every publisher. The file is checked like any untrusted input: the 32-byte
 * header, every 12-byte frame header and every frame length against what is left. */
#ifndef BZ_BENCH_CLIP_H
#define BZ_BENCH_CLIP_H

#include <stddef.h>
#include <stdint.h>

#define CLIP_MAX_FRAMES 100000
#define CLIP_MAX_FRAME (1 << 20) /* bytes */

typedef struct clip {
  int n;          /* frames */
  int width, height;
  uint8_t **data; /* n frames, each len[i] bytes */
  size_t *len;
  uint8_t *key;   /* 1 = keyframe (VP8 frame tag bit 0 clear) */
  size_t bytes;   /* sum of len */
} clip;

/* 0 or -1 (unreadable, not VP8 IVF, truncated, no keyframe first). */
int clip_load(const char *path, clip *c);
void clip_free(clip *c);

#endif
