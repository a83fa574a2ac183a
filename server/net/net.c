/* libwebsockets context on the caller's libuv loop, and the one protocol callback that
 * dispatches to the HTTP (http_serve.c) and WebSocket (ws.c) halves. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/http_head.h"
#include "net/net_int.h"
#include "util/log.h"

static const int counted_codes[NET_NSTATUS - 1] = {NET_STATUS_CODES};

void net__count_status(net_server *srv, int status) {
  int slot = NET_NSTATUS - 1;
  for (int i = 0; i < NET_NSTATUS - 1; i++)
    if (counted_codes[i] == status) slot = i;
  srv->http_requests[slot]++;
}

net_server *net__server(struct lws *wsi) {
  return (net_server *)lws_context_user(lws_get_context(wsi));
}

/* Which half handles a callback reason. Only these reasons carry our per-connection data in
 * `user`: others (TLS setup, protocol init, ...) pass lws-owned pointers there, e.g. the
 * vhost's SSL_CTX, which must never be touched. */
typedef enum { HALF_NONE, HALF_HTTP, HALF_WS } half;

static half reason_half(enum lws_callback_reasons r) {
  switch (r) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      return HALF_WS;
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      return HALF_HTTP;
    default:
      return HALF_NONE;
  }
}

/* One protocol serves both HTTP and /ws: browsers open the WebSocket without a subprotocol,
 * which libwebsockets binds to the first protocol of the vhost. */
/* Connection life-cycle reasons, which carry no per-connection data of ours (front.c). */
static int lifecycle(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in) {
  net_server *srv = wsi ? net__server(wsi) : NULL;
  if (!srv) return 0;
  switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
      return net__front_filter(srv, wsi, user, (int)(intptr_t)in);
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
      net__front_bind(srv, wsi);
      return 0;
    case LWS_CALLBACK_WSI_DESTROY:
      net__front_destroy(srv, wsi);
      return 0;
    default:
      return 0;
  }
}

static int net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len) {
  switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
    case LWS_CALLBACK_WSI_DESTROY:
      return lifecycle(wsi, reason, user, in);
    case LWS_CALLBACK_RAW_ADOPT:
    case LWS_CALLBACK_RAW_RX:
      /* lws turns CONNECT into a raw socket with no timeout. On plain connections the guard
       * (net_rx.c) answers CONNECT before lws sees it; on TLS ones this closes it at once. */
      return -1;
    default:
      break;
  }
  half h = reason_half(reason);
  net_sess *s = (h != HALF_NONE && wsi) ? lws_wsi_user(wsi) : NULL;
  if (!s || s != user) return lws_callback_http_dummy(wsi, reason, user, in, len);
  if (!s->inited) {
    memset(s, 0, sizeof *s);
    s->http.fd = -1;
    s->inited = 1;
  }
  if (h == HALF_WS) return net__ws_callback(wsi, reason, s, in, len);
  return net__http_callback(wsi, reason, s, in, len);
}

static const struct lws_protocols protocols[] = {
    {"buzz", net_callback, sizeof(net_sess), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* libwebsockets' own warnings and errors go to our log as one key=value line each, under a
 * budget (a peer can make lws log at will: descriptors running out logged "accept: errno 24"
 * at 6 MB/s). An accept failure also pauses accepting (front.c). */
static void lws_log_emit(int level, const char *line) {
  static bz_log_budget fallback = BZ_LOG_BUDGET(5, 20);
  net_server *srv = net__rx_server;
  if (srv && strncmp(line, "accept: errno", 13) == 0) net__front_accept_failed(srv);
  bz_log_budget *budget = srv ? &srv->lws_log : &fallback;
  if (!bz_log_budget_take(budget, "lws", net__mono_ms())) return;
  char msg[512];
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  if (n >= sizeof msg) n = sizeof msg - 1;
  memcpy(msg, line, n);
  msg[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (msg[i] == '"') msg[i] = '\'';
  bz_log(level & LLL_ERR ? BZ_LOG_ERROR : BZ_LOG_WARN, "lws", "msg=\"%s\"", msg);
}

uint64_t net__mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void fill_info(struct lws_context_creation_info *info, net_server *s, const net_options *o,
                      void **loops) {
  memset(info, 0, sizeof *info);
  info->options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN |
                  LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
  info->foreign_loops = loops;
  info->port = o->port;
  /* lws binds all addresses (IPv6 dual-stack) for NULL. An IPv4 literal is only honoured on
   * an IPv4 socket (lws 4.1 otherwise binds the IPv6 wildcard), so IPv6 goes off for it. */
  info->iface = (o->host && strcmp(o->host, "0.0.0.0") != 0) ? o->host : NULL;
  if (o->host && !strchr(o->host, ':')) info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info->protocols = protocols;
  info->user = s;
  info->vhost_name = "buzzd";
  info->server_string = "buzzd";
  /* Room for any head the guard passes (request line and headers up to 8 KiB each), and a read
   * buffer that holds a whole held head plus what follows it (net_rx.c). */
  info->max_http_header_data = HEAD_MAX + 1024;
  info->pt_serv_buf_size = 2 * HEAD_MAX + LWS_PRE + 4096;
  /* A head (from accept, or from the start of its bytes) or a body must arrive in
   * timeout_secs; an idle keep-alive connection is closed after keepalive_timeout. */
  info->timeout_secs = (unsigned)(o->http_timeout_s > 0 ? o->http_timeout_s : 10);
  /* A connection that has been given a header buffer and not finished its head (a silent or
   * half-sent one) is closed by this timer, which lws otherwise fixes at 10 s. */
  info->timeout_secs_ah_idle = info->timeout_secs;
  info->keepalive_timeout = o->keepalive_timeout_s > 0 ? o->keepalive_timeout_s : 10;
  info->alpn = "http/1.1"; /* WebSocket over HTTP/2 is not wired up: keep ALPN at 1.1 */
  if (o->tls_cert) {
    info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info->ssl_cert_filepath = o->tls_cert;
    info->ssl_private_key_filepath = o->tls_key;
  }
}

static int dup_paths(net_server *s, const net_options *o) {
  s->web_dir = strdup(o->web_dir ? o->web_dir : "web");
  s->assets_dir = strdup(o->assets_dir ? o->assets_dir : "assets");
  s->assets_url = strdup(o->assets_url ? o->assets_url : "/assets/");
  return (s->web_dir && s->assets_dir && s->assets_url) ? 0 : NET_ENOMEM;
}

int net_server_create(net_server **out, uv_loop_t *loop, const net_options *o, sig_ctx *sig) {
  net_server *s = calloc(1, sizeof *s);
  if (!s) return NET_ENOMEM;
  if (dup_paths(s, o) < 0) {
    net_server_free(s);
    return NET_ENOMEM;
  }
  s->loop = loop;
  s->sig = sig;
  s->max_message_bytes = o->max_message_bytes;
  s->sendq_max_msgs = o->sendq_max_msgs;
  s->sendq_max_bytes = o->sendq_max_bytes;
  s->tls = o->tls_cert != NULL;
  s->start_ms = net__mono_ms();
  rl_init(&s->room_rl, o->room_create_per_min / 60.0, o->room_create_burst);
  if (net__front_init(s, o) < 0) {
    net_server_free(s);
    return NET_ENOMEM;
  }
  net__rx_set_server(s);
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
  void *loops[1] = {loop};
  struct lws_context_creation_info info;
  fill_info(&info, s, o, loops);
  s->lws = lws_create_context(&info);
  /* lws 4.1 still returns a context when the vhost (the listener) could not be created. */
  struct lws_vhost *vh = s->lws ? lws_get_vhost_by_name(s->lws, "buzzd") : NULL;
  if (!vh) {
    net_server_close(s); /* the caller's loop finishes the teardown */
    net_server_free(s);
    return o->tls_cert ? NET_ETLS : NET_ELISTEN;
  }
  s->port = lws_get_vhost_listen_port(vh);
  net__front_start(s);
  *out = s;
  return 0;
}

int net_server_port(const net_server *s) {
  return s->port;
}
int net_server_ws_count(const net_server *s) {
  return s->ws_open;
}

uint64_t net__uptime_ms(const net_server *s) {
  return net__mono_ms() - s->start_ms;
}

void net_server_close(net_server *s) {
  /* With a foreign loop this closes every connection now (CLOSED callbacks run, sig hears
   * about each) and finishes freeing lws' handles as the caller's loop keeps running. lws
   * keeps no pointer to s afterwards (no pcontext), so s may be freed before that ends. */
  if (s && s->lws && !s->closing) {
    s->closing = 1;
    net__front_close(s);
    lws_context_destroy(s->lws);
    s->lws = NULL;
  }
}

void net_server_free(net_server *s) {
  if (!s) return;
  if (net__rx_server == s) net__rx_server = NULL;
  net__front_free(s);
  free(s->web_dir);
  free(s->assets_dir);
  free(s->assets_url);
  free(s);
}
