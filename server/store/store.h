/* store: SQLite persistence for buzzd (rooms and chat history).
 *
 * One bz_store per server, holding two connections to the file. Threads: the readers
 * (bz_store_rooms_load, bz_store_chat_recent and other read functions) run on the control
 * thread and wait at most 100 ms for a lock; the writers (room_put, room_delete, rooms_expire,
 * chat_append, chat_trim, room_set_*) may run on another thread, one call at a time, concurrently with
 * the readers, and wait up to 2 s for another process's lock before failing with
 * BZ_STORE_ESQL. open and close run with no other call in flight. The file is opened in WAL mode;
 * the schema carries a version (PRAGMA user_version) so later releases can migrate it.
 * Every function returns 0 or a negative BZ_STORE_E* code (bz_store_strerror names it);
 * nothing here aborts, whatever the file contains. Strings passed in are copied by SQLite;
 * strings handed to callbacks live only for the duration of the callback. */
#ifndef BZ_STORE_H
#define BZ_STORE_H

#include <stdint.h>

typedef struct bz_store bz_store;

enum {
  BZ_STORE_OK = 0,
  BZ_STORE_ENOMEM = -1,
  BZ_STORE_EINVAL = -2,
  BZ_STORE_EOPEN = -3,    /* cannot create the directory or open the file */
  BZ_STORE_ESQL = -4,     /* SQLite reported an error (logged with its message) */
  BZ_STORE_ESCHEMA = -5,  /* the file has a newer or unknown schema version */
  BZ_STORE_ECALLBACK = -6 /* a load callback returned non-zero; loading stopped */
};
const char *bz_store_strerror(int err);

/* Opens (creating the parent directory and the file when missing) the database at `path`,
 * e.g. "<data-dir>/buzz.db". On success *out must be released with bz_store_close. */
int bz_store_open(bz_store **out, const char *path);
/* Checkpoints the WAL into the main file and closes. NULL is accepted. */
void bz_store_close(bz_store *s);

/* A room row. pw_hash is an argon2id encoded string or NULL (no password); owner_hash is the
 * hex SHA-256 of the owner token. */
typedef struct bz_store_room {
  const char *id;
  const char *name;
  const char *pw_hash;
  const char *owner_hash;
  int locked;
  int64_t created_ms; /* wall clock, ms since the epoch */
  int64_t used_ms;    /* wall clock: last join or leave; 0 = never */
  /* "sfu", "p2p" or "auto" as the owner chose; NULL or "" = the server's default. Stored as
   * it is (the store does not validate it: sig does, when it loads the row). */
  const char *media_mode;
} bz_store_room;

/* Insert or replace the room with r->id. */
int bz_store_room_put(bz_store *s, const bz_store_room *r);
int bz_store_room_delete(bz_store *s, const char *id);
/* Change one column of an existing room (BZ_STORE_ESQL when the room is not stored).
 * pw_hash NULL = no password. Writers. */
int bz_store_room_set_locked(bz_store *s, const char *id, int locked);
int bz_store_room_set_password(bz_store *s, const char *id, const char *pw_hash);
int bz_store_room_set_used(bz_store *s, const char *id, int64_t used_ms);
int bz_store_room_set_media_mode(bz_store *s, const char *id, const char *mode); /* NULL = "" */
/* Deletes every room (and its chat, by cascade) whose creation and last use are both before
 * cutoff_ms; *deleted (may be NULL) gets how many. */
int bz_store_rooms_expire(bz_store *s, int64_t cutoff_ms, int *deleted);
/* Calls cb for every stored room (ordered by creation). cb returns 0 to continue. */
typedef int (*bz_store_room_cb)(void *user, const bz_store_room *r);
int bz_store_rooms_load(bz_store *s, bz_store_room_cb cb, void *user);

/* A chat row; id increases per room. */
typedef struct bz_store_chat {
  const char *room;
  int64_t id;
  const char *from_id;
  const char *name;
  const char *text;
  int64_t ts_ms; /* wall clock, ms since the epoch */
} bz_store_chat;

int bz_store_chat_append(bz_store *s, const bz_store_chat *m);
/* Calls cb with the newest `limit` messages of `room`, oldest first. */
typedef int (*bz_store_chat_cb)(void *user, const bz_store_chat *m);
int bz_store_chat_recent(bz_store *s, const char *room, int limit, bz_store_chat_cb cb, void *user);
/* Calls cb with up to `limit` messages of `room` whose id is below `before`, newest first
 * (chat-history pages back from there). A callback returning non-zero stops early
 * (BZ_STORE_ECALLBACK). A reader: control thread. */
int bz_store_chat_before(bz_store *s, const char *room, int64_t before, int limit,
                         bz_store_chat_cb cb, void *user);
/* Deletes all but the newest `keep` messages of `room`. */
int bz_store_chat_trim(bz_store *s, const char *room, int keep);

#endif
