/* Reassembly buffer and bounded send queue for WebSocket connections (see ws_buf.h). */
#include "net/ws_buf.h"

#include <stdlib.h>
#include <string.h>

void ws_reasm_init(ws_reasm *r, size_t max) {
  memset(r, 0, sizeof *r);
  r->max = max;
}

void ws_reasm_free(ws_reasm *r) {
  free(r->buf);
  r->buf = NULL;
  r->len = r->cap = 0;
  r->overflowed = 0;
}

/* Grows to hold `need` bytes; doubling, capped at max so a big message costs at most max. */
static int reasm_reserve(ws_reasm *r, size_t need) {
  if (need <= r->cap) return 0;
  size_t cap = r->cap ? r->cap : 1024;
  while (cap < need) cap = cap > r->max / 2 ? r->max : cap * 2;
  uint8_t *nb = realloc(r->buf, cap);
  if (!nb) return WS_BUF_ENOMEM;
  r->buf = nb;
  r->cap = cap;
  return 0;
}

int ws_reasm_feed(ws_reasm *r, const uint8_t *p, size_t n, int final, const uint8_t **msg,
                  size_t *msg_n, int *truncated) {
  if (!r->overflowed && n > r->max - r->len) {
    /* Over the limit: forget what we have, drop the rest as it comes. */
    r->overflowed = 1;
    r->len = 0;
  }
  if (!r->overflowed && n > 0) {
    if (reasm_reserve(r, r->len + n) < 0) {
      r->len = 0;
      r->overflowed = 0;
      return WS_BUF_ENOMEM;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
  }
  if (!final) return 0;
  *truncated = r->overflowed;
  *msg = r->overflowed ? NULL : r->buf;
  *msg_n = r->overflowed ? 0 : r->len;
  r->len = 0;
  r->overflowed = 0;
  return 1;
}

void ws_sendq_init(ws_sendq *q, size_t max_count, size_t max_bytes, size_t pre) {
  memset(q, 0, sizeof *q);
  q->max_count = max_count;
  q->max_bytes = max_bytes;
  q->drop_max_count = max_count / 2 ? max_count / 2 : 1;
  q->drop_max_bytes = max_bytes / 4;
  q->pre = pre;
}

void ws_sendq_free(ws_sendq *q) {
  while (q->head) ws_sendq_pop(q);
}

/* Unlinks and frees `it`, which must be the oldest droppable item (q->drop_head) when it is
 * droppable: both pop (the oldest of all) and eviction (the oldest droppable) satisfy that. */
static void sendq_remove(ws_sendq *q, ws_sendq_item *it) {
  if (it->prev)
    it->prev->next = it->next;
  else
    q->head = it->next;
  if (it->next)
    it->next->prev = it->prev;
  else
    q->tail = it->prev;
  if (it->cls == WS_FRAME_DROPPABLE) {
    q->drop_head = it->drop_next;
    if (!q->drop_head) q->drop_tail = NULL;
    q->drop_count--;
    q->drop_bytes -= it->len;
  }
  q->count--;
  q->bytes -= it->len;
  free(it);
}

/* Whether a frame of n bytes and class cls fits with the queue as it is now. */
static int sendq_fits(const ws_sendq *q, size_t n, int cls) {
  if (q->count + 1 > q->max_count || n > q->max_bytes - q->bytes) return 0;
  if (cls != WS_FRAME_DROPPABLE) return 1;
  return q->drop_count + 1 <= q->drop_max_count && n <= q->drop_max_bytes - q->drop_bytes;
}

/* Whether it would fit once every droppable frame were gone. */
static int sendq_could_fit(const ws_sendq *q, size_t n, int cls) {
  size_t keep_count = q->count - q->drop_count, keep_bytes = q->bytes - q->drop_bytes;
  if (keep_count + 1 > q->max_count || n > q->max_bytes - keep_bytes) return 0;
  return cls != WS_FRAME_DROPPABLE || (q->drop_max_count >= 1 && n <= q->drop_max_bytes);
}

int ws_sendq_push_class(ws_sendq *q, const void *p, size_t n, int cls) {
  int drop = cls == WS_FRAME_DROPPABLE;
  if (!sendq_could_fit(q, n, cls)) {
    if (!drop) return WS_BUF_EFULL;
    q->dropped++;
    return WS_BUF_DROPPED;
  }
  ws_sendq_item *it = malloc(sizeof *it + q->pre + n);
  if (!it) return WS_BUF_ENOMEM;
  while (!sendq_fits(q, n, cls)) { /* terminates: could_fit said evicting all is enough */
    sendq_remove(q, q->drop_head);
    q->dropped++;
  }
  it->next = it->drop_next = NULL;
  it->prev = q->tail;
  it->len = n;
  it->cls = drop ? WS_FRAME_DROPPABLE : WS_FRAME_MUST;
  if (n) memcpy(it->data + q->pre, p, n);
  if (q->tail)
    q->tail->next = it;
  else
    q->head = it;
  q->tail = it;
  if (drop) {
    if (q->drop_tail)
      q->drop_tail->drop_next = it;
    else
      q->drop_head = it;
    q->drop_tail = it;
    q->drop_count++;
    q->drop_bytes += n;
  }
  q->count++;
  q->bytes += n;
  return WS_BUF_OK;
}

int ws_sendq_push(ws_sendq *q, const void *p, size_t n) {
  return ws_sendq_push_class(q, p, n, WS_FRAME_MUST);
}

ws_sendq_item *ws_sendq_peek(const ws_sendq *q) {
  return q->head;
}

void ws_sendq_pop(ws_sendq *q) {
  if (q->head) sendq_remove(q, q->head);
}
