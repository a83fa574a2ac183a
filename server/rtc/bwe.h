/* bwe: the bandwidth estimate of one subscribing transport, in bits/s, for the layer selector.
 *
 * Method: receive-side delay-based estimate from the subscriber, capped by a loss-based
 * controller on buzzd's side, as GCC combines them (draft-ietf-rmcat-gcc-02 §5-6).
 * - buzzd answers every subscriber m-line it sends on with `a=rtcp-fb:<pt> goog-remb`, and the
 *   subscriber (Chromium: ReceiveSideCongestionController, since the forwarded packets carry no
 *   transport-wide number the subscriber negotiated) runs its delay-based estimator over what
 *   buzzd sends it and reports it in REMB (RTCP PSFB FMT 15, "REMB"). buzzd takes the REMB
 *   and does not forward it: a publisher's rate is set by buzzd's own feedback (twcc.h), not by
 *   its slowest subscriber.
 * - The subscriber's receiver reports give a loss fraction per stream; the lowest fraction among
 *   the blocks of one report is taken (a loss on the way from one publisher to buzzd shows in
 *   that stream's block alone, a congested subscriber link in all of them). Above 10 % the
 *   loss cap becomes estimate × (1 − loss/2) (at most every 300 ms); under 2 % it grows 5 % a
 *   second, and is lifted once it is above the REMB; in between it holds.
 * - estimate = min(REMB, loss cap); RTC_BWE_START_BPS before the first REMB.
 * Why not send-side: buzzd forwards packets as they are, so a send-side estimate would need
 * buzzd's own transport-wide numbers written into every forwarded packet and its own delay
 * filter, for the same answer Chromium already computes. The cost of REMB: Chromium's estimate
 * grows to at most about 1.5 × what it currently receives (plus 10 kbit/s), so a selector goes
 * up one layer when the estimate holds near that ceiling without loss.
 *
 * Pure; the caller passes its clock in ms. */
#ifndef BZ_RTC_BWE_H
#define BZ_RTC_BWE_H

#include <stdint.h>

#include "rtc/rtp.h"

#define RTC_BWE_START_BPS 300000u  /* before the first REMB (Chromium's start bitrate) */
#define RTC_BWE_MIN_BPS 30000u     /* the loss cap never goes below */
#define RTC_BWE_LOSS_HIGH 26       /* 10 % of 256: above, the loss cap decreases */
#define RTC_BWE_LOSS_LOW 5         /* 2 % of 256: below, it may increase */

typedef struct rtc_bwe {
  uint32_t remb_bps;  /* the last REMB, 0 = none yet */
  uint32_t loss_cap;  /* 0 = no cap */
  uint8_t loss;       /* the last loss fraction taken (of 256) */
  uint64_t remb_ms, decrease_ms, increase_ms;
  uint32_t n_remb, n_loss; /* reports taken */
} rtc_bwe;

void rtc_bwe_init(rtc_bwe *b);
void rtc_bwe_on_remb(rtc_bwe *b, uint64_t bps, uint64_t now_ms);
/* fraction_lost as in a report block (loss × 256). */
void rtc_bwe_on_loss(rtc_bwe *b, uint8_t fraction_lost, uint64_t now_ms);
uint32_t rtc_bwe_estimate(const rtc_bwe *b);

/* The REMB of one RTCP packet (an rtcp_view from rtcp_next): 1 and *bps (saturated at
 * UINT32_MAX) when it is one (PSFB, FMT 15, "REMB", the SSRC list inside the packet), 0 when it
 * is another packet, < 0 when it says REMB but is malformed. */
int rtc_remb_parse(const rtcp_view *v, uint64_t *bps);

/* What the link of subscribing transport t (rtc_int.h) is known to carry, for the layer
 * selector, in bits/s; 0 = no limit known. Chromium's REMB cannot show room above about 1.5 ×
 * what it receives, so an estimate that sits at that ceiling says nothing about the link, and
 * the selector may go up: the estimate is returned only while it limits — a loss cap is set,
 * or the REMB fell under 90 % of what buzzd sends t, which then holds 8 s (twice as long, up to
 * 64 s, when it happens again within 30 s of the last hold: a layer that did not fit is not
 * retried every 8 s). Worker thread only (t is the worker's). cc.c. */
typedef struct rtc__transport rtc__transport;
uint32_t rtc__bwe_bps(const rtc__transport *t);
/* The same from the REMB alone (the receiver's delay-based estimate, i.e. congestion), 0 when
 * it does not limit: last-N pauses cameras on this, never on a loss cap (random loss on a
 * link with room to spare is no reason to stop a camera; lower layers answer it). */
uint32_t rtc__bwe_remb_bps(const rtc__transport *t);

#endif
