/* Retransmission buffer (see rtx.h). */
#include "rtc/rtx.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
  uint16_t seq;
  uint16_t len; /* 0 = empty */
  uint64_t at_ms;
  uint8_t data[RTX_SLOT_BYTES];
} slot;

struct rtc_rtx_buf {
  uint32_t ssrc;
  slot slots[RTX_SLOTS]; /* by seq % RTX_SLOTS */
};

rtc_rtx_buf *rtc_rtx_create(uint32_t ssrc) {
  rtc_rtx_buf *b = calloc(1, sizeof *b);
  if (b) b->ssrc = ssrc;
  return b;
}

void rtc_rtx_destroy(rtc_rtx_buf *b) {
  free(b);
}
uint32_t rtc_rtx_ssrc(const rtc_rtx_buf *b) {
  return b->ssrc;
}

void rtc_rtx_put(rtc_rtx_buf *b, const uint8_t *p, size_t n, uint64_t now_ms) {
  if (n < RTP_HEADER_MIN || n > RTX_SLOT_BYTES) return;
  uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
  slot *s = &b->slots[seq % RTX_SLOTS];
  s->seq = seq;
  s->len = (uint16_t)n;
  s->at_ms = now_ms;
  memcpy(s->data, p, n);
}

const uint8_t *rtc_rtx_get(const rtc_rtx_buf *b, uint16_t seq, uint64_t now_ms, size_t *n) {
  const slot *s = &b->slots[seq % RTX_SLOTS];
  if (!s->len || s->seq != seq || now_ms < s->at_ms || now_ms - s->at_ms > RTX_MAX_AGE_MS)
    return NULL;
  *n = s->len;
  return s->data;
}

int rtc_nack_seqs(const rtcp_fb *fb, uint16_t *seqs, int max) {
  int n = 0;
  if (fb->kind != RTCP_FB_NACK) return 0;
  for (int i = 0; i < fb->n_items && n < max; i++) {
    uint16_t pid = (uint16_t)fb->items[i].a, blp = fb->items[i].b;
    seqs[n++] = pid;
    for (int bit = 0; bit < 16 && n < max; bit++)
      if (blp & (1u << bit)) seqs[n++] = (uint16_t)(pid + bit + 1);
  }
  return n;
}
