/* Building and sending server -> client messages. Every object handed to a send function
 * is consumed (reference stolen), also when sending fails. */
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "util/log.h"

const char *const sig__out_names[SIG_OUT_COUNT] = {
    [SIG_OUT_JOINED] = "joined",
    [SIG_OUT_PARTICIPANT_JOINED] = "participant-joined",
    [SIG_OUT_PARTICIPANT_LEFT] = "participant-left",
    [SIG_OUT_PARTICIPANT_UPDATED] = "participant-updated",
    [SIG_OUT_RELAY] = "relay",
    [SIG_OUT_CHAT] = "chat",
    [SIG_OUT_ROOM_UPDATED] = "room-updated",
    [SIG_OUT_MUTE_REQUEST] = "mute-request",
    [SIG_OUT_REMOVED] = "removed",
    [SIG_OUT_LEFT] = "left",
    [SIG_OUT_OK] = "ok",
    [SIG_OUT_PONG] = "pong",
    [SIG_OUT_ERROR] = "error",
    [SIG_OUT_CHAT_HISTORY] = "chat-history",
    [SIG_OUT_REACTION] = "reaction",
    [SIG_OUT_MEDIA_CHANGED] = "media-changed",
    [SIG_OUT_SFU_ANSWER] = "sfu-answer",
    [SIG_OUT_SFU_PUBLISHERS] = "sfu-publishers",
    [SIG_OUT_ACTIVE_SPEAKER] = "active-speaker",
    [SIG_OUT_VIDEO_PAUSED] = "video-paused",
};

/* What the transport may do with each type when a receiver falls behind (sig.h). Only chat
 * broadcasts may be dropped: a receiver notices the gap in the chat ids and pages the missing
 * messages back with chat-history. Reactions are decoration that fades in seconds: losing one
 * is harmless. Everything else carries state that cannot be re-read. */
static const unsigned char out_droppable[SIG_OUT_COUNT] = {
    [SIG_OUT_CHAT] = 1,
    [SIG_OUT_REACTION] = 1,
};

static int out_class(int out_type) {
  return out_droppable[out_type] ? SIG_TX_DROPPABLE : SIG_TX_MUST;
}

const char *const sig__perr_names[SIG_PE_COUNT] = {
    [SIG_PE_BAD_JSON] = "bad_json",
    [SIG_PE_BAD_MESSAGE] = "bad_message",
    [SIG_PE_UNKNOWN_TYPE] = "unknown_type",
    [SIG_PE_TOO_LARGE] = "too_large",
    [SIG_PE_NOT_JOINED] = "not_joined",
    [SIG_PE_ALREADY_JOINED] = "already_joined",
    [SIG_PE_ROOM_NOT_FOUND] = "room_not_found",
    [SIG_PE_WRONG_PASSWORD] = "wrong_password",
    [SIG_PE_ROOM_LOCKED] = "room_locked",
    [SIG_PE_ROOM_FULL] = "room_full",
    [SIG_PE_NOT_OWNER] = "not_owner",
    [SIG_PE_NO_SUCH_PARTICIPANT] = "no_such_participant",
    [SIG_PE_FIELD_TOO_LONG] = "field_too_long",
    [SIG_PE_RATE_LIMITED] = "rate_limited",
    [SIG_PE_INTERNAL] = "internal",
    [SIG_PE_STORE_UNAVAILABLE] = "store_unavailable",
    [SIG_PE_WRONG_MEDIA] = "wrong_media",
};

json_t *sig__part_json(const sig_part *p) {
  return json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:b}", "id", p->id, "name", p->name, "mic",
                   p->mic, "camera", p->camera, "screen", p->screen, "hand", p->hand, "owner",
                   p->owner);
}

json_t *sig__room_json(const sig_room *r) {
  return json_pack("{s:s, s:s, s:b, s:b, s:s}", "id", r->id, "name", r->name, "locked", r->locked,
                   "password", r->pw_hash != NULL, "media_mode", sig_media_mode_name(r->media_mode));
}

static const char *const media_names[] = {
    [SIG_MEDIA_P2P] = "p2p", [SIG_MEDIA_SFU] = "sfu", [SIG_MEDIA_AUTO] = "auto"};

int sig_media_mode_parse(const char *s, size_t n) {
  if (!s) return -1;
  for (int m = SIG_MEDIA_P2P; m <= SIG_MEDIA_AUTO; m++)
    if (strlen(media_names[m]) == n && memcmp(media_names[m], s, n) == 0) return m;
  return -1;
}

const char *sig_media_mode_name(int mode) {
  return mode >= SIG_MEDIA_P2P && mode <= SIG_MEDIA_AUTO ? media_names[mode] : "";
}

int sig__room_media(const sig_room *r) {
  if (r->media_mode == SIG_MEDIA_SFU) return SIG_MEDIA_SFU;
  if (r->media_mode == SIG_MEDIA_AUTO && r->nparts >= SIG_AUTO_SFU_FROM) return SIG_MEDIA_SFU;
  return SIG_MEDIA_P2P;
}

void sig__media_follow(sig_ctx *ctx, sig_room *r, int before, const sig_part *except) {
  int now = sig__room_media(r);
  if (now == before) return;
  if (before == SIG_MEDIA_SFU) sig__sfu_room_off(ctx, r);
  BZ_INFO("sig_media", "room=%s media=%s participants=%d", r->id, sig_media_mode_name(now),
          r->nparts);
  sig__broadcast(r, except, SIG_OUT_MEDIA_CHANGED,
                 json_pack("{s:s}", "media", sig_media_mode_name(now)));
}

/* Serializes obj with "type" as its first key (easier to read in logs and captures); NULL
 * when obj is NULL or memory runs out. */
static char *out_dump(int out_type, json_t *obj, size_t *len) {
  if (!obj) return NULL;
  json_t *full = json_pack("{s:s}", "type", sig__out_names[out_type]);
  char *text = NULL;
  if (full && json_object_update(full, obj) == 0) text = json_dumps(full, JSON_COMPACT);
  json_decref(full);
  *len = text ? strlen(text) : 0;
  return text;
}

static int conn_can_send(const sig_conn *c) {
  return c && !c->closing && !c->dead;
}

void sig__send(sig_conn *c, int out_type, json_t *obj) {
  size_t len = 0;
  char *text = conn_can_send(c) ? out_dump(out_type, obj, &len) : NULL;
  if (text) {
    c->ctx->msgs_out[out_type]++;
    c->ctx->chat_dropped += (uint64_t)c->ctx->tp.send(c->user, text, len, out_class(out_type));
  } else if (conn_can_send(c)) {
    BZ_WARN("sig_send", "type=%s err=\"cannot build message\"", sig__out_names[out_type]);
  }
  free(text);
  json_decref(obj);
}

void sig__broadcast(sig_room *r, const sig_part *skip, int out_type, json_t *obj) {
  size_t len = 0;
  char *text = out_dump(out_type, obj, &len);
  json_decref(obj);
  if (!text) return;
  for (sig_part *p = r->parts; p; p = p->next) {
    if (p == skip || !conn_can_send(p->conn)) continue;
    sig_ctx *ctx = p->conn->ctx;
    ctx->msgs_out[out_type]++;
    ctx->chat_dropped += (uint64_t)ctx->tp.send(p->conn->user, text, len, out_class(out_type));
  }
  free(text);
}

void sig__reply(sig_conn *c, const sig_req *rq, int out_type, json_t *obj) {
  if (obj && rq && rq->id) json_object_set(obj, "id", rq->id);
  sig__send(c, out_type, obj);
}

void sig__error(sig_conn *c, const sig_req *rq, sig_perr code, const char *message) {
  c->ctx->errors[code]++;
  json_t *obj = json_pack("{s:s, s:s}", "code", sig__perr_names[code], "message", message);
  if (obj && rq && rq->type >= 0 && rq->type < SIG_IN_INVALID)
    json_object_set_new(obj, "ref", json_string(sig__in_names[rq->type]));
  sig__reply(c, rq, SIG_OUT_ERROR, obj);
}

void sig__close(sig_conn *c, int code, const char *reason, int left_reason) {
  if (c->closing || c->dead) return;
  c->closing = 1;
  c->close_reason = left_reason;
  BZ_INFO("sig_close", "code=%d reason=\"%s\" participant=%s", code, reason,
          c->part ? c->part->id : "-");
  c->ctx->tp.close(c->user, code, reason);
}
