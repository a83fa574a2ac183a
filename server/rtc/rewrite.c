/* Sequence-number and timestamp continuity across source switches (see rewrite.h). */
#include "rtc/rewrite.h"
#include "rtc/be.h"


void rtc_rewrite_init(rtc_rewriter *w, uint32_t out_ssrc, uint32_t clock_hz) {
  *w = (rtc_rewriter){.out_ssrc = out_ssrc, .clock_hz = clock_hz ? clock_hz : 90000};
}

void rtc_rewrite_switch(rtc_rewriter *w, uint32_t ssrc) {
  /* The current source too: after a pause its next packet is a new start (the numbers it
   * skipped are not a loss the subscriber should ask for). */
  w->next_ssrc = ssrc;
  w->switching = 1;
}

/* Takes the packet as the new source's first: offsets chosen for continuity. */
static void begin(rtc_rewriter *w, uint32_t ssrc, uint16_t seq, uint32_t ts, uint64_t now_ms) {
  if (!w->sent_any) {
    w->seq_offset = 0;
    w->ts_offset = 0;
  } else {
    uint64_t ticks =
        now_ms > w->last_out_ms ? (now_ms - w->last_out_ms) * (uint64_t)w->clock_hz / 1000u : 0;
    if (ticks == 0) ticks = 1;
    w->seq_offset = (uint16_t)(w->last_out_seq + 1u - seq);
    w->ts_offset = (uint32_t)(w->last_out_ts + (uint32_t)ticks - ts);
  }
  w->src_ssrc = ssrc;
  w->has_src = 1;
  w->switching = 0;
  w->first_in_seq = seq;
  w->guard = 1;
}

int rtc_rewrite_rtp(rtc_rewriter *w, uint8_t *p, size_t n, uint64_t now_ms) {
  if (n < 12 || p[0] >> 6 != 2) return -2;
  uint32_t ssrc = rd32(p + 8), ts = rd32(p + 4);
  uint16_t seq = rd16(p + 2);
  if (w->switching && ssrc == w->next_ssrc)
    begin(w, ssrc, seq, ts, now_ms);
  else if (!w->has_src && !w->switching)
    begin(w, ssrc, seq, ts, now_ms);
  uint16_t since = (uint16_t)(seq - w->first_in_seq);
  if (!w->has_src || ssrc != w->src_ssrc || (w->guard && since >= 0x8000)) {
    w->dropped++;
    return -1;
  }
  /* A quarter of the sequence space after the switch, nothing from before it can still be in
   * flight; from then on the comparison would wrap, so it stops. */
  if (since >= 0x4000) w->guard = 0;
  uint16_t out_seq = (uint16_t)(seq + w->seq_offset);
  uint32_t out_ts = ts + w->ts_offset;
  wr16(p + 2, out_seq);
  wr32(p + 4, out_ts);
  wr32(p + 8, w->out_ssrc);
  if (!w->sent_any || (int16_t)(uint16_t)(out_seq - w->last_out_seq) > 0) {
    w->last_out_seq = out_seq;
    w->last_out_ts = out_ts;
    w->last_out_ms = now_ms;
  }
  w->sent_any = 1;
  return 0;
}
