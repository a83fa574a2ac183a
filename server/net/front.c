/* Connection admission: the per-address and global caps, making room by closing idle
 * connections, fast refusals, and the accept back-off.
 *
 * libwebsockets accepts; FILTER_NETWORK_CONNECTION hands us each new descriptor and its
 * address before anything is read. Three rules, in order:
 *   1. Per address (the socket's, or with --trust-proxy the last X-Forwarded-For entry, which
 *      net_rx.c applies once the head is read): at most max_conns_per_addr connections, and
 *      at most max_ws_per_addr WebSockets. Above: 429 too_many_connections, then close.
 *   2. Globally: at most max_connections, which is kept NET_FD_RESERVE descriptors (plus what
 *      was open at start) below RLIMIT_NOFILE so that accept(2) itself does not fail: the
 *      reserve is for the files being served, the database and the media plane. At the cap a
 *      new connection closes the connection idle longest (one waiting for a head, or between
 *      keep-alive requests: the kind a slow or stalled client holds) and takes its place, so
 *      stalled connections can never lock out /healthz, /metrics or a user. Only when no
 *      connection is idle (all are WebSockets or requests in progress) is it refused with 503
 *      server_busy.
 *   3. If accept fails anyway (EMFILE / ENFILE: descriptors used elsewhere), the listener
 *      stops being polled for 100 ms, doubling to 1 s while failures go on, instead of libuv
 *      waking on the still-pending connection in a loop.
 * A connection's slot (conns.h) lives from FILTER to WSI_DESTROY; the wsi finds its
 * descriptor again through its opaque pointer, set at SERVER_NEW_CLIENT_INSTANTIATED (in
 * WSI_DESTROY the socket is already closed). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net_int.h"

/* Descriptors open right now (at start: stdio, the database, the loop's own). */
static int fds_open_now(int limit) {
  int n = 0;
  for (int fd = 0; fd < limit && fd < 65536; fd++)
    if (fcntl(fd, F_GETFD) >= 0) n++;
  return n;
}

int net__front_init(net_server *s, const net_options *o) {
  struct rlimit rl;
  int nofile = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    nofile = rl.rlim_cur > (1u << 20) ? (1 << 20) : (int)rl.rlim_cur;
  int room = nofile - fds_open_now(nofile) - NET_FD_RESERVE - NET_EVICT_SLACK;
  if (room < 8) room = 8;
  s->max_conns = (o->max_connections > 0 && o->max_connections < room) ? o->max_connections : room;
  s->trust_proxy = o->trust_proxy;
  s->loop_lag = o->loop_lag;
  s->more_metrics = o->more_metrics;
  s->more_metrics_user = o->more_metrics_user;
  s->lws_log = (bz_log_budget)BZ_LOG_BUDGET(5, 20);
  s->refuse_log = (bz_log_budget)BZ_LOG_BUDGET(1, 5);
  int per_addr = o->max_conns_per_addr > 0 ? o->max_conns_per_addr : 256;
  int ws_per_addr = o->max_ws_per_addr > 0 ? o->max_ws_per_addr : 128;
  if (conns_init(&s->conns, nofile, per_addr, ws_per_addr) < 0) return NET_ENOMEM;
  BZ_INFO("net_caps", "nofile=%d max_connections=%d max_conns_per_addr=%d max_ws_per_addr=%d "
          "trust_proxy=%d", nofile, s->max_conns, per_addr, ws_per_addr, s->trust_proxy);
  return 0;
}

/* Only once the server is up: a failed create frees s at once, with no loop run to finish
 * closing a handle. */
void net__front_start(net_server *s) {
  if (uv_timer_init(s->loop, &s->backoff) == 0) s->backoff_inited = 1;
  s->backoff.data = s;
}

void net__front_close(net_server *s) {
  if (s->backoff_inited) {
    uv_timer_stop(&s->backoff);
    uv_close((uv_handle_t *)&s->backoff, NULL);
    s->backoff_inited = 0;
  }
}

void net__front_free(net_server *s) {
  conns_free(&s->conns);
}

/* The text of an address; IPv4-mapped IPv6 as plain IPv4, so it compares with X-Forwarded-For. */
static void addr_text(const struct sockaddr_storage *sa, char *buf, size_t cap) {
  buf[0] = '\0';
  if (sa->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)cap);
  } else if (sa->ss_family == AF_INET6) {
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6))
      inet_ntop(AF_INET, &a6->s6_addr[12], buf, (socklen_t)cap);
    else
      inet_ntop(AF_INET6, a6, buf, (socklen_t)cap);
  }
}

void net__reply_raw(net_server *s, int fd, int status, const char *code, const char *message,
                    const char *allow) {
  char buf[1024];
  int n = http_reply_format(buf, sizeof buf, status, code, message, allow);
  if (n <= 0) return;
  /* Read what the client already sent: closing with unread bytes makes the kernel send a
   * reset, which can destroy the answer before the client reads it. */
  char sink[4096];
  for (int i = 0; i < 16 && recvfrom(fd, sink, sizeof sink, MSG_DONTWAIT, NULL, NULL) > 0; i++) {
  }
  ssize_t w = send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)w;
  shutdown(fd, SHUT_WR);
  if (s) net__count_status(s, status);
}

/* A refusal before a byte was read. A TLS client is still waiting for the handshake and
 * would take plain text for a protocol error, so it only sees the connection close. */
static void refuse_at_accept(net_server *s, int fd, int status, const char *code,
                             const char *message) {
  if (s->tls)
    net__count_status(s, status);
  else
    net__reply_raw(s, fd, status, code, message, NULL);
}

/* Asks the connection idle longest to close. Returns 1 if there was one. */
static int evict_one(net_server *s) {
  int fd = conns_oldest_idle(&s->conns);
  conn_slot *v = fd >= 0 ? conns_get(&s->conns, fd) : NULL;
  if (!v || !v->wsi) return 0;
  conns_mark_evicting(&s->conns, fd);
  lws_set_timeout(v->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  s->conns_evicted++;
  return 1;
}

int net__front_filter(net_server *s, struct lws *listen_wsi,
                      const struct lws_filter_network_conn_args *a, int fd) {
  char key[CONNS_KEY_MAX];
  if (!s->listen_wsi) s->listen_wsi = listen_wsi;
  addr_text(&a->cli_addr, key, sizeof key);
  conn_table *t = &s->conns;
  if (fd < 0 || fd >= t->nslots) return 1;
  conns_close(t, fd); /* a slot whose adoption failed before it was bound */
  int live = t->open - t->evicting;
  if (t->open >= s->max_conns + NET_EVICT_SLACK || (live >= s->max_conns && !evict_one(s))) {
    s->conns_refused_busy++;
    bz_log_limited(&s->refuse_log, BZ_LOG_WARN, "conn_refused",
                   "peer=%s reason=server_busy open=%d max=%d", key, t->open, s->max_conns);
    refuse_at_accept(s, fd, 503, "server_busy", "too many connections, retry shortly");
    return 1;
  }
  int rc = conns_open(t, fd, key, net__mono_ms(), !s->trust_proxy);
  if (rc == CONNS_ECAP) {
    s->conns_refused_addr++;
    bz_log_limited(&s->refuse_log, BZ_LOG_WARN, "conn_refused",
                   "peer=%s reason=per_address_cap max=%d", key, t->max_per_addr);
    refuse_at_accept(s, fd, 429, "too_many_connections", "too many connections from your address");
    return 1;
  }
  if (rc < 0) return 1;
  conns_get(t, fd)->tls = s->tls;
  s->conns_accepted++;
  return 0;
}

void net__front_bind(net_server *s, struct lws *wsi) {
  int fd = lws_get_socket_fd(wsi);
  conn_slot *c = conns_get(&s->conns, fd);
  if (!c || c->wsi) return;
  c->wsi = wsi;
  lws_set_opaque_user_data(wsi, (void *)(intptr_t)(fd + 1));
}

/* The slot of a bound wsi, and its descriptor. */
static conn_slot *slot_of(net_server *s, struct lws *wsi, int *fd_out) {
  intptr_t v = (intptr_t)lws_get_opaque_user_data(wsi);
  int fd = (int)v - 1;
  conn_slot *c = v > 0 ? conns_get(&s->conns, fd) : NULL;
  if (!c || c->wsi != wsi) return NULL;
  if (fd_out) *fd_out = fd;
  return c;
}

void net__front_destroy(net_server *s, struct lws *wsi) {
  int fd;
  if (slot_of(s, wsi, &fd)) conns_close(&s->conns, fd);
}

void net__front_busy(struct lws *wsi, int busy) {
  net_server *s = net__server(wsi);
  int fd;
  if (slot_of(s, wsi, &fd)) conns_set_idle(&s->conns, fd, !busy, net__mono_ms());
}

void net__front_peer(struct lws *wsi, char *buf, size_t cap) {
  conn_slot *c = slot_of(net__server(wsi), wsi, NULL);
  if (c) snprintf(buf, cap, "%s", c->addr->key);
  else lws_get_peer_simple(wsi, buf, cap);
}

int net__front_ws_allowed(struct lws *wsi) {
  int fd;
  net_server *s = net__server(wsi);
  return slot_of(s, wsi, &fd) ? conns_ws_allowed(&s->conns, fd) : 1;
}

void net__front_ws_open(struct lws *wsi) {
  int fd;
  net_server *s = net__server(wsi);
  if (slot_of(s, wsi, &fd)) conns_ws_open(&s->conns, fd);
}

static void backoff_end(uv_timer_t *t) {
  net_server *s = t->data;
  if (s->listen_wsi && !s->closing) lws_rx_flow_control(s->listen_wsi, 1);
  s->backoff_last_ms = s->backoff_ms;
  s->backoff_resumed_ms = net__mono_ms();
  s->backoff_ms = 0;
}

void net__front_accept_failed(net_server *s) {
  s->accept_errors++;
  if (!s->backoff_inited || !s->listen_wsi || s->closing || s->backoff_ms > 0) return;
  /* A failure soon after the last pause ended doubles the pause; after a quiet spell (twice
   * the last pause) it starts again from the shortest. */
  int last = s->backoff_last_ms;
  if (last && net__mono_ms() - s->backoff_resumed_ms > 2u * (unsigned)last) last = 0;
  int ms = last ? last * 2 : NET_BACKOFF_MIN_MS;
  if (ms > NET_BACKOFF_MAX_MS) ms = NET_BACKOFF_MAX_MS;
  s->backoff_ms = ms;
  lws_rx_flow_control(s->listen_wsi, 0);
  uv_timer_start(&s->backoff, backoff_end, (uint64_t)ms, 0);
}
