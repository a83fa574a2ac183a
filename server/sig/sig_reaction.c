/* The `reaction` message: a participant's short visual reaction (thumbs up, clap, …),
 * broadcast to the whole room as `reaction` {from, kind}. Reactions are not stored and
 * carry no state, so a receiver that falls behind may lose them (droppable), and each
 * participant has its own small token bucket on top of the connection's message budget:
 * a held key or a script must not turn every screen in the room into confetti. */
#include <string.h>

#include "sig/sig_int.h"

/* The kinds a client may send; anything else is bad_message (docs/protocol.md). */
static const char *const reaction_kinds[] = {"thumbs-up", "clap", "laugh", "heart", "surprised"};

static int reaction_known(const char *kind, size_t len) {
  for (size_t i = 0; i < sizeof reaction_kinds / sizeof reaction_kinds[0]; i++)
    if (strlen(reaction_kinds[i]) == len && memcmp(reaction_kinds[i], kind, len) == 0) return 1;
  return 0;
}

/* Takes one token from p's reaction bucket (SIG_REACTION_BURST deep, refilled at
 * SIG_REACTION_PER_S); 0 when it was empty. */
static int reaction_take(sig_part *p, uint64_t now) {
  if (p->react_ms == 0) {
    p->react_tokens = SIG_REACTION_BURST;
  } else if (now > p->react_ms) {
    p->react_tokens += (double)(now - p->react_ms) * SIG_REACTION_PER_S / 1000.0;
    if (p->react_tokens > SIG_REACTION_BURST) p->react_tokens = SIG_REACTION_BURST;
  }
  p->react_ms = now;
  if (p->react_tokens < 1.0) return 0;
  p->react_tokens -= 1.0;
  return 1;
}

void sig__h_reaction(sig_conn *c, json_t *msg, const sig_req *rq) {
  const char *kind = NULL;
  size_t len = 0;
  if (sig__opt_string(msg, "kind", &kind, &len) != 0 || !kind) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "reaction needs 'kind' (string)");
    return;
  }
  if (!reaction_known(kind, len)) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE,
               "kind must be thumbs-up, clap, laugh, heart or surprised");
    return;
  }
  if (!reaction_take(c->part, sig__now(c->ctx))) {
    sig__error(c, rq, SIG_PE_RATE_LIMITED, "too many reactions; at most 2 per second");
    return;
  }
  sig__broadcast(c->part->room, NULL, SIG_OUT_REACTION,
                 json_pack("{s:s, s:s}", "from", c->part->id, "kind", kind));
}
