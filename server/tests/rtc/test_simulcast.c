/* Simulcast: Chromium's rid offer (fixtures/chromium_offer_simulcast.sdp, captured from Debian's
 * chromium with three sendEncodings) parsed and answered; a=rid / a=simulcast rejections; VP8
 * and H.264 keyframe detection; the layer choice from (tile size, bandwidth); sequence numbers
 * and timestamps across layer switches at a wrap-around of both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/layer.h"
#include "rtc/rewrite.h"
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

static void test_simulcast_offer_answer(void **state) {
  (void)state;
  size_t n;
  char *text = slurp("server/tests/rtc/fixtures/chromium_offer_simulcast.sdp", &n);
  sdp_session *s = malloc(sizeof *s);
  assert_int_equal(sdp_parse(text, n, s), 0);
  const sdp_media *a = &s->media[0], *v = &s->media[1];
  assert_int_equal(v->n_ssrcs, 0); /* Chromium names no SSRC for simulcast */
  assert_int_equal(v->n_rids, 3);
  assert_int_equal(v->n_sim, 3);
  const char *order[3] = {"q", "h", "f"};
  for (int i = 0; i < 3; i++) {
    assert_string_equal(v->rids[v->sim[i]].id, order[i]);
    assert_int_equal(v->rids[i].send, 1);
  }
  assert_int_equal(sdp_ext_id(v, SDP_EXT_RID), 10);
  assert_int_equal(sdp_ext_id(v, SDP_EXT_RRID), 11);
  assert_true(sdp_simulcast_send(v));
  assert_false(sdp_simulcast_send(a));

  sdp_answer_opts o = {.ice_ufrag = "srvU",
                       .ice_pwd = "serverpassword0123456789",
                       .fingerprint = "sha-256 AA:BB",
                       .ip = "127.0.0.1",
                       .port = 40000};
  static char ans[16384];
  int len = sdp_answer(s, &o, ans, sizeof ans);
  assert_true(len > 0);
  const char *video = strstr(ans, "m=video");
  assert_non_null(video);
  assert_non_null(strstr(video, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"));
  assert_non_null(
      strstr(video, "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"));
  assert_non_null(strstr(video, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"));
  assert_non_null(strstr(video,
                         "a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\n"
                         "a=simulcast:recv q;h;f\r\n"));
  assert_non_null(strstr(video, "a=recvonly\r\n"));
  /* Only the simulcast m-line takes the MID / rid extensions. */
  assert_true(strstr(ans, "sdes:mid") > video);
  /* The answer parses back: recv rids, and no send list. */
  sdp_session *back = malloc(sizeof *back);
  assert_int_equal(sdp_parse(ans, (size_t)len, back), 0);
  assert_int_equal(back->media[1].n_rids, 3);
  assert_int_equal(back->media[1].rids[0].send, 0);
  assert_int_equal(back->media[1].n_sim, 0);
  free(back);
  free(s);
}

static int parse_video(const char *attrs) {
  static char buf[4096];
  snprintf(buf, sizeof buf,
           "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
           "a=extmap:10 " SDP_EXT_RID "\r\n%s",
           attrs);
  sdp_session *s = malloc(sizeof *s);
  int rc = sdp_parse(buf, strlen(buf), s);
  if (rc == 0) {
    rc = s->media[0].n_sim; /* > 0: the number of send streams */
    if (rc && !sdp_simulcast_send(&s->media[0])) rc = -100;
  }
  free(s);
  return rc;
}

static void test_rid_simulcast_rejects(void **state) {
  (void)state;
  assert_int_equal(parse_video("a=rid:q send\r\na=rid:f send\r\na=simulcast:send q;f\r\n"), 2);
  /* Alternatives and paused streams: the first of each, '~' skipped; a recv list ignored. */
  assert_int_equal(parse_video("a=rid:a send\r\na=rid:b send\r\na=rid:c send\r\na=rid:r recv\r\n"
                               "a=simulcast:recv r send ~a,b;c\r\n"),
                   2);
  assert_int_equal(parse_video("a=rid:r recv\r\na=simulcast:recv r\r\n"), 0);
  assert_int_equal(parse_video("a=rid:x-1_y send pt=96;max-width=320\r\n"), 0);
  const char *bad[] = {
      "a=rid:q\r\n",                                                   /* no direction */
      "a=rid:q both\r\n",                                              /* bad direction */
      "a=rid:q! send\r\n",                                             /* bad character */
      "a=rid: send\r\n",                                               /* empty */
      "a=rid:q send\r\na=rid:q send\r\n",                              /* twice */
      "a=rid:q send\r\na=simulcast:send x\r\n",                        /* unknown rid */
      "a=rid:q recv\r\na=simulcast:send q\r\n",                        /* not a send rid */
      "a=rid:q send\r\na=simulcast:send q;q\r\n",                      /* named twice */
      "a=rid:q send\r\na=simulcast:send q;\r\n",                       /* trailing ';' */
      "a=rid:q send\r\na=simulcast:send \r\n",                         /* empty list */
      "a=rid:q send\r\na=simulcast:q\r\n",                             /* no direction */
      "a=rid:q send\r\na=simulcast:send q\r\na=simulcast:send q\r\n",  /* two */
      "a=rid:q send\r\na=rid:h send\r\na=simulcast:send q send h\r\n", /* two send lists */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = parse_video(bad[i]);
    if (rc != SDP_EPARSE) fail_msg("accepted (%d): %s", rc, bad[i]);
  }
  assert_int_equal(parse_video("a=rid:abcdefghijklmnopq send\r\n"), SDP_ELIMIT); /* 17 chars */
  assert_int_equal(parse_video("a=rid:a send\r\na=rid:b send\r\na=rid:c send\r\na=rid:d send\r\n"
                               "a=rid:e send\r\n"),
                   SDP_ELIMIT);
  /* One stream is not simulcast; without the rid extension buzzd could not learn SSRCs. */
  assert_int_equal(parse_video("a=rid:q send\r\na=simulcast:send q\r\n"), -100);
}

/* A VP8 RTP payload: descriptor `d` (dn bytes) then a frame header. */
static size_t vp8(uint8_t *out, const uint8_t *d, size_t dn, int key, uint16_t w, uint16_t h) {
  memcpy(out, d, dn);
  uint8_t *f = out + dn;
  f[0] = key ? 0x10 : 0x11; /* P bit clear for a keyframe */
  f[1] = 0x02, f[2] = 0x00;
  f[3] = 0x9d, f[4] = 0x01, f[5] = 0x2a;
  f[6] = (uint8_t)w, f[7] = (uint8_t)(w >> 8 | 0x40); /* a scaling bit that must be masked */
  f[8] = (uint8_t)h, f[9] = (uint8_t)(h >> 8);
  memset(f + 10, 0x55, 20);
  return dn + 30;
}

static void test_vp8_keyframe(void **state) {
  (void)state;
  uint8_t p[64];
  uint16_t w = 0, h = 0;
  const uint8_t plain[] = {0x10};                            /* S, partition 0 */
  const uint8_t pid15[] = {0x90, 0x80, 0x81, 0x23};          /* X, I, 15-bit picture id */
  const uint8_t full[] = {0x90, 0xE0, 0x12, 0x34, 0x40};     /* X, I (7-bit), L, T */
  const uint8_t all15[] = {0x90, 0xF0, 0xFF, 0xFF, 7, 0x20}; /* X, I 15-bit, L, T, K */
  const struct {
    const uint8_t *d;
    size_t n;
  } ds[] = {{plain, 1}, {pid15, 4}, {full, 5}, {all15, 6}};
  for (size_t i = 0; i < 4; i++) {
    size_t n = vp8(p, ds[i].d, ds[i].n, 1, 1280, 720);
    w = h = 0;
    assert_int_equal(rtc_vp8_keyframe(p, n, &w, &h), 1);
    assert_int_equal(w, 1280);
    assert_int_equal(h, 720);
    /* Every truncation before the size is read is "not a keyframe", never a read past n. */
    for (size_t k = 0; k < ds[i].n + 10; k++)
      assert_int_equal(rtc_vp8_keyframe(p, k, NULL, NULL), 0);
    n = vp8(p, ds[i].d, ds[i].n, 0, 1280, 720);
    assert_int_equal(rtc_vp8_keyframe(p, n, &w, &h), 0); /* an inter frame */
  }
  size_t n = vp8(p, plain, 1, 1, 320, 180);
  p[0] = 0x00; /* S = 0: a later packet of the frame */
  assert_int_equal(rtc_vp8_keyframe(p, n, NULL, NULL), 0);
  p[0] = 0x11; /* partition 1 */
  assert_int_equal(rtc_vp8_keyframe(p, n, NULL, NULL), 0);
  p[0] = 0x10;
  p[4] = 0x9c; /* no start code */
  assert_int_equal(rtc_vp8_keyframe(p, n, NULL, NULL), 0);
}

static void test_h264_keyframe(void **state) {
  (void)state;
  const uint8_t idr[] = {0x65, 0x88}, sps[] = {0x67, 0x42}, slice[] = {0x41, 0x9a};
  assert_int_equal(rtc_h264_keyframe(idr, sizeof idr), 1);
  assert_int_equal(rtc_h264_keyframe(sps, sizeof sps), 1);
  assert_int_equal(rtc_h264_keyframe(slice, sizeof slice), 0);
  const uint8_t stap[] = {0x78, 0, 2, 0x09, 0x10, 0, 3, 0x67, 0x42, 0x00};
  assert_int_equal(rtc_h264_keyframe(stap, sizeof stap), 1);
  const uint8_t stap_bad[] = {0x78, 0, 9, 0x67};
  assert_int_equal(rtc_h264_keyframe(stap_bad, sizeof stap_bad), 0);
  const uint8_t fu_start[] = {0x7c, 0x85, 0x00}, fu_mid[] = {0x7c, 0x05, 0x00};
  assert_int_equal(rtc_h264_keyframe(fu_start, sizeof fu_start), 1);
  assert_int_equal(rtc_h264_keyframe(fu_mid, sizeof fu_mid), 0);
  assert_int_equal(rtc_h264_keyframe(fu_start, 1), 0);
  assert_int_equal(rtc_h264_keyframe(idr, 0), 0);
}

static int choose(const rtc_layer_info *l, int has_view, int w, int h, uint32_t bwe) {
  rtc_layer_want want = {
      .has_view = has_view, .width = (uint16_t)w, .height = (uint16_t)h, .bwe_bps = bwe};
  return rtc_layer_choose(l, 3, &want);
}

static void test_layer_choice(void **state) {
  (void)state;
  rtc_layer_info l[3] = {{1, 320, 180, 100000}, {1, 640, 360, 500000}, {1, 1280, 720, 1500000}};
  assert_int_equal(choose(l, 0, 0, 0, 0), 2);     /* no view, no estimate: the top */
  assert_int_equal(choose(l, 1, 0, 0, 0), -1);    /* not visible: nothing */
  assert_int_equal(choose(l, 1, 160, 90, 0), 0);  /* a thumbnail */
  assert_int_equal(choose(l, 1, 360, 200, 0), 0); /* within the 15 % up-scaling */
  assert_int_equal(choose(l, 1, 400, 225, 0), 1);
  assert_int_equal(choose(l, 1, 640, 480, 0), 2);       /* taller than the middle layer */
  assert_int_equal(choose(l, 1, 3840, 2160, 0), 2);     /* larger than anything: the top */
  assert_int_equal(choose(l, 1, 1280, 720, 600000), 1); /* (b) caps (a) */
  assert_int_equal(choose(l, 0, 0, 0, 400000), 0);
  assert_int_equal(choose(l, 0, 0, 0, 50000), 0);      /* never below the lowest */
  assert_int_equal(choose(l, 1, 160, 90, 5000000), 0); /* (a) caps a large estimate */
  /* A layer the publisher stopped sending is skipped, both ways. */
  l[2].active = 0;
  assert_int_equal(choose(l, 1, 1280, 720, 0), 1);
  l[2].active = 1, l[0].active = 0;
  assert_int_equal(choose(l, 1, 160, 90, 0), 1);
  assert_int_equal(choose(l, 1, 1280, 720, 200000), 1); /* nothing lower is active */
  l[0].active = l[1].active = l[2].active = 0;
  assert_int_equal(choose(l, 0, 0, 0, 0), -1);
  /* Sizes not known yet (no keyframe seen): the 1/4, 1/2, 1 ladder from what is known. */
  rtc_layer_info u[3] = {{1, 0, 0, 0}, {1, 0, 0, 0}, {1, 960, 540, 0}};
  assert_int_equal(choose(u, 1, 240, 135, 0), 0); /* 240 x 135 is exactly the lowest */
  assert_int_equal(choose(u, 1, 480, 270, 0), 1);
  rtc_layer_info none[3] = {{1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}};
  assert_int_equal(choose(none, 1, 320, 180, 0), 0); /* from 1280 x 720 down */
  assert_int_equal(choose(none, 1, 330, 200, 0), 0);
  assert_int_equal(choose(none, 1, 640, 360, 0), 1);
  assert_int_equal(rtc_layer_choose(NULL, 3, NULL), -1);
}

/* Last-N: four cameras of ~100 kbit/s at their lowest layers. */
static void test_lastn_choice(void **state) {
  (void)state;
  rtc_lastn_cand c[4] = {{100000, 5000, 1}, {100000, 9000, 1}, {100000, 0, 1}, {100000, 7000, 1}};
  uint8_t k[4];
  /* No estimate, or one that carries all: everyone. */
  assert_int_equal(rtc_lastn_choose(c, 4, 0, k), 4);
  assert_int_equal(rtc_lastn_choose(c, 4, 400000, k), 4);
  /* 250 kbit/s: the two heard last (1 at 9 s, 3 at 7 s); the never-heard one goes first. */
  assert_int_equal(rtc_lastn_choose(c, 4, 250000, k), 2);
  assert_true(k[1] && k[3] && !k[0] && !k[2]);
  /* Too little for even one: the latest speaker still gets its camera. */
  assert_int_equal(rtc_lastn_choose(c, 4, 30000, k), 1);
  assert_true(k[1] && !k[0] && !k[2] && !k[3]);
  /* Hysteresis: with 0 and 2 paused, 0 comes back only within 80 % of the estimate:
   * 300 kbit/s is 100 % for three, so it stays paused; at 400 (75 %) it returns. */
  c[0].sent = c[2].sent = 0;
  assert_int_equal(rtc_lastn_choose(c, 4, 300000, k), 2);
  assert_true(k[1] && k[3] && !k[0]);
  assert_int_equal(rtc_lastn_choose(c, 4, 400000, k), 3);
  assert_true(k[0] && k[1] && k[3] && !k[2]);
  /* Somebody paused speaks up: they take the place of the one heard longest ago. */
  c[2].spoke_ms = 10000;
  assert_int_equal(rtc_lastn_choose(c, 4, 250000, k), 2);
  assert_true(k[2] && k[1] && !k[3] && !k[0]);
  /* A rate not measured yet counts as the guess; a larger camera may be left for a smaller. */
  rtc_lastn_cand d[3] = {{0, 3, 1}, {400000, 2, 1}, {50000, 1, 1}};
  assert_int_equal(rtc_lastn_choose(d, 3, 200000, k), 2);
  assert_true(k[0] && !k[1] && k[2]);
  assert_int_equal(rtc_lastn_choose(NULL, 3, 1, k), 0);
}

static uint8_t pkt[12];

static int feed(rtc_rewriter *w, uint32_t ssrc, uint16_t seq, uint32_t ts, uint64_t now,
                uint16_t *out_seq, uint32_t *out_ts) {
  memset(pkt, 0, sizeof pkt);
  pkt[0] = 0x80, pkt[1] = 96;
  pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq;
  for (int i = 0; i < 4; i++) pkt[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; i++) pkt[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
  int rc = rtc_rewrite_rtp(w, pkt, sizeof pkt, now);
  *out_seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
  *out_ts = (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];
  return rc;
}

/* Three layers with unrelated sequence numbers and timestamps; the subscriber's stream moves
 * q → f → h while its own sequence numbers cross 65535 → 0 and its timestamps 2^32 → 0: the
 * output stays consecutive and its clock follows the wall clock. */
static void test_switch_continuity_across_wrap(void **state) {
  (void)state;
  const uint32_t Q = 0x1111, H = 0x2222, F = 0x3333;
  rtc_rewriter w;
  rtc_rewrite_init(&w, 0xC0FFEE, 90000);
  uint16_t s, prev_s = 0;
  uint32_t t, prev_t = 0;
  uint64_t now = 1000;
  /* Layer q starts near both wraps of the output (offset 0 for the first source). */
  uint16_t qs = 65500;
  uint32_t qt = 0xFFFFFFFFu - 90000u;
  int sent = 0;
  for (int i = 0; i < 30; i++, now += 33, qs++, qt += 2970) {
    assert_int_equal(feed(&w, Q, qs, qt, now, &s, &t), 0);
    if (sent++) {
      assert_int_equal((uint16_t)(s - prev_s), 1);
      assert_int_equal(t - prev_t, 2970u);
    }
    prev_s = s, prev_t = t;
    /* Packets of the other layers meanwhile go nowhere. */
    assert_int_equal(feed(&w, F, (uint16_t)(7 + i), 5000u + 2970u * (uint32_t)i, now, &s, &t), -1);
  }
  /* Switch to f at its keyframe: 40 ms since the last packet sent. */
  rtc_rewrite_switch(&w, F);
  assert_int_equal(feed(&w, Q, qs++, qt, now, &s, &t), 0); /* q goes on until f's first packet */
  assert_int_equal((uint16_t)(s - prev_s), 1);
  prev_s = s, prev_t = t;
  now += 40;
  uint16_t fs = 30000;
  uint32_t ft = 123456789;
  for (int i = 0; i < 1000; i++, fs++) {
    if (i && i % 3 == 0) now += 33, ft += 2970; /* three packets per frame */
    assert_int_equal(feed(&w, F, fs, ft, now, &s, &t), 0);
    assert_int_equal((uint16_t)(s - prev_s), 1);
    if (i == 0) assert_int_equal(t - prev_t, 40u * 90u);
    prev_s = s, prev_t = t;
  }
  /* The output has wrapped by now, both numbers. */
  assert_true(s < 2000);
  assert_true(t < 0x80000000u);
  /* A late f packet from before the switch point cannot land on used numbers. */
  assert_int_equal(feed(&w, F, 29990, ft, now, &s, &t), -1);
  /* Down to h, 100 ms later. */
  rtc_rewrite_switch(&w, H);
  now += 100;
  assert_int_equal(feed(&w, H, 100, 42, now, &s, &t), 0);
  assert_int_equal((uint16_t)(s - prev_s), 1);
  assert_int_equal(t - prev_t, 100u * 90u);
  assert_int_equal(feed(&w, F, fs, ft, now, &s, &t), -1); /* f no longer goes */
}

int rtc_tests_simulcast(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simulcast_offer_answer),
      cmocka_unit_test(test_rid_simulcast_rejects),
      cmocka_unit_test(test_vp8_keyframe),
      cmocka_unit_test(test_h264_keyframe),
      cmocka_unit_test(test_layer_choice),
      cmocka_unit_test(test_lastn_choice),
      cmocka_unit_test(test_switch_continuity_across_wrap),
  };
  return cmocka_run_group_tests_name("rtc_simulcast", tests, NULL, NULL);
}
