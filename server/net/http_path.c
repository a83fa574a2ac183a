/* Request-path decoding, normalisation and route matching (see http_util.h). */
#include "net/http_util.h"

#include <string.h>

const char *http_strerror(int err) {
  switch (err) {
    case HTTP_OK:
      return "ok";
    case HTTP_EINVAL:
      return "malformed request path";
    case HTTP_ETOOLONG:
      return "request path too long";
    case HTTP_EDENIED:
      return "path not allowed";
    default:
      return "unknown error";
  }
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes one segment byte at p[*i]; advances *i. Returns the byte, or a negative HTTP_E*.
 * An escaped '/' or '\\' would let a segment smuggle a separator past the checks below. */
static int decode_byte(const char *p, size_t n, int decode, size_t *i) {
  unsigned char c = (unsigned char)p[*i];
  if (c == '%' && decode) {
    if (n - *i < 3) return HTTP_EINVAL; /* truncated escape */
    int hi = hexval((unsigned char)p[*i + 1]), lo = hexval((unsigned char)p[*i + 2]);
    if (hi < 0 || lo < 0) return HTTP_EINVAL;
    c = (unsigned char)(hi * 16 + lo);
    *i += 3;
    if (c == '/' || c == '\\') return HTTP_EDENIED;
  } else {
    *i += 1;
    if (c == '\\') return HTTP_EDENIED;
  }
  if (c < 0x20 || c == 0x7f) return HTTP_EINVAL; /* NUL and control bytes */
  return c;
}

/* Appends the segment p[*i .. next '/') decoded to out at *o. Returns 0 or HTTP_E*. */
static int take_segment(const char *p, size_t n, int decode, size_t *i, char *out, size_t cap,
                        size_t *o) {
  size_t start = *o;
  while (*i < n && p[*i] != '/') {
    int c = decode_byte(p, n, decode, i);
    if (c < 0) return c;
    if (*o + 1 >= cap || *o >= HTTP_PATH_MAX) return HTTP_ETOOLONG;
    out[(*o)++] = (char)c;
  }
  /* "." and ".." and hidden files (".git", ".env") are refused whatever their encoding. */
  if (*o > start && out[start] == '.') return HTTP_EDENIED;
  return 0;
}

int http_path_resolve(const char *p, size_t n, int decode, char *out, size_t cap) {
  if (!p || !out || cap == 0) return HTTP_EINVAL;
  if (n > HTTP_PATH_MAX) return HTTP_ETOOLONG;
  if (n == 0 || p[0] != '/') return HTTP_EINVAL;
  size_t i = 0, o = 0;
  int trailing_slash = 0;
  while (i < n) {
    while (i < n && p[i] == '/') i++; /* collapse "//" */
    if (i == n) {
      trailing_slash = 1;
      break;
    }
    if (o > 0) {
      if (o + 1 >= cap) return HTTP_ETOOLONG;
      out[o++] = '/';
    }
    int rc = take_segment(p, n, decode, &i, out, cap, &o);
    if (rc < 0) return rc;
  }
  if (trailing_slash || o == 0) {
    static const char idx[] = "index.html";
    size_t need = (o ? 1 : 0) + sizeof idx - 1;
    if (o + need + 1 > cap || o + need > HTTP_PATH_MAX) return HTTP_ETOOLONG;
    if (o) out[o++] = '/';
    memcpy(out + o, idx, sizeof idx - 1);
    o += sizeof idx - 1;
  }
  out[o] = '\0';
  return (int)o;
}

/* ---- routes ------------------------------------------------------------------------------ */

static int is_room_id(const char *p, size_t n) {
  if (n == 0 || n > 64) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0;
  }
  return 1;
}

static int has_prefix(const char *p, size_t n, const char *pre, size_t pn) {
  return n >= pn && memcmp(p, pre, pn) == 0;
}

#define LIT(s) (s), (sizeof(s) - 1)

/* Exact-path routes, with the methods each accepts (bit per http_method). */
#define MB(m) (1u << (m))
static const struct {
  const char *path;
  size_t len;
  unsigned methods;
  http_route route;
} exact_routes[] = {
    {LIT("/healthz"), MB(HTTP_M_GET) | MB(HTTP_M_HEAD), HTTP_ROUTE_HEALTHZ},
    {LIT("/metrics"), MB(HTTP_M_GET) | MB(HTTP_M_HEAD), HTTP_ROUTE_METRICS},
    {LIT("/api/rooms"), MB(HTTP_M_POST), HTTP_ROUTE_ROOM_CREATE},
    {LIT("/api/config"), MB(HTTP_M_GET) | MB(HTTP_M_HEAD), HTTP_ROUTE_CONFIG},
    {LIT("/ws"), MB(HTTP_M_GET), HTTP_ROUTE_WS},
};

/* Prefix routes whose remainder is an argument; `id` = the remainder must be a room id. */
static const struct {
  const char *prefix;
  size_t len;
  unsigned methods;
  int id;
  http_route route;
} prefix_routes[] = {
    {LIT("/api/rooms/"), MB(HTTP_M_GET) | MB(HTTP_M_HEAD), 1, HTTP_ROUTE_ROOM_INFO},
    {LIT("/r/"), MB(HTTP_M_GET) | MB(HTTP_M_HEAD), 1, HTTP_ROUTE_ROOM_PAGE},
    {LIT("/assets/"), MB(HTTP_M_GET) | MB(HTTP_M_HEAD), 0, HTTP_ROUTE_ASSET},
};

http_route http_route_match(http_method m, const char *p, size_t n, const char **arg,
                            size_t *arg_n) {
  const char *a = NULL;
  size_t an = 0;
  http_route r = HTTP_ROUTE_NONE;
  unsigned allowed = 0;
  if (!p) return HTTP_ROUTE_NONE;
  for (size_t k = 0; k < sizeof exact_routes / sizeof exact_routes[0] && !r; k++)
    if (n == exact_routes[k].len && memcmp(p, exact_routes[k].path, n) == 0) {
      r = exact_routes[k].route;
      allowed = exact_routes[k].methods;
    }
  for (size_t k = 0; k < sizeof prefix_routes / sizeof prefix_routes[0] && !r; k++) {
    size_t pl = prefix_routes[k].len;
    if (!has_prefix(p, n, prefix_routes[k].prefix, pl)) continue;
    if (prefix_routes[k].id && !is_room_id(p + pl, n - pl)) return HTTP_ROUTE_NONE;
    r = prefix_routes[k].route;
    allowed = prefix_routes[k].methods;
    a = p + pl;
    an = n - pl;
  }
  if (!r) {
    /* Unknown /api/ paths are 404s, never files; everything else may be a static file. */
    if (has_prefix(p, n, LIT("/api/")) || (n == 4 && memcmp(p, "/api", 4) == 0))
      return HTTP_ROUTE_NONE;
    r = HTTP_ROUTE_STATIC;
    allowed = MB(HTTP_M_GET) | MB(HTTP_M_HEAD);
    a = p;
    an = n;
  }
  if (!(allowed & MB(m))) return HTTP_ROUTE_BAD_METHOD;
  if (arg) *arg = a;
  if (arg_n) *arg_n = an;
  return r;
}

int http_parse_content_length(const char *p, size_t n, uint64_t *out) {
  if (!p || n == 0 || n > 18) return HTTP_EINVAL;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return HTTP_EINVAL;
    v = v * 10 + (uint64_t)(p[i] - '0');
  }
  if (out) *out = v;
  return 0;
}

const char *http_route_allow(const char *path, size_t n) {
  if (!path || n == 0 || path[0] != '/') return "GET, HEAD, POST";
  const char *q = memchr(path, '?', n);
  if (q) n = (size_t)(q - path);
  http_route r = http_route_match(HTTP_M_GET, path, n, NULL, NULL);
  if (r == HTTP_ROUTE_BAD_METHOD) return "POST";
  if (r == HTTP_ROUTE_WS) return "GET";
  return "GET, HEAD";
}
