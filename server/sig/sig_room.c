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
  return 0;
}

int sig__rooms_expire(sig_ctx *ctx) {
  if (ctx->lim.room_ttl_days <= 0) return 0;
  int64_t cutoff = (int64_t)sig__wall(ctx) - (int64_t)ctx->lim.room_ttl_days * 86400000;
  int n = 0;
  for (size_t b = 0; b < ctx->nbuckets; b++) {
    sig_room **pp = &ctx->buckets[b];
    while (*pp) {
      sig_room *r = *pp;
      int64_t last = r->used_ms > r->created_ms ? r->used_ms : r->created_ms;
      /* A store that cannot delete keeps the room in memory too, so both stay in step. */
      if (r->nparts > 0 || last >= cutoff ||
          (ctx->store && bz_store_room_delete(ctx->store, r->id) != BZ_STORE_OK)) {
        pp = &r->hnext;
        continue;
      }
      *pp = r->hnext;
      ctx->nrooms--;
      room_free(r);
      n++;
    }
  }
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
                       .used_ms = r->used_ms};
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
  if (password) {
    int rc = sig__pw_hash(ctx, password, &pw_hash);
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

int sig_room_create(sig_ctx *ctx, const char *name, const char *password, char **json_out) {
  if (!ctx || !json_out) return SIG_EINVAL;
  *json_out = NULL;
  /* Checked before anything else so a refused request costs nothing; an invalid password is
   * left to sig__room_add's 400 rather than counted. */
  if (password && *password && sig__check_password(password, strlen(password)) == 0 &&
      !sig__pw_take(ctx))
    return SIG_EBUSY;
  char id[SIG_ROOM_ID_LEN + 1], token[SIG_OWNER_TOKEN_LEN + 1];
  uint8_t raw[32];
  int tries = 0;
  do {
    if (room_id_random(ctx, id) != 0) return SIG_ENOMEM;
  } while (sig__room_find(ctx, id) && ++tries < 8);
  if (sig__random(ctx, raw, sizeof raw) != 0) return SIG_ENOMEM;
  sig__b64url(raw, sizeof raw, token);
  sig_room *r = NULL;
  int rc = sig__room_add(ctx, id, name, password, token, &r);
  OPENSSL_cleanse(raw, sizeof raw);
  if (rc != SIG_OK) return rc;
  char url[4 + SIG_ROOM_ID_LEN];
  snprintf(url, sizeof url, "/r/%s", id);
  json_t *o = json_pack("{s:s, s:s, s:s}", "id", id, "url", url, "owner_token", token);
  *json_out = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  BZ_INFO("room_create", "room=%s password=%d", id, r->pw_hash != NULL);
  return *json_out ? SIG_OK : SIG_ENOMEM;
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
