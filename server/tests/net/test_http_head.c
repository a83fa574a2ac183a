/* http_head (strict request heads), guard (the read-path inspector) and conns (caps and the
 * idle list). */
#include <stdlib.h>
#include <string.h>

#include "net/conns.h"
#include "net/guard.h"
#include "net/http_head.h"
#include "tests.h"
#include "util/log.h"

static int parse(const char *s, http_head *h) {
  return http_head_parse((const uint8_t *)s, strlen(s), h);
}

static void test_head_verdicts(void **state) {
  (void)state;
  http_head h;
  static const struct {
    const char *req;
    int want;
  } cases[] = {
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", HEAD_OK},
      {"GET /a?b=%41 HTTP/1.0\n\n", HEAD_OK},
      {"DELETE /api/rooms/x HTTP/1.1\r\n\r\n", HEAD_OK},
      {"CONNECT host:443 HTTP/1.1\r\n\r\n", HEAD_EMETHOD},
      {"OPTIONS * HTTP/1.1\r\n\r\n", HEAD_EMETHOD},
      {"TRACE / HTTP/1.1\r\n\r\n", HEAD_EMETHOD},
      {"get / HTTP/1.1\r\n\r\n", HEAD_EMETHOD},
      {"GET /%00 HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET /%1F HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET /%7f HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET /%zz HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET /%4 HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET /a\tb HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET /a b HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET http://x/ HTTP/1.1\r\n\r\n", HEAD_EPATH},
      {"GET / HTTP/2.0\r\n\r\n", HEAD_EBAD},
      {"GET /\r\n\r\n", HEAD_EBAD},
      {"GET / HTTP/1.1\r\n folded\r\n\r\n", HEAD_EBAD},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", HEAD_EBAD},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", HEAD_EBAD},
      {"GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", HEAD_EBAD},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", HEAD_EBAD},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", HEAD_EBAD},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", HEAD_EBAD},
      {"GET / HTTP/1.1\r\nHost: x\r\n", HEAD_INCOMPLETE},
      {"GET / HTT", HEAD_INCOMPLETE},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    int rc = parse(cases[k].req, &h);
    if (rc != cases[k].want) fail_msg("%s: got %d, want %d", cases[k].req, rc, cases[k].want);
  }
  assert_int_equal(http_head_status(HEAD_EMETHOD), 405);
  assert_int_equal(http_head_status(HEAD_EFIELDS), 431);
  assert_string_equal(http_head_code(HEAD_EPATH), "bad_path");
}

static void test_head_limits_and_fields(void **state) {
  (void)state;
  http_head h;
  size_t big = HEAD_LINE_MAX + 100;
  char *s = malloc(big + 64);
  memcpy(s, "GET /", 5);
  memset(s + 5, 'a', big);
  assert_int_equal(http_head_line((const uint8_t *)s, big, &h), HEAD_ELINE); /* no LF yet */
  memcpy(s, "GET / HTTP/1.1\r\nX: ", 19);
  memset(s + 19, 'v', big);
  assert_int_equal(http_head_parse((const uint8_t *)s, big, &h), HEAD_EFIELDS);
  free(s);
  const char *req = "GET /ws HTTP/1.1\r\nUpgrade: WebSocket\r\nContent-Length: 5\r\n"
                    "X-Forwarded-For: 10.0.0.1, 192.0.2.9 \r\n\r\nrest";
  assert_int_equal(parse(req, &h), HEAD_OK);
  assert_int_equal(h.len, strlen(req) - 4);
  assert_true(h.ws_upgrade);
  assert_int_equal(h.body_len, 0); /* an upgrade carries frames */
  assert_int_equal(h.xff_n, strlen("10.0.0.1, 192.0.2.9"));
  assert_memory_equal(req + h.xff_off, "10.0.0.1", 8);
  assert_int_equal(h.target_n, 3);
  req = "GET / HTTP/1.1\r\nUpgrade: h2c\r\nHTTP2-Settings: AA\r\nHost: x\r\n\r\n";
  assert_int_equal(parse(req, &h), HEAD_OK);
  assert_int_equal(h.ndrop, 2);
  assert_false(h.ws_upgrade);
}

/* Feeds s to g in chunks of `step`, as recv would: returns what was passed on, concatenated. */
static size_t feed(net_guard *g, const char *s, size_t step, char *out, int *verdict) {
  size_t n = strlen(s), i = 0, o = 0;
  uint8_t buf[2 * HEAD_MAX + 64];
  *verdict = 0;
  while (i < n && !*verdict) {
    size_t k = guard_prefix(g, buf, sizeof buf);
    size_t take = n - i < step ? n - i : step;
    memcpy(buf + k, s + i, take);
    i += take;
    http_head h;
    long pass = guard_scan(g, buf, k + take, NULL, NULL, verdict, &h);
    assert_true(pass >= 0);
    memcpy(out + o, buf, (size_t)pass);
    o += (size_t)pass;
  }
  out[o] = '\0';
  return o;
}

static void test_guard_heads(void **state) {
  (void)state;
  net_guard g;
  char out[4096];
  int v;
  /* Held until complete, whatever the chunking; two keep-alive requests, one with a body. */
  const char *two = "POST /api/rooms HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
                    "GET /healthz HTTP/1.1\r\n\r\n";
  for (size_t step = 1; step < 8; step++) {
    guard_init(&g);
    assert_int_equal(feed(&g, two, step, out, &v), strlen(two));
    assert_int_equal(v, 0);
    assert_string_equal(out, two);
    guard_free(&g);
  }
  /* A second, bad request on the same connection is refused. */
  guard_init(&g);
  feed(&g, "GET / HTTP/1.1\r\n\r\n", 64, out, &v);
  assert_int_equal(v, 0);
  assert_int_equal(feed(&g, "TRACE / HTTP/1.1\r\n\r\n", 64, out, &v), 0);
  assert_int_equal(v, HEAD_EMETHOD);
  assert_int_equal(g.phase, GUARD_DEAD);
  guard_free(&g);
  /* Pipelined behind a good one in the same read: the good one passes, the bad one closes. */
  guard_init(&g);
  assert_int_equal(feed(&g, "GET / HTTP/1.1\r\n\r\nCONNECT x:1 HTTP/1.1\r\n\r\n", 256, out, &v), 18);
  assert_int_equal(v, GUARD_ECLOSE);
  guard_free(&g);
  /* h2c lines are removed. */
  guard_init(&g);
  feed(&g, "GET / HTTP/1.1\r\nUpgrade: h2c\r\nHost: x\r\nHTTP2-Settings: AA\r\n\r\n", 5, out, &v);
  assert_string_equal(out, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  guard_free(&g);
}

static void test_guard_frames(void **state) {
  (void)state;
  net_guard g;
  char out[4096];
  int v;
  const char *up = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
  /* Masked frames (126-length form included) pass unchanged, one byte at a time. */
  char frames[300];
  size_t n = 0;
  const uint8_t f1[] = {0x81, 0x82, 1, 2, 3, 4, 'a', 'b'};
  memcpy(frames, f1, sizeof f1);
  n += sizeof f1;
  const uint8_t f2[] = {0x82, 0x80 | 126, 0, 200, 9, 9, 9, 9};
  memcpy(frames + n, f2, sizeof f2);
  n += sizeof f2;
  memset(frames + n, 'x', 200);
  n += 200;
  guard_init(&g);
  feed(&g, up, 64, out, &v);
  for (size_t i = 0; i < n; i++) {
    uint8_t buf[8];
    size_t k = guard_prefix(&g, buf, sizeof buf);
    buf[k] = (uint8_t)frames[i];
    http_head h;
    long pass = guard_scan(&g, buf, k + 1, NULL, NULL, &v, &h);
    /* A frame's first byte waits for its second. */
    assert_true(pass == (long)(k + 1) || (pass == 0 && g.held_n == 1));
    for (long j = 0; j < pass; j++) assert_int_equal(buf[j], (uint8_t)frames[i + 1 - (size_t)pass + (size_t)j]);
  }
  assert_int_equal(g.frames_refused, 0);
  /* An unmasked frame gets its reserved bits set, so lws refuses it with 1002. */
  uint8_t bad[] = {0x81, 0x02, 'h', 'i'};
  http_head h;
  size_t k = guard_prefix(&g, (uint8_t *)out, sizeof out);
  memcpy(out + k, bad, sizeof bad);
  guard_scan(&g, (uint8_t *)out, k + sizeof bad, NULL, NULL, &v, &h);
  assert_int_equal((uint8_t)out[0], 0xf1);
  assert_int_equal(g.frames_refused, 1);
  assert_int_equal(g.phase, GUARD_PASS);
  guard_free(&g);
}

static void test_conns_caps_and_idle(void **state) {
  (void)state;
  conn_table t;
  assert_int_equal(conns_init(&t, 64, 2, 1), 0);
  assert_int_equal(conns_open(&t, 5, "10.0.0.1", 100, 1), 0);
  assert_int_equal(conns_open(&t, 6, "10.0.0.1", 200, 1), 0);
  assert_int_equal(conns_open(&t, 7, "10.0.0.1", 300, 1), CONNS_ECAP);
  assert_int_equal(conns_open(&t, 7, "10.0.0.2", 300, 1), 0);
  assert_int_equal(conns_open(&t, 99, "10.0.0.2", 300, 1), CONNS_EINVAL);
  assert_int_equal(t.open, 3);
  assert_int_equal(conns_oldest_idle(&t), 5);
  conns_set_idle(&t, 5, 0, 0); /* busy */
  assert_int_equal(conns_oldest_idle(&t), 6);
  conns_set_idle(&t, 5, 1, 400); /* idle again: newest */
  conns_mark_evicting(&t, 6);
  assert_int_equal(conns_oldest_idle(&t), 7);
  assert_int_equal(t.evicting, 1);
  /* WebSockets: capped per address, never idle. */
  assert_true(conns_ws_allowed(&t, 7));
  conns_ws_open(&t, 7);
  assert_false(conns_ws_allowed(&t, 7));
  assert_int_equal(conns_oldest_idle(&t), 5);
  /* Rekeying to an address at its cap fails; to a free one it moves the counts. */
  assert_int_equal(conns_rekey(&t, 5, "10.0.0.1"), 0); /* same key */
  assert_int_equal(conns_rekey(&t, 7, "192.0.2.1"), 0);
  assert_true(conns_ws_allowed(&t, 5) == 1);
  conns_close(&t, 6);
  assert_int_equal(t.evicting, 0);
  assert_int_equal(conns_open(&t, 8, "10.0.0.1", 500, 1), 0);
  conns_free(&t);
}

static void test_log_budget(void **state) {
  (void)state;
  bz_log_budget b = BZ_LOG_BUDGET(1, 2);
  int wrote = 0;
  for (int i = 0; i < 100; i++) wrote += bz_log_budget_take(&b, "test", 1000);
  assert_int_equal(wrote, 2);
  assert_int_equal(b.suppressed, 98);
  bz_log_set_level(BZ_LOG_ERROR); /* the suppressed-count line itself is not checked here */
  assert_true(bz_log_budget_take(&b, "test", 2000));
  assert_int_equal(b.suppressed, 0);
  bz_log_set_level(BZ_LOG_INFO);
}

int net_tests_http_head(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_head_verdicts),       cmocka_unit_test(test_head_limits_and_fields),
      cmocka_unit_test(test_guard_heads),         cmocka_unit_test(test_guard_frames),
      cmocka_unit_test(test_conns_caps_and_idle), cmocka_unit_test(test_log_budget),
  };
  return cmocka_run_group_tests_name("http_head", tests, NULL, NULL);
}
