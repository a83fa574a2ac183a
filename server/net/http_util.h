/* http_util: the pure, socket-free parts of buzzd's HTTP layer.
 *
 * Every function here works on (pointer, length) input that came from the network, checks
 * every length before reading, never allocates and never aborts. They are unit-tested in
 * server/tests/net/ and fuzzed by server/fuzz/http/. */
#ifndef BZ_HTTP_UTIL_H
#define BZ_HTTP_UTIL_H

#include <stddef.h>
#include <stdint.h>

enum {
  HTTP_OK = 0,
  HTTP_EINVAL = -1,   /* malformed: bad escape, control byte, no leading '/'   -> 400 */
  HTTP_ETOOLONG = -2, /* over HTTP_PATH_MAX before or after decoding          -> 414 */
  HTTP_EDENIED = -3,  /* "..", ".", a dot-file or an encoded '/' or '\\'      -> 404 */
};
const char *http_strerror(int err);

/* Longest request path we accept (bytes, raw or decoded). */
#define HTTP_PATH_MAX 1024

/* Percent-decodes (when `decode`) and normalises a request path (no query string: it is split
 * off before). With decode == 0 a '%' is an ordinary byte: libwebsockets already decodes %XX
 * while parsing the request line, and decoding twice would turn "%2541" into "A". On success writes
 * a NUL-terminated path relative to the document root
 * ("css/app.css"; "" for "/", and a trailing '/' gets "index.html" appended) into out (cap
 * bytes, at least HTTP_PATH_MAX + 1 recommended) and returns its length (>= 0). Empty
 * segments ("//") collapse. Rejects (negative HTTP_E*): no leading '/', an invalid or
 * truncated %XX, a decoded NUL / control byte / '\\' / '/' inside a segment, "." or ".."
 * segments, and segments starting with '.' (hidden files). The result therefore can never
 * name anything outside the root. */
int http_path_resolve(const char *p, size_t n, int decode, char *out, size_t cap);

/* MIME type for a file name, by extension, case-insensitive; "application/octet-stream" when
 * unknown. Text types carry "; charset=utf-8". Never NULL. */
const char *http_mime_type(const char *name, size_t n);

/* Strong validator for a file: "\"<size hex>-<mtime ns hex>\"". buf needs HTTP_ETAG_MAX. */
#define HTTP_ETAG_MAX 48
void http_etag_format(char buf[HTTP_ETAG_MAX], uint64_t size, uint64_t mtime_ns);

/* 1 when an If-None-Match header value (hdr, n) matches etag ("*", or any entry of the
 * comma-separated list compared weakly, i.e. ignoring a "W/" prefix, as RFC 9110 asks for
 * If-None-Match); 0 otherwise, including for malformed lists. */
int http_etag_match(const char *hdr, size_t n, const char *etag);

/* The routes buzzd knows. */
typedef enum http_route {
  HTTP_ROUTE_NONE = 0,   /* no such resource: 404 */
  HTTP_ROUTE_BAD_METHOD, /* resource exists, method not allowed: 405 */
  HTTP_ROUTE_HEALTHZ,
  HTTP_ROUTE_METRICS,
  HTTP_ROUTE_ROOM_CREATE, /* POST /api/rooms */
  HTTP_ROUTE_ROOM_INFO,   /* GET /api/rooms/<id>; arg = the id */
  HTTP_ROUTE_ROOM_PAGE,   /* GET /r/<id>; arg = the id */
  HTTP_ROUTE_ASSET,       /* GET /assets/<path>; arg = the path after "/assets/" */
  HTTP_ROUTE_STATIC,      /* GET anything else; arg = the whole path */
  HTTP_ROUTE_WS,          /* GET /ws without an upgrade: 400 */
  HTTP_ROUTE_CONFIG,      /* GET /api/config: what the client needs to know (assets_url) */
  HTTP_ROUTE_COUNT        /* number of routes (the handler table is checked against it) */
} http_route;

typedef enum http_method {
  HTTP_M_OTHER = 0,
  HTTP_M_GET,
  HTTP_M_HEAD,
  HTTP_M_POST,
} http_method;

/* Matches a (raw, undecoded) request path. On a match with an argument, *arg / *arg_n point
 * into p. Room ids in /api/rooms/<id> and /r/<id> must be 1..64 bytes of [a-z0-9-]; anything
 * else there is HTTP_ROUTE_NONE (404). /api/ paths that match nothing are HTTP_ROUTE_NONE. */
http_route http_route_match(http_method m, const char *p, size_t n, const char **arg,
                            size_t *arg_n);

/* Parses a Content-Length value: digits only (no sign, no spaces inside), at most 18 digits.
 * Returns 0 and *out, or HTTP_EINVAL. */
int http_parse_content_length(const char *p, size_t n, uint64_t *out);

/* Copies untrusted text (a request path) into out[cap] for a key=value log line: control
 * bytes, DEL, space, '"' and '\\' become '?', so a peer cannot forge log lines or fields;
 * longer text is cut. cap >= 1. */
void http_log_safe(const char *in, char *out, size_t cap);

/* 1 when the last segment of path[0..n) carries a content hash as a dot-separated component
 * of 16 to 64 hex digits (e.g. "models/selfie.3bc182eb9f33925d.tflite"): such a file never
 * changes under its name and may be cached as immutable. 0 otherwise (nn.wasm, manifest). */
int http_path_content_hashed(const char *path, size_t n);

/* The standard reason phrase of an HTTP status code ("Created"), or "" for one we never send. */
const char *http_reason(int status);

/* libwebsockets writes "HTTP/1.1 201 \r\n" for codes outside its own small table (201, 429):
 * when the status line in [start, *p) has an empty reason phrase, inserts http_reason(status)
 * and advances *p. Leaves the buffer alone when the line has a phrase, is not found, or the
 * phrase would not fit before end. Returns 1 when it inserted. */
int http_fill_reason(unsigned char *start, unsigned char **p, unsigned char *end, int status);

/* The Allow header value for a 405 on path[0..n) (a query string is ignored): "POST" for
 * POST-only routes, "GET" for /ws, "GET, HEAD" otherwise; "GET, HEAD, POST" when the target
 * is not a path at all (CONNECT host:443, OPTIONS *). */
const char *http_route_allow(const char *path, size_t n);

/* Formats a complete HTTP/1.1 response with a JSON error body {"error": code, "message":
 * message} and Connection: close (allow: an Allow header, or NULL; a 429 or 503 gets
 * Retry-After: 1). code and message are our own constants (not escaped). Returns the length,
 * or -1 when it does not fit in cap. */
int http_reply_format(char *buf, size_t cap, int status, const char *code, const char *message,
                      const char *allow);

#endif
