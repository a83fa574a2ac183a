/* ICE-lite connectivity-check answering and consent freshness (see ice.h). */
#include "rtc/ice.h"

#include <netinet/in.h>
#include <string.h>

#include "rtc/map.h"

static const char SOFTWARE[] = "buzzd";

const char *ice_strerror(int err) {
  switch (err) {
    case 0:
      return "ok";
    case ICE_EARG:
      return "bad ICE credentials";
    case ICE_EUSER:
      return "unknown USERNAME";
    case ICE_EINTEGRITY:
      return "bad MESSAGE-INTEGRITY";
    case ICE_EFINGERPRINT:
      return "bad FINGERPRINT";
    case ICE_ENOTREQ:
      return "not a Binding request";
    case ICE_EUNKNOWN:
      return "unknown comprehension-required attribute";
    case ICE_EROLE:
      return "role conflict";
    case ICE_EEXPIRED:
      return "consent expired";
    default:
      return "unknown error";
  }
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839). */
static int ice_chars(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/'))
      return 0;
  }
  return 1;
}

int ice_lite_init(ice_lite *a, const char *ufrag, const char *pwd, const char *remote_ufrag,
                  uint32_t consent_timeout_ms) {
  memset(a, 0, sizeof *a);
  a->selected = -1;
  if (!ufrag || !pwd) return ICE_EARG;
  size_t u = strlen(ufrag), p = strlen(pwd), r = remote_ufrag ? strlen(remote_ufrag) : 0;
  if (u < ICE_UFRAG_MIN || u > ICE_UFRAG_MAX || !ice_chars(ufrag, u)) return ICE_EARG;
  if (p < ICE_PWD_MIN || p > ICE_PWD_MAX || !ice_chars(pwd, p)) return ICE_EARG;
  if (r > ICE_REMOTE_UFRAG_MAX || !ice_chars(remote_ufrag ? remote_ufrag : "", r)) return ICE_EARG;
  memcpy(a->ufrag, ufrag, u + 1);
  memcpy(a->pwd, pwd, p + 1);
  if (r) memcpy(a->remote_ufrag, remote_ufrag, r + 1);
  a->ufrag_len = u;
  a->pwd_len = p;
  a->remote_ufrag_len = r;
  a->consent_timeout_ms = consent_timeout_ms ? consent_timeout_ms : ICE_CONSENT_TIMEOUT_MS;
  return 0;
}

int ice_username_local(const stun_msg *m, const uint8_t **ufrag, size_t *len) {
  if (!m->username) return ICE_EUSER;
  const uint8_t *colon = memchr(m->username, ':', m->username_len);
  if (!colon || colon == m->username || (size_t)(colon - m->username) > ICE_UFRAG_MAX)
    return ICE_EUSER;
  *ufrag = m->username;
  *len = (size_t)(colon - m->username);
  return 0;
}

/* USERNAME must be exactly "<ours>:<theirs>" (theirs checked when known). */
static int username_ok(const ice_lite *a, const stun_msg *m) {
  const uint8_t *u;
  size_t n;
  if (ice_username_local(m, &u, &n) < 0) return 0;
  if (n != a->ufrag_len || memcmp(u, a->ufrag, n) != 0) return 0;
  size_t rest = m->username_len - n - 1;
  if (!a->remote_ufrag_len) return rest > 0;
  return rest == a->remote_ufrag_len && memcmp(u + n + 1, a->remote_ufrag, rest) == 0;
}

static int build_error(const ice_lite *a, const stun_msg *m, int code, const char *reason,
                       int with_integrity, uint8_t *out, size_t cap) {
  stun_builder b;
  stun_build_init(&b, out, cap, STUN_BINDING_ERROR, m->tid);
  stun_build_error(&b, code, reason);
  if (code == 420) {
    uint8_t list[2 * STUN_MAX_UNKNOWN];
    for (int i = 0; i < m->n_unknown; i++) {
      list[2 * i] = (uint8_t)(m->unknown[i] >> 8);
      list[2 * i + 1] = (uint8_t)m->unknown[i];
    }
    stun_build_attr(&b, STUN_ATTR_UNKNOWN_ATTRIBUTES, list, 2 * (size_t)m->n_unknown);
  }
  stun_build_attr(&b, STUN_ATTR_SOFTWARE, SOFTWARE, sizeof SOFTWARE - 1);
  if (with_integrity) stun_build_integrity(&b, (const uint8_t *)a->pwd, a->pwd_len);
  stun_build_fingerprint(&b);
  int n = stun_build_finish(&b);
  return n > 0 ? n : 0;
}

static int build_success(const ice_lite *a, const stun_msg *m, const struct sockaddr *from,
                         uint8_t *out, size_t cap) {
  stun_builder b;
  stun_build_init(&b, out, cap, STUN_BINDING_SUCCESS, m->tid);
  stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, from);
  stun_build_integrity(&b, (const uint8_t *)a->pwd, a->pwd_len);
  stun_build_fingerprint(&b);
  int n = stun_build_finish(&b);
  return n > 0 ? n : 0;
}

/* Remembers `from` as validated; returns its index (the oldest one is replaced when full,
 * never the selected one). */
static int remember(ice_lite *a, const struct sockaddr *from, uint64_t now_ms) {
  for (int i = 0; i < a->n_addrs; i++)
    if (rtc_addr_equal((const struct sockaddr *)&a->addrs[i], from)) {
      a->addr_seen_ms[i] = now_ms;
      return i;
    }
  int slot = a->n_addrs;
  if (slot == ICE_MAX_ADDRS) {
    slot = -1;
    for (int i = 0; i < ICE_MAX_ADDRS; i++)
      if (i != a->selected && (slot < 0 || a->addr_seen_ms[i] < a->addr_seen_ms[slot])) slot = i;
  } else {
    a->n_addrs++;
  }
  size_t len =
      from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  memset(&a->addrs[slot], 0, sizeof a->addrs[slot]);
  memcpy(&a->addrs[slot], from, len);
  a->addr_seen_ms[slot] = now_ms;
  return slot;
}

static ice_result reject(ice_lite *a, int err, int len) {
  a->checks_rejected++;
  return (ice_result){.response_len = len, .error = err};
}

ice_result ice_lite_on_request(ice_lite *a, const stun_msg *m, const struct sockaddr *from,
                               uint64_t now_ms, uint8_t *out, size_t cap) {
  if (m->type != STUN_BINDING_REQUEST) return reject(a, ICE_ENOTREQ, 0);
  if (a->state == ICE_EXPIRED) return reject(a, ICE_EEXPIRED, 0);
  /* A bad FINGERPRINT means "not STUN" for ICE (RFC 8445 §7.3): silently discarded. */
  if (stun_check_fingerprint(m) < 0) return reject(a, ICE_EFINGERPRINT, 0);
  if (from->sa_family != AF_INET && from->sa_family != AF_INET6) return reject(a, ICE_EARG, 0);
  if (!m->integrity_off || !m->username)
    return reject(a, ICE_EINTEGRITY, build_error(a, m, 400, "Bad Request", 0, out, cap));
  if (!username_ok(a, m) || stun_check_integrity(m, (const uint8_t *)a->pwd, a->pwd_len) < 0)
    return reject(a, ICE_EINTEGRITY, build_error(a, m, 401, "Unauthorized", 0, out, cap));
  if (m->n_unknown)
    return reject(a, ICE_EUNKNOWN, build_error(a, m, 420, "Unknown Attribute", 1, out, cap));
  /* We are lite, hence always controlled: a peer that is controlled too must switch. */
  if (m->ice_controlled && !m->ice_controlling)
    return reject(a, ICE_EROLE, build_error(a, m, 487, "Role Conflict", 1, out, cap));
  a->checks_ok++;
  int idx = remember(a, from, now_ms);
  ice_result r = {.response_len = build_success(a, m, from, out, cap)};
  if (m->use_candidate || a->selected < 0) {
    r.selected_changed = a->selected != idx;
    a->selected = idx;
    a->state = ICE_CONNECTED;
  }
  if (idx == a->selected) a->consent_ms = now_ms;
  return r;
}

int ice_lite_tick(ice_lite *a, uint64_t now_ms) {
  if (a->state != ICE_CONNECTED) return 0;
  if (now_ms < a->consent_ms || now_ms - a->consent_ms <= a->consent_timeout_ms) return 0;
  a->state = ICE_EXPIRED;
  a->selected = -1;
  return 1;
}

const struct sockaddr *ice_lite_selected(const ice_lite *a) {
  return a->selected >= 0 ? (const struct sockaddr *)&a->addrs[a->selected] : NULL;
}

int ice_lite_knows(const ice_lite *a, const struct sockaddr *from) {
  for (int i = 0; i < a->n_addrs; i++)
    if (rtc_addr_equal((const struct sockaddr *)&a->addrs[i], from)) return 1;
  return 0;
}
