/* libFuzzer target for the RFC 7983 demultiplexer, the RTP / RTCP parsers, the header
 * rewriters and the simulcast payload readers (server/rtc/demux.c, rtp.c, rewrite.c, hdrmap.c,
 * layer.c). The input is one datagram, given to every parser whatever its class. Properties
 * beyond "no crash": every view lies inside the input, header + payload + padding add up to
 * the datagram, extension values lie inside the extension block, and RTCP walks cover the
 * compound exactly when it validates. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/demux.h"
#include "rtc/hdrmap.h"
#include "rtc/layer.h"
#include "rtc/rewrite.h"
#include "rtc/rtp.h"

static void inside(const uint8_t *p, size_t n, const uint8_t *q, size_t len) {
  if (len && (q < p || q + len > p + n)) abort();
}

static void fuzz_rtp(const uint8_t *d, size_t n) {
  rtp_view v;
  if (rtp_parse(d, n, &v) != 0) return;
  if (v.header_len + v.payload_len + v.padding_len != n) abort();
  inside(d, n, v.payload, v.payload_len);
  inside(d, n, v.ext, v.ext_len);
  for (int id = 0; id < 256; id++) {
    const uint8_t *val;
    size_t len;
    if (rtp_ext_find(&v, (uint8_t)id, &val, &len) == 1) inside(v.ext, v.ext_len, val, len);
  }
}

static void fuzz_rtcp(const uint8_t *d, size_t n) {
  int valid = rtcp_validate(d, n) == 0;
  rtcp_iter it;
  rtcp_view v;
  rtcp_iter_init(&it, d, n);
  int rc;
  size_t covered = 0;
  while ((rc = rtcp_next(&it, &v)) == 1) {
    inside(d, n, v.body, v.body_len);
    covered += v.total_len;
    rtcp_report r;
    if (rtcp_parse_report(&v, &r) == 0 && (r.n_blocks < 0 || r.n_blocks > 31)) abort();
    rtcp_fb fb;
    if (rtcp_parse_fb(&v, &fb) == 0 && (fb.n_items < 0 || fb.n_items > RTCP_FB_MAX_ITEMS)) abort();
  }
  if (valid && (rc != 0 || covered != n)) abort();
}

/* The rewriter keeps state across inputs (as it does across packets), switching source now
 * and then; it must never write outside the header or accept a non-RTP header. */
static void fuzz_rewrite(const uint8_t *d, size_t n) {
  static rtc_rewriter w;
  static uint64_t clock_ms;
  static int init;
  if (!init) rtc_rewrite_init(&w, 77, 90000), init = 1;
  uint8_t copy[2048];
  if (n > sizeof copy) return;
  memcpy(copy, d, n);
  if (n >= 12 && d[n - 1] == 0x42) rtc_rewrite_switch(&w, (uint32_t)d[8] << 24 | d[11]);
  int rc = rtc_rewrite_rtp(&w, copy, n, clock_ms += 20);
  if (rc == 0 && (n < 12 || d[0] >> 6 != 2)) abort();
  if (n > 12 && memcmp(copy + 12, d + 12, n - 12) != 0) abort();
}

/* Renumbering payload types and header extensions (hdrmap.c) through a map made from the
 * input's last bytes: a refused packet is left as it was; an accepted one still parses, is no
 * longer than before, and carries the same payload and padding. */
static void fuzz_hdrmap(const uint8_t *d, size_t n) {
  uint8_t copy[2048];
  if (n > sizeof copy || n < 2) return;
  memcpy(copy, d, n);
  rtc_hdrmap m;
  rtc_hdrmap_init(&m);
  uint8_t salt = d[n - 1], drop = d[n - 2];
  for (int pt = 0; pt < RTC_HDRMAP_MAX_PT; pt++)
    rtc_hdrmap_pt(&m, (uint8_t)(d[1] + pt), (uint8_t)(salt + pt));
  for (int id = 1; id < 256; id++)
    rtc_hdrmap_ext(&m, (uint8_t)id, (uint8_t)((id & drop) ? 0 : (id * 7 + salt) % 256));
  size_t len = n;
  int rc = rtc_hdrmap_apply(&m, copy, &len);
  if (rc != RTC_HDRMAP_OK) {
    if (len != n || memcmp(copy, d, n) != 0) abort();
    return;
  }
  rtp_view before, after;
  if (rtp_parse(d, n, &before) != 0 || rtp_parse(copy, len, &after) != 0) abort();
  if (len > n || after.payload_len != before.payload_len || after.padding_len != before.padding_len)
    abort();
  if (memcmp(after.payload, before.payload, before.payload_len + before.padding_len) != 0) abort();
  if (after.payload_type != (uint8_t)(salt + (before.payload_type - d[1])) % 128) abort();
}

/* Simulcast (layer.h): keyframe detection over the RTP payload and over the raw bytes (a VP8
 * keyframe's size fits 14 bits), and the layer choice over layer facts taken from the input:
 * always -1 or an active layer. */
static void fuzz_layer(const uint8_t *d, size_t n) {
  uint16_t w = 0xffff, h = 0xffff;
  if (rtc_vp8_keyframe(d, n, &w, &h) == 1 && (w > 0x3fff || h > 0x3fff)) abort();
  (void)rtc_h264_keyframe(d, n);
  rtp_view v;
  if (rtp_parse(d, n, &v) == 0) {
    (void)rtc_vp8_keyframe(v.payload, v.payload_len, NULL, NULL);
    (void)rtc_h264_keyframe(v.payload, v.payload_len);
  }
  if (n < 40) return;
  rtc_layer_info l[RTC_LAYERS_MAX];
  for (int i = 0; i < RTC_LAYERS_MAX; i++) {
    const uint8_t *b = d + 9 * i;
    l[i] = (rtc_layer_info){b[0] & 1, (uint16_t)(b[1] << 8 | b[2]), (uint16_t)(b[3] << 8 | b[4]),
                            (uint32_t)b[5] << 24 | (uint32_t)b[6] << 16 | b[7] << 8 | b[8]};
  }
  rtc_layer_want want = {d[36] & 1, (uint16_t)(d[37] << 8 | d[38]), (uint16_t)(d[39] << 8),
                         (uint32_t)d[38] << 16};
  int nl = 1 + d[36] % RTC_LAYERS_MAX;
  int k = rtc_layer_choose(l, nl, &want);
  if (k < -1 || k >= nl || (k >= 0 && !l[k].active)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rtc_pkt_class c = rtc_demux(data, size);
  if (c == RTC_PKT_RTP && (size < 12 || data[0] < 128 || data[0] > 191)) abort();
  fuzz_rtp(data, size);
  fuzz_rtcp(data, size);
  fuzz_rewrite(data, size);
  fuzz_hdrmap(data, size);
  fuzz_layer(data, size);
  return 0;
}
