/* media: the load generator's media plane — publishers that replay a VP8 clip and cheap
 * receivers — over real ICE, DTLS-SRTP and SRTP, all on one thread with one epoll loop.
 *
 * Reused read-only from server/rtc: STUN (stun.c), the RFC 7983 demultiplexer (demux.c), the
 * DTLS-SRTP server and client roles (dtls.c: against Janus the generator answers setup:passive,
 * or offers actpass and Janus picks active; buzzd answers passive, so there the generator is the
 * client), the SRTP layer on OpenSSL EVP (srtp_evp.c) and the RTP/RTCP parsers
 * (rtp.c).
 *
 * Every peer has its own UDP socket on the address given to media_create. It answers the SFU's ICE
 * checks and sends its own (with USE-CANDIDATE while controlling; a 487 or the SFU's role attribute
 * flips the role; an ICE-lite SFU makes it controlling), keeps checking every 2 s once connected,
 * and does the DTLS-SRTP handshake as server, or as client when the SFU answered setup:passive
 * (buzzd; the ClientHello goes out once the first check is answered).
 * A publisher sends one frame of the clip per frame period (publishers spread over the
 * period) as RFC 7741 VP8 packets (at most 1,100
 * payload bytes each) with fresh sequence numbers and timestamps; the VP8 picture ID (15 bits)
 * is the frame id, and the send time of each frame id is kept. A PLI or FIR makes it jump to
 * the clip's next keyframe. A receiver unprotects, tracks sequence numbers (loss), counts
 * frames (marker bit) and takes the forwarding delay of each frame's first packet from its
 * publisher's send time.
 *
 * Threads: peers are made on the caller's (signaling) thread and handed over with
 * media_peer_go; from then on only the loop thread touches them, except the atomic state. */
#ifndef BZ_BENCH_MEDIA_H
#define BZ_BENCH_MEDIA_H

#include <stdint.h>

#include "bsdp.h"
#include "clip.h"

typedef struct media media;
typedef struct mpeer mpeer;

enum { MPEER_PENDING = 0, MPEER_READY = 1, MPEER_FAILED = -1 };

typedef struct media_stats {
  double seconds;           /* window length */
  uint64_t rx_packets;      /* RTP packets the receivers got */
  uint64_t expected;        /* what their sequence numbers say they should have got */
  uint64_t frames_rx;       /* complete frames (marker) over all receivers */
  uint64_t frames_sent;     /* frames sent by all publishers */
  uint64_t frames_expected; /* Σ over received streams of the frames their publisher sent */
  uint64_t packets_sent;    /* RTP packets sent by all publishers */
  uint64_t plis;            /* PLI/FIR received by publishers in the window */
  uint64_t plis_total;      /* ... since they started */
  int receivers, silent;    /* received streams in the window; those that got nothing */
  uint64_t delay_samples;
  double delay_p50_ms, delay_p99_ms;
} media_stats;

/* The clip must outlive the media. fps: the publishers' frame rate. ip: the local IPv4
 * address every peer socket binds to (and that the SDP announces). */
int media_create(media **out, const clip *c, int fps, const char *ip);
const char *media_ip(const media *m);
void media_destroy(media *m); /* stops the loop thread, closes every peer */
const char *media_fingerprint(const media *m);

/* A new peer with a bound socket; *port, ufrag and pwd go into the local SDP. */
int media_peer_new(media *m, int publisher, int index, mpeer **out);
int media_peer_port(const mpeer *p);
const char *media_peer_ufrag(const mpeer *p);
const char *media_peer_pwd(const mpeer *p);
uint32_t media_peer_ssrc(const mpeer *p);
/* Hands the peer to the loop with the remote side. feed: a receiver's publisher (for the
 * delay), NULL for a publisher. The receiver counts every RTP packet as that one stream,
 * whatever its SSRC (the fan-out shape). 0 or -1. */
int media_peer_go(media *m, mpeer *p, const bsdp_remote *r, mpeer *feed);
/* The same for a receiver of n streams on one bundled transport (the N×N shape): stream i
 * is SSRC ssrcs[i] (from the SDP that announced it) sent by publisher feeds[i]; packets of
 * any other SSRC are ignored. Every stream is counted on its own: sequence gaps (loss),
 * complete frames, and the delay from its publisher's send time of the frame id. n ≤
 * BSDP_MAX_MLINES. 0 or -1. */
int media_peer_go_streams(media *m, mpeer *p, const bsdp_remote *r, const uint32_t *ssrcs,
                          mpeer *const *feeds, int n);
int media_peer_state(const mpeer *p);
/* The DTLS-SRTP profile name of a READY peer. */
const char *media_peer_profile(const mpeer *p);
/* Waits until all n peers are MPEER_READY: 0, or -1 when one failed or timeout_s passed. */
int media_wait_ready(mpeer **peers, int n, double timeout_s);

/* Starts a measurement window (counters of every current receiver reset), and ends it. */
void media_window_begin(media *m);
void media_window_end(media *m, media_stats *st);

#endif
