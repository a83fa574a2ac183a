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
static void t_password_budget_server_wide(void **state) {
  (void)state;
  sig_ctx *ctx = fake_ctx(NULL, NULL, NULL);
  char room[16], owner[64];
  fake_room(ctx, NULL, "pw", room, owner);
  fake_now_ms += 1000; /* creating the room took one run from the budget: refill it */
  fake_conn *f[20];
  int wrong = 0, limited = 0;
  for (int i = 0; i < 20; i++) {
    f[i] = fake_open(ctx);
    fake_join(f[i], room, "A", ",\"password\":\"bad\"", 0);
    wrong += strcmp(fake_error(f[i]), "wrong_password") == 0;
    limited += strcmp(fake_error(f[i]), "rate_limited") == 0;
  }
  assert_int_equal(wrong, (int)SIG_PW_BURST);
  assert_int_equal(limited, 20 - (int)SIG_PW_BURST);
  /* No password given: nothing to verify, so no budget is needed to refuse. */
  fake_join(f[0], room, "A", "", 0);
  assert_string_equal(fake_error(f[0]), "wrong_password");
  fake_now_ms += 1000; /* SIG_PW_PER_S runs come back */
  fake_join(f[19], room, "A", ",\"password\":\"pw\"", 1);
  /* set-password draws on the same budget. */
  fake_conn *o = fake_open(ctx);
  char extra[128];
  snprintf(extra, sizeof extra, ",\"owner_token\":\"%s\"", owner);
  fake_join(o, room, "O", extra, 1);
  int ok = 0;
  for (int i = 0; i < 12; i++) {
    fake_send(o, "{\"type\":\"set-password\",\"password\":\"x\"}");
    ok += fake_error(o)[0] == '\0';
  }
  assert_true(ok < 12);
  assert_string_equal(fake_error(o), "rate_limited");
  fake_free(o);
  for (int i = 0; i < 20; i++) fake_free(f[i]);
  sig_ctx_destroy(ctx);
}

/* Creating a room with a password hashes it: REST draws on the same server-wide budget. */
static void t_password_budget_room_create(void **state) {
  (void)state;
  sig_ctx *ctx = fake_ctx(NULL, NULL, NULL);
  char *out = NULL;
  for (int i = 0; i < (int)SIG_PW_BURST; i++) {
    assert_int_equal(sig_room_create(ctx, NULL, "pw", &out), SIG_OK);
    free(out);
  }
  assert_int_equal(sig_room_create(ctx, NULL, "pw", &out), SIG_EBUSY);
  assert_null(out);
  assert_int_equal(sig_room_create(ctx, NULL, NULL, &out), SIG_OK); /* no hash, no budget */
  free(out);
  assert_int_equal(sig_room_create(ctx, NULL, "\xff", &out), SIG_EINVAL); /* still a 400 */
  assert_string_equal(sig_strerror(SIG_EBUSY), "too many password hashes; retry shortly");
  fake_now_ms += 1000;
  assert_int_equal(sig_room_create(ctx, NULL, "pw", &out), SIG_OK);
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
      cmocka_unit_test(t_password_budget_server_wide),
      cmocka_unit_test(t_password_budget_room_create),
      cmocka_unit_test(t_metrics),
      cmocka_unit_test(t_limits_sanitized),
  };
  return cmocka_run_group_tests_name("sig_limits", tests, NULL, NULL);
}
