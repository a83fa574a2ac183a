/* Small helpers of the signaling core: randomness, encodings, UTF-8, password hashing. */
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "util/log.h"

int sig__random(sig_ctx *ctx, uint8_t *buf, size_t n) {
  if (ctx->rand) return ctx->rand(ctx->rand_user, buf, n);
  return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

void sig__set_rand(sig_ctx *ctx, sig_rand_fn fn, void *user) {
  ctx->rand = fn;
  ctx->rand_user = user;
}

void sig__set_argon2_cost(sig_ctx *ctx, uint32_t t_cost, uint32_t m_kib) {
  ctx->argon_t = t_cost;
  ctx->argon_m_kib = m_kib;
}

void sig__b64url(const uint8_t *in, size_t n, char *out) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = tbl[(v >> 18) & 63];
    out[o++] = tbl[(v >> 12) & 63];
    if (i + 1 < n) out[o++] = tbl[(v >> 6) & 63];
    if (i + 2 < n) out[o++] = tbl[v & 63];
  }
  out[o] = '\0';
}

void sig__sha256_hex(const char *s, char out[65]) {
  unsigned char md[32];
  unsigned int len = 0;
  if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1 || len != 32) {
    memset(out, '0', 64); /* never matches a real digest's hex of a token (checked by caller) */
    out[64] = '\0';
    return;
  }
  for (int i = 0; i < 32; i++) {
    out[2 * i] = "0123456789abcdef"[md[i] >> 4];
    out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
  }
  out[64] = '\0';
}

/* Length of the UTF-8 sequence at s[0..n) and its code point, or 0 when invalid. */
static size_t utf8_one(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char c = s[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    v = c & 0x1f;
    min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    v = c & 0x0f;
    min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    v = c & 0x07;
    min = 0x10000;
  } else
    return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

long sig__utf8_chars(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  long count = 0;
  uint32_t cp;
  for (size_t i = 0; i < n; count++) {
    size_t k = utf8_one(u + i, n - i, &cp);
    if (k == 0) return -1;
    i += k;
  }
  return count;
}

int sig__check_name(const char *s, size_t n, int max_chars) {
  const unsigned char *u = (const unsigned char *)s;
  long count = 0;
  uint32_t cp;
  for (size_t i = 0; i < n; count++) {
    size_t k = utf8_one(u + i, n - i, &cp);
    if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return SIG_PE_BAD_MESSAGE;
    i += k;
  }
  if (count == 0) return SIG_PE_BAD_MESSAGE;
  return count > max_chars ? SIG_PE_FIELD_TOO_LONG : 0;
}

int sig__pw_hash_raw(uint32_t t_cost, uint32_t m_kib, const uint8_t salt[16], const char *pw,
                     char **out) {
  *out = NULL;
  size_t elen = argon2_encodedlen(t_cost, m_kib, 1, 16, 32, Argon2_id);
  char *enc = malloc(elen);
  if (!enc) return SIG_ENOMEM;
  int rc = argon2id_hash_encoded(t_cost, m_kib, 1, pw, strlen(pw), salt, 16, 32, enc, elen);
  if (rc != ARGON2_OK) { /* no logging here: this runs on a worker thread; the caller logs */
    free(enc);
    return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? SIG_ENOMEM : SIG_EINVAL;
  }
  *out = enc;
  return SIG_OK;
}

/* 1 when pw matches the encoded argon2id hash; 0 otherwise (including a corrupt hash). */
int sig__pw_verify(const char *hash, const char *pw) {
  return argon2id_verify(hash, pw, strlen(pw)) == ARGON2_OK;
}

int sig__check_password(const char *s, size_t n) {
  long chars = sig__utf8_chars(s, n);
  if (chars < 1 || memchr(s, '\0', n)) return SIG_PE_BAD_MESSAGE;
  return chars > SIG_PASSWORD_MAX ? SIG_PE_FIELD_TOO_LONG : 0;
}

/* Stored hashes come from a file: refuse argon2 parameters that would let an edited database
 * make every join allocate gigabytes or spin for seconds. */
int sig__pw_hash_sane(const char *enc) {
  unsigned v = 0, m = 0, t = 0, p = 0;
  int end = 0;
  if (sscanf(enc, "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &v, &m, &t, &p, &end) != 4 || end == 0)
    return 0;
  return v == ARGON2_VERSION_13 && m >= 8 && m <= 262144 && t >= 1 && t <= 16 && p >= 1 && p <= 8;
}
