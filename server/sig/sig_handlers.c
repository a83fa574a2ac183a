/* Handlers of joined participants: update, relay, chat; and ping. */
#include <string.h>

#include "sig/sig_int.h"
#include "util/log.h"

void sig__h_ping(sig_conn *c, json_t *msg, const sig_req *rq) {
  (void)msg;
  sig__reply(c, rq, SIG_OUT_PONG, json_pack("{s:I}", "ts", (json_int_t)sig__wall(c->ctx)));
}

static const char *const update_keys[4] = {"mic", "camera", "screen", "hand"};

void sig__h_update(sig_conn *c, json_t *msg, const sig_req *rq) {
  sig_part *p = c->part;
  int vals[4] = {-1, -1, -1, -1}, given = 0;
  for (int i = 0; i < 4; i++) {
    if (sig__opt_bool(msg, update_keys[i], &vals[i]) != 0) {
      sig__error(c, rq, SIG_PE_BAD_MESSAGE, "mic, camera, screen and hand must be booleans");
      return;
    }
    given += vals[i] >= 0;
  }
  const char *name = NULL;
  size_t name_len = 0;
  if (sig__opt_string(msg, "name", &name, &name_len) != 0) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "name must be a string");
    return;
  }
  int rc = name ? sig__check_name(name, name_len, c->ctx->lim.max_name_chars) : 0;
  if (rc) {
    sig__error(c, rq, rc, rc == SIG_PE_FIELD_TOO_LONG ? "name is too long" : "invalid name");
    return;
  }
  if (!given && !name) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "update needs mic, camera, screen, hand or name");
    return;
  }
  char *copy = name ? strdup(name) : NULL;
  if (name && !copy) {
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  int *fields[4] = {&p->mic, &p->camera, &p->screen, &p->hand};
  for (int i = 0; i < 4; i++)
    if (vals[i] >= 0) *fields[i] = vals[i];
  if (copy) {
    free(p->name);
    p->name = copy;
  }
  sig__broadcast(p->room, NULL, SIG_OUT_PARTICIPANT_UPDATED,
                 json_pack("{s:o}", "participant", sig__part_json(p)));
}

/* The participant `to` names in the sender's room (never the sender), or NULL after sending
 * the error. */
sig_part *sig__target(sig_conn *c, json_t *msg, const sig_req *rq) {
  const char *to = NULL;
  size_t len = 0;
  if (sig__opt_string(msg, "to", &to, &len) != 0 || !to) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "'to' (participant id string) is required");
    return NULL;
  }
  sig_part *t = len == SIG_PID_LEN ? sig__part_find(c->part->room, to) : NULL;
  if (!t || t == c->part) {
    sig__error(c, rq, SIG_PE_NO_SUCH_PARTICIPANT, "'to' is not another participant here");
    return NULL;
  }
  return t;
}

void sig__h_relay(sig_conn *c, json_t *msg, const sig_req *rq) {
  json_t *data = json_object_get(msg, "data");
  json_t *to = json_object_get(msg, "to");
  if (!json_is_string(to) || !json_is_object(data)) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "relay needs 'to' (string) and 'data' (object)");
    return;
  }
  if (json_dumpb(data, NULL, 0, JSON_COMPACT) > SIG_RELAY_MAX) {
    sig__error(c, rq, SIG_PE_FIELD_TOO_LONG, "relay data is too large");
    return;
  }
  sig_part *t = sig__target(c, msg, rq);
  if (!t) return;
  /* A target in its reconnect grace has no socket: the message is dropped, as the network
   * would; peers renegotiate (ICE restart) when it is back. */
  if (t->conn)
    sig__send(t->conn, SIG_OUT_RELAY, json_pack("{s:s, s:O}", "from", c->part->id, "data", data));
}

void sig__h_chat(sig_conn *c, json_t *msg, const sig_req *rq) {
  const char *text = NULL;
  size_t len = 0;
  if (sig__opt_string(msg, "text", &text, &len) != 0 || !text) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "chat needs 'text' (string)");
    return;
  }
  long chars = sig__utf8_chars(text, len);
  if (chars < 1) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "chat text must not be empty");
    return;
  }
  if (chars > c->ctx->lim.max_chat_chars) {
    sig__error(c, rq, SIG_PE_FIELD_TOO_LONG, "chat text is too long");
    return;
  }
  sig__chat_send(c, rq, text); /* broadcast once stored */
}
