/* srtp_evp: SRTP and SRTCP (RFC 3711: AES_CM_128_HMAC_SHA1_80; RFC 7714: AEAD_AES_128_GCM)
 * written on OpenSSL EVP, because Debian's libsrtp2 (built on NSS) costs 2.6x (GCM) to 4.4x
 * (AES-CM) more per packet (docs/sfu.md). Same keys and packet formats as srtp.h; held to
 * libsrtp's published known answers and cross-checked against libsrtp2 in the unit tests.
 *
 * A session has an inbound side (the peer's keys: unprotect, with rollover-counter estimation
 * and a 1024-packet replay window per SSRC) and an outbound side (our keys: protect, ROC kept
 * per SSRC; resending a sequence number is allowed, as for retransmissions). At most
 * RTC_ESRTP_MAX_STREAMS SSRCs per direction, and an inbound SSRC is remembered only once one
 * of its packets authenticated: a peer cannot make it allocate without bound, and forged
 * packets cannot fill the table.
 * One session belongs to one thread. */
#ifndef BZ_RTC_SRTP_EVP_H
#define BZ_RTC_SRTP_EVP_H

#include <stddef.h>
#include <stdint.h>

#include "rtc/srtp.h"

#define RTC_ESRTP_MAX_STREAMS 256

typedef struct rtc_esrtp rtc_esrtp;

/* Returns 0 or RTC_SRTP_E* (the error codes of srtp.h). */
int rtc_esrtp_create(rtc_esrtp **out, const rtc_srtp_keys *k);
void rtc_esrtp_destroy(rtc_esrtp *s);
int rtc_esrtp_protect_rtp(rtc_esrtp *s, uint8_t *p, size_t *len, size_t cap);
int rtc_esrtp_unprotect_rtp(rtc_esrtp *s, uint8_t *p, size_t *len);
int rtc_esrtp_protect_rtcp(rtc_esrtp *s, uint8_t *p, size_t *len, size_t cap);
int rtc_esrtp_unprotect_rtcp(rtc_esrtp *s, uint8_t *p, size_t *len);

#endif
