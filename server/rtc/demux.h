/* demux: what a datagram on a media port is, from its first bytes (RFC 7983 §7, RTP vs RTCP
 * by RFC 5761 §4). Only classifies: each class has its own parser. */
#ifndef BZ_RTC_DEMUX_H
#define BZ_RTC_DEMUX_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  RTC_PKT_UNKNOWN = 0, /* ZRTP, TURN channel data, QUIC, or garbage: dropped */
  RTC_PKT_STUN,        /* first byte 0..3 */
  RTC_PKT_DTLS,        /* 20..63 */
  RTC_PKT_RTP,         /* 128..191, payload type not in the RTCP range */
  RTC_PKT_RTCP,        /* 128..191, second byte 192..223 (RTCP packet types 192..223) */
} rtc_pkt_class;

rtc_pkt_class rtc_demux(const uint8_t *p, size_t n);
const char *rtc_pkt_class_name(rtc_pkt_class c);

#endif
