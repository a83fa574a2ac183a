/* A bounds-checked FlatBuffers reader over untrusted bytes (p, n).
 *
 * Every accessor checks the offset it follows and the length it reads against n before
 * touching memory, and reports failure instead of trusting the file. Positions are plain
 * byte offsets from the start of the buffer; nothing here recurses, so a hostile file
 * cannot make the reader use stack in proportion to its nesting. */
#ifndef NN_FB_H
#define NN_FB_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn__fb {
  const uint8_t *p;
  size_t n;
} nn__fb;

/* A table: its position and its vtable (position and byte length). pos == 0 means absent. */
typedef struct nn__fb_table {
  const nn__fb *fb;
  size_t pos, vt;
  unsigned vt_len, tab_len;
} nn__fb_table;

/* A vector: position of the first element and element count (already checked to fit). */
typedef struct nn__fb_vec {
  const nn__fb *fb;
  size_t data;
  uint32_t len;
  size_t elem; /* element size in bytes */
} nn__fb_vec;

/* The root table (uoffset at byte 0). Returns 0 or -1. */
int nn__fb_root(const nn__fb *fb, nn__fb_table *t);
/* Table at `pos` (already the target of an offset). Returns 0 or -1. */
int nn__fb_table_at(const nn__fb *fb, size_t pos, nn__fb_table *t);

/* Scalars: the default when the field is absent; -1 from the *_ok variants when the field's
 * bytes would lie outside the buffer or the table. */
int nn__fb_u8(const nn__fb_table *t, int id, uint8_t def, uint8_t *out);
int nn__fb_i32(const nn__fb_table *t, int id, int32_t def, int32_t *out);
int nn__fb_u64(const nn__fb_table *t, int id, uint64_t def, uint64_t *out);
/* A byte-sized enum field (Padding, ActivationFunctionType), sign-extended. */
int nn__fb_byte(const nn__fb_table *t, int id, int32_t def, int32_t *out);
int nn__fb_bool(const nn__fb_table *t, int id, int *out);

/* Offsets: 0 when present and valid, 1 when absent, -1 when out of bounds. */
int nn__fb_sub_table(const nn__fb_table *t, int id, nn__fb_table *out);
int nn__fb_vector(const nn__fb_table *t, int id, size_t elem, nn__fb_vec *out);
/* A string: pointer and length (not necessarily NUL-terminated). */
int nn__fb_string(const nn__fb_table *t, int id, const char **s, size_t *len);

/* Elements of a checked vector. */
int32_t nn__fb_vec_i32(const nn__fb_vec *v, uint32_t i);
const uint8_t *nn__fb_vec_bytes(const nn__fb_vec *v);
/* Element i of a vector of tables. Returns 0 or -1. */
int nn__fb_vec_table(const nn__fb_vec *v, uint32_t i, nn__fb_table *out);

#endif
