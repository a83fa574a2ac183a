/* Limits: the per-connection token bucket, abuse closing, metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake.h"
#include "sig/sig_int.h"
#include "tests.h"

static sig_ctx *small_bucket_ctx(void) {
  sig_limits lim;
  sig_limits_default(&lim);
  lim.rate_per_s = 2;
  lim.rate_burst = 5;
  return fake_ctx(&lim, NULL, NULL);
}

static void t_bucket(void **state) {
  (void)state;
  sig_ctx *ctx = small_bucket_ctx();
  fake_conn *f = fake_open(ctx);
  for (int i = 0; i < 5; i++) fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "pong"), 5);
  fake_send(f, "{\"type\":\"ping\"}"); /* bucket empty: dropped with one error */
  assert_string_equal(fake_error(f), "rate_limited");
  json_t *j = fake_last(f, "error");
  assert_null(json_object_get(j, "ref"));
  json_decref(j);
  for (int i = 0; i < 5; i++) fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "error"), 1); /* at most one error per second */
  assert_int_equal(fake_count(f, "pong"), 5);
  fake_now_ms += 500; /* 2/s refills one token */
  fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "pong"), 6);
  fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "error"), 1); /* still within the second */
  fake_now_ms += 400;
  fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "error"), 1);
  fake_now_ms += 100; /* now a full second after the first error; 1 token is back */
  fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "pong"), 7);
  fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "error"), 2);
  fake_now_ms += 60000; /* the bucket refills to the burst, no more */
  for (int i = 0; i < 6; i++) fake_send(f, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(f, "pong"), 12);
  assert_int_equal(f->closes, 0);
  fake_free(f);
  sig_ctx_destroy(ctx);
}

static void t_abuse_closes(void **state) {
  (void)state;
  sig_ctx *ctx = small_bucket_ctx();
  fake_conn *f = fake_open(ctx);
  fake_conn *g = fake_open(ctx);
  for (int i = 0; i < 5 + 25; i++) fake_send(f, "{\"type\":\"ping\"}"); /* 25 drops = 5 x burst */
  assert_int_equal(f->closes, 0);
  fake_send(f, "garbage");
  assert_int_equal(f->closes, 1);
  assert_int_equal(f->close_code, 1008);
  assert_string_equal(f->close_reason, "rate limit abuse");
  /* Other connections have their own bucket. */
  fake_send(g, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(g, "pong"), 1);
  fake_free(f);
  fake_free(g);
  sig_ctx_destroy(ctx);
}

static void t_abuse_window_resets(void **state) {
  (void)state;
  sig_ctx *ctx = small_bucket_ctx();
  fake_conn *f = fake_open(ctx);
  for (int round = 0; round < 4; round++) {
    /* 20 drops per 10 s window stays under the 25 threshold, forever. */
    for (int i = 0; i < 20 + 5; i++) fake_send(f, "{\"type\":\"ping\"}");
    fake_now_ms += 10000;
  }
  assert_int_equal(f->closes, 0);
  fake_free(f);
  sig_ctx_destroy(ctx);
}

static void t_password_join_costs_more(void **state) {
  (void)state;
  sig_ctx *ctx = small_bucket_ctx();
  char room[16];
  fake_room(ctx, NULL, "pw", room, NULL);
  fake_conn *f = fake_open(ctx);
  fake_join(f, room, "A", ",\"password\":\"bad\"", 0);
  assert_string_equal(fake_error(f), "wrong_password");
  /* An argon2 check drains the bucket: password guessing is slow. */
  fake_join(f, room, "A", ",\"password\":\"pw\"", 0);
  assert_string_equal(fake_error(f), "rate_limited");
  fake_now_ms += 10000;
  fake_join(f, room, "A", ",\"password\":\"pw\"", 1);
  fake_free(f);
  sig_ctx_destroy(ctx);
}

/* Regression: argon2 runs block the control thread, and the per-connection bucket alone let
 * many connections guess passwords (or an owner re-hash) at full speed together. */
/* Password checks wait in a bounded queue, one runs at a time off the control thread, and
 * queued joins are answered in order. */
static void t_password_queue_bounded(void **state) {
  (void)state;
  sig_limits lim;
  sig_limits_default(&lim);
  lim.password_queue_max = 4;
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  char room[16], owner[64];
  fake_room(ctx, NULL, "pw", room, owner);
  fake_defer_jobs = 1;
  fake_conn *f[7];
  char addr[32];
  for (int i = 0; i < 7; i++) {
    f[i] = fake_open(ctx);
    snprintf(addr, sizeof addr, "10.0.0.%d", i);
    sig_conn_set_addr(f[i]->c, addr);
    fake_join(f[i], room, "A", i == 3 ? ",\"password\":\"pw\"" : ",\"password\":\"bad\"", -1);
  }
  /* One running + four queued; the sixth and seventh are refused at once. */
  for (int i = 0; i < 5; i++) assert_int_equal(f[i]->nframes, 0);
  assert_string_equal(fake_error(f[5]), "rate_limited");
  assert_string_equal(fake_error(f[6]), "rate_limited");
  /* A second join on a connection whose check waits is refused too. */
  fake_join(f[0], room, "A", ",\"password\":\"x\"", -1);
  assert_string_equal(fake_error(f[0]), "rate_limited");
  fake_clear(f[0]);
  /* A connection that goes away takes its queued check with it. */
  fake_free(f[4]);
  f[4] = NULL;
  assert_int_equal(fake_run_jobs(), 4); /* 0, 1, 2, 3: f[4]'s was dropped */
  assert_string_equal(fake_error(f[0]), "wrong_password");
  assert_string_equal(fake_error(f[1]), "wrong_password");
  assert_string_equal(fake_error(f[2]), "wrong_password");
  assert_int_equal(fake_count(f[3], "joined"), 1);
  fake_defer_jobs = 0;
  for (int i = 0; i < 7; i++) fake_free(f[i]);
  sig_ctx_destroy(ctx);
}

/* One address's CPU budget in debt holds its next check back while other addresses go on;
 * the budget refills with time (sig_tick retries). */
static void t_password_budget_per_address(void **state) {
  (void)state;
  sig_limits lim;
  sig_limits_default(&lim);
  lim.password_addr_cpu_ms_per_s = 0.001; /* any real run puts the address in debt */
  lim.idle_timeout_s = 86400;
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  char room[16], owner[64];
  fake_room(ctx, NULL, "pw", room, owner);
  fake_defer_jobs = 1;
  fake_conn *a1 = fake_open(ctx), *a2 = fake_open(ctx), *b = fake_open(ctx);
  sig_conn_set_addr(a1->c, "198.51.100.1");
  sig_conn_set_addr(a2->c, "198.51.100.1");
  sig_conn_set_addr(b->c, "203.0.113.9");
  fake_join(a1, room, "A", ",\"password\":\"bad\"", -1);
  fake_join(a2, room, "A", ",\"password\":\"bad\"", -1);
  fake_join(b, room, "B", ",\"password\":\"pw\"", -1);
  fake_run_jobs(); /* a1 ran (debt now), b's turn came before a2's */
  assert_string_equal(fake_error(a1), "wrong_password");
  assert_int_equal(fake_count(b, "joined"), 1);
  assert_int_equal(a2->nframes, 0);
  fake_now_ms += 3600000; /* an hour at 1 us/s pays back a run of up to 3.6 ms ... */
  sig_tick(ctx);
  fake_run_jobs();
  if (a2->nframes == 0) fake_now_ms += 360000000; /* ... a slow (sanitized) one takes longer */
  sig_tick(ctx);
  fake_run_jobs();
  assert_string_equal(fake_error(a2), "wrong_password");
  fake_defer_jobs = 0;
  fake_free(a1);
  fake_free(a2);
  fake_free(b);
  sig_ctx_destroy(ctx);
}

static void count_answer(void *user, int err, const char *json) {
  assert_int_equal(err, SIG_OK);
  assert_non_null(json);
  (*(int *)user)++;
}

/* Creating a room with a password hashes it on the same queue; invalid input costs nothing. */
static void t_password_room_create(void **state) {
  (void)state;
  sig_limits lim;
  sig_limits_default(&lim);
  lim.password_queue_max = 2;
  lim.password_addr_queue_max = 3;
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  fake_defer_jobs = 1;
  int answers = 0;
  for (int i = 0; i < 3; i++) /* one hashing, two waiting */
    assert_int_equal(sig_room_create(ctx, NULL, "pw", NULL, "a", count_answer, &answers, NULL), SIG_OK);
  assert_int_equal(sig_room_create(ctx, NULL, "pw", NULL, "a", count_answer, &answers, NULL), SIG_EBUSY);
  assert_int_equal(answers, 0); /* nothing answered before it is stored */
  /* No password: no hash to wait for (and this ctx has no store: answered at once). */
  assert_int_equal(sig_room_create(ctx, NULL, NULL, NULL, "a", count_answer, &answers, NULL), SIG_OK);
  assert_int_equal(answers, 1);
  fake_run_jobs();
  assert_int_equal(answers, 4);
  char *out = NULL;
  assert_int_equal(fake_room_create(ctx, NULL, "\xff", &out), SIG_EINVAL); /* still a 400 */
  assert_string_equal(sig_strerror(SIG_EBUSY), "too many password hashes; retry shortly");
  fake_defer_jobs = 0;
  assert_int_equal(fake_room_create(ctx, NULL, "pw", &out), SIG_OK);
  assert_non_null(strstr(out, "owner_token"));
  free(out);
  sig_ctx_destroy(ctx);
}

static void t_metrics(void **state) {
  (void)state;
  sig_ctx *ctx = fake_ctx(NULL, NULL, NULL);
  char room[16];
  fake_room(ctx, NULL, NULL, room, NULL);
  fake_conn *f = fake_open(ctx);
  fake_conn *g = fake_open(ctx);
  fake_join(f, room, "A", "", 1);
  fake_send(f, "{\"type\":\"chat\",\"text\":\"x\"}");
  fake_send(g, "{\"type\":\"evil\\\"} 1\\nbuzz_rooms 99\"}");
  fake_send(g, "nope");
  char *m = sig_metrics_text(ctx);
  assert_non_null(m);
  assert_non_null(strstr(m, "\nbuzz_rooms 1\n"));
  assert_non_null(strstr(m, "\nbuzz_participants 1\n"));
  assert_non_null(strstr(m, "\nbuzz_connections 2\n"));
  assert_non_null(strstr(m, "buzz_messages_in_total{type=\"join\"} 1\n"));
  assert_non_null(strstr(m, "buzz_messages_in_total{type=\"chat\"} 1\n"));
  assert_non_null(strstr(m, "buzz_messages_in_total{type=\"invalid\"} 2\n"));
  assert_non_null(strstr(m, "buzz_messages_out_total{type=\"joined\"} 1\n"));
  assert_non_null(strstr(m, "buzz_messages_out_total{type=\"chat\"} 1\n"));
  assert_non_null(strstr(m, "buzz_errors_total{code=\"unknown_type\"} 1\n"));
  assert_non_null(strstr(m, "buzz_errors_total{code=\"bad_json\"} 1\n"));
  assert_non_null(strstr(m, "# TYPE buzz_rooms gauge\n"));
  assert_null(strstr(m, "evil"));
  assert_null(strstr(m, "99"));
  free(m);
  fake_free(f);
  fake_free(g);
  m = sig_metrics_text(ctx);
  assert_non_null(strstr(m, "\nbuzz_connections 0\n"));
  free(m);
  sig_ctx_destroy(ctx);
}

static void t_limits_sanitized(void **state) {
  (void)state;
  sig_limits lim;
  memset(&lim, 0, sizeof lim); /* a config that forgot every key */
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  char room[16];
  fake_room(ctx, NULL, NULL, room, NULL);
  fake_conn *f = fake_open(ctx);
  fake_join(f, room, "A", "", 1);
  fake_send(f, "{\"type\":\"chat\",\"text\":\"hello\"}");
  assert_int_equal(fake_count(f, "chat"), 1);
  fake_free(f);
  sig_ctx_destroy(ctx);
  sig_ctx *bad = NULL;
  sig_limits_default(&lim);
  sig_transport tp = {0};
  assert_int_equal(sig_ctx_create(&bad, &lim, NULL, &tp, NULL), SIG_EINVAL);
  assert_null(bad);
}

int tests_limits(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_bucket),
      cmocka_unit_test(t_abuse_closes),
      cmocka_unit_test(t_abuse_window_resets),
      cmocka_unit_test(t_password_join_costs_more),
      cmocka_unit_test(t_password_queue_bounded),
      cmocka_unit_test(t_password_budget_per_address),
      cmocka_unit_test(t_password_room_create),
      cmocka_unit_test(t_metrics),
      cmocka_unit_test(t_limits_sanitized),
  };
  return cmocka_run_group_tests_name("sig_limits", tests, NULL, NULL);
}
