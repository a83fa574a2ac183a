/* Chat history (issue 9): the bounded chat of `joined`, paging back with chat-history from
 * the ring (no store) and from the store, its errors, and the delivery class of chat frames
 * (droppable) against everything else (must-deliver). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake.h"
#include "sig/sig_int.h"
#include "tests.h"

typedef struct env {
  sig_ctx *ctx;
  bz_store *store;
  char dir[64], path[96];
  fake_conn *a, *b;
  char room[16];
} env;

static void env_limits(sig_limits *lim) {
  sig_limits_default(lim);
  lim->rate_burst = 10000; /* the fake clock stands still: no refill */
}

static env *env_new(const sig_limits *lim, int with_store) {
  env *e = calloc(1, sizeof *e);
  assert_non_null(e);
  if (with_store) {
    snprintf(e->dir, sizeof e->dir, "/tmp/buzz-history-test-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->path, sizeof e->path, "%s/buzz.db", e->dir);
    assert_int_equal(bz_store_open(&e->store, e->path), BZ_STORE_OK);
  }
  fake_sync_close = 0;
  fake_drop_chat = 0;
  e->ctx = fake_ctx(lim, NULL, e->store);
  fake_room(e->ctx, "History", NULL, e->room, NULL);
  e->a = fake_open(e->ctx);
  e->b = fake_open(e->ctx);
  fake_join(e->a, e->room, "Alice", "", 1);
  fake_join(e->b, e->room, "Bob", "", 1);
  return e;
}

static void env_free(env *e) {
  fake_free(e->a);
  fake_free(e->b);
  sig_ctx_destroy(e->ctx);
  fake_drop_chat = 0;
  if (e->store) {
    bz_store_close(e->store);
    char p[128];
    snprintf(p, sizeof p, "%s-wal", e->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", e->path);
    unlink(p);
    unlink(e->path);
    rmdir(e->dir);
  }
  free(e);
}

/* n chat messages "m1".."mN" from a, each `pad` characters long at least. */
static void chat_n(env *e, int n, int pad) {
  char *buf = malloc((size_t)pad + 64);
  assert_non_null(buf);
  for (int i = 1; i <= n; i++) {
    int k = snprintf(buf, 64, "{\"type\":\"chat\",\"text\":\"m%d", i);
    for (int j = 0; j < pad; j++) buf[k++] = '.';
    memcpy(buf + k, "\"}", 3);
    fake_send(e->a, buf);
  }
  free(buf);
}

static int64_t msg_id(json_t *arr, size_t i) {
  return (int64_t)json_integer_value(json_object_get(json_array_get(arr, i), "id"));
}

/* A fresh participant's joined message (caller decrefs). */
static json_t *join_fresh(env *e, fake_conn **out) {
  fake_conn *c = fake_open(e->ctx);
  fake_join(c, e->room, "Carol", "", 1);
  *out = c;
  return fake_last(c, "joined");
}

/* One chat-history request; returns the reply (caller decrefs). */
static json_t *history(fake_conn *f, const char *fields) {
  char buf[256];
  snprintf(buf, sizeof buf, "{\"type\":\"chat-history\",\"id\":77%s}", fields);
  fake_send(f, buf);
  json_t *j = fake_last(f, NULL);
  assert_non_null(j);
  return j;
}

/* Pages back from `before` until more is false; checks every page is oldest first, within
 * `limit` and the byte budget, and that pages join up; returns how many messages it saw, the
 * oldest id in *oldest. */
static int page_all(fake_conn *f, int64_t before, int limit, size_t max_bytes, int64_t *oldest) {
  int seen = 0, pages = 0;
  for (;;) {
    char fields[64];
    snprintf(fields, sizeof fields, ",\"before\":%lld,\"limit\":%d", (long long)before, limit);
    json_t *j = history(f, fields);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "chat-history");
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 77);
    json_t *msgs = json_object_get(j, "messages");
    size_t n = json_array_size(msgs);
    assert_true(n <= (size_t)limit);
    char *text = json_dumps(msgs, JSON_COMPACT);
    assert_true(strlen(text) <= max_bytes + 2); /* + the brackets */
    free(text);
    for (size_t i = 0; i < n; i++) {
      /* Consecutive ids, oldest first, and the page ends right below `before`. */
      assert_int_equal(msg_id(msgs, i), before - (int64_t)n + (int64_t)i);
    }
    int more = json_is_true(json_object_get(j, "more"));
    assert_true(json_is_boolean(json_object_get(j, "more")));
    seen += (int)n;
    if (n) before = msg_id(msgs, 0);
    json_decref(j);
    assert_true(++pages < 1000);
    if (!more) break;
    assert_true(n > 0);
  }
  *oldest = before;
  return seen;
}

static void t_joined_bounded_by_count(void **state) {
  (void)state;
  sig_limits lim;
  env_limits(&lim);
  lim.join_history_msgs = 5;
  env *e = env_new(&lim, 0);
  fake_conn *c;
  json_t *j = join_fresh(e, &c);
  assert_int_equal(json_array_size(json_object_get(j, "chat")), 0);
  assert_true(json_is_false(json_object_get(j, "chat_more")));
  json_decref(j);
  fake_free(c);
  chat_n(e, 5, 0);
  j = join_fresh(e, &c);
  assert_int_equal(json_array_size(json_object_get(j, "chat")), 5);
  assert_true(json_is_false(json_object_get(j, "chat_more"))); /* all of it fits */
  json_decref(j);
  fake_free(c);
  chat_n(e, 3, 0);
  j = join_fresh(e, &c);
  json_t *chat = json_object_get(j, "chat");
  assert_int_equal(json_array_size(chat), 5);
  assert_int_equal(msg_id(chat, 0), 4);
  assert_int_equal(msg_id(chat, 4), 8);
  assert_true(json_is_true(json_object_get(j, "chat_more")));
  json_decref(j);
  fake_free(c);
  env_free(e);
}

static void t_joined_bounded_by_bytes(void **state) {
  (void)state;
  sig_limits lim;
  env_limits(&lim);
  lim.join_history_bytes = 4096;
  env *e = env_new(&lim, 0);
  chat_n(e, 40, 1000); /* ~1.1 KB each serialized */
  fake_conn *c;
  json_t *j = join_fresh(e, &c);
  json_t *chat = json_object_get(j, "chat");
  char *text = json_dumps(chat, JSON_COMPACT);
  assert_true(strlen(text) <= 4096 + 2);
  free(text);
  assert_int_equal(json_array_size(chat), 3);
  assert_int_equal(msg_id(chat, 2), 40);
  assert_true(json_is_true(json_object_get(j, "chat_more")));
  json_decref(j);
  int64_t oldest = 0;
  assert_int_equal(page_all(c, 38, 100, 4096, &oldest), 37);
  assert_int_equal(oldest, 1);
  fake_free(c);
  env_free(e);
}

/* Without a store the ring (SIG_CHAT_KEEP) is all there is. */
static void t_history_from_ring(void **state) {
  (void)state;
  sig_limits lim;
  env_limits(&lim);
  env *e = env_new(&lim, 0);
  chat_n(e, 130, 0);
  fake_conn *c;
  json_t *j = join_fresh(e, &c);
  json_t *chat = json_object_get(j, "chat");
  assert_int_equal(json_array_size(chat), 50);
  int64_t first = msg_id(chat, 0);
  assert_int_equal(first, 81);
  json_decref(j);
  int64_t oldest = 0;
  assert_int_equal(page_all(c, first, 7, (size_t)lim.join_history_bytes, &oldest), 50);
  assert_int_equal(oldest, 31); /* the ring held 31..130 */
  /* Beyond the end: empty, more false. */
  j = history(c, ",\"before\":31");
  assert_int_equal(json_array_size(json_object_get(j, "messages")), 0);
  assert_true(json_is_false(json_object_get(j, "more")));
  json_decref(j);
  /* A before above the newest gives the newest `limit` (default 50). */
  j = history(c, ",\"before\":100000");
  assert_int_equal(json_array_size(json_object_get(j, "messages")), 50);
  assert_int_equal(msg_id(json_object_get(j, "messages"), 49), 130);
  assert_true(json_is_true(json_object_get(j, "more")));
  json_decref(j);
  fake_free(c);
  env_free(e);
}

/* With a store, paging goes past the ring, back to the first message. */
static void t_history_from_store(void **state) {
  (void)state;
  sig_limits lim;
  env_limits(&lim);
  env *e = env_new(&lim, 1);
  chat_n(e, 250, 0);
  fake_conn *c;
  json_t *j = join_fresh(e, &c);
  json_t *chat = json_object_get(j, "chat");
  assert_int_equal(json_array_size(chat), 50);
  int64_t first = msg_id(chat, 0);
  assert_int_equal(first, 201);
  assert_true(json_is_true(json_object_get(j, "chat_more")));
  json_decref(j);
  j = history(c, ",\"before\":201,\"limit\":100");
  json_t *msgs = json_object_get(j, "messages");
  assert_int_equal(json_array_size(msgs), 100);
  assert_int_equal(msg_id(msgs, 0), 101);
  assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "text")), "m101");
  assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "name")), "Alice");
  json_decref(j);
  int64_t oldest = 0;
  assert_int_equal(page_all(c, first, 100, (size_t)lim.join_history_bytes, &oldest), 200);
  assert_int_equal(oldest, 1);
  fake_free(c);
  env_free(e);
  /* The whole ring fits in joined, but the store holds older messages: chat_more true. */
  lim.join_history_msgs = 100;
  e = env_new(&lim, 1);
  chat_n(e, 150, 0);
  j = join_fresh(e, &c);
  assert_int_equal(json_array_size(json_object_get(j, "chat")), 100);
  assert_true(json_is_true(json_object_get(j, "chat_more")));
  json_decref(j);
  fake_free(c);
  env_free(e);
  /* A room whose whole history fits in joined, with a store: chat_more false. */
  e = env_new(&lim, 1);
  chat_n(e, 3, 0);
  j = join_fresh(e, &c);
  assert_int_equal(json_array_size(json_object_get(j, "chat")), 3);
  assert_true(json_is_false(json_object_get(j, "chat_more")));
  json_decref(j);
  fake_free(c);
  env_free(e);
}

static void expect_bad(fake_conn *f, const char *fields, const char *code) {
  json_t *j = history(f, fields);
  assert_string_equal(json_string_value(json_object_get(j, "type")), "error");
  assert_string_equal(json_string_value(json_object_get(j, "code")), code);
  assert_string_equal(json_string_value(json_object_get(j, "ref")), "chat-history");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 77);
  json_decref(j);
}

static void t_history_errors(void **state) {
  (void)state;
  sig_limits lim;
  env_limits(&lim);
  env *e = env_new(&lim, 0);
  chat_n(e, 3, 0);
  expect_bad(e->a, "", "bad_message");
  expect_bad(e->a, ",\"before\":null", "bad_message");
  expect_bad(e->a, ",\"before\":0", "bad_message");
  expect_bad(e->a, ",\"before\":-5", "bad_message");
  expect_bad(e->a, ",\"before\":2.5", "bad_message");
  expect_bad(e->a, ",\"before\":\"3\"", "bad_message");
  expect_bad(e->a, ",\"before\":3,\"limit\":0", "bad_message");
  expect_bad(e->a, ",\"before\":3,\"limit\":101", "bad_message");
  expect_bad(e->a, ",\"before\":3,\"limit\":\"10\"", "bad_message");
  expect_bad(e->a, ",\"before\":3,\"limit\":1.5", "bad_message");
  json_t *j = history(e->a, ",\"before\":3,\"limit\":null"); /* null = absent */
  assert_int_equal(json_array_size(json_object_get(j, "messages")), 2);
  json_decref(j);
  j = history(e->a, ",\"before\":3,\"limit\":1");
  assert_int_equal(json_array_size(json_object_get(j, "messages")), 1);
  assert_int_equal(msg_id(json_object_get(j, "messages"), 0), 2);
  assert_true(json_is_true(json_object_get(j, "more")));
  json_decref(j);
  fake_conn *out = fake_open(e->ctx); /* not joined */
  expect_bad(out, ",\"before\":3", "not_joined");
  fake_free(out);
  env_free(e);
}

/* Chat broadcasts are the only droppable frames; a transport that drops them for a receiver
 * that fell behind is counted, and nobody is closed. */
static void t_chat_is_droppable(void **state) {
  (void)state;
  sig_limits lim;
  env_limits(&lim);
  env *e = env_new(&lim, 0);
  int must_a = e->a->sent_classes[0], must_b = e->b->sent_classes[0];
  assert_int_equal(e->a->sent_classes[1], 0);
  chat_n(e, 2, 0);
  assert_int_equal(e->a->sent_classes[1], 2);
  assert_int_equal(e->b->sent_classes[1], 2);
  assert_int_equal(e->a->sent_classes[0], must_a);
  fake_send(e->b, "{\"type\":\"update\",\"hand\":true}");
  fake_send(e->b, "{\"type\":\"ping\"}");
  json_decref(history(e->b, ",\"before\":3"));
  assert_int_equal(e->b->sent_classes[0], must_b + 3); /* updated, pong, chat-history */
  assert_int_equal(e->b->sent_classes[1], 2);
  fake_drop_chat = 1;
  chat_n(e, 4, 0); /* 4 messages x 2 receivers, all dropped */
  fake_drop_chat = 0;
  assert_int_equal(e->a->closes + e->b->closes, 0);
  char *m = sig_metrics_text(e->ctx);
  assert_non_null(strstr(m, "\nbuzz_ws_chat_dropped_total 8\n"));
  assert_non_null(strstr(m, "buzz_messages_in_total{type=\"chat-history\"} 1\n"));
  assert_non_null(strstr(m, "buzz_messages_out_total{type=\"chat-history\"} 1\n"));
  free(m);
  /* What was dropped can be paged back. */
  json_t *j = history(e->b, ",\"before\":7,\"limit\":4");
  json_t *msgs = json_object_get(j, "messages");
  assert_int_equal(json_array_size(msgs), 4);
  assert_int_equal(msg_id(msgs, 0), 3);
  assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 3), "text")), "m4");
  json_decref(j);
  env_free(e);
}

int tests_history(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_joined_bounded_by_count), cmocka_unit_test(t_joined_bounded_by_bytes),
      cmocka_unit_test(t_history_from_ring),       cmocka_unit_test(t_history_from_store),
      cmocka_unit_test(t_history_errors),          cmocka_unit_test(t_chat_is_droppable),
  };
  return cmocka_run_group_tests_name("sig_history", tests, NULL, NULL);
}
