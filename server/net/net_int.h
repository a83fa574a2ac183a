/* Internals shared by the files of server/net. Not a public interface. */
#ifndef BZ_NET_INT_H
#define BZ_NET_INT_H

#include <libwebsockets.h>
#include <stdint.h>

#include "net/conns.h"
#include "net/http_util.h"
#include "net/net.h"
#include "net/ratelimit.h"
#include "net/ws_buf.h"
#include "util/log.h"

/* Largest POST body (413 above). */
#define NET_MAX_BODY (64 * 1024)
/* Largest oversized body still read (and dropped) before the 413, see r_room_create. */
#define NET_MAX_DRAIN (8 * 1024 * 1024)
/* HTTP body bytes written per writable callback. */
#define NET_CHUNK (16 * 1024)

/* Status codes counted for /metrics; anything else lands in the last slot ("other"). */
#define NET_STATUS_CODES 200, 201, 304, 400, 404, 405, 413, 414, 429, 431, 500, 503
enum { NET_NSTATUS = 13 };

/* Descriptors kept free below RLIMIT_NOFILE (see net_fill_caps in front.c). */
#define NET_FD_RESERVE 32
/* Connections admitted beyond the cap while the idle ones they displace finish closing. */
#define NET_EVICT_SLACK 16
/* Accept back-off after EMFILE / ENFILE: first pause and longest pause (ms). */
#define NET_BACKOFF_MIN_MS 100
#define NET_BACKOFF_MAX_MS 1000

struct net_server {
  uv_loop_t *loop;
  struct lws_context *lws;
  sig_ctx *sig;
  char *web_dir, *assets_dir;
  char *assets_url; /* base URL of the effect assets, for GET /api/config */
  size_t max_message_bytes, sendq_max_msgs, sendq_max_bytes;
  int port;
  int tls;
  int ws_open;
  int closing;
  uint64_t start_ms;
  /* counters for /metrics */
  uint64_t http_requests[NET_NSTATUS];
  uint64_t ws_accepted, ws_sendq_overflows;
  uint64_t ws_frames_sent, ws_write_batches; /* frames written / writable callbacks that wrote */
  uint64_t ws_direct_writes; /* frames written at once, outside a writable callback */
  rl_table room_rl; /* POST /api/rooms per client address */
  /* Connection admission (front.c) and the read-path guard (net_rx.c). */
  conn_table conns;
  int max_conns;   /* global cap on client connections, below RLIMIT_NOFILE */
  int trust_proxy; /* the client address is the last X-Forwarded-For entry */
  const struct bz_hist *loop_lag; /* owned by the app; read when /metrics is asked */
  char *(*more_metrics)(void *user);
  void *more_metrics_user;
  struct lws *listen_wsi; /* seen in the first FILTER_NETWORK_CONNECTION */
  uv_timer_t backoff; /* re-enables accepting after an accept error */
  int backoff_ms;     /* current pause, 0 = not paused */
  int backoff_last_ms; /* the pause before, and when it ended (ms, monotonic) */
  uint64_t backoff_resumed_ms;
  int backoff_inited;
  uint64_t conns_accepted, conns_refused_addr, conns_refused_busy, conns_evicted;
  uint64_t heads_refused, ws_unmasked, accept_errors;
  bz_log_budget lws_log, refuse_log; /* rate limits for lws lines and refusal lines */
};

/* The HTTP half of a connection: one request and its response at a time (keep-alive reuses
 * it). A response body comes either from memory (mem) or from an open file (fd). */
typedef enum net_phase {
  NET_PH_IDLE = 0, /* between requests */
  NET_PH_BODY,     /* reading a POST body */
  NET_PH_SENT,     /* headers of a body-less response queued: finish on writable */
  NET_PH_STREAM,   /* writing the body from mem or fd on writable */
  NET_PH_WAIT,     /* waiting for sig (room creation): answered on writable once ready */
} net_phase;

typedef struct net_http {
  net_phase phase;
  int method; /* http_method */
  int route;  /* http_route */
  char path[HTTP_PATH_MAX + 1];
  uint8_t *body; /* POST body, at most NET_MAX_BODY */
  size_t body_len;
  int body_too_large;
  char *mem; /* response body (malloc'd) */
  size_t mem_len, mem_off;
  int fd; /* response file, -1 when none */
  uint64_t file_left;
  int close_after;   /* close instead of keep-alive (e.g. unread request body) */
  const char *allow; /* Allow header of a 405 (static string) */
  int status;
  /* NET_PH_WAIT: sig's request (cancelled if the connection goes first) and its answer. */
  struct lws *wsi;
  sig_ctx *sig;
  sig_op *op;
  int ready, wait_err;
} net_http;

/* The WebSocket half of a connection. */
typedef struct net_ws {
  struct lws *wsi;
  sig_conn *conn;
  ws_reasm rx;
  ws_sendq tx;
  int closing; /* a close was requested: flush, then close with close_code */
  int close_code;
  int close_started;      /* lws has been told to send the close frame */
  int peer_closed;        /* the peer sent a close frame first */
  int peer_code;          /* its close code, 0 if none */
  char close_reason[124]; /* a close frame carries at most 123 bytes of reason */
  char peer[64];
} net_ws;

/* Per-connection user data (libwebsockets allocates it zeroed, frees it after CLOSED). */
typedef struct net_sess {
  int inited;
  net_http http;
  net_ws ws;
} net_sess;

net_server *net__server(struct lws *wsi);

/* http_serve.c: the HTTP callbacks. */
int net__http_callback(struct lws *wsi, enum lws_callback_reasons reason, net_sess *s, void *in,
                       size_t len);
void net__http_reset(net_http *h);
/* Sends a complete response: headers now, the body from h->mem / h->fd on writable.
 * content_len is the body size (also for HEAD and 304, which send no body). */
int net__http_respond(struct lws *wsi, net_sess *s, int status, const char *ctype,
                      uint64_t content_len, const char *cache, const char *etag);
/* JSON error {"error": code, "message": message}. */
int net__http_error(struct lws *wsi, net_sess *s, int status, const char *code,
                    const char *message);
/* Static files (web_dir and assets_dir). */
int net__http_file(struct lws *wsi, net_sess *s, const char *root, const char *arg, size_t arg_n,
                   const char *cache_override);

/* http_api.c: /healthz, /metrics and the REST routes. */
int net__api_dispatch(struct lws *wsi, net_sess *s, const char *arg, size_t arg_n);
int net__api_body_done(struct lws *wsi, net_sess *s);
/* NET_PH_WAIT became ready: sends sig's answer. */
int net__api_wait_done(struct lws *wsi, net_sess *s);

/* ws.c: the WebSocket callbacks. */
int net__ws_callback(struct lws *wsi, enum lws_callback_reasons reason, net_sess *s, void *in,
                     size_t len);

/* front.c: admission, caps, eviction and the connection table's life cycle. */
int net__front_init(net_server *s, const net_options *o);
void net__front_start(net_server *s); /* after the listener is up: the back-off timer */
void net__front_close(net_server *s);
void net__front_free(net_server *s);
/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION: 0 admits fd; 1 refuses it (already answered). */
int net__front_filter(net_server *s, struct lws *listen_wsi,
                      const struct lws_filter_network_conn_args *a, int fd);
void net__front_bind(net_server *s, struct lws *wsi);    /* SERVER_NEW_CLIENT_INSTANTIATED */
void net__front_destroy(net_server *s, struct lws *wsi); /* WSI_DESTROY */
/* A request started (busy = 1) or a keep-alive transaction ended (0). */
void net__front_busy(struct lws *wsi, int busy);
/* The client address as the caps count it (proxy-aware); "" when unknown. */
void net__front_peer(struct lws *wsi, char *buf, size_t cap);
int net__front_ws_allowed(struct lws *wsi);
void net__front_ws_open(struct lws *wsi);
/* libwebsockets logged an accept failure: stop accepting for a while. */
void net__front_accept_failed(net_server *s);
/* Writes a complete JSON error response straight to a socket, without blocking; best effort. */
void net__reply_raw(net_server *s, int fd, int status, const char *code, const char *message,
                    const char *allow);

/* net_rx.c: the read-path guard. The one server whose connections recv() and SSL_read()
 * inspect, and the thread they run on (the caller's). */
extern net_server *net__rx_server;
void net__rx_set_server(net_server *s);
struct ssl_st;
/* libssl's own SSL_read, for reads the guard must not see. */
int net__ssl_read_real(struct ssl_st *ssl, void *buf, int num);

void net__count_status(net_server *srv, int status);
uint64_t net__uptime_ms(const net_server *s);
uint64_t net__mono_ms(void);

#endif
