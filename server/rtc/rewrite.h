/* rewrite: one outgoing RTP stream of a subscriber fed from one of several incoming streams
 * (simulcast layers, or successive publishers in a last-N slot), with continuous sequence
 * numbers and timestamps across switches, as the subscriber's decoder requires.
 *
 * Pure logic over packet headers and a caller's clock; no allocation. A switch takes effect
 * with the first packet of the new source (the caller switches on a keyframe): its sequence
 * number follows the last one sent, its timestamp advances by the wall time elapsed since the
 * last packet sent (at least 1 tick). Packets of a source other than the current one are
 * dropped, and so are late packets of the current source that would land on sequence numbers
 * already used before the switch. Everything is modulo 2^16 / 2^32 (wrap-around safe). */
#ifndef BZ_RTC_REWRITE_H
#define BZ_RTC_REWRITE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtc_rewriter {
  uint32_t out_ssrc;
  uint32_t clock_hz;  /* 90000 video, 48000 Opus */
  uint32_t src_ssrc;  /* current source; meaningful once has_src */
  uint32_t next_ssrc; /* the source to switch to at its next packet */
  int has_src, switching, sent_any;
  uint16_t seq_offset; /* out = in + offset */
  uint32_t ts_offset;
  uint16_t first_in_seq; /* the current source's first packet after the switch */
  int guard;             /* 1 while late packets from before first_in_seq are possible */
  uint16_t last_out_seq; /* highest sequence number sent */
  uint32_t last_out_ts;
  uint64_t last_out_ms;
  uint64_t dropped;
} rtc_rewriter;

void rtc_rewrite_init(rtc_rewriter *w, uint32_t out_ssrc, uint32_t clock_hz);
/* From the next packet of `ssrc` on, that stream is the source, continuing the output where it
 * stopped (also for the current source: resuming after a pause leaves no gap). */
void rtc_rewrite_switch(rtc_rewriter *w, uint32_t ssrc);
/* Rewrites SSRC, sequence number and timestamp of the RTP packet p[0..n) in place.
 * 0 = send it, -1 = drop it (not the source, or too late), -2 = not an RTP header. */
int rtc_rewrite_rtp(rtc_rewriter *w, uint8_t *p, size_t n, uint64_t now_ms);

#endif
