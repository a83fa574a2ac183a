/* A subscriber's bandwidth estimate from its REMB and loss reports (see bwe.h). */
#include "rtc/bwe.h"

#include <string.h>

#include "rtc/be.h"

#define DECREASE_EVERY_MS 300
#define INCREASE_EVERY_MS 1000

void rtc_bwe_init(rtc_bwe *b) {
  memset(b, 0, sizeof *b);
}

static uint32_t sat32(uint64_t x) {
  return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

uint32_t rtc_bwe_estimate(const rtc_bwe *b) {
  uint32_t e = b->remb_bps ? b->remb_bps : RTC_BWE_START_BPS;
  return b->loss_cap && b->loss_cap < e ? b->loss_cap : e;
}

void rtc_bwe_on_remb(rtc_bwe *b, uint64_t bps, uint64_t now_ms) {
  b->remb_bps = sat32(bps ? bps : 1);
  b->remb_ms = now_ms;
  b->n_remb++;
  if (b->loss_cap && b->loss_cap >= b->remb_bps) b->loss_cap = 0; /* the REMB is lower: it rules */
}

void rtc_bwe_on_loss(rtc_bwe *b, uint8_t fraction_lost, uint64_t now_ms) {
  b->loss = fraction_lost;
  b->n_loss++;
  uint32_t e = rtc_bwe_estimate(b);
  if (fraction_lost > RTC_BWE_LOSS_HIGH) {
    if (b->decrease_ms && now_ms - b->decrease_ms < DECREASE_EVERY_MS) return;
    uint64_t cap = (uint64_t)e * (512 - fraction_lost) / 512; /* e × (1 − p/2) */
    b->loss_cap = cap < RTC_BWE_MIN_BPS ? RTC_BWE_MIN_BPS : (uint32_t)cap;
    b->decrease_ms = b->increase_ms = now_ms ? now_ms : 1;
  } else if (fraction_lost < RTC_BWE_LOSS_LOW && b->loss_cap) {
    if (now_ms - b->increase_ms < INCREASE_EVERY_MS) return;
    uint64_t cap = (uint64_t)b->loss_cap * 105 / 100 + 1000;
    uint32_t ceiling = b->remb_bps ? b->remb_bps : RTC_BWE_START_BPS;
    b->loss_cap = cap >= ceiling ? 0 : (uint32_t)cap;
    b->increase_ms = now_ms;
  }
}

int rtc_remb_parse(const rtcp_view *v, uint64_t *bps) {
  if (v->type != RTCP_PSFB || v->count != 15) return 0;
  /* sender SSRC, media SSRC (0), "REMB", num SSRC (8), exp (6), mantissa (18), SSRCs */
  if (v->body_len < 16 || memcmp(v->body + 8, "REMB", 4) != 0) return 0;
  const uint8_t *f = v->body + 12;
  size_t n_ssrc = f[0];
  if (v->body_len - 16 < 4 * n_ssrc) return -1;
  unsigned exp = f[1] >> 2;
  uint64_t mantissa = (uint64_t)(f[1] & 3) << 16 | (uint64_t)f[2] << 8 | f[3];
  *bps = exp > 46 ? (mantissa ? UINT64_MAX : 0) : mantissa << exp; /* 18 + 46 bits fit */
  return 1;
}
