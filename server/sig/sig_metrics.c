/* Prometheus text for /metrics. Label values come only from our fixed name tables, never from
 * anything a client sent. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sig/sig_int.h"

typedef struct mbuf {
  char *p;
  size_t len, cap;
  int failed;
} mbuf;

static void mbuf_printf(mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void mbuf_printf(mbuf *b, const char *fmt, ...) {
  if (b->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->failed = 1;
      return;
    }
    if ((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = b->cap * 2 + (size_t)n;
    char *np = realloc(b->p, cap);
    if (!np) {
      b->failed = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
}

static void metrics_family(mbuf *b, const char *name, const char *label, const char *help,
                           const char *const *names, const uint64_t *vals, int count) {
  mbuf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  for (int i = 0; i < count; i++)
    mbuf_printf(b, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, names[i], vals[i]);
}

char *sig_metrics_text(sig_ctx *ctx) {
  if (!ctx) return NULL;
  mbuf b = {.p = malloc(2048), .cap = 2048};
  if (!b.p) return NULL;
  b.p[0] = '\0';
  mbuf_printf(&b,
              "# HELP buzz_rooms Rooms known to the server.\n# TYPE buzz_rooms gauge\n"
              "buzz_rooms %d\n",
              ctx->nrooms);
  mbuf_printf(&b,
              "# HELP buzz_participants Participants in rooms (reconnect grace included)."
              "\n# TYPE buzz_participants gauge\nbuzz_participants %d\n",
              ctx->nparts);
  mbuf_printf(&b,
              "# HELP buzz_connections Open signaling WebSocket connections.\n"
              "# TYPE buzz_connections gauge\nbuzz_connections %d\n",
              ctx->nconns);
  metrics_family(&b, "buzz_messages_in_total", "type", "Signaling messages received by type.",
                 sig__in_names, ctx->msgs_in, SIG_IN_COUNT);
  metrics_family(&b, "buzz_messages_out_total", "type", "Signaling messages sent by type.",
                 sig__out_names, ctx->msgs_out, SIG_OUT_COUNT);
  metrics_family(&b, "buzz_errors_total", "code", "Signaling errors sent by code.", sig__perr_names,
                 ctx->errors, SIG_PE_COUNT);
  mbuf_printf(&b,
              "# HELP buzz_ws_chat_dropped_total Chat frames dropped for receivers too slow to "
              "take them (they page them back with chat-history).\n"
              "# TYPE buzz_ws_chat_dropped_total counter\nbuzz_ws_chat_dropped_total %" PRIu64 "\n",
              ctx->chat_dropped);
  uint64_t runs, cpu_us, refused;
  sig__pwq_stats(ctx, &runs, &cpu_us, &refused);
  mbuf_printf(&b,
              "# HELP buzz_password_checks_total argon2 runs (joins, set-password, new rooms).\n"
              "# TYPE buzz_password_checks_total counter\nbuzz_password_checks_total %" PRIu64 "\n"
              "# HELP buzz_password_cpu_seconds_total CPU time those runs took.\n"
              "# TYPE buzz_password_cpu_seconds_total counter\n"
              "buzz_password_cpu_seconds_total %.3f\n"
              "# HELP buzz_password_refused_total Password checks refused: the queue was full.\n"
              "# TYPE buzz_password_refused_total counter\nbuzz_password_refused_total %" PRIu64 "\n"
              "# HELP buzz_password_queued Password checks waiting or running.\n"
              "# TYPE buzz_password_queued gauge\nbuzz_password_queued %d\n",
              runs, (double)cpu_us / 1e6, refused, sig__pwq_queued(ctx));
  mbuf_printf(&b,
              "# HELP buzz_store_writes_queued Database writes waiting or running.\n"
              "# TYPE buzz_store_writes_queued gauge\nbuzz_store_writes_queued %d\n"
              "# HELP buzz_store_write_failures_total Database writes that failed or were "
              "refused (answered store_unavailable).\n"
              "# TYPE buzz_store_write_failures_total counter\n"
              "buzz_store_write_failures_total %" PRIu64 "\n",
              ctx->wq_len, ctx->store_failures);
  if (b.failed) {
    free(b.p);
    return NULL;
  }
  return b.p;
}
