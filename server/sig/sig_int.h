/* Internals of the signaling core, shared by the files of server/sig/ and by its tests and
 * fuzzer. Not part of the contract with the network layer (that is sig.h). */
#ifndef BUZZ_SIG_INT_H
#define BUZZ_SIG_INT_H

#include <jansson.h>
#include <stdint.h>

#include "sig/sig.h"
#include "store/store.h"

/* Protocol error codes of docs/protocol.md, in the table's order. */
typedef enum {
  SIG_PE_BAD_JSON,
  SIG_PE_BAD_MESSAGE,
  SIG_PE_UNKNOWN_TYPE,
  SIG_PE_TOO_LARGE,
  SIG_PE_NOT_JOINED,
  SIG_PE_ALREADY_JOINED,
  SIG_PE_ROOM_NOT_FOUND,
  SIG_PE_WRONG_PASSWORD,
  SIG_PE_ROOM_LOCKED,
  SIG_PE_ROOM_FULL,
  SIG_PE_NOT_OWNER,
  SIG_PE_NO_SUCH_PARTICIPANT,
  SIG_PE_FIELD_TOO_LONG,
  SIG_PE_RATE_LIMITED,
  SIG_PE_INTERNAL,
  SIG_PE_STORE_UNAVAILABLE,
  SIG_PE_WRONG_MEDIA,
  SIG_PE_COUNT
} sig_perr;
extern const char *const sig__perr_names[SIG_PE_COUNT];

/* Client -> server types; SIG_IN_INVALID counts frames without a known type. */
enum {
  SIG_IN_JOIN,
  SIG_IN_UPDATE,
  SIG_IN_RELAY,
  SIG_IN_CHAT,
  SIG_IN_MUTE_REQUEST,
  SIG_IN_REMOVE,
  SIG_IN_LOCK,
  SIG_IN_SET_PASSWORD,
  SIG_IN_LEAVE,
  SIG_IN_PING,
  SIG_IN_CHAT_HISTORY,
  SIG_IN_REACTION,
  SIG_IN_SET_MEDIA_MODE,
  SIG_IN_SFU_OFFER,
  SIG_IN_SFU_VIEW,
  SIG_IN_INVALID,
  SIG_IN_COUNT
};
extern const char *const sig__in_names[SIG_IN_COUNT];

/* Server -> client types. */
enum {
  SIG_OUT_JOINED,
  SIG_OUT_PARTICIPANT_JOINED,
  SIG_OUT_PARTICIPANT_LEFT,
  SIG_OUT_PARTICIPANT_UPDATED,
  SIG_OUT_RELAY,
  SIG_OUT_CHAT,
  SIG_OUT_ROOM_UPDATED,
  SIG_OUT_MUTE_REQUEST,
  SIG_OUT_REMOVED,
  SIG_OUT_LEFT,
  SIG_OUT_OK,
  SIG_OUT_PONG,
  SIG_OUT_ERROR,
  SIG_OUT_CHAT_HISTORY,
  SIG_OUT_REACTION,
  SIG_OUT_MEDIA_CHANGED,
  SIG_OUT_SFU_ANSWER,
  SIG_OUT_SFU_PUBLISHERS,
  SIG_OUT_ACTIVE_SPEAKER,
  SIG_OUT_VIDEO_PAUSED,
  SIG_OUT_COUNT
};
extern const char *const sig__out_names[SIG_OUT_COUNT];

/* Why a participant left; the strings of participant-left.reason. */
enum { SIG_LEFT_LEFT, SIG_LEFT_REMOVED, SIG_LEFT_TIMEOUT, SIG_LEFT_DISCONNECTED };

#define SIG_ROOM_ID_LEN 14        /* "xxxx-xxxx-xxxx" */
#define SIG_PID_LEN 9             /* "p" + 8 hex */
#define SIG_TOKEN_LEN 32          /* reconnect token: 24 random bytes, base64url */
#define SIG_OWNER_TOKEN_LEN 43    /* 32 random bytes, base64url without padding */
#define SIG_CHAT_KEEP 100         /* messages sent in `joined` */
#define SIG_PASSWORD_MAX 128      /* characters */
#define SIG_RELAY_MAX (60 * 1024) /* serialized relay.data bytes */
#define SIG_PW_CONN_COST 10.0     /* extra per-connection rate tokens per argon2 run */
#define SIG_ADDR_MAX 64           /* client address text kept (sig_conn_set_addr) */
#define SIG_WQ_MAX 1024           /* store writes queued, whole server */

typedef struct sig_room sig_room;

typedef struct sig_chat_msg {
  int64_t id;
  int64_t ts_ms;
  char from[SIG_PID_LEN + 1];
  char *name; /* owned */
  char *text; /* owned */
} sig_chat_msg;

/* A roster entry. Owned by its room; freed only by sig__part_remove. */
typedef struct sig_part {
  struct sig_part *next;
  sig_room *room;
  sig_conn *conn;   /* NULL while its socket is gone (reconnect grace) */
  uint64_t gone_ms; /* when conn became NULL (monotonic) */
  int gone_reason;  /* SIG_LEFT_DISCONNECTED or SIG_LEFT_TIMEOUT */
  char id[SIG_PID_LEN + 1];
  char token[SIG_TOKEN_LEN + 1];
  char *name; /* owned, valid UTF-8 */
  int mic, camera, screen, hand, owner;
  struct sig_sfu_peer *sfu; /* its connections to buzzd in SFU mode (sig_sfu.c); NULL = none */
  double react_tokens; /* reaction bucket (sig_reaction.c) */
  uint64_t react_ms;   /* its last refill, monotonic; 0 = full */
} sig_part;

struct sig_room {
  sig_room *hnext; /* hash chain */
  char id[SIG_ROOM_ID_LEN + 1];
  char *name;    /* owned */
  char *pw_hash; /* owned argon2id encoded string; NULL = no password */
  char owner_hash[65];
  int locked;
  int media_set; /* SIG_MEDIA_*: the room's own mode, as stored; DEFAULT = the server's */
  int media_mode; /* the mode that applies: media_set, or the server's default (never DEFAULT) */
  uint64_t media_id; /* its rtc room id in SFU mode; 0 = not given one yet */
  int media_worker;  /* the media worker it lives on (valid with media_id) */
  int64_t created_ms;
  int64_t used_ms;       /* wall clock of the last join or leave; 0 = never used */
  int64_t used_saved_ms; /* the used_ms last written to the store */
  sig_part *parts;
  int nparts;
  /* Ring of the last SIG_CHAT_KEEP messages; loaded from the store when the room becomes
   * active and dropped when it empties, so memory follows active rooms only. */
  sig_chat_msg chat[SIG_CHAT_KEEP];
  int chat_head, chat_len, chat_loaded;
  int64_t chat_next_id;
  int jobs; /* store writes and password jobs that point here: expiry waits for them */
};

struct sig_conn {
  sig_conn *next, *prev;
  sig_ctx *ctx;
  void *user;
  sig_part *part;     /* NULL until joined */
  uint64_t last_ms;   /* last message (idle timeout) */
  double tokens;      /* rate bucket */
  uint64_t refill_ms; /* last bucket refill */
  uint64_t rl_err_ms; /* last rate_limited error sent */
  int rl_err_sent;
  uint64_t drop_win_ms; /* start of the 10 s abuse window */
  int drop_count;
  int closing;      /* close requested: further messages are ignored, nothing is sent */
  int close_reason; /* SIG_LEFT_* for the grace expiry of its participant */
  int dead;         /* transport reported it gone while sig was busy: freed at a safe point */
  int refs;         /* store writes waiting to answer it; the struct outlives the socket */
  int orphan;       /* the socket is gone and refs > 0: freed by the last sig__conn_unref */
  struct sig_pw *pw; /* its join waiting for a password check, at most one */
  char addr[SIG_ADDR_MAX]; /* client address (per-address password budget) */
};

typedef int (*sig_rand_fn)(void *user, uint8_t *buf, size_t n);

struct sig_ctx {
  sig_limits lim;
  sig_turn turn;
  sig_transport tp;
  bz_store *store;
  sig_room **buckets; /* room hash table */
  size_t nbuckets;
  int nrooms, nparts, nconns;
  sig_conn *conns;
  int busy; /* >0 inside a handler or tick: frees of connections are deferred */
  int ndead;
  sig_rand_fn rand;
  void *rand_user;
  uint32_t argon_t, argon_m_kib; /* argon2id cost */
  int jobs_in_flight; /* offloaded jobs not yet done (sig_jobs.c) */
  int rooms_creating; /* POST /api/rooms accepted, not yet stored */
  /* store write queue (sig_wq.c) */
  struct sig_write *wq_head, *wq_tail;
  int wq_len, wq_running;
  uint64_t store_failures; /* writes refused (queue full) or failed */
  /* password queue and its CPU budgets (sig_pwq.c) */
  struct sig_pwq *pwq;
  uint64_t expire_next_ms; /* monotonic time of the next room expiry pass */
  uint64_t msgs_in[SIG_IN_COUNT], msgs_out[SIG_OUT_COUNT], errors[SIG_PE_COUNT];
  uint64_t chat_dropped; /* chat frames the transport dropped for receivers behind (sig.h) */
  sig_media media;       /* the media plane; media.workers == 0: none */
  uint64_t media_next;   /* the last room / peer / transport id handed out (sig_sfu.c) */
  struct sig_sfu_scratch *sfu_scratch; /* parse and answer buffers, made on first use */
};

/* A request being handled: its type and the optional numeric "id" to echo. */
typedef struct sig_req {
  int type;
  json_t *id; /* borrowed; NULL when absent */
} sig_req;

/* Re-entrancy guard: frees of connections reported gone while busy wait for sig__leave. */
void sig__enter(sig_ctx *ctx);
void sig__leave(sig_ctx *ctx);
uint64_t sig__now(sig_ctx *ctx);
uint64_t sig__wall(sig_ctx *ctx);

/* util */
int sig__random(sig_ctx *ctx, uint8_t *buf, size_t n);
void sig__b64url(const uint8_t *in, size_t n, char *out); /* out: 4*ceil(n/3)+1 */
void sig__sha256_hex(const char *s, char out[65]);
/* Code points of valid UTF-8, or -1 for invalid UTF-8 (overlong, surrogate, > U+10FFFF). */
long sig__utf8_chars(const char *s, size_t n);
/* A display name: valid UTF-8, 1..max chars, no control characters. 0 ok, SIG_PE_* else. */
int sig__check_name(const char *s, size_t n, int max_chars);
/* A password: valid UTF-8, 1..SIG_PASSWORD_MAX chars. 0 ok, SIG_PE_* else. */
int sig__check_password(const char *s, size_t n);
/* The argon2 calls themselves; thread-safe (they read only their arguments). */
int sig__pw_hash_raw(uint32_t t_cost, uint32_t m_kib, const uint8_t salt[16], const char *pw,
                     char **out);
int sig__pw_verify(const char *hash, const char *pw);
/* Connections whose socket is gone stay allocated while store writes still point at them. */
void sig__conn_ref(sig_conn *c);
void sig__conn_unref(sig_conn *c);

/* jobs (sig_jobs.c): work handed to another thread. Job structs embed sig_job first. */
typedef struct sig_job sig_job;
struct sig_job {
  sig_ctx *ctx;
  void (*work)(sig_job *j); /* another thread: reads only what the job itself holds */
  void (*done)(sig_job *j); /* control thread, inside sig__enter/leave */
};
/* Never fails: without an offload hook, or when it cannot queue, the job runs inline. */
void sig__offload(sig_ctx *ctx, sig_job *j);

/* store writes (sig_wq.c), one at a time, in order. */
typedef struct sig_write sig_write;
struct sig_write {
  sig_job job; /* first */
  sig_write *next;
  bz_store *store;
  int (*write)(bz_store *st, sig_write *w);         /* writer thread: a BZ_STORE_* code */
  void (*done)(sig_ctx *ctx, sig_write *w, int rc); /* control thread; frees w */
  int rc;
};
/* SIG_OK: done will run (at once when there is no store); SIG_EBUSY: the queue is full, w was
 * not taken. */
int sig__write(sig_ctx *ctx, sig_write *w);

/* password checks and hashes (sig_pwq.c): argon2 off the control thread, under CPU-time
 * budgets per second for the server and per client address, queued in a bounded FIFO that
 * takes turns between addresses. */
typedef struct sig_pw sig_pw;
/* Called once per job, on the control thread. ok: verify -> 1 when the password matched, 0 not;
 * hash -> 1 with hash_out (malloc'd, the callee owns it) set, 0 when hashing failed; -1 when
 * the job was cancelled (from inside sig__pw_cancel for a queued job, later for a running
 * one: the callee must then touch only its own arg). */
typedef void (*sig_pw_done_fn)(sig_ctx *ctx, void *arg, int ok, char *hash_out);
/* verify_hash NULL: hash `password`. Returns SIG_OK and (optionally) *out, or SIG_EBUSY when
 * the queue (server-wide or of this address) is full, SIG_ENOMEM. */
int sig__pw_submit(sig_ctx *ctx, const char *addr, const char *verify_hash, const char *password,
                   sig_pw_done_fn done, void *arg, sig_pw **out);
/* Cancels a job: its done gets ok = -1 (at once when queued, when it finishes if running). */
void sig__pw_cancel(sig_ctx *ctx, sig_pw *p);
/* Starts what the budgets allow; the transport tick and each completion call it. */
void sig__pw_pump(sig_ctx *ctx);
int sig__pwq_create(sig_ctx *ctx);
void sig__pwq_destroy(sig_ctx *ctx);
int sig__pwq_queued(const sig_ctx *ctx);
void sig__pwq_stats(const sig_ctx *ctx, uint64_t *runs, uint64_t *cpu_us, uint64_t *refused);
/* 1 when an encoded hash is argon2id with bounded cost (m <= 256 MiB, t <= 16, p <= 8). */
int sig__pw_hash_sane(const char *enc);
/* Testing hooks: deterministic randomness and cheap argon2 (fuzzer, unit tests). */
void sig__set_rand(sig_ctx *ctx, sig_rand_fn fn, void *user);
void sig__set_argon2_cost(sig_ctx *ctx, uint32_t t_cost, uint32_t m_kib);

/* rooms */
sig_room *sig__room_find(sig_ctx *ctx, const char *id);
/* Adds a room with a given id, hashing and storing synchronously on the calling thread: for
 * the unit tests and the fuzzer only (buzzd creates rooms with sig_room_create). owner_token
 * NULL = random (not returned). */
int sig__room_add(sig_ctx *ctx, const char *id, const char *name, const char *password,
                  const char *owner_token, sig_room **out);
void sig__rooms_free(sig_ctx *ctx);
/* Deletes (memory and store) every room without participants whose creation and last use are
 * older than room_ttl_days; returns how many. Also called once a day by sig_tick. */
int sig__rooms_expire(sig_ctx *ctx);
/* Rebuilds a room from a store row; invalid rows are skipped with a warning (returns 0). */
int sig__room_load_row(sig_ctx *ctx, const bz_store_room *row);
int sig__room_persist(sig_ctx *ctx, sig_room *r);
sig_part *sig__part_find(sig_room *r, const char *id);
sig_part *sig__part_add(sig_ctx *ctx, sig_room *r, const char *name);
/* Unlinks and frees p; detaches its connection; broadcasts participant-left with `reason`. */
void sig__part_remove(sig_ctx *ctx, sig_part *p, int reason);
void sig__chat_load(sig_ctx *ctx, sig_room *r);
void sig__chat_push(sig_room *r, int64_t id, int64_t ts, const char *from, const char *name,
                    const char *text);
void sig__chat_clear(sig_room *r);
/* Persisted changes (sig_writes.c): applied and answered once the store committed them. */
void sig__chat_send(sig_conn *c, const sig_req *rq, const char *text);
/* what: SIG_IN_LOCK (locked), SIG_IN_SET_PASSWORD (pw_hash, taken over; NULL = none) or
 * SIG_IN_SET_MEDIA_MODE (locked carries the SIG_MEDIA_* mode). */
void sig__room_setting(sig_conn *c, const sig_req *rq, sig_room *r, int what, int locked,
                       char *pw_hash);
void sig__room_save_used(sig_ctx *ctx, sig_room *r);

/* output */
json_t *sig__part_json(const sig_part *p);
json_t *sig__room_json(const sig_room *r);
/* Sends obj (reference stolen) to one connection / everyone in r except `skip`. */
void sig__send(sig_conn *c, int out_type, json_t *obj);
void sig__broadcast(sig_room *r, const sig_part *skip, int out_type, json_t *obj);
void sig__reply(sig_conn *c, const sig_req *rq, int out_type, json_t *obj); /* adds id */
void sig__error(sig_conn *c, const sig_req *rq, sig_perr code, const char *message);
void sig__close(sig_conn *c, int code, const char *reason, int left_reason);

/* handlers (one per client type) */
typedef void (*sig_handler)(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_join(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_leave(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_update(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_relay(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_chat(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_ping(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_mute_request(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_remove(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_lock(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_set_password(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_chat_history(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_reaction(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_set_media_mode(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_sfu_offer(sig_conn *c, json_t *msg, const sig_req *rq);
void sig__h_sfu_view(sig_conn *c, json_t *msg, const sig_req *rq);

/* SFU state (sig_sfu.c). */
/* A participant leaves (or the room leaves SFU mode): drops its transports and, when it
 * published, tells the room (announce = 1). Frees p->sfu. */
void sig__sfu_part_gone(sig_ctx *ctx, sig_part *p, int announce);
/* joined.publishers (the sfu-publishers list) when the room is in SFU mode. */
void sig__sfu_joined(sig_room *r, json_t *joined);
/* The room left SFU mode: every participant's SFU state goes. */
void sig__sfu_room_off(sig_ctx *ctx, sig_room *r);
void sig__sfu_ctx_free(sig_ctx *ctx);

/* The media in effect in a room (joined.media, media-changed): SIG_MEDIA_P2P or SIG_MEDIA_SFU.
 * "auto" is p2p below SIG_AUTO_SFU_FROM participants (those in reconnect grace count, so a
 * page that reconnects does not flip the room) and sfu from there (docs/protocol.md). */
#define SIG_AUTO_SFU_FROM 3
int sig__room_media(const sig_room *r);
/* After anything that may change r's media (a join, a leave, set-media-mode): when it is no
 * longer `before`, the room leaves SFU mode if it was in it and everyone but `except` gets
 * media-changed. */
void sig__media_follow(sig_ctx *ctx, sig_room *r, int before, const sig_part *except);

/* reactions (sig_reaction.c): a bucket per participant, on top of the connection's. */
#define SIG_REACTION_BURST 6.0 /* reactions in a row */
#define SIG_REACTION_PER_S 2.0 /* sustained rate */

/* chat history (sig_history.c) */
#define SIG_HISTORY_MAX 100 /* most messages one chat-history reply carries */
/* One chat message as it goes on the wire ({id, from, name, text, ts}); NULL when it cannot
 * be built (e.g. invalid UTF-8 from a damaged store file). */
json_t *sig__chat_json(int64_t id, const char *from, const char *name, const char *text,
                       int64_t ts);
/* joined.chat: the newest messages of r's ring within join_history_msgs and
 * join_history_bytes, oldest first. *more says whether older ones exist (ring or store). */
json_t *sig__join_chat(sig_ctx *ctx, const sig_room *r, int *more);

/* The participant named by msg.to in the sender's room (not the sender); NULL after sending
 * the error. */
sig_part *sig__target(sig_conn *c, json_t *msg, const sig_req *rq);

/* Optional-field helpers: 0 when absent or of the right type (value stored), -1 when present
 * with the wrong type. A JSON null counts as absent. */
int sig__opt_string(json_t *msg, const char *key, const char **out, size_t *len);
int sig__opt_bool(json_t *msg, const char *key, int *out);

#endif
