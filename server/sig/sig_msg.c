/* Entry point for client frames: rate limit, parse, validate the envelope, dispatch. */
#include <string.h>

#include "sig/sig_int.h"
#include "util/log.h"

#define RATE_ABUSE_WINDOW_MS 10000 /* drops counted over this window ... */
#define RATE_ABUSE_FACTOR 5        /* ... close when more than FACTOR x burst were dropped */

const char *const sig__in_names[SIG_IN_COUNT] = {
    [SIG_IN_JOIN] = "join",
    [SIG_IN_UPDATE] = "update",
    [SIG_IN_RELAY] = "relay",
    [SIG_IN_CHAT] = "chat",
    [SIG_IN_MUTE_REQUEST] = "mute-request",
    [SIG_IN_REMOVE] = "remove",
    [SIG_IN_LOCK] = "lock",
    [SIG_IN_SET_PASSWORD] = "set-password",
    [SIG_IN_LEAVE] = "leave",
    [SIG_IN_PING] = "ping",
    [SIG_IN_CHAT_HISTORY] = "chat-history",
    [SIG_IN_REACTION] = "reaction",
    [SIG_IN_SET_MEDIA_MODE] = "set-media-mode",
    [SIG_IN_SFU_OFFER] = "sfu-offer",
    [SIG_IN_SFU_VIEW] = "sfu-view",
    [SIG_IN_INVALID] = "invalid",
};

typedef struct sig_route {
  int type;
  sig_handler handler;
  int needs_joined;
} sig_route;

static const sig_route sig_routes[] = {
    {SIG_IN_JOIN, sig__h_join, 0},
    {SIG_IN_UPDATE, sig__h_update, 1},
    {SIG_IN_RELAY, sig__h_relay, 1},
    {SIG_IN_CHAT, sig__h_chat, 1},
    {SIG_IN_MUTE_REQUEST, sig__h_mute_request, 1},
    {SIG_IN_REMOVE, sig__h_remove, 1},
    {SIG_IN_LOCK, sig__h_lock, 1},
    {SIG_IN_SET_PASSWORD, sig__h_set_password, 1},
    {SIG_IN_LEAVE, sig__h_leave, 1},
    {SIG_IN_PING, sig__h_ping, 0},
    {SIG_IN_CHAT_HISTORY, sig__h_chat_history, 1},
    {SIG_IN_REACTION, sig__h_reaction, 1},
    {SIG_IN_SET_MEDIA_MODE, sig__h_set_media_mode, 1},
    {SIG_IN_SFU_OFFER, sig__h_sfu_offer, 1},
    {SIG_IN_SFU_VIEW, sig__h_sfu_view, 1},
};
_Static_assert(sizeof sig_routes / sizeof sig_routes[0] == SIG_IN_INVALID,
               "every client type has exactly one route");

static const sig_route *route_find(const char *type, size_t len) {
  for (size_t i = 0; i < sizeof sig_routes / sizeof sig_routes[0]; i++) {
    const char *name = sig__in_names[sig_routes[i].type];
    if (strlen(name) == len && memcmp(name, type, len) == 0) return &sig_routes[i];
  }
  return NULL;
}

int sig__opt_string(json_t *msg, const char *key, const char **out, size_t *len) {
  json_t *v = json_object_get(msg, key);
  if (!v || json_is_null(v)) return 0;
  if (!json_is_string(v)) return -1;
  *out = json_string_value(v);
  if (len) *len = json_string_length(v);
  return 0;
}

int sig__opt_bool(json_t *msg, const char *key, int *out) {
  json_t *v = json_object_get(msg, key);
  if (!v || json_is_null(v)) return 0;
  if (!json_is_boolean(v)) return -1;
  *out = json_is_true(v);
  return 0;
}

/* Token bucket. Returns 1 when the message may proceed. A dropped message is answered with
 * at most one rate_limited error per second; sustained flooding closes with 1008. */
static int rate_take(sig_conn *c, uint64_t now) {
  sig_ctx *ctx = c->ctx;
  double dt = now > c->refill_ms ? (double)(now - c->refill_ms) / 1000.0 : 0.0;
  c->refill_ms = now;
  c->tokens += dt * ctx->lim.rate_per_s;
  if (c->tokens > ctx->lim.rate_burst) c->tokens = ctx->lim.rate_burst;
  if (c->tokens >= 1.0) {
    c->tokens -= 1.0;
    return 1;
  }
  if (now < c->drop_win_ms || now - c->drop_win_ms >= RATE_ABUSE_WINDOW_MS) {
    c->drop_win_ms = now;
    c->drop_count = 0;
  }
  if (++c->drop_count > RATE_ABUSE_FACTOR * ctx->lim.rate_burst) {
    sig__close(c, 1008, "rate limit abuse", SIG_LEFT_DISCONNECTED);
    return 0;
  }
  if (!c->rl_err_sent || now - c->rl_err_ms >= 1000) {
    c->rl_err_sent = 1;
    c->rl_err_ms = now;
    sig__error(c, NULL, SIG_PE_RATE_LIMITED, "too many messages; slow down");
  }
  return 0;
}

/* Parses and validates the envelope ("type", "id"), then runs the handler. */
static void dispatch(sig_conn *c, const uint8_t *p, size_t n) {
  sig_ctx *ctx = c->ctx;
  sig_req rq = {.type = SIG_IN_INVALID, .id = NULL};
  json_error_t jerr;
  json_t *msg = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
  if (!msg || !json_is_object(msg)) {
    ctx->msgs_in[SIG_IN_INVALID]++;
    sig__error(c, NULL, SIG_PE_BAD_JSON, "the frame is not a JSON object");
    json_decref(msg);
    return;
  }
  json_t *type = json_object_get(msg, "type");
  const sig_route *route =
      json_is_string(type) ? route_find(json_string_value(type), json_string_length(type)) : NULL;
  json_t *id = json_object_get(msg, "id");
  if (id && json_is_number(id)) rq.id = id;
  if (route) rq.type = route->type;
  ctx->msgs_in[rq.type]++;
  if (!json_is_string(type)) {
    sig__error(c, &rq, SIG_PE_BAD_MESSAGE, "every message needs a string 'type'");
  } else if (!route) {
    sig__error(c, &rq, SIG_PE_UNKNOWN_TYPE, "unknown message type");
  } else if (id && !json_is_number(id) && !json_is_null(id)) {
    sig__error(c, &rq, SIG_PE_BAD_MESSAGE, "'id' must be a number");
  } else if (route->needs_joined && !c->part) {
    sig__error(c, &rq, SIG_PE_NOT_JOINED, "join a room first");
  } else {
    route->handler(c, msg, &rq);
  }
  json_decref(msg);
}

void sig_conn_message(sig_conn *c, const uint8_t *p, size_t n, int truncated) {
  if (!c || c->closing || c->dead) return;
  sig_ctx *ctx = c->ctx;
  sig__enter(ctx);
  uint64_t now = sig__now(ctx);
  c->last_ms = now;
  if (rate_take(c, now)) {
    if (!p) n = 0;
    if (truncated || n > ctx->lim.max_message_bytes) {
      ctx->msgs_in[SIG_IN_INVALID]++;
      sig__error(c, NULL, SIG_PE_TOO_LARGE, "message over max_message_bytes");
    } else {
      dispatch(c, p ? p : (const uint8_t *)"", n);
    }
  }
  sig__leave(ctx);
}
