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
  q->pre = pre;
}

void ws_sendq_free(ws_sendq *q) {
  while (q->head) ws_sendq_pop(q);
}

int ws_sendq_push(ws_sendq *q, const void *p, size_t n) {
  if (q->count + 1 > q->max_count || n > q->max_bytes - q->bytes) return WS_BUF_EFULL;
  ws_sendq_item *it = malloc(sizeof *it + q->pre + n);
  if (!it) return WS_BUF_ENOMEM;
  it->next = NULL;
  it->len = n;
  if (n) memcpy(it->data + q->pre, p, n);
  if (q->tail)
    q->tail->next = it;
  else
    q->head = it;
  q->tail = it;
  q->count++;
  q->bytes += n;
  return 0;
}

ws_sendq_item *ws_sendq_peek(const ws_sendq *q) {
  return q->head;
}

void ws_sendq_pop(ws_sendq *q) {
  ws_sendq_item *it = q->head;
  if (!it) return;
  q->head = it->next;
  if (!q->head) q->tail = NULL;
  q->count--;
  q->bytes -= it->len;
  free(it);
}
