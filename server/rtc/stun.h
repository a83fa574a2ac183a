/* stun: RFC 5389 messages, as far as ICE (RFC 8445) and consent freshness (RFC 7675) use them.
 *
 * The parser is a function over (p, n) that checks every length before it reads: a datagram is
 * one whole message (header length + 20 == n), attributes are bounded in number and size, the
 * known attributes have their exact sizes, FINGERPRINT is last, and attributes after
 * MESSAGE-INTEGRITY other than FINGERPRINT are ignored (RFC 5389 §15.4). Parsed pointers point
 * into the caller's buffer, which must outlive the stun_msg.
 *
 * The builder writes into a caller's buffer and never overruns it: an attribute that does not
 * fit sets an error that stun_build_finish reports. */
#ifndef BZ_RTC_STUN_H
#define BZ_RTC_STUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STUN_HEADER_LEN 20
#define STUN_MAGIC 0x2112A442u
#define STUN_MAX_MSG 1500     /* longest message accepted or built (bytes) */
#define STUN_MAX_ATTRS 32     /* attributes in one message */
#define STUN_MAX_USERNAME 513 /* RFC 5389 §15.3 (bytes) */
#define STUN_MAX_UNKNOWN 8    /* comprehension-required unknown attributes remembered */
#define STUN_TID_LEN 12

/* Classes and the one method ICE uses. A message type is method | class bits. */
enum {
  STUN_CLASS_REQUEST = 0x0000,
  STUN_CLASS_INDICATION = 0x0010,
  STUN_CLASS_SUCCESS = 0x0100,
  STUN_CLASS_ERROR = 0x0110,
  STUN_METHOD_BINDING = 0x0001,
};
#define STUN_BINDING_REQUEST (STUN_METHOD_BINDING | STUN_CLASS_REQUEST)
#define STUN_BINDING_SUCCESS (STUN_METHOD_BINDING | STUN_CLASS_SUCCESS)
#define STUN_BINDING_ERROR (STUN_METHOD_BINDING | STUN_CLASS_ERROR)
#define STUN_BINDING_INDICATION (STUN_METHOD_BINDING | STUN_CLASS_INDICATION)

enum {
  STUN_ATTR_MAPPED_ADDRESS = 0x0001,
  STUN_ATTR_USERNAME = 0x0006,
  STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
  STUN_ATTR_ERROR_CODE = 0x0009,
  STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
  STUN_ATTR_REALM = 0x0014,
  STUN_ATTR_NONCE = 0x0015,
  STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
  STUN_ATTR_PRIORITY = 0x0024,
  STUN_ATTR_USE_CANDIDATE = 0x0025,
  STUN_ATTR_SOFTWARE = 0x8022,
  STUN_ATTR_ALTERNATE_SERVER = 0x8023,
  STUN_ATTR_FINGERPRINT = 0x8028,
  STUN_ATTR_ICE_CONTROLLED = 0x8029,
  STUN_ATTR_ICE_CONTROLLING = 0x802A,
  STUN_ATTR_GOOG_NETWORK_INFO = 0xC057, /* Chromium sends it; comprehension-optional */
};

/* Errors (negative). */
enum {
  STUN_ESHORT = -1,   /* shorter than a header, or an attribute runs past the end */
  STUN_ENOTSTUN = -2, /* first two bits, magic cookie or length do not fit STUN */
  STUN_ETOOBIG = -3,  /* longer than STUN_MAX_MSG */
  STUN_EATTR = -4,    /* a known attribute has the wrong size, or too many attributes */
  STUN_EDUP = -5,     /* a known attribute appears twice */
  STUN_EORDER = -6,   /* FINGERPRINT is not last */
  STUN_EFINGERPRINT = -7,
  STUN_EINTEGRITY = -8, /* MESSAGE-INTEGRITY absent or wrong */
  STUN_ESPACE = -9,     /* builder: the buffer is full */
  STUN_EARG = -10,      /* builder: a bad argument (address family, length) */
};
const char *stun_strerror(int err);

typedef struct stun_msg {
  uint16_t type;   /* method | class */
  uint16_t length; /* header length field: bytes after the header */
  uint8_t tid[STUN_TID_LEN];
  const uint8_t *raw; /* the whole message (the parser's input) */
  size_t raw_len;
  const uint8_t *username; /* NULL when absent; not NUL-terminated */
  uint16_t username_len;
  size_t integrity_off;   /* offset of the MESSAGE-INTEGRITY attribute; 0 = absent */
  size_t fingerprint_off; /* offset of the FINGERPRINT attribute; 0 = absent */
  uint32_t priority;
  uint64_t tiebreaker; /* ICE-CONTROLLING or ICE-CONTROLLED value */
  unsigned has_priority : 1, use_candidate : 1, ice_controlling : 1, ice_controlled : 1,
      has_error : 1, has_xor_mapped : 1;
  int error_code;                     /* 300..699 when has_error */
  struct sockaddr_storage xor_mapped; /* decoded XOR-MAPPED-ADDRESS */
  uint16_t unknown[STUN_MAX_UNKNOWN]; /* comprehension-required attributes we do not know */
  int n_unknown;
  int n_attrs;
} stun_msg;

/* 1 when the bytes may be a STUN message (RFC 7983: first byte 0..3 and the magic cookie). */
int stun_looks_like(const uint8_t *p, size_t n);
/* Parses one whole message. Returns 0 or a STUN_E* code; *m is filled only on success. */
int stun_parse(const uint8_t *p, size_t n, stun_msg *m);
/* Checks MESSAGE-INTEGRITY (HMAC-SHA1, short-term credential: key = password). 0 or
 * STUN_EINTEGRITY (absent or wrong). Constant-time compare. */
int stun_check_integrity(const stun_msg *m, const uint8_t *key, size_t key_len);
/* Checks FINGERPRINT when present: 0, or STUN_EFINGERPRINT. Absent is 0; callers that require
 * it test m->fingerprint_off. */
int stun_check_fingerprint(const stun_msg *m);
/* CRC-32 (ISO-HDLC, the zlib one) of p[0..n). */
uint32_t stun_crc32(const uint8_t *p, size_t n);

typedef struct stun_builder {
  uint8_t *buf;
  size_t cap; /* at most STUN_MAX_MSG is used */
  size_t len;
  int err; /* first error, 0 when none */
} stun_builder;

void stun_build_init(stun_builder *b, uint8_t *buf, size_t cap, uint16_t type,
                     const uint8_t tid[STUN_TID_LEN]);
void stun_build_attr(stun_builder *b, uint16_t type, const void *val, size_t len);
void stun_build_u32(stun_builder *b, uint16_t type, uint32_t v);
void stun_build_u64(stun_builder *b, uint16_t type, uint64_t v);
/* XOR-MAPPED-ADDRESS (or any address attribute in its XOR form) of an AF_INET / AF_INET6
 * address. */
void stun_build_xor_addr(stun_builder *b, uint16_t type, const struct sockaddr *sa);
void stun_build_error(stun_builder *b, int code, const char *reason);
/* MESSAGE-INTEGRITY over everything so far; then only FINGERPRINT may follow. */
void stun_build_integrity(stun_builder *b, const uint8_t *key, size_t key_len);
void stun_build_fingerprint(stun_builder *b);
/* The message length, or the first error. */
int stun_build_finish(stun_builder *b);

#endif
