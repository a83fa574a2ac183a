/* Congestion control: transport-cc feedback bytes against hand-computed packets (run length,
 * 1-bit and 2-bit vectors, a negative delta, a sequence wrap, a gap, splits, a late packet, a
 * jump), the extension read from real header-extension blocks and learned, REMB parsing, and
 * the subscriber estimate's reaction to REMB and loss (bwe.c, cc.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtc/bwe.h"
#include "rtc/rtc_int.h"
#include "rtc/twcc.h"
#include "tests.h"

#define SENDER 0x11223344u
#define MEDIA 0xA1B2C3D4u

static rtc_twcc *fresh(void) {
  rtc_twcc *t = malloc(sizeof *t);
  assert_non_null(t);
  rtc_twcc_init(t);
  return t;
}

/* Builds one feedback and checks its bytes; then the parser reads back what was recorded. */
static void expect_fb(rtc_twcc *t, int max_status, const uint8_t *want, size_t want_len) {
  uint8_t out[RTC_TWCC_FB_MAX];
  int len = rtc_twcc_build(t, SENDER, max_status, out, sizeof out);
  assert_int_equal(len, (int)want_len);
  assert_memory_equal(out, want, want_len);
  rtc_twcc_fb fb;
  rtc_twcc_status st[RTC_TWCC_MAX_STATUS];
  int k = rtc_twcc_parse(out, (size_t)len, &fb, st, RTC_TWCC_MAX_STATUS);
  assert_true(k > 0);
  assert_int_equal(fb.sender_ssrc, SENDER);
}

static void test_fb_run_length(void **state) {
  (void)state;
  rtc_twcc *t = fresh();
  rtc_twcc_record(t, 10, 5 * 64000 + 1000, MEDIA); /* 4 ticks after reference time 5 */
  rtc_twcc_record(t, 11, 5 * 64000 + 1500, MEDIA); /* 2 ticks later */
  rtc_twcc_record(t, 12, 5 * 64000 + 1500, MEDIA); /* same time */
  assert_true(rtc_twcc_pending(t));
  static const uint8_t want[] = {
      0xAF, 0xCD, 0x00, 0x06,             /* V=2 P=1 FMT=15, PT 205, 7 words */
      0x11, 0x22, 0x33, 0x44,             /* sender */
      0xA1, 0xB2, 0xC3, 0xD4,             /* media source */
      0x00, 0x0A, 0x00, 0x03,             /* base 10, 3 statuses */
      0x00, 0x00, 0x05, 0x00,             /* reference time 5 (x 64 ms), feedback 0 */
      0x20, 0x03,                         /* run length: 3 x "small delta" */
      0x04, 0x02, 0x00, 0x00, 0x00, 0x03, /* deltas 4, 2, 0; padding 3 */
  };
  expect_fb(t, RTC_TWCC_MAX_STATUS, want, sizeof want);
  assert_false(rtc_twcc_pending(t));
  uint8_t out[64];
  assert_int_equal(rtc_twcc_build(t, SENDER, 0, out, sizeof out), 0); /* nothing new */
  assert_int_equal(rtc_twcc_build(t, SENDER, 0, out, 16), -1);         /* too small */
  free(t);
}

static void test_fb_two_bit_negative(void **state) {
  (void)state;
  rtc_twcc *t = fresh();
  rtc_twcc_record(t, 100, 7 * 64000, MEDIA);
  /* 101 lost */
  rtc_twcc_record(t, 102, 7 * 64000 + 80000, MEDIA); /* 320 ticks: large */
  rtc_twcc_record(t, 103, 7 * 64000 + 79000, MEDIA); /* arrived before 102: -4 ticks */
  static const uint8_t want[] = {
      0xAF, 0xCD, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0xA1, 0xB2, 0xC3, 0xD4,
      0x00, 0x64, 0x00, 0x04, /* base 100, 4 statuses */
      0x00, 0x00, 0x07, 0x00, /* reference 7 */
      0xD2, 0x80,             /* 2-bit vector: small, none, large, large */
      0x00,                   /* 100: 0 */
      0x01, 0x40,             /* 102: +320 */
      0xFF, 0xFC,             /* 103: -4 */
      0x01,                   /* padding 1 */
  };
  expect_fb(t, RTC_TWCC_MAX_STATUS, want, sizeof want);
  free(t);
}

static void test_fb_one_bit_and_count(void **state) {
  (void)state;
  rtc_twcc *t = fresh();
  for (int i = 0; i < 14; i++)
    if (i != 1 && i != 5) rtc_twcc_record(t, (uint16_t)(200 + i), 2 * 64000 + 250 * i, MEDIA);
  static const uint8_t want[] = {
      0xAF, 0xCD, 0x00, 0x08, 0x11, 0x22, 0x33, 0x44, 0xA1, 0xB2, 0xC3, 0xD4,
      0x00, 0xC8, 0x00, 0x0E, /* base 200, 14 statuses */
      0x00, 0x00, 0x02, 0x00, /* reference 2, feedback 0 */
      0xAE, 0xFF,             /* 1-bit vector 1 0 1 1 1 0 1 1 1 1 1 1 1 1 */
      0x00, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
      0x00, 0x02, /* padding 2 */
  };
  expect_fb(t, RTC_TWCC_MAX_STATUS, want, sizeof want);
  /* The next feedback carries the next counter. */
  rtc_twcc_record(t, 214, 2 * 64000 + 250 * 14, MEDIA);
  uint8_t out[64];
  assert_true(rtc_twcc_build(t, SENDER, 0, out, sizeof out) > 0);
  assert_int_equal(out[19], 1);
  assert_int_equal(out[12] << 8 | out[13], 214);
  free(t);
}

static void test_fb_wrap(void **state) {
  (void)state;
  rtc_twcc *t = fresh();
  uint16_t seqs[] = {65534, 65535, 0, 1};
  for (int i = 0; i < 4; i++) rtc_twcc_record(t, seqs[i], 64000 + 250 * i, MEDIA);
  static const uint8_t want[] = {
      0xAF, 0xCD, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0xA1, 0xB2, 0xC3, 0xD4,
      0xFF, 0xFE, 0x00, 0x04, /* base 65534, 4 statuses across the wrap */
      0x00, 0x00, 0x01, 0x00, 0x20, 0x04, 0x00, 0x01, 0x01, 0x01, 0x00, 0x02,
  };
  expect_fb(t, RTC_TWCC_MAX_STATUS, want, sizeof want);
  free(t);
}

static void test_fb_gap_and_split(void **state) {
  (void)state;
  rtc_twcc *t = fresh();
  rtc_twcc_record(t, 300, 3 * 64000, MEDIA);
  rtc_twcc_record(t, 320, 3 * 64000 + 2000, MEDIA); /* 19 lost between */
  static const uint8_t want[] = {
      0xAF, 0xCD, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0xA1, 0xB2, 0xC3, 0xD4,
      0x01, 0x2C, 0x00, 0x15, /* base 300, 21 statuses */
      0x00, 0x00, 0x03, 0x00,
      0xA0, 0x00,             /* 1-bit vector: 1, then 13 x 0 */
      0x80, 0x80,             /* 1-bit vector (7 used): 6 x 0, 1 */
      0x00, 0x08, 0x00, 0x02, /* deltas 0, 8; padding 2 */
  };
  expect_fb(t, RTC_TWCC_MAX_STATUS, want, sizeof want);
  free(t);

  /* The same with at most 10 statuses a packet: three packets. */
  t = fresh();
  rtc_twcc_record(t, 300, 3 * 64000, MEDIA);
  rtc_twcc_record(t, 320, 3 * 64000 + 2000, MEDIA);
  static const uint8_t first[] = {
      0xAF, 0xCD, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44, 0xA1, 0xB2, 0xC3, 0xD4, 0x01, 0x2C,
      0x00, 0x01, /* 300 alone: the lost ones after it may still come */
      0x00, 0x00, 0x03, 0x00, 0x20, 0x01, 0x00, 0x01,
  };
  expect_fb(t, 10, first, sizeof first);
  static const uint8_t second[] = {
      0xAF, 0xCD, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44, 0xA1, 0xB2, 0xC3, 0xD4, 0x01, 0x2D,
      0x00, 0x0A,             /* 301..310: lost (a received one follows them) */
      0x00, 0x00, 0x03, 0x01, /* reference from 320's arrival, feedback 1 */
      0x00, 0x0A,             /* run length: 10 x "not received"; no deltas */
      0x00, 0x02,
  };
  expect_fb(t, 10, second, sizeof second);
  static const uint8_t third[] = {
      0xAF, 0xCD, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44, 0xA1, 0xB2, 0xC3, 0xD4, 0x01, 0x37,
      0x00, 0x0A,             /* 311..320 */
      0x00, 0x00, 0x03, 0x02, /* feedback 2 */
      0x80, 0x10,             /* 1-bit vector (10 used): 9 x 0, 1 */
      0x08, 0x01,
  };
  expect_fb(t, 10, third, sizeof third);
  assert_false(rtc_twcc_pending(t));
  free(t);
}

static void test_fb_late_jump_window(void **state) {
  (void)state;
  rtc_twcc *t = fresh();
  uint8_t out[RTC_TWCC_FB_MAX];
  rtc_twcc_fb fb;
  rtc_twcc_status st[RTC_TWCC_MAX_STATUS];
  rtc_twcc_record(t, 1, 1000, MEDIA);
  rtc_twcc_record(t, 3, 2000, MEDIA);
  int len = rtc_twcc_build(t, SENDER, 0, out, sizeof out);
  assert_int_equal(rtc_twcc_parse(out, (size_t)len, &fb, st, 16), 3);
  assert_int_equal(st[1].symbol, 0);
  /* 2 arrives late: reported again from 2 on (the sender takes duplicates). */
  rtc_twcc_record(t, 2, 2500, MEDIA);
  len = rtc_twcc_build(t, SENDER, 0, out, sizeof out);
  assert_int_equal(rtc_twcc_parse(out, (size_t)len, &fb, st, 16), 2);
  assert_int_equal(fb.base_seq, 2);
  assert_int_equal(st[0].symbol, 1);
  assert_int_equal(st[1].symbol, 2); /* 3 arrived before 2: a negative delta */
  assert_int_equal(st[0].at_us, 2500);
  assert_int_equal(st[1].at_us, 2000);
  /* Older than the window: ignored. A jump of a window or more: a new window. */
  rtc_twcc_record(t, 3 + 5000, 9000, MEDIA);
  assert_int_equal(t->resets, 1);
  rtc_twcc_record(t, 4, 9100, MEDIA);
  assert_int_equal(t->late, 1);
  len = rtc_twcc_build(t, SENDER, 0, out, sizeof out);
  assert_int_equal(rtc_twcc_parse(out, (size_t)len, &fb, st, 16), 1);
  assert_int_equal(fb.base_seq, 5003);
  /* More than a window unreported: the oldest are pushed out, memory stays a window. */
  for (int i = 1; i <= RTC_TWCC_WINDOW + 100; i++)
    rtc_twcc_record(t, (uint16_t)(5003 + i), 10000 + i, MEDIA);
  assert_int_equal(t->unreported, 100);
  int total = 0, packets = 0;
  while ((len = rtc_twcc_build(t, SENDER, 0, out, sizeof out)) > 0) {
    int k = rtc_twcc_parse(out, (size_t)len, &fb, st, RTC_TWCC_MAX_STATUS);
    assert_true(k > 0 && len <= RTC_TWCC_FB_MAX);
    total += k, packets++;
  }
  assert_int_equal(total, RTC_TWCC_WINDOW);
  assert_int_equal(packets, RTC_TWCC_WINDOW / RTC_TWCC_MAX_STATUS);
  free(t);
}

static void test_fb_parse_rejects(void **state) {
  (void)state;
  rtc_twcc_fb fb;
  rtc_twcc_status st[4];
  uint8_t p[24] = {0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 3, 0, 0, 1, 0,
                   0x20, 0x03, 1, 2};
  assert_int_equal(rtc_twcc_parse(p, sizeof p, &fb, st, 4), -1); /* 3 deltas, 2 bytes */
  p[23] = 0, p[15] = 2, p[21] = 0x02;
  assert_int_equal(rtc_twcc_parse(p, sizeof p, &fb, st, 4), 2);
  assert_int_equal(rtc_twcc_parse(p, sizeof p, &fb, st, 1), -1); /* more than max */
  p[20] = 0x60;                                                  /* symbol 3 */
  assert_int_equal(rtc_twcc_parse(p, sizeof p, &fb, st, 4), -1);
  p[20] = 0x20, p[0] = 0x8E; /* FMT 14 */
  assert_int_equal(rtc_twcc_parse(p, sizeof p, &fb, st, 4), -1);
  p[0] = 0x8F;
  assert_int_equal(rtc_twcc_parse(p, 20, &fb, st, 4), -1);
}

/* A Chromium publisher's packet: audio level (1), transport-wide number (3), MID (4). */
static size_t chromium_packet(uint8_t *p, uint16_t seq, uint16_t twcc, int two_byte) {
  static const uint8_t hdr[12] = {0x90, 0x6F, 0, 0, 0, 0, 0, 1, 0xED, 0x34, 0x41, 0x03};
  memcpy(p, hdr, 12);
  p[2] = (uint8_t)(seq >> 8), p[3] = (uint8_t)seq;
  if (two_byte) {
    static const uint8_t ext[12] = {0x10, 0x00, 0x00, 0x02, 0x03, 0x02, 0, 0, 0x04, 0x01, '0', 0};
    memcpy(p + 12, ext, 12);
    p[18] = (uint8_t)(twcc >> 8), p[19] = (uint8_t)twcc;
  } else {
    static const uint8_t ext[12] = {0xBE, 0xDE, 0x00, 0x02, 0x10, 0xFF, 0x31, 0, 0, 0x40, '0', 0};
    memcpy(p + 12, ext, 12);
    p[19] = (uint8_t)(twcc >> 8), p[20] = (uint8_t)twcc;
  }
  memset(p + 24, 0xAB, 20); /* payload */
  return 44;
}

static void test_ext_parse_and_learn(void **state) {
  (void)state;
  uint8_t p[64];
  uint16_t seq = 0;
  size_t n = chromium_packet(p, 7, 300, 0);
  assert_int_equal(rtc_twcc_seq(p, n, 3, &seq), 1);
  assert_int_equal(seq, 300);
  assert_int_equal(rtc_twcc_seq(p, n, 5, &seq), 0);  /* not there */
  assert_int_equal(rtc_twcc_seq(p, n, 1, &seq), RTP_EEXT); /* 1 byte long: not a number */
  n = chromium_packet(p, 7, 0xFFFF, 1);
  assert_int_equal(rtc_twcc_seq(p, n, 3, &seq), 1);
  assert_int_equal(seq, 0xFFFF);
  assert_true(rtc_twcc_seq(p, 15, 3, &seq) < 0); /* cut inside the block */

  rtc_twcc_learner l;
  memset(&l, 0, sizeof l);
  int id = 0, k;
  for (k = 0; k < 100 && id == 0; k++) {
    n = chromium_packet(p, (uint16_t)(1000 + k), (uint16_t)(65530 + k), k % 3 == 0);
    id = rtc_twcc_learn(&l, p, n, 1000 + 250 * k);
  }
  assert_int_equal(id, 3);
  assert_int_equal(k, RTC_TWCC_LEARN_RUN + 1);
  /* The packets that taught it are reported: 65530 .. 65530 + 16 across the wrap. */
  rtc_twcc *t = fresh();
  rtc_twcc_learn_replay(&l, id, t);
  uint8_t fbp[RTC_TWCC_FB_MAX];
  rtc_twcc_fb fb;
  rtc_twcc_status st[32];
  int len = rtc_twcc_build(t, SENDER, 0, fbp, sizeof fbp);
  assert_int_equal(rtc_twcc_parse(fbp, (size_t)len, &fb, st, 32), RTC_TWCC_LEARN_RUN + 1);
  assert_int_equal(fb.base_seq, 65530);
  assert_int_equal(st[RTC_TWCC_LEARN_RUN].seq, (uint16_t)(65530 + RTC_TWCC_LEARN_RUN));
  for (int i = 0; i <= RTC_TWCC_LEARN_RUN; i++) assert_int_equal(st[i].at_us, 1000 + 250 * i);
  assert_int_equal(fb.media_ssrc, 0xED344103u);
  free(t);
  /* A sender numbering nothing: given up after the budget. */
  memset(&l, 0, sizeof l);
  static const uint8_t plain[16] = {0x80, 0x6F, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4};
  for (k = 0; k < RTC_TWCC_LEARN_BUDGET; k++)
    assert_int_equal(rtc_twcc_learn(&l, plain, 16, k), 0);
  assert_int_equal(rtc_twcc_learn(&l, plain, 16, k), -1);
}

static int remb_view(uint8_t *buf, uint32_t mantissa, unsigned exp, int n_ssrc, rtcp_view *v) {
  uint8_t p[32] = {0x8F, 0xCE, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B'};
  p[16] = (uint8_t)n_ssrc;
  p[17] = (uint8_t)(exp << 2 | mantissa >> 16);
  p[18] = (uint8_t)(mantissa >> 8), p[19] = (uint8_t)mantissa;
  p[20] = 0xED, p[21] = 0x34, p[22] = 0x41, p[23] = 0x03;
  memcpy(buf, p, 24);
  rtcp_iter it;
  rtcp_iter_init(&it, buf, 24);
  return rtcp_next(&it, v);
}

static void test_remb_parse(void **state) {
  (void)state;
  uint8_t buf[32];
  rtcp_view v;
  uint64_t bps = 0;
  assert_int_equal(remb_view(buf, 250000, 2, 1, &v), 1);
  assert_int_equal(buf[17], 0x0B); /* exp 2, mantissa 0x3D090: 1,000,000 bit/s */
  assert_int_equal(rtc_remb_parse(&v, &bps), 1);
  assert_int_equal(bps, 1000000);
  remb_view(buf, 0x3FFFF, 63, 1, &v);
  assert_int_equal(rtc_remb_parse(&v, &bps), 1);
  assert_true(bps == UINT64_MAX);
  remb_view(buf, 1, 0, 2, &v); /* says 2 SSRCs, holds 1 */
  assert_true(rtc_remb_parse(&v, &bps) < 0);
  remb_view(buf, 1, 0, 1, &v);
  buf[12] = 'X'; /* another application-layer message */
  assert_int_equal(rtc_remb_parse(&v, &bps), 0);
}

static void test_bwe_reaction(void **state) {
  (void)state;
  rtc_bwe b;
  rtc_bwe_init(&b);
  assert_int_equal(rtc_bwe_estimate(&b), RTC_BWE_START_BPS);
  rtc_bwe_on_remb(&b, 800000, 1000);
  assert_int_equal(rtc_bwe_estimate(&b), 800000);
  rtc_bwe_on_loss(&b, 77, 1100); /* 30 %: × (1 - 0.15) */
  assert_int_equal(rtc_bwe_estimate(&b), 800000u * (512 - 77) / 512);
  uint32_t capped = rtc_bwe_estimate(&b);
  rtc_bwe_on_loss(&b, 77, 1200); /* within 300 ms: once */
  assert_int_equal(rtc_bwe_estimate(&b), capped);
  rtc_bwe_on_loss(&b, 13, 1500); /* 5 %: holds */
  assert_int_equal(rtc_bwe_estimate(&b), capped);
  rtc_bwe_on_loss(&b, 2, 1900); /* < 2 %, but less than a second since the decrease */
  assert_int_equal(rtc_bwe_estimate(&b), capped);
  rtc_bwe_on_loss(&b, 2, 3200);
  assert_int_equal(rtc_bwe_estimate(&b), capped * 105 / 100 + 1000);
  uint64_t t = 3200;
  for (int i = 0; i < 10 && b.loss_cap; i++) rtc_bwe_on_loss(&b, 0, t += 1000);
  assert_int_equal(b.loss_cap, 0); /* grew past the REMB: lifted */
  assert_int_equal(rtc_bwe_estimate(&b), 800000);
  /* A REMB under the cap rules; heavy loss never goes under the floor. */
  rtc_bwe_on_remb(&b, 200000, t);
  assert_int_equal(rtc_bwe_estimate(&b), 200000);
  for (int i = 0; i < 40; i++) rtc_bwe_on_loss(&b, 255, t += 400);
  assert_int_equal(rtc_bwe_estimate(&b), RTC_BWE_MIN_BPS);
}

/* cc.c on a bare worker: REMB taken (not forwarded), the estimate returned only while it
 * limits, receiver-report loss (the lowest block). */
static void test_cc_estimate(void **state) {
  (void)state;
  rtc__worker *w = calloc(1, sizeof *w);
  rtc__transport *t = calloc(1, sizeof *t);
  assert_int_equal(uv_loop_init(&w->loop), 0);
  t->w = w;
  uint8_t buf[32];
  rtcp_view v;
  assert_int_equal(rtc__bwe_bps(t), 0); /* nothing known */
  remb_view(buf, 250000, 3, 1, &v);     /* 2 Mbit/s */
  assert_int_equal(rtc__cc_on_rtcp(w, t, &v), 1);
  usleep(300 * 1000);
  uv_update_time(&w->loop);
  /* 1.5 Mbit/s over however long the sleep took (a loaded machine oversleeps) */
  t->cc.tx_bytes += 187500u * (uv_now(&w->loop) - t->cc.rate_ms) / 1000u;
  assert_int_equal(rtc__cc_on_rtcp(w, t, &v), 1);
  assert_true(t->cc.sent_bps > 1300000 && t->cc.sent_bps < 1700000);
  assert_int_equal(rtc__bwe_bps(t), 0); /* at Chromium's ceiling: no limit known */
  usleep(300 * 1000);
  uv_update_time(&w->loop);
  t->cc.tx_bytes += 187500u * (uv_now(&w->loop) - t->cc.rate_ms) / 1000u;
  remb_view(buf, 250000, 2, 1, &v); /* 1 Mbit/s: under 90 % of the 1.5 sent */
  assert_int_equal(rtc__cc_on_rtcp(w, t, &v), 1);
  assert_int_equal(rtc__bwe_bps(t), 1000000);
  assert_int_equal(t->cc.hold_ms, 8000);
  assert_int_equal(atomic_load(&w->c.remb_in), 3);
  /* A receiver report with 40 % and 20 % loss: 20 % counts, cap = 1 M × 0.9. */
  uint8_t rr[56] = {0x82, 0xC9, 0x00, 0x0D, 0, 0, 0, 1};
  rr[12] = 102, rr[36] = 51;
  rtcp_iter it;
  rtcp_iter_init(&it, rr, sizeof rr);
  assert_int_equal(rtcp_next(&it, &v), 1);
  assert_int_equal(rtc__cc_on_rtcp(w, t, &v), 0); /* forwarded as before */
  assert_int_equal(rtc__bwe_bps(t), 1000000u * (512 - 51) / 512);
  rtc__cc_free(w, t);
  uv_loop_close(&w->loop);
  free(t);
  free(w);
}

int rtc_tests_cc(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fb_run_length),       cmocka_unit_test(test_fb_two_bit_negative),
      cmocka_unit_test(test_fb_one_bit_and_count), cmocka_unit_test(test_fb_wrap),
      cmocka_unit_test(test_fb_gap_and_split),    cmocka_unit_test(test_fb_late_jump_window),
      cmocka_unit_test(test_fb_parse_rejects),    cmocka_unit_test(test_ext_parse_and_learn),
      cmocka_unit_test(test_remb_parse),          cmocka_unit_test(test_bwe_reaction),
      cmocka_unit_test(test_cc_estimate),
  };
  return cmocka_run_group_tests_name("cc", tests, NULL, NULL);
}
