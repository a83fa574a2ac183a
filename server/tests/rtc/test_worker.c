/* The media workers over real UDP on 127.0.0.1: a transport added from the control thread,
 * ICE-lite checks answered, DTLS-SRTP with an OpenSSL client on a datagram socket, SRTP
 * accepted and forgeries refused, unknown ufrags and garbage dropped, consent expiry, removal,
 * a taken port, and a clean shutdown (the leak check of the ASan build covers it). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtc/rtc.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "tests.h"
#include "worker_peer.h"

static void stats(rtc *r, rtc_worker_stats *s) {
  rtc_worker_stats_get(r, 0, s);
}

static void test_worker_end_to_end(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  seen ev;
  memset(&ev, 0, sizeof ev);
  rtc_options o = {.host = "127.0.0.1",
                   .workers = 2,
                   .consent_timeout_ms = 700,
                   .control_loop = &loop,
                   .on_event = on_event,
                   .user = &ev};
  rtc *r;
  assert_int_equal(rtc_create(&r, &o), 0);
  assert_int_equal(rtc_worker_count(r), 2);
  int port = rtc_worker_port(r, 0);
  assert_true(port > 0 && port != rtc_worker_port(r, 1));
  assert_string_equal(rtc_announced_ip(r), "127.0.0.1");
  assert_memory_equal(rtc_fingerprint(r), "sha-256 ", 8);

  void *x509, *key;
  char fp[160];
  rtc_test_client_cert(&x509, &key, fp);
  rtc_transport_params p;
  memset(&p, 0, sizeof p);
  strcpy(p.ufrag, UFRAG);
  strcpy(p.pwd, PWD);
  snprintf(p.remote_fingerprint, sizeof p.remote_fingerprint, "%s", fp);
  assert_int_equal(rtc_transport_add(r, 0, 42, &p), 0);
  /* Bad credentials are refused at once; a duplicate id is refused by the worker. */
  rtc_transport_params bad = p;
  strcpy(bad.pwd, "short");
  assert_int_equal(rtc_transport_add(r, 0, 43, &bad), RTC_EARG);
  assert_int_equal(rtc_transport_add(r, 5, 43, &p), RTC_EARG);
  assert_int_equal(rtc_transport_add(r, 0, 42, &p), 0);
  assert_true(WAIT_FOR(&loop, ev.n[RTC_EV_TRANSPORT_REJECTED] == 1, 6000));

  int fd = udp_client(port);
  /* DTLS or SRTP before any check is ignored (the address is not validated). */
  static const uint8_t early[] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
  send(fd, early, sizeof early, 0);
  assert_true(ice_roundtrip(fd, UFRAG ":peer"));
  assert_true(WAIT_FOR(&loop, ev.n[RTC_EV_ICE_CONNECTED] == 1, 6000));
  assert_int_equal(ev.last.transport_id, 42);
  assert_int_equal(ev.last.worker, 0);
  assert_memory_equal(ev.last.addr, "127.0.0.1:", 10);

  /* An unknown ufrag and a wrong password: no success, counted. */
  uint8_t req[256], resp[2048];
  int n = ice_check(req, sizeof req, "nope:peer", 1);
  send(fd, req, (size_t)n, 0);
  assert_true(recv(fd, resp, sizeof resp, 0) < 0);
  static const uint8_t junk[] = {0xff, 0, 1, 2, 3};
  send(fd, junk, sizeof junk, 0);

  /* DTLS over the same socket, then SRTP. */
  SSL_CTX *cctx = SSL_CTX_new(DTLS_client_method());
  SSL_CTX_use_certificate(cctx, x509);
  SSL_CTX_use_PrivateKey(cctx, key);
  assert_int_equal(SSL_CTX_set_tlsext_use_srtp(cctx, "SRTP_AEAD_AES_128_GCM"), 0);
  SSL *ssl = SSL_new(cctx);
  BIO *bio = BIO_new_dgram(fd, BIO_NOCLOSE);
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &peer.sin_addr);
  BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &peer);
  SSL_set_bio(ssl, bio, bio);
  int ok = 0;
  for (int i = 0; i < 50 && !ok; i++) {
    int rc = SSL_connect(ssl);
    if (rc == 1)
      ok = 1;
    else if (SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ)
      break;
    else
      DTLSv1_handle_timeout(ssl);
  }
  assert_true(ok);
  assert_true(WAIT_FOR(&loop, ev.n[RTC_EV_DTLS_CONNECTED] == 1, 6000));
  assert_int_equal(ev.last.srtp_profile, RTC_SRTP_AEAD_AES_128_GCM);
  /* Client keys (the client writes with the first key). */
  rtc_srtp_keys k = {.profile = RTC_SRTP_AEAD_AES_128_GCM, .key_len = 16, .salt_len = 12};
  uint8_t m[56];
  assert_int_equal(
      SSL_export_keying_material(ssl, m, sizeof m, "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0), 1);
  memcpy(k.local_key, m, 16);
  memcpy(k.remote_key, m + 16, 16);
  memcpy(k.local_salt, m + 32, 12);
  memcpy(k.remote_salt, m + 44, 12);
  rtc_srtp *cs;
  assert_int_equal(rtc_srtp_create(&cs, &k), 0);
  for (int i = 0; i < 10; i++) {
    uint8_t pkt[128] = {0x80, 96, 0, (uint8_t)i, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 'v'};
    size_t len = 13;
    assert_int_equal(rtc_srtp_protect_rtp(cs, pkt, &len, sizeof pkt), 0);
    if (i == 9) pkt[len - 1] ^= 1; /* the last one is forged */
    send(fd, pkt, len, 0);
  }
  rtc_worker_stats s;
  assert_true(WAIT_FOR(&loop, (stats(r, &s), s.rtp_in == 10), 6000));
  assert_int_equal(s.srtp_rejected, 1);
  assert_int_equal(s.dtls_connected, 1);
  assert_true(s.stun_rejected >= 1);
  assert_true(s.unknown_in >= 1);
  assert_int_equal(s.transports, 1);
  assert_true(s.tx_packets >= 2);
  rtc_srtp_destroy(cs);
  /* The same counters as /metrics text, per worker. */
  static char text[16384];
  size_t tlen = 0;
  assert_int_equal(rtc_metrics_text(r, text, sizeof text, &tlen), 0);
  assert_int_equal(strlen(text), tlen);
  assert_non_null(strstr(text, "# TYPE buzz_rtc_rtp_in_total counter\n"));
  assert_non_null(strstr(text, "buzz_rtc_rtp_in_total{worker=\"0\"} 10\n"));
  assert_non_null(strstr(text, "buzz_rtc_srtp_rejected_total{worker=\"0\"} 1\n"));
  assert_non_null(strstr(text, "buzz_rtc_transports{worker=\"1\"} 0\n"));
  size_t small = 5;
  text[5] = 'x';
  assert_int_equal(rtc_metrics_text(r, text, 300, &small), -1);
  assert_int_equal(small, 5);
  assert_int_equal(text[5], '\0');

  /* Silence: consent expires (700 ms, checked every 250 ms). */
  assert_true(WAIT_FOR(&loop, ev.n[RTC_EV_CONSENT_EXPIRED] == 1, 3000));
  assert_int_equal(rtc_transport_remove(r, 0, 42), 0);
  assert_int_equal(rtc_transport_remove(r, 0, 999), 0); /* unknown: nothing happens */
  assert_true(WAIT_FOR(&loop, (stats(r, &s), s.transports == 0), 6000));

  SSL_free(ssl);
  SSL_CTX_free(cctx);
  close(fd);
  rtc_test_client_cert_free(x509, key);
  rtc_destroy(r);
  uv_run(&loop, UV_RUN_DEFAULT); /* the events handle closes here */
  assert_int_equal(uv_loop_close(&loop), 0);
  ERR_clear_error();
}


static void test_forwarding(void **state) {
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
  peer a, b, c;
  peer_connect(&a, r, &loop, &ev, port, 1, 7, "pubA");
  peer_connect(&b, r, &loop, &ev, port, 2, 7, "subB");
  peer_connect(&c, r, &loop, &ev, port, 3, 8, "othC"); /* another room */
  /* A publishes 20 packets: B gets each one, decrypted with B's own keys; C nothing. */
  for (int i = 0; i < 20; i++) {
    uint8_t pkt[256] = {0x80, 96, 0x10, (uint8_t)i, 0, 0, 0, 9, 0xaa, 0xbb, 0xcc, 0xdd};
    memset(pkt + 12, 'v', 100);
    size_t len = 112;
    assert_int_equal(rtc_srtp_protect_rtp(a.srtp, pkt, &len, sizeof pkt), 0);
    assert_true(send(a.fd, pkt, len, 0) == (ssize_t)len);
  }
  static const uint8_t hdr[] = {0x80, 96, 0x10};
  assert_int_equal(peer_recv(&b, 0, hdr, sizeof hdr, 40), 20);
  assert_int_equal(peer_recv(&c, 0, hdr, sizeof hdr, 5), 0);
  /* B asks for a keyframe three times at once: one PLI reaches A, the other two are held
   * back (one keyframe request per stream per 500 ms goes on). */
  for (int i = 0; i < 3; i++) {
    uint8_t pli[64] = {0x81, 206, 0, 2, 0, 0, 0, 2, 0xaa, 0xbb, 0xcc, 0xdd};
    size_t l2 = 12;
    assert_int_equal(rtc_srtp_protect_rtcp(b.srtp, pli, &l2, sizeof pli), 0);
    send(b.fd, pli, l2, 0);
  }
  static const uint8_t pli_hdr[] = {0x81, 206, 0, 2};
  assert_int_equal(peer_recv(&a, 1, pli_hdr, sizeof pli_hdr, 10), 1);
  size_t len;
  rtc_worker_stats s;
  rtc_worker_stats_get(r, 0, &s);
  assert_int_equal(s.kf_suppressed, 2);
  assert_int_equal(s.fwd_packets, 21);
  assert_int_equal(s.srtp_rejected, 0);
  /* A sends ten more (fresh in the buffer, which keeps packets 1 s); B reports 0x2005 and 0x2007
   * lost (PID 0x2005, BLP bit 1): buzzd resends both from its buffer, encrypted for B, and the
   * NACK does not reach A. B reads them with a fresh context (its own has seen these sequence
   * numbers already). */
  for (int i = 0; i < 10; i++) {
    uint8_t pkt[256] = {0x80, 96, 0x20, (uint8_t)i, 0, 0, 0, 9, 0xaa, 0xbb, 0xcc, 0xdd};
    size_t l3 = 60;
    assert_int_equal(rtc_srtp_protect_rtp(a.srtp, pkt, &l3, sizeof pkt), 0);
    send(a.fd, pkt, l3, 0);
  }
  static const uint8_t hdr2[] = {0x80, 96, 0x20};
  assert_int_equal(peer_recv(&b, 0, hdr2, sizeof hdr2, 20), 10);
  uint8_t nack[64] = {0x81, 205, 0, 3, 0, 0, 0, 2, 0xaa, 0xbb, 0xcc, 0xdd, 0x20, 0x05, 0x00, 0x02};
  len = 16;
  assert_int_equal(rtc_srtp_protect_rtcp(b.srtp, nack, &len, sizeof nack), 0);
  send(b.fd, nack, len, 0);
  rtc_srtp *own = b.srtp;
  assert_int_equal(rtc_srtp_create(&b.srtp, &b.keys), 0);
  assert_int_equal(peer_recv(&b, 0, hdr2, sizeof hdr2, 10), 2);
  rtc_srtp_destroy(b.srtp);
  b.srtp = own;
  static const uint8_t nack_hdr[] = {0x81, 205};
  assert_int_equal(peer_recv(&a, 1, nack_hdr, sizeof nack_hdr, 5), 0);
  rtc_worker_stats_get(r, 0, &s);
  assert_int_equal(s.nack_in, 1);
  assert_int_equal(s.rtx_sent, 2);
  /* A malformed compound from a member is dropped, not forwarded. */
  uint8_t junk_rtcp[64] = {0x81, 200, 0, 40, 0, 0, 0, 2};
  len = 8;
  assert_int_equal(rtc_srtp_protect_rtcp(b.srtp, junk_rtcp, &len, sizeof junk_rtcp), 0);
  send(b.fd, junk_rtcp, len, 0);
  assert_true(WAIT_FOR(&loop, (rtc_worker_stats_get(r, 0, &s), s.rtcp_dropped == 1), 6000));
  /* B leaves the room (A stays in it, C in its own). */
  assert_int_equal(rtc_transport_remove(r, 0, 2), 0);
  assert_true(WAIT_FOR(&loop, (rtc_worker_stats_get(r, 0, &s), s.transports == 2), 6000));
  peer_close(&a);
  peer_close(&b);
  peer_close(&c);
  rtc_destroy(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  ERR_clear_error();
}

/* SFU rooms (signaling's transports): a participant's publishing (A1) and subscribing (A2)
 * transports share a peer id and never forward to each other; filtered transports get only the
 * SSRCs of rtc_transport_recv and may publish only those of rtc_transport_send, RTP and the
 * sender's RTCP (SR, SDES, BYE) alike, while receiver RTCP (RR, feedback) goes to everyone. */
static void test_filtered_forwarding(void **state) {
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
  peer a1, a2, b1, b2;
  next_filter = 1;
  next_peer = 100;
  peer_connect(&a1, r, &loop, &ev, port, 1, 7, "pubA");
  peer_connect(&a2, r, &loop, &ev, port, 2, 7, "subA");
  next_peer = 200;
  peer_connect(&b1, r, &loop, &ev, port, 3, 7, "pubB");
  peer_connect(&b2, r, &loop, &ev, port, 4, 7, "subB");
  next_peer = 0;
  next_filter = 0;
  /* Nobody has subscribed yet: nothing is forwarded. */
  send_rtp(&a1, 0xA1A1A1A1, 0x10, 10);
  static const uint8_t h10[] = {0x80, 96, 0x10};
  assert_int_equal(peer_recv(&b2, 0, h10, sizeof h10, 5), 0);
  /* B's subscriber takes A's stream: it gets A's packets; A's own subscriber and B's publisher
   * get none. */
  uint32_t want = 0xA1A1A1A1;
  assert_int_equal(rtc_transport_send(r, 0, 1, &want, 1), 0);
  assert_int_equal(rtc_transport_send(r, 0, 1, &want, RTC_RECV_MAX + 1), RTC_EARG);
  assert_int_equal(rtc_transport_recv(r, 0, 4, &want, 1), 0);
  assert_int_equal(rtc_transport_recv(r, 0, 4, &want, RTC_RECV_MAX + 1), RTC_EARG);
  assert_int_equal(rtc_transport_recv(r, 0, 4, NULL, 1), RTC_EARG);
  assert_int_equal(rtc_transport_recv(r, 0, 999, &want, 1), 0); /* unknown: nothing happens */
  assert_int_equal(rtc_transport_recv(r, 0, 2, &want, 1), 0);   /* A's own: still not sent */
  rtc_worker_stats s;
  /* The command is asynchronous: poll until it took effect. */
  int got = 0;
  for (int k = 0; k < 20 && !got; k++) {
    send_rtp(&a1, 0xA1A1A1A1, (uint8_t)(0x20 + k), 5);
    uint8_t h[] = {0x80, 96, (uint8_t)(0x20 + k)};
    got = peer_recv(&b2, 0, h, sizeof h, 10);
  }
  assert_int_equal(got, 5);
  send_rtp(&a1, 0xA1A1A1A1, 0x40, 10);
  static const uint8_t h40[] = {0x80, 96, 0x40};
  assert_int_equal(peer_recv(&b2, 0, h40, sizeof h40, 20), 10);
  assert_int_equal(peer_recv(&a2, 0, h40, sizeof h40, 5), 0);
  assert_int_equal(peer_recv(&b1, 0, h40, sizeof h40, 5), 0);
  /* An SSRC A did not declare is dropped at the source (it could be another member's). */
  rtc_worker_stats_get(r, 0, &s);
  uint64_t refused = s.send_refused;
  send_rtp(&a1, 0xA2A2A2A2, 0x50, 5);
  static const uint8_t h50[] = {0x80, 96, 0x50};
  assert_int_equal(peer_recv(&b2, 0, h50, sizeof h50, 5), 0);
  rtc_worker_stats_get(r, 0, &s);
  assert_int_equal(s.send_refused, refused + 5);
  /* B's subscriber may not publish at all, not even under A's SSRC. */
  send_rtp(&b2, 0xA1A1A1A1, 0x60, 5);
  static const uint8_t h60[] = {0x80, 96, 0x60};
  assert_int_equal(peer_recv(&a2, 0, h60, sizeof h60, 5), 0);
  assert_int_equal(peer_recv(&b2, 0, h60, sizeof h60, 5), 0);
  /* B's keyframe request reaches A's publisher, not A's own subscriber nor B's publisher. */
  uint8_t pli[64] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0xa1, 0xa1, 0xa1, 0xa1};
  size_t l = 12;
  assert_int_equal(rtc_srtp_protect_rtcp(b2.srtp, pli, &l, sizeof pli), 0);
  send(b2.fd, pli, l, 0);
  static const uint8_t pli_hdr[] = {0x81, 206, 0, 2};
  assert_int_equal(peer_recv(&a1, 1, pli_hdr, sizeof pli_hdr, 10), 1);
  assert_int_equal(peer_recv(&b1, 1, pli_hdr, sizeof pli_hdr, 5), 0);
  /* Sender RTCP: A's sender report for its own stream reaches B's transports... */
  rtc_worker_stats_get(r, 0, &s);
  uint64_t rtcp_refused = s.rtcp_refused;
  static const uint8_t sr_hdr[] = {0x80, 200, 0, 6, 0xa1, 0xa1, 0xa1, 0xa1};
  send_rtcp(&a1, sr_hdr, 0);
  assert_int_equal(peer_recv(&b2, 1, sr_hdr, sizeof sr_hdr, 10), 1);
  assert_int_equal(peer_recv(&a2, 1, sr_hdr, sizeof sr_hdr, 5), 0);
  /* ...one under an SSRC A does not publish (B's, say) reaches nobody, nor a BYE from B's
   * subscriber under A's SSRC; both are counted. */
  static const uint8_t forged_sr[] = {0x80, 200, 0, 6, 0xb1, 0xb1, 0xb1, 0xb1};
  send_rtcp(&a1, forged_sr, 0);
  static const uint8_t bye[] = {0x81, 203, 0, 1, 0xa1, 0xa1, 0xa1, 0xa1};
  send_rtcp(&b2, bye, sizeof bye);
  assert_int_equal(peer_recv(&b2, 1, forged_sr, sizeof forged_sr, 5), 0);
  assert_int_equal(peer_recv(&a1, 1, bye, sizeof bye, 5), 0);
  assert_int_equal(peer_recv(&a2, 1, bye, sizeof bye, 5), 0);
  /* A receiver's compound RR + SDES (its own, unpublished SSRC): the RR goes on, the SDES
   * chunk does not. */
  static const uint8_t rr_sdes[] = {0x80, 201, 0, 1, 0, 0, 0,   9,   0x81, 202, 0, 3,
                                    0,    0,   0, 9, 1, 2, 'a', 'b', 0,    0,   0, 0};
  send_rtcp(&b2, rr_sdes, sizeof rr_sdes);
  uint8_t got_rr[64];
  size_t got_len = peer_recv_one(&a1, 1, got_rr, sizeof got_rr, 10);
  assert_int_equal(got_len, 8);
  assert_memory_equal(got_rr, rr_sdes, 8);
  rtc_worker_stats_get(r, 0, &s);
  assert_int_equal(s.rtcp_refused, rtcp_refused + 3);
  assert_int_equal(s.srtp_rejected, 0);
  peer_close(&a1);
  peer_close(&a2);
  peer_close(&b1);
  peer_close(&b2);
  rtc_destroy(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  ERR_clear_error();
}

/* A hostile sender floods the port with malformed STUN, DTLS, RTP and RTCP (random bytes
 * behind each class's first byte) and checks with an unknown ufrag; another peer completes
 * ICE and never starts DTLS. The room's two real peers keep forwarding throughout, and
 * everything is freed at the end (the ASan build checks the leaks). */
static void test_hostile_flood(void **state) {
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
  peer_connect(&a, r, &loop, &ev, port, 1, 7, "pubA");
  peer_connect(&b, r, &loop, &ev, port, 2, 7, "subB");
  /* The ICE-only peer: checks pass, then nothing. */
  rtc_transport_params p;
  memset(&p, 0, sizeof p);
  strcpy(p.ufrag, "lazy");
  strcpy(p.pwd, PWD);
  p.room = 7;
  assert_int_equal(rtc_transport_add(r, 0, 3, &p), 0);
  int lazy = udp_client(port);
  assert_true(ice_roundtrip(lazy, "lazy:peer"));
  int bad = udp_client(port);
  uint8_t junk[1500];
  srand(7);
  static const uint8_t firsts[] = {0x00, 0x01, 22, 23, 0x80, 0x81, 0x90, 0xbf, 0xff, 0x41};
  for (int i = 0; i < 20000; i++) {
    size_t n = 1 + (size_t)(rand() % (int)sizeof junk);
    for (size_t k = 0; k < n; k++) junk[k] = (uint8_t)rand();
    junk[0] = firsts[i % (int)sizeof firsts];
    if (i % 3 == 0 && n >= 20) { /* plausible STUN: cookie, length, an unknown ufrag */
      n = (size_t)ice_check(junk, sizeof junk, i % 2 ? "nope:x" : "zzzz:x", 1);
      junk[n - 1] ^= (uint8_t)(i % 5 == 0); /* some with a bad FINGERPRINT */
    }
    if (i % 7 == 0) junk[1] = (uint8_t)(200 + i % 7); /* RTCP-looking */
    send(bad, junk, n, 0);
    if (i % 1000 == 0) { /* the real peers keep talking in between */
      uint8_t pkt[128] = {0x80, 96, 0x20, (uint8_t)(i / 1000), 0, 0, 0, 9, 0xaa, 0xbb, 0xcc, 0xdd};
      size_t len = 40;
      assert_int_equal(rtc_srtp_protect_rtp(a.srtp, pkt, &len, sizeof pkt), 0);
      send(a.fd, pkt, len, 0);
    }
  }
  static const uint8_t hdr[] = {0x80, 96, 0x20};
  /* UDP may drop some under the flood; most must arrive, and decrypt. */
  int got = peer_recv(&b, 0, hdr, sizeof hdr, 40);
  assert_true(got >= 15);
  rtc_worker_stats s;
  assert_true(WAIT_FOR(&loop, (rtc_worker_stats_get(r, 0, &s), s.rx_packets > 15000), 5000));
  assert_true(s.stun_rejected > 1000);
  assert_int_equal(s.dtls_connected, 2);
  assert_int_equal(s.transports, 3);
  /* After the flood, a fresh packet still goes through at once. */
  uint8_t pkt[128] = {0x80, 96, 0x20, 99, 0, 0, 0, 9, 0xaa, 0xbb, 0xcc, 0xdd};
  size_t len = 40;
  assert_int_equal(rtc_srtp_protect_rtp(a.srtp, pkt, &len, sizeof pkt), 0);
  send(a.fd, pkt, len, 0);
  assert_int_equal(peer_recv(&b, 0, hdr, sizeof hdr, 5), 1);
  close(bad);
  close(lazy);
  peer_close(&a);
  peer_close(&b);
  rtc_destroy(r); /* frees the never-DTLS transport and the room with the rest */
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  ERR_clear_error();
}

static void test_port_taken_and_options(void **state) {
  (void)state;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t sl = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &sl);
  int taken = ntohs(a.sin_port);
  /* Worker 0 gets taken - 1 (if free), worker 1 the taken port: the whole create fails. */
  rtc_options o = {.host = "127.0.0.1", .port = taken - 1, .workers = 2};
  rtc *r = (rtc *)1;
  assert_int_equal(rtc_create(&r, &o), RTC_EBIND);
  assert_null(r);
  close(fd);
  rtc_options bad = {.host = "not-an-ip", .workers = 1};
  assert_int_equal(rtc_create(&r, &bad), RTC_EBIND);
  rtc_options lossy = {.host = "127.0.0.1", .workers = 1, .test_loss_permille = 1001};
  assert_int_equal(rtc_create(&r, &lossy), RTC_EARG);
  rtc_options neg = {.workers = -1};
  assert_int_equal(rtc_create(&r, &neg), RTC_EARG);
  rtc_options high = {.host = "127.0.0.1", .port = 65535, .workers = 2};
  assert_int_equal(rtc_create(&r, &high), RTC_EARG);
  /* No control loop: events are dropped, the rest works, destroy frees at once. */
  rtc_options plain = {.host = "127.0.0.1", .workers = 1};
  assert_int_equal(rtc_create(&r, &plain), 0);
  rtc_destroy(r);
  /* Listening on every address: the candidates carry an interface's address, never 0.0.0.0;
   * an explicit announced IP wins. */
  rtc_options wild = {.host = "0.0.0.0", .workers = 1};
  assert_int_equal(rtc_create(&r, &wild), 0);
  struct in_addr ia;
  assert_int_equal(inet_pton(AF_INET, rtc_announced_ip(r), &ia), 1);
  assert_true(ia.s_addr != htonl(INADDR_ANY));
  rtc_destroy(r);
  rtc_options nat = {.host = "0.0.0.0", .workers = 1, .announced_ip = "203.0.113.7"};
  assert_int_equal(rtc_create(&r, &nat), 0);
  assert_string_equal(rtc_announced_ip(r), "203.0.113.7");
  rtc_destroy(r);
  assert_string_equal(rtc_strerror(RTC_EBIND), "cannot bind the UDP port");
}

int rtc_tests_worker(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_worker_end_to_end),      cmocka_unit_test(test_forwarding),
      cmocka_unit_test(test_filtered_forwarding),    cmocka_unit_test(test_hostile_flood),
      cmocka_unit_test(test_port_taken_and_options),
  };
  return cmocka_run_group_tests_name("worker", tests, NULL, NULL);
}
