/* Bounds-checked FlatBuffers reading: see fb.h. All multi-byte values are little-endian and
 * may be unaligned in a hostile file, so they are assembled byte by byte. */
#include "fb.h"

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

/* True when [pos, pos + len) lies inside the buffer. */
static int fits(const nn__fb *fb, size_t pos, size_t len) {
  return pos <= fb->n && len <= fb->n - pos;
}

int nn__fb_table_at(const nn__fb *fb, size_t pos, nn__fb_table *t) {
  t->fb = fb;
  if (!fits(fb, pos, 4)) return -1;
  int64_t vt = (int64_t)pos - (int32_t)rd32(fb->p + pos);
  if (vt < 0 || !fits(fb, (size_t)vt, 4)) return -1;
  unsigned vt_len = rd16(fb->p + vt), tab_len = rd16(fb->p + vt + 2);
  if (vt_len < 4 || (vt_len & 1) || !fits(fb, (size_t)vt, vt_len)) return -1;
  if (tab_len < 4 || !fits(fb, pos, tab_len)) return -1;
  t->pos = pos;
  t->vt = (size_t)vt;
  t->vt_len = vt_len;
  t->tab_len = tab_len;
  return 0;
}

int nn__fb_root(const nn__fb *fb, nn__fb_table *t) {
  if (!fits(fb, 0, 8)) return -1;
  return nn__fb_table_at(fb, rd32(fb->p), t);
}

/* Position of field `id` holding `size` bytes: 0 if absent, (size_t)-1 if out of bounds. */
static size_t field(const nn__fb_table *t, int id, size_t size) {
  if (id < 0 || 4 + 2 * (unsigned)id + 2 > t->vt_len) return 0;
  unsigned off = rd16(t->fb->p + t->vt + 4 + 2 * id);
  if (off == 0) return 0;
  if (off < 4 || off + size > t->tab_len) return (size_t)-1;
  return t->pos + off;
}

int nn__fb_u8(const nn__fb_table *t, int id, uint8_t def, uint8_t *out) {
  size_t f = field(t, id, 1);
  if (f == (size_t)-1) return -1;
  *out = f ? t->fb->p[f] : def;
  return 0;
}

int nn__fb_bool(const nn__fb_table *t, int id, int *out) {
  uint8_t v;
  if (nn__fb_u8(t, id, 0, &v)) return -1;
  *out = v != 0;
  return 0;
}

int nn__fb_i32(const nn__fb_table *t, int id, int32_t def, int32_t *out) {
  size_t f = field(t, id, 4);
  if (f == (size_t)-1) return -1;
  *out = f ? (int32_t)rd32(t->fb->p + f) : def;
  return 0;
}

int nn__fb_u64(const nn__fb_table *t, int id, uint64_t def, uint64_t *out) {
  size_t f = field(t, id, 8);
  if (f == (size_t)-1) return -1;
  *out = f ? (uint64_t)rd32(t->fb->p + f) | ((uint64_t)rd32(t->fb->p + f + 4) << 32) : def;
  return 0;
}

/* Follows the uoffset in field `id`: 1 absent, -1 bad, 0 with *target set. */
static int follow(const nn__fb_table *t, int id, size_t *target) {
  size_t f = field(t, id, 4);
  if (f == (size_t)-1) return -1;
  if (f == 0) return 1;
  uint32_t rel = rd32(t->fb->p + f);
  if (rel == 0 || !fits(t->fb, f, (size_t)rel)) return -1;
  *target = f + rel;
  return 0;
}

int nn__fb_sub_table(const nn__fb_table *t, int id, nn__fb_table *out) {
  size_t pos;
  int r = follow(t, id, &pos);
  if (r) return r;
  return nn__fb_table_at(t->fb, pos, out) ? -1 : 0;
}

int nn__fb_vector(const nn__fb_table *t, int id, size_t elem, nn__fb_vec *out) {
  size_t pos;
  out->fb = t->fb;
  out->len = 0;
  out->elem = elem;
  out->data = 0;
  int r = follow(t, id, &pos);
  if (r) return r;
  if (!fits(t->fb, pos, 4)) return -1;
  uint32_t len = rd32(t->fb->p + pos);
  /* len * elem cannot overflow size_t for elem <= 8 on 64-bit; check in a division form
   * so 32-bit (wasm) builds are safe too. */
  if (elem && len > (t->fb->n - pos - 4) / elem) return -1;
  out->data = pos + 4;
  out->len = len;
  return 0;
}

int nn__fb_string(const nn__fb_table *t, int id, const char **s, size_t *len) {
  nn__fb_vec v;
  int r = nn__fb_vector(t, id, 1, &v);
  if (r) return r;
  *s = (const char *)t->fb->p + v.data;
  *len = v.len;
  return 0;
}

int32_t nn__fb_vec_i32(const nn__fb_vec *v, uint32_t i) {
  return (int32_t)rd32(v->fb->p + v->data + (size_t)i * 4);
}

const uint8_t *nn__fb_vec_bytes(const nn__fb_vec *v) { return v->fb->p + v->data; }

int nn__fb_vec_table(const nn__fb_vec *v, uint32_t i, nn__fb_table *out) {
  if (i >= v->len || v->elem != 4) return -1;
  size_t f = v->data + (size_t)i * 4;
  uint32_t rel = rd32(v->fb->p + f);
  if (rel == 0 || !fits(v->fb, f, (size_t)rel)) return -1;
  return nn__fb_table_at(v->fb, f + rel, out);
}

int nn__fb_byte(const nn__fb_table *t, int id, int32_t def, int32_t *out) {
  uint8_t v;
  if (nn__fb_u8(t, id, (uint8_t)def, &v)) return -1;
  *out = (int8_t)v;
  return 0;
}
