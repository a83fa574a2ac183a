/* ws_buf: per-connection WebSocket buffers, socket-free so they can be unit-tested.
 *
 *  - ws_reasm reassembles a message that arrives in several fragments / read chunks, up to a
 *    byte limit. Past the limit it keeps discarding until the final fragment and then reports
 *    one truncated message, so an oversized message costs the peer an error, not the
 *    connection.
 *  - ws_sendq is a bounded FIFO of outgoing text frames. Each entry keeps `pre` bytes of
 *    headroom before the payload (libwebsockets needs LWS_PRE there). Pushing past either
 *    bound fails, and the caller closes the peer: a client that never reads must not grow
 *    the server's memory without limit.
 *
 * Both are owned by one connection on the control thread; *_free releases everything. */
#ifndef BZ_WS_BUF_H
#define BZ_WS_BUF_H

#include <stddef.h>
#include <stdint.h>

enum { WS_BUF_OK = 0, WS_BUF_ENOMEM = -1, WS_BUF_EFULL = -2 };

typedef struct ws_reasm {
  uint8_t *buf;
  size_t len, cap;
  size_t max;     /* limit in bytes for one message */
  int overflowed; /* the current message went over max: its bytes are being dropped */
} ws_reasm;

void ws_reasm_init(ws_reasm *r, size_t max);
void ws_reasm_free(ws_reasm *r);
/* Feeds one chunk. `final` = this chunk ends the message (last fragment, nothing left of
 * it). Returns 1 when a message is complete: *msg / *msg_n then point at it (valid until the
 * next feed) and *truncated says whether it went over the limit (then *msg_n is 0).
 * Returns 0 when more is needed, WS_BUF_ENOMEM on allocation failure (the message is
 * dropped, the buffer reset). */
int ws_reasm_feed(ws_reasm *r, const uint8_t *p, size_t n, int final, const uint8_t **msg,
                  size_t *msg_n, int *truncated);

typedef struct ws_sendq_item {
  struct ws_sendq_item *next;
  size_t len;     /* payload bytes */
  uint8_t data[]; /* pre bytes of headroom, then the payload */
} ws_sendq_item;

typedef struct ws_sendq {
  ws_sendq_item *head, *tail;
  size_t count, bytes;         /* queued messages / payload bytes */
  size_t max_count, max_bytes; /* bounds */
  size_t pre;                  /* headroom per item */
} ws_sendq;

void ws_sendq_init(ws_sendq *q, size_t max_count, size_t max_bytes, size_t pre);
void ws_sendq_free(ws_sendq *q);
/* Copies p[0..n) to the tail. WS_BUF_EFULL when it would exceed a bound (nothing queued). */
int ws_sendq_push(ws_sendq *q, const void *p, size_t n);
/* The oldest item, or NULL. Its payload starts at item->data + q->pre. */
ws_sendq_item *ws_sendq_peek(const ws_sendq *q);
/* Drops the oldest item. */
void ws_sendq_pop(ws_sendq *q);

#endif
