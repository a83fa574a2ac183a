/* rtc: buzzd's media plane — media worker threads, each with its own libuv loop and one UDP
 * socket, on which every transport of that worker is multiplexed (ICE-lite, then DTLS-SRTP).
 *
 * Threads. rtc_create, rtc_destroy, rtc_transport_add / _remove and the read-only getters run
 * on the control thread (the one whose loop is options.control_loop). Everything a worker owns
 * (its transports, its socket, its maps) is touched only by that worker's thread. The two
 * sides talk only through message queues and uv_async wake-ups: control -> worker for
 * commands, worker -> control for events, which are delivered by options.on_event on the
 * control loop. The queues take a mutex for the enqueue and the swap; the packet path takes
 * no lock.
 *
 * Ports. Worker i binds host:(port + i), or any free port when port is 0 (the log and
 * rtc_worker_port say which). announced_ip is what the SDP candidates will carry (a public
 * address in front of a 1:1 NAT); NULL means the bound host itself, or for the wildcard
 * 0.0.0.0 the first IPv4 address of an up, non-loopback interface (127.0.0.1 if none). */
#ifndef BZ_RTC_H
#define BZ_RTC_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include "rtc/hdrmap.h"

#define RTC_MAX_WORKERS 64
#define RTC_RECV_MAX 128 /* SSRCs one filtered transport may be sent (rtc_transport_recv) */

typedef struct rtc rtc;

typedef enum {
  RTC_EV_ICE_CONNECTED = 1, /* a check selected a peer address (addr filled) */
  RTC_EV_CONSENT_EXPIRED,   /* no valid check for consent_timeout_ms: media stops */
  RTC_EV_DTLS_CONNECTED,    /* DTLS-SRTP is up (profile filled) */
  RTC_EV_DTLS_FAILED,       /* handshake failed or the fingerprint did not match */
  RTC_EV_TRANSPORT_REJECTED, /* rtc_transport_add could not be applied (duplicate, full) */
  RTC_EV_SPEAKER, /* transport_id: the room's new active speaker (rtc_transport_audio) */
  RTC_EV_LASTN    /* transport_id: a subscriber whose paused cameras changed (groups: those
                     paused now by last-N, maybe none; see "Simulcast") */
} rtc_event_type;

typedef struct rtc_event {
  rtc_event_type type;
  int worker;
  uint64_t transport_id;
  char addr[64];    /* "ip:port" of the peer, ICE_CONNECTED */
  int srtp_profile; /* DTLS_CONNECTED: RTC_SRTP_* of rtc/srtp.h */
  uint32_t groups[RTC_RECV_MAX]; /* LASTN: simulcast groups (rtc_simulcast.group) */
  int n_groups;
} rtc_event;

/* Called on the control thread; ev is valid only during the call. */
typedef void (*rtc_event_cb)(void *user, const rtc_event *ev);

typedef struct rtc_options {
  const char *host;              /* bind address literal; "0.0.0.0" when NULL */
  int port;                      /* worker i binds port + i; 0 = any free port each */
  const char *announced_ip;      /* NULL = host */
  int workers;                   /* 0 = one per core (at most RTC_MAX_WORKERS) */
  uint32_t consent_timeout_ms;   /* 0 = 30000 (RFC 7675) */
  int max_transports_per_worker; /* 0 = 4096 */
  uv_loop_t *control_loop;       /* where events are delivered; NULL = events are dropped */
  uint32_t lastn_grace_ms;       /* 0 = 10000: last-N pauses no camera of a subscriber this
                                    soon after it started receiving (its estimate ramps up) */
  uint32_t test_loss_permille;   /* tests only: drop this share of the RTP buzzd sends to room
                                    members (forwarded and resent), as a lossy link would;
                                    0 in buzzd */
  rtc_event_cb on_event;
  void *user;
} rtc_options;

/* Credentials of one transport, from the SDP exchange (signaling owns them). */
typedef struct rtc_transport_params {
  char ufrag[33];               /* ours, 4..32 ice-chars */
  char pwd[65];                 /* ours, 22..64 ice-chars */
  char remote_ufrag[257];       /* theirs; "" = accept any */
  char remote_fingerprint[160]; /* "sha-256 AB:CD:..." from their SDP; "" = accept any */
  uint64_t room;                /* transports of one room on one worker forward to each other;
                                   0 = in no room (nothing forwarded) */
  uint64_t peer;   /* transports with the same nonzero peer (one participant's publishing and
                      subscribing connections) never forward to each other; 0 = none */
  int recv_filter; /* 1: RTP goes to this transport only for the SSRCs last given to
                      rtc_transport_recv (none at first); 0: every RTP of the room */
  int send_filter; /* 1: RTP from this transport is forwarded only for the SSRCs last given
                      to rtc_transport_send (none at first), so a member cannot send under
                      another member's SSRC, and so are its sender RTCP packets (SR, SDES,
                      BYE, APP: every SSRC they name must be one of those); 0: any SSRC */
} rtc_transport_params;

enum {
  RTC_EARG = -1, /* bad option or parameter */
  RTC_ENOMEM = -2,
  RTC_EBIND = -3,   /* a worker's UDP socket could not be bound */
  RTC_ECRYPTO = -4, /* certificate / DTLS context / SRTP library setup failed */
  RTC_ETHREAD = -5,
};
const char *rtc_strerror(int err);

/* Generates the DTLS certificate, binds every worker's socket and starts the threads. On
 * failure nothing is left running and *out is NULL. */
int rtc_create(rtc **out, const rtc_options *o);
/* Stops and joins every worker and frees everything. Events still queued are dropped. When
 * a control loop was given, the last handle closes on that loop: run it (as buzzd's shutdown
 * does) before uv_loop_close. */
void rtc_destroy(rtc *r);

int rtc_worker_count(const rtc *r);
int rtc_worker_port(const rtc *r, int worker);
const char *rtc_announced_ip(const rtc *r);
/* "sha-256 AB:CD:..." of the DTLS certificate, for a=fingerprint. */
const char *rtc_fingerprint(const rtc *r);

/* Asks `worker` to create a transport with these credentials under `id` (the caller's, unique
 * per worker). Every RTP and RTCP packet a transport of a room sends is forwarded, as it is
 * (same SSRC, sequence numbers and payload types), to every other connected transport of that
 * room on that worker, re-encrypted with each one's keys: a room lives on one worker. Asynchronous:
 * RTC_EV_TRANSPORT_REJECTED says if it could not. 0 or RTC_E*. */
int rtc_transport_add(rtc *r, int worker, uint64_t id, const rtc_transport_params *p);
/* Asks `worker` to drop transport `id` (nothing happens if it does not exist). */
int rtc_transport_remove(rtc *r, int worker, uint64_t id);
/* Replaces the SSRCs a recv_filter transport is sent (what its subscriber's SDP announces):
 * n <= RTC_RECV_MAX (else RTC_EARG). RTCP is not filtered: a subscriber needs the publishers'
 * sender reports and the publishers its keyframe requests and receiver reports. Asynchronous;
 * nothing happens if the transport does not exist. */
int rtc_transport_recv(rtc *r, int worker, uint64_t id, const uint32_t *ssrcs, int n);
/* Replaces the SSRCs a send_filter transport may publish (what its offer declared); same
 * bounds and timing as rtc_transport_recv. Other RTP from it is dropped (not buffered). */
int rtc_transport_send(rtc *r, int worker, uint64_t id, const uint32_t *ssrcs, int n);
/* The publishing transport's microphone: the RTP of `ssrc` carries its level as header
 * extension `ext` (RFC 6464; 0 = none: not weighed). The worker weighs every publisher of a
 * room this way (server/rtc/speaker.h) and emits RTC_EV_SPEAKER with the transport that
 * became the room's active speaker. Asynchronous, like rtc_transport_recv. */
int rtc_transport_audio(rtc *r, int worker, uint64_t id, uint32_t ssrc, int ext);
/* rtc_transport_recv, and every RTP packet sent under ssrcs[i] goes through maps[i]
 * (rtc/hdrmap.h: the publisher's payload types and header-extension ids renumbered to the
 * subscriber's, the rest dropped; a packet of a payload type the map lacks is not sent).
 * maps NULL: forwarded unchanged, as rtc_transport_recv does. */
int rtc_transport_recv_mapped(rtc *r, int worker, uint64_t id, const uint32_t *ssrcs,
                              const rtc_hdrmap *maps, int n);

/* Simulcast (server/rtc/simulcast.c). A publishing transport's camera arrives as layers that
 * the offer names only by rid (RFC 8851/8853): the worker learns each layer's SSRC from the
 * rtp-stream-id header extension of its packets, and forwards to each subscribing transport
 * whose rtc_transport_recv list holds `group` exactly one layer, rewritten to SSRC `group` with
 * continuous sequence numbers and timestamps, switching only on a keyframe of the new layer. */
#define RTC_SIM_LAYERS 4
typedef struct rtc_simulcast {
  uint32_t group;  /* the SSRC subscribers get the camera under; 0 = no simulcast any more */
  uint8_t rid_ext; /* the rtp-stream-id extension's id in this transport's offer, 1..255 */
  int n;           /* layers, 2..RTC_SIM_LAYERS, lowest first */
  char rid[RTC_SIM_LAYERS][17];
} rtc_simulcast;
int rtc_transport_simulcast(rtc *r, int worker, uint64_t id, const rtc_simulcast *s);
/* A subscribing transport's tiles: the largest layer it needs of `group` (device pixels);
 * 0 x 0 = not shown (nothing forwarded until it is again, then from a keyframe). Groups not
 * listed get no size cap. Replaces the last list; n <= RTC_RECV_MAX. */
typedef struct rtc_view {
  uint32_t group;
  uint16_t width, height;
} rtc_view;
int rtc_transport_view(rtc *r, int worker, uint64_t id, const rtc_view *v, int n);

/* Counters of one worker, read on any thread (each is written by the worker alone). */
typedef struct rtc_worker_stats {
  uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_dropped;
  uint64_t stun_in, stun_rejected, dtls_in, rtp_in, rtcp_in, unknown_in;
  uint64_t transports;
  uint64_t srtp_rejected, dtls_connected, dtls_failed;
  uint64_t fwd_packets, fwd_bytes; /* SRTP/SRTCP sent on to other members of a room */
  uint64_t nack_in, rtx_sent;      /* NACK packets received; packets resent from buffers */
  uint64_t rtcp_dropped;           /* malformed compound RTCP from a member, not forwarded */
  uint64_t kf_suppressed;          /* PLI/FIR held back: one per stream per 500 ms goes on */
  uint64_t test_dropped;           /* RTP dropped by test_loss_permille */
  uint64_t send_refused;           /* RTP of an SSRC its send_filter transport did not declare */
  uint64_t rtcp_refused; /* SR/SDES/BYE/APP of such an SSRC (the packet, not the compound) */
  uint64_t map_refused;  /* RTP its subscriber did not negotiate the payload type of (hdrmap) */
  uint64_t layer_switches; /* a subscriber's simulcast layer changed (its first one included) */
  uint64_t plis_sent;      /* keyframe requests buzzd made itself for a layer switch */
  uint64_t twcc_fb_sent;   /* transport-cc feedback packets sent to publishers */
  uint64_t remb_in;        /* REMB packets taken from subscribers (their estimate) */
  uint64_t lastn_pauses;   /* cameras last-N paused for a subscriber (layer.h) */
} rtc_worker_stats;
void rtc_worker_stats_get(const rtc *r, int worker, rtc_worker_stats *out);
/* Appends the workers' counters in Prometheus text format (buzz_rtc_* families, one sample per
 * worker) to buf[cap] at *len, NUL-terminated; for /metrics. Returns 0, or -1 (nothing written
 * beyond *len) when cap is too small. Any thread. */
int rtc_metrics_text(const rtc *r, char *buf, size_t cap, size_t *len);
/* CPU time the worker's thread has used so far (ns), for benchmarks and metrics. 0 or
 * RTC_EARG. */
int rtc_worker_cpu_ns(const rtc *r, int worker, uint64_t *ns);

#endif
