/* SQLite persistence: prepared statements created once at open, reset after each use. */
#include "store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/log.h"

#define STORE_SCHEMA_VERSION 3

enum {
  ST_ROOM_PUT,
  ST_ROOM_DEL,
  ST_ROOM_ALL,
  ST_ROOM_EXPIRE,
  ST_CHAT_ADD,
  ST_CHAT_RECENT,
  ST_CHAT_TRIM,
  ST_CHAT_BEFORE,
  ST_ROOM_SET_LOCKED,
  ST_ROOM_SET_PW,
  ST_ROOM_SET_USED,
  ST_ROOM_SET_MEDIA,
  ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
    /* An upsert, not INSERT OR REPLACE: REPLACE deletes the row first, and the cascade
     * would take the room's chat history with it. */
    [ST_ROOM_PUT] =
        "INSERT INTO rooms(id,name,pw_hash,owner_hash,locked,created,used,media_mode)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(id) DO UPDATE SET"
        " name=excluded.name, pw_hash=excluded.pw_hash,"
        " owner_hash=excluded.owner_hash, locked=excluded.locked, used=excluded.used,"
        " media_mode=excluded.media_mode",
    [ST_ROOM_DEL] = "DELETE FROM rooms WHERE id=?1",
    /* One column each, so two queued changes of one room never overwrite each other. */
    [ST_ROOM_SET_LOCKED] = "UPDATE rooms SET locked=?2 WHERE id=?1",
    [ST_ROOM_SET_PW] = "UPDATE rooms SET pw_hash=?2 WHERE id=?1",
    [ST_ROOM_SET_USED] = "UPDATE rooms SET used=?2 WHERE id=?1",
    [ST_ROOM_SET_MEDIA] = "UPDATE rooms SET media_mode=?2 WHERE id=?1",
    [ST_ROOM_ALL] =
        "SELECT id,name,pw_hash,owner_hash,locked,created,used,media_mode FROM rooms"
        " ORDER BY created, id",
    /* A room is expired when neither its creation nor its last use is at or after ?1. */
    [ST_ROOM_EXPIRE] = "DELETE FROM rooms WHERE max(created, used) < ?1",
    [ST_CHAT_ADD] = "INSERT INTO chat(room,id,from_id,name,text,ts) VALUES(?1,?2,?3,?4,?5,?6)",
    [ST_CHAT_RECENT] =
        "SELECT room,id,from_id,name,text,ts FROM"
        " (SELECT * FROM chat WHERE room=?1 ORDER BY id DESC LIMIT ?2)"
        " ORDER BY id ASC",
    [ST_CHAT_TRIM] =
        "DELETE FROM chat WHERE room=?1 AND id <="
        " (SELECT id FROM chat WHERE room=?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    /* Newest first: the caller stops at its byte budget, nearest to `before`. The primary key
     * (room, id) makes this a range scan. */
    [ST_CHAT_BEFORE] =
        "SELECT room,id,from_id,name,text,ts FROM chat WHERE room=?1 AND id<?2"
        " ORDER BY id DESC LIMIT ?3",
};

/* Version 1 schema. Chat rows go away with their room. */
static const char store_schema_v1[] =
    "CREATE TABLE IF NOT EXISTS rooms("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, pw_hash TEXT, owner_hash TEXT NOT NULL,"
    " locked INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS chat("
    " room TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE, id INTEGER NOT NULL,"
    " from_id TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL,"
    " PRIMARY KEY(room, id));";

/* Version 2: rooms remember when they were last used (joined or left), for room expiry.
 * 0 = never used since the upgrade; expiry then goes by the creation time. */
static const char store_schema_v2[] =
    "ALTER TABLE rooms ADD COLUMN used INTEGER NOT NULL DEFAULT 0;";

/* Version 3: a room's media mode ("sfu", "p2p", "auto"); '' = the server's --media-mode. */
static const char store_schema_v3[] =
    "ALTER TABLE rooms ADD COLUMN media_mode TEXT NOT NULL DEFAULT '';";

/* Two connections to the same file: reads on the control thread, writes on whichever single
 * thread runs them (buzzd's store writer). SQLite's WAL lets a reader go on while a write
 * waits for a lock, so the control thread never waits behind a slow or locked write. */
typedef struct store_conn {
  sqlite3 *db;
  sqlite3_stmt *st[ST_COUNT];
} store_conn;

struct bz_store {
  store_conn rd, wr;
};

/* How long a statement waits for another process's lock. The reader's bound is what a
 * control-thread read can cost at worst; a writer runs off the control thread. */
#define STORE_READ_BUSY_MS 100
#define STORE_WRITE_BUSY_MS 2000

const char *bz_store_strerror(int err) {
  switch (err) {
    case BZ_STORE_OK:
      return "ok";
    case BZ_STORE_ENOMEM:
      return "out of memory";
    case BZ_STORE_EINVAL:
      return "invalid argument";
    case BZ_STORE_EOPEN:
      return "cannot open database";
    case BZ_STORE_ESQL:
      return "database error";
    case BZ_STORE_ESCHEMA:
      return "unsupported database schema version";
    case BZ_STORE_ECALLBACK:
      return "load stopped by callback";
    default:
      return "unknown store error";
  }
}

static int store_fail(store_conn *c, const char *what) {
  BZ_ERROR("store_error", "op=%s sqlite=\"%s\"", what, c->db ? sqlite3_errmsg(c->db) : "-");
  return BZ_STORE_ESQL;
}

/* mkdir -p of the directory part of `path`; an existing directory is fine. */
static int store_mkdirs(const char *path) {
  char *dir = strdup(path);
  if (!dir) return BZ_STORE_ENOMEM;
  char *slash = strrchr(dir, '/');
  int rc = BZ_STORE_OK;
  if (slash && slash != dir) {
    *slash = '\0';
    for (char *p = dir + 1; rc == BZ_STORE_OK; p++) {
      if (*p != '/' && *p != '\0') continue;
      char c = *p;
      *p = '\0';
      if (mkdir(dir, 0700) != 0 && errno != EEXIST) rc = BZ_STORE_EOPEN;
      *p = c;
      if (c == '\0') break;
    }
  }
  free(dir);
  return rc;
}

static int store_exec(store_conn *s, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
    BZ_ERROR("store_error", "op=exec sqlite=\"%s\"", err ? err : "?");
    sqlite3_free(err);
    return BZ_STORE_ESQL;
  }
  return BZ_STORE_OK;
}

static int store_user_version(store_conn *s, int *out) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return store_fail(s, "user_version");
  int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? BZ_STORE_OK : store_fail(s, "user_version");
}

static int store_setup(store_conn *s) {
  int rc = store_exec(s,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      " PRAGMA foreign_keys=ON;");
  int ver = 0;
  if (rc == BZ_STORE_OK) rc = store_user_version(s, &ver);
  if (rc != BZ_STORE_OK) return rc;
  if (ver > STORE_SCHEMA_VERSION) {
    BZ_ERROR("store_schema", "found=%d supported=%d", ver, STORE_SCHEMA_VERSION);
    return BZ_STORE_ESCHEMA;
  }
  if (ver == STORE_SCHEMA_VERSION) return BZ_STORE_OK;
  rc = store_exec(s, "BEGIN;");
  if (rc == BZ_STORE_OK && ver < 1) rc = store_exec(s, store_schema_v1);
  if (rc == BZ_STORE_OK && ver < 2) rc = store_exec(s, store_schema_v2);
  if (rc == BZ_STORE_OK && ver < 3) rc = store_exec(s, store_schema_v3);
  if (rc == BZ_STORE_OK) rc = store_exec(s, "PRAGMA user_version=3;");
  if (rc == BZ_STORE_OK) return store_exec(s, "COMMIT;");
  store_exec(s, "ROLLBACK;");
  return rc;
}

static int store_prepare_all(store_conn *s) {
  for (int i = 0; i < ST_COUNT; i++)
    if (sqlite3_prepare_v3(s->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
        SQLITE_OK)
      return store_fail(s, "prepare");
  return BZ_STORE_OK;
}

static int store_conn_open(store_conn *c, const char *path, int busy_ms) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
    BZ_ERROR("store_open", "path=%s sqlite=\"%s\"", path,
             c->db ? sqlite3_errmsg(c->db) : "out of memory");
    return BZ_STORE_EOPEN;
  }
  sqlite3_busy_timeout(c->db, busy_ms);
  return BZ_STORE_OK;
}

static void store_conn_close(store_conn *c, int checkpoint) {
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(c->st[i]);
  if (!c->db) return;
  /* Fold the WAL back into the main file so a copied buzz.db is complete on its own. */
  if (checkpoint) sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  sqlite3_close(c->db);
}

int bz_store_open(bz_store **out, const char *path) {
  if (!out || !path || !*path) return BZ_STORE_EINVAL;
  *out = NULL;
  int rc = store_mkdirs(path);
  if (rc != BZ_STORE_OK) {
    BZ_ERROR("store_open", "path=%s err=\"cannot create directory\"", path);
    return rc;
  }
  bz_store *s = calloc(1, sizeof *s);
  if (!s) return BZ_STORE_ENOMEM;
  /* The writer connection sets the file up (WAL, schema) before the reader opens it. */
  rc = store_conn_open(&s->wr, path, STORE_WRITE_BUSY_MS);
  if (rc == BZ_STORE_OK) rc = store_setup(&s->wr);
  if (rc == BZ_STORE_OK) rc = store_prepare_all(&s->wr);
  if (rc == BZ_STORE_OK) rc = store_conn_open(&s->rd, path, STORE_READ_BUSY_MS);
  if (rc == BZ_STORE_OK) rc = store_exec(&s->rd, "PRAGMA foreign_keys=ON;");
  if (rc == BZ_STORE_OK) rc = store_prepare_all(&s->rd);
  if (rc != BZ_STORE_OK) {
    bz_store_close(s);
    return rc;
  }
  *out = s;
  return BZ_STORE_OK;
}

void bz_store_close(bz_store *s) {
  if (!s) return;
  store_conn_close(&s->rd, 0);
  store_conn_close(&s->wr, 1);
  free(s);
}

/* Runs a prepared statement that returns no rows, then resets it. */
static int store_step_done(store_conn *s, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  int ret = rc == SQLITE_DONE ? BZ_STORE_OK : store_fail(s, what);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return ret;
}

static int bind_text(sqlite3_stmt *st, int i, const char *v) {
  return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

int bz_store_room_put(bz_store *s, const bz_store_room *r) {
  if (!s || !r || !r->id || !r->name || !r->owner_hash) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->wr.st[ST_ROOM_PUT];
  if (bind_text(st, 1, r->id) || bind_text(st, 2, r->name) || bind_text(st, 3, r->pw_hash) ||
      bind_text(st, 4, r->owner_hash) || sqlite3_bind_int(st, 5, r->locked ? 1 : 0) ||
      sqlite3_bind_int64(st, 6, r->created_ms) || sqlite3_bind_int64(st, 7, r->used_ms) ||
      bind_text(st, 8, r->media_mode ? r->media_mode : "")) {
    sqlite3_reset(st);
    return store_fail(&s->wr, "room_put_bind");
  }
  return store_step_done(&s->wr, st, "room_put");
}

/* Runs one of the single-column UPDATEs; a room that is not there is an error (the caller
 * would otherwise acknowledge a change nothing holds). */
static int room_set(bz_store *s, int which, const char *id, const char *text, int64_t num,
                    const char *what) {
  if (!s || !id) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->wr.st[which];
  int is_text = which == ST_ROOM_SET_PW || which == ST_ROOM_SET_MEDIA;
  int bad = bind_text(st, 1, id) ||
            (is_text ? bind_text(st, 2, text) : sqlite3_bind_int64(st, 2, num));
  if (bad) {
    sqlite3_reset(st);
    return store_fail(&s->wr, what);
  }
  int rc = store_step_done(&s->wr, st, what);
  if (rc == BZ_STORE_OK && sqlite3_changes(s->wr.db) != 1) {
    BZ_ERROR("store_error", "op=%s room=%.20s err=\"no such room\"", what, id);
    return BZ_STORE_ESQL;
  }
  return rc;
}

int bz_store_room_set_locked(bz_store *s, const char *id, int locked) {
  return room_set(s, ST_ROOM_SET_LOCKED, id, NULL, locked ? 1 : 0, "room_set_locked");
}

int bz_store_room_set_password(bz_store *s, const char *id, const char *pw_hash) {
  return room_set(s, ST_ROOM_SET_PW, id, pw_hash, 0, "room_set_password");
}

int bz_store_room_set_used(bz_store *s, const char *id, int64_t used_ms) {
  return room_set(s, ST_ROOM_SET_USED, id, NULL, used_ms, "room_set_used");
}

int bz_store_room_set_media_mode(bz_store *s, const char *id, const char *mode) {
  return room_set(s, ST_ROOM_SET_MEDIA, id, mode ? mode : "", 0, "room_set_media_mode");
}

int bz_store_room_delete(bz_store *s, const char *id) {
  if (!s || !id) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->wr.st[ST_ROOM_DEL];
  if (bind_text(st, 1, id)) {
    sqlite3_reset(st);
    return store_fail(&s->wr, "room_delete_bind");
  }
  return store_step_done(&s->wr, st, "room_delete");
}

int bz_store_rooms_expire(bz_store *s, int64_t cutoff_ms, int *deleted) {
  if (!s) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->wr.st[ST_ROOM_EXPIRE];
  if (sqlite3_bind_int64(st, 1, cutoff_ms)) {
    sqlite3_reset(st);
    return store_fail(&s->wr, "rooms_expire_bind");
  }
  int rc = store_step_done(&s->wr, st, "rooms_expire");
  if (deleted) *deleted = rc == BZ_STORE_OK ? sqlite3_changes(s->wr.db) : 0;
  return rc;
}

/* Column text that is never NULL for NOT NULL columns; a NULL from a corrupt row becomes "". */
static const char *col_text(sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? (const char *)t : "";
}

int bz_store_rooms_load(bz_store *s, bz_store_room_cb cb, void *user) {
  if (!s || !cb) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->rd.st[ST_ROOM_ALL];
  int rc, ret = BZ_STORE_OK;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    bz_store_room r = {
        .id = col_text(st, 0),
        .name = col_text(st, 1),
        .pw_hash = (const char *)sqlite3_column_text(st, 2),
        .owner_hash = col_text(st, 3),
        .locked = sqlite3_column_int(st, 4),
        .created_ms = sqlite3_column_int64(st, 5),
        .used_ms = sqlite3_column_int64(st, 6),
        .media_mode = col_text(st, 7),
    };
    if (cb(user, &r) != 0) {
      ret = BZ_STORE_ECALLBACK;
      break;
    }
  }
  if (ret == BZ_STORE_OK && rc != SQLITE_DONE) ret = store_fail(&s->rd, "rooms_load");
  sqlite3_reset(st);
  return ret;
}

int bz_store_chat_append(bz_store *s, const bz_store_chat *m) {
  if (!s || !m || !m->room || !m->from_id || !m->name || !m->text) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->wr.st[ST_CHAT_ADD];
  if (bind_text(st, 1, m->room) || sqlite3_bind_int64(st, 2, m->id) ||
      bind_text(st, 3, m->from_id) || bind_text(st, 4, m->name) || bind_text(st, 5, m->text) ||
      sqlite3_bind_int64(st, 6, m->ts_ms)) {
    sqlite3_reset(st);
    return store_fail(&s->wr, "chat_append_bind");
  }
  return store_step_done(&s->wr, st, "chat_append");
}

/* Steps a bound chat SELECT (room,id,from_id,name,text,ts), handing each row to cb; then
 * resets the statement. */
static int chat_rows(store_conn *c, sqlite3_stmt *st, bz_store_chat_cb cb, void *user,
                     const char *what) {
  int rc, ret = BZ_STORE_OK;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    bz_store_chat m = {
        .room = col_text(st, 0),
        .id = sqlite3_column_int64(st, 1),
        .from_id = col_text(st, 2),
        .name = col_text(st, 3),
        .text = col_text(st, 4),
        .ts_ms = sqlite3_column_int64(st, 5),
    };
    if (cb(user, &m) != 0) {
      ret = BZ_STORE_ECALLBACK;
      break;
    }
  }
  if (ret == BZ_STORE_OK && rc != SQLITE_DONE) ret = store_fail(c, what);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return ret;
}

int bz_store_chat_recent(bz_store *s, const char *room, int limit, bz_store_chat_cb cb,
                         void *user) {
  if (!s || !room || !cb || limit < 0) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->rd.st[ST_CHAT_RECENT];
  if (bind_text(st, 1, room) || sqlite3_bind_int(st, 2, limit))
    return store_fail(&s->rd, "chat_recent_bind");
  return chat_rows(&s->rd, st, cb, user, "chat_recent");
}

int bz_store_chat_trim(bz_store *s, const char *room, int keep) {
  if (!s || !room || keep < 0) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->wr.st[ST_CHAT_TRIM];
  if (bind_text(st, 1, room) || sqlite3_bind_int(st, 2, keep))
    return store_fail(&s->wr, "chat_trim_bind");
  return store_step_done(&s->wr, st, "chat_trim");
}

int bz_store_chat_before(bz_store *s, const char *room, int64_t before, int limit,
                         bz_store_chat_cb cb, void *user) {
  if (!s || !room || !cb || limit < 0) return BZ_STORE_EINVAL;
  sqlite3_stmt *st = s->rd.st[ST_CHAT_BEFORE];
  if (bind_text(st, 1, room) || sqlite3_bind_int64(st, 2, before) ||
      sqlite3_bind_int(st, 3, limit)) {
    sqlite3_reset(st);
    return store_fail(&s->rd, "chat_before_bind");
  }
  return chat_rows(&s->rd, st, cb, user, "chat_before");
}
