/* Engine internals shared by the loader, the planner and the operators. Not installed. */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fb.h"
#include "kernels/kernels.h"
#include "nn.h"

/* Resource limits: a file within them loads in bounded memory and time. */
#define NN__MAX_IN 16                    /* inputs of one node (CONCATENATION) */
#define NN__MAX_TENSORS 100000
#define NN__MAX_NODES 50000
#define NN__MAX_ELEMS ((size_t)1 << 26)  /* floats in one tensor (256 MiB) */
#define NN__MAX_ARENA ((size_t)1 << 30)  /* bytes of activations */
#define NN__MAX_WEIGHTS ((size_t)1 << 30) /* bytes of constants and packed weights */
#define NN__ALIGN 64                     /* arena offsets, bytes */
/* Input slot of a CONV_2D / DEPTHWISE_CONV_2D node holding a residual ADD's other operand
 * once fused. */
#define NN__CONV_RES 3
/* Input slot of a CONV_2D node holding a fused PRELU's per-channel alpha [oc] (slot 3 is
 * then the residual or -1). */
#define NN__CONV_ALPHA 4
/* p[] slot of a CONV_2D / DEPTHWISE_CONV_2D node: 1 when a HARD_SWISH is fused into it. */
#define NN__P_HSWISH 15

/* TFLite TensorType values we read. */
enum { NN__T_F32 = 0, NN__T_F16 = 1, NN__T_I32 = 2 };

/* Operators the engine runs; the table in ops_table.c is indexed by these. */
enum nn__kind {
  NN__OP_CONV, NN__OP_DWCONV, NN__OP_TCONV, NN__OP_ADD, NN__OP_MUL, NN__OP_RELU,
  NN__OP_RELU6, NN__OP_RELU_N1_1, NN__OP_HSWISH, NN__OP_LOGISTIC, NN__OP_TANH,
  NN__OP_PRELU, NN__OP_AVGPOOL, NN__OP_MAXPOOL, NN__OP_MEAN, NN__OP_PAD, NN__OP_RESIZE,
  NN__OP_RESHAPE, NN__OP_CONCAT, NN__OP_DEQUANTIZE, NN__OP_COUNT
};

typedef struct nn__tensor {
  char *name; /* owned */
  int type;   /* TFLite TensorType */
  int ndim;
  int dims[NN_MAX_DIMS];
  size_t count;
  const uint8_t *raw; /* constant bytes inside the loaded file (valid during load only) */
  size_t raw_len;
  float *cdata;       /* float constant, owned (dequantized / copied), or NULL */
  int producer;       /* node index, or -1 */
  int consumers;      /* input slots of nodes reading it (counted once, at load) */
  int is_input, is_output;
  int alias;          /* tensor whose storage this one shares (RESHAPE), or -1 */
  int first, last;    /* live range in execution steps, -1 when never stored */
  size_t off;         /* arena byte offset */
  float *ptr;         /* resolved storage: arena or cdata */
  int run_const;      /* cdata read at run time (not only packed at load) */
} nn__tensor;

typedef struct nn__node {
  int kind;
  int code; /* TFLite builtin code, for messages */
  int nin;
  int in[NN__MAX_IN];
  int out;
  int dead; /* folded or fused away */
  float act_min, act_max;
  float res_min, res_max; /* DEPTHWISE_CONV_2D: a fused residual ADD's activation */
  nn_conv_desc cd; /* convolutions and pools; geometry for other ops */
  float *packed;   /* owned */
  size_t scratch;  /* floats */
  uint64_t macs;
  uint64_t work;   /* extra inner-loop iterations beyond macs (pool windows) */
  int p[16];       /* op-specific integers, documented per op */
  /* Load-time only: the operator's options. */
  nn__fb_table opt;
  int has_opt, opt_type; /* BuiltinOptions union type */
  const uint8_t *custom;
  size_t custom_len;
  /* Resolved at the end of load. */
  const float *x[NN__MAX_IN];
  float *y;
} nn__node;

struct nn_model {
  const nn_kernels *k;
  int ntensors, nnodes;
  nn__tensor *t;
  nn__node *nodes;
  int *order; /* execution order of live nodes */
  int norder;
  int nin, nout;
  int *inputs, *outputs;
  uint8_t *arena; /* owned, NN__ALIGN-aligned view of arena_mem */
  void *arena_mem;
  size_t arena_bytes;
  float *scratch;
  size_t scratch_floats;
  size_t weight_bytes;
  uint64_t macs;
  uint64_t work; /* rough inner-loop iterations of one run (macs + outputs + windows) */
  nn_pool *pool;   /* not owned; NULL = one thread */
  float *tscratch; /* owned: scratch_floats for each helper thread of the pool */
  void *tscratch_mem;
};

/* Load context: where errors go, and the file (operator options point into it). */
typedef struct nn__load {
  nn_model *m;
  char *err;
  size_t err_len;
  nn__fb fb;
} nn__load;

/* Formats the error message and returns code. */
int nn__fail(nn__load *L, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* tflite.c: parse the flatbuffer into m->t / m->nodes / inputs / outputs. */
int nn__parse_tflite(nn__load *L, const uint8_t *data, size_t n);
float nn__half_to_float(uint16_t h);
/* The float values of a constant tensor (dequantizing fp16), materialised once. */
int nn__const_f32(nn__load *L, nn__tensor *t, const float **out);
/* The int32 values of a constant int32 tensor, into out[max]. Returns count or error. */
int nn__const_i32(nn__load *L, const nn__tensor *t, int32_t *out, int max);

/* plan.c */
int nn__plan_order(nn__load *L);
void nn__plan_fuse(nn_model *m);
int nn__plan_memory(nn__load *L);
/* plan_rewrite.c: cheaper equivalent graphs (after prepare, before fusion). */
int nn__plan_rewrite(nn__load *L);

/* ops_table.c */
typedef struct nn__op {
  const char *name;
  int opt_type; /* BuiltinOptions type the options table must have (0: not read) */
  int (*prepare)(nn__load *L, nn__node *n);
  void (*run)(const nn_model *m, const nn__node *n);
  /* Output rows [y0, y1) only, with this thread's scratch; NULL: runs on one thread. */
  void (*rows)(const nn_model *m, const nn__node *n, int y0, int y1, float *scratch);
} nn__op;
extern const nn__op nn__ops[NN__OP_COUNT];
/* Maps a TFLite builtin code (or custom name) to a kind; -1 when unsupported. */
int nn__kind_of(int builtin, const char *custom, size_t custom_len);
const char *nn__builtin_name(int builtin);

/* Shared helpers for operator preparation (ops_util.c). */
int nn__check_shape(nn__load *L, const nn__node *n, const nn__tensor *t, int ndim,
                    const int *dims);
int nn__fused_act(nn__load *L, const nn__node *n, int act, float *lo, float *hi);
/* TFLite SAME/VALID output size and leading padding for one spatial dimension. */
int nn__out_size(int padding, int in, int k, int stride, int dil, int *out, int *pad);
/* Activation input of node n (non-constant, float32). */
int nn__act_input(nn__load *L, const nn__node *n, int i, nn__tensor **t);

/* pool.c: runs fn(ctx, t, c, n) for chunks c = 0..n-1 (n ≤ 65535) on the pool's active
 * threads (t = the thread running it, 0 = the caller) and returns when all are done.
 * p NULL: every chunk on the caller. */
typedef void (*nn__pool_fn)(void *ctx, int t, int c, int n);
void nn__pool_run(nn_pool *p, nn__pool_fn fn, void *ctx, int n);
void nn__pool_park(nn_pool *p); /* after a run: helpers sleep instead of spinning */
/* Convolutions with fewer multiply-adds than this run on one thread (a job's hand-off
 * costs about a microsecond). */
#define NN__PAR_MIN_MACS 65536
/* Chunks of output rows per thread: enough that a thread the OS delays leaves little for
 * the others to wait on, few enough that claiming them costs nothing. */
#define NN__CHUNKS_PER_THREAD 4

/* Portable reference implementations of the non-kernel operators (ops_ref.c). */
void nn__ref_pool_avg(const nn_conv_desc *d, const float *in, float *out);
void nn__ref_pool_max(const nn_conv_desc *d, const float *in, float *out);
void nn__ref_mean_hw(const float *in, float *out, int h, int w, int c);
/* MEAN over H and W of in + in2 (a fused same-shape ADD), each sum rounded as stored;
 * in2 NULL: of in alone. */
void nn__ref_mean_hw_sum(const float *in, const float *in2, float *out, int h, int w, int c);
/* A pool whose one window is the whole image (squeeze-and-excite's global pooling). */
int nn__pool_is_global(const nn_conv_desc *d);
/* Input slot of a MEAN / global AVERAGE_POOL_2D node holding a fused ADD's second operand. */
#define NN__MEAN_ADDEND 2
void nn__ref_pad4(const float *in, float *out, const int *in_dims, const int *pads);
void nn__ref_resize_bilinear(const float *in, float *out, int ih, int iw, int oh, int ow,
                             int c, int align_corners, int half_pixel);
/* Fast path: per-column (x0, x1, dx) table computed once at load; separable (rows, then
 * columns), equal to the definition up to float rounding. row: iw·c floats of scratch. */
void nn__ref_resize_table(float *tab, int iw, int ow, int align, int half);
void nn__ref_resize_fast(const float *in, float *out, int ih, int iw, int oh, int ow, int c,
                         int align, int half, const float *tab, float *row);
void nn__ref_concat(const float *const *in, const size_t *chunk, int nin, size_t outer,
                    float *out);
void nn__ref_tanh(const float *in, float *out, size_t n);

#endif
