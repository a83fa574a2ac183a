/* layer: the pure parts of simulcast forwarding — keyframe detection in a video payload (VP8,
 * H.264) and the choice of the layer one subscriber gets.
 *
 * The payload parsers read (p, n) as it came from the network and check every length before
 * reading; they never fail loudly: what they cannot read is "not a keyframe start". */
#ifndef BZ_RTC_LAYER_H
#define BZ_RTC_LAYER_H

#include <stddef.h>
#include <stdint.h>

#define RTC_LAYERS_MAX 4

/* VP8 (RFC 7741): 1 when the RTP payload p[0..n) begins a keyframe (S = 1, partition 0, the
 * frame tag's P bit clear, the 0x9d 0x01 0x2a start code present); then *w and *h (may be
 * NULL) get the frame's size in pixels. 0 otherwise (a delta frame, a later packet of a frame,
 * or a payload too short or malformed). */
int rtc_vp8_keyframe(const uint8_t *p, size_t n, uint16_t *w, uint16_t *h);

/* H.264 (RFC 6184): 1 when the RTP payload begins an IDR picture or carries its SPS (a single
 * NAL unit of type 5 or 7, a STAP-A holding one, or the first FU-A fragment of one). */
int rtc_h264_keyframe(const uint8_t *p, size_t n);

/* What the forwarder knows of one layer of a simulcast source, lowest layer first. */
typedef struct rtc_layer_info {
  int active;             /* packets arrived lately */
  uint16_t width, height; /* pixels, from its last keyframe; 0 = not known yet */
  uint32_t bps;           /* measured bit rate; 0 = not known */
} rtc_layer_info;

/* One subscriber's wish for one source. */
typedef struct rtc_layer_want {
  int has_view;           /* 0: the page gave no tile size: no cap from (a) */
  uint16_t width, height; /* the tile in device pixels; 0 x 0 = not visible (paused) */
  uint32_t bwe_bps;       /* the subscriber's bandwidth estimate; 0 = unknown (no cap) */
} rtc_layer_want;

/* The layer index to forward, or -1 for none (paused, or no layer active):
 * (a) the lowest active layer at least as large as the tile (with RTC_LAYER_SLACK of
 *     up-scaling allowed), the highest active one when none is; no view: the highest;
 * (b) then down while its rate exceeds the estimate and a lower active layer exists.
 * Layers of unknown size are taken as half the next larger known one (or twice the next
 * smaller), the usual 1/4, 1/2, 1 ladder; with no size known at all, from 1280 x 720 down. */
int rtc_layer_choose(const rtc_layer_info *l, int n, const rtc_layer_want *want);
#define RTC_LAYER_SLACK_PCT 15

/* Last-N: when a subscriber's estimate cannot carry every camera it shows even at their
 * lowest layers, the cameras of the participants heard most recently are kept and the others
 * paused (their audio still flows). One candidate per visible camera. */
typedef struct rtc_lastn_cand {
  uint32_t min_bps;  /* its lowest active layer's rate; 0 = not measured yet (RTC_LASTN_GUESS_BPS) */
  uint64_t spoke_ms; /* when its publisher was last heard speaking; 0 = never */
  int sent;          /* 1 when it is being sent now (0: paused by last-N) */
} rtc_lastn_cand;

/* keep[i] = 1 for the cameras to send, 0 for those to pause; returns how many are kept.
 * bwe_bps 0 = no cap: all kept. Otherwise, in order of spoke_ms (latest first; ties: those sent
 * now, then by index), a camera is kept while the rates kept so far plus its own stay within
 * the estimate, and one paused now comes back only within RTC_LASTN_RESUME_PCT of it (so a
 * camera does not come and go as the estimate wavers). The first in that order is always kept. */
int rtc_lastn_choose(const rtc_lastn_cand *c, int n, uint32_t bwe_bps, uint8_t *keep);
#define RTC_LASTN_RESUME_PCT 80
#define RTC_LASTN_GUESS_BPS 100000 /* the web client's lowest layer's cap (sfu-util.js) */

#endif
