/* STUN parser and builder (see stun.h). */
#include "rtc/stun.h"
#include "rtc/be.h"

#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define FINGERPRINT_XOR 0x5354554eu
#define INTEGRITY_LEN 20


const char *stun_strerror(int err) {
  switch (err) {
    case 0:
      return "ok";
    case STUN_ESHORT:
      return "truncated";
    case STUN_ENOTSTUN:
      return "not STUN";
    case STUN_ETOOBIG:
      return "too long";
    case STUN_EATTR:
      return "bad attribute";
    case STUN_EDUP:
      return "duplicate attribute";
    case STUN_EORDER:
      return "FINGERPRINT not last";
    case STUN_EFINGERPRINT:
      return "bad FINGERPRINT";
    case STUN_EINTEGRITY:
      return "bad MESSAGE-INTEGRITY";
    case STUN_ESPACE:
      return "buffer full";
    case STUN_EARG:
      return "bad argument";
    default:
      return "unknown error";
  }
}

/* CRC-32 by a 256-entry table, built by a constructor before main so that worker threads only
 * ever read it. */
static uint32_t crc_table[256];
__attribute__((constructor)) static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

uint32_t stun_crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

int stun_looks_like(const uint8_t *p, size_t n) {
  return n >= STUN_HEADER_LEN && p[0] < 4 && rd32(p + 4) == STUN_MAGIC;
}

/* The exact value size of each attribute we interpret; -1 = variable (checked by its decoder). */
static int known_size(uint16_t type) {
  switch (type) {
    case STUN_ATTR_MESSAGE_INTEGRITY:
      return INTEGRITY_LEN;
    case STUN_ATTR_FINGERPRINT:
    case STUN_ATTR_PRIORITY:
      return 4;
    case STUN_ATTR_ICE_CONTROLLED:
    case STUN_ATTR_ICE_CONTROLLING:
      return 8;
    case STUN_ATTR_USE_CANDIDATE:
      return 0;
    case STUN_ATTR_USERNAME:
    case STUN_ATTR_ERROR_CODE:
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
      return -1;
    default:
      return -2; /* not interpreted */
  }
}

static int decode_xor_addr(stun_msg *m, const uint8_t *v, uint16_t len) {
  if (len < 4 || v[0] != 0) return STUN_EATTR;
  uint16_t port = rd16(v + 2) ^ (uint16_t)(STUN_MAGIC >> 16);
  memset(&m->xor_mapped, 0, sizeof m->xor_mapped);
  if (v[1] == 0x01 && len == 8) {
    struct sockaddr_in *s = (struct sockaddr_in *)&m->xor_mapped;
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    s->sin_addr.s_addr = htonl(rd32(v + 4) ^ STUN_MAGIC);
  } else if (v[1] == 0x02 && len == 20) {
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)&m->xor_mapped;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    uint8_t key[16];
    wr32(key, STUN_MAGIC);
    memcpy(key + 4, m->tid, STUN_TID_LEN);
    for (int i = 0; i < 16; i++) s->sin6_addr.s6_addr[i] = v[4 + i] ^ key[i];
  } else {
    return STUN_EATTR;
  }
  m->has_xor_mapped = 1;
  return 0;
}

/* One attribute we interpret; `seen` holds bits for duplicates. */
static int take_attr(stun_msg *m, uint16_t type, const uint8_t *v, uint16_t len, size_t off,
                     uint32_t *seen) {
  int want = known_size(type);
  if (want >= 0 && len != want) return STUN_EATTR;
  if (want == -2) {
    /* Comprehension-required (0x0000-0x7FFF) attributes we do not know are remembered, so a
     * request can be answered 420 (RFC 5389 §7.3.1). */
    if (type < 0x8000 && m->n_unknown < STUN_MAX_UNKNOWN) m->unknown[m->n_unknown++] = type;
    return 0;
  }
  static const uint16_t order[] = {
      STUN_ATTR_MESSAGE_INTEGRITY, STUN_ATTR_FINGERPRINT,     STUN_ATTR_PRIORITY,
      STUN_ATTR_ICE_CONTROLLED,    STUN_ATTR_ICE_CONTROLLING, STUN_ATTR_USE_CANDIDATE,
      STUN_ATTR_USERNAME,          STUN_ATTR_ERROR_CODE,      STUN_ATTR_XOR_MAPPED_ADDRESS};
  for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
    if (order[i] == type) {
      if (*seen & (1u << i)) return STUN_EDUP;
      *seen |= 1u << i;
    }
  switch (type) {
    case STUN_ATTR_MESSAGE_INTEGRITY:
      m->integrity_off = off;
      break;
    case STUN_ATTR_FINGERPRINT:
      m->fingerprint_off = off;
      break;
    case STUN_ATTR_PRIORITY:
      m->priority = rd32(v);
      m->has_priority = 1;
      break;
    case STUN_ATTR_ICE_CONTROLLED:
    case STUN_ATTR_ICE_CONTROLLING:
      m->tiebreaker = (uint64_t)rd32(v) << 32 | rd32(v + 4);
      if (type == STUN_ATTR_ICE_CONTROLLED)
        m->ice_controlled = 1;
      else
        m->ice_controlling = 1;
      break;
    case STUN_ATTR_USE_CANDIDATE:
      m->use_candidate = 1;
      break;
    case STUN_ATTR_USERNAME:
      if (len == 0 || len > STUN_MAX_USERNAME) return STUN_EATTR;
      m->username = v;
      m->username_len = len;
      break;
    case STUN_ATTR_ERROR_CODE: {
      if (len < 4 || len > 4 + 763) return STUN_EATTR;
      int cls = v[2] & 0x7, num = v[3];
      if (cls < 3 || cls > 6 || num > 99) return STUN_EATTR;
      m->error_code = cls * 100 + num;
      m->has_error = 1;
      break;
    }
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
      return decode_xor_addr(m, v, len);
  }
  return 0;
}

int stun_parse(const uint8_t *p, size_t n, stun_msg *out) {
  if (!p || n < STUN_HEADER_LEN) return STUN_ESHORT;
  if (p[0] & 0xC0 || rd32(p + 4) != STUN_MAGIC) return STUN_ENOTSTUN;
  if (n > STUN_MAX_MSG) return STUN_ETOOBIG;
  uint16_t len = rd16(p + 2);
  if (len & 3 || (size_t)len + STUN_HEADER_LEN != n) return STUN_ENOTSTUN;
  stun_msg m;
  memset(&m, 0, sizeof m);
  m.type = rd16(p);
  m.length = len;
  memcpy(m.tid, p + 8, STUN_TID_LEN);
  m.raw = p;
  m.raw_len = n;
  uint32_t seen = 0;
  size_t off = STUN_HEADER_LEN;
  while (off < n) {
    if (n - off < 4) return STUN_ESHORT;
    uint16_t type = rd16(p + off), alen = rd16(p + off + 2);
    size_t padded = ((size_t)alen + 3) & ~(size_t)3;
    if (padded > n - off - 4) return STUN_ESHORT;
    if (m.fingerprint_off) return STUN_EORDER; /* something after FINGERPRINT */
    if (++m.n_attrs > STUN_MAX_ATTRS) return STUN_EATTR;
    /* After MESSAGE-INTEGRITY only FINGERPRINT counts; the rest is skipped unread. */
    if (!m.integrity_off || type == STUN_ATTR_FINGERPRINT) {
      int rc = take_attr(&m, type, p + off + 4, alen, off, &seen);
      if (rc) return rc;
    }
    off += 4 + padded;
  }
  *out = m;
  return 0;
}

/* HMAC-SHA1 over the message up to `end`, with the header's length field set to `hdr_len`.
 * `out` gets 20 bytes. The message is at most STUN_MAX_MSG, so a stack copy is cheap. */
static int integrity_of(const uint8_t *p, size_t end, uint16_t hdr_len, const uint8_t *key,
                        size_t key_len, uint8_t out[INTEGRITY_LEN]) {
  uint8_t tmp[STUN_MAX_MSG];
  if (end > sizeof tmp || end < STUN_HEADER_LEN || key_len > 1024) return -1;
  memcpy(tmp, p, end);
  wr16(tmp + 2, hdr_len);
  unsigned int olen = 0;
  static const uint8_t empty[1] = {0};
  if (!HMAC(EVP_sha1(), key_len ? key : empty, (int)key_len, tmp, end, out, &olen) ||
      olen != INTEGRITY_LEN)
    return -1;
  return 0;
}

int stun_check_integrity(const stun_msg *m, const uint8_t *key, size_t key_len) {
  if (!m->integrity_off) return STUN_EINTEGRITY;
  size_t off = m->integrity_off;
  uint8_t mac[INTEGRITY_LEN];
  if (integrity_of(m->raw, off, (uint16_t)(off + 4 + INTEGRITY_LEN - STUN_HEADER_LEN), key, key_len,
                   mac) < 0)
    return STUN_EINTEGRITY;
  return CRYPTO_memcmp(mac, m->raw + off + 4, INTEGRITY_LEN) == 0 ? 0 : STUN_EINTEGRITY;
}

int stun_check_fingerprint(const stun_msg *m) {
  if (!m->fingerprint_off) return 0;
  /* The parser guaranteed FINGERPRINT is last, so the header length already covers it. */
  uint32_t want = stun_crc32(m->raw, m->fingerprint_off) ^ FINGERPRINT_XOR;
  return rd32(m->raw + m->fingerprint_off + 4) == want ? 0 : STUN_EFINGERPRINT;
}

/* ---- builder ---- */

static void set_len(stun_builder *b) {
  wr16(b->buf + 2, (uint16_t)(b->len - STUN_HEADER_LEN));
}

void stun_build_init(stun_builder *b, uint8_t *buf, size_t cap, uint16_t type,
                     const uint8_t tid[STUN_TID_LEN]) {
  b->buf = buf;
  b->cap = cap < STUN_MAX_MSG ? cap : STUN_MAX_MSG;
  b->len = 0;
  b->err = 0;
  if (!buf || b->cap < STUN_HEADER_LEN || type & 0xC000) {
    b->err = buf ? STUN_ESPACE : STUN_EARG;
    return;
  }
  wr16(buf, type);
  wr16(buf + 2, 0);
  wr32(buf + 4, STUN_MAGIC);
  memcpy(buf + 8, tid, STUN_TID_LEN);
  b->len = STUN_HEADER_LEN;
}

/* Reserves an attribute of `len` value bytes (zero padding written); NULL on error. */
static uint8_t *reserve(stun_builder *b, uint16_t type, size_t len) {
  if (b->err) return NULL;
  size_t padded = (len + 3) & ~(size_t)3;
  if (len > 0xFFFF) {
    b->err = STUN_EARG;
    return NULL;
  }
  if (padded + 4 > b->cap - b->len) {
    b->err = STUN_ESPACE;
    return NULL;
  }
  uint8_t *a = b->buf + b->len;
  wr16(a, type);
  wr16(a + 2, (uint16_t)len);
  memset(a + 4 + len, 0, padded - len);
  b->len += 4 + padded;
  set_len(b);
  return a + 4;
}

void stun_build_attr(stun_builder *b, uint16_t type, const void *val, size_t len) {
  uint8_t *v = reserve(b, type, len);
  if (v && len) memcpy(v, val, len);
}

void stun_build_u32(stun_builder *b, uint16_t type, uint32_t v) {
  uint8_t *p = reserve(b, type, 4);
  if (p) wr32(p, v);
}

void stun_build_u64(stun_builder *b, uint16_t type, uint64_t v) {
  uint8_t *p = reserve(b, type, 8);
  if (!p) return;
  wr32(p, (uint32_t)(v >> 32));
  wr32(p + 4, (uint32_t)v);
}

void stun_build_xor_addr(stun_builder *b, uint16_t type, const struct sockaddr *sa) {
  if (b->err) return;
  if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
    b->err = STUN_EARG;
    return;
  }
  int v6 = sa->sa_family == AF_INET6;
  uint8_t *p = reserve(b, type, v6 ? 20 : 8);
  if (!p) return;
  p[0] = 0;
  p[1] = v6 ? 0x02 : 0x01;
  if (!v6) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
    wr16(p + 2, ntohs(s->sin_port) ^ (uint16_t)(STUN_MAGIC >> 16));
    wr32(p + 4, ntohl(s->sin_addr.s_addr) ^ STUN_MAGIC);
  } else {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
    wr16(p + 2, ntohs(s->sin6_port) ^ (uint16_t)(STUN_MAGIC >> 16));
    uint8_t key[16];
    wr32(key, STUN_MAGIC);
    memcpy(key + 4, b->buf + 8, STUN_TID_LEN);
    for (int i = 0; i < 16; i++) p[4 + i] = s->sin6_addr.s6_addr[i] ^ key[i];
  }
}

void stun_build_error(stun_builder *b, int code, const char *reason) {
  if (b->err) return;
  size_t rlen = reason ? strlen(reason) : 0;
  if (code < 300 || code > 699 || rlen > 763) {
    b->err = STUN_EARG;
    return;
  }
  uint8_t *p = reserve(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
  if (!p) return;
  p[0] = p[1] = 0;
  p[2] = (uint8_t)(code / 100);
  p[3] = (uint8_t)(code % 100);
  if (rlen) memcpy(p + 4, reason, rlen);
}

void stun_build_integrity(stun_builder *b, const uint8_t *key, size_t key_len) {
  size_t start = b->len;
  uint8_t *p = reserve(b, STUN_ATTR_MESSAGE_INTEGRITY, INTEGRITY_LEN);
  if (!p) return;
  /* The length field already covers this attribute (reserve updated it). */
  if (integrity_of(b->buf, start, (uint16_t)(b->len - STUN_HEADER_LEN), key, key_len, p) < 0)
    b->err = STUN_EARG;
}

void stun_build_fingerprint(stun_builder *b) {
  size_t start = b->len;
  uint8_t *p = reserve(b, STUN_ATTR_FINGERPRINT, 4);
  if (p) wr32(p, stun_crc32(b->buf, start) ^ FINGERPRINT_XOR);
}

int stun_build_finish(stun_builder *b) {
  return b->err ? b->err : (int)b->len;
}
