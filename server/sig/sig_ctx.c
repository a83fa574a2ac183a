/* Context and connection lifecycle, housekeeping timers, shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "store/store.h"
#include "util/log.h"

#define SIG_BUCKETS 4096 /* room hash buckets; chains stay short up to max_rooms */
#define SIG_EXPIRE_EVERY_MS (24ull * 3600 * 1000) /* room expiry pass: at start, then daily */

const char *sig_strerror(int err) {
  switch (err) {
    case SIG_OK:
      return "ok";
    case SIG_ENOMEM:
      return "out of memory";
    case SIG_EINVAL:
      return "invalid argument";
    case SIG_ENOTFOUND:
      return "not found";
    case SIG_ELIMIT:
      return "limit reached";
    case SIG_ESTORE:
      return "storage error";
    case SIG_EBUSY:
      return "too many password hashes; retry shortly";
    default:
      return "unknown error";
  }
}

void sig_limits_default(sig_limits *l) {
  *l = (sig_limits){
      .max_message_bytes = 65536,
      .rate_per_s = 50,
      .rate_burst = 200,
      .max_participants = 50,
      .max_rooms = 10000,
      .max_name_chars = 64,
      .max_chat_chars = 2000,
      .idle_timeout_s = 30,
      .reconnect_grace_s = 15,
      .room_ttl_days = 30,
      .password_cpu_ms_per_s = 250,
      .password_addr_cpu_ms_per_s = 100,
      .password_queue_max = 64,
      .password_addr_queue_max = 8,
      .join_history_msgs = 50,
      .join_history_bytes = 65536,
      .media_mode = SIG_MEDIA_P2P,
  };
}

/* Replaces nonsensical limits (zero, negative) by the defaults, so a bad config file cannot
 * turn the server into one that rejects or accepts everything. */
static void limits_sanitize(sig_limits *l) {
  sig_limits d;
  sig_limits_default(&d);
  if (l->max_message_bytes < 256) l->max_message_bytes = d.max_message_bytes;
  if (!(l->rate_per_s > 0)) l->rate_per_s = d.rate_per_s;
  if (!(l->rate_burst >= 1)) l->rate_burst = d.rate_burst;
  if (l->max_participants <= 0) l->max_participants = d.max_participants;
  if (l->max_rooms <= 0) l->max_rooms = d.max_rooms;
  if (l->max_name_chars <= 0) l->max_name_chars = d.max_name_chars;
  if (l->max_chat_chars <= 0) l->max_chat_chars = d.max_chat_chars;
  if (l->idle_timeout_s <= 0) l->idle_timeout_s = d.idle_timeout_s;
  if (l->reconnect_grace_s < 0) l->reconnect_grace_s = d.reconnect_grace_s;
  if (l->room_ttl_days < 0) l->room_ttl_days = d.room_ttl_days;
  if (!(l->password_cpu_ms_per_s > 0)) l->password_cpu_ms_per_s = d.password_cpu_ms_per_s;
  if (!(l->password_addr_cpu_ms_per_s > 0))
    l->password_addr_cpu_ms_per_s = d.password_addr_cpu_ms_per_s;
  if (l->password_queue_max <= 0) l->password_queue_max = d.password_queue_max;
  if (l->media_mode < SIG_MEDIA_P2P || l->media_mode > SIG_MEDIA_AUTO) l->media_mode = d.media_mode;
  if (l->password_addr_queue_max <= 0) l->password_addr_queue_max = d.password_addr_queue_max;
  if (l->join_history_msgs < 0 || l->join_history_msgs > SIG_CHAT_KEEP)
    l->join_history_msgs = d.join_history_msgs;
  if (l->join_history_bytes < 1024) l->join_history_bytes = d.join_history_bytes;
}

uint64_t sig__now(sig_ctx *ctx) {
  return ctx->tp.now_ms(ctx->tp.ctx_user);
}
uint64_t sig__wall(sig_ctx *ctx) {
  return ctx->tp.wall_ms(ctx->tp.ctx_user);
}

static int load_room_cb(void *user, const bz_store_room *row) {
  return sig__room_load_row(user, row);
}

/* Start-up expiry, in SQL before loading: rooms nobody used for room_ttl_days never reach
 * memory. sig_tick repeats it daily on the loaded rooms (sig__rooms_expire). */
static int store_expire(sig_ctx *ctx) {
  if (ctx->lim.room_ttl_days <= 0) return BZ_STORE_OK;
  int64_t cutoff = (int64_t)sig__wall(ctx) - (int64_t)ctx->lim.room_ttl_days * 86400000;
  int n = 0;
  int rc = bz_store_rooms_expire(ctx->store, cutoff, &n);
  if (rc == BZ_STORE_OK && n > 0)
    BZ_INFO("room_expire", "rooms=%d ttl_days=%d", n, ctx->lim.room_ttl_days);
  return rc;
}

int sig_ctx_create(sig_ctx **out, const sig_limits *limits, const sig_turn *turn,
                   const sig_transport *tp, bz_store *store) {
  if (!out || !limits || !tp || !tp->send || !tp->close || !tp->now_ms || !tp->wall_ms)
    return SIG_EINVAL;
  *out = NULL;
  sig_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return SIG_ENOMEM;
  ctx->buckets = calloc(SIG_BUCKETS, sizeof *ctx->buckets);
  if (!ctx->buckets) {
    free(ctx);
    return SIG_ENOMEM;
  }
  ctx->nbuckets = SIG_BUCKETS;
  ctx->lim = *limits;
  limits_sanitize(&ctx->lim);
  if (turn) ctx->turn = *turn;
  if (ctx->turn.ttl_s <= 0) ctx->turn.ttl_s = 86400;
  ctx->tp = *tp;
  ctx->store = store;
  ctx->argon_t = 2; /* OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane */
  ctx->argon_m_kib = 19456;
  if (sig__pwq_create(ctx) != SIG_OK) {
    sig_ctx_destroy(ctx);
    return SIG_ENOMEM;
  }
  if (store) {
    int rc = store_expire(ctx);
    if (rc == BZ_STORE_OK) rc = bz_store_rooms_load(store, load_room_cb, ctx);
    if (rc != BZ_STORE_OK) {
      BZ_ERROR("sig_load", "err=\"%s\"", bz_store_strerror(rc));
      sig_ctx_destroy(ctx);
      return rc == BZ_STORE_ENOMEM ? SIG_ENOMEM : SIG_ESTORE;
    }
    BZ_INFO("sig_load", "rooms=%d", ctx->nrooms);
  }
  ctx->expire_next_ms = sig__now(ctx) + SIG_EXPIRE_EVERY_MS;
  *out = ctx;
  return SIG_OK;
}

static void conn_unlink(sig_ctx *ctx, sig_conn *c) {
  if (c->prev)
    c->prev->next = c->next;
  else
    ctx->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  ctx->nconns--;
}

void sig_ctx_destroy(sig_ctx *ctx) {
  if (!ctx) return;
  while (ctx->conns) {
    sig_conn *c = ctx->conns;
    conn_unlink(ctx, c);
    free(c);
  }
  sig__rooms_free(ctx);
  sig__pwq_destroy(ctx);
  sig__sfu_ctx_free(ctx);
  free(ctx->buckets);
  free(ctx);
}

sig_conn *sig_conn_open(sig_ctx *ctx, void *user) {
  if (!ctx) return NULL;
  sig_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->ctx = ctx;
  c->user = user;
  c->last_ms = c->refill_ms = sig__now(ctx);
  c->tokens = ctx->lim.rate_burst;
  c->close_reason = SIG_LEFT_DISCONNECTED;
  c->next = ctx->conns;
  if (ctx->conns) ctx->conns->prev = c;
  ctx->conns = c;
  ctx->nconns++;
  return c;
}

/* The real free. Its participant (if any) enters the reconnect grace period. */
static void conn_free(sig_ctx *ctx, sig_conn *c) {
  sig_part *p = c->part;
  if (p) {
    p->conn = NULL;
    p->gone_ms = sig__now(ctx);
    p->gone_reason = c->close_reason;
    BZ_INFO("sig_disconnect", "room=%s participant=%s", p->room->id, p->id);
  }
  if (c->pw) { /* its queued join will not be answered: do not spend CPU on it */
    sig__pw_cancel(ctx, c->pw);
    c->pw = NULL;
  }
  conn_unlink(ctx, c);
  c->part = NULL;
  if (c->refs > 0) { /* store writes still point at it: they free it when they answer */
    c->orphan = c->dead = 1;
    c->user = NULL;
    return;
  }
  free(c);
}

void sig__conn_ref(sig_conn *c) {
  c->refs++;
}

void sig__conn_unref(sig_conn *c) {
  if (--c->refs == 0 && c->orphan) free(c);
}

void sig_conn_set_addr(sig_conn *c, const char *addr) {
  if (c && addr) snprintf(c->addr, sizeof c->addr, "%s", addr);
}

void sig_conn_closed(sig_conn *c) {
  if (!c) return;
  sig_ctx *ctx = c->ctx;
  if (ctx->busy > 0) {
    /* A transport that reports the close from inside our own close() call: another frame of
     * the stack may still hold c, so it is freed when the outermost call returns. */
    if (!c->dead) {
      c->dead = 1;
      ctx->ndead++;
    }
    return;
  }
  conn_free(ctx, c);
}

void sig__enter(sig_ctx *ctx) {
  ctx->busy++;
}

void sig__leave(sig_ctx *ctx) {
  if (--ctx->busy > 0 || ctx->ndead == 0) return;
  sig_conn *c = ctx->conns;
  while (c) {
    sig_conn *next = c->next;
    if (c->dead) conn_free(ctx, c);
    c = next;
  }
  ctx->ndead = 0;
}

static void tick_idle(sig_ctx *ctx, uint64_t now) {
  uint64_t idle_ms = (uint64_t)ctx->lim.idle_timeout_s * 1000;
  for (sig_conn *c = ctx->conns; c; c = c->next) {
    if (c->closing || c->dead || now < c->last_ms || now - c->last_ms < idle_ms) continue;
    sig__close(c, 4002, "idle timeout", SIG_LEFT_TIMEOUT);
  }
}

static void tick_grace(sig_ctx *ctx, uint64_t now) {
  uint64_t grace_ms = (uint64_t)ctx->lim.reconnect_grace_s * 1000;
  for (size_t b = 0; b < ctx->nbuckets; b++) {
    for (sig_room *r = ctx->buckets[b]; r; r = r->hnext) {
      sig_part *p = r->parts;
      while (p) {
        sig_part *next = p->next;
        if (!p->conn && now >= p->gone_ms && now - p->gone_ms >= grace_ms)
          sig__part_remove(ctx, p, p->gone_reason);
        p = next;
      }
    }
  }
}

void sig_tick(sig_ctx *ctx) {
  if (!ctx) return;
  sig__enter(ctx);
  uint64_t now = sig__now(ctx);
  tick_idle(ctx, now);
  if (ctx->nparts > 0) tick_grace(ctx, now);
  sig__pw_pump(ctx); /* a budget in debt has refilled meanwhile */
  if (now >= ctx->expire_next_ms) {
    sig__rooms_expire(ctx);
    ctx->expire_next_ms = now + SIG_EXPIRE_EVERY_MS;
  }
  sig__leave(ctx);
}

void sig_shutdown(sig_ctx *ctx) {
  if (!ctx) return;
  sig__enter(ctx);
  for (sig_conn *c = ctx->conns; c; c = c->next)
    if (!c->closing && !c->dead) sig__close(c, 1001, "server shutting down", SIG_LEFT_DISCONNECTED);
  sig__leave(ctx);
}
