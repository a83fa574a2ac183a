/* The media workers as an SFU over real UDP: simulcast layers forwarded one per subscriber,
 * last-N under a short REMB, and the retransmission buffers of a publisher that leaves. */
#include <openssl/err.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtc/rtc.h"
#include "rtc/srtp.h"
#include "tests.h"
#include "worker_peer.h"

/* Simulcast through a worker: the layers' SSRCs learned from the rid, one layer forwarded to
 * the subscriber under the group's SSRC, a PLI from buzzd for the layer it wants, the switch
 * at that layer's keyframe with consecutive sequence numbers, a view that pauses it. */
static void test_simulcast_forwarding(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  seen ev;
  memset(&ev, 0, sizeof ev);
  rtc_options o = {
      .host = "127.0.0.1", .workers = 1, .control_loop = &loop, .on_event = on_event, .user = &ev};
  rtc *r;
  assert_int_equal(rtc_create(&r, &o), 0);
  int port = rtc_worker_port(r, 0);
  peer a, b;
  next_filter = 1;
  next_peer = 100;
  peer_connect(&a, r, &loop, &ev, port, 1, 7, "simA");
  next_peer = 200;
  peer_connect(&b, r, &loop, &ev, port, 2, 7, "simB");
  next_peer = 0;
  next_filter = 0;
  const uint32_t G = 0xC0C0C0C0u, Q = 0x1001, H = 0x2002;
  rtc_simulcast sim = {.group = G, .rid_ext = 10, .n = 3, .rid = {"q", "h", "f"}};
  assert_int_equal(rtc_transport_simulcast(r, 0, 1, &sim), 0);
  rtc_simulcast bad = sim;
  bad.n = 1;
  assert_int_equal(rtc_transport_simulcast(r, 0, 1, &bad), RTC_EARG);
  assert_int_equal(rtc_transport_recv(r, 0, 2, &G, 1), 0);
  /* q and h arrive; with no view the subscriber wants the highest (h) and waits for its
   * keyframe: buzzd asks for one (a PLI naming H) and sends nothing yet. */
  uint16_t qs = 100, hs = 5000;
  int plis = 0;
  for (int k = 0; k < 20 && !plis; k++) {
    send_layer(&a, Q, 'q', qs++, 0, 0, 0);
    send_layer(&a, H, 'h', hs++, 0, 0, 0);
    static const uint8_t pli_h[] = {0x81, 206, 0, 2, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0x20, 0x02};
    plis = peer_recv(&a, 1, pli_h, sizeof pli_h, 5);
  }
  assert_int_equal(plis, 1);
  got_rtp g;
  recv_rtp(&b, &g);
  assert_int_equal(g.n, 0);
  /* h's keyframe (640x360) and q's (320x180): b gets h from its keyframe on, as G. */
  send_layer(&a, Q, 'q', qs++, 1, 320, 180);
  send_layer(&a, H, 'h', hs++, 1, 640, 360);
  for (int i = 0; i < 4; i++) {
    send_layer(&a, Q, 'q', qs++, 0, 0, 0);
    send_layer(&a, H, 'h', hs++, 0, 0, 0);
  }
  recv_rtp(&b, &g);
  assert_int_equal(g.n, 5);
  assert_int_equal(g.frame[0], 0x10);
  for (int i = 0; i < g.n; i++) {
    assert_int_equal(g.ssrc[i], G);
    if (i) assert_int_equal((uint16_t)(g.seq[i] - g.seq[i - 1]), 1);
  }
  uint16_t last = g.seq[g.n - 1];
  /* A 300 x 170 tile: q covers it. h goes on until q's keyframe, then q alone. */
  rtc_view v = {G, 300, 170};
  assert_int_equal(rtc_transport_view(r, 0, 2, &v, 1), 0);
  assert_int_equal(rtc_transport_view(r, 0, 2, &v, RTC_RECV_MAX + 1), RTC_EARG);
  /* The view takes effect when buzzd asks for q's keyframe; until then, and until it comes, h
   * goes on (received in the loop and checked with what follows). */
  got_rtp all = {0};
  plis = 0;
  for (int k = 0; k < 20 && !plis; k++) {
    send_layer(&a, Q, 'q', qs++, 0, 0, 0);
    send_layer(&a, H, 'h', hs++, 0, 0, 0);
    static const uint8_t pli_q[] = {0x81, 206, 0, 2, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0x10, 0x01};
    plis = peer_recv(&a, 1, pli_q, sizeof pli_q, 5);
  }
  assert_int_equal(plis, 1);
  send_layer(&a, H, 'h', hs++, 0, 0, 0);
  send_layer(&a, Q, 'q', qs++, 1, 320, 180);
  for (int i = 0; i < 3; i++) {
    send_layer(&a, Q, 'q', qs++, 0, 0, 0);
    send_layer(&a, H, 'h', hs++, 0, 0, 0);
  }
  recv_rtp(&b, &all);
  assert_true(all.n >= 5);
  int key = -1;
  for (int i = 0; i < all.n; i++) {
    assert_int_equal(all.ssrc[i], G);
    assert_int_equal((uint16_t)(all.seq[i] - last), 1);
    last = all.seq[i];
    if (all.frame[i] == 0x10 && key < 0) key = i;
  }
  assert_int_equal(key, all.n - 4); /* q's keyframe, then q's 3 packets; h's after it dropped */
  /* Hidden: nothing at all. */
  v.width = v.height = 0;
  assert_int_equal(rtc_transport_view(r, 0, 2, &v, 1), 0);
  int none = 0;
  for (int k = 0; k < 20 && !none; k++) {
    for (int i = 0; i < 3; i++) send_layer(&a, Q, 'q', qs++, 0, 0, 0);
    recv_rtp(&b, &g);
    none = g.n == 0;
  }
  assert_true(none);
  rtc_worker_stats s;
  rtc_worker_stats_get(r, 0, &s);
  assert_true(s.layer_switches >= 2);
  assert_true(s.plis_sent >= 2);
  assert_int_equal(s.srtp_rejected, 0);
  char text[65536];
  size_t tl = 0;
  assert_int_equal(rtc_metrics_text(r, text, sizeof text, &tl), 0);
  assert_non_null(strstr(text, "buzz_rtc_layer_switches_total{worker=\"0\"}"));
  assert_non_null(strstr(text, "buzz_rtc_plis_sent_total{worker=\"0\"}"));
  peer_close(&a);
  peer_close(&b);
  rtc_destroy(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  ERR_clear_error();
}


/* Last-N through a worker: two simulcast cameras (their lowest layers ~60 kbit/s each) to
 * one subscriber whose REMB says 20 kbit/s: one camera is paused for it (RTC_EV_LASTN names
 * its group) and only the other reaches it; audio or other subscribers are not involved. */
static void test_lastn_forwarding(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  seen ev;
  memset(&ev, 0, sizeof ev);
  rtc_options o = {.host = "127.0.0.1",
                   .workers = 1,
                   .control_loop = &loop,
                   .on_event = on_event,
                   .user = &ev,
                   .lastn_grace_ms = 1};
  rtc *r;
  assert_int_equal(rtc_create(&r, &o), 0);
  int port = rtc_worker_port(r, 0);
  peer a, b, c;
  next_filter = 1;
  next_peer = 100;
  peer_connect(&a, r, &loop, &ev, port, 1, 7, "simA");
  next_peer = 200;
  peer_connect(&b, r, &loop, &ev, port, 2, 7, "subB");
  next_peer = 300;
  peer_connect(&c, r, &loop, &ev, port, 3, 7, "simC");
  next_peer = 0;
  next_filter = 0;
  const uint32_t GA = 0xA0A0A0A0u, GC = 0xC0C0C0C0u, QA = 0x1001, QC = 0x3003;
  rtc_simulcast sa = {.group = GA, .rid_ext = 10, .n = 2, .rid = {"q", "h"}};
  rtc_simulcast sc = {.group = GC, .rid_ext = 10, .n = 2, .rid = {"q", "h"}};
  assert_int_equal(rtc_transport_simulcast(r, 0, 1, &sa), 0);
  assert_int_equal(rtc_transport_simulcast(r, 0, 3, &sc), 0);
  const uint32_t both[2] = {GA, GC};
  assert_int_equal(rtc_transport_recv(r, 0, 2, both, 2), 0);
  /* Both cameras reach B from their keyframes on (only q is sent: it is the top active). */
  uint16_t sqa = 100, sqc = 700;
  int a_seen = 0, c_seen = 0;
  for (int k = 0; k < 20 && !(a_seen && c_seen); k++) {
    send_layer(&a, QA, 'q', sqa++, 1, 320, 180);
    send_layer(&c, QC, 'q', sqc++, 1, 320, 180);
    got_rtp g;
    recv_rtp(&b, &g);
    for (int i = 0; i < g.n; i++) a_seen |= g.ssrc[i] == GA, c_seen |= g.ssrc[i] == GC;
  }
  assert_true(a_seen && c_seen);
  /* B's REMB is far under what it is sent: its link limits, and one camera must go. */
  uint64_t until = now_ms() + 8000;
  for (int k = 0; now_ms() < until && !ev.n[RTC_EV_LASTN]; k++) {
    send_layer(&a, QA, 'q', sqa++, 0, 0, 0);
    send_layer(&c, QC, 'q', sqc++, 0, 0, 0);
    if (k % 20 == 0) send_remb(&b, 20000);
    drain(&b);
    WAIT_FOR(&loop, ev.n[RTC_EV_LASTN] > 0, 10);
  }
  assert_int_equal(ev.n[RTC_EV_LASTN], 1);
  assert_int_equal(ev.last.type, RTC_EV_LASTN);
  assert_int_equal(ev.last.transport_id, 2);
  assert_int_equal(ev.last.n_groups, 1);
  uint32_t paused = ev.last.groups[0];
  rtc_worker_stats st;
  rtc_worker_stats_get(r, 0, &st);
  assert_int_equal(st.lastn_pauses, 1);
  assert_true(paused == GA || paused == GC);
  /* From now on only the other camera reaches B. */
  drain(&b);
  usleep(50000);
  drain(&b);
  int kept = 0, off = 0;
  for (int k = 0; k < 10; k++) {
    send_layer(&a, QA, 'q', sqa++, 0, 0, 0);
    send_layer(&c, QC, 'q', sqc++, 0, 0, 0);
  }
  got_rtp g;
  recv_rtp(&b, &g);
  for (int i = 0; i < g.n; i++) {
    if (g.ssrc[i] == paused)
      off++;
    else
      kept++;
  }
  assert_int_equal(off, 0);
  assert_true(kept >= 8);
  peer_close(&a);
  peer_close(&b);
  peer_close(&c);
  rtc_destroy(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  ERR_clear_error();
}


/* A publisher that leaves takes its retransmission buffers with it: A publishes as many
 * streams as a room buffers (ROOM_MAX_RTX) and leaves; D, who comes next, still gets B's
 * NACK answered from buzzd's buffer (before, the room's buffers stayed A's until the room
 * ended, and every later NACK went on to the publisher). */
static void test_rtx_freed_on_leave(void **state) {
  (void)state;
  enum { N = 16 }; /* ROOM_MAX_RTX (rtc_int.h) */
  uv_loop_t loop;
  uv_loop_init(&loop);
  seen ev;
  memset(&ev, 0, sizeof ev);
  rtc_options o = {
      .host = "127.0.0.1", .workers = 1, .control_loop = &loop, .on_event = on_event, .user = &ev};
  rtc *r;
  assert_int_equal(rtc_create(&r, &o), 0);
  int port = rtc_worker_port(r, 0);
  peer a, b, d;
  next_filter = 1;
  next_peer = 100;
  peer_connect(&a, r, &loop, &ev, port, 1, 7, "pubA");
  next_peer = 200;
  peer_connect(&b, r, &loop, &ev, port, 2, 7, "subB");
  uint32_t ssrcs[N + 1];
  for (int i = 0; i < N; i++) ssrcs[i] = 0xA0000000u + (uint32_t)i;
  ssrcs[N] = 0xD0D0D0D0u;
  assert_int_equal(rtc_transport_send(r, 0, 1, ssrcs, N), 0);
  assert_int_equal(rtc_transport_recv(r, 0, 2, ssrcs, N + 1), 0);
  /* Commands are asynchronous: A's streams reach B once both lists are in force. */
  int got = 0;
  for (int k = 0; k < 20 && !got; k++) {
    send_rtp(&a, ssrcs[0], (uint8_t)(0x10 + k), 1);
    uint8_t h[] = {0x80, 96, (uint8_t)(0x10 + k)};
    got = peer_recv(&b, 0, h, sizeof h, 5);
  }
  assert_int_equal(got, 1);
  for (int i = 1; i < N; i++) send_rtp(&a, ssrcs[i], 0x30, 1);
  static const uint8_t h30[] = {0x80, 96, 0x30};
  assert_int_equal(peer_recv(&b, 0, h30, sizeof h30, 40), N - 1);
  rtc_worker_stats s;
  assert_int_equal(rtc_transport_remove(r, 0, 1), 0);
  assert_true(WAIT_FOR(&loop, (rtc_worker_stats_get(r, 0, &s), s.transports == 1), 6000));
  peer_close(&a);
  next_peer = 300;
  peer_connect(&d, r, &loop, &ev, port, 3, 7, "pubD");
  next_peer = 0;
  next_filter = 0;
  assert_int_equal(rtc_transport_send(r, 0, 3, &ssrcs[N], 1), 0);
  got = 0;
  for (int k = 0; k < 20 && !got; k++) {
    send_rtp(&d, ssrcs[N], (uint8_t)(0x40 + k), 1);
    uint8_t h[] = {0x80, 96, (uint8_t)(0x40 + k)};
    got = peer_recv(&b, 0, h, sizeof h, 5);
  }
  assert_int_equal(got, 1);
  send_rtp(&d, ssrcs[N], 0x60, 8);
  static const uint8_t h60[] = {0x80, 96, 0x60};
  assert_int_equal(peer_recv(&b, 0, h60, sizeof h60, 20), 8);
  rtc_worker_stats_get(r, 0, &s);
  uint64_t resent = s.rtx_sent;
  /* B lost 0x6003: buzzd resends it; the NACK does not reach D. */
  uint8_t nack[64] = {0x81, 205, 0, 3, 0, 0, 0, 2, 0xd0, 0xd0, 0xd0, 0xd0, 0x60, 0x03, 0x00, 0x00};
  size_t len = 16;
  assert_int_equal(rtc_srtp_protect_rtcp(b.srtp, nack, &len, sizeof nack), 0);
  send(b.fd, nack, len, 0);
  rtc_srtp *own = b.srtp;
  assert_int_equal(rtc_srtp_create(&b.srtp, &b.keys), 0);
  static const uint8_t h6003[] = {0x80, 96, 0x60, 0x03};
  assert_int_equal(peer_recv(&b, 0, h6003, sizeof h6003, 10), 1);
  rtc_srtp_destroy(b.srtp);
  b.srtp = own;
  static const uint8_t nack_hdr[] = {0x81, 205};
  assert_int_equal(peer_recv(&d, 1, nack_hdr, sizeof nack_hdr, 5), 0);
  rtc_worker_stats_get(r, 0, &s);
  assert_int_equal(s.rtx_sent, resent + 1);
  peer_close(&b);
  peer_close(&d);
  rtc_destroy(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  ERR_clear_error();
}

int rtc_tests_worker_sfu(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simulcast_forwarding),
      cmocka_unit_test(test_rtx_freed_on_leave),
      cmocka_unit_test(test_lastn_forwarding),
  };
  return cmocka_run_group_tests_name("worker_sfu", tests, NULL, NULL);
}
