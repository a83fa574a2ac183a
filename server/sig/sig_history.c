/* Chat history on the wire: the bounded part `joined` carries, and the chat-history request
 * that pages back through older messages (docs/protocol.md, "Chat history").
 *
 * Both are bounded twice, by messages and by serialized bytes (join_history_bytes), because
 * one `joined` per join or rejoin multiplies: with 100 messages of 2,000 characters each,
 * ten clients joining and leaving made buzzd send 300 MB in 10 s. Older messages cost the
 * client a request each page, which the per-connection rate limit already bounds.
 *
 * Reads: from the store when there is one (a read on the control thread; SQLite's WAL lets it
 * go on beside the store writer), from the room's in-memory ring otherwise. */
#include <string.h>

#include "sig/sig_int.h"
#include "util/log.h"

#define HISTORY_DEFAULT_LIMIT 50

json_t *sig__chat_json(int64_t id, const char *from, const char *name, const char *text,
                       int64_t ts) {
  return json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)id, "from", from, "name", name,
                   "text", text, "ts", (json_int_t)ts);
}

/* Collects messages newest first within a message and a byte budget. */
typedef struct hist_acc {
  const sig_limits *lim;
  json_t *arr; /* newest first while collecting; NULL when out of memory */
  int max_msgs;
  size_t max_bytes, bytes; /* serialized bytes of the taken messages, commas included */
  int full;                /* a bound stopped it: an older message exists that was not taken */
  int64_t oldest;          /* id of the oldest message taken; 0 = none */
} hist_acc;

static void hist_init(hist_acc *a, const sig_limits *lim, int max_msgs) {
  *a = (hist_acc){.lim = lim,
                  .arr = json_array(),
                  .max_msgs = max_msgs,
                  .max_bytes = (size_t)lim->join_history_bytes};
}

/* Offers the next older message. Returns 0 to go on, 1 when the budget is spent (the message
 * was not taken and a->full is set). The first message is always taken, whatever its size, so
 * paging always moves on. A message that cannot be built (a damaged store row: invalid UTF-8,
 * an impossible id) is skipped. */
static int hist_take(hist_acc *a, int64_t id, const char *from, const char *name, const char *text,
                     int64_t ts) {
  if (!a->arr) return 1;
  size_t count = json_array_size(a->arr);
  if (count >= (size_t)a->max_msgs) {
    a->full = 1;
    return 1;
  }
  /* Rows come from a file: only what sig could have written itself goes out. */
  long chars = sig__utf8_chars(text, strlen(text));
  if (id < 1 || strlen(from) > SIG_PID_LEN || chars < 1 || chars > a->lim->max_chat_chars ||
      sig__check_name(name, strlen(name), a->lim->max_name_chars) != 0)
    return 0;
  json_t *m = sig__chat_json(id, from, name, text, ts);
  if (!m) return 0;
  size_t n = json_dumpb(m, NULL, 0, JSON_COMPACT) + (count ? 1 : 0);
  if (count > 0 && n > a->max_bytes - a->bytes) {
    json_decref(m);
    a->full = 1;
    return 1;
  }
  if (json_array_append_new(a->arr, m) != 0) return 1;
  a->bytes += n;
  a->oldest = id;
  return 0;
}

/* The collected array, oldest first (the order on the wire). */
static json_t *hist_oldest_first(hist_acc *a) {
  json_t *out = json_array();
  size_t n = a->arr ? json_array_size(a->arr) : 0;
  for (size_t i = n; out && i > 0; i--) json_array_append(out, json_array_get(a->arr, i - 1));
  json_decref(a->arr);
  a->arr = NULL;
  return out;
}

/* Messages of the ring below `before`, newest first, until the budget is spent. */
static void hist_from_ring(hist_acc *a, const sig_room *r, int64_t before) {
  for (int i = r->chat_len - 1; i >= 0; i--) {
    const sig_chat_msg *m = &r->chat[(r->chat_head + i) % SIG_CHAT_KEEP];
    if (m->id >= before) continue;
    if (hist_take(a, m->id, m->from, m->name, m->text, m->ts_ms)) return;
  }
}

static int hist_store_cb(void *user, const bz_store_chat *m) {
  return hist_take(user, m->id, m->from_id, m->name, m->text, m->ts_ms);
}

/* Messages of the store below `before`, newest first. One row more than the message bound
 * is asked for, so that a->full also tells whether older rows exist. */
static int hist_from_store(sig_ctx *ctx, hist_acc *a, const sig_room *r, int64_t before) {
  int rc = bz_store_chat_before(ctx->store, r->id, before, a->max_msgs + 1, hist_store_cb, a);
  if (rc == BZ_STORE_OK || rc == BZ_STORE_ECALLBACK) return SIG_OK;
  BZ_WARN("sig_chat_history", "room=%s err=\"%s\"", r->id, bz_store_strerror(rc));
  return SIG_ESTORE;
}

static int store_has_before(void *user, const bz_store_chat *m) {
  (void)m;
  *(int *)user = 1;
  return 0;
}

json_t *sig__join_chat(sig_ctx *ctx, const sig_room *r, int *more) {
  hist_acc a;
  hist_init(&a, &ctx->lim, ctx->lim.join_history_msgs);
  hist_from_ring(&a, r, INT64_MAX);
  *more = a.full;
  /* The whole ring fits: the store may still hold older messages than the ring does. */
  if (!a.full && ctx->store && a.oldest > 1) {
    int found = 0;
    if (bz_store_chat_before(ctx->store, r->id, a.oldest, 1, store_has_before, &found) ==
        BZ_STORE_OK)
      *more = found;
  }
  return hist_oldest_first(&a);
}

void sig__h_chat_history(sig_conn *c, json_t *msg, const sig_req *rq) {
  sig_ctx *ctx = c->ctx;
  json_t *before = json_object_get(msg, "before");
  json_t *limit = json_object_get(msg, "limit");
  if (!json_is_integer(before) || json_integer_value(before) < 1) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "chat-history needs 'before' (a chat id, integer >= 1)");
    return;
  }
  int n = HISTORY_DEFAULT_LIMIT;
  if (limit && !json_is_null(limit)) {
    if (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
        json_integer_value(limit) > SIG_HISTORY_MAX) {
      sig__error(c, rq, SIG_PE_BAD_MESSAGE, "'limit' must be an integer from 1 to 100");
      return;
    }
    n = (int)json_integer_value(limit);
  }
  const sig_room *r = c->part->room;
  hist_acc a;
  hist_init(&a, &ctx->lim, n);
  int64_t b = (int64_t)json_integer_value(before);
  int rc = ctx->store ? hist_from_store(ctx, &a, r, b) : SIG_OK;
  if (!ctx->store) hist_from_ring(&a, r, b);
  if (rc != SIG_OK || !a.arr) {
    json_decref(a.arr);
    sig__error(c, rq, SIG_PE_INTERNAL, "cannot read the chat history");
    return;
  }
  int more = a.full;
  json_t *arr = hist_oldest_first(&a);
  sig__reply(c, rq, SIG_OUT_CHAT_HISTORY, json_pack("{s:o, s:b}", "messages", arr, "more", more));
}
