/* guard: the per-connection inspector that sits between the socket and libwebsockets' parser
 * on plain (non-TLS) connections. It sees every byte libwebsockets reads (net_rx.c calls it
 * from the read path) and:
 *   - holds an incomplete request head back, so libwebsockets only ever parses a head that
 *     http_head.h has accepted; a refused head is answered by the caller and the connection
 *     closed, libwebsockets never sees it;
 *   - removes the header lines http_head.h asks to drop (Upgrade: h2c);
 *   - skips Content-Length body bytes, then checks the next (keep-alive) head the same way;
 *   - after a WebSocket upgrade, follows the frame headers and turns a client frame without the
 *     mask bit (RFC 6455 5.1: the server must close) into one libwebsockets itself refuses with
 *     close code 1002: it sets the reserved bits of its first byte. (lws 4.1 neither enforces
 *     the mask bit nor exposes it to callbacks.) A frame's first byte is never passed on
 *     without its second, so that rewrite always lands in the same buffer.
 * Pure and socket-free: fuzzed by server/fuzz/http, unit-tested in server/tests/net. */
#ifndef BZ_GUARD_H
#define BZ_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "net/http_head.h"

typedef enum guard_phase {
  GUARD_HEAD = 0, /* collecting a request head */
  GUARD_BODY,     /* passing body bytes through */
  GUARD_WS,       /* following WebSocket frames */
  GUARD_PASS,     /* nothing more to check (a frame was refused: lws closes) */
  GUARD_DEAD,     /* a head was refused: the caller answers and closes */
} guard_phase;

/* Refusals the policy callback may return besides the HEAD_E* codes. */
enum {
  GUARD_ECAP = -20,   /* per-address connection or WebSocket cap reached -> 429 */
  GUARD_ECLOSE = -21, /* close without an answer (a refused pipelined request) */
};

typedef struct net_guard {
  guard_phase phase;
  uint8_t *held; /* bytes kept back (malloc'd, HEAD_MAX + 1); NULL until needed */
  size_t held_n;
  size_t scanned; /* bytes of a held head already searched for the blank line */
  int line_ok;    /* the held head's request line passed http_head_line */
  uint64_t body_left;
  uint8_t ws_hdr[14]; /* the current frame's header bytes so far */
  unsigned ws_hn, ws_need;
  uint64_t ws_left; /* payload bytes of the current frame still to pass */
  uint64_t frames_refused;
} net_guard;

/* Called once per complete, well-formed head (p = its first byte). Returns 0 to let it
 * through, or a refusal (HEAD_E* or GUARD_E*). */
typedef int (*guard_head_fn)(void *ctx, const uint8_t *p, const http_head *h);

void guard_init(net_guard *g);
void guard_free(net_guard *g);

/* Moves the held bytes to the start of buf (cap bytes); returns how many. The caller reads
 * the socket into buf after them and passes the whole to guard_scan. Never more than cap. */
size_t guard_prefix(net_guard *g, uint8_t *buf, size_t cap);

/* Inspects buf[0..n) (prefix included), rewriting it in place. Returns how many bytes from
 * buf[0] libwebsockets may have now; the rest is held (or, after a refusal, dropped).
 * *verdict is 0, or the refusal of the head that starts at buf[return value]; *h then holds
 * that head's line (for the Allow header of a 405). Returns -1 when the held bytes cannot be
 * kept (out of memory); the caller closes. */
long guard_scan(net_guard *g, uint8_t *buf, size_t n, guard_head_fn fn, void *ctx, int *verdict,
                http_head *h);

#endif
