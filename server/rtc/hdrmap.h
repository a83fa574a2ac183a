/* hdrmap: a forwarded RTP packet's payload type and header-extension ids, from what its
 * publisher negotiated to what its subscriber negotiated.
 *
 * Each side of an SFU negotiates its own numbers: a publisher may send VP8 as 97 with the
 * audio level as extension 2 while a subscriber's offer says VP8 is 96 and 2 is abs-send-time.
 * Two Chromium pages happen to agree, other stacks (aiortc, GStreamer, Firefox) do not, and a
 * subscriber that reads an extension under the wrong id may fail on the whole transport. So
 * every packet forwarded to a subscriber is rewritten through the map of that (stream,
 * subscriber) pair: known payload types renumbered, extensions renumbered or dropped when the
 * subscriber did not negotiate them, the extension block removed when nothing is left.
 *
 * Pure, in place, no allocation; every length is checked before it is read. */
#ifndef BZ_RTC_HDRMAP_H
#define BZ_RTC_HDRMAP_H

#include <stddef.h>
#include <stdint.h>

#define RTC_HDRMAP_MAX_PT 4

typedef struct rtc_hdrmap {
  int active;                         /* 0: forward unchanged (no map was made) */
  int n_pt;                           /* payload types of the stream: in → out */
  uint8_t pt_in[RTC_HDRMAP_MAX_PT], pt_out[RTC_HDRMAP_MAX_PT];
  uint8_t ext[256];                   /* publisher's id → subscriber's id; 0 = drop */
} rtc_hdrmap;

enum { RTC_HDRMAP_OK = 0, RTC_HDRMAP_EPARSE = -1, RTC_HDRMAP_EPT = -2 };

/* An empty active map: every payload type is refused and every extension dropped until
 * rtc_hdrmap_pt / rtc_hdrmap_ext add them. */
void rtc_hdrmap_init(rtc_hdrmap *m);
/* Payload type `in` of the publisher is `out` for the subscriber. -1 when the table is full. */
int rtc_hdrmap_pt(rtc_hdrmap *m, uint8_t in, uint8_t out);
/* The publisher's extension id `in` (1..255) is the subscriber's `out` (1..255; 0 = drop). */
void rtc_hdrmap_ext(rtc_hdrmap *m, uint8_t in, uint8_t out);

/* Rewrites the RTP packet p[0..*n) in place through m; *n may shrink (dropped extensions).
 * The block keeps its form, so it never grows: in a one-byte block an element whose id maps
 * above 14 is dropped.
 * RTC_HDRMAP_OK, RTC_HDRMAP_EPARSE (not a well-formed RTP packet: p unchanged) or
 * RTC_HDRMAP_EPT (a payload type the subscriber did not negotiate: do not send it). */
int rtc_hdrmap_apply(const rtc_hdrmap *m, uint8_t *p, size_t *n);

#endif
