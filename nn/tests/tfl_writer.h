/* A minimal TFLite flatbuffer writer for tests and the fuzz seed corpus: builds small
 * single-subgraph models (tensors with optional constant data, builtin or custom ops with
 * scalar options) in the same layout the TFLite converter produces. */
#ifndef NN_TESTS_TFL_WRITER_H
#define NN_TESTS_TFL_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define TM_MAX_TENSORS 64
#define TM_MAX_OPS 32

enum { TM_F32 = 0, TM_F16 = 1, TM_I32 = 2 };

/* A scalar option field: schema field id, byte size (1, 4 or 8) and value. */
typedef struct tm_opt {
  int id, size;
  int64_t v;
} tm_opt;

typedef struct tm_tensor {
  const char *name;
  int type, ndim;
  int dims[6];
  const void *data; /* constant bytes or NULL; copied into a buffer */
  size_t bytes;
  uint64_t ext_offset, ext_size; /* set by tm_build when ext is requested */
} tm_tensor;

typedef struct tm_op {
  int builtin;        /* BuiltinOperator; 32 = CUSTOM */
  const char *custom; /* custom_code for CUSTOM */
  int nin, in[16], nout, out[2];
  int opt_type; /* BuiltinOptions union type, 0 = none */
  int nopt;
  tm_opt opt[8];
  const uint8_t *copts; /* custom_options bytes */
  size_t copts_len;
} tm_op;

typedef struct tm_model {
  int nt, nop, nin, nout;
  tm_tensor t[TM_MAX_TENSORS];
  tm_op op[TM_MAX_OPS];
  int in[4], out[4];
  int external_buffers; /* store constant data after the flatbuffer (offset/size) */
} tm_model;

/* Adds a tensor; returns its index. */
int tm_tensor_add(tm_model *m, const char *name, int type, int ndim, const int *dims,
                  const void *data, size_t bytes);
/* Adds an op with inputs/output; returns it so options can be appended. */
tm_op *tm_op_add(tm_model *m, int builtin, int nin, const int *in, int out);
void tm_op_opt(tm_op *op, int opt_type, int id, int size, int64_t v);

/* Serialises; returns a malloc'd buffer (caller frees) and its length. */
uint8_t *tm_build(const tm_model *m, size_t *len);

/* IEEE float → half (round to nearest even; no subnormal inputs needed here). */
uint16_t tm_half(float f);

#endif
