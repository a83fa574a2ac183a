/* Blocking HTTP/1.0 client; see http.h. */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Parses "HTTP/1.x NNN ..." and the headers of reply[0..n); on success *body_off is where the
 * body starts and *clen the Content-Length (-1 when absent). */
static int parse_head(const char *r, size_t n, int *status, size_t *body_off, long *clen) {
  const char *end = NULL;
  for (size_t i = 0; i + 3 < n; i++)
    if (r[i] == '\r' && r[i + 1] == '\n' && r[i + 2] == '\r' && r[i + 3] == '\n') {
      end = r + i;
      break;
    }
  if (!end || n < 12 || memcmp(r, "HTTP/1.", 7) != 0 || r[8] != ' ') return HTTP_EPARSE;
  if (r[9] < '1' || r[9] > '5' || r[10] < '0' || r[10] > '9' || r[11] < '0' || r[11] > '9')
    return HTTP_EPARSE;
  *status = (r[9] - '0') * 100 + (r[10] - '0') * 10 + (r[11] - '0');
  *body_off = (size_t)(end - r) + 4;
  *clen = -1;
  const char *line = memchr(r, '\n', (size_t)(end - r));
  while (line && line < end) {
    line++;
    const char *eol = memchr(line, '\n', (size_t)(end + 2 - line));
    if (!eol) break;
    static const char cl[] = "content-length:";
    if ((size_t)(eol - line) > sizeof cl - 1 && strncasecmp(line, cl, sizeof cl - 1) == 0) {
      long v = 0;
      const char *q = line + sizeof cl - 1;
      while (q < eol && (*q == ' ' || *q == '\t')) q++;
      int digits = 0;
      while (q < eol && *q >= '0' && *q <= '9' && digits < 9) v = v * 10 + (*q++ - '0'), digits++;
      if (!digits) return HTTP_EPARSE;
      *clen = v;
    }
    line = eol;
  }
  return 0;
}

int http_request(int port, const char *method, const char *path, const char *body, int timeout_ms,
                 char **body_out) {
  *body_out = NULL;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return HTTP_ECONNECT;
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return HTTP_ECONNECT;
  }
  size_t blen = body ? strlen(body) : 0;
  char head[512];
  int hl = snprintf(head, sizeof head,
                    "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                    method, path, port, blen);
  if (hl <= 0 || (size_t)hl >= sizeof head || write_all(fd, head, (size_t)hl) < 0 ||
      (blen && write_all(fd, body, blen) < 0)) {
    close(fd);
    return HTTP_EIO;
  }
  size_t cap = 16384, n = 0;
  char *r = malloc(cap);
  int rc = 0;
  for (;;) {
    if (!r) {
      rc = HTTP_EIO;
      break;
    }
    if (n + 1 >= cap) {
      if (cap >= HTTP_MAX_REPLY) {
        rc = HTTP_ETOOBIG;
        break;
      }
      char *g = realloc(r, cap * 2);
      if (!g) {
        rc = HTTP_EIO;
        break;
      }
      r = g;
      cap *= 2;
    }
    ssize_t got = recv(fd, r + n, cap - 1 - n, 0);
    if (got == 0) break;
    if (got < 0) {
      rc = HTTP_EIO;
      break;
    }
    n += (size_t)got;
  }
  close(fd);
  if (rc < 0) {
    free(r);
    return rc;
  }
  int status;
  size_t off;
  long clen;
  if (parse_head(r, n, &status, &off, &clen) < 0 || (clen >= 0 && (size_t)clen != n - off)) {
    free(r);
    return HTTP_EPARSE;
  }
  memmove(r, r + off, n - off);
  r[n - off] = 0;
  *body_out = r;
  return status;
}
