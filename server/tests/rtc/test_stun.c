/* STUN: the RFC 5769 test vectors, builder round trips and the parser's rejections. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "rtc/stun.h"
#include "tests.h"

/* RFC 5769 §2.1 sample request (username "evtj:h6vY", password below). */
static const uint8_t req_2_1[] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};
/* §2.2 sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
static const uint8_t resp_2_2[] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};
/* §2.3 sample IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const uint8_t resp_2_3[] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};
static const char PWD[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void test_rfc5769_request(void **state) {
  (void)state;
  stun_msg m;
  assert_int_equal(stun_parse(req_2_1, sizeof req_2_1, &m), 0);
  assert_int_equal(m.type, STUN_BINDING_REQUEST);
  assert_int_equal(m.username_len, 9);
  assert_memory_equal(m.username, "evtj:h6vY", 9);
  assert_true(m.has_priority);
  assert_int_equal(m.priority, 0x6e0001ff);
  assert_true(m.ice_controlled);
  assert_true(m.tiebreaker == 0x932ff9b151263b36ull);
  assert_int_equal(stun_check_fingerprint(&m), 0);
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)PWD, strlen(PWD)), 0);
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)"wrong", 5), STUN_EINTEGRITY);
  assert_int_equal(m.n_unknown, 0); /* SOFTWARE is comprehension-optional */
}

static void test_rfc5769_responses(void **state) {
  (void)state;
  stun_msg m;
  assert_int_equal(stun_parse(resp_2_2, sizeof resp_2_2, &m), 0);
  assert_int_equal(m.type, STUN_BINDING_SUCCESS);
  assert_true(m.has_xor_mapped);
  struct sockaddr_in *s4 = (struct sockaddr_in *)&m.xor_mapped;
  assert_int_equal(s4->sin_family, AF_INET);
  assert_int_equal(ntohs(s4->sin_port), 32853);
  assert_int_equal(ntohl(s4->sin_addr.s_addr), 0xc0000201);
  assert_int_equal(stun_check_fingerprint(&m), 0);
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)PWD, strlen(PWD)), 0);

  assert_int_equal(stun_parse(resp_2_3, sizeof resp_2_3, &m), 0);
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&m.xor_mapped;
  assert_int_equal(s6->sin6_family, AF_INET6);
  assert_int_equal(ntohs(s6->sin6_port), 32853);
  struct in6_addr want;
  inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &want);
  assert_memory_equal(&s6->sin6_addr, &want, 16);
  assert_int_equal(stun_check_fingerprint(&m), 0);
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)PWD, strlen(PWD)), 0);
}

/* Rebuilding §2.2 with the builder gives the vector byte for byte. */
static void test_builder_matches_vector(void **state) {
  (void)state;
  uint8_t buf[256];
  stun_builder b;
  stun_build_init(&b, buf, sizeof buf, STUN_BINDING_SUCCESS, req_2_1 + 8);
  stun_build_attr(&b, STUN_ATTR_SOFTWARE, "test vector", 11);
  /* RFC 5769 pads SOFTWARE with a space, our builder with zero: patch it to compare. */
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(32853)};
  sa.sin_addr.s_addr = htonl(0xc0000201);
  stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&sa);
  buf[20 + 4 + 11] = 0x20;
  stun_build_integrity(&b, (const uint8_t *)PWD, strlen(PWD));
  stun_build_fingerprint(&b);
  assert_int_equal(stun_build_finish(&b), (int)sizeof resp_2_2);
  assert_memory_equal(buf, resp_2_2, sizeof resp_2_2);
}

static void test_builder_roundtrip_v6_and_error(void **state) {
  (void)state;
  uint8_t buf[STUN_MAX_MSG], tid[STUN_TID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  stun_builder b;
  stun_build_init(&b, buf, sizeof buf, STUN_BINDING_ERROR, tid);
  stun_build_error(&b, 487, "Role Conflict");
  struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(5000)};
  inet_pton(AF_INET6, "fe80::1:2", &s6.sin6_addr);
  stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&s6);
  stun_build_integrity(&b, (const uint8_t *)"k", 1);
  stun_build_fingerprint(&b);
  int n = stun_build_finish(&b);
  assert_true(n > 0);
  stun_msg m;
  assert_int_equal(stun_parse(buf, (size_t)n, &m), 0);
  assert_true(m.has_error);
  assert_int_equal(m.error_code, 487);
  assert_memory_equal(&((struct sockaddr_in6 *)&m.xor_mapped)->sin6_addr, &s6.sin6_addr, 16);
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)"k", 1), 0);
  assert_int_equal(stun_check_fingerprint(&m), 0);
  /* Flipping any bit breaks the parse, the fingerprint or the integrity, or (a flip in the
   * FINGERPRINT attribute's type) leaves a message without FINGERPRINT. */
  for (int i = 0; i < n; i++) {
    buf[i] ^= 0x01;
    int rc = stun_parse(buf, (size_t)n, &m);
    assert_true(rc < 0 || stun_check_fingerprint(&m) < 0 ||
                stun_check_integrity(&m, (const uint8_t *)"k", 1) < 0 ||
                (m.fingerprint_off == 0 && i >= n - 8));
    buf[i] ^= 0x01;
  }
}

static void test_builder_bounds(void **state) {
  (void)state;
  uint8_t buf[32], tid[STUN_TID_LEN] = {0};
  stun_builder b;
  stun_build_init(&b, buf, sizeof buf, STUN_BINDING_REQUEST, tid);
  stun_build_attr(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9); /* 4 + 12 > 12 left */
  assert_int_equal(stun_build_finish(&b), STUN_ESPACE);
  stun_build_init(&b, buf, 10, STUN_BINDING_REQUEST, tid);
  assert_int_equal(stun_build_finish(&b), STUN_ESPACE);
  uint8_t big[64];
  stun_build_init(&b, big, sizeof big, STUN_BINDING_ERROR, tid);
  stun_build_error(&b, 200, "no");
  assert_int_equal(stun_build_finish(&b), STUN_EARG);
  struct sockaddr sa = {.sa_family = AF_UNIX};
  stun_build_init(&b, big, sizeof big, STUN_BINDING_SUCCESS, tid);
  stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &sa);
  assert_int_equal(stun_build_finish(&b), STUN_EARG);
}

static void test_parser_rejects(void **state) {
  (void)state;
  uint8_t m[sizeof req_2_1 + 8];
  stun_msg s;
  assert_int_equal(stun_parse(req_2_1, 19, &s), STUN_ESHORT);
  assert_int_equal(stun_parse(NULL, 0, &s), STUN_ESHORT);
  /* Length field not matching the datagram, not a multiple of 4, bad cookie, top bits. */
  assert_int_equal(stun_parse(req_2_1, sizeof req_2_1 - 4, &s), STUN_ENOTSTUN);
  memcpy(m, req_2_1, sizeof req_2_1);
  m[3] = 0x57;
  assert_int_equal(stun_parse(m, sizeof req_2_1, &s), STUN_ENOTSTUN);
  memcpy(m, req_2_1, sizeof req_2_1);
  m[4] = 0;
  assert_int_equal(stun_parse(m, sizeof req_2_1, &s), STUN_ENOTSTUN);
  memcpy(m, req_2_1, sizeof req_2_1);
  m[0] = 0x40;
  assert_int_equal(stun_parse(m, sizeof req_2_1, &s), STUN_ENOTSTUN);
  /* An attribute running past the end. */
  memcpy(m, req_2_1, sizeof req_2_1);
  m[22] = 0x00, m[23] = 0xF0;
  assert_int_equal(stun_parse(m, sizeof req_2_1, &s), STUN_ESHORT);
  /* PRIORITY of the wrong size. */
  memcpy(m, req_2_1, sizeof req_2_1);
  m[43] = 0x03;
  assert_true(stun_parse(m, sizeof req_2_1, &s) < 0);
  /* Something after FINGERPRINT. */
  memcpy(m, req_2_1, sizeof req_2_1);
  static const uint8_t extra[] = {0x80, 0x22, 0x00, 0x04, 'a', 'b', 'c', 'd'};
  memcpy(m + sizeof req_2_1, extra, sizeof extra);
  m[3] = 0x58 + 8;
  assert_int_equal(stun_parse(m, sizeof m, &s), STUN_EORDER);
  /* Duplicate USERNAME. */
  uint8_t d[64], tid[STUN_TID_LEN] = {0};
  stun_builder b;
  stun_build_init(&b, d, sizeof d, STUN_BINDING_REQUEST, tid);
  stun_build_attr(&b, STUN_ATTR_USERNAME, "a:b", 3);
  stun_build_attr(&b, STUN_ATTR_USERNAME, "a:b", 3);
  assert_int_equal(stun_parse(d, (size_t)stun_build_finish(&b), &s), STUN_EDUP);
  /* Too many attributes. */
  uint8_t many[STUN_HEADER_LEN + 4 * (STUN_MAX_ATTRS + 1)];
  stun_build_init(&b, many, sizeof many, STUN_BINDING_REQUEST, tid);
  for (int i = 0; i <= STUN_MAX_ATTRS; i++) stun_build_attr(&b, 0x8030, NULL, 0);
  assert_int_equal(stun_parse(many, (size_t)stun_build_finish(&b), &s), STUN_EATTR);
  /* Too long overall. */
  static uint8_t huge[STUN_MAX_MSG + 4];
  memcpy(huge, req_2_1, 20);
  assert_int_equal(stun_parse(huge, sizeof huge, &s), STUN_ETOOBIG);
}

static void test_unknown_and_after_integrity(void **state) {
  (void)state;
  uint8_t d[128], tid[STUN_TID_LEN] = {0};
  stun_builder b;
  stun_build_init(&b, d, sizeof d, STUN_BINDING_REQUEST, tid);
  stun_build_attr(&b, 0x7777, "x", 1); /* comprehension-required, unknown */
  stun_build_attr(&b, STUN_ATTR_USERNAME, "abcd:ef", 7);
  stun_build_integrity(&b, (const uint8_t *)"pw", 2);
  /* A USERNAME after MESSAGE-INTEGRITY is ignored, so it is not a duplicate. */
  stun_build_attr(&b, STUN_ATTR_USERNAME, "zzzz:zz", 7);
  stun_build_fingerprint(&b);
  int n = stun_build_finish(&b);
  stun_msg m;
  assert_int_equal(stun_parse(d, (size_t)n, &m), 0);
  assert_int_equal(m.n_unknown, 1);
  assert_int_equal(m.unknown[0], 0x7777);
  assert_memory_equal(m.username, "abcd:ef", 7);
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)"pw", 2), 0);
  assert_int_equal(stun_check_fingerprint(&m), 0);
  assert_true(stun_looks_like(d, (size_t)n));
  d[4] ^= 1;
  assert_false(stun_looks_like(d, (size_t)n));
}

static void test_crc32(void **state) {
  (void)state;
  assert_int_equal(stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
  assert_int_equal(stun_crc32(NULL, 0), 0);
}

int rtc_tests_stun(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc5769_request),
      cmocka_unit_test(test_rfc5769_responses),
      cmocka_unit_test(test_builder_matches_vector),
      cmocka_unit_test(test_builder_roundtrip_v6_and_error),
      cmocka_unit_test(test_builder_bounds),
      cmocka_unit_test(test_parser_rejects),
      cmocka_unit_test(test_unknown_and_after_integrity),
      cmocka_unit_test(test_crc32),
  };
  return cmocka_run_group_tests_name("stun", tests, NULL, NULL);
}
