/* Congestion control on a media worker (see twcc.h and bwe.h for the methods):
 * - publishers: every RTP packet's transport-wide number is recorded on arrival, and a uv
 *   timer per worker (RTC_CC_FB_MS) sends each transport that received numbered packets its
 *   transport-cc feedback, SRTCP-protected like everything buzzd sends;
 * - subscribers: their REMB and receiver reports feed rtc_bwe, read by the layer selector
 *   through rtc__bwe_bps.
 * Runs on the worker's thread. */
#include <stdlib.h>

#include "rtc/bwe.h"
#include "rtc/rtc_int.h"
#include "rtc/rtp.h"

typedef struct rtc__cc rtc__cc;

#define CC_SSRC 0x62757A7Au /* "buzz": the SSRC of packet sender of buzzd's feedback */
#define RATE_SAMPLE_MS 250  /* the sent rate is sampled at most this often */
#define LIMIT_RATIO_PCT 90  /* an estimate under 90 % of what it is sent: the link limits */
#define HOLD_MIN_MS 8000
#define HOLD_MAX_MS 64000
#define RELIMIT_MS 30000 /* limited again this soon after a hold ended: hold twice as long */

static int64_t now_us(void) {
  return (int64_t)(uv_hrtime() / 1000u);
}

void rtc__cc_on_rtp(rtc__worker *w, rtc__transport *t, const uint8_t *p, size_t n) {
  rtc__cc *cc = &t->cc;
  if (cc->twcc_ext < 0) return;
  int64_t now = now_us();
  int learned = 0;
  if (cc->twcc_ext == 0) {
    int id = rtc_twcc_learn(&cc->learn, p, n, now);
    if (id == 0) return;
    cc->twcc_ext = id; /* -1: this sender numbers nothing (no transport-cc negotiated) */
    if (id < 0) return;
    learned = 1;
  }
  uint16_t seq;
  if (rtc_twcc_seq(p, n, (uint8_t)cc->twcc_ext, &seq) != 1) return;
  if (!cc->twcc) {
    if (!(cc->twcc = malloc(sizeof *cc->twcc))) return;
    rtc_twcc_init(cc->twcc);
  }
  if (learned) /* the packets that taught the id (this one too) are reported as well */
    rtc_twcc_learn_replay(&cc->learn, cc->twcc_ext, cc->twcc);
  else
    rtc_twcc_record(cc->twcc, seq, now, (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
                                            (uint32_t)p[10] << 8 | p[11]);
  if (!cc->fb_queued) {
    cc->fb_queued = 1;
    cc->fb_next = w->cc_pending;
    w->cc_pending = t;
  }
}

void rtc__cc_flush(rtc__worker *w) {
  rtc__transport *t = w->cc_pending;
  w->cc_pending = NULL;
  while (t) {
    rtc__transport *next = t->cc.fb_next;
    t->cc.fb_next = NULL;
    t->cc.fb_queued = 0;
    uint8_t fb[RTC_TWCC_FB_MAX];
    int len;
    /* A few packets at most: a window holds RTC_TWCC_WINDOW numbers. */
    for (int k = 0; k < 8 && (len = rtc_twcc_build(t->cc.twcc, CC_SSRC, RTC_TWCC_MAX_STATUS, fb,
                                                   sizeof fb)) > 0;
         k++)
      if (rtc__send_to(w, t, fb, (size_t)len, 1)) rtc__count(&w->c.twcc_fb_sent, 1);
    t = next;
  }
}

void rtc__cc_free(rtc__worker *w, rtc__transport *t) {
  if (t->cc.fb_queued) {
    rtc__transport **pp = &w->cc_pending;
    while (*pp && *pp != t) pp = &(*pp)->cc.fb_next;
    if (*pp) *pp = t->cc.fb_next;
  }
  free(t->cc.twcc);
  t->cc.twcc = NULL;
}

/* Samples what buzzd sends t (bits/s, smoothed 1/4 per sample). */
static void sample_rate(rtc__cc *cc, uint64_t now) {
  if (!cc->rate_ms) {
    cc->rate_ms = now ? now : 1;
    cc->rate_bytes = cc->tx_bytes;
    return;
  }
  uint64_t dt = now - cc->rate_ms;
  if (dt < RATE_SAMPLE_MS) return;
  uint64_t bps = (cc->tx_bytes - cc->rate_bytes) * 8000u / dt;
  cc->sent_bps = cc->sent_bps ? (uint32_t)((3 * (uint64_t)cc->sent_bps + bps) / 4)
                              : (uint32_t)(bps > UINT32_MAX ? UINT32_MAX : bps);
  cc->rate_ms = now;
  cc->rate_bytes = cc->tx_bytes;
}

/* The subscriber's link limits when its estimate is under what it is sent (REMB: Chromium's
 * delay-based estimator backed off) or its losses set a cap. */
static void check_limit(rtc__cc *cc, uint64_t now) {
  uint32_t e = rtc_bwe_estimate(&cc->bwe);
  int limited = cc->bwe.loss_cap != 0 ||
                (uint64_t)e * 100 < (uint64_t)cc->sent_bps * LIMIT_RATIO_PCT;
  if (!limited) return;
  int holding = cc->limit_ms && now - cc->limit_ms < cc->hold_ms;
  if (!holding) { /* a new limit: soon after the last hold ended, it holds twice as long */
    int soon = cc->limit_ms && now - (cc->limit_ms + cc->hold_ms) < RELIMIT_MS;
    cc->hold_ms = !cc->hold_ms || !soon ? HOLD_MIN_MS
                  : cc->hold_ms >= HOLD_MAX_MS / 2 ? HOLD_MAX_MS
                                                   : cc->hold_ms * 2;
  }
  cc->limit_ms = now ? now : 1;
  if (cc->bwe.n_remb && (uint64_t)cc->bwe.remb_bps * 100 < (uint64_t)cc->sent_bps * LIMIT_RATIO_PCT)
    cc->remb_limit_ms = cc->limit_ms; /* the REMB itself limits, not only a loss cap */
}

int rtc__cc_on_rtcp(rtc__worker *w, rtc__transport *t, const rtcp_view *v) {
  rtc__cc *cc = &t->cc;
  uint64_t now = rtc__now_ms(w);
  uint64_t bps;
  int rc = rtc_remb_parse(v, &bps);
  if (rc != 0) {
    if (rc > 0) {
      rtc__count(&w->c.remb_in, 1);
      sample_rate(cc, now);
      rtc_bwe_on_remb(&cc->bwe, bps, now);
      check_limit(cc, now);
    }
    return 1; /* taken here (or malformed): never reaches a publisher */
  }
  if (v->type != RTCP_RR && v->type != RTCP_SR) return 0;
  rtcp_report r;
  if (rtcp_parse_report(v, &r) < 0 || r.n_blocks == 0) return 0;
  uint8_t lowest = 255;
  for (int i = 0; i < r.n_blocks; i++)
    if (r.blocks[i].fraction_lost < lowest) lowest = r.blocks[i].fraction_lost;
  sample_rate(cc, now);
  rtc_bwe_on_loss(&cc->bwe, lowest, now);
  check_limit(cc, now);
  return 0;
}

uint32_t rtc__bwe_remb_bps(const rtc__transport *t) {
  const rtc__cc *cc = &t->cc;
  if (!cc->bwe.n_remb || !cc->remb_limit_ms) return 0;
  uint64_t now = uv_now(&t->w->loop);
  return now - cc->remb_limit_ms < cc->hold_ms ? cc->bwe.remb_bps : 0;
}

uint32_t rtc__bwe_bps(const rtc__transport *t) {
  const rtc__cc *cc = &t->cc;
  if (!cc->bwe.n_remb && !cc->bwe.loss_cap) return 0;
  uint64_t now = uv_now(&t->w->loop);
  if (cc->bwe.loss_cap || (cc->limit_ms && now - cc->limit_ms < cc->hold_ms))
    return rtc_bwe_estimate(&cc->bwe);
  return 0;
}
