/* join (first join and reconnect with a token) and leave. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "turn/turn.h"
#include "util/log.h"

#define JOIN_TOKEN_MAX 128 /* bytes of room, token, owner_token fields */

typedef struct join_args {
  const char *room, *name, *password, *token, *owner_token;
  size_t room_len, name_len, pw_len, token_len, otok_len;
  int state[4]; /* mic, camera, screen, hand; -1 = not given */
} join_args;

static const char *const state_keys[4] = {"mic", "camera", "screen", "hand"};

static int join_parse_state(json_t *msg, join_args *a) {
  for (int i = 0; i < 4; i++) a->state[i] = -1;
  json_t *st = json_object_get(msg, "state");
  if (!st || json_is_null(st)) return 0;
  if (!json_is_object(st)) return -1;
  for (int i = 0; i < 4; i++)
    if (sig__opt_bool(st, state_keys[i], &a->state[i]) != 0) return -1;
  return 0;
}

/* Returns -1 when the fields are fine, else the protocol error to send. */
static int join_parse(sig_conn *c, json_t *msg, join_args *a, const char **why) {
  memset(a, 0, sizeof *a);
  *why = "join needs 'room' and 'name' (strings)";
  if (sig__opt_string(msg, "room", &a->room, &a->room_len) || !a->room ||
      sig__opt_string(msg, "name", &a->name, &a->name_len) || !a->name)
    return SIG_PE_BAD_MESSAGE;
  *why = "optional fields have the wrong type";
  if (sig__opt_string(msg, "password", &a->password, &a->pw_len) ||
      sig__opt_string(msg, "token", &a->token, &a->token_len) ||
      sig__opt_string(msg, "owner_token", &a->owner_token, &a->otok_len) ||
      join_parse_state(msg, a) != 0)
    return SIG_PE_BAD_MESSAGE;
  *why = "room, token or owner_token too long";
  if (a->room_len > JOIN_TOKEN_MAX || a->token_len > JOIN_TOKEN_MAX || a->otok_len > JOIN_TOKEN_MAX)
    return SIG_PE_BAD_MESSAGE;
  int rc = sig__check_name(a->name, a->name_len, c->ctx->lim.max_name_chars);
  *why = rc == SIG_PE_FIELD_TOO_LONG ? "name is too long"
                                     : "name must be 1 or more printable characters";
  if (rc) return rc;
  if (a->pw_len == 0) a->password = NULL;
  if (a->token_len == 0) a->token = NULL;
  if (a->otok_len == 0) a->owner_token = NULL;
  *why = "password is too long";
  if (a->password && a->pw_len > 4 * SIG_PASSWORD_MAX) return SIG_PE_FIELD_TOO_LONG;
  return -1;
}

/* The newest chat within join_history_msgs / join_history_bytes (sig_history.c); *more says
 * whether older messages exist, for the client's "Load earlier messages". */
static json_t *join_chat_json(sig_ctx *ctx, const sig_room *r, int *more) {
  return sig__join_chat(ctx, r, more);
}

static json_t *join_ice_json(sig_ctx *ctx, const sig_part *p) {
  json_t *arr = json_array();
  if (!arr || !ctx->turn.uri || !ctx->turn.secret) return arr;
  char user[BZ_TURN_USER_MAX], cred[BZ_TURN_CRED_MAX];
  int rc = bz_turn_credential(ctx->turn.secret, p->id, sig__wall(ctx) / 1000, ctx->turn.ttl_s, user,
                              cred);
  if (rc != BZ_TURN_OK) {
    BZ_WARN("turn_credential", "err=%d", rc);
    return arr;
  }
  json_array_append_new(arr, json_pack("{s:[s], s:s, s:s}", "urls", ctx->turn.uri, "username", user,
                                       "credential", cred));
  return arr;
}

static void join_send_joined(sig_conn *c, const sig_req *rq, sig_part *p) {
  sig_room *r = p->room;
  json_t *others = json_array();
  for (sig_part *q = r->parts; others && q; q = q->next)
    if (q != p) json_array_append_new(others, sig__part_json(q));
  int chat_more = 0;
  json_t *chat = join_chat_json(c->ctx, r, &chat_more);
  json_t *obj = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:b, s:s}", "self", sig__part_json(p),
                          "participants", others, "room", sig__room_json(r), "chat", chat,
                          "ice_servers", join_ice_json(c->ctx, p), "reconnect_token", p->token,
                          "owner", p->owner, "media",
                          sig_media_mode_name(sig__room_media(r)));
  if (!obj) {
    sig__error(c, rq, SIG_PE_INTERNAL, "cannot build the joined message");
    return;
  }
  json_object_set_new(obj, "chat_more", json_boolean(chat_more));
  sig__sfu_joined(r, obj);
  sig__reply(c, rq, SIG_OUT_JOINED, obj);
}

static void join_apply(sig_part *p, const join_args *a) {
  int *fields[4] = {&p->mic, &p->camera, &p->screen, &p->hand};
  for (int i = 0; i < 4; i++)
    if (a->state[i] >= 0) *fields[i] = a->state[i];
}

static sig_part *join_find_token(sig_room *r, const char *token, size_t len) {
  if (len != SIG_TOKEN_LEN) return NULL;
  for (sig_part *p = r->parts; p; p = p->next)
    if (CRYPTO_memcmp(p->token, token, SIG_TOKEN_LEN) == 0) return p;
  return NULL;
}

/* Reconnect: the same participant id on a new connection; an old live socket is replaced. */
static void join_resume(sig_conn *c, const sig_req *rq, sig_part *p, const join_args *a,
                        int owner) {
  char *name = strdup(a->name);
  if (!name) {
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  if (p->conn && p->conn != c) {
    sig_conn *old = p->conn;
    old->part = NULL;
    sig__close(old, 4003, "replaced by a newer connection", SIG_LEFT_DISCONNECTED);
  }
  free(p->name);
  p->name = name;
  p->conn = c;
  c->part = p;
  p->owner = p->owner || owner;
  join_apply(p, a);
  BZ_INFO("sig_rejoin", "room=%s participant=%s", p->room->id, p->id);
  join_send_joined(c, rq, p);
  sig__broadcast(p->room, p, SIG_OUT_PARTICIPANT_UPDATED,
                 json_pack("{s:o}", "participant", sig__part_json(p)));
}

/* The admission checks that need no password: -1 when they pass, else the error code. */
static int join_admit_fast(sig_conn *c, sig_room *r, int owner) {
  if (!owner && r->locked) return SIG_PE_ROOM_LOCKED;
  return r->nparts >= c->ctx->lim.max_participants ? SIG_PE_ROOM_FULL : -1;
}

static const char *const admit_msgs[SIG_PE_COUNT] = {
    [SIG_PE_ROOM_FULL] = "the room is full",
    [SIG_PE_ROOM_LOCKED] = "the room is locked",
    [SIG_PE_WRONG_PASSWORD] = "missing or wrong password",
    [SIG_PE_RATE_LIMITED] = "too many password checks waiting; retry in a second",
};

/* Adds the participant: the last step of every first join. */
static void join_finish(sig_conn *c, const sig_req *rq, sig_room *r, const char *name,
                        const int state[4], int owner) {
  int media_before = sig__room_media(r);
  sig_part *p = sig__part_add(c->ctx, r, name);
  if (!p) {
    sig__error(c, rq, SIG_PE_INTERNAL, "cannot add participant");
    return;
  }
  join_args st;
  memcpy(st.state, state, sizeof st.state);
  p->owner = owner;
  join_apply(p, &st);
  p->conn = c;
  c->part = p;
  BZ_INFO("sig_join", "room=%s participant=%s owner=%d", r->id, p->id, owner);
  join_send_joined(c, rq, p);
  sig__broadcast(r, p, SIG_OUT_PARTICIPANT_JOINED,
                 json_pack("{s:o}", "participant", sig__part_json(p)));
  /* In "auto", the third participant moves the room to the SFU; the joiner's joined.media
   * already says so. */
  sig__media_follow(c->ctx, r, media_before, p);
}

/* A join waiting for its password check (sig_pwq.c). It holds the room (r->jobs) so expiry
 * leaves it; the connection points at the check (c->pw) and cancels it when it goes. */
typedef struct join_wait {
  sig_conn *c;
  sig_room *r;
  json_t *id; /* the request's id, to echo */
  char *name, *hash;
  int state[4];
} join_wait;

static void join_wait_free(join_wait *w) {
  w->r->jobs--;
  json_decref(w->id);
  free(w->name);
  free(w->hash);
  free(w);
}

static void join_checked(sig_ctx *ctx, void *arg, int ok, char *unused) {
  (void)ctx;
  free(unused);
  join_wait *w = arg;
  if (ok < 0) { /* cancelled: the connection is going away (and may be gone) */
    join_wait_free(w);
    return;
  }
  sig_conn *c = w->c;
  sig_room *r = w->r;
  sig_req rq = {.type = SIG_IN_JOIN, .id = w->id};
  c->pw = NULL;
  int rc = -1;
  const char *why = NULL;
  if (c->part || c->closing || c->dead) {
    rc = -2; /* joined another way meanwhile, or going away: nothing to answer */
  } else if (!ok) {
    rc = SIG_PE_WRONG_PASSWORD;
  } else if (!r->pw_hash || strcmp(r->pw_hash, w->hash) != 0) {
    rc = SIG_PE_WRONG_PASSWORD; /* the owner changed the password while this one waited */
    why = "the room password changed; try again";
  } else {
    rc = join_admit_fast(c, r, 0);
  }
  if (rc == -1)
    join_finish(c, &rq, r, w->name, w->state, 0);
  else if (rc >= 0)
    sig__error(c, &rq, rc, why ? why : admit_msgs[rc]);
  join_wait_free(w);
}

/* Queues the password check of a first join; answers it when the queue refuses. */
static void join_queue_check(sig_conn *c, const sig_req *rq, sig_room *r, const join_args *a) {
  if (c->pw) {
    sig__error(c, rq, SIG_PE_RATE_LIMITED, "a password check of this connection is waiting");
    return;
  }
  join_wait *w = calloc(1, sizeof *w);
  if (!w) {
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  w->c = c;
  w->r = r;
  r->jobs++;
  w->name = strdup(a->name);
  w->hash = strdup(r->pw_hash);
  if (!w->name || !w->hash) {
    join_wait_free(w);
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  w->id = rq->id ? json_incref(rq->id) : NULL;
  memcpy(w->state, a->state, sizeof w->state);
  c->tokens -= SIG_PW_CONN_COST; /* a connection looping on guesses runs out of messages */
  int rc = sig__pw_submit(c->ctx, c->addr, r->pw_hash, a->password, join_checked, w, &c->pw);
  if (rc != SIG_OK) {
    c->pw = NULL;
    join_wait_free(w);
    sig__error(c, rq, rc == SIG_EBUSY ? SIG_PE_RATE_LIMITED : SIG_PE_INTERNAL,
               rc == SIG_EBUSY ? admit_msgs[SIG_PE_RATE_LIMITED] : "out of memory");
  }
}

void sig__h_join(sig_conn *c, json_t *msg, const sig_req *rq) {
  join_args a;
  const char *why;
  if (c->part) {
    sig__error(c, rq, SIG_PE_ALREADY_JOINED, "this connection already joined");
    return;
  }
  int rc = join_parse(c, msg, &a, &why);
  if (rc >= 0) {
    sig__error(c, rq, rc, why);
    return;
  }
  sig_room *r = sig__room_find(c->ctx, a.room);
  if (!r) {
    sig__error(c, rq, SIG_PE_ROOM_NOT_FOUND, "no such room");
    return;
  }
  int owner = 0;
  if (a.owner_token) {
    char h[65];
    sig__sha256_hex(a.owner_token, h);
    if (CRYPTO_memcmp(h, r->owner_hash, 64) != 0) {
      sig__error(c, rq, SIG_PE_NOT_OWNER, "wrong owner token");
      return;
    }
    owner = 1;
  }
  sig_part *p = a.token ? join_find_token(r, a.token, a.token_len) : NULL;
  if (p) {
    join_resume(c, rq, p, &a, owner);
    return;
  }
  rc = join_admit_fast(c, r, owner);
  if (rc < 0 && !owner && r->pw_hash && !a.password)
    rc = SIG_PE_WRONG_PASSWORD; /* nothing to verify: no argon2 run */
  if (rc >= 0) {
    sig__error(c, rq, rc, admit_msgs[rc]);
    return;
  }
  if (!owner && r->pw_hash) {
    join_queue_check(c, rq, r, &a); /* answered when the check is done */
    return;
  }
  join_finish(c, rq, r, a.name, a.state, owner);
}

void sig__h_leave(sig_conn *c, json_t *msg, const sig_req *rq) {
  (void)msg;
  sig__part_remove(c->ctx, c->part, SIG_LEFT_LEFT);
  sig__reply(c, rq, SIG_OUT_LEFT, json_object());
}
