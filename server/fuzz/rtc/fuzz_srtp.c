/* libFuzzer target for the SRTP layer on OpenSSL EVP (server/rtc/srtp_evp.c). Byte 0 picks the
 * profile and the operation; the rest is a packet. Unprotecting arbitrary bytes must fail
 * cleanly (the header, extension and SRTCP trailer lengths are untrusted); protecting them as
 * plaintext and unprotecting with the peer's session must give them back exactly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/srtp_evp.h"

static rtc_esrtp *sess[2][2]; /* [gcm][side] */

static void setup(void) {
  for (int g = 0; g < 2; g++) {
    rtc_srtp_keys a = {.profile = g ? RTC_SRTP_AEAD_AES_128_GCM : RTC_SRTP_AES128_CM_SHA1_80};
    rtc_srtp_profile_lengths(a.profile, &a.key_len, &a.salt_len);
    memset(a.local_key, 1, sizeof a.local_key);
    memset(a.remote_key, 2, sizeof a.remote_key);
    memset(a.local_salt, 3, sizeof a.local_salt);
    memset(a.remote_salt, 4, sizeof a.remote_salt);
    rtc_srtp_keys b = a;
    memcpy(b.local_key, a.remote_key, sizeof b.local_key);
    memcpy(b.remote_key, a.local_key, sizeof b.remote_key);
    memcpy(b.local_salt, a.remote_salt, sizeof b.local_salt);
    memcpy(b.remote_salt, a.local_salt, sizeof b.remote_salt);
    if (rtc_esrtp_create(&sess[g][0], &a) || rtc_esrtp_create(&sess[g][1], &b)) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!sess[0][0]) setup();
  if (size < 1 || size > 1600) return 0;
  int g = data[0] & 1, rtcp = (data[0] >> 1) & 1, roundtrip = (data[0] >> 2) & 1;
  uint8_t buf[1700], orig[1700];
  size_t n = size - 1, len = n;
  memcpy(buf, data + 1, n);
  memcpy(orig, buf, n);
  if (!roundtrip) {
    int rc = rtcp ? rtc_esrtp_unprotect_rtcp(sess[g][1], buf, &len)
                  : rtc_esrtp_unprotect_rtp(sess[g][1], buf, &len);
    if (rc == 0 && len > n) abort();
    return 0;
  }
  int rc = rtcp ? rtc_esrtp_protect_rtcp(sess[g][0], buf, &len, sizeof buf)
                : rtc_esrtp_protect_rtp(sess[g][0], buf, &len, sizeof buf);
  if (rc) return 0;
  rc = rtcp ? rtc_esrtp_unprotect_rtcp(sess[g][1], buf, &len)
            : rtc_esrtp_unprotect_rtp(sess[g][1], buf, &len);
  /* A replay (the same sequence number or SRTCP index again) may be refused; anything else
   * must come back as it was. */
  if (rc == RTC_SRTP_EREPLAY) return 0;
  if (rc != 0 || len != n || memcmp(buf, orig, n) != 0) {
    fprintf(stderr, "roundtrip: gcm=%d rtcp=%d rc=%d len=%zu n=%zu\n", g, rtcp, rc, len, n);
    abort();
  }
  return 0;
}
