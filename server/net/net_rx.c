/* The read path of plain connections: buzzd's own recv(2), in front of libwebsockets' parser.
 *
 * Why here: libwebsockets 4.1 reads every plain socket with recv(fd, buf, len, 0)
 * (lws_ssl_capable_read_no_ssl) and offers no hook before its parser, which is where the
 * cases of docs/protocol.md "Strictness" went wrong (CONNECT switched to a raw socket with no
 * timeout, unknown methods dropped, %00 truncating the path, long heads closed without a
 * status, h2c upgraded, unmasked frames accepted). An executable's definition of recv
 * pre-empts libc's for the shared libraries it loads, so this function sees exactly the bytes
 * lws gets, request by request (keep-alive included), and passes them through guard.h.
 * Everything else in the process (libuv, OpenSSL, SQLite) reads with read/recvmsg, and any
 * descriptor that is not one of our plain client connections goes straight to the kernel.
 * TLS connections are read by OpenSSL with read(2); libwebsockets gets their plaintext from
 * SSL_read, which this file defines the same way (an executable's SSL_read pre-empts
 * libssl's for libwebsockets), so the same guard sees the decrypted bytes, and a refusal is
 * answered inside the TLS session.
 *
 * Both run only on the control thread, the one that owns the connection table: other threads
 * (the media plane's DTLS, libuv's pool) go straight to the real functions.
 *
 * A refused head is answered here, straight on the socket (lws has not seen it, and has
 * nothing of its own in flight on a connection waiting for a head), and lws is then told the
 * peer closed (return 0), so it closes the connection. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net_int.h"

net_server *net__rx_server; /* read only on the control thread */
static pthread_t control_thread; /* atomic: other threads compare it with themselves */

void net__rx_set_server(net_server *s) {
  net__rx_server = s;
  pthread_t self = pthread_self();
  __atomic_store(&control_thread, &self, __ATOMIC_RELEASE);
}

static int on_control_thread(void) {
  pthread_t t;
  __atomic_load(&control_thread, &t, __ATOMIC_ACQUIRE);
  return pthread_equal(pthread_self(), t);
}

/* The connection slot to guard for fd, or NULL to read straight through. Only the control
 * thread looks at the connection table. */
static conn_slot *guarded(int fd, int tls) {
  if (fd < 0 || !on_control_thread()) return NULL;
  net_server *s = net__rx_server;
  if (!s) return NULL;
  conn_slot *c = conns_get(&s->conns, fd);
  if (!c || c->tls != tls || (c->guard.phase == GUARD_PASS && !c->guard.held_n)) return NULL;
  return c;
}

typedef struct rx_ctx {
  net_server *srv;
  int fd;
} rx_ctx;

/* The last entry of an X-Forwarded-For value (the address our proxy saw), when it is an IP
 * literal. Returns 0 and the text in out. */
static int last_forwarded(const uint8_t *v, size_t n, char *out, size_t cap) {
  size_t start = n;
  while (start > 0 && v[start - 1] != ',') start--;
  while (start < n && (v[start] == ' ' || v[start] == '\t')) start++;
  size_t len = n - start;
  if (len == 0 || len >= cap) return -1;
  memcpy(out, v + start, len);
  out[len] = '\0';
  unsigned char bin[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, out, bin) == 1 || inet_pton(AF_INET6, out, bin) == 1) return 0;
  return -1;
}

/* guard_head_fn: the per-address rules that need the head. */
static int on_head(void *ctx, const uint8_t *p, const http_head *h) {
  rx_ctx *c = ctx;
  net_server *s = c->srv;
  if (s->trust_proxy && h->xff_n) {
    char ip[CONNS_KEY_MAX];
    if (last_forwarded(p + h->xff_off, h->xff_n, ip, sizeof ip) == 0 &&
        conns_rekey(&s->conns, c->fd, ip) == CONNS_ECAP)
      return GUARD_ECAP;
  }
  if (h->ws_upgrade && !conns_ws_allowed(&s->conns, c->fd)) return GUARD_ECAP;
  conns_set_idle(&s->conns, c->fd, 0, 0); /* a request is in progress */
  return 0;
}

/* The answer to a refused head: straight on the socket, or inside the TLS session. */
static void reply(net_server *s, int fd, SSL *ssl, int status, const char *code,
                  const char *message, const char *allow) {
  if (!ssl) {
    net__reply_raw(s, fd, status, code, message, allow);
    return;
  }
  char buf[1024];
  int n = http_reply_format(buf, sizeof buf, status, code, message, allow);
  if (n <= 0) return;
  /* As net__reply_raw: take what the client already sent, so that the close does not reset
   * the connection under the answer. The write comes last, so that SSL_get_error then
   * reports no pending read and libwebsockets closes the connection. */
  char sink[4096];
  for (int i = 0; i < 16 && net__ssl_read_real(ssl, sink, sizeof sink) > 0; i++) {
  }
  ERR_clear_error();
  (void)SSL_write(ssl, buf, n);
  shutdown(fd, SHUT_WR);
  net__count_status(s, status);
}

static void refuse(net_server *s, int fd, SSL *ssl, conn_slot *c, int verdict,
                   const uint8_t *head, const http_head *h) {
  s->heads_refused++;
  if (verdict == GUARD_ECLOSE) return;
  if (verdict == GUARD_ECAP) {
    s->conns_refused_addr++;
    bz_log_limited(&s->refuse_log, BZ_LOG_WARN, "conn_refused",
                   "peer=%s reason=per_address_cap", c->addr->key);
    reply(s, fd, ssl, 429, "too_many_connections", "too many connections from your address",
          NULL);
    return;
  }
  const char *allow = NULL;
  if (verdict == HEAD_EMETHOD)
    allow = http_route_allow((const char *)head + h->target_off, h->target_n);
  bz_log_limited(&s->refuse_log, BZ_LOG_INFO, "http_refused", "peer=%s status=%d error=%s",
                 c->addr->key, http_head_status(verdict), http_head_code(verdict));
  reply(s, fd, ssl, http_head_status(verdict), http_head_code(verdict),
        http_head_message(verdict), allow);
}

/* Runs the guard over b[0..n), just read with the held prefix first. Returns how many bytes
 * libwebsockets may have (> 0); 0 to close (a refusal of the first head has been answered);
 * -1 when all of it is held. */
static long inspect(net_server *s, int fd, SSL *ssl, conn_slot *c, uint8_t *b, size_t n) {
  net_guard *g = &c->guard;
  int verdict;
  http_head h;
  rx_ctx ctx = {s, fd};
  long pass = guard_scan(g, b, n, on_head, &ctx, &verdict, &h);
  if (pass < 0) return 0; /* out of memory for the held bytes: close */
  if (g->frames_refused) {
    s->ws_unmasked += g->frames_refused;
    g->frames_refused = 0;
    bz_log_limited(&s->refuse_log, BZ_LOG_INFO, "ws_refused", "peer=%s reason=unmasked_frame",
                   c->addr->key);
  }
  if (verdict) {
    /* Heads passed on in this read are served (and the connection then closed); a refusal of
     * the first head is answered now. */
    if (pass == 0) {
      refuse(s, fd, ssl, c, verdict, b, &h);
      return 0;
    }
    s->heads_refused++;
    return pass;
  }
  return pass == 0 ? -1 : pass;
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
  conn_slot *c = flags == 0 ? guarded(fd, 0) : NULL;
  if (!c) return recvfrom(fd, buf, len, flags, NULL, NULL);
  net_server *s = net__rx_server;
  net_guard *g = &c->guard;
  if (g->phase == GUARD_DEAD) return 0;
  uint8_t *b = buf;
  size_t k = guard_prefix(g, b, len);
  if (k >= len) { /* cannot happen with pt_serv_buf_size > HEAD_MAX (net.c); refuse safely */
    g->phase = GUARD_DEAD;
    net__reply_raw(s, fd, 431, "headers_too_large", http_head_message(HEAD_EFIELDS), NULL);
    return 0;
  }
  ssize_t r = recvfrom(fd, b + k, len - k, 0, NULL, NULL);
  if (r < 0) {
    int e = errno;
    g->held_n = k; /* guard_prefix copied them; they are still in g->held */
    errno = e;
    return -1;
  }
  if (r == 0) return 0; /* the peer closed: a held partial head is moot */
  long pass = inspect(s, fd, NULL, c, b, k + (size_t)r);
  if (pass < 0) {
    errno = EAGAIN; /* all of it is held: nothing for lws yet */
    return -1;
  }
  return pass;
}

static int (*real_ssl_read)(SSL *, void *, int);
static pthread_once_t real_ssl_read_once = PTHREAD_ONCE_INIT;

static void find_real_ssl_read(void) {
  *(void **)&real_ssl_read = dlsym(RTLD_NEXT, "SSL_read");
}

int net__ssl_read_real(SSL *ssl, void *buf, int num) {
  pthread_once(&real_ssl_read_once, find_real_ssl_read);
  return real_ssl_read ? real_ssl_read(ssl, buf, num) : -1;
}

/* libwebsockets reads TLS connections with SSL_read and then asks SSL_get_error why a read
 * returned <= 0: a real read that returns <= 0 keeps its own answer (WANT_READ: try later);
 * a 0 from here after a real read succeeded reads as SSL_ERROR_SYSCALL, which closes. */
int SSL_read(SSL *ssl, void *buf, int num) {
  if (!ssl || num <= 0 || !on_control_thread()) return net__ssl_read_real(ssl, buf, num);
  int fd = SSL_get_fd(ssl);
  conn_slot *c = guarded(fd, 1);
  if (!c) return net__ssl_read_real(ssl, buf, num);
  net_server *s = net__rx_server;
  net_guard *g = &c->guard;
  if (g->phase == GUARD_DEAD) return 0;
  uint8_t *b = buf;
  for (;;) {
    size_t k = guard_prefix(g, b, (size_t)num);
    if (k >= (size_t)num) { /* as in recv: cannot happen with our buffer sizes */
      g->phase = GUARD_DEAD;
      reply(s, fd, ssl, 431, "headers_too_large", http_head_message(HEAD_EFIELDS), NULL);
      return 0;
    }
    int r = net__ssl_read_real(ssl, b + k, num - (int)k);
    if (r <= 0) {
      g->held_n = k;
      return r;
    }
    long pass = inspect(s, fd, ssl, c, b, k + (size_t)r);
    if (pass >= 0) return (int)pass;
    /* All of it is held: read on, until the real read says there is nothing more yet. */
  }
}
