/* Owner actions: mute-request, remove, lock, set-password. The owner is a participant that
 * joined with the room's owner token. */
#include <stdlib.h>

#include "sig/sig_int.h"
#include "util/log.h"

static int owner_check(sig_conn *c, const sig_req *rq) {
  if (c->part->owner) return 1;
  sig__error(c, rq, SIG_PE_NOT_OWNER, "only the room owner may do this");
  return 0;
}

void sig__h_mute_request(sig_conn *c, json_t *msg, const sig_req *rq) {
  if (!owner_check(c, rq)) return;
  sig_part *t = sig__target(c, msg, rq);
  if (!t) return;
  if (t->conn) sig__send(t->conn, SIG_OUT_MUTE_REQUEST, json_pack("{s:s}", "from", c->part->id));
  sig__reply(c, rq, SIG_OUT_OK, json_object());
}

void sig__h_remove(sig_conn *c, json_t *msg, const sig_req *rq) {
  if (!owner_check(c, rq)) return;
  sig_part *t = sig__target(c, msg, rq);
  if (!t) return;
  sig_conn *tc = t->conn;
  if (tc) {
    sig__send(tc, SIG_OUT_REMOVED, json_pack("{s:s}", "by", c->part->id));
    tc->part = NULL; /* the roster entry goes now, the socket when the transport says so */
    t->conn = NULL;
    sig__close(tc, 4001, "removed by owner", SIG_LEFT_REMOVED);
  }
  sig__part_remove(c->ctx, t, SIG_LEFT_REMOVED);
  sig__reply(c, rq, SIG_OUT_OK, json_object());
}

void sig__h_lock(sig_conn *c, json_t *msg, const sig_req *rq) {
  if (!owner_check(c, rq)) return;
  json_t *v = json_object_get(msg, "locked");
  if (!json_is_boolean(v)) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "lock needs 'locked' (boolean)");
    return;
  }
  sig__room_setting(c, rq, c->part->room, SIG_IN_LOCK, json_is_true(v), NULL);
}

void sig__h_set_media_mode(sig_conn *c, json_t *msg, const sig_req *rq) {
  if (!owner_check(c, rq)) return;
  json_t *v = json_object_get(msg, "mode");
  int mode = json_is_string(v) ? sig_media_mode_parse(json_string_value(v), json_string_length(v))
                               : -1;
  if (mode < 0) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE,
               "set-media-mode needs 'mode': \"sfu\", \"p2p\" or \"auto\"");
    return;
  }
  sig__room_setting(c, rq, c->part->room, SIG_IN_SET_MEDIA_MODE, mode, NULL);
}

/* set-password hashes on the password queue (as heavy as a join's check: same budgets), then
 * stores; the owner's ok and room-updated come once both are done. */
typedef struct pw_change {
  sig_conn *c;
  sig_room *r;
  json_t *id;
} pw_change;

static void owner_hashed(sig_ctx *ctx, void *arg, int ok, char *hash) {
  (void)ctx;
  pw_change *pc = arg;
  sig_req rq = {.type = SIG_IN_SET_PASSWORD, .id = pc->id};
  sig_conn *c = pc->c;
  if (ok > 0 && c->part && c->part->room == pc->r && !c->closing && !c->dead) {
    sig__room_setting(c, &rq, pc->r, SIG_IN_SET_PASSWORD, 0, hash);
    hash = NULL;
  } else if (ok == 0 && !c->closing && !c->dead) {
    sig__error(c, &rq, SIG_PE_INTERNAL, "cannot hash the password");
  }
  free(hash);
  if (ok >= 0) c->pw = NULL; /* a cancelled job's connection may be gone */
  pc->r->jobs--;
  json_decref(pc->id);
  free(pc);
}

static void owner_hash_password(sig_conn *c, const sig_req *rq, const char *pw) {
  if (c->pw) {
    sig__error(c, rq, SIG_PE_RATE_LIMITED, "a password change of this connection is waiting");
    return;
  }
  pw_change *pc = calloc(1, sizeof *pc);
  if (!pc) {
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  pc->c = c;
  pc->r = c->part->room;
  pc->r->jobs++;
  pc->id = rq->id ? json_incref(rq->id) : NULL;
  c->tokens -= SIG_PW_CONN_COST;
  int rc = sig__pw_submit(c->ctx, c->addr, NULL, pw, owner_hashed, pc, &c->pw);
  if (rc == SIG_OK) return;
  c->pw = NULL;
  pc->r->jobs--;
  json_decref(pc->id);
  free(pc);
  sig__error(c, rq, rc == SIG_EBUSY ? SIG_PE_RATE_LIMITED : SIG_PE_INTERNAL,
             rc == SIG_EBUSY ? "too many password checks waiting; retry in a second"
                             : "out of memory");
}

void sig__h_set_password(sig_conn *c, json_t *msg, const sig_req *rq) {
  if (!owner_check(c, rq)) return;
  json_t *v = json_object_get(msg, "password");
  if (!v || !(json_is_string(v) || json_is_null(v))) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "set-password needs 'password' (string or null)");
    return;
  }
  const char *pw = json_is_string(v) ? json_string_value(v) : "";
  size_t len = json_is_string(v) ? json_string_length(v) : 0;
  if (len == 0) {
    sig__room_setting(c, rq, c->part->room, SIG_IN_SET_PASSWORD, 0, NULL);
    return;
  }
  int rc = sig__check_password(pw, len);
  if (rc) {
    sig__error(c, rq, rc, "password must be 1 to 128 characters");
    return;
  }
  owner_hash_password(c, rq, pw);
}
