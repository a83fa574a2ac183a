/* Rooms: the hash table, creation (REST and store), roster, chat history ring. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "store/store.h"
#include "util/log.h"

static size_t room_hash(const char *id) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *id; id++) h = (h ^ (uint8_t)*id) * 16777619u;
  return h;
}

sig_room *sig__room_find(sig_ctx *ctx, const char *id) {
  for (sig_room *r = ctx->buckets[room_hash(id) % ctx->nbuckets]; r; r = r->hnext)
    if (strcmp(r->id, id) == 0) return r;
  return NULL;
}

/* "xxxx-xxxx-xxxx" with [a-z0-9]. */
static int room_id_valid(const char *id) {
  if (strlen(id) != SIG_ROOM_ID_LEN) return 0;
  for (int i = 0; i < SIG_ROOM_ID_LEN; i++) {
    char ch = id[i];
    int dash = (i == 4 || i == 9);
    if (dash ? ch != '-' : !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) return 0;
  }
  return 1;
}

static int room_id_random(sig_ctx *ctx, char out[SIG_ROOM_ID_LEN + 1]) {
  static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  int o = 0;
  while (o < SIG_ROOM_ID_LEN) {
    uint8_t buf[16];
    if (sig__random(ctx, buf, sizeof buf) != 0) return -1;
    for (size_t i = 0; i < sizeof buf && o < SIG_ROOM_ID_LEN; i++) {
      if (o == 4 || o == 9) out[o++] = '-';
      if (buf[i] >= 252) continue; /* 252 = 7 * 36: rejection keeps the choice uniform */
      out[o++] = alpha[buf[i] % 36];
    }
  }
  out[SIG_ROOM_ID_LEN] = '\0';
  return 0;
}

static void room_free(sig_room *r) {
  while (r->parts) {
    sig_part *p = r->parts;
    r->parts = p->next;
    free(p->sfu); /* the media plane is going down with the ctx: nothing to tell it */
    free(p->name);
    free(p);
  }
  sig__chat_clear(r);
  free(r->name);
  free(r->pw_hash);
  free(r);
}

/* Allocates and links a room; takes ownership of nothing (copies strings). */
static sig_room *room_insert(sig_ctx *ctx, const char *id, const char *name, const char *pw_hash,
                             const char *owner_hash) {
  sig_room *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->name = strdup(name);
  r->pw_hash = pw_hash ? strdup(pw_hash) : NULL;
  if (!r->name || (pw_hash && !r->pw_hash)) {
    room_free(r);
    return NULL;
  }
  snprintf(r->id, sizeof r->id, "%s", id);
  snprintf(r->owner_hash, sizeof r->owner_hash, "%s", owner_hash);
  r->chat_next_id = 1;
  r->media_set = SIG_MEDIA_DEFAULT;
  r->media_mode = ctx->lim.media_mode;
  size_t b = room_hash(id) % ctx->nbuckets;
  r->hnext = ctx->buckets[b];
  ctx->buckets[b] = r;
  ctx->nrooms++;
  return r;
}

static void room_unlink(sig_ctx *ctx, sig_room *r) {
  sig_room **pp = &ctx->buckets[room_hash(r->id) % ctx->nbuckets];
  while (*pp && *pp != r) pp = &(*pp)->hnext;
  if (*pp) *pp = r->hnext;
  ctx->nrooms--;
}

void sig__rooms_free(sig_ctx *ctx) {
  for (size_t b = 0; b < ctx->nbuckets; b++) {
    while (ctx->buckets[b]) {
      sig_room *r = ctx->buckets[b];
      ctx->buckets[b] = r->hnext;
      room_free(r);
    }
  }
  ctx->nrooms = 0;
}

/* The stored mode ("" or NULL = the server's default). An unknown value in the file (a later
 * release's mode, damage) falls back to the default with a warning: the room stays usable. */
static void room_set_media(sig_ctx *ctx, sig_room *r, const char *stored) {
  int m = stored && *stored ? sig_media_mode_parse(stored, strlen(stored)) : SIG_MEDIA_DEFAULT;
  if (m < 0) {
    BZ_WARN("sig_load", "room=%s err=\"unknown media_mode, server default used\"", r->id);
    m = SIG_MEDIA_DEFAULT;
  }
  r->media_set = m;
  r->media_mode = m == SIG_MEDIA_DEFAULT ? ctx->lim.media_mode : m;
}

int sig__room_load_row(sig_ctx *ctx, const bz_store_room *row) {
  int has_pw = row->pw_hash && *row->pw_hash;
  /* A room whose password hash is unusable is skipped, never opened up without one. */
  if (!room_id_valid(row->id) || strlen(row->owner_hash) != 64 ||
      (has_pw && !sig__pw_hash_sane(row->pw_hash)) ||
      sig__check_name(row->name, strlen(row->name), ctx->lim.max_name_chars) != 0 ||
      sig__room_find(ctx, row->id)) {
    BZ_WARN("sig_load", "room=%.20s err=\"invalid stored room skipped\"", row->id);
    return 0;
  }
  if (ctx->nrooms >= ctx->lim.max_rooms) return 0;
  sig_room *r = room_insert(ctx, row->id, row->name, has_pw ? row->pw_hash : NULL,
                            row->owner_hash);
  if (!r) return -1;
  r->locked = row->locked != 0;
  r->created_ms = row->created_ms;
  r->used_ms = r->used_saved_ms = row->used_ms;
  room_set_media(ctx, r, row->media_mode);
  return 0;
}

/* Expiry deletes the row first and frees the room when the delete committed, unless
 * somebody joined meanwhile: then the row is written back. */
typedef struct expire_job {
  sig_write w; /* first */
  sig_room *r;
  char id[SIG_ROOM_ID_LEN + 1];
  int restore; /* 0: delete the row; 1: put it back */
  bz_store_room row; /* restore: its strings are the job's own copies (the worker reads them) */
  char owner_hash[65];
  char *name, *pw_hash;
} expire_job;

static void expire_free(expire_job *j) {
  free(j->name);
  free(j->pw_hash);
  free(j);
}

static int expire_write(bz_store *st, sig_write *w) {
  expire_job *j = (expire_job *)w;
  return j->restore ? bz_store_room_put(st, &j->row) : bz_store_room_delete(st, j->id);
}

static void expire_done(sig_ctx *ctx, sig_write *w, int rc);

static void expire_submit(sig_ctx *ctx, sig_room *r, int restore) {
  expire_job *j = calloc(1, sizeof *j);
  if (!j) return;
  j->r = r;
  memcpy(j->id, r->id, sizeof j->id);
  j->restore = restore;
  memcpy(j->owner_hash, r->owner_hash, sizeof j->owner_hash);
  j->name = strdup(r->name);
  j->pw_hash = r->pw_hash ? strdup(r->pw_hash) : NULL;
  if (!j->name || (r->pw_hash && !j->pw_hash)) {
    expire_free(j);
    return;
  }
  j->row = (bz_store_room){.id = j->id, .name = j->name, .pw_hash = j->pw_hash,
                           .owner_hash = j->owner_hash, .locked = r->locked,
                           .created_ms = r->created_ms, .used_ms = r->used_ms,
                           .media_mode = sig_media_mode_name(r->media_set)};
  j->w.write = expire_write;
  j->w.done = expire_done;
  r->jobs++;
  if (sig__write(ctx, &j->w) != SIG_OK) {
    r->jobs--;
    expire_free(j);
  }
}

static void expire_done(sig_ctx *ctx, sig_write *w, int rc) {
  expire_job *j = (expire_job *)w;
  sig_room *r = j->r;
  r->jobs--;
  if (rc == BZ_STORE_OK && !j->restore) {
    if (r->nparts == 0 && r->jobs == 0) {
      room_unlink(ctx, r);
      room_free(r);
    } else {
      expire_submit(ctx, r, 1); /* back in use: the row must exist again */
    }
  }
  expire_free(j);
}

int sig__rooms_expire(sig_ctx *ctx) {
  if (ctx->lim.room_ttl_days <= 0 || ctx->nrooms == 0) return 0;
  int64_t cutoff = (int64_t)sig__wall(ctx) - (int64_t)ctx->lim.room_ttl_days * 86400000;
  /* Collected first: a delete may complete (and free its room) inside expire_submit. */
  sig_room **due = malloc((size_t)ctx->nrooms * sizeof *due);
  if (!due) return 0;
  int n = 0;
  for (size_t b = 0; b < ctx->nbuckets; b++)
    for (sig_room *r = ctx->buckets[b]; r; r = r->hnext) {
      int64_t last = r->used_ms > r->created_ms ? r->used_ms : r->created_ms;
      if (r->nparts == 0 && r->jobs == 0 && last < cutoff) due[n++] = r;
    }
  for (int i = 0; i < n; i++) {
    if (ctx->store) {
      expire_submit(ctx, due[i], 0);
    } else {
      room_unlink(ctx, due[i]);
      room_free(due[i]);
    }
  }
  free(due);
  if (n > 0) BZ_INFO("room_expire", "rooms=%d ttl_days=%d", n, ctx->lim.room_ttl_days);
  return n;
}

int sig__room_persist(sig_ctx *ctx, sig_room *r) {
  if (!ctx->store) return SIG_OK;
  bz_store_room row = {.id = r->id,
                       .name = r->name,
                       .pw_hash = r->pw_hash,
                       .owner_hash = r->owner_hash,
                       .locked = r->locked,
                       .created_ms = r->created_ms,
                       .used_ms = r->used_ms,
                       .media_mode = sig_media_mode_name(r->media_set)};
  int rc = bz_store_room_put(ctx->store, &row);
  if (rc != BZ_STORE_OK) return SIG_ESTORE;
  r->used_saved_ms = r->used_ms;
  return SIG_OK;
}

int sig__room_add(sig_ctx *ctx, const char *id, const char *name, const char *password,
                  const char *owner_token, sig_room **out) {
  if (!room_id_valid(id)) return SIG_EINVAL;
  if (!name || !*name) name = "Meeting"; /* an empty form field means "no name" */
  if (sig__check_name(name, strlen(name), ctx->lim.max_name_chars) != 0) return SIG_EINVAL;
  if (password && *password == '\0') password = NULL; /* empty means no password */
  if (password && sig__check_password(password, strlen(password)) != 0) return SIG_EINVAL;
  if (sig__room_find(ctx, id)) return SIG_EINVAL;
  if (ctx->nrooms >= ctx->lim.max_rooms) return SIG_ELIMIT;
  char owner_hash[65], random_token[SIG_OWNER_TOKEN_LEN + 1];
  if (!owner_token) {
    uint8_t raw[32];
    if (sig__random(ctx, raw, sizeof raw) != 0) return SIG_ENOMEM;
    sig__b64url(raw, sizeof raw, random_token);
    owner_token = random_token;
  }
  sig__sha256_hex(owner_token, owner_hash);
  char *pw_hash = NULL;
  uint8_t salt[16];
  if (password) {
    if (sig__random(ctx, salt, sizeof salt) != 0) return SIG_ENOMEM;
    int rc = sig__pw_hash_raw(ctx->argon_t, ctx->argon_m_kib, salt, password, &pw_hash);
    if (rc != SIG_OK) return rc;
  }
  sig_room *r = room_insert(ctx, id, name, pw_hash, owner_hash);
  free(pw_hash);
  if (!r) return SIG_ENOMEM;
  r->created_ms = (int64_t)sig__wall(ctx);
  if (sig__room_persist(ctx, r) != SIG_OK) {
    room_unlink(ctx, r);
    room_free(r);
    return SIG_ESTORE;
  }
  if (out) *out = r;
  return SIG_OK;
}

/* POST /api/rooms, in up to two jobs: the password's hash (password queue), then the row
 * (store writer). The room enters memory and the answer goes out only once the row is
 * stored. The id is drawn up front and checked free again at the end. */
struct sig_op {
  sig_write w; /* first: the store write */
  char id[SIG_ROOM_ID_LEN + 1];
  char token[SIG_OWNER_TOKEN_LEN + 1];
  char owner_hash[65];
  char *name, *pw_hash;
  int64_t created_ms;
  int media_set;  /* SIG_MEDIA_*; DEFAULT = the server's */
  sig_pw *pw; /* the hash job while it runs */
  sig_room_created_fn cb; /* NULL once cancelled */
  void *user;
};

static void create_free(sig_op *op) {
  OPENSSL_cleanse(op->token, sizeof op->token);
  free(op->name);
  free(op->pw_hash);
  free(op);
}

static void create_answer(sig_op *op, int err, const char *json) {
  sig_room_created_fn cb = op->cb;
  op->cb = NULL;
  if (cb) cb(op->user, err, json);
}

static int create_write(bz_store *st, sig_write *w) {
  sig_op *op = (sig_op *)w;
  bz_store_room row = {.id = op->id,
                       .name = op->name,
                       .pw_hash = op->pw_hash,
                       .owner_hash = op->owner_hash,
                       .created_ms = op->created_ms,
                       .media_mode = sig_media_mode_name(op->media_set)};
  return bz_store_room_put(st, &row);
}

static void create_stored(sig_ctx *ctx, sig_write *w, int rc) {
  sig_op *op = (sig_op *)w;
  sig_room *r = NULL;
  if (rc == BZ_STORE_OK && !sig__room_find(ctx, op->id))
    r = room_insert(ctx, op->id, op->name, op->pw_hash, op->owner_hash);
  ctx->rooms_creating--;
  if (!r) {
    /* Out of memory after the row was stored: the room appears at the next start. */
    if (rc == BZ_STORE_OK) BZ_ERROR("room_create", "room=%s err=\"stored, not in memory\"", op->id);
    create_answer(op, rc == BZ_STORE_OK ? SIG_ENOMEM : SIG_ESTORE, NULL);
    create_free(op);
    return;
  }
  r->created_ms = op->created_ms;
  r->media_set = op->media_set;
  if (op->media_set != SIG_MEDIA_DEFAULT) r->media_mode = op->media_set;
  char url[4 + SIG_ROOM_ID_LEN];
  snprintf(url, sizeof url, "/r/%s", op->id);
  json_t *o = json_pack("{s:s, s:s, s:s}", "id", op->id, "url", url, "owner_token", op->token);
  char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  BZ_INFO("room_create", "room=%s password=%d media_mode=%s", op->id, r->pw_hash != NULL,
          sig_media_mode_name(r->media_mode));
  create_answer(op, text ? SIG_OK : SIG_ENOMEM, text);
  free(text);
  create_free(op);
}

static void create_store(sig_ctx *ctx, sig_op *op) {
  op->w.write = create_write;
  op->w.done = create_stored;
  if (sig__write(ctx, &op->w) == SIG_OK) return;
  ctx->rooms_creating--;
  create_answer(op, SIG_ESTORE, NULL);
  create_free(op);
}

static void create_hashed(sig_ctx *ctx, void *arg, int ok, char *hash) {
  sig_op *op = arg;
  op->pw = NULL;
  op->pw_hash = hash;
  if (ok > 0) {
    create_store(ctx, op);
    return;
  }
  ctx->rooms_creating--;
  create_answer(op, SIG_ENOMEM, NULL);
  create_free(op);
}

int sig_room_create(sig_ctx *ctx, const char *name, const char *password,
                    const char *media_mode, const char *addr, sig_room_created_fn cb, void *user,
                    sig_op **out) {
  if (!ctx || !cb) return SIG_EINVAL;
  int media_set = media_mode ? sig_media_mode_parse(media_mode, strlen(media_mode))
                             : SIG_MEDIA_DEFAULT;
  if (media_set < 0) return SIG_EINVAL;
  if (out) *out = NULL;
  if (!name || !*name) name = "Meeting"; /* an empty form field means "no name" */
  if (sig__check_name(name, strlen(name), ctx->lim.max_name_chars) != 0) return SIG_EINVAL;
  if (password && *password == '\0') password = NULL; /* empty means no password */
  if (password && sig__check_password(password, strlen(password)) != 0) return SIG_EINVAL;
  /* Rooms on their way into memory count, so max_rooms holds when they arrive. */
  if (ctx->nrooms + ctx->rooms_creating >= ctx->lim.max_rooms) return SIG_ELIMIT;
  sig_op *op = calloc(1, sizeof *op);
  if (!op || !(op->name = strdup(name))) {
    free(op);
    return SIG_ENOMEM;
  }
  uint8_t raw[32];
  int tries = 0, rc = SIG_OK;
  do {
    if (room_id_random(ctx, op->id) != 0) rc = SIG_ENOMEM;
  } while (rc == SIG_OK && sig__room_find(ctx, op->id) && ++tries < 8);
  if (rc == SIG_OK && sig__random(ctx, raw, sizeof raw) != 0) rc = SIG_ENOMEM;
  if (rc != SIG_OK) {
    create_free(op);
    return rc;
  }
  sig__b64url(raw, sizeof raw, op->token);
  OPENSSL_cleanse(raw, sizeof raw);
  sig__sha256_hex(op->token, op->owner_hash);
  op->created_ms = (int64_t)sig__wall(ctx);
  op->media_set = media_set;
  op->cb = cb;
  op->user = user;
  ctx->rooms_creating++;
  if (out) *out = op;
  if (!password) {
    create_store(ctx, op); /* may answer before returning */
    return SIG_OK;
  }
  rc = sig__pw_submit(ctx, addr, NULL, password, create_hashed, op, &op->pw);
  if (rc != SIG_OK) {
    ctx->rooms_creating--;
    if (out) *out = NULL;
    create_free(op);
  }
  return rc;
}

void sig_room_create_cancel(sig_ctx *ctx, sig_op *op) {
  if (!op) return;
  op->cb = NULL;
  if (op->pw) sig__pw_cancel(ctx, op->pw); /* its done frees op */
}

int sig_room_info(sig_ctx *ctx, const char *id, char **json_out) {
  if (!ctx || !id || !json_out) return SIG_EINVAL;
  *json_out = NULL;
  sig_room *r = strlen(id) == SIG_ROOM_ID_LEN ? sig__room_find(ctx, id) : NULL;
  if (!r) return SIG_ENOTFOUND;
  json_t *o = sig__room_json(r);
  if (o) json_object_set_new(o, "participants", json_integer(r->nparts));
  *json_out = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  return *json_out ? SIG_OK : SIG_ENOMEM;
}
