/* RFC 7983 demultiplexing, RTP headers and extensions, RTCP compounds and feedback. */
#include <string.h>

#include "rtc/demux.h"
#include "rtc/rtp.h"
#include "tests.h"

static void test_demux(void **state) {
  (void)state;
  uint8_t p[64] = {0};
  /* STUN needs the magic cookie too. */
  p[4] = 0x21, p[5] = 0x12, p[6] = 0xA4, p[7] = 0x42;
  assert_int_equal(rtc_demux(p, 20), RTC_PKT_STUN);
  p[4] = 0;
  assert_int_equal(rtc_demux(p, 20), RTC_PKT_UNKNOWN);
  p[0] = 22; /* DTLS handshake record */
  assert_int_equal(rtc_demux(p, 13), RTC_PKT_DTLS);
  assert_int_equal(rtc_demux(p, 12), RTC_PKT_UNKNOWN);
  p[0] = 0x80, p[1] = 96;
  assert_int_equal(rtc_demux(p, 12), RTC_PKT_RTP);
  p[1] = 96 | 0x80; /* marker bit */
  assert_int_equal(rtc_demux(p, 12), RTC_PKT_RTP);
  p[1] = 200;
  assert_int_equal(rtc_demux(p, 8), RTC_PKT_RTCP);
  p[1] = 206;
  assert_int_equal(rtc_demux(p, 12), RTC_PKT_RTCP);
  p[1] = 96;
  assert_int_equal(rtc_demux(p, 11), RTC_PKT_UNKNOWN);
  for (int b = 0; b < 256; b++) {
    p[0] = (uint8_t)b;
    rtc_pkt_class c = rtc_demux(p, 64);
    if (b >= 4 && b <= 19) assert_int_equal(c, RTC_PKT_UNKNOWN);   /* ZRTP and reserved */
    if (b >= 64 && b <= 127) assert_int_equal(c, RTC_PKT_UNKNOWN); /* TURN channels, QUIC */
    if (b >= 192) assert_int_equal(c, RTC_PKT_UNKNOWN);
  }
  assert_int_equal(rtc_demux(NULL, 0), RTC_PKT_UNKNOWN);
  assert_string_equal(rtc_pkt_class_name(RTC_PKT_RTCP), "rtcp");
}

static void test_rtp_basic(void **state) {
  (void)state;
  /* V=2, X=1, CC=1, M=1 PT=111, seq 0x1234, ts, ssrc, one CSRC, a one-byte extension block
   * with id 1 (len 1: "a") and id 3 (len 3: audio level + padding), then payload. */
  uint8_t p[] = {
      0x91, 0x80 | 111, 0x12, 0x34, 0,    0,   0x10, 0, 0xca, 0xfe, 0xba, 0xbe,
      0xde, 0xad,       0xbe, 0xef,                                          /* CSRC */
      0xBE, 0xDE,       0x00, 0x02, 0x10, 'a', 0x32, 1, 2,    3,    0,    0, /* ext, 2 words */
      'p',  'a',        'y'};
  rtp_view v;
  assert_int_equal(rtp_parse(p, sizeof p, &v), 0);
  assert_int_equal(v.marker, 1);
  assert_int_equal(v.payload_type, 111);
  assert_int_equal(v.seq, 0x1234);
  assert_int_equal(v.timestamp, 0x1000);
  assert_int_equal(v.ssrc, 0xcafebabe);
  assert_int_equal(v.csrc_count, 1);
  assert_int_equal(v.ext_profile, 0xBEDE);
  assert_int_equal(v.ext_len, 8);
  assert_int_equal(v.header_len, 28);
  assert_int_equal(v.payload_len, 3);
  assert_memory_equal(v.payload, "pay", 3);
  const uint8_t *val;
  size_t len;
  assert_int_equal(rtp_ext_find(&v, 1, &val, &len), 1);
  assert_int_equal(len, 1);
  assert_int_equal(val[0], 'a');
  assert_int_equal(rtp_ext_find(&v, 3, &val, &len), 1);
  assert_int_equal(len, 3);
  assert_int_equal(val[0], 1);
  assert_int_equal(rtp_ext_find(&v, 2, &val, &len), 0);
  assert_int_equal(rtp_ext_find(&v, 15, &val, &len), 0);
}

static void test_rtp_two_byte_and_padding(void **state) {
  (void)state;
  uint8_t p[] = {0xB0, 96,  0,    1,    0,    0,    0,  1, 0,   0,
                 0,    2,   0x10, 0x00, 0x00, 0x01, 20, 2, 'h', 'i', /* two-byte: id 20 len 2 */
                 'x',  'y', 0,    0,    3}; /* payload "xy", 3 bytes padding */
  rtp_view v;
  assert_int_equal(rtp_parse(p, sizeof p, &v), 0);
  assert_int_equal(v.padding_len, 3);
  assert_int_equal(v.payload_len, 2);
  const uint8_t *val;
  size_t len;
  assert_int_equal(rtp_ext_find(&v, 20, &val, &len), 1);
  assert_memory_equal(val, "hi", 2);
  /* Padding larger than the payload. */
  p[sizeof p - 1] = 6;
  assert_int_equal(rtp_parse(p, sizeof p, &v), RTP_EPADDING);
  p[sizeof p - 1] = 0;
  assert_int_equal(rtp_parse(p, sizeof p, &v), RTP_EPADDING);
}

static void test_rtp_rejects(void **state) {
  (void)state;
  uint8_t p[40] = {0x80, 96};
  rtp_view v;
  assert_int_equal(rtp_parse(p, 11, &v), RTP_ESHORT);
  p[0] = 0x40;
  assert_int_equal(rtp_parse(p, 12, &v), RTP_EVERSION);
  p[0] = 0x8F; /* 15 CSRCs = 60 bytes > 40 */
  assert_int_equal(rtp_parse(p, sizeof p, &v), RTP_ESHORT);
  p[0] = 0x90; /* extension header missing */
  assert_int_equal(rtp_parse(p, 14, &v), RTP_EEXT);
  p[12] = 0xBE, p[13] = 0xDE, p[14] = 0x00, p[15] = 0x08; /* 32 bytes claimed, 24 there */
  assert_int_equal(rtp_parse(p, sizeof p, &v), RTP_EEXT);
  p[15] = 0x01, p[16] = 0x13; /* id 1, len 4 in a 4-byte block */
  assert_int_equal(rtp_parse(p, 20, &v), 0);
  const uint8_t *val;
  size_t len;
  assert_int_equal(rtp_ext_find(&v, 1, &val, &len), RTP_EEXT);
}

static void test_rtcp_compound(void **state) {
  (void)state;
  /* SR with one report block, then SDES-less RR (RC=0), then a generic NACK, a PLI, a FIR. */
  uint8_t p[] = {
      0x81, 200, 0x00, 12, 0,  0,    0,    1, /* SR, ssrc 1, 13 words */
      0,    0,   0,    2,  0,  0,    0,    3,    0,   0,    0, 4, 0,    0,    0,    5,    0,
      0,    0,   6, /* NTP, RTP ts, pkts, octets */
      0,    0,   0,    9,  25, 0xFF, 0xFF, 0xFE, 0,   0,    1, 0, 0,    0,    0,    7,    0,
      0,    0,   8,    0,  0,  0,    9,    0x80, 201, 0x00, 1, 0, 0,    0,    1, /* RR, no blocks */
      0x81, 205, 0x00, 3,  0,  0,    0,    1,    0,   0,    0, 9, 0x12, 0x34, 0x00, 0x05, /* NACK */
      0x81, 206, 0x00, 2,  0,  0,    0,    1,    0,   0,    0, 9,                         /* PLI */
      0x84, 206, 0x00, 4,  0,  0,    0,    1,    0,   0,    0, 0, 0,    0,    0,    9,    7,
      0,    0,   0, /* FIR */
  };
  assert_int_equal(rtcp_validate(p, sizeof p), 0);
  rtcp_iter it;
  rtcp_view v;
  rtcp_iter_init(&it, p, sizeof p);
  assert_int_equal(rtcp_next(&it, &v), 1);
  rtcp_report r;
  assert_int_equal(rtcp_parse_report(&v, &r), 0);
  assert_true(r.is_sr);
  assert_int_equal(r.sender_ssrc, 1);
  assert_true(r.ntp == ((uint64_t)2 << 32 | 3));
  assert_int_equal(r.n_blocks, 1);
  assert_int_equal(r.blocks[0].ssrc, 9);
  assert_int_equal(r.blocks[0].fraction_lost, 25);
  assert_int_equal(r.blocks[0].cumulative_lost, -2);
  assert_int_equal(r.blocks[0].highest_seq, 256);
  assert_int_equal(rtcp_next(&it, &v), 1);
  assert_int_equal(rtcp_parse_report(&v, &r), 0);
  assert_false(r.is_sr);
  assert_int_equal(r.n_blocks, 0);
  rtcp_fb fb;
  assert_int_equal(rtcp_next(&it, &v), 1);
  assert_int_equal(rtcp_parse_fb(&v, &fb), 0);
  assert_int_equal(fb.kind, RTCP_FB_NACK);
  assert_int_equal(fb.media_ssrc, 9);
  assert_int_equal(fb.n_items, 1);
  assert_int_equal(fb.items[0].a, 0x1234);
  assert_int_equal(fb.items[0].b, 5);
  assert_int_equal(rtcp_next(&it, &v), 1);
  assert_int_equal(rtcp_parse_fb(&v, &fb), 0);
  assert_int_equal(fb.kind, RTCP_FB_PLI);
  assert_int_equal(rtcp_next(&it, &v), 1);
  assert_int_equal(rtcp_parse_fb(&v, &fb), 0);
  assert_int_equal(fb.kind, RTCP_FB_FIR);
  assert_int_equal(fb.items[0].a, 9);
  assert_int_equal(fb.items[0].b, 7);
  assert_int_equal(rtcp_next(&it, &v), 0);
  /* Truncations and lies. */
  assert_int_equal(rtcp_validate(p, sizeof p - 4), RTP_ELENGTH);
  assert_int_equal(rtcp_validate(p, 3), RTP_ESHORT);
  assert_int_equal(rtcp_validate(p, 0), RTP_ESHORT);
  uint8_t q[sizeof p];
  memcpy(q, p, sizeof p);
  q[0] = 0x9F; /* SR claiming 31 blocks in 13 words */
  rtcp_iter_init(&it, q, sizeof q);
  assert_int_equal(rtcp_next(&it, &v), 1);
  assert_int_equal(rtcp_parse_report(&v, &r), RTP_ELENGTH);
  memcpy(q, p, sizeof p);
  q[1] = 190;
  assert_int_equal(rtcp_validate(q, sizeof q), RTP_ETYPE);
  memcpy(q, p, sizeof p);
  q[0] |= 0x20; /* padding is allowed only on the last packet of a compound */
  assert_true(rtcp_validate(q, sizeof q) < 0);
}

int rtc_tests_parse(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_demux),
      cmocka_unit_test(test_rtp_basic),
      cmocka_unit_test(test_rtp_two_byte_and_padding),
      cmocka_unit_test(test_rtp_rejects),
      cmocka_unit_test(test_rtcp_compound),
  };
  return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
