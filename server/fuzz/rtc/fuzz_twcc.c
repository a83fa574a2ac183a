/* libFuzzer target for the congestion-control parsers and encoder (server/rtc/twcc.c, bwe.c).
 * The input is, at once:
 * - an RTP packet for rtc_twcc_seq (every id) and the id learner;
 * - an RTCP compound whose packets go to rtc_remb_parse and rtc_twcc_parse;
 * - a script of arrivals, 4 bytes each (sequence number, time step), recorded into one window
 *   and reported with a small max_status taken from the first byte; every feedback built must
 *   parse back to the same numbers, each arrival within 125 µs of the recorded one, with at
 *   most max_status statuses and RTC_TWCC_FB_MAX bytes.
 * Properties beyond "no crash": the builder stops, parses back, respects its bounds, and the
 * estimate stays within its own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/bwe.h"
#include "rtc/rtp.h"
#include "rtc/twcc.h"

static rtc_twcc win;
static rtc_twcc_status st[RTC_TWCC_MAX_STATUS];

static void fuzz_ext(const uint8_t *d, size_t n) {
  uint16_t seq;
  for (int id = 1; id < 256; id++) (void)rtc_twcc_seq(d, n, (uint8_t)id, &seq);
  static rtc_twcc_learner l;
  static int64_t clock_us;
  int id = rtc_twcc_learn(&l, d, n, clock_us += 500);
  if (id > 14) abort();
  if (id > 0) {
    rtc_twcc_init(&win);
    rtc_twcc_learn_replay(&l, id, &win);
    if (!rtc_twcc_pending(&win)) abort();
    memset(&l, 0, sizeof l);
  }
  if (l.seen >= RTC_TWCC_LEARN_BUDGET) memset(&l, 0, sizeof l);
}

static void fuzz_rtcp(const uint8_t *d, size_t n) {
  rtcp_iter it;
  rtcp_view v;
  rtcp_iter_init(&it, d, n);
  static rtc_bwe b;
  static uint64_t now;
  while (rtcp_next(&it, &v) == 1) {
    uint64_t bps;
    if (rtc_remb_parse(&v, &bps) == 1) rtc_bwe_on_remb(&b, bps, now += 100);
    rtc_twcc_fb fb;
    int k = rtc_twcc_parse(v.body - 4, v.total_len, &fb, st, RTC_TWCC_MAX_STATUS);
    if (k > RTC_TWCC_MAX_STATUS || (k > 0 && k != fb.status_count)) abort();
    rtcp_report r;
    if (rtcp_parse_report(&v, &r) == 0 && r.n_blocks) rtc_bwe_on_loss(&b, r.blocks[0].fraction_lost, now += 100);
  }
  uint32_t e = rtc_bwe_estimate(&b);
  if (e == 0 || (b.loss_cap && b.loss_cap < RTC_BWE_MIN_BPS)) abort();
}

static void fuzz_window(const uint8_t *d, size_t n) {
  if (n < 1) return;
  int max_status = 1 + d[0] % 64;
  rtc_twcc_init(&win);
  int64_t t = 1000000;
  static int64_t sent_at[65536]; /* what was recorded for each 16-bit number, last time */
  for (size_t i = 1; i + 4 <= n; i += 4) {
    uint16_t seq = (uint16_t)(d[i] << 8 | d[i + 1]);
    t += (int64_t)(d[i + 2] << 8 | d[i + 3]) * 37;
    rtc_twcc_record(&win, seq, t, 0x1234);
    sent_at[seq] = t;
    if (d[i + 3] & 1) continue; /* report now and then */
    uint8_t out[RTC_TWCC_FB_MAX];
    int len;
    int rounds = 0;
    while ((len = rtc_twcc_build(&win, 7, max_status, out, sizeof out)) > 0) {
      if (len > RTC_TWCC_FB_MAX || len % 4 || ++rounds > RTC_TWCC_WINDOW + 1) abort();
      rtc_twcc_fb fb;
      int k = rtc_twcc_parse(out, (size_t)len, &fb, st, RTC_TWCC_MAX_STATUS);
      if (k <= 0 || k > max_status) abort();
      for (int j = 0; j < k; j++) {
        if (!st[j].symbol) continue;
        /* Within a tick's half of the last recording of that number, or older (a duplicate
         * or a late copy keeps the first arrival; a number reused after a wrap was recorded
         * again since). The reference time wraps at 2^24 x 64 ms, far beyond these clocks. */
        if (st[j].at_us - sent_at[st[j].seq] > 125) abort();
      }
    }
    if (len < 0) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_ext(data, size);
  fuzz_rtcp(data, size);
  fuzz_window(data, size);
  return 0;
}
