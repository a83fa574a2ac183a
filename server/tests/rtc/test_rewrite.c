/* Sequence-number and timestamp rewriting: wrap-around, a layer switch and back, late and
 * reordered packets, a long stream. */
#include <string.h>

#include "rtc/rewrite.h"
#include "rtc/rtx.h"
#include "tests.h"

static uint8_t pkt[12];

static int feed(rtc_rewriter *w, uint32_t ssrc, uint16_t seq, uint32_t ts, uint64_t now,
                uint16_t *out_seq, uint32_t *out_ts) {
  memset(pkt, 0, sizeof pkt);
  pkt[0] = 0x80;
  pkt[1] = 96;
  pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq;
  pkt[4] = (uint8_t)(ts >> 24), pkt[5] = (uint8_t)(ts >> 16), pkt[6] = (uint8_t)(ts >> 8);
  pkt[7] = (uint8_t)ts;
  pkt[8] = (uint8_t)(ssrc >> 24), pkt[9] = (uint8_t)(ssrc >> 16), pkt[10] = (uint8_t)(ssrc >> 8);
  pkt[11] = (uint8_t)ssrc;
  int rc = rtc_rewrite_rtp(w, pkt, sizeof pkt, now);
  *out_seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
  *out_ts = (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];
  if (rc == 0) {
    uint32_t s = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 | (uint32_t)pkt[10] << 8 | pkt[11];
    assert_int_equal(s, w->out_ssrc);
  }
  return rc;
}

static void test_wrap_and_switch(void **state) {
  (void)state;
  rtc_rewriter w;
  rtc_rewrite_init(&w, 0xABCD, 90000);
  const uint32_t A = 111, B = 222;
  uint16_t s, prev = 0;
  uint32_t t, prev_ts = 0;
  /* Layer A crosses the sequence wrap: the output does too, unchanged in step. */
  for (int i = 0; i < 12; i++) {
    uint16_t in = (uint16_t)(65530 + i);
    assert_int_equal(feed(&w, A, in, 1000u + 3000u * (uint32_t)i, 1000 + 33 * (uint64_t)i, &s, &t),
                     0);
    if (i) assert_int_equal((uint16_t)(s - prev), 1);
    prev = s;
    prev_ts = t;
  }
  assert_int_equal(prev, 5); /* 65530 + 11 wraps to 5 */
  /* Switch to layer B: its first packet follows A's last, the timestamp advances by the
   * 100 ms that passed (9000 ticks), whatever B's own numbers are. */
  rtc_rewrite_switch(&w, B);
  /* Until B's first packet, A still goes out. */
  assert_int_equal(feed(&w, A, 6, 1000u + 3000u * 12, 1396, &s, &t), 0);
  prev = s, prev_ts = t;
  assert_int_equal(feed(&w, B, 40000, 777777, 1496, &s, &t), 0);
  assert_int_equal((uint16_t)(s - prev), 1);
  assert_int_equal(t - prev_ts, 9000);
  prev = s;
  uint32_t b_base = t;
  /* A's packets after the switch are dropped. */
  assert_int_equal(feed(&w, A, 7, 40000, 1500, &s, &t), -1);
  /* B continues, with a reordered pair, still consecutive in output. */
  assert_int_equal(feed(&w, B, 40002, 777777 + 6000, 1530, &s, &t), 0);
  assert_int_equal((uint16_t)(s - prev), 2);
  assert_int_equal(t - b_base, 6000);
  assert_int_equal(feed(&w, B, 40001, 777777 + 3000, 1531, &s, &t), 0);
  assert_int_equal((uint16_t)(s - prev), 1);
  /* A late B packet from before its first one would reuse a sequence number: dropped. */
  assert_int_equal(feed(&w, B, 39999, 777777 - 3000, 1532, &s, &t), -1);
  assert_int_equal(w.dropped, 2);
  /* Back to A (wrapping B's numbers along the way does not matter). */
  rtc_rewrite_switch(&w, A);
  uint16_t last = (uint16_t)(prev + 2);
  assert_int_equal(feed(&w, A, 100, 50, 1600, &s, &t), 0);
  assert_int_equal((uint16_t)(s - last), 1);
  /* Switching to the current source (a pause ended) is a new start: its next packet follows
   * the last one sent, whatever was skipped, and its time the wall clock (33 ms). */
  uint32_t before = t;
  rtc_rewrite_switch(&w, A);
  assert_int_equal(feed(&w, A, 150, 50 + 50 * 3000, 1633, &s, &t), 0);
  assert_int_equal((uint16_t)(s - last), 2);
  assert_int_equal(t - before, 33 * 90);
}

static void test_long_stream_and_junk(void **state) {
  (void)state;
  rtc_rewriter w;
  rtc_rewrite_init(&w, 5, 48000);
  uint16_t s;
  uint32_t t;
  /* More than a whole sequence space without a switch: nothing is dropped. */
  for (uint32_t i = 0; i < 140000; i++)
    assert_int_equal(feed(&w, 9, (uint16_t)(i + 1234), i * 960, i * 20, &s, &t), 0);
  assert_int_equal(w.dropped, 0);
  assert_int_equal(s, (uint16_t)(139999 + 1234));
  /* Zero elapsed time still advances the timestamp by one tick on a switch. */
  rtc_rewrite_switch(&w, 10);
  uint32_t before = t;
  assert_int_equal(feed(&w, 10, 1, 0, 139999 * 20, &s, &t), 0);
  assert_int_equal(t - before, 1);
  uint8_t bad[12] = {0x40};
  assert_int_equal(rtc_rewrite_rtp(&w, bad, sizeof bad, 0), -2);
  assert_int_equal(rtc_rewrite_rtp(&w, bad, 11, 0), -2);
}

static void test_rtx_buffer(void **state) {
  (void)state;
  rtc_rtx_buf *b = rtc_rtx_create(9);
  assert_non_null(b);
  uint8_t p[100] = {0x80, 96};
  for (uint32_t i = 0; i < 1000; i++) { /* crosses the wrap: 65000 .. 464 */
    uint16_t seq = (uint16_t)(65000 + i);
    p[2] = (uint8_t)(seq >> 8), p[3] = (uint8_t)seq, p[12] = (uint8_t)i;
    rtc_rtx_put(b, p, sizeof p, 1000 + i);
  }
  size_t n;
  const uint8_t *got = rtc_rtx_get(b, (uint16_t)(65000 + 999), 2000, &n);
  assert_non_null(got);
  assert_int_equal(n, sizeof p);
  assert_int_equal(got[12], (uint8_t)999);
  /* Overwritten by a newer packet in the same slot, too old, or never seen: not resent. */
  assert_null(rtc_rtx_get(b, (uint16_t)(65000 + 999 - RTX_SLOTS), 2000, &n));
  assert_null(rtc_rtx_get(b, (uint16_t)(65000 + 999), 1999 + RTX_MAX_AGE_MS + 1, &n));
  assert_null(rtc_rtx_get(b, 30000, 2000, &n));
  /* Packets that do not fit a slot are not kept. */
  static uint8_t big[RTX_SLOT_BYTES + 1] = {0x80, 96, 0x12, 0x34};
  rtc_rtx_put(b, big, sizeof big, 2000);
  assert_null(rtc_rtx_get(b, 0x1234, 2000, &n));
  rtc_rtx_destroy(b);
  /* NACK items: PID plus the BLP bits, wrapping. */
  rtcp_fb fb = {.kind = RTCP_FB_NACK, .n_items = 2};
  fb.items[0].a = 65535, fb.items[0].b = 0x8001; /* 65535, 0 and 15 (65535 + 16) */
  fb.items[1].a = 7, fb.items[1].b = 0;
  uint16_t seqs[40];
  assert_int_equal(rtc_nack_seqs(&fb, seqs, 40), 4);
  assert_int_equal(seqs[0], 65535);
  assert_int_equal(seqs[1], 0);
  assert_int_equal(seqs[2], 15);
  assert_int_equal(seqs[3], 7);
  assert_int_equal(rtc_nack_seqs(&fb, seqs, 2), 2);
  fb.kind = RTCP_FB_PLI;
  assert_int_equal(rtc_nack_seqs(&fb, seqs, 40), 0);
}

int rtc_tests_rewrite(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wrap_and_switch),
      cmocka_unit_test(test_long_stream_and_junk),
      cmocka_unit_test(test_rtx_buffer),
  };
  return cmocka_run_group_tests_name("rewrite", tests, NULL, NULL);
}
