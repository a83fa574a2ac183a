/* The room state machine: join/leave, updates, chat, reconnect grace, owner actions. */
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
#include "turn/turn.h"

typedef struct env {
  sig_ctx *ctx;
  fake_conn *a, *b;
  char room[16], owner[64], aid[16], bid[16];
} env;

static int env_setup(void **state) {
  env *e = calloc(1, sizeof *e);
  fake_sync_close = 0;
  e->ctx = fake_ctx(NULL, NULL, NULL);
  fake_room(e->ctx, "Standup", NULL, e->room, e->owner);
  e->a = fake_open(e->ctx);
  e->b = fake_open(e->ctx);
  char extra[128];
  snprintf(extra, sizeof extra, ",\"owner_token\":\"%s\"", e->owner);
  snprintf(e->aid, sizeof e->aid, "%s", fake_join(e->a, e->room, "Alice", extra, 1));
  snprintf(e->bid, sizeof e->bid, "%s", fake_join(e->b, e->room, "Bob", "", 1));
  *state = e;
  return 0;
}

static int env_teardown(void **state) {
  env *e = *state;
  fake_free(e->a);
  fake_free(e->b);
  sig_ctx_destroy(e->ctx);
  fake_sync_close = 0;
  free(e);
  return 0;
}

static const char *jstr(json_t *o, const char *path1, const char *path2) {
  json_t *v = json_object_get(o, path1);
  if (path2) v = json_object_get(v, path2);
  return json_string_value(v);
}

static void t_join_roster(void **state) {
  env *e = *state;
  assert_true(strlen(e->aid) == 9 && e->aid[0] == 'p');
  assert_string_not_equal(e->aid, e->bid);
  json_t *j = fake_last(e->a, "joined");
  assert_true(json_is_true(json_object_get(j, "owner")));
  assert_string_equal(jstr(j, "media", NULL), "p2p");
  assert_string_equal(jstr(j, "room", "name"), "Standup");
  assert_int_equal(json_array_size(json_object_get(j, "participants")), 0);
  assert_int_equal(json_array_size(json_object_get(j, "ice_servers")), 0);
  assert_int_equal(strlen(jstr(j, "reconnect_token", NULL)), SIG_TOKEN_LEN);
  json_decref(j);
  j = fake_last(e->b, "joined");
  assert_false(json_is_true(json_object_get(j, "owner")));
  json_t *others = json_object_get(j, "participants");
  assert_int_equal(json_array_size(others), 1);
  assert_string_equal(jstr(json_array_get(others, 0), "id", NULL), e->aid);
  assert_true(json_is_true(json_object_get(json_array_get(others, 0), "owner")));
  json_decref(j);
  j = fake_last(e->a, "participant-joined");
  assert_string_equal(jstr(j, "participant", "id"), e->bid);
  assert_string_equal(jstr(j, "participant", "name"), "Bob");
  assert_true(json_is_true(json_object_get(json_object_get(j, "participant"), "mic")));
  json_decref(j);
  assert_int_equal(fake_count(e->b, "participant-joined"), 0);
  char *info = NULL;
  assert_int_equal(sig_room_info(e->ctx, e->room, &info), SIG_OK);
  j = json_loads(info, 0, NULL);
  assert_int_equal(json_integer_value(json_object_get(j, "participants")), 2);
  assert_false(json_is_true(json_object_get(j, "password")));
  assert_null(json_object_get(j, "owner_token"));
  json_decref(j);
  free(info);
}

static void t_leave_and_rejoin(void **state) {
  env *e = *state;
  fake_send(e->b, "{\"type\":\"leave\",\"id\":3}");
  json_t *j = fake_last(e->b, "left");
  assert_non_null(j);
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 3);
  json_decref(j);
  j = fake_last(e->a, "participant-left");
  assert_string_equal(jstr(j, "id", NULL), e->bid);
  assert_string_equal(jstr(j, "reason", NULL), "left");
  json_decref(j);
  assert_int_equal(fake_count(e->b, "participant-left"), 0);
  /* After leaving, the connection is back to "connected": room messages fail, join works. */
  fake_send(e->b, "{\"type\":\"chat\",\"text\":\"hi\"}");
  assert_string_equal(fake_error(e->b), "not_joined");
  const char *again =
      fake_join(e->b, e->room, "Bob2", ",\"state\":{\"mic\":false,\"hand\":true}", 1);
  assert_string_not_equal(again, e->bid);
  j = fake_last(e->a, "participant-joined");
  assert_false(json_is_true(json_object_get(json_object_get(j, "participant"), "mic")));
  assert_true(json_is_true(json_object_get(json_object_get(j, "participant"), "hand")));
  json_decref(j);
}

static void t_update(void **state) {
  env *e = *state;
  fake_send(e->b, "{\"type\":\"update\",\"camera\":false,\"screen\":true,\"name\":\"Bobby\"}");
  for (int i = 0; i < 2; i++) {
    json_t *j = fake_last(i ? e->b : e->a, "participant-updated");
    assert_non_null(j);
    json_t *p = json_object_get(j, "participant");
    assert_string_equal(jstr(p, "id", NULL), e->bid);
    assert_string_equal(jstr(p, "name", NULL), "Bobby");
    assert_false(json_is_true(json_object_get(p, "camera")));
    assert_true(json_is_true(json_object_get(p, "screen")));
    assert_true(json_is_true(json_object_get(p, "mic")));
    json_decref(j);
  }
}

static void t_chat_history(void **state) {
  env *e = *state;
  char buf[128];
  for (int i = 1; i <= 101; i++) {
    fake_wall_ms += 10;
    snprintf(buf, sizeof buf, "{\"type\":\"chat\",\"text\":\"m%d\"}", i);
    fake_send(i % 2 ? e->a : e->b, buf);
  }
  json_t *j = fake_last(e->b, "chat");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 101);
  assert_string_equal(jstr(j, "text", NULL), "m101");
  assert_string_equal(jstr(j, "from", NULL), e->aid);
  assert_string_equal(jstr(j, "name", NULL), "Alice");
  assert_int_equal(json_integer_value(json_object_get(j, "ts")), (json_int_t)fake_wall_ms);
  json_decref(j);
  assert_int_equal(fake_count(e->a, "chat"), 101); /* the sender gets its own too */
  fake_conn *c = fake_open(e->ctx);
  fake_join(c, e->room, "Carol", "", 1);
  j = fake_last(c, "joined");
  json_t *chat = json_object_get(j, "chat");
  /* joined carries the newest join_history_msgs (50); older ones are paged (test_history.c). */
  assert_int_equal(json_array_size(chat), 50);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(chat, 0), "id")), 52);
  assert_string_equal(jstr(json_array_get(chat, 49), "text", NULL), "m101");
  assert_true(json_is_true(json_object_get(j, "chat_more")));
  json_decref(j);
  fake_free(c);
}

static void t_reconnect_with_token(void **state) {
  env *e = *state;
  json_t *j = fake_last(e->b, "joined");
  char token[64], extra[128];
  snprintf(token, sizeof token, "%s", jstr(j, "reconnect_token", NULL));
  json_decref(j);
  fake_closed(e->b); /* the socket drops */
  fake_now_ms += 14000;
  sig_tick(e->ctx);
  assert_int_equal(fake_count(e->a, "participant-left"), 0);
  fake_conn *b2 = fake_open(e->ctx);
  snprintf(extra, sizeof extra, ",\"token\":\"%s\"", token);
  assert_string_equal(fake_join(b2, e->room, "Bob", extra, 1), e->bid);
  j = fake_last(e->a, "participant-updated");
  assert_string_equal(jstr(j, "participant", "id"), e->bid);
  json_decref(j);
  fake_now_ms += 20000;
  fake_send(e->a, "{\"type\":\"ping\"}");
  fake_send(b2, "{\"type\":\"ping\"}");
  sig_tick(e->ctx);
  assert_int_equal(fake_count(e->a, "participant-left"), 0);
  /* An unknown token is just a fresh join. */
  fake_conn *c = fake_open(e->ctx);
  assert_string_not_equal(fake_join(c, e->room, "C", ",\"token\":\"bogus\"", 1), e->bid);
  fake_free(c);
  fake_free(b2);
}

static void t_reconnect_replaces_open_socket(void **state) {
  env *e = *state;
  json_t *j = fake_last(e->b, "joined");
  char extra[128];
  snprintf(extra, sizeof extra, ",\"token\":\"%s\"", jstr(j, "reconnect_token", NULL));
  json_decref(j);
  fake_conn *b2 = fake_open(e->ctx);
  assert_string_equal(fake_join(b2, e->room, "Bob", extra, 1), e->bid);
  assert_int_equal(e->b->close_code, 4003);
  assert_string_equal(e->b->close_reason, "replaced by a newer connection");
  fake_closed(e->b); /* the old socket finally goes: b2 keeps the participant */
  fake_now_ms += 60000;
  fake_send(e->a, "{\"type\":\"ping\"}");
  fake_send(b2, "{\"type\":\"ping\"}");
  sig_tick(e->ctx);
  assert_int_equal(fake_count(e->a, "participant-left"), 0);
  fake_send(b2, "{\"type\":\"chat\",\"text\":\"still here\"}");
  j = fake_last(e->a, "chat");
  assert_string_equal(jstr(j, "from", NULL), e->bid);
  json_decref(j);
  fake_free(b2);
}

static void t_grace_expiry(void **state) {
  env *e = *state;
  fake_closed(e->b);
  fake_now_ms += 15000;
  fake_send(e->a, "{\"type\":\"ping\"}");
  sig_tick(e->ctx);
  json_t *j = fake_last(e->a, "participant-left");
  assert_non_null(j);
  assert_string_equal(jstr(j, "id", NULL), e->bid);
  assert_string_equal(jstr(j, "reason", NULL), "disconnected");
  json_decref(j);
  sig_tick(e->ctx);
  assert_int_equal(fake_count(e->a, "participant-left"), 1);
}

static void t_idle_timeout(void **state) {
  env *e = *state;
  fake_now_ms += 29000;
  fake_send(e->a, "{\"type\":\"ping\"}");
  sig_tick(e->ctx);
  assert_int_equal(e->b->closes, 0);
  fake_now_ms += 1000;
  sig_tick(e->ctx);
  assert_int_equal(e->b->close_code, 4002);
  assert_string_equal(e->b->close_reason, "idle timeout");
  assert_int_equal(e->a->closes, 0);
  fake_closed(e->b);
  fake_now_ms += 15000;
  fake_send(e->a, "{\"type\":\"ping\"}");
  sig_tick(e->ctx);
  json_t *j = fake_last(e->a, "participant-left");
  assert_string_equal(jstr(j, "reason", NULL), "timeout");
  json_decref(j);
}

static void t_owner_mute_and_remove(void **state) {
  env *e = *state;
  char buf[128];
  snprintf(buf, sizeof buf, "{\"type\":\"mute-request\",\"to\":\"%s\"}", e->aid);
  fake_send(e->b, buf);
  assert_string_equal(fake_error(e->b), "not_owner");
  snprintf(buf, sizeof buf, "{\"type\":\"mute-request\",\"to\":\"%s\",\"id\":9}", e->bid);
  fake_send(e->a, buf);
  json_t *j = fake_last(e->b, "mute-request");
  assert_string_equal(jstr(j, "from", NULL), e->aid);
  json_decref(j);
  j = fake_last(e->a, "ok");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 9);
  json_decref(j);
  fake_conn *c = fake_open(e->ctx);
  fake_join(c, e->room, "Carol", "", 1);
  snprintf(buf, sizeof buf, "{\"type\":\"remove\",\"to\":\"%s\"}", e->bid);
  fake_send(e->a, buf);
  j = fake_last(e->b, "removed");
  assert_string_equal(jstr(j, "by", NULL), e->aid);
  json_decref(j);
  assert_int_equal(e->b->close_code, 4001);
  assert_string_equal(e->b->close_reason, "removed by owner");
  j = fake_last(c, "participant-left");
  assert_string_equal(jstr(j, "reason", NULL), "removed");
  assert_string_equal(jstr(j, "id", NULL), e->bid);
  json_decref(j);
  assert_int_equal(fake_count(e->a, "ok"), 2);
  /* Messages on the closing socket are ignored; its close adds no second departure. */
  int before = e->b->nframes;
  fake_send(e->b, "{\"type\":\"ping\"}");
  assert_int_equal(e->b->nframes, before);
  fake_closed(e->b);
  fake_now_ms += 20000;
  fake_send(e->a, "{\"type\":\"ping\"}");
  fake_send(c, "{\"type\":\"ping\"}");
  sig_tick(e->ctx);
  assert_int_equal(fake_count(c, "participant-left"), 1);
  snprintf(buf, sizeof buf, "{\"type\":\"remove\",\"to\":\"%s\"}", e->bid);
  fake_send(e->a, buf);
  assert_string_equal(fake_error(e->a), "no_such_participant");
  fake_free(c);
}

static void t_lock(void **state) {
  env *e = *state;
  fake_send(e->b, "{\"type\":\"lock\",\"locked\":true}");
  assert_string_equal(fake_error(e->b), "not_owner");
  fake_send(e->a, "{\"type\":\"lock\",\"locked\":\"yes\"}");
  assert_string_equal(fake_error(e->a), "bad_message");
  fake_send(e->a, "{\"type\":\"lock\",\"locked\":true}");
  json_t *j = fake_last(e->b, "room-updated");
  assert_true(json_is_true(json_object_get(json_object_get(j, "room"), "locked")));
  json_decref(j);
  assert_int_equal(fake_count(e->a, "room-updated"), 1);
  fake_conn *c = fake_open(e->ctx);
  fake_join(c, e->room, "Carol", "", 0);
  assert_string_equal(fake_error(c), "room_locked");
  char extra[128];
  snprintf(extra, sizeof extra, ",\"owner_token\":\"%s\"", e->owner);
  fake_join(c, e->room, "Owner again", extra, 1); /* the owner still gets in */
  fake_send(e->a, "{\"type\":\"lock\",\"locked\":false}");
  fake_conn *d = fake_open(e->ctx);
  fake_join(d, e->room, "Dave", "", 1);
  fake_free(c);
  fake_free(d);
}

static void t_set_password(void **state) {
  env *e = *state;
  fake_send(e->b, "{\"type\":\"set-password\",\"password\":\"x\"}");
  assert_string_equal(fake_error(e->b), "not_owner");
  fake_send(e->a, "{\"type\":\"set-password\"}");
  assert_string_equal(fake_error(e->a), "bad_message");
  fake_send(e->a, "{\"type\":\"set-password\",\"password\":\"s3cret\",\"id\":5}");
  json_t *j = fake_last(e->a, "ok");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 5);
  json_decref(j);
  j = fake_last(e->b, "room-updated");
  assert_true(json_is_true(json_object_get(json_object_get(j, "room"), "password")));
  json_decref(j);
  fake_conn *c = fake_open(e->ctx);
  fake_join(c, e->room, "C", "", 0);
  assert_string_equal(fake_error(c), "wrong_password");
  fake_join(c, e->room, "C", ",\"password\":\"nope\"", 0);
  assert_string_equal(fake_error(c), "wrong_password");
  fake_join(c, e->room, "C", ",\"password\":\"s3cret\"", 1);
  fake_send(e->a, "{\"type\":\"set-password\",\"password\":null}");
  fake_conn *d = fake_open(e->ctx);
  fake_join(d, e->room, "D", "", 1);
  fake_free(c);
  fake_free(d);
}

static void t_room_full(void **state) {
  (void)state;
  sig_limits lim;
  sig_limits_default(&lim);
  lim.max_participants = 2;
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  char room[16];
  fake_room(ctx, NULL, NULL, room, NULL);
  fake_conn *f[3];
  for (int i = 0; i < 3; i++) f[i] = fake_open(ctx);
  fake_join(f[0], room, "A", "", 1);
  fake_join(f[1], room, "B", "", 1);
  fake_join(f[2], room, "C", "", 0);
  assert_string_equal(fake_error(f[2]), "room_full");
  /* A participant in its reconnect grace still holds a seat. */
  fake_closed(f[1]);
  fake_join(f[2], room, "C", "", 0);
  assert_string_equal(fake_error(f[2]), "room_full");
  for (int i = 0; i < 3; i++) fake_free(f[i]);
  sig_ctx_destroy(ctx);
}

/* A transport that reports the close from inside sig's close() call must not free a
 * connection a handler is still using (ASan would flag it). */
static void t_sync_close_is_deferred(void **state) {
  env *e = *state;
  fake_sync_close = 1;
  char buf[128];
  json_t *j = fake_last(e->b, "joined");
  char extra[128];
  snprintf(extra, sizeof extra, ",\"token\":\"%s\"", jstr(j, "reconnect_token", NULL));
  json_decref(j);
  fake_conn *b2 = fake_open(e->ctx);
  fake_join(b2, e->room, "Bob", extra, 1);
  assert_null(e->b->c);
  snprintf(buf, sizeof buf, "{\"type\":\"remove\",\"to\":\"%s\"}", e->bid);
  fake_send(e->a, buf);
  assert_null(b2->c);
  assert_int_equal(b2->close_code, 4001);
  sig_shutdown(e->ctx);
  assert_null(e->a->c);
  assert_int_equal(e->a->close_code, 1001);
  fake_free(b2);
}

static void t_shutdown(void **state) {
  env *e = *state;
  sig_shutdown(e->ctx);
  assert_int_equal(e->a->close_code, 1001);
  assert_string_equal(e->a->close_reason, "server shutting down");
  assert_int_equal(e->b->close_code, 1001);
}

static void t_turn_in_joined(void **state) {
  (void)state;
  sig_turn turn = {.uri = "turn:127.0.0.1:3478?transport=udp", .secret = "s3", .ttl_s = 600};
  sig_ctx *ctx = fake_ctx(NULL, &turn, NULL);
  char room[16];
  fake_room(ctx, NULL, NULL, room, NULL);
  fake_conn *f = fake_open(ctx);
  char pid[16];
  snprintf(pid, sizeof pid, "%s", fake_join(f, room, "A", "", 1));
  json_t *j = fake_last(f, "joined");
  json_t *ice = json_array_get(json_object_get(j, "ice_servers"), 0);
  assert_non_null(ice);
  assert_string_equal(json_string_value(json_array_get(json_object_get(ice, "urls"), 0)), turn.uri);
  char user[BZ_TURN_USER_MAX], cred[BZ_TURN_CRED_MAX], want_user[64];
  snprintf(want_user, sizeof want_user, "%llu:%s", (unsigned long long)(fake_wall_ms / 1000 + 600),
           pid);
  assert_string_equal(jstr(ice, "username", NULL), want_user);
  assert_int_equal(bz_turn_credential("s3", pid, fake_wall_ms / 1000, 600, user, cred), 0);
  assert_string_equal(jstr(ice, "credential", NULL), cred);
  json_decref(j);
  fake_free(f);
  sig_ctx_destroy(ctx);
}

static void t_rest_helpers(void **state) {
  (void)state;
  sig_limits lim;
  sig_limits_default(&lim);
  lim.max_rooms = 2;
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  char *out = NULL;
  assert_int_equal(fake_room_create(ctx, "\t", NULL, &out), SIG_EINVAL);
  assert_int_equal(fake_room_create(ctx, "bad\x01name", NULL, &out), SIG_EINVAL);
  assert_int_equal(fake_room_create(ctx, "\xff", NULL, &out), SIG_EINVAL);
  assert_int_equal(fake_room_create(ctx, NULL, "pw", &out), SIG_OK);
  json_t *j = json_loads(out, 0, NULL);
  const char *id = jstr(j, "id", NULL);
  assert_int_equal(strlen(id), 14);
  for (int i = 0; i < 14; i++)
    assert_true(i == 4 || i == 9
                    ? id[i] == '-'
                    : (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9'));
  char url[32];
  snprintf(url, sizeof url, "/r/%s", id);
  assert_string_equal(jstr(j, "url", NULL), url);
  assert_int_equal(strlen(jstr(j, "owner_token", NULL)), SIG_OWNER_TOKEN_LEN);
  char *info = NULL;
  assert_int_equal(sig_room_info(ctx, id, &info), SIG_OK);
  json_t *ji = json_loads(info, 0, NULL);
  assert_string_equal(jstr(ji, "name", NULL), "Meeting");
  assert_true(json_is_true(json_object_get(ji, "password")));
  assert_string_equal(jstr(ji, "media_mode", NULL), "p2p");
  assert_int_equal(json_object_size(ji), 6);
  json_decref(ji);
  free(info);
  json_decref(j);
  free(out);
  assert_int_equal(sig_room_info(ctx, "nope", &info), SIG_ENOTFOUND);
  assert_int_equal(fake_room_create(ctx, "Two", NULL, &out), SIG_OK);
  free(out);
  assert_int_equal(fake_room_create(ctx, "Three", NULL, &out), SIG_ELIMIT);
  assert_null(out);
  assert_string_equal(sig_strerror(SIG_ELIMIT), "limit reached");
  sig_ctx_destroy(ctx);
}

int tests_room(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
  const struct CMUnitTest tests[] = {
      T(t_join_roster),
      T(t_leave_and_rejoin),
      T(t_update),
      T(t_chat_history),
      T(t_reconnect_with_token),
      T(t_reconnect_replaces_open_socket),
      T(t_grace_expiry),
      T(t_idle_timeout),
      T(t_owner_mute_and_remove),
      T(t_lock),
      T(t_set_password),
      T(t_sync_close_is_deferred),
      T(t_shutdown),
      cmocka_unit_test(t_room_full),
      cmocka_unit_test(t_turn_in_joined),
      cmocka_unit_test(t_rest_helpers),
  };
#undef T
  return cmocka_run_group_tests_name("sig_rooms", tests, NULL, NULL);
}
