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
 *    Frames have a class. A must-deliver frame (replies, roster, relay, errors) is queued or
 *    the push fails. A droppable frame (chat broadcasts) lives within its own, smaller budget
 *    (half the messages, a quarter of the bytes): when a push would go past a bound, the
 *    oldest queued droppable frames are evicted first, and a droppable frame that still does
 *    not fit is dropped itself. So someone else's chat can slow a receiver's chat but never
 *    gets the receiver disconnected, and signaling always has room. No queued frame is ever
 *    partially written (the writer hands a whole frame to libwebsockets, which keeps the
 *    unsent tail of a partial write itself), so any droppable one may go.
 *
 * Both are owned by one connection on the control thread; *_free releases everything. */
#ifndef BZ_WS_BUF_H
#define BZ_WS_BUF_H

#include <stddef.h>
#include <stdint.h>

enum { WS_BUF_OK = 0, WS_BUF_DROPPED = 1, WS_BUF_ENOMEM = -1, WS_BUF_EFULL = -2 };

/* Delivery class of a queued frame. */
enum { WS_FRAME_MUST = 0, WS_FRAME_DROPPABLE = 1 };

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
  struct ws_sendq_item *next, *prev; /* the whole queue, oldest first */
  struct ws_sendq_item *drop_next;   /* the droppable items alone, oldest first */
  size_t len;                        /* payload bytes */
  int cls;                           /* WS_FRAME_* */
  uint8_t data[];                    /* pre bytes of headroom, then the payload */
} ws_sendq_item;

typedef struct ws_sendq {
  ws_sendq_item *head, *tail;
  ws_sendq_item *drop_head, *drop_tail;
  size_t count, bytes;                   /* queued messages / payload bytes */
  size_t drop_count, drop_bytes;         /* ... of which droppable */
  size_t max_count, max_bytes;           /* bounds */
  size_t drop_max_count, drop_max_bytes; /* bounds of the droppable part (set by init) */
  size_t pre;                            /* headroom per item */
  uint64_t dropped;                      /* droppable frames evicted or refused, ever */
} ws_sendq;

/* The droppable budget is max_count / 2 messages and max_bytes / 4 bytes. */
void ws_sendq_init(ws_sendq *q, size_t max_count, size_t max_bytes, size_t pre);
void ws_sendq_free(ws_sendq *q);
/* Copies p[0..n) to the tail as a must-deliver frame. WS_BUF_EFULL when it would exceed a
 * bound even after evicting every queued droppable frame (then nothing is evicted or queued). */
int ws_sendq_push(ws_sendq *q, const void *p, size_t n);
/* Same with a class. A must-deliver push evicts the oldest droppable frames it needs room
 * for. A droppable push evicts the oldest droppable frames to fit both budgets, and returns
 * WS_BUF_DROPPED (not queued) when it cannot fit even so. Every eviction and refusal adds one
 * to q->dropped. */
int ws_sendq_push_class(ws_sendq *q, const void *p, size_t n, int cls);
/* The oldest item, or NULL. Its payload starts at item->data + q->pre. */
ws_sendq_item *ws_sendq_peek(const ws_sendq *q);
/* Drops the oldest item. */
void ws_sendq_pop(ws_sendq *q);

#endif
