/* The persisted changes of sig, each as a store write (sig_wq.c) whose done callback applies
 * the change to memory and answers: chat messages, a room's lock and password, its last use.
 * Until then nothing in memory has changed, so a failed write leaves the room exactly as it
 * was and the requester gets store_unavailable. A job holds its room (r->jobs: expiry waits)
 * and its requester's connection (a reference: the struct outlives the socket). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "store/store.h"
#include "util/log.h"

#define CHAT_TRIM_EVERY 100 /* trim the stored history every N messages ... */
#define CHAT_TRIM_KEEP 1000 /* ... down to the newest N (>= SIG_CHAT_KEEP) */

static const char store_busy_msg[] = "the database is unavailable; nothing was changed";

/* What every write of a room carries. */
typedef struct room_job {
  sig_write w; /* first */
  sig_room *r;
  char room_id[SIG_ROOM_ID_LEN + 1];
  sig_conn *c; /* the requester to answer, or NULL */
  json_t *id;  /* its request id */
} room_job;

static void job_init(room_job *j, sig_room *r, sig_conn *c, const sig_req *rq) {
  j->r = r;
  memcpy(j->room_id, r->id, sizeof j->room_id);
  r->jobs++;
  j->c = c;
  if (c) sig__conn_ref(c);
  j->id = rq && rq->id ? json_incref(rq->id) : NULL;
}

static void job_release(room_job *j) {
  j->r->jobs--;
  if (j->c) sig__conn_unref(j->c);
  json_decref(j->id);
}

/* The requester, when it can still be answered. */
static sig_conn *job_conn(room_job *j, sig_req *rq, int type) {
  rq->type = type;
  rq->id = j->id;
  return j->c && !j->c->closing && !j->c->dead ? j->c : NULL;
}

/* Queues j; on a full queue answers store_unavailable and frees it (free_fn). */
static void job_submit(sig_ctx *ctx, room_job *j, sig_conn *c, const sig_req *rq,
                       void (*free_fn)(room_job *)) {
  if (sig__write(ctx, &j->w) == SIG_OK) return;
  if (c) sig__error(c, rq, SIG_PE_STORE_UNAVAILABLE, store_busy_msg);
  free_fn(j);
}

/* ---- chat ---- */

typedef struct chat_job {
  room_job base;
  int64_t id, ts;
  char from[SIG_PID_LEN + 1];
  char *name, *text;
  int trim;
} chat_job;

static void chat_free(room_job *b) {
  chat_job *j = (chat_job *)b;
  job_release(b);
  free(j->name);
  free(j->text);
  free(j);
}

static int chat_write(bz_store *st, sig_write *w) {
  chat_job *j = (chat_job *)w;
  bz_store_chat row = {.room = j->base.room_id,
                       .id = j->id,
                       .from_id = j->from,
                       .name = j->name,
                       .text = j->text,
                       .ts_ms = j->ts};
  int rc = bz_store_chat_append(st, &row);
  /* Trimming is housekeeping: the message is stored either way. */
  if (rc == BZ_STORE_OK && j->trim) bz_store_chat_trim(st, j->base.room_id, CHAT_TRIM_KEEP);
  return rc;
}

static void chat_done(sig_ctx *ctx, sig_write *w, int rc) {
  chat_job *j = (chat_job *)w;
  sig_room *r = j->base.r;
  sig_req rq;
  sig_conn *c = job_conn(&j->base, &rq, SIG_IN_CHAT);
  (void)ctx;
  if (rc != BZ_STORE_OK) {
    BZ_WARN("sig_chat_store", "room=%s id=%lld err=\"%s\"", r->id, (long long)j->id,
            bz_store_strerror(rc));
    if (c) sig__error(c, &rq, SIG_PE_STORE_UNAVAILABLE, "the message could not be stored; it was not sent");
    chat_free(&j->base);
    return;
  }
  /* An unloaded ring (the room emptied meanwhile) is filled from the store when needed. */
  if (r->chat_loaded) sig__chat_push(r, j->id, j->ts, j->from, j->name, j->text);
  sig__broadcast(r, NULL, SIG_OUT_CHAT,
                 json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)j->id, "from", j->from,
                           "name", j->name, "text", j->text, "ts", (json_int_t)j->ts));
  chat_free(&j->base);
}

void sig__chat_send(sig_conn *c, const sig_req *rq, const char *text) {
  sig_ctx *ctx = c->ctx;
  sig_part *p = c->part;
  sig_room *r = p->room;
  chat_job *j = calloc(1, sizeof *j);
  char *name = strdup(p->name), *copy = strdup(text);
  if (!j || !name || !copy) {
    free(j);
    free(name);
    free(copy);
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  job_init(&j->base, r, c, rq);
  j->base.w.write = chat_write;
  j->base.w.done = chat_done;
  /* The id is taken now so queued messages keep their order; a failed write leaves a gap,
   * which clients page over (chat-history). */
  j->id = r->chat_next_id++;
  j->ts = (int64_t)sig__wall(ctx);
  memcpy(j->from, p->id, sizeof j->from);
  j->name = name;
  j->text = copy;
  j->trim = j->id % CHAT_TRIM_EVERY == 0;
  if (sig__write(ctx, &j->base.w) == SIG_OK) return;
  if (r->chat_next_id == j->id + 1) r->chat_next_id = j->id; /* nothing took a later id */
  sig__error(c, rq, SIG_PE_STORE_UNAVAILABLE, "the database is busy; the message was not sent");
  chat_free(&j->base);
}

/* ---- room settings: lock, password ---- */

typedef struct setting_job {
  room_job base;
  int what; /* SIG_IN_LOCK, SIG_IN_SET_PASSWORD or SIG_IN_SET_MEDIA_MODE */
  int locked; /* SIG_IN_LOCK: the flag; SIG_IN_SET_MEDIA_MODE: the SIG_MEDIA_* mode */
  char *pw_hash; /* NULL = no password */
} setting_job;

static void setting_free(room_job *b) {
  setting_job *j = (setting_job *)b;
  job_release(b);
  free(j->pw_hash);
  free(j);
}

static int setting_write(bz_store *st, sig_write *w) {
  setting_job *j = (setting_job *)w;
  if (j->what == SIG_IN_LOCK) return bz_store_room_set_locked(st, j->base.room_id, j->locked);
  if (j->what == SIG_IN_SET_MEDIA_MODE)
    return bz_store_room_set_media_mode(st, j->base.room_id, sig_media_mode_name(j->locked));
  return bz_store_room_set_password(st, j->base.room_id, j->pw_hash);
}

static void setting_done(sig_ctx *ctx, sig_write *w, int rc) {
  setting_job *j = (setting_job *)w;
  sig_room *r = j->base.r;
  sig_req rq;
  sig_conn *c = job_conn(&j->base, &rq, j->what);
  if (rc != BZ_STORE_OK) {
    if (c) sig__error(c, &rq, SIG_PE_STORE_UNAVAILABLE, store_busy_msg);
    setting_free(&j->base);
    return;
  }
  int media_before = sig__room_media(r);
  if (j->what == SIG_IN_LOCK) {
    r->locked = j->locked;
  } else if (j->what == SIG_IN_SET_MEDIA_MODE) {
    r->media_set = r->media_mode = j->locked;
  } else {
    free(r->pw_hash);
    r->pw_hash = j->pw_hash;
    j->pw_hash = NULL;
  }
  if (c) sig__reply(c, &rq, SIG_OUT_OK, json_object());
  sig__broadcast(r, NULL, SIG_OUT_ROOM_UPDATED, json_pack("{s:o}", "room", sig__room_json(r)));
  sig__media_follow(ctx, r, media_before, NULL);
  setting_free(&j->base);
}

/* pw_hash is taken over (freed here in every case). */
void sig__room_setting(sig_conn *c, const sig_req *rq, sig_room *r, int what, int locked,
                       char *pw_hash) {
  setting_job *j = calloc(1, sizeof *j);
  if (!j) {
    free(pw_hash);
    if (c) sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  job_init(&j->base, r, c, rq);
  j->base.w.write = setting_write;
  j->base.w.done = setting_done;
  j->what = what;
  j->locked = locked;
  j->pw_hash = pw_hash;
  job_submit(c->ctx, &j->base, c, rq, setting_free);
}

/* ---- last use (room expiry); nobody waits for it ---- */

typedef struct used_job {
  room_job base;
  int64_t used, prev_saved;
} used_job;

static void used_free(room_job *b) {
  job_release(b);
  free(b);
}

static int used_write(bz_store *st, sig_write *w) {
  used_job *j = (used_job *)w;
  return bz_store_room_set_used(st, j->base.room_id, j->used);
}

static void used_done(sig_ctx *ctx, sig_write *w, int rc) {
  (void)ctx;
  used_job *j = (used_job *)w;
  if (rc == BZ_STORE_OK) {
    used_free(&j->base);
    return;
  }
  j->base.r->used_saved_ms = j->prev_saved; /* the next join or leave tries again */
  BZ_WARN("sig_persist", "room=%s err=\"last use kept in memory only\"", j->base.room_id);
  used_free(&j->base);
}

void sig__room_save_used(sig_ctx *ctx, sig_room *r) {
  used_job *j = calloc(1, sizeof *j);
  if (!j) return;
  job_init(&j->base, r, NULL, NULL);
  j->base.w.write = used_write;
  j->base.w.done = used_done;
  j->used = r->used_ms;
  /* Counted as saved from now, so a join/leave loop cannot queue a write per message. */
  j->prev_saved = r->used_saved_ms;
  r->used_saved_ms = r->used_ms;
  if (sig__write(ctx, &j->base.w) == SIG_OK) return;
  r->used_saved_ms = j->prev_saved;
  used_free(&j->base);
}
