/* http_head: a strict checker for an HTTP/1.x request head (request line and header lines),
 * run on the bytes before libwebsockets parses them (see guard.h for where).
 *
 * libwebsockets 4.1 answers some malformed or unusual requests with an HTML 403, drops others
 * without an answer, or switches the connection to a raw socket with no timeout (CONNECT).
 * This module decides those cases itself, over (pointer, length) input: it checks every length
 * before reading, never allocates, never aborts. Unit-tested in server/tests/net and fuzzed by
 * server/fuzz/http. */
#ifndef BZ_HTTP_HEAD_H
#define BZ_HTTP_HEAD_H

#include <stddef.h>
#include <stdint.h>

/* Longest request line and longest header section (bytes, line ends not counted for the
 * request line; every header line with its CRLF for the section). */
#define HEAD_LINE_MAX 8192
#define HEAD_FIELDS_MAX 8192
/* Most bytes a complete head can take: both limits plus their line ends and the blank line. */
#define HEAD_MAX (HEAD_LINE_MAX + 2 + HEAD_FIELDS_MAX + 2)

enum {
  HEAD_OK = 0,
  HEAD_INCOMPLETE = 1, /* no verdict yet: more bytes are needed */
  HEAD_EMETHOD = -1,   /* CONNECT, OPTIONS, TRACE or an unknown method      -> 405 */
  HEAD_EPATH = -2,     /* target not "/...", control byte raw or %-encoded, bad escape -> 400 */
  HEAD_ELINE = -3,     /* request line over HEAD_LINE_MAX                   -> 414 */
  HEAD_EFIELDS = -4,   /* header section over HEAD_FIELDS_MAX               -> 431 */
  HEAD_EBAD = -5,      /* anything else malformed (version, header syntax, chunked) -> 400 */
};

typedef enum head_method {
  HEAD_M_OTHER = 0,
  HEAD_M_GET,
  HEAD_M_HEAD,
  HEAD_M_POST,
  HEAD_M_PUT,
  HEAD_M_DELETE,
  HEAD_M_PATCH,
} head_method;

/* Header lines the caller must remove before libwebsockets sees the head. */
#define HEAD_DROP_MAX 8

typedef struct http_head {
  size_t len;           /* bytes of the whole head, blank line included */
  head_method method;
  size_t target_off, target_n; /* the request target, as offsets into the input */
  int ws_upgrade;       /* "Upgrade: websocket" present (kept) */
  int has_body_len;     /* a Content-Length was given */
  uint64_t body_len;    /* its value */
  size_t xff_off, xff_n; /* value of the last X-Forwarded-For line; xff_n = 0 when none */
  /* Header lines to remove (offset and length of each, CRLF included): any Upgrade that is not
   * websocket (h2c: served as HTTP/1.1, RFC 9110 lets a server ignore Upgrade) and
   * HTTP2-Settings. Past HEAD_DROP_MAX such lines the head is HEAD_EBAD. */
  size_t drop_off[HEAD_DROP_MAX], drop_len[HEAD_DROP_MAX];
  int ndrop;
} http_head;

/* Checks the request line at p[0..n) as soon as it is complete, so that a request that will
 * never be served (CONNECT host:443 with nothing after it) is answered at once. Returns
 * HEAD_INCOMPLETE while no line end is in p and n <= HEAD_LINE_MAX; HEAD_OK when the line is
 * acceptable (the rest of the head may still be missing); or a negative HEAD_E*. Fills
 * h->method, target_off/target_n on HEAD_OK. */
int http_head_line(const uint8_t *p, size_t n, http_head *h);

/* Checks a head at p[0..n): HEAD_OK with *h filled (h->len <= n; bytes after it are the body
 * or the next request), HEAD_INCOMPLETE when the blank line is not there yet and no limit is
 * passed, or a negative HEAD_E*. Line ends are CRLF or a bare LF. */
int http_head_parse(const uint8_t *p, size_t n, http_head *h);

/* The HTTP status of a negative HEAD_E* code (0 for others), its JSON error code and message. */
int http_head_status(int err);
const char *http_head_code(int err);
const char *http_head_message(int err);

#endif
