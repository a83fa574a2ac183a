/* Per-operator prepare (validate shapes, read options, pack weights; load time) and run
 * (one forward step; no allocation) functions, gathered by ops_table.c. */
#ifndef NN_OPS_H
#define NN_OPS_H

#include "internal.h"

#define NN__PREP(name) int nn__prep_##name(nn__load *L, nn__node *n)
#define NN__RUN(name) void nn__run_##name(const nn_model *m, const nn__node *n)
/* Output rows [y0, y1) of the node only (threads split them); scratch: this thread's. */
#define NN__ROWS(name)                                                                   \
  void nn__rows_##name(const nn_model *m, const nn__node *n, int y0, int y1, float *scratch)

NN__PREP(conv);
NN__PREP(dwconv);
NN__PREP(tconv);
NN__PREP(binary);
NN__PREP(unary);
NN__PREP(prelu);
NN__PREP(pool);
NN__PREP(mean);
NN__PREP(pad);
NN__PREP(resize);
NN__PREP(reshape);
NN__PREP(concat);
NN__PREP(dequantize);

NN__RUN(conv);
NN__RUN(dwconv);
NN__RUN(tconv);
NN__RUN(binary);
NN__RUN(unary);
NN__RUN(prelu);
NN__RUN(pool);
NN__RUN(mean);
NN__RUN(pad);
NN__RUN(resize);
NN__RUN(concat);

NN__ROWS(conv);
NN__ROWS(dwconv);

#endif
