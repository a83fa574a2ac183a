/* SDP: Chromium's own offers (captured from Debian's chromium 156, in fixtures/) parsed, answered,
 * and the answers parsed back; the parser's limits and rejections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"
#include "tests.h"

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[SDP_MAX_LEN + 1];
  *n = fread(buf, 1, SDP_MAX_LEN, f);
  fclose(f);
  buf[*n] = '\0';
  return buf;
}

static const sdp_answer_opts *opts(void) {
  static sdp_answer_opts o;
  memset(&o, 0, sizeof o);
  o.ice_ufrag = "srvU";
  o.ice_pwd = "serverpassword0123456789";
  o.fingerprint = "sha-256 AA:BB";
  o.ip = "127.0.0.1";
  o.port = 40000;
  o.session_id = 42;
  return &o;
}

static void test_parse_chromium_sendonly(void **state) {
  (void)state;
  size_t n;
  char *text = slurp("server/tests/rtc/fixtures/chromium_offer_sendonly.sdp", &n);
  sdp_session *s = malloc(sizeof *s);
  assert_int_equal(sdp_parse(text, n, s), 0);
  assert_int_equal(s->n_media, 2);
  assert_int_equal(s->n_bundle, 2);
  assert_string_equal(s->bundle[0], "0");
  const sdp_media *a = &s->media[0], *v = &s->media[1];
  assert_int_equal(a->kind, SDP_AUDIO);
  assert_int_equal(v->kind, SDP_VIDEO);
  assert_true(a->proto_ok && v->proto_ok && a->rtcp_mux);
  assert_int_equal(a->dir, SDP_SENDONLY);
  assert_string_equal(sdp_ice_ufrag(s, 1), "onnK");
  assert_memory_equal(sdp_fingerprint(s, 0), "sha-256 5B:EB:30", 16);
  assert_string_equal(v->setup, "actpass");
  assert_int_equal(a->n_ssrcs, 1);
  assert_int_equal(a->ssrcs[0], 3979643779u);
  assert_string_equal(a->cname, "2VBUK9ByVRzZWZLx");
  const sdp_codec *opus = sdp_pick_codec(a), *vp8 = sdp_pick_codec(v);
  assert_non_null(opus);
  assert_int_equal(opus->pt, 111);
  assert_int_equal(opus->channels, 2);
  assert_string_equal(opus->fmtp, "minptime=10;useinbandfec=1");
  assert_non_null(vp8);
  assert_int_equal(vp8->pt, 96);
  assert_int_equal(vp8->fb, SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC | SDP_FB_REMB);
  assert_int_equal(v->n_ssrcs, 2); /* media + RTX */

  static char ans[16384];
  int len = sdp_answer(s, opts(), ans, sizeof ans);
  assert_true(len > 0);
  assert_non_null(strstr(ans, "a=ice-lite\r\n"));
  assert_non_null(strstr(ans, "a=group:BUNDLE 0 1\r\n"));
  assert_non_null(strstr(ans, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));
  assert_non_null(strstr(ans, "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"));
  assert_non_null(strstr(ans, "a=recvonly\r\n"));
  assert_null(strstr(ans, "a=sendonly"));
  assert_null(strstr(ans, "sdes:mid"));
  /* buzzd receives here: transport-cc feedback (cc.c) for both m-lines, no REMB. */
  assert_non_null(strstr(ans, "a=rtcp-fb:111 transport-cc\r\n"));
  assert_non_null(strstr(ans, "a=rtcp-fb:96 transport-cc\r\n"));
  assert_non_null(strstr(ans, "a=extmap:3 http://www.ietf.org/id/"
                              "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"));
  assert_null(strstr(ans, "goog-remb"));
  assert_non_null(strstr(ans, "a=setup:passive\r\n"));
  assert_non_null(strstr(ans, "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n"));
  /* The answer parses with the same parser and says what we meant. */
  sdp_session *back = malloc(sizeof *back);
  assert_int_equal(sdp_parse(ans, (size_t)len, back), 0);
  assert_int_equal(back->n_media, 2);
  assert_int_equal(back->media[1].dir, SDP_RECVONLY);
  assert_string_equal(back->media[1].mid, "1");
  assert_int_equal(back->media[1].n_codecs, 2);
  assert_int_equal(back->media[1].codecs[1].apt, 96);
  /* Too small a buffer is an error, not a truncated answer. */
  assert_int_equal(sdp_answer(s, opts(), ans, 200), SDP_ESPACE);
  free(back);
  free(s);
}

static void test_answer_recvonly_with_streams(void **state) {
  (void)state;
  size_t n;
  char *text = slurp("server/tests/rtc/fixtures/chromium_offer_recvonly.sdp", &n);
  sdp_session *s = malloc(sizeof *s);
  assert_int_equal(sdp_parse(text, n, s), 0);
  assert_int_equal(s->media[0].dir, SDP_RECVONLY);
  sdp_answer_opts o = *opts();
  sdp_send video = {.ssrc = 1234, .cname = "pubcname", .msid = "stream1 track1"};
  o.send[1] = &video;
  static char ans[16384];
  int len = sdp_answer(s, &o, ans, sizeof ans);
  assert_true(len > 0);
  /* Audio: nothing to send, so inactive; video: sendonly with the publisher's SSRC. */
  assert_non_null(strstr(ans, "a=inactive\r\n"));
  assert_non_null(strstr(ans, "a=sendonly\r\na=msid:stream1 track1\r\n"));
  assert_non_null(strstr(ans, "a=ssrc:1234 cname:pubcname\r\n"));
  /* buzzd sends here: the subscriber's REMB is its estimate (bwe.h); no transport-cc. */
  assert_non_null(strstr(ans, "goog-remb\r\n"));
  assert_null(strstr(ans, "transport-cc"));
  assert_null(strstr(ans, "transport-wide-cc"));
  /* A line break smuggled into a caller's value is refused. */
  sdp_send evil = {.ssrc = 1, .msid = "a\r\na=evil"};
  o.send[1] = &evil;
  assert_int_equal(sdp_answer(s, &o, ans, sizeof ans), SDP_EARG);
  free(s);
}

static void test_parse_rejects(void **state) {
  (void)state;
  sdp_session *s = malloc(sizeof *s);
  assert_int_equal(sdp_parse("", 0, s), SDP_EPARSE);
  assert_int_equal(sdp_parse("x=0\r\n", 5, s), SDP_EPARSE);
  assert_int_equal(sdp_parse("v=1\r\n", 5, s), SDP_EPARSE);
  const char *bad_m = "v=0\r\nm=audio x UDP/TLS/RTP/SAVPF 111\r\n";
  assert_int_equal(sdp_parse(bad_m, strlen(bad_m), s), SDP_EPARSE);
  assert_int_equal(s->err_line, 2);
  const char *bad_pt = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 300\r\n";
  assert_int_equal(sdp_parse(bad_pt, strlen(bad_pt), s), SDP_EPARSE);
  const char *bad_map = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus\r\n";
  assert_int_equal(sdp_parse(bad_map, strlen(bad_map), s), SDP_EPARSE);
  /* Too many m-lines, too long a token, too long a line, too long a document. */
  static char big[SDP_MAX_LEN + 2];
  size_t off = (size_t)snprintf(big, sizeof big, "v=0\r\n");
  for (int i = 0; i <= SDP_MAX_MEDIA; i++)
    off += (size_t)snprintf(big + off, sizeof big - off, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
  assert_int_equal(sdp_parse(big, off, s), SDP_ELIMIT);
  off = (size_t)snprintf(big, sizeof big, "v=0\r\na=ice-ufrag:");
  memset(big + off, 'u', 300);
  off += 300;
  assert_int_equal(sdp_parse(big, off, s), SDP_ELIMIT);
  off = (size_t)snprintf(big, sizeof big, "v=0\r\na=x");
  memset(big + off, 'x', SDP_MAX_LINE);
  off += SDP_MAX_LINE;
  assert_int_equal(sdp_parse(big, off, s), SDP_ELIMIT);
  memset(big, 'a', sizeof big);
  assert_int_equal(sdp_parse(big, SDP_MAX_LEN + 1, s), SDP_ETOOBIG);
  /* Control bytes in a kept value. */
  const char *ctl =
      "v=0\r\na=ice-ufrag:ab\x01"
      "cd\r\n";
  assert_int_equal(sdp_parse(ctl, strlen(ctl), s), SDP_EPARSE);
  /* An offer without credentials, or with only codecs we do not take, gets no answer. */
  const char *nocred =
      "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
      "a=rtpmap:111 opus/48000/2\r\n";
  assert_int_equal(sdp_parse(nocred, strlen(nocred), s), 0);
  char ans[4096];
  assert_int_equal(sdp_answer(s, opts(), ans, sizeof ans), SDP_EMISSING);
  const char *h264 =
      "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
      "a=fingerprint:sha-256 AA\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\n"
      "a=rtpmap:102 H264/90000\r\n";
  assert_int_equal(sdp_parse(h264, strlen(h264), s), 0);
  assert_int_equal(sdp_answer(s, opts(), ans, sizeof ans), SDP_EMISSING);
  /* setup:passive in the offer would make us the DTLS client: refused. */
  const char *passive =
      "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
      "a=fingerprint:sha-256 AA\r\na=setup:passive\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n";
  assert_int_equal(sdp_parse(passive, strlen(passive), s), 0);
  assert_int_equal(sdp_answer(s, opts(), ans, sizeof ans), SDP_EMISSING);
  /* Bad options. */
  sdp_answer_opts o = *opts();
  o.ice_ufrag = "has space";
  assert_int_equal(sdp_answer(s, &o, ans, sizeof ans), SDP_EARG);
  free(s);
}

int rtc_tests_sdp(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_chromium_sendonly),
      cmocka_unit_test(test_answer_recvonly_with_streams),
      cmocka_unit_test(test_parse_rejects),
  };
  return cmocka_run_group_tests_name("sdp", tests, NULL, NULL);
}
