/* SRTP sessions on libsrtp2 (see srtp.h). */
#include "rtc/srtp.h"

#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

struct rtc_srtp {
  srtp_t in, out;
};

static uv_once_t init_once = UV_ONCE_INIT;
static int init_rc = -1;
static void do_init(void) {
  init_rc = srtp_init() == srtp_err_status_ok ? 0 : -1;
}

int rtc_srtp_global_init(void) {
  uv_once(&init_once, do_init);
  return init_rc == 0 ? 0 : RTC_SRTP_EINIT;
}

int rtc_srtp_profile_lengths(int profile, size_t *key_len, size_t *salt_len) {
  switch (profile) {
    case RTC_SRTP_AES128_CM_SHA1_80:
      *key_len = 16;
      *salt_len = 14;
      return 1;
    case RTC_SRTP_AEAD_AES_128_GCM:
      *key_len = 16;
      *salt_len = 12;
      return 1;
    default:
      return 0;
  }
}

const char *rtc_srtp_profile_name(int profile) {
  switch (profile) {
    case RTC_SRTP_AES128_CM_SHA1_80:
      return "SRTP_AES128_CM_SHA1_80";
    case RTC_SRTP_AEAD_AES_128_GCM:
      return "SRTP_AEAD_AES_128_GCM";
    default:
      return "none";
  }
}

static int make_ctx(srtp_t *ctx, int profile, const uint8_t *key, const uint8_t *salt, size_t klen,
                    size_t slen, int inbound) {
  srtp_policy_t pol;
  memset(&pol, 0, sizeof pol);
  if (profile == RTC_SRTP_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
  }
  uint8_t master[RTC_SRTP_MAX_KEY + RTC_SRTP_MAX_SALT];
  memcpy(master, key, klen);
  memcpy(master + klen, salt, slen);
  pol.key = master;
  pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  pol.window_size = 1024;
  pol.allow_repeat_tx = 1;
  pol.next = NULL;
  srtp_err_status_t st = srtp_create(ctx, &pol);
  memset(master, 0, sizeof master);
  return st == srtp_err_status_ok ? 0 : RTC_SRTP_EINIT;
}

int rtc_srtp_create(rtc_srtp **out, const rtc_srtp_keys *k) {
  *out = NULL;
  size_t kl, sl;
  if (!k || !rtc_srtp_profile_lengths(k->profile, &kl, &sl) || k->key_len != kl ||
      k->salt_len != sl)
    return RTC_SRTP_EARG;
  if (rtc_srtp_global_init() < 0) return RTC_SRTP_EINIT;
  rtc_srtp *s = calloc(1, sizeof *s);
  if (!s) return RTC_SRTP_EINIT;
  if (make_ctx(&s->in, k->profile, k->remote_key, k->remote_salt, kl, sl, 1) < 0) {
    free(s);
    return RTC_SRTP_EINIT;
  }
  if (make_ctx(&s->out, k->profile, k->local_key, k->local_salt, kl, sl, 0) < 0) {
    srtp_dealloc(s->in);
    free(s);
    return RTC_SRTP_EINIT;
  }
  *out = s;
  return 0;
}

void rtc_srtp_destroy(rtc_srtp *s) {
  if (!s) return;
  srtp_dealloc(s->in);
  srtp_dealloc(s->out);
  free(s);
}

static int map_err(srtp_err_status_t st) {
  switch (st) {
    case srtp_err_status_ok:
      return 0;
    case srtp_err_status_auth_fail:
      return RTC_SRTP_EAUTH;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      return RTC_SRTP_EREPLAY;
    default:
      return RTC_SRTP_EFAIL;
  }
}

/* libsrtp takes int lengths; every packet here is at most a UDP datagram. */
#define LEN_OK(n) ((n) >= 12 && (n) <= 65535)
#define RTCP_LEN_OK(n) ((n) >= 8 && (n) <= 65535)

int rtc_srtp_unprotect_rtp(rtc_srtp *s, uint8_t *p, size_t *len) {
  if (!LEN_OK(*len)) return RTC_SRTP_EARG;
  int n = (int)*len;
  int rc = map_err(srtp_unprotect(s->in, p, &n));
  if (rc == 0) *len = (size_t)n;
  return rc;
}

int rtc_srtp_unprotect_rtcp(rtc_srtp *s, uint8_t *p, size_t *len) {
  if (!RTCP_LEN_OK(*len)) return RTC_SRTP_EARG;
  int n = (int)*len;
  int rc = map_err(srtp_unprotect_rtcp(s->in, p, &n));
  if (rc == 0) *len = (size_t)n;
  return rc;
}

int rtc_srtp_protect_rtp(rtc_srtp *s, uint8_t *p, size_t *len, size_t cap) {
  if (!LEN_OK(*len) || cap < *len + RTC_SRTP_MAX_TRAILER) return RTC_SRTP_EARG;
  int n = (int)*len;
  int rc = map_err(srtp_protect(s->out, p, &n));
  if (rc == 0) *len = (size_t)n;
  return rc;
}

int rtc_srtp_protect_rtcp(rtc_srtp *s, uint8_t *p, size_t *len, size_t cap) {
  if (!RTCP_LEN_OK(*len) || cap < *len + RTC_SRTCP_MAX_TRAILER) return RTC_SRTP_EARG;
  int n = (int)*len;
  int rc = map_err(srtp_protect_rtcp(s->out, p, &n));
  if (rc == 0) *len = (size_t)n;
  return rc;
}
