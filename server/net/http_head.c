/* Strict HTTP/1.x request-head checks (see http_head.h). */
#include "net/http_head.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 tchar: the bytes of a method or header name. */
static int is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Methods handed on to the router (which answers 405 itself where a route does not take one). */
static const struct {
  const char *name;
  head_method m;
} methods[] = {
    {"GET", HEAD_M_GET},       {"HEAD", HEAD_M_HEAD},     {"POST", HEAD_M_POST},
    {"PUT", HEAD_M_PUT},       {"DELETE", HEAD_M_DELETE}, {"PATCH", HEAD_M_PATCH},
};

static head_method method_of(const uint8_t *p, size_t n) {
  for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++)
    if (strlen(methods[k].name) == n && memcmp(methods[k].name, p, n) == 0) return methods[k].m;
  return HEAD_M_OTHER;
}

/* An origin-form target: '/', then printable ASCII, with valid %XX escapes that decode to no
 * control byte. A raw byte >= 0x80 is refused too: clients percent-encode them. */
static int check_target(const uint8_t *p, size_t n) {
  if (n == 0 || p[0] != '/') return HEAD_EPATH;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c <= 0x20 || c >= 0x7f) return HEAD_EPATH;
    if (c != '%') continue;
    if (n - i < 3) return HEAD_EPATH;
    int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
    if (hi < 0 || lo < 0) return HEAD_EPATH;
    int v = hi * 16 + lo;
    if (v < 0x20 || v == 0x7f) return HEAD_EPATH;
    i += 2;
  }
  return HEAD_OK;
}

/* The end of the line starting at p[0]: the index of its LF, or -1 when none in p[0..n). */
static long find_lf(const uint8_t *p, size_t n) {
  const uint8_t *lf = memchr(p, '\n', n);
  return lf ? (long)(lf - p) : -1;
}

/* Length of a line without its CR LF (or bare LF) ending at index lf. */
static size_t line_len(const uint8_t *p, size_t lf) {
  return (lf > 0 && p[lf - 1] == '\r') ? lf - 1 : lf;
}

int http_head_line(const uint8_t *p, size_t n, http_head *h) {
  memset(h, 0, sizeof *h);
  long lf = find_lf(p, n < HEAD_LINE_MAX + 2 ? n : HEAD_LINE_MAX + 2);
  if (lf < 0) return n > HEAD_LINE_MAX + 1 ? HEAD_ELINE : HEAD_INCOMPLETE;
  size_t len = line_len(p, (size_t)lf);
  if (len > HEAD_LINE_MAX) return HEAD_ELINE;
  /* method SP target SP version: the target lies between the first and the last space. */
  const uint8_t *sp1 = memchr(p, ' ', len);
  size_t last = len;
  while (last > 0 && p[last - 1] != ' ') last--;
  if (!sp1 || last == 0 || (size_t)(sp1 - p) + 1 >= last) return HEAD_EBAD;
  size_t mlen = (size_t)(sp1 - p);
  if (mlen == 0 || mlen > 16) return HEAD_EBAD;
  for (size_t i = 0; i < mlen; i++)
    if (!is_tchar(p[i])) return HEAD_EBAD;
  h->target_off = mlen + 1;
  h->target_n = last - 1 - h->target_off; /* set first: a 405's Allow depends on the path */
  h->method = method_of(p, mlen);
  if (h->method == HEAD_M_OTHER) return HEAD_EMETHOD;
  const uint8_t *ver = p + last;
  size_t vlen = len - last;
  if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1'))
    return HEAD_EBAD;
  return check_target(p + h->target_off, h->target_n);
}

static int name_is(const uint8_t *p, size_t n, const char *name) {
  return strlen(name) == n && strncasecmp((const char *)p, name, n) == 0;
}

static void trim(const uint8_t **v, size_t *n) {
  while (*n && ((*v)[0] == ' ' || (*v)[0] == '\t')) (*v)++, (*n)--;
  while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t')) (*n)--;
}

static int parse_length(const uint8_t *v, size_t n, uint64_t *out) {
  if (n == 0 || n > 18) return HEAD_EBAD;
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return HEAD_EBAD;
    x = x * 10 + (uint64_t)(v[i] - '0');
  }
  *out = x;
  return HEAD_OK;
}

static int drop_line(http_head *h, size_t off, size_t len) {
  if (h->ndrop >= HEAD_DROP_MAX) return HEAD_EBAD;
  h->drop_off[h->ndrop] = off;
  h->drop_len[h->ndrop] = len;
  h->ndrop++;
  return HEAD_OK;
}

/* One header line p[off .. off+len) (without its line end; `full` with it). */
static int header_line(const uint8_t *p, size_t off, size_t len, size_t full, http_head *h) {
  const uint8_t *l = p + off;
  if (l[0] == ' ' || l[0] == '\t') return HEAD_EBAD; /* obsolete line folding */
  size_t colon = 0;
  while (colon < len && is_tchar(l[colon])) colon++;
  if (colon == 0 || colon == len || l[colon] != ':') return HEAD_EBAD;
  const uint8_t *v = l + colon + 1;
  size_t vn = len - colon - 1;
  for (size_t i = 0; i < vn; i++)
    if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f) return HEAD_EBAD;
  trim(&v, &vn);
  if (name_is(l, colon, "content-length")) {
    uint64_t x;
    if (parse_length(v, vn, &x) < 0) return HEAD_EBAD;
    if (h->has_body_len && x != h->body_len) return HEAD_EBAD; /* conflicting lengths */
    h->has_body_len = 1;
    h->body_len = x;
  } else if (name_is(l, colon, "transfer-encoding")) {
    return HEAD_EBAD; /* no route takes a chunked body; refusing it also closes smuggling */
  } else if (name_is(l, colon, "upgrade")) {
    if (name_is(v, vn, "websocket")) h->ws_upgrade = 1;
    else return drop_line(h, off, full);
  } else if (name_is(l, colon, "http2-settings")) {
    return drop_line(h, off, full);
  } else if (name_is(l, colon, "x-forwarded-for")) {
    h->xff_off = (size_t)(v - p);
    h->xff_n = vn;
  }
  return HEAD_OK;
}

int http_head_parse(const uint8_t *p, size_t n, http_head *h) {
  int rc = http_head_line(p, n, h);
  if (rc != HEAD_OK) return rc;
  size_t off = (size_t)find_lf(p, n) + 1, start = off;
  for (;;) {
    long lf = find_lf(p + off, n - off);
    if (lf < 0) return n - start > HEAD_FIELDS_MAX ? HEAD_EFIELDS : HEAD_INCOMPLETE;
    size_t len = line_len(p + off, (size_t)lf), full = (size_t)lf + 1;
    if (len == 0) { /* the blank line */
      h->len = off + full;
      /* An upgraded connection carries frames, not a body; a h2c request loses its Upgrade. */
      if (h->ws_upgrade) h->has_body_len = 0, h->body_len = 0;
      return HEAD_OK;
    }
    if (off + full - start > HEAD_FIELDS_MAX) return HEAD_EFIELDS;
    for (size_t i = 0; i < len; i++)
      if (p[off + i] == '\r') return HEAD_EBAD; /* a bare CR inside a line */
    if ((rc = header_line(p, off, len, full, h)) != HEAD_OK) return rc;
    off += full;
  }
}

int http_head_status(int err) {
  switch (err) {
    case HEAD_EMETHOD: return 405;
    case HEAD_EPATH: return 400;
    case HEAD_ELINE: return 414;
    case HEAD_EFIELDS: return 431;
    case HEAD_EBAD: return 400;
    default: return 0;
  }
}

const char *http_head_code(int err) {
  switch (err) {
    case HEAD_EMETHOD: return "method_not_allowed";
    case HEAD_EPATH: return "bad_path";
    case HEAD_ELINE: return "uri_too_long";
    case HEAD_EFIELDS: return "headers_too_large";
    default: return "bad_request";
  }
}

const char *http_head_message(int err) {
  switch (err) {
    case HEAD_EMETHOD: return "method not allowed";
    case HEAD_EPATH: return "the request target must be a path without control bytes";
    case HEAD_ELINE: return "request line over 8192 bytes";
    case HEAD_EFIELDS: return "request headers over 8192 bytes";
    default: return "malformed request (or a chunked body, which no route takes)";
  }
}
