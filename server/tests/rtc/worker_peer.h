/* The test side of the media-worker tests (test_worker.c, test_worker_sfu.c): a DTLS-SRTP
 * peer on a connected UDP socket that has done ICE with a worker, the packets it sends
 * (RTP, simulcast layers, RTCP, REMB) and reads back, and the control loop run until a
 * condition holds. */
#ifndef BZ_RTC_TEST_WORKER_PEER_H
#define BZ_RTC_TEST_WORKER_PEER_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "rtc/rtc.h"
#include "rtc/srtp.h"
#include "tests.h"

#define UFRAG "wkrU"
#define PWD "workerpassword0123456789"

/* Events seen by on_event (rtc_options.on_event with .user = a seen). */
typedef struct seen {
  int n[8];
  rtc_event last;
} seen;
void on_event(void *user, const rtc_event *ev);
uint64_t now_ms(void); /* monotonic */

/* Runs the control loop until `cond` holds or `ms` pass; returns the condition. */
#define WAIT_FOR(loop, cond, ms)           \
  ({                                       \
    uint64_t until_ = now_ms() + (ms);     \
    while (!(cond) && now_ms() < until_) { \
      uv_run((loop), UV_RUN_NOWAIT);       \
      usleep(2000);                        \
    }                                      \
    (cond);                                \
  })

/* A UDP socket connected to 127.0.0.1:port, with a 200 ms receive timeout. */
int udp_client(int port);
/* A STUN Binding request for `user` (ICE-CONTROLLING, USE-CANDIDATE when nominate) built into
 * buf, with PWD's integrity and a fingerprint: its length. */
int ice_check(uint8_t *buf, size_t cap, const char *user, int nominate);
/* A STUN Binding check for `user` (nominating) answered with integrity and fingerprint. */
int ice_roundtrip(int fd, const char *user);

/* A peer that has done ICE and DTLS-SRTP with a worker, over a connected UDP socket. */
typedef struct peer {
  int fd;
  SSL_CTX *ctx;
  SSL *ssl;
  rtc_srtp *srtp; /* the peer's side: local = its own (client) key */
  rtc_srtp_keys keys;
} peer;

/* The transport's peer id and recv_filter = send_filter (rtc_transport_params) for the next
 * peer_connect. */
extern uint64_t next_peer;
extern int next_filter;

/* Adds transport id in `room` with credentials ufrag/PWD, then ICE and the DTLS handshake. */
void peer_connect(peer *pe, rtc *r, uv_loop_t *loop, seen *ev, int port, uint64_t id,
                  uint64_t room, const char *ufrag);
void peer_close(peer *pe);
/* SRTP (or SRTCP) datagrams until a 200 ms silence or `max` reads: those that decrypt with the
 * peer's keys and start with `prefix`. */
int peer_recv(peer *pe, int rtcp, const uint8_t *prefix, size_t plen, int max);
/* An RTCP packet: a 28-byte SR whose first 8 bytes are `head` when n is 0, else head[0..n). */
void send_rtcp(peer *pe, const uint8_t *head, size_t n);
/* The first RTCP packet that arrives (decrypted) into out; its length, or 0. */
size_t peer_recv_one(peer *pe, int rtcp, uint8_t *out, size_t cap, int max);
/* n RTP packets of ssrc, sequence numbers seq_hi << 8 | i. */
void send_rtp(peer *pe, uint32_t ssrc, uint8_t seq_hi, int n);
/* One VP8 packet of simulcast layer `rid` (rid extension id 10); a keyframe of w x h if key. */
void send_layer(peer *pe, uint32_t ssrc, char rid, uint16_t seq, int key, uint16_t w,
                uint16_t h);

/* The RTP packets that arrive (decrypted) until a 200 ms silence: their SSRC, sequence number
 * and first descriptor byte after the extension. */
typedef struct got_rtp {
  int n;
  uint32_t ssrc[64];
  uint16_t seq[64];
  uint8_t frame[64]; /* the frame tag's first byte: 0x10 keyframe, 0x11 inter */
} got_rtp;
void recv_rtp(peer *pe, got_rtp *g);
/* Reads and discards whatever has arrived. */
void drain(peer *pe);
/* A REMB (draft-alvestrand-rmcat-remb) from pe: its estimate is `bps` (< 2^18). */
void send_remb(peer *pe, uint32_t bps);

#endif
