/* /healthz, /metrics and the REST routes, dispatched through a table indexed by http_route. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_int.h"
#include "util/hist.h"
#include "util/log.h"

#define CACHE_HTML "no-cache"
#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"

typedef int (*route_fn)(struct lws *wsi, net_sess *s, const char *arg, size_t arg_n);

/* Responds with a malloc'd body the response now owns. */
static int respond_mem_cache(struct lws *wsi, net_sess *s, int status, const char *ctype,
                             char *body, size_t n, const char *cache) {
  if (!body) return net__http_error(wsi, s, 500, "internal", "out of memory");
  free(s->http.mem);
  s->http.mem = body;
  s->http.mem_len = n;
  s->http.mem_off = 0;
  return net__http_respond(wsi, s, status, ctype, n, cache, NULL);
}

/* Answers generated per request are never stored by caches. */
static int respond_mem(struct lws *wsi, net_sess *s, int status, const char *ctype, char *body,
                       size_t n) {
  return respond_mem_cache(wsi, s, status, ctype, body, n, "no-store");
}

static int r_not_found(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  return net__http_error(wsi, s, 404, "not_found", "no such resource");
}

static int r_bad_method(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  s->http.close_after = 1; /* the request may carry a body we will not read */
  /* Every route takes either GET/HEAD or POST only. */
  s->http.allow = http_route_match(HTTP_M_GET, s->http.path, strlen(s->http.path), NULL, NULL) ==
                          HTTP_ROUTE_BAD_METHOD
                      ? "POST"
                      : "GET, HEAD";
  return net__http_error(wsi, s, 405, "method_not_allowed", "method not allowed here");
}

static int r_healthz(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  return respond_mem(wsi, s, 200, "text/plain; charset=utf-8", strdup("ok"), 2);
}

static int r_ws_plain(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  return net__http_error(wsi, s, 400, "bad_request", "/ws needs a WebSocket upgrade");
}

/* Admission and guard counters (front.c, net_rx.c), appended to b (cap bytes). */
static char *conn_metrics(net_server *srv, char *b, size_t cap) {
  size_t n = strlen(b);
  snprintf(b + n, cap - n,
           "# HELP buzz_conns_open Client connections open (HTTP and WebSocket).\n"
           "# TYPE buzz_conns_open gauge\nbuzz_conns_open %d\n"
           "# HELP buzz_conns_max The global connection cap.\n"
           "# TYPE buzz_conns_max gauge\nbuzz_conns_max %d\n"
           "# HELP buzz_conns_accepted_total Connections admitted.\n"
           "# TYPE buzz_conns_accepted_total counter\nbuzz_conns_accepted_total %" PRIu64 "\n"
           "# HELP buzz_conns_refused_total Connections refused, by reason.\n"
           "# TYPE buzz_conns_refused_total counter\n"
           "buzz_conns_refused_total{reason=\"per_address\"} %" PRIu64 "\n"
           "buzz_conns_refused_total{reason=\"busy\"} %" PRIu64 "\n"
           "# HELP buzz_conns_evicted_total Idle connections closed to make room.\n"
           "# TYPE buzz_conns_evicted_total counter\nbuzz_conns_evicted_total %" PRIu64 "\n"
           "# HELP buzz_http_heads_refused_total Request heads refused before routing.\n"
           "# TYPE buzz_http_heads_refused_total counter\n"
           "buzz_http_heads_refused_total %" PRIu64 "\n"
           "# HELP buzz_ws_unmasked_total Connections closed for an unmasked client frame.\n"
           "# TYPE buzz_ws_unmasked_total counter\nbuzz_ws_unmasked_total %" PRIu64 "\n"
           "# HELP buzz_accept_errors_total Failed accept(2) calls.\n"
           "# TYPE buzz_accept_errors_total counter\nbuzz_accept_errors_total %" PRIu64 "\n",
           srv->conns.open, srv->max_conns, srv->conns_accepted, srv->conns_refused_addr,
           srv->conns_refused_busy, srv->conns_evicted, srv->heads_refused, srv->ws_unmasked,
           srv->accept_errors);
  return b;
}

/* buzzd's own metrics, appended after sig's. */
static char *net_metrics(net_server *srv) {
  static const int codes[NET_NSTATUS - 1] = {NET_STATUS_CODES};
  size_t cap = 8192, n = 0;
  char *b = malloc(cap);
  if (!b) return NULL;
  n += (size_t)snprintf(b + n, cap - n,
                        "# HELP buzz_uptime_seconds Seconds since buzzd started.\n"
                        "# TYPE buzz_uptime_seconds gauge\nbuzz_uptime_seconds %" PRIu64
                        "\n"
                        "# HELP buzz_http_requests_total HTTP responses by status code.\n"
                        "# TYPE buzz_http_requests_total counter\n",
                        net__uptime_ms(srv) / 1000);
  for (int i = 0; i < NET_NSTATUS; i++) {
    char code[16];
    if (i < NET_NSTATUS - 1)
      snprintf(code, sizeof code, "%d", codes[i]);
    else
      snprintf(code, sizeof code, "other");
    n += (size_t)snprintf(b + n, cap - n, "buzz_http_requests_total{code=\"%s\"} %" PRIu64 "\n",
                          code, srv->http_requests[i]);
  }
  snprintf(b + n, cap - n,
           "# HELP buzz_ws_accepted_total WebSocket connections accepted.\n"
           "# TYPE buzz_ws_accepted_total counter\nbuzz_ws_accepted_total %" PRIu64
           "\n"
           "# HELP buzz_ws_open WebSocket connections open.\n"
           "# TYPE buzz_ws_open gauge\nbuzz_ws_open %d\n"
           "# HELP buzz_ws_send_queue_overflows_total Connections closed for not reading.\n"
           "# TYPE buzz_ws_send_queue_overflows_total counter\n"
           "buzz_ws_send_queue_overflows_total %" PRIu64 "\n"
           "# HELP buzz_ws_frames_sent_total WebSocket data frames written.\n"
           "# TYPE buzz_ws_frames_sent_total counter\nbuzz_ws_frames_sent_total %" PRIu64 "\n"
           "# HELP buzz_ws_write_batches_total Writable callbacks that wrote frames.\n"
           "# TYPE buzz_ws_write_batches_total counter\nbuzz_ws_write_batches_total %" PRIu64 "\n"
           "# HELP buzz_ws_direct_writes_total Frames written at once, not via a writable "
           "callback.\n"
           "# TYPE buzz_ws_direct_writes_total counter\nbuzz_ws_direct_writes_total %" PRIu64 "\n",
           srv->ws_accepted, srv->ws_open, srv->ws_sendq_overflows, srv->ws_frames_sent,
           srv->ws_write_batches, srv->ws_direct_writes);
  return conn_metrics(srv, b, cap);
}

static int r_metrics(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  net_server *srv = net__server(wsi);
  char *sig_text = sig_metrics_text(srv->sig), *own = net_metrics(srv);
  char lag[4096] = "";
  if (srv->loop_lag)
    bz_hist_prometheus(srv->loop_lag, "buzz_loop_lag_seconds",
                       "How late the control thread's 20 ms probe timer fired.", lag,
                       sizeof lag);
  char *more = srv->more_metrics ? srv->more_metrics(srv->more_metrics_user) : NULL;
  char *all = NULL;
  if (sig_text && own && asprintf(&all, "%s%s%s%s", sig_text, own, lag, more ? more : "") < 0)
    all = NULL;
  free(more);
  free(sig_text);
  free(own);
  return respond_mem(wsi, s, 200, "text/plain; version=0.0.4; charset=utf-8", all,
                     all ? strlen(all) : 0);
}

/* GET /api/config: {"assets_url": ...}. It changes only with a restart, so caches may keep it
 * but must revalidate (no-cache), like the asset manifest it points to. */
static int r_config(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  json_t *o = json_pack("{s:s}", "assets_url", net__server(wsi)->assets_url);
  char *json = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  return respond_mem_cache(wsi, s, 200, "application/json", json, json ? strlen(json) : 0,
                           CACHE_HTML);
}

static int r_room_info(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  char id[65];
  memcpy(id, a, n); /* the route matcher bounded n to 64 */
  id[n] = '\0';
  char *json = NULL;
  int rc = sig_room_info(net__server(wsi)->sig, id, &json);
  if (rc == SIG_ENOTFOUND) return net__http_error(wsi, s, 404, "room_not_found", "no such room");
  if (rc < 0) return net__http_error(wsi, s, 500, "internal", sig_strerror(rc));
  return respond_mem(wsi, s, 200, "application/json", json, strlen(json));
}

static int r_room_page(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  return net__http_file(wsi, s, net__server(wsi)->web_dir, "/index.html", 11, CACHE_HTML);
}

static int r_asset(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  /* a points just past "/assets/": a - 1 is that '/', so the path stays absolute. */
  /* Only content-hashed names are immutable; nn.wasm and the manifest keep their names
   * across upgrades, so they are revalidated (ETag/304) instead. */
  const char *cache = http_path_content_hashed(a, n) ? CACHE_IMMUTABLE : CACHE_HTML;
  return net__http_file(wsi, s, net__server(wsi)->assets_dir, a - 1, n + 1, cache);
}

static int r_static(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  return net__http_file(wsi, s, net__server(wsi)->web_dir, a, n, NULL);
}

/* POST /api/rooms: 413 up front when Content-Length says so; otherwise read the body. */
static int r_room_create(struct lws *wsi, net_sess *s, const char *a, size_t n) {
  (void)a, (void)n;
  net_server *srv = net__server(wsi);
  char peer[64] = "";
  net__front_peer(wsi, peer, sizeof peer); /* the address the caps count (proxy-aware) */
  if (!rl_take(&srv->room_rl, peer, strlen(peer), net__mono_ms())) {
    s->http.close_after = 1; /* the body stays unread */
    BZ_WARN("room_create_limited", "peer=%s", peer);
    return net__http_error(wsi, s, 429, "rate_limited", "too many rooms created; retry later");
  }
  char cl[32];
  int cl_n = lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  uint64_t len = 0;
  if (cl_n <= 0) {
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
      s->http.close_after = 1;
      return net__http_error(wsi, s, 400, "bad_request", "Content-Length required");
    }
    return net__api_body_done(wsi, s); /* no body at all: same as {} */
  }
  if (http_parse_content_length(cl, (size_t)cl_n, &len) < 0) {
    s->http.close_after = 1;
    return net__http_error(wsi, s, 400, "bad_request", "bad Content-Length");
  }
  if (len > NET_MAX_BODY) {
    s->http.close_after = 1;
    /* Answering before the body is read and then closing makes the kernel reset the
     * connection while the client is still sending, so it never sees the 413. A body of
     * bounded size is drained first (http_body drops it); only absurd lengths are cut off. */
    if (len > NET_MAX_DRAIN) return net__http_error(wsi, s, 413, "too_large", "body over 64 KiB");
    s->http.body_too_large = 1;
    s->http.phase = NET_PH_BODY;
    return 0;
  }
  if (len == 0) return net__api_body_done(wsi, s);
  s->http.phase = NET_PH_BODY;
  return 0;
}

static const route_fn route_table[] = {
    [HTTP_ROUTE_NONE] = r_not_found,          [HTTP_ROUTE_BAD_METHOD] = r_bad_method,
    [HTTP_ROUTE_HEALTHZ] = r_healthz,         [HTTP_ROUTE_METRICS] = r_metrics,
    [HTTP_ROUTE_ROOM_CREATE] = r_room_create, [HTTP_ROUTE_ROOM_INFO] = r_room_info,
    [HTTP_ROUTE_ROOM_PAGE] = r_room_page,     [HTTP_ROUTE_ASSET] = r_asset,
    [HTTP_ROUTE_STATIC] = r_static,           [HTTP_ROUTE_WS] = r_ws_plain,
    [HTTP_ROUTE_CONFIG] = r_config,
};
_Static_assert(sizeof route_table / sizeof route_table[0] == HTTP_ROUTE_COUNT,
               "every http_route has a handler");

int net__api_dispatch(struct lws *wsi, net_sess *s, const char *arg, size_t arg_n) {
  unsigned r = (unsigned)s->http.route;
  if (r >= sizeof route_table / sizeof route_table[0] || !route_table[r]) r = HTTP_ROUTE_NONE;
  return route_table[r](wsi, s, arg, arg_n);
}

/* Optional string field: absent or null -> NULL; a string -> it; anything else -> error. */
static int opt_string(json_t *o, const char *key, const char **out) {
  json_t *v = json_object_get(o, key);
  *out = NULL;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_string(v)) return -1;
  *out = json_string_value(v);
  return 0;
}

/* sig's answer to a room creation: kept until the socket is writable. */
static void room_created(void *user, int err, const char *json) {
  net_sess *s = user;
  net_http *h = &s->http;
  h->op = NULL;
  h->ready = 1;
  h->wait_err = err;
  free(h->mem);
  h->mem = json ? strdup(json) : NULL;
  if (json && !h->mem) h->wait_err = SIG_ENOMEM;
  lws_callback_on_writable(h->wsi);
}

int net__api_body_done(struct lws *wsi, net_sess *s) {
  net_http *h = &s->http;
  h->phase = NET_PH_IDLE;
  if (h->body_too_large) return net__http_error(wsi, s, 413, "too_large", "body over 64 KiB");
  json_t *o = NULL;
  if (h->body_len > 0) {
    json_error_t je;
    o = json_loadb((const char *)h->body, h->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
      json_decref(o);
      return net__http_error(wsi, s, 400, "bad_json", "the body must be a JSON object");
    }
  }
  const char *name = NULL, *password = NULL, *media_mode = NULL;
  if (o && (opt_string(o, "name", &name) < 0 || opt_string(o, "password", &password) < 0)) {
    json_decref(o);
    return net__http_error(wsi, s, 400, "bad_request", "name and password must be strings");
  }
  if (o && (opt_string(o, "media_mode", &media_mode) < 0 ||
            (media_mode && sig_media_mode_parse(media_mode, json_string_length(json_object_get(
                                                               o, "media_mode"))) < 0))) {
    json_decref(o);
    return net__http_error(wsi, s, 400, "bad_request",
                           "media_mode must be \"sfu\", \"p2p\" or \"auto\"");
  }
  char peer[64] = "";
  net__front_peer(wsi, peer, sizeof peer);
  h->sig = net__server(wsi)->sig;
  h->phase = NET_PH_WAIT;
  /* Hashing and storing run off the loop; room_created comes back (maybe before this returns)
   * and the answer goes out on writable. */
  int rc = sig_room_create(h->sig, name, password, media_mode, peer, room_created, s, &h->op);
  json_decref(o);
  if (rc == SIG_OK) return 0;
  h->phase = NET_PH_IDLE;
  if (rc == SIG_ELIMIT) return net__http_error(wsi, s, 429, "too_many_rooms", "max_rooms reached");
  if (rc == SIG_EBUSY) return net__http_error(wsi, s, 429, "rate_limited", sig_strerror(rc));
  if (rc == SIG_EINVAL)
    return net__http_error(wsi, s, 400, "bad_request", "invalid name or password");
  return net__http_error(wsi, s, 500, "internal", sig_strerror(rc));
}

int net__api_wait_done(struct lws *wsi, net_sess *s) {
  net_http *h = &s->http;
  h->phase = NET_PH_IDLE;
  if (h->wait_err == SIG_ESTORE)
    return net__http_error(wsi, s, 503, "store_unavailable",
                           "the database is unavailable; no room was created");
  if (h->wait_err != SIG_OK || !h->mem)
    return net__http_error(wsi, s, 500, "internal", sig_strerror(h->wait_err));
  char *body = h->mem; /* respond_mem frees the old h->mem and takes body */
  h->mem = NULL;
  return respond_mem(wsi, s, 201, "application/json", body, strlen(body));
}
