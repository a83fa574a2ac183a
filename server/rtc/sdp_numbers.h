/* sdp_numbers: the payload types and header-extension ids one side of buzzd negotiated for
 * one m-line, as buzzd's answer accepted them, and the map (rtc/hdrmap.h) that turns a
 * publisher's numbers into a subscriber's. sig keeps a publisher's numbers per stream and
 * makes a map for every stream a subscriber receives. Pure. */
#ifndef BZ_RTC_SDP_NUMBERS_H
#define BZ_RTC_SDP_NUMBERS_H

#include <stdint.h>

#include "rtc/hdrmap.h"
#include "rtc/sdp.h"

/* The extensions buzzd forwards end to end, renumbered. The others it answers are per hop
 * (mid, rid, repaired rid, transport-wide sequence numbers) and are never forwarded. */
enum { SDP_NUM_AUDIO_LEVEL = 0, SDP_NUM_ABS_SEND_TIME, SDP_NUM_EXTS };

typedef struct sdp_numbers {
  int ok;                       /* 0: no codec buzzd takes on this m-line */
  uint8_t pt, rtx_pt;           /* rtx_pt 0: no RTX */
  uint8_t ext[SDP_NUM_EXTS];    /* 0: not negotiated */
} sdp_numbers;

/* The numbers of m-line i of offer s as sdp_answer answers them. */
void sdp_numbers_of(const sdp_session *s, int i, sdp_numbers *out);
/* The map for a stream the publisher sends with `pub`'s numbers to a subscriber's m-line with
 * `sub`'s: the codec and its RTX renumbered (RTX only when both have it), each end-to-end
 * extension renumbered when both negotiated it, everything else dropped. */
void sdp_numbers_map(const sdp_numbers *pub, const sdp_numbers *sub, rtc_hdrmap *out);

#endif
