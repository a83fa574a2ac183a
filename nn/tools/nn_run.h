/* nn-run internals shared between its files. */
#ifndef NN_TOOLS_NN_RUN_H
#define NN_TOOLS_NN_RUN_H

#include "image.h"
#include "nn.h"

typedef struct nnr_args {
  const char *model, *input, *output, *kernels, *decode;
  int raw, bench, range_auto, profile;
  int threads; /* 0/1: one thread; N: a pool of N (bit-identical results) */
  float lo, hi; /* input value range */
} nnr_args;

double nnr_now_ms(void);
int nnr_fill_input(nnr_args *a, nn_model *m, const nn_image *img);
int nnr_infer(const nnr_args *a, nn_model *m);
int nnr_write_outputs(const nnr_args *a, const nn_model *m);
/* Times `runs` traced runs and prints milliseconds per operator kind. */
void nnr_profile(nn_model *m, int runs);
int nnr_decode(const nnr_args *a, const nn_model *m, const nn_image *img);

#endif
