/* libFuzzer target for the STUN parser and the ICE-lite answerer (server/rtc/stun.c, ice.c).
 *
 * The input is one datagram. It is parsed; a parsed message has its FINGERPRINT and
 * MESSAGE-INTEGRITY checked (the key is fixed), and is handed to an ICE-lite agent whose
 * ufrag is "fuzz" (so seeds with USERNAME "fuzz:..." reach the answering code). Properties
 * beyond "no crash": every pointer the parser returns lies inside the input, and every
 * response the agent writes is itself a valid STUN message with a good FINGERPRINT. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/ice.h"
#include "rtc/stun.h"

#define PWD "fuzzpassword0123456789"

static void inside(const uint8_t *p, size_t n, const uint8_t *q, size_t len) {
  if (q < p || q + len > p + n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  stun_msg m;
  (void)stun_looks_like(data, size);
  if (stun_parse(data, size, &m) != 0) return 0;
  /* Anything that parses has the top two bits clear, the cookie and a matching length. */
  if (data[0] & 0xC0 || data[4] != 0x21 || size != (size_t)m.length + STUN_HEADER_LEN) abort();
  if (m.username) inside(data, size, m.username, m.username_len);
  if (m.integrity_off) inside(data, size, data + m.integrity_off, 24);
  if (m.fingerprint_off) inside(data, size, data + m.fingerprint_off, 8);
  if (m.n_unknown > STUN_MAX_UNKNOWN || m.n_attrs > STUN_MAX_ATTRS) abort();
  (void)stun_check_fingerprint(&m);
  (void)stun_check_integrity(&m, (const uint8_t *)PWD, strlen(PWD));

  static ice_lite a;
  if (ice_lite_init(&a, "fuzz", PWD, NULL, 1000) != 0) abort();
  struct sockaddr_in6 from = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
  from.sin6_addr.s6_addr[15] = 1;
  uint8_t out[STUN_MAX_MSG];
  ice_result r = ice_lite_on_request(&a, &m, (struct sockaddr *)&from, 5, out, sizeof out);
  if (r.response_len < 0 || r.response_len > (int)sizeof out) abort();
  if (r.response_len > 0) {
    stun_msg resp;
    if (stun_parse(out, (size_t)r.response_len, &resp) != 0) abort();
    if (stun_check_fingerprint(&resp) != 0 || !resp.fingerprint_off) abort();
    if (memcmp(resp.tid, m.tid, STUN_TID_LEN) != 0) abort();
  }
  if (r.error == 0 && !ice_lite_knows(&a, (struct sockaddr *)&from)) abort();
  (void)ice_lite_tick(&a, 10000);
  return 0;
}
