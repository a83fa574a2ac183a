/* Message validation and dispatch: every protocol error code and the envelope rules. */
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
  fake_conn *a;
  char room[16], owner[64];
} env;

static int env_setup(void **state) {
  env *e = calloc(1, sizeof *e);
  e->ctx = fake_ctx(NULL, NULL, NULL);
  fake_room(e->ctx, "Standup", NULL, e->room, e->owner);
  e->a = fake_open(e->ctx);
  *state = e;
  return 0;
}

static int env_teardown(void **state) {
  env *e = *state;
  fake_free(e->a);
  sig_ctx_destroy(e->ctx);
  free(e);
  return 0;
}

/* Sends `json` and asserts the answer is an error with `code` (and ref when non-NULL). */
static void expect_error(fake_conn *f, const char *json, const char *code, const char *ref) {
  int before = f->nframes;
  fake_send(f, json);
  assert_int_equal(f->nframes, before + 1);
  json_t *j = fake_last(f, "error");
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "code")), code);
  assert_non_null(json_string_value(json_object_get(j, "message")));
  if (ref)
    assert_string_equal(json_string_value(json_object_get(j, "ref")), ref);
  else
    assert_null(json_object_get(j, "ref"));
  json_decref(j);
}

static void t_bad_json(void **state) {
  env *e = *state;
  expect_error(e->a, "not json", "bad_json", NULL);
  expect_error(e->a, "[1,2]", "bad_json", NULL);
  expect_error(e->a, "\"ping\"", "bad_json", NULL);
  expect_error(e->a, "{\"type\":\"ping\",\"type\":\"ping\"}", "bad_json", NULL);
  expect_error(e->a, "{\"type\":\"ping\"", "bad_json", NULL);
  expect_error(e->a, "", "bad_json", NULL);
  /* Invalid UTF-8 inside a string (overlong encoding of '/'). */
  expect_error(e->a, "{\"type\":\"ping\",\"x\":\"\xc0\xaf\"}", "bad_json", NULL);
  /* NUL bytes: the frame length counts, not a terminator. */
  fake_sendb(e->a, "{\"type\":\"ping\"}\0garbage", 23, 0);
  assert_string_equal(fake_error(e->a), "bad_json");
  /* An embedded \u0000 is refused. */
  expect_error(e->a, "{\"type\":\"join\",\"room\":\"a\\u0000b\",\"name\":\"x\"}", "bad_json", NULL);
}

static void t_bad_message(void **state) {
  env *e = *state;
  expect_error(e->a, "{\"foo\":1}", "bad_message", NULL);
  expect_error(e->a, "{\"type\":5}", "bad_message", NULL);
  expect_error(e->a, "{\"type\":\"ping\",\"id\":\"x\"}", "bad_message", "ping");
  expect_error(e->a, "{\"type\":\"join\",\"room\":\"x\"}", "bad_message", "join");
  expect_error(e->a, "{\"type\":\"join\",\"room\":5,\"name\":\"A\"}", "bad_message", "join");
  char buf[256];
  snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"\"}", e->room);
  expect_error(e->a, buf, "bad_message", "join");
  snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"a\\u0001\"}", e->room);
  expect_error(e->a, buf, "bad_message", "join");
  snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"A\",\"state\":1}",
           e->room);
  expect_error(e->a, buf, "bad_message", "join");
  snprintf(buf, sizeof buf,
           "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"A\",\"state\":{\"mic\":\"on\"}}",
           e->room);
  expect_error(e->a, buf, "bad_message", "join");
  fake_join(e->a, e->room, "A", "", 1);
  expect_error(e->a, "{\"type\":\"relay\",\"to\":\"nobody\"}", "bad_message", "relay");
  expect_error(e->a, "{\"type\":\"relay\",\"to\":\"p00000000\",\"data\":[1]}", "bad_message",
               "relay");
  expect_error(e->a, "{\"type\":\"chat\"}", "bad_message", "chat");
  expect_error(e->a, "{\"type\":\"chat\",\"text\":\"\"}", "bad_message", "chat");
  expect_error(e->a, "{\"type\":\"chat\",\"text\":7}", "bad_message", "chat");
  expect_error(e->a, "{\"type\":\"update\"}", "bad_message", "update");
  expect_error(e->a, "{\"type\":\"update\",\"mic\":1}", "bad_message", "update");
  expect_error(e->a, "{\"type\":\"update\",\"name\":false}", "bad_message", "update");
}

static void t_unknown_type_and_id_echo(void **state) {
  env *e = *state;
  expect_error(e->a, "{\"type\":\"evil\"}", "unknown_type", NULL);
  fake_send(e->a, "{\"type\":\"nope\",\"id\":42}");
  json_t *j = fake_last(e->a, "error");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 42);
  json_decref(j);
  fake_send(e->a, "{\"type\":\"ping\",\"id\":7}");
  j = fake_last(e->a, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "type")), "pong");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
  assert_int_equal(json_integer_value(json_object_get(j, "ts")), (json_int_t)fake_wall_ms);
  json_decref(j);
  fake_send(e->a, "{\"type\":\"ping\"}");
  j = fake_last(e->a, NULL);
  assert_null(json_object_get(j, "id"));
  json_decref(j);
}

static void t_too_large(void **state) {
  env *e = *state;
  fake_sendb(e->a, "{\"type\":\"ping\"}", 15, 1);
  assert_string_equal(fake_error(e->a), "too_large");
  size_t n = 65537;
  char *big = malloc(n);
  memset(big, ' ', n);
  big[0] = '{';
  big[n - 1] = '}';
  fake_sendb(e->a, big, n, 0);
  assert_string_equal(fake_error(e->a), "too_large");
  free(big);
  /* The connection is kept. */
  fake_send(e->a, "{\"type\":\"ping\"}");
  assert_int_equal(fake_count(e->a, "pong"), 1);
  assert_int_equal(e->a->closes, 0);
}

static void t_not_joined(void **state) {
  env *e = *state;
  const char *msgs[][2] = {
      {"{\"type\":\"chat\",\"text\":\"x\"}", "chat"},
      {"{\"type\":\"update\",\"mic\":false}", "update"},
      {"{\"type\":\"relay\",\"to\":\"p1\",\"data\":{}}", "relay"},
      {"{\"type\":\"leave\"}", "leave"},
      {"{\"type\":\"lock\",\"locked\":true}", "lock"},
      {"{\"type\":\"remove\",\"to\":\"p1\"}", "remove"},
      {"{\"type\":\"mute-request\",\"to\":\"p1\"}", "mute-request"},
      {"{\"type\":\"set-password\",\"password\":null}", "set-password"},
  };
  for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
    expect_error(e->a, msgs[i][0], "not_joined", msgs[i][1]);
}

static void t_join_errors(void **state) {
  env *e = *state;
  char buf[256];
  expect_error(e->a, "{\"type\":\"join\",\"room\":\"zzzz-zzzz-zzzz\",\"name\":\"A\"}",
               "room_not_found", "join");
  snprintf(buf, sizeof buf,
           "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"A\","
           "\"owner_token\":\"wrong\"}",
           e->room);
  expect_error(e->a, buf, "not_owner", "join");
  fake_join(e->a, e->room, "A", "", 1);
  snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"A\"}", e->room);
  expect_error(e->a, buf, "already_joined", "join");
}

static void t_field_too_long(void **state) {
  env *e = *state;
  char buf[4096], name[512] = "";
  /* 64 two-byte characters are fine (128 bytes): limits count characters. */
  for (int i = 0; i < 64; i++) strcat(name, "\xc3\xa9");
  fake_join(e->a, e->room, name, "", 1);
  strcat(name, "\xc3\xa9");
  snprintf(buf, sizeof buf, "{\"type\":\"update\",\"name\":\"%s\"}", name);
  expect_error(e->a, buf, "field_too_long", "update");
  fake_conn *b = fake_open(e->ctx);
  fake_join(b, e->room, name, "", 0);
  assert_string_equal(fake_error(b), "field_too_long");
  fake_free(b);
  /* Chat: exactly max_chat_chars passes, one more fails. */
  char *text = malloc(2100 * 4 + 64);
  strcpy(text, "{\"type\":\"chat\",\"text\":\"");
  for (int i = 0; i < 2000; i++) strcat(text, "\xf0\x9f\x90\x9d"); /* U+1F41D, 4 bytes */
  strcat(text, "\"}");
  fake_send(e->a, text);
  assert_int_equal(fake_count(e->a, "chat"), 1);
  strcpy(text + strlen(text) - 2, "x\"}");
  expect_error(e->a, text, "field_too_long", "chat");
  free(text);
}

static void t_relay(void **state) {
  env *e = *state;
  const char *a = fake_join(e->a, e->room, "A", "", 1);
  char aid[16];
  snprintf(aid, sizeof aid, "%s", a);
  fake_conn *b = fake_open(e->ctx);
  char bid[16];
  snprintf(bid, sizeof bid, "%s", fake_join(b, e->room, "B", "", 1));
  char buf[256];
  snprintf(buf, sizeof buf, "{\"type\":\"relay\",\"to\":\"%s\",\"data\":{\"candidate\":{\"c\":1}}}",
           bid);
  fake_send(e->a, buf);
  json_t *j = fake_last(b, "relay");
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "from")), aid);
  json_t *want = json_loads("{\"candidate\":{\"c\":1}}", 0, NULL);
  assert_true(json_equal(json_object_get(j, "data"), want));
  assert_null(json_object_get(j, "to"));
  json_decref(want);
  json_decref(j);
  snprintf(buf, sizeof buf, "{\"type\":\"relay\",\"to\":\"%s\",\"data\":{}}", aid);
  expect_error(e->a, buf, "no_such_participant", "relay");
  expect_error(e->a, "{\"type\":\"relay\",\"to\":\"p12345678\",\"data\":{}}", "no_such_participant",
               "relay");
  /* Data over 60 KiB (but under max_message_bytes) is refused. */
  size_t n = 62 * 1024;
  char *big = malloc(n + 256);
  int off = snprintf(big, 256, "{\"type\":\"relay\",\"to\":\"%s\",\"data\":{\"x\":\"", bid);
  memset(big + off, 'a', n);
  strcpy(big + off + n, "\"}}");
  expect_error(e->a, big, "field_too_long", "relay");
  free(big);
  assert_int_equal(fake_count(b, "relay"), 1);
  fake_free(b);
}

static int fail_rand(void *user, uint8_t *buf, size_t n) {
  (void)user;
  (void)buf;
  (void)n;
  return -1;
}

static void t_internal(void **state) {
  env *e = *state;
  sig__set_rand(e->ctx, fail_rand, NULL);
  fake_join(e->a, e->room, "A", "", 0);
  assert_string_equal(fake_error(e->a), "internal");
  char *out = NULL;
  assert_int_not_equal(fake_room_create(e->ctx, NULL, NULL, &out), SIG_OK);
  assert_null(out);
  sig__set_rand(e->ctx, NULL, NULL);
  fake_join(e->a, e->room, "A", "", 1);
}

static void t_utf8(void **state) {
  (void)state;
  assert_int_equal(sig__utf8_chars("", 0), 0);
  assert_int_equal(sig__utf8_chars("abc", 3), 3);
  assert_int_equal(sig__utf8_chars("\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\x9d", 9), 3);
  assert_int_equal(sig__utf8_chars("\xc0\xaf", 2), -1);         /* overlong */
  assert_int_equal(sig__utf8_chars("\xe0\x80\xaf", 3), -1);     /* overlong */
  assert_int_equal(sig__utf8_chars("\xed\xa0\x80", 3), -1);     /* surrogate */
  assert_int_equal(sig__utf8_chars("\xf4\x90\x80\x80", 4), -1); /* > U+10FFFF */
  assert_int_equal(sig__utf8_chars("\xe2\x82", 2), -1);         /* truncated */
  assert_int_equal(sig__utf8_chars("\x80", 1), -1);             /* stray continuation */
  assert_int_equal(sig__check_name(" ", 1, 64), 0);
  assert_int_equal(sig__check_name("a\x7f", 2, 64), SIG_PE_BAD_MESSAGE);
  assert_int_equal(sig__check_name("\xc2\x85", 2, 64), SIG_PE_BAD_MESSAGE); /* C1 control */
  assert_int_equal(sig__check_name("abc", 3, 2), SIG_PE_FIELD_TOO_LONG);
}

int tests_msg(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_bad_json, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_bad_message, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_unknown_type_and_id_echo, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_too_large, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_not_joined, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_join_errors, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_field_too_long, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_relay, env_setup, env_teardown),
      cmocka_unit_test_setup_teardown(t_internal, env_setup, env_teardown),
      cmocka_unit_test(t_utf8),
  };
  return cmocka_run_group_tests_name("sig_messages", tests, NULL, NULL);
}
