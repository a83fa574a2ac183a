/* srtp: SRTP / SRTCP sessions of one transport, on libsrtp2, keyed from DTLS-SRTP (RFC 5764).
 *
 * A session holds two libsrtp contexts: inbound (the peer's key: unprotect what it sends) and
 * outbound (our key: protect what we send). Every SSRC is accepted (ssrc_any_*); the replay
 * window is 1024 packets; outbound allows repeats (retransmissions are sent again as they
 * were). A session belongs to one worker thread. */
#ifndef BZ_RTC_SRTP_H
#define BZ_RTC_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* DTLS-SRTP protection profile ids (IANA). */
enum { RTC_SRTP_AES128_CM_SHA1_80 = 0x0001, RTC_SRTP_AEAD_AES_128_GCM = 0x0007 };

#define RTC_SRTP_MAX_KEY 16
#define RTC_SRTP_MAX_SALT 14
#define RTC_SRTP_MAX_TRAILER 16  /* bytes protect adds to an RTP packet (GCM tag / HMAC-80) */
#define RTC_SRTCP_MAX_TRAILER 20 /* SRTCP index + tag */

typedef struct rtc_srtp_keys {
  int profile;
  size_t key_len, salt_len;
  uint8_t local_key[RTC_SRTP_MAX_KEY], local_salt[RTC_SRTP_MAX_SALT];
  uint8_t remote_key[RTC_SRTP_MAX_KEY], remote_salt[RTC_SRTP_MAX_SALT];
} rtc_srtp_keys;

typedef struct rtc_srtp rtc_srtp;

enum {
  RTC_SRTP_EARG = -1,
  RTC_SRTP_EINIT = -2,
  RTC_SRTP_EAUTH = -3,
  RTC_SRTP_EREPLAY = -4,
  RTC_SRTP_EFAIL = -5
};

/* libsrtp's global init, once per process (safe to call from any thread, any number of
 * times). 0 or RTC_SRTP_EINIT. */
int rtc_srtp_global_init(void);
/* Key and salt lengths of a profile; 0 for an unknown one. */
int rtc_srtp_profile_lengths(int profile, size_t *key_len, size_t *salt_len);
const char *rtc_srtp_profile_name(int profile);

int rtc_srtp_create(rtc_srtp **out, const rtc_srtp_keys *k);
void rtc_srtp_destroy(rtc_srtp *s);
/* In place. *len is the packet length in and out. unprotect: RTC_SRTP_EAUTH (forged or
 * corrupted), RTC_SRTP_EREPLAY, RTC_SRTP_EFAIL. protect: the buffer must have room for
 * *len + RTC_SRTP_MAX_TRAILER (RTCP: RTC_SRTCP_MAX_TRAILER) bytes, which `cap` states. */
int rtc_srtp_unprotect_rtp(rtc_srtp *s, uint8_t *p, size_t *len);
int rtc_srtp_unprotect_rtcp(rtc_srtp *s, uint8_t *p, size_t *len);
int rtc_srtp_protect_rtp(rtc_srtp *s, uint8_t *p, size_t *len, size_t cap);
int rtc_srtp_protect_rtcp(rtc_srtp *s, uint8_t *p, size_t *len, size_t cap);

#endif
