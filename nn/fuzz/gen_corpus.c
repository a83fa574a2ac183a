/* Writes the loader fuzzer's seed corpus: the tiny test models, some truncated and some
 * with a flipped byte. Usage: gen-corpus DIR (make nn-fuzz-corpus). */
#include <stdio.h>
#include <stdlib.h>

#include "tiny_models.h"

static void save(const char *dir, const char *name, const uint8_t *p, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n) {
    perror(path);
    exit(1);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: gen-corpus DIR\n"), 2;
  tm_model tm[6];
  const char *names[6] = {"conv", "conv-external", "chain", "tconv", "dw-concat", "softmax"};
  nnt_conv_model(&tm[0], 0);
  nnt_conv_model(&tm[1], 1);
  nnt_chain_model(&tm[2]);
  nnt_tconv_model(&tm[3]);
  nnt_dw_concat_model(&tm[4]);
  nnt_single_op_model(&tm[5], 25, NULL);
  for (int i = 0; i < 6; i++) {
    size_t n;
    uint8_t *p = nnt_build(&tm[i], &n);
    char name[64];
    snprintf(name, sizeof name, "%s.tflite", names[i]);
    save(argv[1], name, p, n);
    snprintf(name, sizeof name, "%s-truncated.tflite", names[i]);
    save(argv[1], name, p, n * 2 / 3);
    p[n / 3] ^= 0x40;
    snprintf(name, sizeof name, "%s-flipped.tflite", names[i]);
    save(argv[1], name, p, n);
    free(p);
  }
  return 0;
}
