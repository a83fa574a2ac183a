/* A WebSocket client for loopback signaling; see ws.h. */
#include "ws.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct ws_conn {
  int fd;
  uint8_t *in; /* bytes received, not yet parsed */
  size_t in_len, in_cap;
  char *msg; /* the message being reassembled */
  size_t msg_len;
  int msg_open; /* a fragmented message is under way */
};

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd pf = {fd, POLLOUT, 0};
      if (poll(&pf, 1, 5000) <= 0) return WS_EIO;
      continue;
    }
    if (w <= 0) return WS_EIO;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Appends what the socket has; waits at most timeout_ms (0 = do not wait). 1 when bytes came,
 * 0 on timeout, WS_E* on error or EOF. */
static int fill(ws_conn *c, int timeout_ms) {
  if (c->in_cap - c->in_len < 16384) {
    size_t cap = c->in_cap ? c->in_cap * 2 : 65536;
    if (cap > WS_MAX_MESSAGE + 65536) return WS_EPROTO;
    uint8_t *n = realloc(c->in, cap);
    if (!n) return WS_EIO;
    c->in = n;
    c->in_cap = cap;
  }
  struct pollfd pf = {c->fd, POLLIN, 0};
  int r = poll(&pf, 1, timeout_ms);
  if (r == 0) return 0;
  if (r < 0) return errno == EINTR ? 0 : WS_EIO;
  ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  if (n <= 0) return WS_EIO;
  c->in_len += (size_t)n;
  return 1;
}

static int send_frame(ws_conn *c, int opcode, const void *data, size_t n) {
  uint8_t h[14], mask[4];
  size_t hl = 2;
  h[0] = (uint8_t)(0x80 | opcode);
  if (n < 126) {
    h[1] = (uint8_t)(0x80 | n);
  } else if (n < 65536) {
    h[1] = 0x80 | 126;
    h[2] = (uint8_t)(n >> 8);
    h[3] = (uint8_t)n;
    hl = 4;
  } else {
    h[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    hl = 10;
  }
  if (RAND_bytes(mask, 4) != 1) return WS_EIO;
  memcpy(h + hl, mask, 4);
  hl += 4;
  uint8_t *buf = malloc(hl + n);
  if (!buf) return WS_EIO;
  memcpy(buf, h, hl);
  const uint8_t *d = data;
  for (size_t i = 0; i < n; i++) buf[hl + i] = d[i] ^ mask[i & 3];
  int rc = write_all(c->fd, buf, hl + n);
  free(buf);
  return rc;
}

/* Parses one frame at the head of c->in: *used is the bytes it took (0 when more are needed);
 * data frames are appended to c->msg and *complete is set when the message is finished;
 * pings are answered. 0, or WS_E* on a protocol error or a close frame. */
static int parse_one(ws_conn *c, size_t *used, int *complete) {
  *used = 0;
  *complete = 0;
  const uint8_t *p = c->in;
  size_t n = c->in_len;
  if (n < 2) return 0;
  int fin = p[0] & 0x80, op = p[0] & 0x0f;
  if (p[0] & 0x70) return WS_EPROTO; /* no extensions were negotiated */
  if (p[1] & 0x80) return WS_EPROTO; /* servers never mask */
  uint64_t len = p[1] & 0x7f;
  size_t hl = 2;
  if (len == 126) {
    if (n < 4) return 0;
    len = (uint64_t)p[2] << 8 | p[3];
    hl = 4;
  } else if (len == 127) {
    if (n < 10) return 0;
    len = 0;
    for (int i = 0; i < 8; i++) len = len << 8 | p[2 + i];
    hl = 10;
  }
  if (len > WS_MAX_MESSAGE) return WS_EPROTO;
  if (n - hl < len) return 0;
  const uint8_t *d = p + hl;
  *used = hl + (size_t)len;
  if (op >= 8) { /* control: at most 125 bytes, never fragmented */
    if (!fin || len > 125) return WS_EPROTO;
    if (op == 0x8) return WS_EIO;
    if (op == 0x9) return send_frame(c, 0xA, d, (size_t)len);
    return 0; /* pong */
  }
  if (op == 0 ? !c->msg_open : (op != 1 && op != 2) || c->msg_open) return WS_EPROTO;
  if (op) c->msg_len = 0;
  if (c->msg_len + len > WS_MAX_MESSAGE) return WS_EPROTO;
  char *m = realloc(c->msg, c->msg_len + (size_t)len + 1);
  if (!m) return WS_EIO;
  c->msg = m;
  memcpy(c->msg + c->msg_len, d, (size_t)len);
  c->msg_len += (size_t)len;
  c->msg[c->msg_len] = 0;
  c->msg_open = !fin;
  *complete = fin;
  return 0;
}

static void consume(ws_conn *c, size_t used) {
  memmove(c->in, c->in + used, c->in_len - used);
  c->in_len -= used;
}

/* The next complete message into c->msg; 1, 0 (none within the time) or WS_E*. */
static int next_message(ws_conn *c, int timeout_ms) {
  long long until = now_ms() + timeout_ms;
  for (;;) {
    size_t used;
    int complete;
    int rc = parse_one(c, &used, &complete);
    if (rc < 0) return rc;
    if (used) {
      consume(c, used);
      if (complete) return 1;
      continue;
    }
    long long left = until - now_ms();
    if (left < 0) left = 0;
    rc = fill(c, (int)left);
    if (rc < 0) return rc;
    if (rc == 0 && left == 0) return 0;
  }
}

int ws_recv(ws_conn *c, int timeout_ms, json_t **msg) {
  *msg = NULL;
  int rc = next_message(c, timeout_ms);
  if (rc <= 0) return rc ? rc : WS_ETIMEOUT;
  json_t *j = json_loadb(c->msg, c->msg_len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(j)) {
    json_decref(j);
    return WS_EJSON;
  }
  *msg = j;
  return 0;
}

int ws_wait(ws_conn *c, const char *type, int timeout_ms, json_t **msg) {
  *msg = NULL;
  long long until = now_ms() + timeout_ms;
  for (;;) {
    long long left = until - now_ms();
    json_t *j;
    int rc = ws_recv(c, left > 0 ? (int)left : 0, &j);
    if (rc < 0) return rc;
    const char *t = json_string_value(json_object_get(j, "type"));
    if (t && (!strcmp(t, type) || !strcmp(t, "error"))) {
      *msg = j;
      return strcmp(t, type) ? WS_ESERVER : 0;
    }
    json_decref(j);
  }
}

int ws_drain(ws_conn *c) {
  for (;;) {
    int rc = next_message(c, 0);
    if (rc <= 0) return rc;
  }
}

int ws_send(ws_conn *c, json_t *msg) {
  char *s = json_dumps(msg, JSON_COMPACT);
  if (!s) return WS_EIO;
  int rc = send_frame(c, 0x1, s, strlen(s));
  free(s);
  return rc;
}

/* Sec-WebSocket-Accept for our key: base64(SHA-1(key + the RFC 6455 GUID)). */
static void accept_for(const char *key, char *out /* [32] */) {
  char cat[128];
  unsigned char md[SHA_DIGEST_LENGTH];
  snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  SHA1((const unsigned char *)cat, strlen(cat), md);
  EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
}

/* Reads the upgrade reply's head (up to the blank line) and checks it. */
static int upgrade_reply(ws_conn *c, const char *key, int timeout_ms) {
  long long until = now_ms() + timeout_ms;
  uint8_t *end;
  while (!(end = c->in_len >= 4 ? memmem(c->in, c->in_len, "\r\n\r\n", 4) : NULL)) {
    if (c->in_len > 16384) return WS_ECONNECT;
    long long left = until - now_ms();
    if (left <= 0 || fill(c, (int)left) < 0) return WS_ECONNECT;
  }
  size_t head = (size_t)(end - c->in) + 4;
  char *h = malloc(head + 1), want[32], *save = NULL;
  if (!h) return WS_ECONNECT;
  memcpy(h, c->in, head);
  h[head] = 0;
  consume(c, head);
  accept_for(key, want);
  int status = 0, accepted = 0;
  for (char *line = strtok_r(h, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    if (!status) {
      if (sscanf(line, "HTTP/1.1 %d", &status) != 1) break;
      continue;
    }
    if (!strncasecmp(line, "sec-websocket-accept:", 21)) {
      const char *v = line + 21;
      while (*v == ' ') v++;
      accepted = !strcmp(v, want);
    }
  }
  free(h);
  return status == 101 && accepted ? 0 : WS_ECONNECT;
}

int ws_open(ws_conn **out, int port, const char *path, int timeout_ms) {
  *out = NULL;
  ws_conn *c = calloc(1, sizeof *c);
  if (!c) return WS_ECONNECT;
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0) goto fail;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  uint8_t raw[16];
  char key[32], req[512];
  if (RAND_bytes(raw, sizeof raw) != 1) goto fail;
  EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                   "Origin: http://127.0.0.1:%d\r\n\r\n",
                   path, port, key, port);
  if (n <= 0 || (size_t)n >= sizeof req || write_all(c->fd, req, (size_t)n) < 0 ||
      upgrade_reply(c, key, timeout_ms) < 0)
    goto fail;
  *out = c;
  return 0;
fail:
  if (c->fd >= 0) close(c->fd);
  free(c->in);
  free(c);
  return WS_ECONNECT;
}

void ws_close(ws_conn *c) {
  if (!c) return;
  static const uint8_t normal[2] = {0x03, 0xe8}; /* 1000 */
  send_frame(c, 0x8, normal, sizeof normal);
  close(c->fd);
  free(c->in);
  free(c->msg);
  free(c);
}
