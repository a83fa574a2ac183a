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

static void owner_room_changed(sig_conn *c, const sig_req *rq) {
  sig_room *r = c->part->room;
  if (sig__room_persist(c->ctx, r) != SIG_OK)
    BZ_WARN("sig_persist", "room=%s err=\"room state kept in memory only\"", r->id);
  sig__reply(c, rq, SIG_OUT_OK, json_object());
  sig__broadcast(r, NULL, SIG_OUT_ROOM_UPDATED, json_pack("{s:o}", "room", sig__room_json(r)));
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
  c->part->room->locked = json_is_true(v);
  owner_room_changed(c, rq);
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
  char *hash = NULL;
  if (len > 0) {
    int rc = sig__check_password(pw, len);
    if (rc) {
      sig__error(c, rq, rc, "password must be 1 to 128 characters");
      return;
    }
    /* Hashing is as heavy as a join's verification: same budget. */
    if (!sig__pw_budget(c)) {
      sig__error(c, rq, SIG_PE_RATE_LIMITED, "too many password changes; retry in a second");
      return;
    }
    if (sig__pw_hash(c->ctx, pw, &hash) != SIG_OK) {
      sig__error(c, rq, SIG_PE_INTERNAL, "cannot hash the password");
      return;
    }
  }
  sig_room *r = c->part->room;
  free(r->pw_hash);
  r->pw_hash = hash;
  owner_room_changed(c, rq);
}
