/* SRTP / SRTCP on OpenSSL EVP (see srtp_evp.h). RFC 3711 §4 (AES-CM, HMAC-SHA1, the AES-CM
 * key derivation with key_derivation_rate 0, Appendix A index estimation) and RFC 7714
 * (AEAD_AES_128_GCM: IV, AAD and the SRTCP trailer). */
#include "rtc/srtp_evp.h"
#include "rtc/be.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_WORDS 16 /* 1024-packet replay window */
#define BUCKETS 64
#define CM_TAG 10
#define GCM_TAG 16

typedef struct window {
  int init;
  uint64_t max;                /* highest accepted index */
  uint64_t bits[WINDOW_WORDS]; /* bit k: index max - k was accepted */
} window;

typedef struct stream {
  struct stream *next; /* bucket chain */
  uint32_t ssrc;
  int rtp_init;
  uint32_t roc;
  uint16_t s_l;        /* highest sequence number seen (RFC 3711 Appendix A) */
  window rtp_win;      /* inbound only */
  uint32_t rtcp_index; /* outbound: last sent; */
  window rtcp_win;     /* inbound */
} stream;

typedef struct side {
  uint8_t rtp_salt[14], rtcp_salt[14];
  EVP_CIPHER_CTX *rtp_c, *rtcp_c;
  EVP_MAC_CTX *rtp_mac, *rtcp_mac; /* AES-CM only */
  stream *buckets[BUCKETS];
  int n_streams;
} side;

struct rtc_esrtp {
  int gcm;
  size_t salt_len;
  side in, out;
};


/* ---- key derivation: AES-CM PRF over (master salt XOR label at byte 7) ---- */

static int kdf(const uint8_t *key, const uint8_t *salt, size_t salt_len, uint8_t label,
               uint8_t *out, size_t n) {
  uint8_t iv[16] = {0}, zeros[32] = {0};
  memcpy(iv, salt, salt_len);
  iv[7] ^= label;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int outl = 0, ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
                     EVP_EncryptUpdate(c, out, &outl, zeros, (int)n) == 1 && outl == (int)n;
  EVP_CIPHER_CTX_free(c);
  return ok ? 0 : -1;
}

static EVP_MAC_CTX *hmac_sha1(const uint8_t *key, size_t n) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac); /* the context keeps its own reference */
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA1", 0),
                         OSSL_PARAM_construct_end()};
  if (c && EVP_MAC_init(c, key, n, params) != 1) {
    EVP_MAC_CTX_free(c);
    c = NULL;
  }
  return c;
}

static EVP_CIPHER_CTX *cipher(int gcm, const uint8_t *key) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  if (c &&
      EVP_CipherInit_ex(c, gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr(), NULL, key, NULL, 1) != 1) {
    EVP_CIPHER_CTX_free(c);
    c = NULL;
  }
  return c;
}

static int side_init(side *s, int gcm, const uint8_t *mkey, const uint8_t *msalt, size_t salt_len) {
  uint8_t k[16], a[20];
  int rc = 0;
  for (int rtcp = 0; rtcp < 2 && !rc; rtcp++) {
    uint8_t base = rtcp ? 3 : 0;
    uint8_t *salt = rtcp ? s->rtcp_salt : s->rtp_salt;
    rc = kdf(mkey, msalt, salt_len, base, k, 16) ||
         kdf(mkey, msalt, salt_len, base + 2, salt, salt_len);
    if (rc) break;
    EVP_CIPHER_CTX *c = cipher(gcm, k);
    EVP_MAC_CTX *m = NULL;
    if (!gcm) {
      rc = kdf(mkey, msalt, salt_len, base + 1, a, 20);
      m = rc ? NULL : hmac_sha1(a, 20);
    }
    if (rtcp)
      s->rtcp_c = c, s->rtcp_mac = m;
    else
      s->rtp_c = c, s->rtp_mac = m;
    if (!c || (!gcm && !m)) rc = -1;
  }
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(a, sizeof a);
  return rc;
}

static void side_free(side *s) {
  EVP_CIPHER_CTX_free(s->rtp_c);
  EVP_CIPHER_CTX_free(s->rtcp_c);
  EVP_MAC_CTX_free(s->rtp_mac);
  EVP_MAC_CTX_free(s->rtcp_mac);
  for (int b = 0; b < BUCKETS; b++)
    for (stream *st = s->buckets[b], *next; st; st = next) {
      next = st->next;
      free(st);
    }
}

static stream *find(side *s, uint32_t ssrc, int create) {
  unsigned b = (ssrc * 2654435761u) >> 26;
  for (stream *st = s->buckets[b]; st; st = st->next)
    if (st->ssrc == ssrc) return st;
  if (!create || s->n_streams >= RTC_ESRTP_MAX_STREAMS) return NULL;
  stream *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->ssrc = ssrc;
  st->next = s->buckets[b];
  s->buckets[b] = st;
  s->n_streams++;
  return st;
}

int rtc_esrtp_create(rtc_esrtp **out, const rtc_srtp_keys *k) {
  *out = NULL;
  size_t kl, sl;
  if (!k || !rtc_srtp_profile_lengths(k->profile, &kl, &sl) || k->key_len != kl ||
      k->salt_len != sl || kl != 16)
    return RTC_SRTP_EARG;
  rtc_esrtp *s = calloc(1, sizeof *s);
  if (!s) return RTC_SRTP_EINIT;
  s->gcm = k->profile == RTC_SRTP_AEAD_AES_128_GCM;
  s->salt_len = sl;
  if (side_init(&s->in, s->gcm, k->remote_key, k->remote_salt, sl) < 0 ||
      side_init(&s->out, s->gcm, k->local_key, k->local_salt, sl) < 0) {
    rtc_esrtp_destroy(s);
    return RTC_SRTP_EINIT;
  }
  *out = s;
  return 0;
}

void rtc_esrtp_destroy(rtc_esrtp *s) {
  if (!s) return;
  side_free(&s->in);
  side_free(&s->out);
  OPENSSL_cleanse(s, sizeof *s);
  free(s);
}

/* ---- replay window ---- */

/* 0 = new, RTC_SRTP_EREPLAY = seen or too old. */
static int window_check(const window *w, uint64_t idx) {
  if (!w->init || idx > w->max) return 0;
  uint64_t d = w->max - idx;
  if (d >= 64 * WINDOW_WORDS) return RTC_SRTP_EREPLAY;
  return w->bits[d / 64] >> (d % 64) & 1 ? RTC_SRTP_EREPLAY : 0;
}

static void window_add(window *w, uint64_t idx) {
  if (!w->init) {
    memset(w, 0, sizeof *w);
    w->init = 1;
    w->max = idx;
  } else if (idx > w->max) {
    uint64_t shift = idx - w->max;
    if (shift >= 64 * WINDOW_WORDS) {
      memset(w->bits, 0, sizeof w->bits);
    } else {
      int words = (int)(shift / 64);
      unsigned bits = (unsigned)(shift % 64);
      for (int i = WINDOW_WORDS - 1; i >= 0; i--) {
        int from = i - words;
        uint64_t v = from >= 0 ? w->bits[from] << bits : 0;
        if (bits && from - 1 >= 0) v |= w->bits[from - 1] >> (64 - bits);
        w->bits[i] = v;
      }
    }
    w->max = idx;
  }
  uint64_t d = w->max - idx;
  if (d < 64 * WINDOW_WORDS) w->bits[d / 64] |= 1ull << (d % 64);
}

/* ---- RTP ---- */

/* Header length (fixed, CSRCs, extension) within n, or 0. */
static size_t rtp_header_len(const uint8_t *p, size_t n) {
  if (n < 12 || p[0] >> 6 != 2) return 0;
  size_t hl = 12 + 4u * (p[0] & 0x0F);
  if (p[0] & 0x10) {
    if (hl + 4 > n) return 0;
    hl += 4 + 4u * (size_t)(p[hl + 2] << 8 | p[hl + 3]);
  }
  return hl <= n ? hl : 0;
}

/* RFC 3711 Appendix A: the rollover counter that makes seq closest to the highest seen; -1
 * for a packet from before the stream's first rollover period (older than anything valid). */
static int64_t guess_roc(const stream *st, uint16_t seq) {
  int64_t roc = st->roc;
  if (!st->rtp_init) return roc;
  if (st->s_l < 32768) return (int)seq - (int)st->s_l > 32768 ? roc - 1 : roc;
  return (int)st->s_l - 32768 > (int)seq ? roc + 1 : roc;
}

static void advance(stream *st, uint32_t roc, uint16_t seq) {
  uint64_t idx = (uint64_t)roc << 16 | seq, cur = (uint64_t)st->roc << 16 | st->s_l;
  if (!st->rtp_init || idx > cur) st->roc = roc, st->s_l = seq;
  st->rtp_init = 1;
}

static int cm_tag(EVP_MAC_CTX *m, const uint8_t *p, size_t n, const uint8_t *extra,
                  size_t extra_len, uint8_t out[20]) {
  size_t ml = 0;
  return EVP_MAC_init(m, NULL, 0, NULL) == 1 && EVP_MAC_update(m, p, n) == 1 &&
                 (!extra_len || EVP_MAC_update(m, extra, extra_len) == 1) &&
                 EVP_MAC_final(m, out, &ml, 20) == 1 && ml == 20
             ? 0
             : -1;
}

/* AES-CM over p[0..n) with the RFC 3711 IV: salt ^ (ssrc << 64) ^ (index << 16). */
static int cm_crypt(EVP_CIPHER_CTX *c, const uint8_t *salt, uint32_t ssrc, uint64_t index,
                    uint8_t *p, size_t n) {
  uint8_t iv[16] = {0};
  memcpy(iv, salt, 14);
  uint8_t s[4];
  wr32(s, ssrc);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= s[i];
  for (int i = 0; i < 6; i++) iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
  int outl = 0;
  return EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) == 1 &&
                 (n == 0 || EVP_EncryptUpdate(c, p, &outl, p, (int)n) == 1)
             ? 0
             : -1;
}

/* AES-GCM seal (enc = 1) or open of p[0..n) with a 12-byte IV and AAD; tag[16] in or out. */
static int gcm_crypt(EVP_CIPHER_CTX *c, int enc, const uint8_t iv[12], const uint8_t *aad,
                     size_t aad_len, const uint8_t *aad2, size_t aad2_len, uint8_t *p, size_t n,
                     uint8_t tag[16]) {
  int outl = 0;
  if (EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, enc) != 1 ||
      EVP_CipherUpdate(c, NULL, &outl, aad, (int)aad_len) != 1 ||
      (aad2_len && EVP_CipherUpdate(c, NULL, &outl, aad2, (int)aad2_len) != 1) ||
      (n && EVP_CipherUpdate(c, p, &outl, p, (int)n) != 1))
    return -1;
  if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1) return -1;
  if (EVP_CipherFinal_ex(c, p + n, &outl) != 1) return RTC_SRTP_EAUTH;
  return enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1 ? -1 : 0;
}

static void gcm_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint32_t hi, uint16_t lo,
                   int rtcp) {
  memset(iv, 0, 12);
  wr32(iv + 2, ssrc);
  if (rtcp) {
    wr32(iv + 8, hi); /* 0000 || SSRC || 0000 || SRTCP index */
  } else {
    wr32(iv + 6, hi); /* 0000 || SSRC || ROC || SEQ */
    iv[10] = (uint8_t)(lo >> 8), iv[11] = (uint8_t)lo;
  }
  for (int i = 0; i < 12; i++) iv[i] ^= salt[i];
}

int rtc_esrtp_protect_rtp(rtc_esrtp *s, uint8_t *p, size_t *len, size_t cap) {
  size_t n = *len, hl = rtp_header_len(p, n);
  size_t tag = s->gcm ? GCM_TAG : CM_TAG;
  if (!hl || n > 65535 || cap < n + tag) return RTC_SRTP_EARG;
  uint32_t ssrc = rd32(p + 8);
  uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
  stream *st = find(&s->out, ssrc, 1);
  if (!st) return RTC_SRTP_EFAIL;
  int64_t guess = guess_roc(st, seq);
  uint32_t roc = guess < 0 ? 0 : (uint32_t)guess; /* a resend from before the first packet */
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(iv, s->out.rtp_salt, ssrc, roc, seq, 0);
    if (gcm_crypt(s->out.rtp_c, 1, iv, p, hl, NULL, 0, p + hl, n - hl, p + n) < 0)
      return RTC_SRTP_EFAIL;
  } else {
    uint8_t mac[20], r[4];
    wr32(r, roc);
    if (cm_crypt(s->out.rtp_c, s->out.rtp_salt, ssrc, (uint64_t)roc << 16 | seq, p + hl, n - hl) <
            0 ||
        cm_tag(s->out.rtp_mac, p, n, r, 4, mac) < 0)
      return RTC_SRTP_EFAIL;
    memcpy(p + n, mac, CM_TAG);
  }
  /* A packet from before the stream's first rollover period (guess < 0) is sent with ROC 0
   * and must not move the stream's state: the receiver refuses it as a replay. */
  if (guess >= 0) advance(st, roc, seq);
  *len = n + tag;
  return 0;
}

int rtc_esrtp_unprotect_rtp(rtc_esrtp *s, uint8_t *p, size_t *len) {
  size_t n = *len, tag = s->gcm ? GCM_TAG : CM_TAG;
  if (n < 12 + tag || n > 65535) return RTC_SRTP_EARG;
  size_t hl = rtp_header_len(p, n - tag);
  if (!hl) return RTC_SRTP_EARG;
  uint32_t ssrc = rd32(p + 8);
  uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
  /* A stream is made only once a packet of it authenticates: forged packets with made-up
   * SSRCs must not fill the table. Until then a blank one stands in. */
  stream blank = {.ssrc = ssrc}, *st = find(&s->in, ssrc, 0);
  if (!st) st = &blank;
  int64_t guess = guess_roc(st, seq);
  if (guess < 0 || guess > 0xFFFFFFFFll) return RTC_SRTP_EREPLAY;
  uint32_t roc = (uint32_t)guess;
  uint64_t idx = (uint64_t)roc << 16 | seq;
  int rc = window_check(&st->rtp_win, idx);
  if (rc) return rc;
  size_t body = n - tag - hl;
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(iv, s->in.rtp_salt, ssrc, roc, seq, 0);
    rc = gcm_crypt(s->in.rtp_c, 0, iv, p, hl, NULL, 0, p + hl, body, p + n - tag);
    if (rc) return rc == RTC_SRTP_EAUTH ? rc : RTC_SRTP_EFAIL;
  } else {
    uint8_t mac[20], r[4];
    wr32(r, roc);
    if (cm_tag(s->in.rtp_mac, p, n - tag, r, 4, mac) < 0) return RTC_SRTP_EFAIL;
    if (CRYPTO_memcmp(mac, p + n - tag, CM_TAG) != 0) return RTC_SRTP_EAUTH;
    if (cm_crypt(s->in.rtp_c, s->in.rtp_salt, ssrc, idx, p + hl, body) < 0) return RTC_SRTP_EFAIL;
  }
  if (st == &blank && !(st = find(&s->in, ssrc, 1))) return RTC_SRTP_EFAIL;
  window_add(&st->rtp_win, idx);
  advance(st, roc, seq);
  *len = n - tag;
  return 0;
}

/* ---- RTCP ---- */

int rtc_esrtp_protect_rtcp(rtc_esrtp *s, uint8_t *p, size_t *len, size_t cap) {
  size_t n = *len, tag = s->gcm ? GCM_TAG : CM_TAG;
  if (n < 8 || n > 65535 || cap < n + 4 + tag || p[0] >> 6 != 2) return RTC_SRTP_EARG;
  uint32_t ssrc = rd32(p + 4);
  stream *st = find(&s->out, ssrc, 1);
  if (!st) return RTC_SRTP_EFAIL;
  uint32_t index = st->rtcp_index = (st->rtcp_index + 1) & 0x7FFFFFFF;
  uint8_t e[4];
  wr32(e, 0x80000000u | index); /* E: encrypted */
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(iv, s->out.rtcp_salt, ssrc, index, 0, 1);
    if (gcm_crypt(s->out.rtcp_c, 1, iv, p, 8, e, 4, p + 8, n - 8, p + n) < 0) return RTC_SRTP_EFAIL;
    memcpy(p + n + GCM_TAG, e, 4);
  } else {
    uint8_t mac[20];
    if (cm_crypt(s->out.rtcp_c, s->out.rtcp_salt, ssrc, index, p + 8, n - 8) < 0)
      return RTC_SRTP_EFAIL;
    memcpy(p + n, e, 4);
    if (cm_tag(s->out.rtcp_mac, p, n + 4, NULL, 0, mac) < 0) return RTC_SRTP_EFAIL;
    memcpy(p + n + 4, mac, CM_TAG);
  }
  *len = n + 4 + tag;
  return 0;
}

int rtc_esrtp_unprotect_rtcp(rtc_esrtp *s, uint8_t *p, size_t *len) {
  size_t n = *len, tag = s->gcm ? GCM_TAG : CM_TAG;
  if (n < 8 + 4 + tag || n > 65535 || p[0] >> 6 != 2) return RTC_SRTP_EARG;
  uint32_t ssrc = rd32(p + 4);
  /* CM: header || body || E+index || tag. GCM: header || body || tag || E+index. */
  const uint8_t *e = s->gcm ? p + n - 4 : p + n - tag - 4;
  uint32_t ew = rd32(e), index = ew & 0x7FFFFFFF;
  int encrypted = ew >> 31;
  stream blank = {.ssrc = ssrc}, *st = find(&s->in, ssrc, 0); /* see unprotect_rtp */
  if (!st) st = &blank;
  int rc = window_check(&st->rtcp_win, index);
  if (rc) return rc;
  size_t body = n - 8 - 4 - tag;
  if (s->gcm) {
    uint8_t iv[12], ecopy[4], t[16];
    memcpy(ecopy, e, 4);
    memcpy(t, p + 8 + body, 16);
    gcm_iv(iv, s->in.rtcp_salt, ssrc, index, 0, 1);
    /* Unencrypted SRTCP under GCM (E = 0) authenticates the body as AAD; not used by
     * browsers, so it is refused rather than half supported. */
    if (!encrypted) return RTC_SRTP_EFAIL;
    rc = gcm_crypt(s->in.rtcp_c, 0, iv, p, 8, ecopy, 4, p + 8, body, t);
    if (rc) return rc == RTC_SRTP_EAUTH ? rc : RTC_SRTP_EFAIL;
  } else {
    uint8_t mac[20];
    if (cm_tag(s->in.rtcp_mac, p, n - tag, NULL, 0, mac) < 0) return RTC_SRTP_EFAIL;
    if (CRYPTO_memcmp(mac, p + n - tag, CM_TAG) != 0) return RTC_SRTP_EAUTH;
    if (encrypted && cm_crypt(s->in.rtcp_c, s->in.rtcp_salt, ssrc, index, p + 8, body) < 0)
      return RTC_SRTP_EFAIL;
  }
  if (st == &blank && !(st = find(&s->in, ssrc, 1))) return RTC_SRTP_EFAIL;
  window_add(&st->rtcp_win, index);
  *len = n - 4 - tag;
  return 0;
}
