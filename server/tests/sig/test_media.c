/* Media modes: the room setting (REST field, set-media-mode, room-updated, media-changed,
 * joined.media) and the server default. */
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

static const char *room_field(json_t *msg, const char *key) {
  return json_string_value(json_object_get(json_object_get(msg, "room"), key));
}

typedef struct made {
  int done, err;
  char *json;
} made;

static void made_cb(void *user, int err, const char *json) {
  made *m = user;
  m->done++;
  m->err = err;
  m->json = json ? strdup(json) : NULL;
}

/* A room created with `mode` (NULL = none given); writes its id and owner token. */
static void room_with_mode(sig_ctx *ctx, const char *mode, char id[16], char owner[64]) {
  made m = {0};
  assert_int_equal(sig_room_create(ctx, "Standup", NULL, mode, "127.0.0.1", made_cb, &m, NULL),
                   SIG_OK);
  if (!m.done) fake_run_jobs();
  assert_int_equal(m.done, 1);
  assert_int_equal(m.err, SIG_OK);
  json_t *j = json_loads(m.json, 0, NULL);
  snprintf(id, 16, "%s", json_string_value(json_object_get(j, "id")));
  snprintf(owner, 64, "%s", json_string_value(json_object_get(j, "owner_token")));
  json_decref(j);
  free(m.json);
}

static void t_mode_names(void **state) {
  (void)state;
  assert_int_equal(sig_media_mode_parse("sfu", 3), SIG_MEDIA_SFU);
  assert_int_equal(sig_media_mode_parse("p2p", 3), SIG_MEDIA_P2P);
  assert_int_equal(sig_media_mode_parse("auto", 4), SIG_MEDIA_AUTO);
  assert_int_equal(sig_media_mode_parse("sfu\0x", 5), -1);
  assert_int_equal(sig_media_mode_parse("SFU", 3), -1);
  assert_int_equal(sig_media_mode_parse("", 0), -1);
  assert_int_equal(sig_media_mode_parse(NULL, 0), -1);
  assert_string_equal(sig_media_mode_name(SIG_MEDIA_DEFAULT), "");
  assert_string_equal(sig_media_mode_name(99), "");
}

/* POST /api/rooms's media_mode: validated, shown by GET /api/rooms/<id> and joined. */
static void t_create_with_mode(void **state) {
  (void)state;
  sig_ctx *ctx = fake_ctx(NULL, NULL, NULL);
  made m = {0};
  assert_int_equal(sig_room_create(ctx, NULL, NULL, "mesh", "a", made_cb, &m, NULL), SIG_EINVAL);
  assert_int_equal(m.done, 0);
  char id[16], owner[64], *info = NULL;
  room_with_mode(ctx, "sfu", id, owner);
  assert_int_equal(sig_room_info(ctx, id, &info), SIG_OK);
  json_t *j = json_loads(info, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "media_mode")), "sfu");
  json_decref(j);
  free(info);
  fake_conn *a = fake_open(ctx);
  fake_join(a, id, "Alice", "", 1);
  j = fake_last(a, "joined");
  assert_string_equal(json_string_value(json_object_get(j, "media")), "sfu");
  assert_string_equal(room_field(j, "media_mode"), "sfu");
  json_decref(j);
  /* auto is accepted and stored; alone in the room, the media is p2p. */
  room_with_mode(ctx, "auto", id, owner);
  fake_conn *b = fake_open(ctx);
  fake_join(b, id, "Bob", "", 1);
  j = fake_last(b, "joined");
  assert_string_equal(json_string_value(json_object_get(j, "media")), "p2p");
  assert_string_equal(room_field(j, "media_mode"), "auto");
  json_decref(j);
  fake_free(a);
  fake_free(b);
  sig_ctx_destroy(ctx);
}

/* --media-mode: rooms without a mode of their own follow the server's. */
static void t_server_default(void **state) {
  (void)state;
  sig_limits lim;
  sig_limits_default(&lim);
  assert_int_equal(lim.media_mode, SIG_MEDIA_P2P);
  lim.media_mode = SIG_MEDIA_SFU;
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  char id[16], owner[64];
  room_with_mode(ctx, NULL, id, owner);
  fake_conn *a = fake_open(ctx);
  fake_join(a, id, "Alice", "", 1);
  json_t *j = fake_last(a, "joined");
  assert_string_equal(json_string_value(json_object_get(j, "media")), "sfu");
  json_decref(j);
  fake_free(a);
  sig_ctx_destroy(ctx);
  lim.media_mode = 42; /* nonsense is replaced by the default */
  ctx = fake_ctx(&lim, NULL, NULL);
  room_with_mode(ctx, NULL, id, owner);
  a = fake_open(ctx);
  fake_join(a, id, "Alice", "", 1);
  j = fake_last(a, "joined");
  assert_string_equal(json_string_value(json_object_get(j, "media")), "p2p");
  json_decref(j);
  fake_free(a);
  sig_ctx_destroy(ctx);
}

/* set-media-mode: owner only, validated, announced with room-updated, and media-changed only
 * when the media in effect changes. */
static void t_set_media_mode(void **state) {
  (void)state;
  sig_ctx *ctx = fake_ctx(NULL, NULL, NULL);
  char id[16], owner[64], extra[128];
  room_with_mode(ctx, NULL, id, owner);
  fake_conn *a = fake_open(ctx), *b = fake_open(ctx);
  snprintf(extra, sizeof extra, ",\"owner_token\":\"%s\"", owner);
  fake_join(a, id, "Alice", extra, 1);
  fake_join(b, id, "Bob", "", 1);
  fake_send(b, "{\"type\":\"set-media-mode\",\"mode\":\"sfu\"}");
  assert_string_equal(fake_error(b), "not_owner");
  const char *bad[] = {"{\"type\":\"set-media-mode\"}", "{\"type\":\"set-media-mode\",\"mode\":1}",
                       "{\"type\":\"set-media-mode\",\"mode\":\"SFU\"}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fake_send(a, bad[i]);
    assert_string_equal(fake_error(a), "bad_message");
  }
  fake_clear(a);
  fake_clear(b);
  fake_send(a, "{\"type\":\"set-media-mode\",\"mode\":\"sfu\",\"id\":7}");
  json_t *ok = fake_last(a, "ok");
  assert_non_null(ok);
  assert_int_equal(json_integer_value(json_object_get(ok, "id")), 7);
  json_decref(ok);
  json_t *j = fake_last(b, "room-updated");
  assert_string_equal(room_field(j, "media_mode"), "sfu");
  json_decref(j);
  j = fake_last(b, "media-changed");
  assert_string_equal(json_string_value(json_object_get(j, "media")), "sfu");
  json_decref(j);
  assert_int_equal(fake_count(a, "media-changed"), 1);
  /* sfu -> sfu and p2p -> auto change no media: no media-changed. */
  fake_send(a, "{\"type\":\"set-media-mode\",\"mode\":\"sfu\"}");
  assert_int_equal(fake_count(b, "media-changed"), 1);
  fake_send(a, "{\"type\":\"set-media-mode\",\"mode\":\"p2p\"}");
  assert_int_equal(fake_count(b, "media-changed"), 2);
  fake_send(a, "{\"type\":\"set-media-mode\",\"mode\":\"auto\"}");
  assert_int_equal(fake_count(b, "media-changed"), 2);
  j = fake_last(b, "room-updated");
  assert_string_equal(room_field(j, "media_mode"), "auto");
  json_decref(j);
  fake_free(a);
  fake_free(b);
  sig_ctx_destroy(ctx);
}

static const char *media_of(json_t *msg) {
  return json_string_value(json_object_get(msg, "media"));
}

/* "auto": p2p for two, everyone to the SFU when a third joins (the joiner learns it from
 * joined.media, the others from media-changed), back to p2p when the room is two again; a
 * participant in reconnect grace still counts, so a reconnect does not flip the room. */
static void t_auto_follows_participants(void **state) {
  (void)state;
  sig_ctx *ctx = fake_ctx(NULL, NULL, NULL);
  char id[16], owner[64];
  room_with_mode(ctx, "auto", id, owner);
  fake_conn *a = fake_open(ctx), *b = fake_open(ctx), *c = fake_open(ctx);
  fake_join(a, id, "Alice", "", 1);
  fake_join(b, id, "Bob", "", 1);
  json_t *j = fake_last(b, "joined");
  assert_string_equal(media_of(j), "p2p");
  json_decref(j);
  assert_int_equal(fake_count(a, "media-changed"), 0);
  fake_join(c, id, "Carol", "", 1);
  j = fake_last(c, "joined");
  assert_string_equal(media_of(j), "sfu");
  json_decref(j);
  assert_int_equal(fake_count(c, "media-changed"), 0);
  for (fake_conn *f = a; f; f = f == a ? b : NULL) {
    assert_int_equal(fake_count(f, "media-changed"), 1);
    j = fake_last(f, "media-changed");
    assert_string_equal(media_of(j), "sfu");
    json_decref(j);
  }
  /* Carol's socket goes: she is in grace, the room stays on the SFU. */
  fake_closed(c);
  assert_int_equal(fake_count(a, "media-changed"), 1);
  /* Dan joins (four with Carol) and Bob leaves: three, Carol included, still SFU... */
  fake_conn *d = fake_open(ctx);
  fake_join(d, id, "Dan", "", 1);
  j = fake_last(d, "joined");
  assert_string_equal(media_of(j), "sfu");
  json_decref(j);
  fake_send(b, "{\"type\":\"leave\"}");
  assert_int_equal(fake_count(a, "media-changed"), 1);
  /* ...until Carol's grace runs out: the room is two, p2p. */
  sig_limits lim;
  sig_limits_default(&lim);
  fake_now_ms += (uint64_t)lim.reconnect_grace_s * 1000 + 1000;
  sig_tick(ctx);
  assert_int_equal(fake_count(a, "media-changed"), 2);
  j = fake_last(a, "media-changed");
  assert_string_equal(media_of(j), "p2p");
  json_decref(j);
  j = fake_last(a, "participant-left");
  assert_non_null(j);
  json_decref(j);
  assert_int_equal(fake_count(d, "media-changed"), 1);
  fake_free(a);
  fake_free(b);
  fake_free(c);
  fake_free(d);
  sig_ctx_destroy(ctx);
}

int tests_media(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_mode_names),
      cmocka_unit_test(t_create_with_mode),
      cmocka_unit_test(t_server_default),
      cmocka_unit_test(t_set_media_mode),
      cmocka_unit_test(t_auto_follows_participants),
  };
  return cmocka_run_group_tests_name("sig_media", tests, NULL, NULL);
}
