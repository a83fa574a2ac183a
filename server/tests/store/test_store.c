/* The SQLite store on a temporary file, sig's persistence through it, and the TURN
 * credential checked against the openssl command line. */
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake.h"
#include "sig/sig_int.h"
#include "store/store.h"
#include "tests.h"
#include "turn/turn.h"

typedef struct tmp {
  char dir[128];
  char path[256];
} tmp;

static int tmp_setup(void **state) {
  tmp *t = calloc(1, sizeof *t);
  snprintf(t->dir, sizeof t->dir, "/tmp/buzz-store-test-XXXXXX");
  assert_non_null(mkdtemp(t->dir));
  /* A nested directory that does not exist yet: open must create it. */
  snprintf(t->path, sizeof t->path, "%s/data/sub/buzz.db", t->dir);
  *state = t;
  return 0;
}

static int tmp_teardown(void **state) {
  tmp *t = *state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
  assert_int_equal(system(cmd), 0);
  free(t);
  return 0;
}

typedef struct rows {
  int n;
  char ids[8][32];
  char names[8][32];
  int locked[8];
  int has_pw[8];
  int64_t chat_ids[8];
  int64_t used[8];
  char media[8][16];
} rows;

static int room_cb(void *user, const bz_store_room *r) {
  rows *rs = user;
  if (rs->n >= 8) return 1;
  snprintf(rs->ids[rs->n], 32, "%s", r->id);
  snprintf(rs->names[rs->n], 32, "%s", r->name);
  rs->locked[rs->n] = r->locked;
  rs->has_pw[rs->n] = r->pw_hash != NULL;
  rs->used[rs->n] = r->used_ms;
  snprintf(rs->media[rs->n], 16, "%s", r->media_mode ? r->media_mode : "(null)");
  rs->n++;
  return 0;
}

static int chat_cb(void *user, const bz_store_chat *m) {
  rows *rs = user;
  if (rs->n >= 8) return 1;
  rs->chat_ids[rs->n] = m->id;
  snprintf(rs->names[rs->n], 32, "%s", m->text);
  rs->n++;
  return 0;
}

static void t_store_roundtrip(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  char hash[65];
  sig__sha256_hex("tok", hash);
  bz_store_room r1 = {"aaaa-bbbb-cccc", "One", NULL, hash, 0, 100, 0, NULL};
  bz_store_room r2 = {"dddd-eeee-ffff", "Two", "$argon2id$x", hash, 1, 200, 0, NULL};
  assert_int_equal(bz_store_room_put(s, &r1), 0);
  assert_int_equal(bz_store_room_put(s, &r2), 0);
  for (int i = 1; i <= 7; i++) {
    char text[16];
    snprintf(text, sizeof text, "m%d", i);
    bz_store_chat m = {"aaaa-bbbb-cccc", i, "p00000001", "A", text, 1000 + i};
    assert_int_equal(bz_store_chat_append(s, &m), 0);
  }
  bz_store_chat dup = {"aaaa-bbbb-cccc", 3, "p00000001", "A", "dup", 1};
  assert_int_equal(bz_store_chat_append(s, &dup), BZ_STORE_ESQL); /* ids are unique per room */
  r1.locked = 1; /* put updates in place and keeps the room's chat */
  assert_int_equal(bz_store_room_put(s, &r1), 0);
  bz_store_close(s);

  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  rows rs = {0};
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.n, 2);
  assert_string_equal(rs.ids[0], "aaaa-bbbb-cccc");
  assert_int_equal(rs.locked[0], 1);
  assert_int_equal(rs.has_pw[0], 0);
  assert_string_equal(rs.names[1], "Two");
  assert_int_equal(rs.has_pw[1], 1);
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_recent(s, "aaaa-bbbb-cccc", 3, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 3);
  assert_int_equal(rs.chat_ids[0], 5); /* newest 3, oldest first */
  assert_int_equal(rs.chat_ids[2], 7);
  assert_string_equal(rs.names[2], "m7");
  assert_int_equal(bz_store_chat_trim(s, "aaaa-bbbb-cccc", 2), 0);
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_recent(s, "aaaa-bbbb-cccc", 100, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 2);
  assert_int_equal(rs.chat_ids[0], 6);
  assert_int_equal(bz_store_room_delete(s, "aaaa-bbbb-cccc"), 0);
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_recent(s, "aaaa-bbbb-cccc", 100, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 0); /* chat goes with its room */
  bz_store_close(s);
}

static int stop_cb(void *user, const bz_store_chat *m) {
  chat_cb(user, m);
  return 1;
}

/* bz_store_chat_before: below `before`, newest first, at most `limit`, one room only. */
static void t_store_chat_before(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  char hash[65];
  sig__sha256_hex("tok", hash);
  bz_store_room r1 = {"aaaa-bbbb-cccc", "One", NULL, hash, 0, 100, 0, NULL};
  bz_store_room r2 = {"dddd-eeee-ffff", "Two", NULL, hash, 0, 200, 0, NULL};
  assert_int_equal(bz_store_room_put(s, &r1), 0);
  assert_int_equal(bz_store_room_put(s, &r2), 0);
  for (int i = 1; i <= 7; i++) {
    char text[16];
    snprintf(text, sizeof text, "m%d", i);
    bz_store_chat m = {"aaaa-bbbb-cccc", i, "p00000001", "A", text, 1000 + i};
    assert_int_equal(bz_store_chat_append(s, &m), 0);
  }
  bz_store_chat other = {"dddd-eeee-ffff", 3, "p00000002", "B", "other room", 1};
  assert_int_equal(bz_store_chat_append(s, &other), 0);
  rows rs = {0};
  assert_int_equal(bz_store_chat_before(s, "aaaa-bbbb-cccc", 6, 3, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 3);
  assert_int_equal(rs.chat_ids[0], 5); /* newest first */
  assert_int_equal(rs.chat_ids[2], 3);
  assert_string_equal(rs.names[0], "m5");
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_before(s, "aaaa-bbbb-cccc", 3, 100, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 2);
  assert_int_equal(rs.chat_ids[1], 1);
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_before(s, "aaaa-bbbb-cccc", 1, 100, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 0);
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_before(s, "dddd-eeee-ffff", 100, 100, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 1);
  assert_string_equal(rs.names[0], "other room");
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_before(s, "aaaa-bbbb-cccc", 100, 100, stop_cb, &rs),
                   BZ_STORE_ECALLBACK);
  assert_int_equal(rs.n, 1);
  assert_int_equal(bz_store_chat_before(s, "aaaa-bbbb-cccc", 100, -1, chat_cb, &rs),
                   BZ_STORE_EINVAL);
  /* The statement was reset: the next read works. */
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_chat_before(s, "aaaa-bbbb-cccc", 100, 100, chat_cb, &rs), 0);
  assert_int_equal(rs.n, 7);
  bz_store_close(s);
}

static void t_store_errors(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, ""), BZ_STORE_EINVAL);
  assert_int_equal(bz_store_open(NULL, t->path), BZ_STORE_EINVAL);
  assert_int_equal(bz_store_open(&s, t->dir), BZ_STORE_EOPEN); /* a directory */
  assert_null(s);
  char blocked[300];
  snprintf(blocked, sizeof blocked, "%s/file", t->dir);
  FILE *f = fopen(blocked, "w");
  fputs("x", f);
  fclose(f);
  snprintf(blocked, sizeof blocked, "%s/file/buzz.db", t->dir); /* parent is a file */
  assert_int_equal(bz_store_open(&s, blocked), BZ_STORE_EOPEN);
  /* Not a database. */
  snprintf(blocked, sizeof blocked, "%s/junk.db", t->dir);
  f = fopen(blocked, "w");
  for (int i = 0; i < 512; i++) fputs("junkjunk", f);
  fclose(f);
  assert_int_not_equal(bz_store_open(&s, blocked), BZ_STORE_OK);
  assert_null(s);
  /* A newer schema is refused rather than misread. */
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  bz_store_close(s);
  s = NULL;
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_ESCHEMA);
  assert_null(s);
  assert_int_equal(bz_store_room_put(NULL, NULL), BZ_STORE_EINVAL);
  assert_string_equal(bz_store_strerror(BZ_STORE_ESCHEMA), "unsupported database schema version");
  bz_store_close(NULL);
}

static void t_sig_persists(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  sig_ctx *ctx = fake_ctx(NULL, NULL, s);
  char room[16], owner[64], extra[160];
  fake_room(ctx, "Weekly", "pw1", room, owner);
  fake_conn *f = fake_open(ctx);
  snprintf(extra, sizeof extra, ",\"owner_token\":\"%s\"", owner);
  fake_join(f, room, "Ann", extra, 1);
  fake_send(f, "{\"type\":\"chat\",\"text\":\"first\"}");
  fake_send(f, "{\"type\":\"chat\",\"text\":\"second \xc3\xa9\"}");
  fake_send(f, "{\"type\":\"lock\",\"locked\":true}");
  fake_free(f);
  sig_ctx_destroy(ctx);
  bz_store_close(s);

  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  ctx = fake_ctx(NULL, NULL, s);
  char *info = NULL;
  assert_int_equal(sig_room_info(ctx, room, &info), SIG_OK);
  json_t *j = json_loads(info, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "name")), "Weekly");
  assert_true(json_is_true(json_object_get(j, "locked")));
  assert_true(json_is_true(json_object_get(j, "password")));
  json_decref(j);
  free(info);
  f = fake_open(ctx);
  fake_join(f, room, "Eve", "", 0);
  assert_string_equal(fake_error(f), "room_locked");
  fake_join(f, room, "Ann", extra, 1); /* the owner token survived as its hash */
  j = fake_last(f, "joined");
  json_t *chat = json_object_get(j, "chat");
  assert_int_equal(json_array_size(chat), 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(chat, 1), "text")),
                      "second \xc3\xa9");
  json_decref(j);
  fake_send(f, "{\"type\":\"lock\",\"locked\":false}");
  fake_send(f, "{\"type\":\"chat\",\"text\":\"third\"}");
  j = fake_last(f, "chat");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 3); /* ids continue */
  json_decref(j);
  fake_conn *g = fake_open(ctx);
  fake_join(g, room, "Eve", ",\"password\":\"wrong\"", 0);
  assert_string_equal(fake_error(g), "wrong_password");
  fake_join(g, room, "Eve", ",\"password\":\"pw1\"", 1);
  /* Once the room is empty its history leaves memory; the next join reads it back. */
  fake_send(f, "{\"type\":\"leave\"}");
  fake_send(g, "{\"type\":\"leave\"}");
  assert_int_equal(((sig_room *)sig__room_find(ctx, room))->chat_len, 0);
  fake_clear(g);
  fake_join(g, room, "Eve", ",\"password\":\"pw1\"", 1);
  j = fake_last(g, "joined");
  chat = json_object_get(j, "chat");
  assert_int_equal(json_array_size(chat), 3);
  assert_string_equal(json_string_value(json_object_get(json_array_get(chat, 2), "text")), "third");
  json_decref(j);
  fake_free(f);
  fake_free(g);
  sig_ctx_destroy(ctx);
  bz_store_close(s);
}

/* Writes run as jobs: nothing is broadcast or acknowledged before the write is done; a sender
 * that disconnects while its message is being stored still has it delivered to the others;
 * with another process holding the write lock, lock and chat fail with store_unavailable and
 * memory is unchanged. */
static void t_sig_ack_after_commit(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  sig_ctx *ctx = fake_ctx(NULL, NULL, s);
  char room[16], owner[64], extra[160];
  fake_room(ctx, "Ack", NULL, room, owner);
  snprintf(extra, sizeof extra, ",\"owner_token\":\"%s\"", owner);
  fake_conn *o = fake_open(ctx), *a = fake_open(ctx);
  fake_join(o, room, "Owner", extra, 1);
  fake_join(a, room, "Ann", "", 1);
  fake_clear(o);
  fake_defer_jobs = 1;
  fake_send(a, "{\"type\":\"chat\",\"text\":\"queued\"}");
  fake_send(o, "{\"type\":\"lock\",\"locked\":true,\"id\":7}");
  assert_int_equal(fake_count(o, "chat") + fake_count(o, "ok"), 0);
  assert_int_equal(((sig_room *)sig__room_find(ctx, room))->locked, 0);
  fake_free(a); /* gone before its message is stored */
  assert_int_equal(fake_run_jobs(), 2);
  assert_int_equal(fake_count(o, "chat"), 1);
  json_t *ok = fake_last(o, "ok");
  assert_non_null(ok);
  assert_int_equal(json_integer_value(json_object_get(ok, "id")), 7);
  json_decref(ok);
  assert_int_equal(((sig_room *)sig__room_find(ctx, room))->locked, 1);
  fake_defer_jobs = 0;
  /* Another process holds the write lock (the writer waits 2 s, then gives up). */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE;", NULL, NULL, NULL), SQLITE_OK);
  fake_clear(o);
  fake_send(o, "{\"type\":\"lock\",\"locked\":false}");
  assert_string_equal(fake_error(o), "store_unavailable");
  assert_int_equal(((sig_room *)sig__room_find(ctx, room))->locked, 1);
  fake_send(o, "{\"type\":\"chat\",\"text\":\"lost?\"}");
  assert_string_equal(fake_error(o), "store_unavailable");
  assert_int_equal(fake_count(o, "chat"), 0);
  sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
  sqlite3_close(db);
  fake_send(o, "{\"type\":\"chat\",\"text\":\"after\"}");
  assert_int_equal(fake_count(o, "chat"), 1);
  fake_free(o);
  sig_ctx_destroy(ctx);
  bz_store_close(s);
}

/* A store that starts failing under sig (tables dropped behind its back): room creation
 * reports SIG_ESTORE and leaves no half-created room; a chat message that cannot be stored is refused (store_unavailable), not delivered. */
static void t_sig_store_failure(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  sig_ctx *ctx = fake_ctx(NULL, NULL, s);
  char room[16];
  fake_room(ctx, "Before", NULL, room, NULL);
  fake_conn *f = fake_open(ctx);
  fake_join(f, room, "A", "", 1);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "DROP TABLE chat; DROP TABLE rooms;", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  char *out = NULL;
  assert_int_equal(fake_room_create(ctx, "After", NULL, &out), SIG_ESTORE);
  assert_null(out);
  char *m = sig_metrics_text(ctx);
  assert_non_null(strstr(m, "\nbuzz_rooms 1\n"));
  free(m);
  /* A message that cannot be stored is not delivered: the sender is told. */
  fake_send(f, "{\"type\":\"chat\",\"text\":\"not stored\"}");
  assert_int_equal(fake_count(f, "chat"), 0);
  assert_string_equal(fake_error(f), "store_unavailable");
  fake_free(f);
  sig_ctx_destroy(ctx);
  bz_store_close(s);
}

/* Rows edited behind the server's back are untrusted: bad rooms are skipped (a room with an
 * unusable password hash is never opened up), bad chat rows are left out of the history. */
static void t_sig_loads_untrusted_rows(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  char hash[65];
  sig__sha256_hex("tok", hash);
  const char *huge = "$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
  bz_store_room rows[] = {
      {"good-room-0000", "Good", NULL, hash, 0, 1, (int64_t)fake_wall_ms, NULL},
      {"BAD!-room-0000", "Bad id", NULL, hash, 0, 2, (int64_t)fake_wall_ms, NULL},
      {"huge-hash-0000", "Huge", huge, hash, 0, 3, (int64_t)fake_wall_ms, NULL},
      {"bad0-name-0000", "a\x01b", NULL, hash, 0, 4, (int64_t)fake_wall_ms, NULL},
      {"bad0-hash-0000", "Short owner hash", NULL, "abc", 0, 5, (int64_t)fake_wall_ms, NULL},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    assert_int_equal(bz_store_room_put(s, &rows[i]), 0);
  bz_store_chat ok1 = {"good-room-0000", 1, "p00000001", "A", "fine", 1};
  bz_store_chat bad = {"good-room-0000", 2, "p00000001", "A", "\xc0\xaf", 2};
  bz_store_chat ok3 = {"good-room-0000", 3, "p00000001", "A", "also fine", 3};
  assert_int_equal(bz_store_chat_append(s, &ok1), 0);
  assert_int_equal(bz_store_chat_append(s, &bad), 0);
  assert_int_equal(bz_store_chat_append(s, &ok3), 0);
  /* Regression: a skipped newest row still holds its id; new messages must go past it, or
   * every later append collides with it and the history stops being stored. */
  bz_store_chat bad4 = {"good-room-0000", 4, "p00000001", "A", "", 4};
  assert_int_equal(bz_store_chat_append(s, &bad4), 0);
  sig_ctx *ctx = fake_ctx(NULL, NULL, s);
  char *m = sig_metrics_text(ctx);
  assert_non_null(strstr(m, "\nbuzz_rooms 1\n"));
  free(m);
  char *info = NULL;
  assert_int_equal(sig_room_info(ctx, "huge-hash-0000", &info), SIG_ENOTFOUND);
  fake_conn *f = fake_open(ctx);
  fake_join(f, "good-room-0000", "Z", "", 1);
  json_t *j = fake_last(f, "joined");
  json_t *chat = json_object_get(j, "chat");
  assert_int_equal(json_array_size(chat), 2);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(chat, 1), "id")), 3);
  json_decref(j);
  fake_send(f, "{\"type\":\"chat\",\"text\":\"next\"}");
  j = fake_last(f, "chat");
  assert_int_equal(json_integer_value(json_object_get(j, "id")), 5);
  json_decref(j);
  struct rows cs = {0};
  assert_int_equal(bz_store_chat_recent(s, "good-room-0000", 1, chat_cb, &cs), 0);
  assert_int_equal(cs.n, 1);
  assert_int_equal(cs.chat_ids[0], 5); /* stored, not lost to a key collision */
  /* chat-history reads the same rows and skips the same damaged ones (2: bad UTF-8, 4: empty). */
  fake_send(f, "{\"type\":\"chat-history\",\"before\":6}");
  j = fake_last(f, "chat-history");
  assert_non_null(j);
  chat = json_object_get(j, "messages");
  assert_int_equal(json_array_size(chat), 3);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(chat, 0), "id")), 1);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(chat, 1), "id")), 3);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(chat, 2), "id")), 5);
  assert_true(json_is_false(json_object_get(j, "more")));
  json_decref(j);
  fake_free(f);
  sig_ctx_destroy(ctx);
  bz_store_close(s);
}

/* Room expiry in SQL: by max(created, used), taking the chat along. */
static void t_store_expire(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  char hash[65];
  sig__sha256_hex("tok", hash);
  bz_store_room old = {"aaaa-aaaa-aaaa", "Old", NULL, hash, 0, 1000, 0, NULL};
  bz_store_room used = {"bbbb-bbbb-bbbb", "Used", NULL, hash, 0, 1000, 5000, NULL};
  bz_store_room fresh = {"cccc-cccc-cccc", "Fresh", NULL, hash, 0, 6000, 0, NULL};
  assert_int_equal(bz_store_room_put(s, &old), 0);
  assert_int_equal(bz_store_room_put(s, &used), 0);
  assert_int_equal(bz_store_room_put(s, &fresh), 0);
  bz_store_chat m = {"aaaa-aaaa-aaaa", 1, "p00000001", "A", "hi", 1};
  assert_int_equal(bz_store_chat_append(s, &m), 0);
  int n = -1;
  assert_int_equal(bz_store_rooms_expire(s, 4000, &n), 0);
  assert_int_equal(n, 1);
  rows rs = {0};
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.n, 2);
  assert_string_equal(rs.ids[0], "bbbb-bbbb-bbbb");
  assert_string_equal(rs.ids[1], "cccc-cccc-cccc");
  rows cs = {0};
  assert_int_equal(bz_store_chat_recent(s, "aaaa-aaaa-aaaa", 10, chat_cb, &cs), 0);
  assert_int_equal(cs.n, 0);
  assert_int_equal(bz_store_rooms_expire(s, 4000, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(bz_store_rooms_expire(NULL, 0, NULL), BZ_STORE_EINVAL);
  bz_store_close(s);
}

/* A version 1 file (no `used` column) is migrated in place and keeps its rows. */
static void t_store_migrates_v1(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK); /* creates the directories */
  bz_store_close(s);
  assert_int_equal(unlink(t->path), 0);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db,
                   "CREATE TABLE rooms(id TEXT PRIMARY KEY, name TEXT NOT NULL, pw_hash TEXT,"
                   " owner_hash TEXT NOT NULL, locked INTEGER NOT NULL DEFAULT 0,"
                   " created INTEGER NOT NULL);"
                   "CREATE TABLE chat(room TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
                   " id INTEGER NOT NULL, from_id TEXT NOT NULL, name TEXT NOT NULL,"
                   " text TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY(room, id));"
                   "INSERT INTO rooms VALUES('aaaa-bbbb-cccc','One',NULL,'h',0,100);"
                   "PRAGMA user_version=1;",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  rows rs = {0};
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.n, 1);
  assert_int_equal(bz_store_rooms_expire(s, 101, NULL), 0); /* used = 0: created counts */
  rs.n = 0;
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.n, 0);
  bz_store_close(s);
}

/* A version 2 file (no media_mode column) is migrated in place; the mode round-trips, and sig
 * keeps an owner's set-media-mode across a restart. */
static void t_store_media_mode(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  bz_store_close(s);
  assert_int_equal(unlink(t->path), 0);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db,
                   "CREATE TABLE rooms(id TEXT PRIMARY KEY, name TEXT NOT NULL, pw_hash TEXT,"
                   " owner_hash TEXT NOT NULL, locked INTEGER NOT NULL DEFAULT 0,"
                   " created INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
                   "CREATE TABLE chat(room TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
                   " id INTEGER NOT NULL, from_id TEXT NOT NULL, name TEXT NOT NULL,"
                   " text TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY(room, id));"
                   "INSERT INTO rooms VALUES('aaaa-bbbb-cccc','One',NULL,"
                   "'0000000000000000000000000000000000000000000000000000000000000000',0,100,5);"
                   "PRAGMA user_version=2;",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  rows rs = {0};
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.n, 1);
  assert_string_equal(rs.media[0], "");
  assert_int_equal(rs.used[0], 5);
  assert_int_equal(bz_store_room_set_media_mode(s, "aaaa-bbbb-cccc", "sfu"), BZ_STORE_OK);
  assert_int_equal(bz_store_room_set_media_mode(s, "zzzz-zzzz-zzzz", "sfu"), BZ_STORE_ESQL);
  bz_store_room r = {.id = "bbbb-bbbb-bbbb", .name = "Two",
                     .owner_hash = "0000000000000000000000000000000000000000000000000000000000000000",
                     .created_ms = 200,
                     .media_mode = "auto"};
  assert_int_equal(bz_store_room_put(s, &r), BZ_STORE_OK);
  memset(&rs, 0, sizeof rs);
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.n, 2);
  assert_string_equal(rs.media[0], "sfu");
  assert_string_equal(rs.media[1], "auto");
  /* sig loads the mode; an unknown stored value falls back to the server's default. */
  assert_int_equal(bz_store_room_set_media_mode(s, "bbbb-bbbb-bbbb", "carrier-pigeon"), 0);
  /* In use now, so the start's expiry keeps them. */
  assert_int_equal(bz_store_room_set_used(s, "aaaa-bbbb-cccc", (int64_t)fake_wall_ms), 0);
  assert_int_equal(bz_store_room_set_used(s, "bbbb-bbbb-bbbb", (int64_t)fake_wall_ms), 0);
  sig_ctx *ctx = fake_ctx(NULL, NULL, s);
  char *info = NULL;
  assert_int_equal(sig_room_info(ctx, "aaaa-bbbb-cccc", &info), SIG_OK);
  assert_non_null(strstr(info, "\"media_mode\":\"sfu\""));
  free(info);
  assert_int_equal(sig_room_info(ctx, "bbbb-bbbb-bbbb", &info), SIG_OK);
  assert_non_null(strstr(info, "\"media_mode\":\"p2p\""));
  free(info);
  sig_ctx_destroy(ctx);
  bz_store_close(s);
}

/* sig expires empty, unused rooms daily (memory and store) and keeps rooms in use. */
static void t_sig_room_expiry(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  sig_limits lim;
  sig_limits_default(&lim);
  lim.room_ttl_days = 1;
  lim.idle_timeout_s = 86400 * 3;
  sig_ctx *ctx = fake_ctx(&lim, NULL, s);
  char idle[16], busy[16], left[16];
  fake_room(ctx, NULL, NULL, idle, NULL);
  fake_room(ctx, NULL, NULL, busy, NULL);
  fake_room(ctx, NULL, NULL, left, NULL);
  fake_conn *b = fake_open(ctx), *l = fake_open(ctx);
  fake_join(b, busy, "B", "", 1);
  fake_wall_ms += 20 * 3600 * 1000ull; /* 20 h later someone uses `left`, then leaves */
  fake_join(l, left, "L", "", 1);
  fake_send(l, "{\"type\":\"leave\"}");
  fake_wall_ms += 10 * 3600 * 1000ull; /* idle: 30 h old; left: used 10 h ago */
  fake_now_ms += 24 * 3600 * 1000ull;
  sig_tick(ctx);
  char *info = NULL;
  assert_int_equal(sig_room_info(ctx, idle, &info), SIG_ENOTFOUND);
  assert_int_equal(sig_room_info(ctx, busy, &info), SIG_OK);
  free(info);
  assert_int_equal(sig_room_info(ctx, left, &info), SIG_OK);
  free(info);
  fake_free(l);
  fake_free(b);
  sig_ctx_destroy(ctx);
  /* The store agrees; a restart a day later expires `left` and `busy` (now empty) at load. */
  ctx = fake_ctx(&lim, NULL, s);
  assert_int_equal(sig_room_info(ctx, idle, &info), SIG_ENOTFOUND);
  assert_int_equal(sig_room_info(ctx, left, &info), SIG_OK);
  free(info);
  sig_ctx_destroy(ctx);
  fake_wall_ms += 25 * 3600 * 1000ull;
  ctx = fake_ctx(&lim, NULL, s);
  assert_int_equal(sig_room_info(ctx, left, &info), SIG_ENOTFOUND);
  assert_int_equal(sig_room_info(ctx, busy, &info), SIG_ENOTFOUND);
  sig_ctx_destroy(ctx);
  bz_store_close(s);
}

/* Regression: the last use is written at most hourly, so joining and leaving in a loop does
 * not turn every message into a database write. */
static void t_sig_used_saved_hourly(void **state) {
  tmp *t = *state;
  bz_store *s = NULL;
  assert_int_equal(bz_store_open(&s, t->path), BZ_STORE_OK);
  sig_ctx *ctx = fake_ctx(NULL, NULL, s);
  char room[16];
  fake_room(ctx, NULL, NULL, room, NULL);
  uint64_t first = fake_wall_ms;
  for (int i = 0; i < 5; i++) {
    fake_conn *f = fake_open(ctx);
    fake_join(f, room, "A", "", 1);
    fake_send(f, "{\"type\":\"leave\"}");
    fake_free(f);
    fake_wall_ms += 60 * 1000; /* a minute apart */
  }
  rows rs = {0};
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.n, 1);
  assert_int_equal(rs.used[0], (int64_t)first);
  fake_wall_ms += 3600 * 1000;
  fake_conn *f = fake_open(ctx);
  fake_join(f, room, "A", "", 1);
  rs.n = 0;
  assert_int_equal(bz_store_rooms_load(s, room_cb, &rs), 0);
  assert_int_equal(rs.used[0], (int64_t)fake_wall_ms);
  fake_free(f);
  sig_ctx_destroy(ctx);
  bz_store_close(s);
}

/* The reference value comes from the openssl CLI, not from our code. */
static void t_turn_matches_openssl(void **state) {
  (void)state;
  char user[BZ_TURN_USER_MAX], cred[BZ_TURN_CRED_MAX];
  assert_int_equal(bz_turn_credential("north-secret", "p0a1b2c3d", 1795000000, 86400, user, cred),
                   BZ_TURN_OK);
  assert_string_equal(user, "1795086400:p0a1b2c3d");
  char cmd[256], want[64] = "";
  snprintf(cmd, sizeof cmd,
           "printf '%%s' '%s' | openssl dgst -sha1 -hmac 'north-secret' -binary | base64", user);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  assert_non_null(fgets(want, sizeof want, p));
  assert_int_equal(pclose(p), 0);
  want[strcspn(want, "\n")] = '\0';
  assert_int_equal(strlen(want), 28);
  assert_string_equal(cred, want);
  assert_int_equal(bz_turn_credential(NULL, "p", 0, 1, user, cred), BZ_TURN_EINVAL);
  assert_int_equal(bz_turn_credential("s", "p", 0, 0, user, cred), BZ_TURN_EINVAL);
}

int tests_store(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_store_roundtrip, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_store_chat_before, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_store_errors, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_sig_ack_after_commit, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_sig_persists, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_sig_store_failure, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_sig_loads_untrusted_rows, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_store_expire, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_store_migrates_v1, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_store_media_mode, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_sig_room_expiry, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(t_sig_used_saved_hourly, tmp_setup, tmp_teardown),
      cmocka_unit_test(t_turn_matches_openssl),
  };
  return cmocka_run_group_tests_name("store_turn", tests, NULL, NULL);
}
