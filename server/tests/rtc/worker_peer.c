/* The test side of the media-worker tests (worker_peer.h). */
#include "worker_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtc/stun.h"

/* The transport's peer id and recv_filter = send_filter (rtc_transport_params) for the next
 * peer_connect. */
uint64_t next_peer;
int next_filter;

void on_event(void *user, const rtc_event *ev) {
  seen *s = user;
  if (ev->type < 8) s->n[ev->type]++;
  s->last = *ev;
}

uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


int udp_client(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
  struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

int ice_check(uint8_t *buf, size_t cap, const char *user, int nominate) {
  uint8_t tid[STUN_TID_LEN];
  for (int i = 0; i < STUN_TID_LEN; i++) tid[i] = (uint8_t)(rand() & 0xFF);
  stun_builder b;
  stun_build_init(&b, buf, cap, STUN_BINDING_REQUEST, tid);
  stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user));
  stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 1);
  if (nominate) stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
  stun_build_integrity(&b, (const uint8_t *)PWD, strlen(PWD));
  stun_build_fingerprint(&b);
  return stun_build_finish(&b);
}

/* Sends a check and waits for a success response (retrying: the add is asynchronous). */
int ice_roundtrip(int fd, const char *user) {
  uint8_t req[256], resp[2048];
  for (int attempt = 0; attempt < 60; attempt++) {
    int n = ice_check(req, sizeof req, user, 1);
    assert_true(send(fd, req, (size_t)n, 0) == n);
    ssize_t k = recv(fd, resp, sizeof resp, 0);
    if (k <= 0) continue;
    stun_msg m;
    if (stun_parse(resp, (size_t)k, &m) < 0) continue;
    if (m.type != STUN_BINDING_SUCCESS || memcmp(m.tid, req + 8, STUN_TID_LEN)) continue;
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)PWD, strlen(PWD)), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    return 1;
  }
  return 0;
}



void peer_connect(peer *pe, rtc *r, uv_loop_t *loop, seen *ev, int port, uint64_t id,
                  uint64_t room, const char *ufrag) {
  void *x509, *key;
  char fp[160];
  rtc_test_client_cert(&x509, &key, fp);
  rtc_transport_params p;
  memset(&p, 0, sizeof p);
  snprintf(p.ufrag, sizeof p.ufrag, "%s", ufrag);
  strcpy(p.pwd, PWD);
  snprintf(p.remote_fingerprint, sizeof p.remote_fingerprint, "%s", fp);
  p.room = room;
  p.peer = next_peer;
  p.recv_filter = next_filter;
  p.send_filter = next_filter;
  assert_int_equal(rtc_transport_add(r, 0, id, &p), 0);
  pe->fd = udp_client(port);
  char user[64];
  snprintf(user, sizeof user, "%s:peer", ufrag);
  assert_true(ice_roundtrip(pe->fd, user));
  int before = ev->n[RTC_EV_DTLS_CONNECTED];
  pe->ctx = SSL_CTX_new(DTLS_client_method());
  SSL_CTX_use_certificate(pe->ctx, x509);
  SSL_CTX_use_PrivateKey(pe->ctx, key);
  rtc_test_client_cert_free(x509, key); /* the context holds its own references */
  SSL_CTX_set_tlsext_use_srtp(pe->ctx, "SRTP_AES128_CM_SHA1_80");
  pe->ssl = SSL_new(pe->ctx);
  BIO *bio = BIO_new_dgram(pe->fd, BIO_NOCLOSE);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &to);
  SSL_set_bio(pe->ssl, bio, bio);
  int ok = 0;
  for (int i = 0; i < 50 && !ok; i++) {
    int rc = SSL_connect(pe->ssl);
    if (rc == 1)
      ok = 1;
    else if (SSL_get_error(pe->ssl, rc) != SSL_ERROR_WANT_READ)
      break;
    else
      DTLSv1_handle_timeout(pe->ssl);
  }
  assert_true(ok);
  assert_true(WAIT_FOR(loop, ev->n[RTC_EV_DTLS_CONNECTED] == before + 1, 6000));
  rtc_srtp_keys k = {.profile = RTC_SRTP_AES128_CM_SHA1_80, .key_len = 16, .salt_len = 14};
  uint8_t m[60];
  assert_int_equal(
      SSL_export_keying_material(pe->ssl, m, sizeof m, "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0), 1);
  memcpy(k.local_key, m, 16);
  memcpy(k.remote_key, m + 16, 16);
  memcpy(k.local_salt, m + 32, 14);
  memcpy(k.remote_salt, m + 46, 14);
  assert_int_equal(rtc_srtp_create(&pe->srtp, &k), 0);
  pe->keys = k;
}

void peer_close(peer *pe) {
  rtc_srtp_destroy(pe->srtp);
  SSL_free(pe->ssl);
  SSL_CTX_free(pe->ctx);
  close(pe->fd);
}

/* Receives SRTP (or SRTCP) datagrams until a 200 ms silence; counts those that decrypt with
 * the peer's keys and start with `prefix`. */
int peer_recv(peer *pe, int rtcp, const uint8_t *prefix, size_t plen, int max) {
  int got = 0;
  uint8_t buf[2048];
  for (int i = 0; i < max; i++) {
    ssize_t n = recv(pe->fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    size_t len = (size_t)n;
    if (buf[0] < 128 || buf[0] > 191) continue; /* a STUN or DTLS leftover */
    int is_rtcp = buf[1] >= 192 && buf[1] <= 223;
    if (is_rtcp != rtcp) continue;
    int rc = rtcp ? rtc_srtp_unprotect_rtcp(pe->srtp, buf, &len)
                  : rtc_srtp_unprotect_rtp(pe->srtp, buf, &len);
    if (rc == 0 && len >= plen && memcmp(buf, prefix, plen) == 0) got++;
  }
  return got;
}

/* Sends an RTCP packet: a 28-byte SR whose first 8 bytes are `head` when n is 0, else the n
 * bytes of `head` as they are. */
void send_rtcp(peer *pe, const uint8_t *head, size_t n) {
  uint8_t pkt[128] = {0};
  size_t len = n ? n : 28;
  memcpy(pkt, head, n ? n : 8);
  assert_int_equal(rtc_srtp_protect_rtcp(pe->srtp, pkt, &len, sizeof pkt), 0);
  assert_true(send(pe->fd, pkt, len, 0) == (ssize_t)len);
}

/* The first RTCP packet that arrives (decrypted) into out; its length, or 0 when none did
 * within `max` reads. */
size_t peer_recv_one(peer *pe, int rtcp, uint8_t *out, size_t cap, int max) {
  uint8_t buf[2048];
  for (int i = 0; i < max; i++) {
    ssize_t n = recv(pe->fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    size_t len = (size_t)n;
    if (buf[0] < 128 || buf[0] > 191 || (buf[1] >= 192 && buf[1] <= 223) != rtcp) continue;
    if (rtc_srtp_unprotect_rtcp(pe->srtp, buf, &len) == 0 && len <= cap) {
      memcpy(out, buf, len);
      return len;
    }
  }
  return 0;
}

/* Sends n RTP packets of `ssrc` (sequence numbers seq_hi:0..n-1) from pe. */
void send_rtp(peer *pe, uint32_t ssrc, uint8_t seq_hi, int n) {
  for (int i = 0; i < n; i++) {
    uint8_t pkt[256] = {0x80,
                        96,
                        seq_hi,
                        (uint8_t)i,
                        0,
                        0,
                        0,
                        9,
                        (uint8_t)(ssrc >> 24),
                        (uint8_t)(ssrc >> 16),
                        (uint8_t)(ssrc >> 8),
                        (uint8_t)ssrc};
    size_t len = 60;
    assert_int_equal(rtc_srtp_protect_rtp(pe->srtp, pkt, &len, sizeof pkt), 0);
    assert_true(send(pe->fd, pkt, len, 0) == (ssize_t)len);
  }
}

/* One VP8 packet of a simulcast layer: the rid in a one-byte header extension (id 10), a
 * keyframe (with its size) or an inter frame. */
void send_layer(peer *pe, uint32_t ssrc, char rid, uint16_t seq, int key, uint16_t w,
                uint16_t h) {
  uint8_t pkt[256] = {0x90, 96, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, (uint8_t)(seq >> 8),
                      (uint8_t)seq, (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16),
                      (uint8_t)(ssrc >> 8), (uint8_t)ssrc, 0xBE, 0xDE, 0, 1, 0xA0, (uint8_t)rid,
                      0, 0, 0x10, key ? 0x10 : 0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a,
                      (uint8_t)w, (uint8_t)(w >> 8), (uint8_t)h, (uint8_t)(h >> 8)};
  size_t len = 80;
  assert_int_equal(rtc_srtp_protect_rtp(pe->srtp, pkt, &len, sizeof pkt), 0);
  assert_true(send(pe->fd, pkt, len, 0) == (ssize_t)len);
}


void recv_rtp(peer *pe, got_rtp *g) {
  memset(g, 0, sizeof *g);
  uint8_t buf[2048];
  for (int i = 0; i < 200 && g->n < 64; i++) {
    ssize_t n = recv(pe->fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    size_t len = (size_t)n;
    if (buf[0] < 128 || buf[0] > 191 || (buf[1] >= 192 && buf[1] <= 223)) continue;
    if (rtc_srtp_unprotect_rtp(pe->srtp, buf, &len) != 0 || len < 22) continue;
    g->ssrc[g->n] = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | buf[10] << 8 | buf[11];
    g->seq[g->n] = (uint16_t)(buf[2] << 8 | buf[3]);
    g->frame[g->n] = buf[21];
    g->n++;
  }
}

/* Reads and discards whatever has arrived on pe's socket. */
void drain(peer *pe) {
  uint8_t buf[2048];
  while (recv(pe->fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
}

/* A REMB (draft-alvestrand-rmcat-remb) from pe: its estimate is `bps` (< 2^18). */
void send_remb(peer *pe, uint32_t bps) {
  uint8_t p[64] = {0x8F, 206, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 'R', 'E', 'M', 'B',
                   0, (uint8_t)(bps >> 16 & 3), (uint8_t)(bps >> 8), (uint8_t)bps};
  size_t len = 20;
  assert_int_equal(rtc_srtp_protect_rtcp(pe->srtp, p, &len, sizeof p), 0);
  send(pe->fd, p, len, 0);
}
