/* Payload-type and header-extension renumbering of forwarded RTP (see hdrmap.h). */
#include <string.h>

#include "rtc/hdrmap.h"
#include "rtc/rtp.h"

void rtc_hdrmap_init(rtc_hdrmap *m) {
  memset(m, 0, sizeof *m);
  m->active = 1;
}

int rtc_hdrmap_pt(rtc_hdrmap *m, uint8_t in, uint8_t out) {
  for (int i = 0; i < m->n_pt; i++)
    if (m->pt_in[i] == (in & 0x7F)) {
      m->pt_out[i] = out & 0x7F;
      return 0;
    }
  if (m->n_pt == RTC_HDRMAP_MAX_PT) return -1;
  m->pt_in[m->n_pt] = in & 0x7F;
  m->pt_out[m->n_pt++] = out & 0x7F;
  return 0;
}

void rtc_hdrmap_ext(rtc_hdrmap *m, uint8_t in, uint8_t out) {
  if (in) m->ext[in] = out;
}

/* Rewrites the elements of an extension block in place (the output is never longer than the
 * input: elements are only renumbered or dropped, and the form is kept). Returns the number
 * of bytes of elements written, or -1 when the block is malformed. With write = 0 it only
 * checks and counts, so that a malformed block is refused before anything changes. */
static long rewrite_elements(const rtc_hdrmap *m, uint8_t *e, size_t len, int one_byte, int write) {
  size_t in = 0, out = 0;
  while (in < len) {
    uint8_t b = e[in];
    if (b == 0) { /* padding between elements, in both forms */
      in++;
      continue;
    }
    uint8_t id;
    size_t hdr, vlen;
    if (one_byte) {
      id = b >> 4;
      if (id == 15) break; /* RFC 8285: stop reading the block */
      hdr = 1;
      vlen = (size_t)(b & 0x0F) + 1;
    } else {
      if (len - in < 2) return -1;
      id = b;
      hdr = 2;
      vlen = e[in + 1];
    }
    if (len - in - hdr < vlen) return -1;
    uint8_t to = m->ext[id];
    int keep = to && (!one_byte || to <= 14); /* a one-byte block carries ids 1..14 only */
    if (keep && write) {
      memmove(e + out + hdr, e + in + hdr, vlen);
      if (one_byte) {
        e[out] = (uint8_t)(to << 4 | (vlen - 1));
      } else {
        e[out] = to;
        e[out + 1] = (uint8_t)vlen;
      }
    }
    if (keep) out += hdr + vlen;
    in += hdr + vlen;
  }
  return (long)out;
}

int rtc_hdrmap_apply(const rtc_hdrmap *m, uint8_t *p, size_t *n) {
  rtp_view v;
  if (rtp_parse(p, *n, &v) != 0) return RTC_HDRMAP_EPARSE;
  if (!m->active) return RTC_HDRMAP_OK;
  int k = 0;
  while (k < m->n_pt && m->pt_in[k] != v.payload_type) k++;
  if (k == m->n_pt) return RTC_HDRMAP_EPT;
  if (!v.ext) {
    p[1] = (uint8_t)((p[1] & 0x80) | m->pt_out[k]);
    return RTC_HDRMAP_OK;
  }
  size_t block = (size_t)(v.ext - p) - 4; /* the extension's 4-byte header */
  int one_byte = v.ext_profile == 0xBEDE;
  int two_byte = (v.ext_profile & 0xFFF0) == 0x1000;
  long kept = 0;
  if (one_byte || two_byte) {
    if (rewrite_elements(m, p + block + 4, v.ext_len, one_byte, 0) < 0) return RTC_HDRMAP_EPARSE;
    kept = rewrite_elements(m, p + block + 4, v.ext_len, one_byte, 1);
  }
  p[1] = (uint8_t)((p[1] & 0x80) | m->pt_out[k]);
  size_t tail = *n - v.header_len; /* payload and padding */
  size_t new_ext;
  if (kept == 0) { /* nothing left (or a profile nobody negotiated): no extension at all */
    p[0] &= (uint8_t)~0x10;
    new_ext = 0;
  } else {
    size_t words = ((size_t)kept + 3) / 4;
    memset(p + block + 4 + kept, 0, words * 4 - (size_t)kept);
    p[block + 2] = (uint8_t)(words >> 8);
    p[block + 3] = (uint8_t)words;
    new_ext = 4 + words * 4;
  }
  memmove(p + block + new_ext, p + v.header_len, tail);
  *n = block + new_ext + tail;
  return RTC_HDRMAP_OK;
}
