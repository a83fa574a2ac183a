/* Payload-type and header-extension renumbering of forwarded RTP (rtc/hdrmap.c): hand-made
 * packets in both RFC 8285 forms, byte for byte. */
#include <string.h>

#include "rtc/hdrmap.h"
#include "tests.h"

/* The aiortc publisher's numbers (VP8 97, audio level 2, mid 1) mapped to a Chromium-like
 * subscriber's (VP8 96, audio level 1, no mid). */
static rtc_hdrmap aiortc_to_chromium(void) {
  rtc_hdrmap m;
  rtc_hdrmap_init(&m);
  assert_int_equal(rtc_hdrmap_pt(&m, 97, 96), 0);
  rtc_hdrmap_ext(&m, 2, 1);
  rtc_hdrmap_ext(&m, 1, 0);
  return m;
}

static void test_one_byte_renumber_and_drop(void **state) {
  (void)state;
  rtc_hdrmap m = aiortc_to_chromium();
  uint8_t p[] = {
      0x90, 0x80 | 97, 0x00, 0x07, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44, /* marker, PT 97 */
      0xBE, 0xDE, 0x00, 0x02,                                         /* two words */
      0x10, '0',                                                      /* id 1 (mid) "0" */
      0x20, 0x85,                                                     /* id 2 level */
      0x00, 0x00, 0x00, 0x00,                                         /* padding */
      0xAA, 0xBB, 0xCC,                                               /* payload */
  };
  size_t n = sizeof p;
  assert_int_equal(rtc_hdrmap_apply(&m, p, &n), RTC_HDRMAP_OK);
  const uint8_t want[] = {
      0x90, 0x80 | 96, 0x00, 0x07, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44,
      0xBE, 0xDE, 0x00, 0x01, /* one word now */
      0x10, 0x85, 0x00, 0x00, /* the level as id 1, padded */
      0xAA, 0xBB, 0xCC,
  };
  assert_int_equal(n, sizeof want);
  assert_memory_equal(p, want, sizeof want);
}

static void test_everything_dropped_removes_the_block(void **state) {
  (void)state;
  rtc_hdrmap m = aiortc_to_chromium();
  uint8_t p[] = {
      0xB0, 97, 0x00, 0x07, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44, /* X and P set */
      0xBE, 0xDE, 0x00, 0x01, 0x10, '0', 0x00, 0x00,             /* only the mid */
      0xAA, 0xBB, 0x00, 0x02,                                   /* payload, 2 bytes padding */
  };
  size_t n = sizeof p;
  assert_int_equal(rtc_hdrmap_apply(&m, p, &n), RTC_HDRMAP_OK);
  const uint8_t want[] = {0xA0, 96, 0x00, 0x07, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44,
                          0xAA, 0xBB, 0x00, 0x02};
  assert_int_equal(n, sizeof want);
  assert_memory_equal(p, want, sizeof want);
}

static void test_two_byte_form_and_csrcs(void **state) {
  (void)state;
  rtc_hdrmap m;
  rtc_hdrmap_init(&m);
  rtc_hdrmap_pt(&m, 111, 109);
  rtc_hdrmap_ext(&m, 20, 3);
  rtc_hdrmap_ext(&m, 5, 200);
  uint8_t p[] = {
      0x91, 111, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 9, 9, 9, 9, /* one CSRC */
      0x10, 0x00, 0x00, 0x03,                                /* two-byte form, 3 words */
      20, 1, 0x7F,                                           /* id 20, 1 byte */
      7, 2, 0xEE, 0xEE,                                      /* id 7: not negotiated */
      5, 0,                                                  /* id 5, empty value */
      0x00, 0x00, 0x00,
      0x55,
  };
  size_t n = sizeof p;
  assert_int_equal(rtc_hdrmap_apply(&m, p, &n), RTC_HDRMAP_OK);
  const uint8_t want[] = {
      0x91, 109, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 9, 9, 9, 9,
      0x10, 0x00, 0x00, 0x02,
      3, 1, 0x7F, 200, 0, 0x00, 0x00, 0x00,
      0x55,
  };
  assert_int_equal(n, sizeof want);
  assert_memory_equal(p, want, sizeof want);
}

static void test_one_byte_cannot_carry_ids_above_14(void **state) {
  (void)state;
  rtc_hdrmap m;
  rtc_hdrmap_init(&m);
  rtc_hdrmap_pt(&m, 96, 96);
  rtc_hdrmap_ext(&m, 3, 15);
  rtc_hdrmap_ext(&m, 4, 14);
  uint8_t p[] = {0x90, 96, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4,
                 0xBE, 0xDE, 0x00, 0x01, 0x30, 0x01, 0x40, 0x02, 0x66};
  size_t n = sizeof p;
  assert_int_equal(rtc_hdrmap_apply(&m, p, &n), RTC_HDRMAP_OK);
  const uint8_t want[] = {0x90, 96, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4,
                          0xBE, 0xDE, 0x00, 0x01, 0xE0, 0x02, 0x00, 0x00, 0x66};
  assert_int_equal(n, sizeof want);
  assert_memory_equal(p, want, sizeof want);
}

static void test_refusals_leave_the_packet_alone(void **state) {
  (void)state;
  rtc_hdrmap m = aiortc_to_chromium();
  /* A payload type the subscriber did not negotiate. */
  uint8_t a[] = {0x80, 100, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0x00};
  size_t n = sizeof a;
  assert_int_equal(rtc_hdrmap_apply(&m, a, &n), RTC_HDRMAP_EPT);
  /* An element running past its block: nothing is renumbered. */
  uint8_t b[] = {0x90, 97, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4,
                 0xBE, 0xDE, 0x00, 0x01, 0x20, 0x85, 0x13, 0x01, 0x66};
  uint8_t copy[sizeof b];
  memcpy(copy, b, sizeof b);
  n = sizeof b;
  assert_int_equal(rtc_hdrmap_apply(&m, b, &n), RTC_HDRMAP_EPARSE);
  assert_int_equal(n, sizeof b);
  assert_memory_equal(b, copy, sizeof b);
  /* Not RTP. */
  uint8_t c[] = {0x40, 97, 0, 1};
  n = sizeof c;
  assert_int_equal(rtc_hdrmap_apply(&m, c, &n), RTC_HDRMAP_EPARSE);
  /* An inactive map forwards unchanged. */
  rtc_hdrmap off;
  memset(&off, 0, sizeof off);
  n = sizeof a;
  assert_int_equal(rtc_hdrmap_apply(&off, a, &n), RTC_HDRMAP_OK);
  assert_int_equal(a[1], 100);
  /* The table of payload types is bounded. */
  rtc_hdrmap full;
  rtc_hdrmap_init(&full);
  for (int i = 0; i < RTC_HDRMAP_MAX_PT; i++)
    assert_int_equal(rtc_hdrmap_pt(&full, (uint8_t)(96 + i), 96), 0);
  assert_int_equal(rtc_hdrmap_pt(&full, 120, 96), -1);
  assert_int_equal(rtc_hdrmap_pt(&full, 97, 100), 0); /* an update still fits */
}

int rtc_tests_hdrmap(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_byte_renumber_and_drop),
      cmocka_unit_test(test_everything_dropped_removes_the_block),
      cmocka_unit_test(test_two_byte_form_and_csrcs),
      cmocka_unit_test(test_one_byte_cannot_carry_ids_above_14),
      cmocka_unit_test(test_refusals_leave_the_packet_alone),
  };
  return cmocka_run_group_tests_name("rtc_hdrmap", tests, NULL, NULL);
}
