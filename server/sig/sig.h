/* sig: the signaling core of buzzd — rooms, participants, chat, limits, owner actions.
 *
 * Transport-free: it never touches sockets. The network layer (server/net) hands it whole
 * WebSocket text messages as bytes and gets replies back through the callbacks in
 * sig_transport. That keeps it unit-testable and fuzzable ("bytes in -> replies out").
 *
 * Threading: every function runs on the control thread (the libuv loop that owns it). The
 * two slow things sig does, argon2 password hashing and SQLite writes, run as jobs on other
 * threads through sig_transport.offload; their results come back on the control thread.
 * Error convention: 0 on success, a negative SIG_E* code on failure; sig_strerror() names it.
 * docs/protocol.md is the wire contract this module implements. */
#ifndef BUZZ_SIG_H
#define BUZZ_SIG_H

#include "rtc/hdrmap.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sig_ctx sig_ctx;   /* the whole signaling state; one per server */
typedef struct sig_conn sig_conn; /* one WebSocket connection */
typedef struct bz_store bz_store; /* persistence, server/store/store.h */

enum {
  SIG_OK = 0,
  SIG_ENOMEM = -1,
  SIG_EINVAL = -2,
  SIG_ENOTFOUND = -3,
  SIG_ELIMIT = -4, /* max_rooms reached */
  SIG_ESTORE = -5,
  SIG_EBUSY = -6, /* the server-wide password hashing budget is spent: retry in a second */
};
const char *sig_strerror(int err);

/* Media modes (docs/protocol.md, "Media modes"): how a room's participants exchange media.
 * SIG_MEDIA_DEFAULT is a room that has no mode of its own: the server's default applies. */
enum { SIG_MEDIA_DEFAULT = 0, SIG_MEDIA_P2P = 1, SIG_MEDIA_SFU = 2, SIG_MEDIA_AUTO = 3 };
/* "p2p" / "sfu" / "auto" (exactly, n bytes) -> SIG_MEDIA_*; anything else -> -1. */
int sig_media_mode_parse(const char *s, size_t n);
/* The wire name of SIG_MEDIA_P2P/SFU/AUTO; "" for SIG_MEDIA_DEFAULT or anything else. */
const char *sig_media_mode_name(int mode);

typedef struct sig_limits {
  size_t max_message_bytes; /* 65536 */
  double rate_per_s;        /* 50 */
  double rate_burst;        /* 200 */
  int max_participants;     /* 50 per room */
  int max_rooms;            /* 10000 */
  int max_name_chars;       /* 64 */
  int max_chat_chars;       /* 2000 */
  int idle_timeout_s;       /* 30 */
  int reconnect_grace_s;    /* 15 */
  int room_ttl_days;        /* 30: rooms empty and unused this long are deleted; 0 = never */
  int join_history_msgs;    /* 50: most chat messages in `joined` (0..SIG_CHAT_KEEP) */
  int join_history_bytes;   /* 65536: most serialized chat bytes in `joined` or a chat-history */
  /* argon2 (password) runs: CPU ms per second for the whole server and per client address,
   * and how many may wait (server, address). */
  double password_cpu_ms_per_s;      /* 250 */
  double password_addr_cpu_ms_per_s; /* 100 */
  int password_queue_max;            /* 64 */
  int password_addr_queue_max;       /* 8 */
  int media_mode; /* SIG_MEDIA_P2P: the mode of rooms created without one (--media-mode) */
} sig_limits;

void sig_limits_default(sig_limits *l);

typedef struct sig_turn {
  const char *uri;    /* e.g. "turn:127.0.0.1:3478?transport=udp"; NULL = no TURN */
  const char *secret; /* coturn static-auth-secret (REST API credentials) */
  int ttl_s;          /* credential lifetime, default 86400 */
} sig_turn;

/* Delivery class of an outgoing frame (sig_transport.send). */
enum {
  SIG_TX_MUST = 0,     /* replies, roster, relay, errors: delivered in order or the peer closed */
  SIG_TX_DROPPABLE = 1 /* chat broadcasts: may be dropped for a receiver that falls behind */
};

/* How sig talks back to the transport. `user` is the transport's per-connection pointer
 * given to sig_conn_open. Both calls may happen inside sig_conn_message and from timers. */
typedef struct sig_transport {
  /* Queue one text frame (not NUL-terminated). The transport copies the bytes. A SIG_TX_MUST
   * frame that does not fit the receiver's send queue closes that connection (1008). For a
   * SIG_TX_DROPPABLE frame the transport may instead drop older droppable frames still
   * queued for this receiver, or this one, so nobody is disconnected for someone else's
   * chat. Returns how many droppable frames the receiver lost in this call (0 normally). */
  int (*send)(void *user, const char *text, size_t len, int cls);
  /* Ask the transport to close with a WebSocket close code and reason. sig_conn_closed()
   * must still be called by the transport when the socket is really gone. */
  void (*close)(void *user, int code, const char *reason);
  /* Current time in milliseconds (monotonic for timers; tests inject a fake clock). */
  uint64_t (*now_ms)(void *ctx_user);
  /* Wall-clock milliseconds since the epoch (chat timestamps). */
  uint64_t (*wall_ms)(void *ctx_user);
  void *ctx_user;
  /* Optional. Runs work(arg) on another thread, then done(arg) on the control thread.
   * Returns 0, or negative when nothing was queued (done is then never called). NULL: sig
   * runs work and done inline (unit tests, the fuzzer). */
  int (*offload)(void *ctx_user, void (*work)(void *arg), void (*done)(void *arg), void *arg);
} sig_transport;

/* The media plane as sig drives it for rooms in SFU mode (buzzd: server/rtc, see
 * rtc/rtc_sig.h; tests: a fake). sig decides the credentials and ids and writes the SDP answers
 * itself (rtc/sdp.h); these calls only create, drop and filter transports on a worker. Every
 * call is made on the control thread and returns 0 or a negative code (then sig answers
 * `internal`). Without a media plane (sig_ctx_set_media never called) SFU rooms answer
 * `sfu-offer` with `wrong_media`. */
typedef struct sig_media_transport {
  const char *ufrag, *pwd;       /* ours: ice-chars, 8 and 32 of them */
  const char *remote_ufrag;      /* theirs, from the offer */
  const char *remote_fingerprint; /* "sha-256 AB:..." from the offer */
  uint64_t room;                 /* the room's media id: transports of one room forward */
  uint64_t peer;                 /* one participant's two transports share it */
} sig_media_transport;

/* A publisher's camera sent as simulcast layers named by rid (lowest first): subscribers get
 * one layer under SSRC `group` (sig's, announced in their answers); 0 = no simulcast. */
typedef struct sig_media_simulcast {
  uint32_t group;
  int rid_ext;         /* the rtp-stream-id extension's id in the offer, 1..255 */
  int n;               /* 2..4 */
  const char *rid[4];  /* 1..16 rid characters each */
} sig_media_simulcast;

/* One tile of a subscriber's page: how large (device pixels) it shows group's camera; 0 x 0 =
 * not shown. */
typedef struct sig_media_view {
  uint32_t group;
  int width, height; /* 0..SIG_VIEW_MAX_PX */
} sig_media_view;
#define SIG_VIEW_MAX_PX 16384

typedef struct sig_media {
  int workers;             /* >= 1 */
  const char *ip;          /* the candidate address (announced IP) */
  const char *fingerprint; /* our DTLS certificate: "sha-256 AB:..." */
  int (*port)(void *user, int worker);
  /* A transport that is sent only the RTP SSRCs of the last recv call and may publish only
   * those of the last send call (none of either at first). */
  int (*add)(void *user, int worker, uint64_t id, const sig_media_transport *t);
  int (*remove)(void *user, int worker, uint64_t id);
  int (*recv)(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n);
  /* Optional (NULL: recv, packets forwarded with the publisher's numbers): recv, and the
   * stream under ssrcs[i] is renumbered through maps[i] (rtc/hdrmap.h) for this subscriber. */
  int (*recv_mapped)(void *user, int worker, uint64_t id, const uint32_t *ssrcs,
                     const rtc_hdrmap *maps, int n);
  int (*send)(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n);
  /* Optional (NULL: simulcast offers are answered but not configured): a publishing
   * transport's camera layers, and a subscribing transport's tile sizes (n <= 32). */
  int (*simulcast)(void *user, int worker, uint64_t id, const sig_media_simulcast *s);
  int (*view)(void *user, int worker, uint64_t id, const sig_media_view *v, int n);
  /* Optional (NULL: buzzd names no active speaker): a publishing transport's microphone SSRC
   * and audio-level extension id (0: none), for sig_media_speaker's events. */
  int (*audio)(void *user, int worker, uint64_t id, uint32_t ssrc, int level_ext);
  void *user;
} sig_media;

/* Hands sig the media plane (copied; ip and fingerprint must outlive the ctx). */
void sig_ctx_set_media(sig_ctx *ctx, const sig_media *m);
/* The media plane found a room's new active speaker: the publishing transport `id`. Its
 * room gets `active-speaker` {id: participant}. Unknown ids (a transport gone since) are
 * ignored. */
void sig_media_speaker(sig_ctx *ctx, uint64_t transport_id);
/* The media plane paused (last-N: the subscriber's bandwidth is short) the cameras of the
 * simulcast groups groups[0..n) for the subscribing transport `id` (n = 0: none paused any
 * more). Its participant gets `video-paused` {ids: [participant, ...]}. Unknown ids are
 * ignored. */
void sig_media_lastn(sig_ctx *ctx, uint64_t transport_id, const uint32_t *groups, int n);

/* store may be NULL (in-memory only; used by the fuzzer). The ctx keeps pointers to
 * limits/turn/transport contents: they must outlive it. Loads rooms from the store. */
int sig_ctx_create(sig_ctx **out, const sig_limits *limits, const sig_turn *turn,
                   const sig_transport *tp, bz_store *store);
void sig_ctx_destroy(sig_ctx *ctx); /* closes nothing: call after the transport is down */

/* Connection lifecycle, driven by the transport. */
sig_conn *sig_conn_open(sig_ctx *ctx, void *user); /* NULL on ENOMEM */
/* The client's address (text, cut at 63 bytes), for the per-address password budget. */
void sig_conn_set_addr(sig_conn *c, const char *addr);
/* One complete text message. `truncated` = 1 when the frame exceeded max_message_bytes and the
 * transport discarded the rest: sig answers `too_large`. Never aborts on any input. */
void sig_conn_message(sig_conn *c, const uint8_t *p, size_t n, int truncated);
/* The socket is gone (any reason). sig frees `c`; the pointer is invalid afterwards. */
void sig_conn_closed(sig_conn *c);

/* Periodic housekeeping (idle timeouts, reconnect grace expiry, rate buckets, and once a day
 * the expiry of rooms empty and unused for room_ttl_days).
 * The transport calls it about once per second. */
void sig_tick(sig_ctx *ctx);

/* REST: POST /api/rooms. name/password/media_mode may be NULL (media_mode: "sfu", "p2p" or
 * "auto"; NULL = the server's default, which then also follows later changes of it). Invalid input (SIG_EINVAL), max_rooms
 * (SIG_ELIMIT) and a full password queue (SIG_EBUSY) are returned at once and cb is never
 * called. Otherwise SIG_OK: the password (if any) is hashed and the room stored off the
 * control thread, and cb runs once on the control thread — possibly before this returns —
 * with SIG_OK and the JSON text {"id","url","owner_token"} (valid during the call), or with
 * SIG_ESTORE / SIG_ENOMEM. *op, when given, names the request until cb runs: it is set before
 * any callback, so a caller that clears it in cb always knows whether one is pending. addr
 * is the client's address (per-address password budget). */
typedef struct sig_op sig_op;
typedef void (*sig_room_created_fn)(void *user, int err, const char *json);
int sig_room_create(sig_ctx *ctx, const char *name, const char *password,
                    const char *media_mode, const char *addr, sig_room_created_fn cb, void *user,
                    sig_op **op);
/* The caller's request is gone (its connection closed): cb will not be called. The room may
 * still be created. */
void sig_room_create_cancel(sig_ctx *ctx, sig_op *op);
/* REST: GET /api/rooms/<id>. *json_out as above; SIG_ENOTFOUND when unknown. */
int sig_room_info(sig_ctx *ctx, const char *id, char **json_out);

/* Appends Prometheus text (rooms, participants, connections, messages in/out by type,
 * errors by code) to a malloc'd buffer the caller frees. */
char *sig_metrics_text(sig_ctx *ctx);

/* Graceful shutdown: sends close 1001 "server shutting down" to every connection. */
void sig_shutdown(sig_ctx *ctx);

#endif
