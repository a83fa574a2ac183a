/* RFC 7983 demultiplexing by first byte (see demux.h). */
#include "rtc/demux.h"

#include "rtc/stun.h"

rtc_pkt_class rtc_demux(const uint8_t *p, size_t n) {
  if (!p || n == 0) return RTC_PKT_UNKNOWN;
  uint8_t b = p[0];
  if (b <= 3) return stun_looks_like(p, n) ? RTC_PKT_STUN : RTC_PKT_UNKNOWN;
  if (b >= 20 && b <= 63) return n >= 13 ? RTC_PKT_DTLS : RTC_PKT_UNKNOWN; /* record header */
  if (b >= 128 && b <= 191) {
    if (n < 8) return RTC_PKT_UNKNOWN;
    /* RFC 5761 §4: RTCP packet types 192..223 never collide with the RTP payload types in
     * use (0..63, 96..127) once the marker bit is part of the byte. */
    if (p[1] >= 192 && p[1] <= 223) return RTC_PKT_RTCP;
    return n >= 12 ? RTC_PKT_RTP : RTC_PKT_UNKNOWN;
  }
  return RTC_PKT_UNKNOWN;
}

const char *rtc_pkt_class_name(rtc_pkt_class c) {
  switch (c) {
    case RTC_PKT_STUN:
      return "stun";
    case RTC_PKT_DTLS:
      return "dtls";
    case RTC_PKT_RTP:
      return "rtp";
    case RTC_PKT_RTCP:
      return "rtcp";
    default:
      return "unknown";
  }
}
