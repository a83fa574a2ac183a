/* Participants of a room and the room's chat history ring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "store/store.h"
#include "util/log.h"


sig_part *sig__part_find(sig_room *r, const char *id) {
  for (sig_part *p = r->parts; p; p = p->next)
    if (strcmp(p->id, id) == 0) return p;
  return NULL;
}

/* "p" + 8 hex chars, unique within the room. */
static int part_new_id(sig_ctx *ctx, sig_room *r, char out[SIG_PID_LEN + 1]) {
  for (int tries = 0; tries < 16; tries++) {
    uint8_t b[4];
    if (sig__random(ctx, b, sizeof b) != 0) return -1;
    snprintf(out, SIG_PID_LEN + 1, "p%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
    if (!sig__part_find(r, out)) return 0;
  }
  return -1;
}

#define USED_SAVE_EVERY_MS (3600 * 1000) /* expiry counts in days: an hour is precise enough */

/* Records that the room is in use (first join, last leave) for room expiry. The store is
 * written at most hourly per room, so a peer joining and leaving in a loop cannot turn each
 * message into a database write. */
static void room_touch(sig_ctx *ctx, sig_room *r) {
  r->used_ms = (int64_t)sig__wall(ctx);
  if (r->used_ms - r->used_saved_ms < USED_SAVE_EVERY_MS || !ctx->store) return;
  sig__room_save_used(ctx, r);
}

sig_part *sig__part_add(sig_ctx *ctx, sig_room *r, const char *name) {
  sig_part *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  uint8_t raw[24];
  p->name = strdup(name);
  if (!p->name || part_new_id(ctx, r, p->id) != 0 || sig__random(ctx, raw, sizeof raw) != 0) {
    free(p->name);
    free(p);
    return NULL;
  }
  sig__b64url(raw, sizeof raw, p->token);
  p->room = r;
  p->mic = p->camera = 1;
  /* Append, so rosters list participants in join order. */
  sig_part **pp = &r->parts;
  while (*pp) pp = &(*pp)->next;
  *pp = p;
  r->nparts++;
  ctx->nparts++;
  if (!r->chat_loaded) sig__chat_load(ctx, r);
  if (r->nparts == 1) room_touch(ctx, r);
  return p;
}

static const char *const left_reasons[] = {
    [SIG_LEFT_LEFT] = "left",
    [SIG_LEFT_REMOVED] = "removed",
    [SIG_LEFT_TIMEOUT] = "timeout",
    [SIG_LEFT_DISCONNECTED] = "disconnected",
};

void sig__part_remove(sig_ctx *ctx, sig_part *p, int reason) {
  sig_room *r = p->room;
  int media_before = sig__room_media(r);
  sig_part **pp = &r->parts;
  while (*pp && *pp != p) pp = &(*pp)->next;
  if (*pp) *pp = p->next;
  r->nparts--;
  ctx->nparts--;
  if (p->conn) p->conn->part = NULL;
  sig__sfu_part_gone(ctx, p, 1);
  BZ_INFO("sig_leave", "room=%s participant=%s reason=%s", r->id, p->id, left_reasons[reason]);
  sig__broadcast(r, NULL, SIG_OUT_PARTICIPANT_LEFT,
                 json_pack("{s:s, s:s}", "id", p->id, "reason", left_reasons[reason]));
  free(p->name);
  free(p);
  /* In "auto", a room down to two goes back to peer to peer. */
  if (r->nparts > 0) sig__media_follow(ctx, r, media_before, NULL);
  /* With a store the history can be reloaded, so an empty room gives its memory back. */
  if (r->nparts == 0 && ctx->store) sig__chat_clear(r);
  if (r->nparts == 0) room_touch(ctx, r);
}

void sig__chat_clear(sig_room *r) {
  for (int i = 0; i < r->chat_len; i++) {
    sig_chat_msg *m = &r->chat[(r->chat_head + i) % SIG_CHAT_KEEP];
    free(m->name);
    free(m->text);
    m->name = m->text = NULL;
  }
  r->chat_head = r->chat_len = 0;
  r->chat_loaded = 0;
}

void sig__chat_push(sig_room *r, int64_t id, int64_t ts, const char *from, const char *name,
                    const char *text) {
  char *n = strdup(name), *t = strdup(text);
  if (!n || !t) {
    free(n);
    free(t);
    return; /* history is best effort; the live message was already delivered */
  }
  int slot = (r->chat_head + r->chat_len) % SIG_CHAT_KEEP;
  if (r->chat_len == SIG_CHAT_KEEP) {
    sig_chat_msg *old = &r->chat[r->chat_head];
    free(old->name);
    free(old->text);
    slot = r->chat_head;
    r->chat_head = (r->chat_head + 1) % SIG_CHAT_KEEP;
  } else {
    r->chat_len++;
  }
  sig_chat_msg *m = &r->chat[slot];
  m->id = id;
  m->ts_ms = ts;
  snprintf(m->from, sizeof m->from, "%s", from);
  m->name = n;
  m->text = t;
  if (id >= r->chat_next_id) r->chat_next_id = id + 1;
}

typedef struct chat_load_arg {
  sig_ctx *ctx;
  sig_room *r;
} chat_load_arg;

static int chat_load_cb(void *user, const bz_store_chat *m) {
  chat_load_arg *arg = user;
  /* Even a row skipped below holds its id in the table: later messages must not reuse it. */
  if (m->id >= arg->r->chat_next_id && m->id < INT64_MAX) arg->r->chat_next_id = m->id + 1;
  /* Rows come from a file: keep only what we could have written ourselves. Ids are stored
   * increasing, so a row at or below the newest one kept is out of order and skipped. */
  long chars = sig__utf8_chars(m->text, strlen(m->text));
  if (m->id < 1 || strlen(m->from_id) > SIG_PID_LEN || chars < 1 ||
      chars > arg->ctx->lim.max_chat_chars ||
      sig__check_name(m->name, strlen(m->name), arg->ctx->lim.max_name_chars) != 0 ||
      (arg->r->chat_len > 0 &&
       m->id <= arg->r->chat[(arg->r->chat_head + arg->r->chat_len - 1) % SIG_CHAT_KEEP].id))
    return 0;
  sig__chat_push(arg->r, m->id, m->ts_ms, m->from_id, m->name, m->text);
  return 0;
}

void sig__chat_load(sig_ctx *ctx, sig_room *r) {
  r->chat_loaded = 1;
  if (!ctx->store) return;
  chat_load_arg arg = {ctx, r};
  int rc = bz_store_chat_recent(ctx->store, r->id, SIG_CHAT_KEEP, chat_load_cb, &arg);
  if (rc != BZ_STORE_OK)
    BZ_WARN("sig_chat_load", "room=%s err=\"%s\"", r->id, bz_store_strerror(rc));
}
