/* RTP / RTCP header parsing with bounds (see rtp.h). */
#include "rtc/rtp.h"
#include "rtc/be.h"

#include <string.h>


int rtp_parse(const uint8_t *p, size_t n, rtp_view *out) {
  if (!p || n < RTP_HEADER_MIN) return RTP_ESHORT;
  if (p[0] >> 6 != 2) return RTP_EVERSION;
  rtp_view v;
  memset(&v, 0, sizeof v);
  int has_pad = p[0] & 0x20, has_ext = p[0] & 0x10;
  v.csrc_count = p[0] & 0x0F;
  v.marker = p[1] >> 7;
  v.payload_type = p[1] & 0x7F;
  v.seq = rd16(p + 2);
  v.timestamp = rd32(p + 4);
  v.ssrc = rd32(p + 8);
  size_t off = RTP_HEADER_MIN + 4u * v.csrc_count;
  if (off > n) return RTP_ESHORT;
  if (has_ext) {
    if (n - off < 4) return RTP_EEXT;
    v.ext_profile = rd16(p + off);
    size_t words = rd16(p + off + 2);
    if (words * 4 > n - off - 4) return RTP_EEXT;
    v.ext = p + off + 4;
    v.ext_len = words * 4;
    off += 4 + words * 4;
  }
  size_t end = n;
  if (has_pad) {
    uint8_t pad = p[n - 1];
    if (pad == 0 || pad > n - off) return RTP_EPADDING;
    v.padding_len = pad;
    end = n - pad;
  }
  v.header_len = off;
  v.payload = p + off;
  v.payload_len = end - off;
  *out = v;
  return 0;
}

int rtp_ext_find(const rtp_view *v, uint8_t id, const uint8_t **val, size_t *len) {
  if (!v->ext || id == 0) return 0;
  int one_byte = v->ext_profile == 0xBEDE;
  int two_byte = (v->ext_profile & 0xFFF0) == 0x1000;
  if (!one_byte && !two_byte) return 0;
  if (one_byte && id > 14) return 0;
  const uint8_t *e = v->ext;
  size_t n = v->ext_len, i = 0;
  while (i < n) {
    if (e[i] == 0) { /* padding between elements */
      i++;
      continue;
    }
    uint8_t eid;
    size_t elen;
    if (one_byte) {
      eid = e[i] >> 4;
      elen = (size_t)(e[i] & 0x0F) + 1;
      if (eid == 15) return 0; /* reserved: stop processing (RFC 8285 §4.2) */
      i += 1;
    } else {
      if (n - i < 2) return RTP_EEXT;
      eid = e[i];
      elen = e[i + 1];
      i += 2;
    }
    if (elen > n - i) return RTP_EEXT;
    if (eid == id) {
      *val = e + i;
      *len = elen;
      return 1;
    }
    i += elen;
  }
  return 0;
}

void rtcp_iter_init(rtcp_iter *it, const uint8_t *p, size_t n) {
  it->p = p;
  it->n = p ? n : 0;
  it->off = 0;
}

int rtcp_next(rtcp_iter *it, rtcp_view *v) {
  if (it->off >= it->n) return 0;
  size_t left = it->n - it->off;
  const uint8_t *p = it->p + it->off;
  if (left < 4) return RTP_ESHORT;
  if (p[0] >> 6 != 2) return RTP_EVERSION;
  if (p[1] < 192 || p[1] > 223) return RTP_ETYPE;
  size_t total = ((size_t)rd16(p + 2) + 1) * 4;
  if (total > left) return RTP_ELENGTH;
  memset(v, 0, sizeof *v);
  v->count = p[0] & 0x1F;
  v->type = p[1];
  v->padding = (p[0] & 0x20) != 0;
  v->body = p + 4;
  v->body_len = total - 4;
  v->total_len = total;
  if (v->padding) {
    uint8_t pad = p[total - 1];
    if (pad == 0 || pad > v->body_len) return RTP_EPADDING;
    v->body_len -= pad;
  }
  it->off += total;
  return 1;
}

int rtcp_validate(const uint8_t *p, size_t n) {
  rtcp_iter it;
  rtcp_view v;
  rtcp_iter_init(&it, p, n);
  int rc, count = 0;
  while ((rc = rtcp_next(&it, &v)) == 1) {
    if (v.padding && it.off != it.n) return RTP_EPADDING; /* padding only on the last */
    count++;
  }
  return rc < 0 ? rc : count ? 0 : RTP_ESHORT;
}

static void read_block(const uint8_t *b, rtcp_report_block *o) {
  o->ssrc = rd32(b);
  o->fraction_lost = b[4];
  uint32_t lost = (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
  o->cumulative_lost = lost & 0x800000 ? (int32_t)(lost | 0xFF000000u) : (int32_t)lost;
  o->highest_seq = rd32(b + 8);
  o->jitter = rd32(b + 12);
  o->lsr = rd32(b + 16);
  o->dlsr = rd32(b + 20);
}

int rtcp_parse_report(const rtcp_view *v, rtcp_report *r) {
  memset(r, 0, sizeof *r);
  if (v->type != RTCP_SR && v->type != RTCP_RR) return RTP_ETYPE;
  size_t off = 4, need = 4;
  r->is_sr = v->type == RTCP_SR;
  if (r->is_sr) need += 20;
  if (v->body_len < need) return RTP_ESHORT;
  r->sender_ssrc = rd32(v->body);
  if (r->is_sr) {
    r->ntp = (uint64_t)rd32(v->body + 4) << 32 | rd32(v->body + 8);
    r->rtp_ts = rd32(v->body + 12);
    r->packets = rd32(v->body + 16);
    r->octets = rd32(v->body + 20);
    off = 24;
  }
  if ((size_t)v->count * 24 > v->body_len - off) return RTP_ELENGTH;
  r->n_blocks = v->count;
  for (int i = 0; i < v->count; i++) read_block(v->body + off + 24 * (size_t)i, &r->blocks[i]);
  return 0;
}

int rtcp_parse_fb(const rtcp_view *v, rtcp_fb *fb) {
  memset(fb, 0, sizeof *fb);
  if (v->type != RTCP_RTPFB && v->type != RTCP_PSFB) return RTP_ETYPE;
  if (v->body_len < 8) return RTP_ESHORT;
  fb->sender_ssrc = rd32(v->body);
  fb->media_ssrc = rd32(v->body + 4);
  const uint8_t *fci = v->body + 8;
  size_t fci_len = v->body_len - 8;
  fb->kind = RTCP_FB_OTHER;
  if (v->type == RTCP_RTPFB && v->count == 1) { /* generic NACK: (PID, BLP) items */
    fb->kind = RTCP_FB_NACK;
    if (fci_len == 0 || fci_len % 4) return RTP_ELENGTH;
    for (size_t i = 0; i < fci_len / 4; i++) {
      if (fb->n_items == RTCP_FB_MAX_ITEMS) {
        fb->truncated = 1;
        break;
      }
      fb->items[fb->n_items].a = rd16(fci + 4 * i);
      fb->items[fb->n_items].b = rd16(fci + 4 * i + 2);
      fb->n_items++;
    }
  } else if (v->type == RTCP_PSFB && v->count == 1) { /* PLI: no FCI */
    fb->kind = RTCP_FB_PLI;
  } else if (v->type == RTCP_PSFB && v->count == 4) { /* FIR: (SSRC, seq nr, reserved) */
    fb->kind = RTCP_FB_FIR;
    if (fci_len == 0 || fci_len % 8) return RTP_ELENGTH;
    for (size_t i = 0; i < fci_len / 8; i++) {
      if (fb->n_items == RTCP_FB_MAX_ITEMS) {
        fb->truncated = 1;
        break;
      }
      fb->items[fb->n_items].a = rd32(fci + 8 * i);
      fb->items[fb->n_items].b = fci[8 * i + 4];
      fb->n_items++;
    }
  }
  return 0;
}
