/* ws_reasm (message reassembly with a limit) and ws_sendq (bounded send queue). */
#include <stdio.h>
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

static const char *sendq_payload(const ws_sendq *q, const ws_sendq_item *it) {
  return (const char *)it->data + q->pre;
}

/* The queue's payloads joined with ',' (short test frames only). */
static void sendq_dump(const ws_sendq *q, char *out, size_t cap) {
  size_t o = 0;
  out[0] = '\0';
  for (const ws_sendq_item *it = q->head; it; it = it->next) {
    int n = snprintf(out + o, cap - o, "%s%.*s", o ? "," : "", (int)it->len, sendq_payload(q, it));
    assert_true(n >= 0 && (size_t)n < cap - o);
    o += (size_t)n;
  }
}

/* A droppable push past its budget evicts the oldest droppable frames, never must-deliver ones,
 * and keeps the order of what stays. */
static void test_sendq_evicts_oldest_droppable(void **state) {
  (void)state;
  char dump[256];
  ws_sendq q;
  ws_sendq_init(&q, 16, 64, 8); /* droppable budget: 8 frames, 16 bytes */
  assert_int_equal(q.drop_max_count, 8);
  assert_int_equal(q.drop_max_bytes, 16);
  assert_int_equal(ws_sendq_push(&q, "R1", 2), 0);
  assert_int_equal(ws_sendq_push_class(&q, "c1xx", 4, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(ws_sendq_push_class(&q, "c2xx", 4, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(ws_sendq_push(&q, "R2", 2), 0);
  assert_int_equal(ws_sendq_push_class(&q, "c3xx", 4, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(ws_sendq_push_class(&q, "c4xx", 4, WS_FRAME_DROPPABLE), 0); /* 16: full */
  assert_int_equal(q.dropped, 0);
  assert_int_equal(ws_sendq_push_class(&q, "c5xxxx", 6, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(q.dropped, 2); /* c1 and c2 made room for 6 bytes */
  sendq_dump(&q, dump, sizeof dump);
  assert_string_equal(dump, "R1,R2,c3xx,c4xx,c5xxxx");
  assert_int_equal(q.drop_count, 3);
  assert_int_equal(q.drop_bytes, 14);
  assert_int_equal(q.count, 5);
  assert_int_equal(q.bytes, 18);
  /* Popping in order keeps both lists consistent, droppable heads included. */
  ws_sendq_pop(&q); /* R1 */
  ws_sendq_pop(&q); /* R2 */
  ws_sendq_pop(&q); /* c3: the oldest droppable leaves through pop */
  assert_int_equal(q.drop_count, 2);
  assert_int_equal(ws_sendq_push_class(&q, "c6xxxxxx", 8, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(q.dropped, 3); /* c4 */
  sendq_dump(&q, dump, sizeof dump);
  assert_string_equal(dump, "c5xxxx,c6xxxxxx");
  /* Larger than the whole droppable budget: refused, nothing else evicted. */
  assert_int_equal(ws_sendq_push_class(&q, "0123456789abcdefg", 17, WS_FRAME_DROPPABLE),
                   WS_BUF_DROPPED);
  assert_int_equal(q.dropped, 4);
  assert_int_equal(q.count, 2);
  ws_sendq_free(&q);
  assert_null(q.drop_head);
  assert_int_equal(q.drop_count, 0);
}

/* The droppable count budget is half the messages. */
static void test_sendq_droppable_count_budget(void **state) {
  (void)state;
  char dump[256];
  ws_sendq q;
  ws_sendq_init(&q, 4, 1024, 0); /* 2 droppable frames at most */
  assert_int_equal(ws_sendq_push_class(&q, "a", 1, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(ws_sendq_push_class(&q, "b", 1, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(ws_sendq_push_class(&q, "c", 1, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(q.dropped, 1);
  sendq_dump(&q, dump, sizeof dump);
  assert_string_equal(dump, "b,c");
  ws_sendq_free(&q);
}

/* A must-deliver frame takes the room of droppable ones; it fails (1008 upstream) only when
 * must-deliver frames alone fill the queue, and then nothing is evicted. */
static void test_sendq_must_deliver_evicts(void **state) {
  (void)state;
  char dump[256];
  ws_sendq q;
  ws_sendq_init(&q, 4, 40, 0); /* droppable: 2 frames, 10 bytes */
  assert_int_equal(ws_sendq_push(&q, "R1R1R1R1R1R1R1R1R1R1", 20), 0);
  assert_int_equal(ws_sendq_push_class(&q, "c1c1c", 5, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(ws_sendq_push_class(&q, "c2c2c", 5, WS_FRAME_DROPPABLE), 0);
  assert_int_equal(ws_sendq_push(&q, "R2R2R2R2", 8), 0); /* 38 bytes: fits without evicting */
  assert_int_equal(q.dropped, 0);
  assert_int_equal(ws_sendq_push(&q, "R3R3R3", 6), 0); /* needs 4 more bytes and a slot */
  assert_int_equal(q.dropped, 1);
  sendq_dump(&q, dump, sizeof dump);
  assert_string_equal(dump, "R1R1R1R1R1R1R1R1R1R1,c2c2c,R2R2R2R2,R3R3R3");
  /* Must-deliver frames alone (34 bytes) leave no room for 7 more: fail, keep c2. */
  assert_int_equal(ws_sendq_push(&q, "R4R4R4R", 7), WS_BUF_EFULL);
  assert_int_equal(q.dropped, 1);
  assert_int_equal(q.count, 4);
  /* A droppable frame that cannot fit beside them is refused, c2 stays. */
  assert_int_equal(ws_sendq_push_class(&q, "c3c3c3c", 7, WS_FRAME_DROPPABLE), WS_BUF_DROPPED);
  assert_int_equal(q.dropped, 2);
  sendq_dump(&q, dump, sizeof dump);
  assert_string_equal(dump, "R1R1R1R1R1R1R1R1R1R1,c2c2c,R2R2R2R2,R3R3R3");
  ws_sendq_free(&q);
}

/* The case of issue 9: a steady stream of chat into a queue that never drains stays within the
 * droppable budget forever and always holds the newest frames. */
static void test_sendq_chat_flood_keeps_newest(void **state) {
  (void)state;
  ws_sendq q;
  ws_sendq_init(&q, 1024, 4u << 20, 16);
  char msg[8192];
  for (int i = 0; i < 5000; i++) {
    memset(msg, 'x', sizeof msg);
    snprintf(msg, 16, "%d", i);
    assert_int_equal(ws_sendq_push_class(&q, msg, sizeof msg, WS_FRAME_DROPPABLE), 0);
    assert_true(q.drop_bytes <= q.drop_max_bytes);
  }
  assert_int_equal(ws_sendq_push(&q, "joined", 6), 0); /* signaling still has room */
  size_t kept = q.drop_count;
  assert_int_equal(kept, (1u << 20) / sizeof msg);
  assert_int_equal(q.dropped, 5000 - kept);
  char first[16];
  snprintf(first, sizeof first, "%d", (int)(5000 - kept));
  assert_string_equal(sendq_payload(&q, q.head), first);
  ws_sendq_free(&q);
}

int net_tests_ws_buf(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reasm_whole_and_fragments),
      cmocka_unit_test(test_reasm_limit),
      cmocka_unit_test(test_reasm_big),
      cmocka_unit_test(test_sendq_order_and_bounds),
      cmocka_unit_test(test_sendq_many),
      cmocka_unit_test(test_sendq_evicts_oldest_droppable),
      cmocka_unit_test(test_sendq_droppable_count_budget),
      cmocka_unit_test(test_sendq_must_deliver_evicts),
      cmocka_unit_test(test_sendq_chat_flood_keeps_newest),
  };
  return cmocka_run_group_tests_name("ws_buf", tests, NULL, NULL);
}
