/* MIME types and entity tags (see http_util.h). */
#include "net/http_util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Extension -> type. Model formats are opaque bytes to the browser. */
static const struct {
  const char *ext;
  const char *type;
} mime_table[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"tflite", "application/octet-stream"},
    {"task", "application/octet-stream"},
    {"binarypb", "application/octet-stream"},
    {"bin", "application/octet-stream"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
};

const char *http_mime_type(const char *name, size_t n) {
  static const char fallback[] = "application/octet-stream";
  if (!name) return fallback;
  size_t dot = n;
  for (size_t i = n; i > 0; i--) {
    if (name[i - 1] == '/') break;
    if (name[i - 1] == '.') {
      dot = i - 1;
      break;
    }
  }
  if (dot == n) return fallback;
  const char *ext = name + dot + 1;
  size_t el = n - dot - 1;
  for (size_t k = 0; k < sizeof mime_table / sizeof mime_table[0]; k++)
    if (strlen(mime_table[k].ext) == el && strncasecmp(ext, mime_table[k].ext, el) == 0)
      return mime_table[k].type;
  return fallback;
}

void http_etag_format(char buf[HTTP_ETAG_MAX], uint64_t size, uint64_t mtime_ns) {
  snprintf(buf, HTTP_ETAG_MAX, "\"%llx-%llx\"", (unsigned long long)size,
           (unsigned long long)mtime_ns);
}

static int is_ows(char c) {
  return c == ' ' || c == '\t';
}

/* Strips "W/" and compares the quoted opaque tag of one list entry with etag. */
static int entry_matches(const char *e, size_t n, const char *etag) {
  if (n >= 2 && e[0] == 'W' && e[1] == '/') {
    e += 2;
    n -= 2;
  }
  const char *t = etag;
  size_t tn = strlen(etag);
  if (tn >= 2 && t[0] == 'W' && t[1] == '/') {
    t += 2;
    tn -= 2;
  }
  return n >= 2 && e[0] == '"' && e[n - 1] == '"' && n == tn && memcmp(e, t, n) == 0;
}

int http_etag_match(const char *hdr, size_t n, const char *etag) {
  if (!hdr || !etag) return 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && (is_ows(hdr[i]) || hdr[i] == ',')) i++;
    if (i == n) break;
    size_t s = i;
    /* An entry ends at the comma after its closing quote (tags cannot contain '"'). */
    int quotes = 0;
    while (i < n && !(hdr[i] == ',' && quotes != 1)) {
      if (hdr[i] == '"') quotes++;
      i++;
    }
    size_t e = i;
    while (e > s && is_ows(hdr[e - 1])) e--;
    if (e - s == 1 && hdr[s] == '*') return 1;
    if (entry_matches(hdr + s, e - s, etag)) return 1;
  }
  return 0;
}

void http_log_safe(const char *in, char *out, size_t cap) {
  size_t o = 0;
  for (; in && in[o] && o + 1 < cap; o++) {
    unsigned char c = (unsigned char)in[o];
    out[o] = (c <= 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
  }
  out[o] = '\0';
}

const char *http_reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 201: return "Created";
  case 204: return "No Content";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Payload Too Large";
  case 414: return "URI Too Long";
  case 431: return "Request Header Fields Too Large";
  case 429: return "Too Many Requests";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return "";
  }
}

int http_fill_reason(unsigned char *start, unsigned char **p, unsigned char *end, int status) {
  const char *reason = http_reason(status);
  size_t rn = strlen(reason), used = (size_t)(*p - start);
  unsigned char *crlf = NULL;
  for (size_t i = 0; i + 1 < used; i++)
    if (start[i] == '\r' && start[i + 1] == '\n') {
      crlf = start + i;
      break;
    }
  if (!rn || !crlf || crlf == start || crlf[-1] != ' ' || (size_t)(end - *p) < rn) return 0;
  memmove(crlf + rn, crlf, (size_t)(*p - crlf));
  memcpy(crlf, reason, rn);
  *p += rn;
  return 1;
}

int http_path_content_hashed(const char *path, size_t n) {
  size_t seg = 0;
  for (size_t i = 0; i < n; i++)
    if (path[i] == '/') seg = i + 1;
  /* Walk the dot-separated components of the last segment, skipping the first (the name). */
  size_t i = seg;
  while (i < n && path[i] != '.') i++;
  while (i < n) {
    size_t start = ++i, hex = 0;
    while (i < n && path[i] != '.') {
      char c = path[i++];
      hex += (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
    size_t len = i - start;
    if (i < n && len >= 16 && len <= 64 && hex == len) return 1; /* an extension follows */
  }
  return 0;
}

int http_reply_format(char *buf, size_t cap, int status, const char *code, const char *message,
                      const char *allow) {
  char body[512];
  int bn = snprintf(body, sizeof body, "{\"error\":\"%s\",\"message\":\"%s\"}", code, message);
  if (bn < 0 || (size_t)bn >= sizeof body) return -1;
  int n = snprintf(buf, cap,
                   "HTTP/1.1 %d %s\r\nServer: buzzd\r\ncontent-type: application/json\r\n"
                   "content-length: %d\r\ncache-control: no-store\r\n"
                   "x-content-type-options: nosniff\r\n%s%s%s%sconnection: close\r\n\r\n%s",
                   status, http_reason(status), bn, allow ? "allow: " : "", allow ? allow : "",
                   allow ? "\r\n" : "",
                   (status == 429 || status == 503) ? "retry-after: 1\r\n" : "", body);
  return (n < 0 || (size_t)n >= cap) ? -1 : n;
}
