/* The reaction message: broadcast to everyone (sender included) with the sender's id, every
 * documented error, and the per-participant bucket (6 in a row, then 2 per second). */
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

typedef struct env {
  sig_ctx *ctx;
  fake_conn *a, *b;
  char room[16], owner[64], ida[16];
} env;

static int env_setup(void **state) {
  env *e = calloc(1, sizeof *e);
  e->ctx = fake_ctx(NULL, NULL, NULL);
  fake_room(e->ctx, "Standup", NULL, e->room, e->owner);
  e->a = fake_open(e->ctx);
  e->b = fake_open(e->ctx);
  snprintf(e->ida, sizeof e->ida, "%s", fake_join(e->a, e->room, "Ann", "", 1));
  fake_join(e->b, e->room, "Bob", "", 1);
  fake_clear(e->a);
  fake_clear(e->b);
  *state = e;
  return 0;
}

static int env_teardown(void **state) {
  env *e = *state;
  fake_free(e->a);
  fake_free(e->b);
  sig_ctx_destroy(e->ctx);
  free(e);
  return 0;
}

static void t_broadcast(void **state) {
  env *e = *state;
  fake_send(e->a, "{\"type\":\"reaction\",\"kind\":\"clap\"}");
  for (int i = 0; i < 2; i++) {
    json_t *j = fake_last(i ? e->b : e->a, "reaction");
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "from")), e->ida);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "clap");
    json_decref(j);
  }
}

static void expect_code(fake_conn *f, const char *json, const char *code) {
  fake_send(f, json);
  assert_string_equal(fake_error(f), code);
  json_t *j = fake_last(f, "error");
  assert_string_equal(json_string_value(json_object_get(j, "ref")), "reaction");
  json_decref(j);
}

static void t_errors(void **state) {
  env *e = *state;
  expect_code(e->a, "{\"type\":\"reaction\"}", "bad_message");
  expect_code(e->a, "{\"type\":\"reaction\",\"kind\":7}", "bad_message");
  expect_code(e->a, "{\"type\":\"reaction\",\"kind\":\"confetti\"}", "bad_message");
  expect_code(e->a, "{\"type\":\"reaction\",\"kind\":\"clap \"}", "bad_message");
  assert_int_equal(fake_count(e->b, "reaction"), 0);
  fake_conn *x = fake_open(e->ctx); /* not joined */
  fake_send(x, "{\"type\":\"reaction\",\"kind\":\"heart\"}");
  assert_string_equal(fake_error(x), "not_joined");
  fake_free(x);
}

static void t_rate(void **state) {
  env *e = *state;
  for (int i = 0; i < 6; i++) fake_send(e->a, "{\"type\":\"reaction\",\"kind\":\"heart\",\"id\":3}");
  assert_int_equal(fake_count(e->b, "reaction"), 6);
  fake_send(e->a, "{\"type\":\"reaction\",\"kind\":\"heart\",\"id\":4}");
  assert_string_equal(fake_error(e->a), "rate_limited");
  json_t *j = fake_last(e->a, "error");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 4);
  json_decref(j);
  assert_int_equal(fake_count(e->b, "reaction"), 6);
  fake_now_ms += 500; /* one token back */
  fake_send(e->a, "{\"type\":\"reaction\",\"kind\":\"laugh\"}");
  assert_int_equal(fake_count(e->b, "reaction"), 7);
  /* Another participant's bucket is its own. */
  fake_send(e->b, "{\"type\":\"reaction\",\"kind\":\"surprised\"}");
  assert_int_equal(fake_count(e->a, "reaction"), 8);
}

int tests_reaction(void) {
  const struct CMUnitTest t[] = {
      cmocka_unit_test_setup_teardown(t_broadcast, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_errors, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_rate, env_setup, env_teardown),
  };
  return cmocka_run_group_tests_name("reaction", t, NULL, NULL);
}
