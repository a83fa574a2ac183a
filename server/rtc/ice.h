/* ice: the ICE-lite side of one transport (RFC 8445 §2.5, consent freshness RFC 7675).
 *
 * buzzd never sends checks: it answers Binding requests whose USERNAME is
 * "<our ufrag>:<their ufrag>" and whose MESSAGE-INTEGRITY verifies with our password, learns
 * the peer's addresses from those checks (peer-reflexive candidates; no remote candidates
 * from signaling are needed), and selects the address the controlling peer nominates
 * (USE-CANDIDATE), or the first one that checks before any nomination. Consent lasts
 * `consent_timeout_ms` after the last valid check on the selected address (RFC 7675: 30 s).
 *
 * Pure logic over parsed messages and a caller's clock: no sockets, no allocation. One
 * ice_lite belongs to one thread. */
#ifndef BZ_RTC_ICE_H
#define BZ_RTC_ICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rtc/stun.h"

#define ICE_UFRAG_MIN 4
#define ICE_UFRAG_MAX 32 /* ours; a peer's may be up to 256 (RFC 8839), only compared */
#define ICE_PWD_MIN 22
#define ICE_PWD_MAX 64
#define ICE_REMOTE_UFRAG_MAX 256
#define ICE_MAX_ADDRS 8 /* peer addresses remembered per transport */
#define ICE_CONSENT_TIMEOUT_MS 30000

typedef enum {
  ICE_NEW = 0,   /* no valid check yet */
  ICE_CONNECTED, /* an address is selected and consent is fresh */
  ICE_EXPIRED,   /* consent ran out (terminal) */
} ice_state;

typedef struct ice_lite {
  char ufrag[ICE_UFRAG_MAX + 1];
  char pwd[ICE_PWD_MAX + 1];
  char remote_ufrag[ICE_REMOTE_UFRAG_MAX + 1]; /* "" = accept any */
  size_t ufrag_len, pwd_len, remote_ufrag_len;
  struct sockaddr_storage addrs[ICE_MAX_ADDRS]; /* validated peer addresses */
  uint64_t addr_seen_ms[ICE_MAX_ADDRS];
  int n_addrs;
  int selected;        /* index into addrs, -1 = none */
  uint64_t consent_ms; /* last valid check on the selected address */
  uint32_t consent_timeout_ms;
  ice_state state;
  uint64_t checks_ok, checks_rejected;
} ice_lite;

enum {
  ICE_EARG = -1,       /* bad credentials at init */
  ICE_EUSER = -2,      /* USERNAME absent or not ours */
  ICE_EINTEGRITY = -3, /* MESSAGE-INTEGRITY absent or wrong (answered 400 / 401) */
  ICE_EFINGERPRINT = -4,
  ICE_ENOTREQ = -5,  /* not a Binding request */
  ICE_EUNKNOWN = -6, /* unknown comprehension-required attribute (answered 420) */
  ICE_EROLE = -7,    /* the peer claims to be controlled too (answered 487) */
  ICE_EEXPIRED = -8, /* consent already expired: nothing is answered */
};

/* Fields of ice_on_request's result. */
typedef struct ice_result {
  int response_len;     /* bytes of response written to out; 0 = send nothing */
  int selected_changed; /* the selected address is new (or changed) */
  int error;            /* 0 or ICE_E* (a rejected check may still carry a response) */
} ice_result;

/* Our ufrag (4..32 chars of [A-Za-z0-9+/]) and password (22..64 of the same), and the peer's
 * ufrag ("" or NULL = not known yet, any is accepted). 0 or ICE_EARG. */
int ice_lite_init(ice_lite *a, const char *ufrag, const char *pwd, const char *remote_ufrag,
                  uint32_t consent_timeout_ms);
/* Splits a request's USERNAME "L:R": points *ufrag at L. 0, or ICE_EUSER when there is no
 * USERNAME or no ':' (or L is empty or too long). */
int ice_username_local(const stun_msg *m, const uint8_t **ufrag, size_t *len);
/* Handles a parsed message received from `from` at now_ms; a response (success or error,
 * with MESSAGE-INTEGRITY and FINGERPRINT where RFC 5389 wants them) goes to out[cap]. */
ice_result ice_lite_on_request(ice_lite *a, const stun_msg *m, const struct sockaddr *from,
                               uint64_t now_ms, uint8_t *out, size_t cap);
/* Advances consent: returns 1 when it has just expired (state becomes ICE_EXPIRED). */
int ice_lite_tick(ice_lite *a, uint64_t now_ms);
/* The selected address, or NULL. */
const struct sockaddr *ice_lite_selected(const ice_lite *a);
/* 1 when `from` passed a check (DTLS and SRTP are accepted only from such addresses). */
int ice_lite_knows(const ice_lite *a, const struct sockaddr *from);
const char *ice_strerror(int err);

#endif
