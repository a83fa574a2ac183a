/* Internals shared by rtc.c (control side), worker.c (the thread) and transport.c. Not a
 * public interface. */
#ifndef BZ_RTC_INT_H
#define BZ_RTC_INT_H

#include <stdatomic.h>
#include <uv.h>

#include "rtc/bwe.h"
#include "rtc/dtls.h"
#include "rtc/ice.h"
#include "rtc/map.h"
#include "rtc/rtc.h"
#include "rtc/rtx.h"
#include "rtc/speaker.h"
#include "rtc/srtp.h"
#include "rtc/srtp_evp.h"
#include "rtc/twcc.h"
#include "rtc/udp.h"

typedef enum {
  MSG_STOP = 1,
  MSG_TRANSPORT_ADD,
  MSG_TRANSPORT_REMOVE,
  MSG_TRANSPORT_RECV,
  MSG_TRANSPORT_SEND,
  MSG_TRANSPORT_SIMULCAST,
  MSG_TRANSPORT_VIEW,
  MSG_TRANSPORT_AUDIO
} rtc__msg_type;

/* One command (control -> worker) or event (worker -> control). Heap nodes: the sender
 * allocates, the receiver frees. */
typedef struct rtc__msg {
  struct rtc__msg *next;
  int type;
  uint64_t id;
  rtc_transport_params params;  /* MSG_TRANSPORT_ADD */
  uint32_t ssrcs[RTC_RECV_MAX]; /* MSG_TRANSPORT_RECV */
  int n_ssrcs;
  int has_maps;                    /* MSG_TRANSPORT_RECV: maps[i] goes with ssrcs[i] */
  rtc_hdrmap maps[RTC_RECV_MAX];
  rtc_simulcast sim;              /* MSG_TRANSPORT_SIMULCAST */
  rtc_view views[RTC_RECV_MAX];   /* MSG_TRANSPORT_VIEW, n_ssrcs of them */
  uint32_t audio_ssrc;            /* MSG_TRANSPORT_AUDIO */
  int audio_ext;
  rtc_event ev; /* events */
} rtc__msg;

/* A FIFO guarded by a mutex (enqueue and swap only, never held while handling). */
typedef struct rtc__queue {
  uv_mutex_t lock;
  rtc__msg *head, *tail;
} rtc__queue;

int rtc__queue_init(rtc__queue *q);
void rtc__queue_push(rtc__queue *q, rtc__msg *m);
rtc__msg *rtc__queue_take_all(rtc__queue *q); /* the whole list, oldest first */
void rtc__queue_free(rtc__queue *q);          /* frees what is left */

typedef struct rtc__counters {
  _Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_dropped;
  _Atomic uint64_t stun_in, stun_rejected, dtls_in, rtp_in, rtcp_in, unknown_in, transports;
  _Atomic uint64_t srtp_rejected, dtls_connected, dtls_failed, fwd_packets, fwd_bytes;
  _Atomic uint64_t nack_in, rtx_sent, rtcp_dropped, kf_suppressed, test_dropped;
  _Atomic uint64_t send_refused, rtcp_refused, map_refused;
  _Atomic uint64_t layer_switches, plis_sent, lastn_pauses;
  _Atomic uint64_t twcc_fb_sent, remb_in; /* cc.c */
} rtc__counters;

typedef struct rtc__transport rtc__transport;
typedef struct rtc__room rtc__room;

typedef struct rtc__worker {
  rtc *owner;
  uint64_t spk_tick; /* speaker.c: windows decided */
  int index;
  int fd, port;
  uv_thread_t thread;
  int thread_started;
  int fd_owned;       /* initialised: stop_join closes fd and frees what follows */
  rtc__msg *stop_msg; /* made at init, so stopping never needs an allocation */
  uv_loop_t loop;
  uv_async_t wake;
  uv_poll_t poll;
  uv_timer_t tick;
  uv_timer_t cc_timer;        /* cc.c: transport-cc feedback every RTC_CC_FB_MS */
  rtc__transport *cc_pending; /* cc.c: transports owing feedback (cc.fb_next) */
  rtc__queue inbox;
  rtc_map *by_ufrag;          /* our ufrag -> transport */
  rtc_map *by_addr;           /* validated peer address -> transport */
  rtc_map *by_id;             /* transport id (8 bytes) -> transport */
  rtc_map *by_room;           /* room id (8 bytes) -> rtc__room */
  rtc__transport *transports; /* doubly linked list of all */
  udp_rx *rx;
  udp_tx *tx;
  uint64_t loss_rng; /* test_loss_permille's generator (xorshift) */
  rtc__counters c;
} rtc__worker;

struct rtc {
  rtc_options o;
  char host[64], announced[64];
  int nworkers;
  rtc__worker *workers;
  rtc_cert *cert;
  rtc_dtls_ctx *dtls;
  uv_loop_t *control;
  uv_async_t events_async; /* on the control loop */
  rtc__queue events;
  int async_ready;
};

static inline void rtc__count(_Atomic uint64_t *c, uint64_t n) {
  /* One writer per counter: a relaxed load and store is enough and costs no locked op. */
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* worker.c */
int rtc__worker_init(rtc__worker *w, rtc *owner, int index, int fd, int port);
int rtc__worker_start(rtc__worker *w);
void rtc__worker_stop_join(rtc__worker *w); /* posts MSG_STOP, joins, frees the loop */
void rtc__worker_post(rtc__worker *w, rtc__msg *m);
/* Sends an event to the control thread (from the worker thread). */
void rtc__emit(rtc__worker *w, const rtc_event *ev);
uint64_t rtc__now_ms(rtc__worker *w);

/* One transport (a peer connection's bundled ICE/DTLS/SRTP), owned by one worker. */
struct rtc__transport {
  struct {                     /* speaker.c: its microphone's levels this window */
    uint32_t ssrc;
    uint8_t ext;               /* the audio-level extension id; 0 = not weighed */
    uint64_t spoke_ms;         /* the end of the last window it was heard in; 0 = never */
    double sum;
    uint32_t n;
  } spk;
  rtc__transport *prev, *next;           /* the worker's list */
  rtc__transport *room_prev, *room_next; /* the room's members */
  rtc__worker *w;
  uint64_t id;
  rtc__room *room;             /* NULL = in no room */
  uint64_t peer;               /* rtc_transport_params.peer */
  int recv_filter;             /* rtc_transport_params.recv_filter */
  uint32_t recv[RTC_RECV_MAX]; /* the SSRCs it is sent when recv_filter */
  int n_recv;
  rtc_hdrmap *recv_map;        /* RTC_RECV_MAX, recv_map[i] for recv[i]; NULL: unchanged */
  int send_filter;             /* rtc_transport_params.send_filter */
  uint32_t send[RTC_RECV_MAX]; /* the SSRCs it may publish when send_filter */
  int n_send;
  ice_lite ice;
  char remote_fp[RTC_FINGERPRINT_MAX];
  rtc_dtls *dtls; /* made on the first DTLS datagram */
  uint64_t dtls_started_ms;
  rtc_esrtp *srtp;                  /* after the handshake: SRTP on OpenSSL EVP (srtp_evp.h) */
  struct sockaddr_storage reply_to; /* where DTLS output goes: the address it came from */
  struct rtc__sim_src *sim;      /* simulcast.c: its camera's layers; NULL = not simulcast */
  struct rtc__sim_sub *sim_subs; /* simulcast.c: one per group it receives (RTC_RECV_MAX) */
  int n_sim_subs;                /* entries of sim_subs ever used (free ones are reused) */
  uint32_t sim_sent;             /* simulcast.c: cameras it is sent now, while !sim_sent_stale */
  int sim_sent_stale;            /* a layer choice or the recv list changed since */
  uint64_t lastn_ms;             /* simulcast.c: when its last-N choice was last made */
  uint64_t lastn_short_ms;       /* since when it lacks bandwidth for a camera it is sent */
  uint64_t lastn_start_ms;       /* its first last-N choice */
  uint64_t lastn_probe_ms;       /* when a paused camera was last resumed on trial */
  rtc_view views[RTC_RECV_MAX];  /* rtc_transport_view's last list */
  int n_views, has_views;
  struct rtc__cc {               /* cc.c: congestion control of this transport */
    int twcc_ext;                /* the transport-cc extension id; 0 = learning, -1 = none */
    rtc_twcc_learner learn;      /* while twcc_ext is 0 */
    rtc_twcc *twcc;              /* arrivals, made on the first numbered packet (~8 KiB) */
    rtc__transport *fb_next;     /* the worker's list of transports owing feedback */
    int fb_queued;
    rtc_bwe bwe;                 /* as a subscriber: its REMB and loss reports */
    uint64_t tx_bytes;           /* RTP bytes sent to it (forward.c) */
    uint64_t rate_bytes, rate_ms; /* tx_bytes and the clock at the last rate sample */
    uint32_t sent_bps;           /* what buzzd sends it, smoothed */
    uint64_t limit_ms;           /* when its estimate last said the link limits */
    uint64_t remb_limit_ms;      /* when its REMB (not a loss cap) last did (last-N) */
    uint32_t hold_ms;            /* how long a limit holds, 8 s doubling to 64 s */
  } cc;
};

#define ROOM_MAX_RTX 16 /* streams of a room with a retransmission buffer (first come) */

/* The transports of one room on this worker. */
struct rtc__room {
  uint64_t id;
  rtc__transport *members;
  int n;
  rtc_rtx_buf *rtx[ROOM_MAX_RTX]; /* by publisher SSRC, made on a stream's first packet */
  uint64_t kf_ms[ROOM_MAX_RTX];   /* when a PLI/FIR for that stream was last passed on */
  int n_rtx;
  rtc_spk_room spk;  /* speaker.c */
  uint64_t spk_tick; /* the window last decided */
};

/* speaker.c, on the worker's thread */
void rtc__speaker_on_rtp(rtc__transport *t, const uint8_t *p, size_t n); /* decrypted RTP */
void rtc__speaker_set(rtc__worker *w, uint64_t id, uint32_t ssrc, int ext);
void rtc__speaker_tick(rtc__worker *w); /* one window: RTC_EV_SPEAKER where it changed */

/* forward.c */
int rtc__room_join(rtc__worker *w, rtc__transport *t, uint64_t room);
void rtc__room_leave(rtc__worker *w, rtc__transport *t);
/* p[0..n) is a decrypted RTP (rtcp = 0) or RTCP packet from t: sends it to the others. */
void rtc__forward(rtc__worker *w, rtc__transport *from, const uint8_t *p, size_t n, int rtcp);

/* Encrypts plaintext p[0..n) for t into the send batch. 1 when queued. */
int rtc__send_to(rtc__worker *w, rtc__transport *t, const uint8_t *p, size_t n, int rtcp);

/* simulcast.c, on the worker's thread. */
void rtc__sim_command(rtc__worker *w, const rtc__msg *m); /* SIMULCAST / VIEW */
/* RTP from a simulcast publisher: 1 when it was a layer (forwarded or dropped here), 0 when
 * the ordinary path decides. */
int rtc__sim_forward(rtc__worker *w, rtc__transport *from, const uint8_t *p, size_t n);
/* Feedback from a subscriber about a simulcast group (NACK answered from the layer's buffer,
 * PLI/FIR turned into one for its layer): 1 when consumed. */
int rtc__sim_feedback(rtc__worker *w, rtc__transport *from, const rtcp_fb *fb, uint64_t now);
/* A sender report of a layer: sent on, re-timed, to the subscribers on that layer. 1 when v
 * was one (nothing else is to be done with it). */
int rtc__sim_sr(rtc__worker *w, rtc__transport *from, const rtcp_view *v);
void rtc__sim_free(rtc__transport *t);

/* cc.c, on the worker's thread: transport-cc feedback to publishers (twcc.h), the bandwidth
 * estimate of subscribers (bwe.h, rtc__bwe_bps). */
#define RTC_CC_FB_MS 50 /* feedback timer: every transport owing feedback gets it this often */
/* A decrypted RTP packet from t: records its transport-wide number. */
void rtc__cc_on_rtp(rtc__worker *w, rtc__transport *t, const uint8_t *p, size_t n);
/* One RTCP packet from t: REMB (1: consumed, not to be forwarded) and receiver reports (0). */
int rtc__cc_on_rtcp(rtc__worker *w, rtc__transport *t, const rtcp_view *v);
void rtc__cc_flush(rtc__worker *w); /* the timer: sends the feedback owed */
void rtc__cc_free(rtc__worker *w, rtc__transport *t);

/* transport.c: everything here runs on the worker's thread. */
int rtc__transport_add(rtc__worker *w, uint64_t id, const rtc_transport_params *p);
void rtc__transport_remove(rtc__worker *w, uint64_t id);
/* send = 0: the SSRCs it is sent (recv); 1: those it may publish (send). */
void rtc__transport_recv(rtc__worker *w, uint64_t id, const uint32_t *ssrcs, int n, int send);
/* Installs maps[0..n) for the SSRCs last given to rtc__transport_recv (NULL: none). */
void rtc__transport_maps(rtc__worker *w, uint64_t id, const rtc_hdrmap *maps, int n);
/* The header map of what t is sent under `ssrc`, or NULL (forward unchanged). */
const rtc_hdrmap *rtc__recv_map(const rtc__transport *t, uint32_t ssrc);
void rtc__transport_destroy_all(rtc__worker *w);
void rtc__transport_tick(rtc__worker *w, uint64_t now_ms);
/* One received datagram (already demultiplexed by first byte in worker.c). */
void rtc__on_stun(rtc__worker *w, const uint8_t *p, size_t n, const struct sockaddr *from);
void rtc__on_dtls(rtc__worker *w, const uint8_t *p, size_t n, const struct sockaddr *from);
void rtc__on_srtp(rtc__worker *w, uint8_t *p, size_t n, const struct sockaddr *from, int rtcp);

#endif
