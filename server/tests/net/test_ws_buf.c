/* ws_reasm (message reassembly with a limit) and ws_sendq (bounded send queue). */
#include <stdlib.h>
#include <string.h>

#include "net/ws_buf.h"
#include "tests.h"

typedef struct fed {
  int rc, truncated;
  const uint8_t *msg;
  size_t n;
} fed;

static fed feed(ws_reasm *r, const char *s, size_t n, int final) {
  fed f = {0};
  f.rc = ws_reasm_feed(r, (const uint8_t *)s, n, final, &f.msg, &f.n, &f.truncated);
  return f;
}

static void test_reasm_whole_and_fragments(void **state) {
  (void)state;
  ws_reasm r;
  ws_reasm_init(&r, 64);
  fed f = feed(&r, "{\"type\":\"ping\"}", 15, 1);
  assert_int_equal(f.rc, 1);
  assert_int_equal(f.truncated, 0);
  assert_int_equal(f.n, 15);
  assert_memory_equal(f.msg, "{\"type\":\"ping\"}", 15);
  assert_int_equal(feed(&r, "abc", 3, 0).rc, 0);
  assert_int_equal(feed(&r, "", 0, 0).rc, 0);
  assert_int_equal(feed(&r, "def", 3, 0).rc, 0);
  f = feed(&r, "g", 1, 1);
  assert_int_equal(f.rc, 1);
  assert_int_equal(f.n, 7);
  assert_memory_equal(f.msg, "abcdefg", 7);
  /* An empty message is a message. */
  f = feed(&r, "", 0, 1);
  assert_int_equal(f.rc, 1);
  assert_int_equal(f.n, 0);
  assert_int_equal(f.truncated, 0);
  ws_reasm_free(&r);
}

static void test_reasm_limit(void **state) {
  (void)state;
  ws_reasm r;
  ws_reasm_init(&r, 8);
  /* Exactly at the limit is fine. */
  fed f = feed(&r, "12345678", 8, 1);
  assert_int_equal(f.rc, 1);
  assert_int_equal(f.truncated, 0);
  assert_int_equal(f.n, 8);
  /* Over it, across fragments: dropped to the final fragment, reported once as truncated. */
  assert_int_equal(feed(&r, "12345", 5, 0).rc, 0);
  assert_int_equal(feed(&r, "6789", 4, 0).rc, 0);
  assert_int_equal(feed(&r, "more", 4, 0).rc, 0);
  f = feed(&r, "end", 3, 1);
  assert_int_equal(f.rc, 1);
  assert_int_equal(f.truncated, 1);
  assert_int_equal(f.n, 0);
  assert_null(f.msg);
  /* The next message starts clean. */
  f = feed(&r, "ok", 2, 1);
  assert_int_equal(f.rc, 1);
  assert_int_equal(f.truncated, 0);
  assert_memory_equal(f.msg, "ok", 2);
  /* A single oversized chunk. */
  f = feed(&r, "123456789", 9, 1);
  assert_int_equal(f.truncated, 1);
  ws_reasm_free(&r);
}

static void test_reasm_big(void **state) {
  (void)state;
  ws_reasm r;
  ws_reasm_init(&r, 65536);
  char *chunk = malloc(4096);
  memset(chunk, 'x', 4096);
  for (int i = 0; i < 15; i++) assert_int_equal(feed(&r, chunk, 4096, 0).rc, 0);
  fed f = feed(&r, chunk, 4096, 1);
  assert_int_equal(f.rc, 1);
  assert_int_equal(f.n, 65536);
  assert_int_equal(f.truncated, 0);
  assert_true(r.cap <= 65536); /* growth is capped at the limit */
  /* 1 MiB in 4 KiB chunks: discarded without growing the buffer. */
  for (int i = 0; i < 255; i++) assert_int_equal(feed(&r, chunk, 4096, 0).rc, 0);
  f = feed(&r, chunk, 4096, 1);
  assert_int_equal(f.truncated, 1);
  assert_true(r.cap <= 65536);
  free(chunk);
  ws_reasm_free(&r);
}

static void test_sendq_order_and_bounds(void **state) {
  (void)state;
  ws_sendq q;
  ws_sendq_init(&q, 3, 10, 16);
  assert_null(ws_sendq_peek(&q));
  assert_int_equal(ws_sendq_push(&q, "abc", 3), 0);
  assert_int_equal(ws_sendq_push(&q, "defg", 4), 0);
  assert_int_equal(ws_sendq_push(&q, "hijk", 4), WS_BUF_EFULL); /* 11 bytes > 10 */
  assert_int_equal(ws_sendq_push(&q, "hij", 3), 0);             /* exactly 10 */
  assert_int_equal(ws_sendq_push(&q, "", 0), WS_BUF_EFULL);     /* 4 messages > 3 */
  assert_int_equal(q.count, 3);
  assert_int_equal(q.bytes, 10);
  ws_sendq_item *it = ws_sendq_peek(&q);
  assert_int_equal(it->len, 3);
  assert_memory_equal(it->data + q.pre, "abc", 3);
  ws_sendq_pop(&q);
  it = ws_sendq_peek(&q);
  assert_memory_equal(it->data + q.pre, "defg", 4);
  assert_int_equal(q.count, 2);
  assert_int_equal(q.bytes, 7);
  assert_int_equal(ws_sendq_push(&q, "xyz", 3), 0); /* room again */
  ws_sendq_pop(&q);
  ws_sendq_pop(&q);
  it = ws_sendq_peek(&q);
  assert_memory_equal(it->data + q.pre, "xyz", 3);
  ws_sendq_pop(&q);
  assert_null(ws_sendq_peek(&q));
  ws_sendq_pop(&q); /* popping empty is harmless */
  assert_int_equal(q.count, 0);
  assert_int_equal(q.bytes, 0);
  assert_int_equal(ws_sendq_push(&q, "a", 1), 0);
  ws_sendq_free(&q); /* frees what is left; leak-checked under ASan */
  assert_int_equal(q.count, 0);
}

static void test_sendq_many(void **state) {
  (void)state;
  ws_sendq q;
  ws_sendq_init(&q, 1024, 4u << 20, 16);
  char msg[100];
  memset(msg, 'm', sizeof msg);
  int pushed = 0;
  while (ws_sendq_push(&q, msg, sizeof msg) == 0) pushed++;
  assert_int_equal(pushed, 1024);
  ws_sendq_free(&q);
}

int net_tests_ws_buf(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reasm_whole_and_fragments),
      cmocka_unit_test(test_reasm_limit),
      cmocka_unit_test(test_reasm_big),
      cmocka_unit_test(test_sendq_order_and_bounds),
      cmocka_unit_test(test_sendq_many),
  };
  return cmocka_run_group_tests_name("ws_buf", tests, NULL, NULL);
}
