/* net: buzzd's network front end — HTTP (static files, REST, /healthz, /metrics) and the
 * WebSocket /ws transport into sig — on libwebsockets driven by the caller's libuv loop.
 *
 * Threading: everything runs on the control thread, the one running `loop`.
 * Lifecycle: net_transport() fills the sig_transport the caller hands to sig_ctx_create;
 * net_server_create() then listens; net_server_close() closes every connection (each one
 * reaches sig_conn_closed) and starts tearing libwebsockets down; the caller keeps running
 * the loop until it has no more handles, then calls net_server_free() and only then
 * destroys sig. */
#ifndef BZ_NET_H
#define BZ_NET_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sig/sig.h"

typedef struct net_server net_server;

enum { NET_OK = 0, NET_ENOMEM = -1, NET_ELISTEN = -2, NET_ETLS = -3 };

typedef struct net_options {
  const char *host;               /* listen address, e.g. "127.0.0.1" or "0.0.0.0" */
  int port;                       /* 0 = any free port; net_server_port() tells which */
  const char *tls_cert, *tls_key; /* both set = https + wss on the same port */
  const char *web_dir;            /* static root (web/) */
  const char *assets_dir;         /* root of /assets/ (immutable, content-hashed files) */
  const char *assets_url;         /* what GET /api/config tells clients; NULL = "/assets/" */
  size_t max_message_bytes;       /* WebSocket message limit (sig_limits) */
  size_t sendq_max_msgs;          /* per-connection send queue bounds */
  size_t sendq_max_bytes;
  double room_create_per_min; /* POST /api/rooms rate per client address (429 above) */
  double room_create_burst;
  /* Connection admission (docs/protocol.md, "Connections"). */
  int max_connections;    /* client connections in all; 0 = from RLIMIT_NOFILE */
  int max_conns_per_addr; /* per client address (429 above) */
  int max_ws_per_addr;    /* WebSockets per client address (429 above) */
  int trust_proxy;        /* 1 = the client address is the last X-Forwarded-For entry */
  int http_timeout_s;     /* a request head or body must arrive within this */
  int keepalive_timeout_s; /* an idle keep-alive connection is closed after this */
  const struct bz_hist *loop_lag; /* the control loop's lag, shown in /metrics; may be NULL */
  /* More Prometheus text for /metrics (the media workers'), malloc'd; NULL = none. */
  char *(*more_metrics)(void *user);
  void *more_metrics_user;
} net_options;

/* Fills the callbacks sig uses to talk to connections. `loop` gives the clock. */
void net_transport(sig_transport *tp, uv_loop_t *loop);

/* Listens. The strings in o are copied. sig must outlive the server. On failure the caller
 * still runs the loop dry before closing it (lws may have handles to close). */
int net_server_create(net_server **out, uv_loop_t *loop, const net_options *o, sig_ctx *sig);
/* The port actually bound. */
int net_server_port(const net_server *s);
/* Open WebSocket connections (the shutdown drain waits for 0). */
int net_server_ws_count(const net_server *s);
/* Closes every connection and the listener; see the lifecycle note above. */
void net_server_close(net_server *s);
/* Frees s (after net_server_close and after the loop has run dry). NULL is accepted. */
void net_server_free(net_server *s);

#endif
