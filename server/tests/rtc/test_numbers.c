/* The numbers each side negotiated (rtc/sdp_numbers.c) and the map between them, on real
 * offers: Chromium's (fixtures/chromium_offer_*.sdp) and aiortc's (aiortc 1.4.0, Debian
 * python3-aiortc: fixtures/aiortc_offer_recvonly.sdp), whose numbers differ, and which gives
 * id 2 to the audio level on one m-line and to abs-send-time on the other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp_numbers.h"
#include "tests.h"

static sdp_session *load(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[SDP_MAX_LEN + 1];
  size_t n = fread(buf, 1, SDP_MAX_LEN, f);
  fclose(f);
  sdp_session *s = malloc(sizeof *s);
  assert_non_null(s);
  assert_int_equal(sdp_parse(buf, n, s), 0);
  return s;
}

static void test_ambiguous_ids_are_not_answered(void **state) {
  (void)state;
  sdp_session *a = load("server/tests/rtc/fixtures/aiortc_offer_recvonly.sdp");
  sdp_numbers au, vi;
  sdp_numbers_of(a, 0, &au);
  sdp_numbers_of(a, 1, &vi);
  assert_true(au.ok && vi.ok);
  assert_int_equal(au.pt, 96);
  assert_int_equal(vi.pt, 97);
  assert_int_equal(vi.rtx_pt, 98);
  /* Id 2 means two things in one bundle: neither is taken, neither is in the answer. */
  assert_int_equal(au.ext[SDP_NUM_AUDIO_LEVEL], 0);
  assert_int_equal(vi.ext[SDP_NUM_ABS_SEND_TIME], 0);
  static char out[32768];
  const sdp_send snd = {.ssrc = 1234, .cname = "p00000001", .msid = "p00000001 p00000001-video"};
  sdp_answer_opts o = {.ice_ufrag = "abcd", .ice_pwd = "0123456789abcdef012345",
                       .fingerprint = "sha-256 00:11", .ip = "127.0.0.1", .port = 4000,
                       .session_id = 1};
  o.send[1] = &snd;
  assert_true(sdp_answer(a, &o, out, sizeof out) > 0);
  assert_null(strstr(out, "a=extmap:2 "));
  free(a);
}

static void test_chromium_to_aiortc_map(void **state) {
  (void)state;
  sdp_session *pub = load("server/tests/rtc/fixtures/chromium_offer_sendonly.sdp");
  sdp_session *sub = load("server/tests/rtc/fixtures/aiortc_offer_recvonly.sdp");
  sdp_numbers pa, sa;
  sdp_numbers_of(pub, 0, &pa);
  sdp_numbers_of(sub, 0, &sa);
  assert_int_equal(pa.pt, 111);
  assert_int_equal(pa.ext[SDP_NUM_AUDIO_LEVEL], 1);
  rtc_hdrmap m;
  sdp_numbers_map(&pa, &sa, &m);
  /* Opus 111 becomes 96; the level (1) and everything else is dropped. */
  uint8_t p[] = {0x90, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0xBE, 0xDE, 0x00, 0x01,
                 0x10, 0x85, 0x30, 0x07, 0xAB};
  size_t n = sizeof p;
  assert_int_equal(rtc_hdrmap_apply(&m, p, &n), RTC_HDRMAP_OK);
  const uint8_t want[] = {0x80, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0xAB};
  assert_int_equal(n, sizeof want);
  assert_memory_equal(p, want, sizeof want);
  /* Chromium to Chromium keeps what both negotiated. */
  sdp_session *csub = load("server/tests/rtc/fixtures/chromium_offer_recvonly.sdp");
  sdp_numbers ca;
  sdp_numbers_of(csub, 0, &ca);
  sdp_numbers_map(&pa, &ca, &m);
  assert_int_equal(m.ext[pa.ext[SDP_NUM_AUDIO_LEVEL]], ca.ext[SDP_NUM_AUDIO_LEVEL]);
  assert_true(ca.ext[SDP_NUM_AUDIO_LEVEL] != 0);
  /* A side without a codec buzzd takes gives a map that refuses everything. */
  sdp_numbers none;
  memset(&none, 0, sizeof none);
  sdp_numbers_map(&pa, &none, &m);
  uint8_t q[] = {0x80, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0xAB};
  n = sizeof q;
  assert_int_equal(rtc_hdrmap_apply(&m, q, &n), RTC_HDRMAP_EPT);
  free(pub);
  free(sub);
  free(csub);
}

int rtc_tests_numbers(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ambiguous_ids_are_not_answered),
      cmocka_unit_test(test_chromium_to_aiortc_map),
  };
  return cmocka_run_group_tests_name("rtc_sdp_numbers", tests, NULL, NULL);
}
