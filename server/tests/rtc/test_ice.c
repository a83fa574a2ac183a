/* ICE-lite: answering checks, learning and selecting addresses, consent, rejections; and the
 * small hash map the workers use. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rtc/ice.h"
#include "rtc/map.h"
#include "tests.h"

#define UFRAG "srvU"
#define PWD "serverpassword0123456789"
#define PEER "peerU"

static struct sockaddr_in addr4(const char *ip, int port) {
  struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, ip, &s.sin_addr);
  return s;
}

/* A check as Chromium sends it: USERNAME, PRIORITY, ICE-CONTROLLING, [USE-CANDIDATE],
 * MESSAGE-INTEGRITY, FINGERPRINT. */
static int make_check(uint8_t *buf, size_t cap, const char *user, const char *pwd, int nominate,
                      int controlled, uint8_t tid0) {
  uint8_t tid[STUN_TID_LEN] = {tid0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  stun_builder b;
  stun_build_init(&b, buf, cap, STUN_BINDING_REQUEST, tid);
  stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user));
  stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
  stun_build_u64(&b, controlled ? STUN_ATTR_ICE_CONTROLLED : STUN_ATTR_ICE_CONTROLLING, 42);
  if (nominate) stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
  if (pwd) stun_build_integrity(&b, (const uint8_t *)pwd, strlen(pwd));
  stun_build_fingerprint(&b);
  return stun_build_finish(&b);
}

static ice_result send_check(ice_lite *a, const char *user, const char *pwd, int nominate,
                             const struct sockaddr_in *from, uint64_t now, stun_msg *resp) {
  uint8_t req[256], out[STUN_MAX_MSG];
  int n = make_check(req, sizeof req, user, pwd, nominate, 0, (uint8_t)now);
  assert_true(n > 0);
  stun_msg m;
  assert_int_equal(stun_parse(req, (size_t)n, &m), 0);
  ice_result r = ice_lite_on_request(a, &m, (const struct sockaddr *)from, now, out, sizeof out);
  static uint8_t keep[STUN_MAX_MSG];
  if (r.response_len > 0 && resp) {
    memcpy(keep, out, (size_t)r.response_len);
    assert_int_equal(stun_parse(keep, (size_t)r.response_len, resp), 0);
    assert_memory_equal(resp->tid, m.tid, STUN_TID_LEN);
    assert_int_equal(stun_check_fingerprint(resp), 0);
  }
  return r;
}

static void test_init_rejects(void **state) {
  (void)state;
  ice_lite a;
  assert_int_equal(ice_lite_init(&a, "abc", PWD, NULL, 0), ICE_EARG);     /* ufrag < 4 */
  assert_int_equal(ice_lite_init(&a, UFRAG, "short", NULL, 0), ICE_EARG); /* pwd < 22 */
  assert_int_equal(ice_lite_init(&a, "ab:cd", PWD, NULL, 0), ICE_EARG);   /* ':' */
  assert_int_equal(ice_lite_init(&a, NULL, PWD, NULL, 0), ICE_EARG);
  char longu[40];
  memset(longu, 'u', sizeof longu - 1);
  longu[sizeof longu - 1] = '\0';
  assert_int_equal(ice_lite_init(&a, longu, PWD, NULL, 0), ICE_EARG);
  assert_int_equal(ice_lite_init(&a, UFRAG, PWD, "bad peer", 0), ICE_EARG);
  assert_int_equal(ice_lite_init(&a, UFRAG, PWD, PEER, 0), 0);
  assert_int_equal(a.consent_timeout_ms, ICE_CONSENT_TIMEOUT_MS);
}

static void test_answer_and_select(void **state) {
  (void)state;
  ice_lite a;
  assert_int_equal(ice_lite_init(&a, UFRAG, PWD, PEER, 5000), 0);
  struct sockaddr_in host = addr4("192.168.1.10", 50000), relay = addr4("10.0.0.7", 60000);
  stun_msg resp;
  /* A check without nomination: answered, and selected since nothing else is. */
  ice_result r = send_check(&a, UFRAG ":" PEER, PWD, 0, &relay, 1000, &resp);
  assert_int_equal(r.error, 0);
  assert_true(r.selected_changed);
  assert_int_equal(resp.type, STUN_BINDING_SUCCESS);
  assert_int_equal(stun_check_integrity(&resp, (const uint8_t *)PWD, strlen(PWD)), 0);
  assert_true(resp.has_xor_mapped);
  assert_true(rtc_addr_equal((struct sockaddr *)&resp.xor_mapped, (struct sockaddr *)&relay));
  assert_int_equal(a.state, ICE_CONNECTED);
  /* Another address checks without nomination: known, not selected. */
  r = send_check(&a, UFRAG ":" PEER, PWD, 0, &host, 1100, &resp);
  assert_false(r.selected_changed);
  assert_true(ice_lite_knows(&a, (struct sockaddr *)&host));
  assert_true(rtc_addr_equal(ice_lite_selected(&a), (struct sockaddr *)&relay));
  /* USE-CANDIDATE on it moves the selection. */
  r = send_check(&a, UFRAG ":" PEER, PWD, 1, &host, 1200, &resp);
  assert_true(r.selected_changed);
  assert_true(rtc_addr_equal(ice_lite_selected(&a), (struct sockaddr *)&host));
  /* Nominating the same again changes nothing. */
  r = send_check(&a, UFRAG ":" PEER, PWD, 1, &host, 1300, &resp);
  assert_false(r.selected_changed);
  assert_int_equal(a.checks_ok, 4);
  /* An unknown address is not known. */
  struct sockaddr_in other = addr4("192.168.1.10", 50001);
  assert_false(ice_lite_knows(&a, (struct sockaddr *)&other));
}

static void test_consent(void **state) {
  (void)state;
  ice_lite a;
  assert_int_equal(ice_lite_init(&a, UFRAG, PWD, NULL, 5000), 0);
  struct sockaddr_in host = addr4("127.0.0.1", 40000), side = addr4("127.0.0.1", 40001);
  send_check(&a, UFRAG ":anyone", PWD, 1, &host, 1000, NULL);
  assert_int_equal(ice_lite_tick(&a, 5900), 0);
  /* Checks on another address do not refresh the selected one's consent. */
  send_check(&a, UFRAG ":anyone", PWD, 0, &side, 5500, NULL);
  assert_int_equal(ice_lite_tick(&a, 6000), 0);
  assert_int_equal(ice_lite_tick(&a, 6001), 1);
  assert_int_equal(a.state, ICE_EXPIRED);
  assert_null(ice_lite_selected(&a));
  assert_int_equal(ice_lite_tick(&a, 9000), 0); /* reported once */
  /* After expiry nothing is answered. */
  ice_result r = send_check(&a, UFRAG ":anyone", PWD, 1, &host, 9100, NULL);
  assert_int_equal(r.error, ICE_EEXPIRED);
  assert_int_equal(r.response_len, 0);
  /* A fresh agent whose selected address keeps checking stays alive. */
  assert_int_equal(ice_lite_init(&a, UFRAG, PWD, NULL, 5000), 0);
  for (uint64_t t = 1000; t < 60000; t += 2500) {
    send_check(&a, UFRAG ":anyone", PWD, 1, &host, t, NULL);
    assert_int_equal(ice_lite_tick(&a, t + 100), 0);
  }
}

static void test_rejections(void **state) {
  (void)state;
  ice_lite a;
  assert_int_equal(ice_lite_init(&a, UFRAG, PWD, PEER, 0), 0);
  struct sockaddr_in from = addr4("127.0.0.1", 40000);
  stun_msg resp;
  /* Wrong password: 401 without MESSAGE-INTEGRITY, address not learned. */
  ice_result r = send_check(&a, UFRAG ":" PEER, "wrongpassword0123456789", 1, &from, 1, &resp);
  assert_int_equal(r.error, ICE_EINTEGRITY);
  assert_int_equal(resp.type, STUN_BINDING_ERROR);
  assert_int_equal(resp.error_code, 401);
  assert_int_equal(resp.integrity_off, 0);
  assert_false(ice_lite_knows(&a, (struct sockaddr *)&from));
  /* No MESSAGE-INTEGRITY: 400. */
  r = send_check(&a, UFRAG ":" PEER, NULL, 1, &from, 2, &resp);
  assert_int_equal(resp.error_code, 400);
  /* Wrong peer ufrag, wrong own ufrag: 401. */
  r = send_check(&a, UFRAG ":other", PWD, 1, &from, 3, &resp);
  assert_int_equal(resp.error_code, 401);
  r = send_check(&a, "xxxx:" PEER, PWD, 1, &from, 4, &resp);
  assert_int_equal(resp.error_code, 401);
  /* A peer that is controlled too: 487, signed. */
  uint8_t req[256], out[STUN_MAX_MSG];
  int n = make_check(req, sizeof req, UFRAG ":" PEER, PWD, 0, 1, 9);
  stun_msg m;
  assert_int_equal(stun_parse(req, (size_t)n, &m), 0);
  r = ice_lite_on_request(&a, &m, (struct sockaddr *)&from, 5, out, sizeof out);
  assert_int_equal(r.error, ICE_EROLE);
  assert_int_equal(stun_parse(out, (size_t)r.response_len, &resp), 0);
  assert_int_equal(resp.error_code, 487);
  assert_int_equal(stun_check_integrity(&resp, (const uint8_t *)PWD, strlen(PWD)), 0);
  /* A bad FINGERPRINT: silently dropped. */
  n = make_check(req, sizeof req, UFRAG ":" PEER, PWD, 1, 0, 10);
  req[n - 1] ^= 0xFF;
  assert_int_equal(stun_parse(req, (size_t)n, &m), 0);
  r = ice_lite_on_request(&a, &m, (struct sockaddr *)&from, 6, out, sizeof out);
  assert_int_equal(r.error, ICE_EFINGERPRINT);
  assert_int_equal(r.response_len, 0);
  /* Not a request. */
  m.type = STUN_BINDING_SUCCESS;
  r = ice_lite_on_request(&a, &m, (struct sockaddr *)&from, 7, out, sizeof out);
  assert_int_equal(r.error, ICE_ENOTREQ);
  /* An unknown comprehension-required attribute: 420 naming it. */
  uint8_t tid[STUN_TID_LEN] = {0};
  stun_builder b;
  stun_build_init(&b, req, sizeof req, STUN_BINDING_REQUEST, tid);
  stun_build_attr(&b, STUN_ATTR_USERNAME, UFRAG ":" PEER, strlen(UFRAG ":" PEER));
  stun_build_attr(&b, 0x0042, "zz", 2);
  stun_build_integrity(&b, (const uint8_t *)PWD, strlen(PWD));
  stun_build_fingerprint(&b);
  n = stun_build_finish(&b);
  assert_int_equal(stun_parse(req, (size_t)n, &m), 0);
  r = ice_lite_on_request(&a, &m, (struct sockaddr *)&from, 8, out, sizeof out);
  assert_int_equal(r.error, ICE_EUNKNOWN);
  assert_int_equal(stun_parse(out, (size_t)r.response_len, &resp), 0);
  assert_int_equal(resp.error_code, 420);
  assert_int_equal(a.checks_ok, 0);
  assert_int_equal(a.state, ICE_NEW);
}

static void test_address_eviction(void **state) {
  (void)state;
  ice_lite a;
  assert_int_equal(ice_lite_init(&a, UFRAG, PWD, NULL, 0), 0);
  struct sockaddr_in sel = addr4("10.1.1.1", 1000);
  send_check(&a, UFRAG ":p", PWD, 1, &sel, 1, NULL);
  for (int i = 0; i < 3 * ICE_MAX_ADDRS; i++) {
    struct sockaddr_in s = addr4("10.2.2.2", 2000 + i);
    send_check(&a, UFRAG ":p", PWD, 0, &s, 10 + (uint64_t)i, NULL);
  }
  assert_int_equal(a.n_addrs, ICE_MAX_ADDRS);
  /* The selected address is never the one evicted. */
  assert_true(ice_lite_knows(&a, (struct sockaddr *)&sel));
  assert_true(rtc_addr_equal(ice_lite_selected(&a), (struct sockaddr *)&sel));
  struct sockaddr_in last = addr4("10.2.2.2", 2000 + 3 * ICE_MAX_ADDRS - 1);
  assert_true(ice_lite_knows(&a, (struct sockaddr *)&last));
}

static void test_map(void **state) {
  (void)state;
  rtc_map *m = rtc_map_create(100);
  assert_non_null(m);
  int vals[100];
  char key[16];
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < 100; i++) {
      snprintf(key, sizeof key, "k%d-%d", round, i);
      assert_int_equal(rtc_map_put(m, key, strlen(key), &vals[i]), 0);
    }
    assert_int_equal(rtc_map_put(m, "one-more", 8, &vals[0]), -1); /* full */
    for (int i = 0; i < 100; i++) {
      snprintf(key, sizeof key, "k%d-%d", round, i);
      assert_ptr_equal(rtc_map_get(m, key, strlen(key)), &vals[i]);
      rtc_map_del(m, key, strlen(key));
      assert_null(rtc_map_get(m, key, strlen(key)));
    }
    assert_int_equal(rtc_map_count(m), 0);
  }
  char big[RTC_MAP_KEY_MAX + 1] = {0};
  assert_int_equal(rtc_map_put(m, big, sizeof big, NULL), -1);
  assert_int_equal(rtc_map_put(m, big, 0, NULL), -1);
  assert_null(rtc_map_get(m, NULL, 3));
  rtc_map_destroy(m);
  assert_null(rtc_map_create(0));
  /* Address keys: same address and port equal, another port not. */
  struct sockaddr_in a = addr4("1.2.3.4", 5), b = addr4("1.2.3.4", 5), c = addr4("1.2.3.4", 6);
  assert_true(rtc_addr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
  assert_false(rtc_addr_equal((struct sockaddr *)&a, (struct sockaddr *)&c));
  char s[64];
  assert_string_equal(rtc_addr_str((struct sockaddr *)&a, s, sizeof s), "1.2.3.4:5");
}

int rtc_tests_ice(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_rejects),     cmocka_unit_test(test_answer_and_select),
      cmocka_unit_test(test_consent),          cmocka_unit_test(test_rejections),
      cmocka_unit_test(test_address_eviction), cmocka_unit_test(test_map),
  };
  return cmocka_run_group_tests_name("ice", tests, NULL, NULL);
}
