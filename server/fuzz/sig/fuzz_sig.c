/* libFuzzer target for the signaling core: bytes -> sig_conn_message on a fresh in-memory
 * ctx (store = NULL) with two rooms and three connections.
 *
 * The input is split into lines; the first byte of a line picks the action:
 *   '0' '1' '2'  the rest of the line is one text frame on that connection
 *   'X'          the rest of the line is a frame on connection 0 flagged as truncated
 *   'T'          advance the clock by 5 s and run sig_tick (idle timeouts, grace expiry)
 *   'C' + digit  the transport reports that connection gone; a later frame reopens it
 * Any other first byte sends the whole line to connection 0. Randomness is a counter, so
 * participant ids and reconnect tokens are the same in every run (seeds can use them):
 * the room "aaaa-bbbb-cccc" is open (owner token "owner"), "pppp-wwww-0000" has the
 * password "pw". Set FUZZ_SIG_VERBOSE=1 to print every frame sig sends. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig/sig_int.h"
#include "util/log.h"

#define NCONN 3

typedef struct fz_conn {
  sig_conn *c;
  int close_requested;
} fz_conn;

static fz_conn fz_conns[NCONN];
static uint64_t fz_now, fz_counter;
static int fz_verbose;

static int fz_send(void *user, const char *text, size_t len, int cls) {
  fz_conn *fc = user;
  if (fz_verbose) fprintf(stderr, "[%d] <- %.*s\n", (int)(fc - fz_conns), (int)len, text);
  /* Connection 1 is a slow reader: its chat is dropped, as a full send queue would. */
  return cls == SIG_TX_DROPPABLE && fc == &fz_conns[1];
}

static void fz_close(void *user, int code, const char *reason) {
  fz_conn *fc = user;
  if (fz_verbose) fprintf(stderr, "[%d] close %d %s\n", (int)(fc - fz_conns), code, reason);
  fc->close_requested = 1;
  /* Connection 2 reports the close synchronously, like an eager transport: sig must defer
   * its free. The others stay "closing" until the input says 'C'. */
  if (fc == &fz_conns[2] && fc->c) {
    sig_conn *c = fc->c;
    fc->c = NULL;
    sig_conn_closed(c);
  }
}

static uint64_t fz_clock(void *u) {
  (void)u;
  return fz_now;
}

static uint64_t fz_wall(void *u) {
  (void)u;
  return 1795000000000ull + fz_now;
}

static int fz_rand(void *user, uint8_t *buf, size_t n) {
  (void)user;
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)fz_counter++;
  return 0;
}

static const sig_transport fz_tp = {
    .send = fz_send, .close = fz_close, .now_ms = fz_clock, .wall_ms = fz_wall};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_verbose = getenv("FUZZ_SIG_VERBOSE") != NULL;
  bz_log_set_level(fz_verbose ? BZ_LOG_DEBUG : BZ_LOG_ERROR + 1);
  return 0;
}

static sig_ctx *fz_setup(void) {
  sig_limits lim;
  sig_limits_default(&lim);
  lim.max_participants = 4;
  lim.rate_burst = 20;
  sig_turn turn = {.uri = "turn:127.0.0.1:3478", .secret = "fuzz", .ttl_s = 60};
  sig_ctx *ctx = NULL;
  fz_now = 1000000;
  fz_counter = 0;
  if (sig_ctx_create(&ctx, &lim, &turn, &fz_tp, NULL) != SIG_OK) return NULL;
  sig__set_rand(ctx, fz_rand, NULL);
  sig__set_argon2_cost(ctx, 1, 8); /* the minimum: fuzzing is about parsing, not hashing */
  if (sig__room_add(ctx, "aaaa-bbbb-cccc", "Open", NULL, "owner", NULL) != SIG_OK ||
      sig__room_add(ctx, "pppp-wwww-0000", "Secret", "pw", "owner2", NULL) != SIG_OK) {
    sig_ctx_destroy(ctx);
    return NULL;
  }
  memset(fz_conns, 0, sizeof fz_conns);
  return ctx;
}

static void fz_line(sig_ctx *ctx, const uint8_t *p, size_t n) {
  int idx = 0, truncated = 0;
  if (n > 0 && p[0] >= '0' && p[0] < '0' + NCONN) {
    idx = p[0] - '0';
    p++, n--;
  } else if (n > 0 && p[0] == 'X') {
    truncated = 1;
    p++, n--;
  } else if (n > 0 && p[0] == 'T') {
    fz_now += 5000;
    sig_tick(ctx);
    return;
  } else if (n > 1 && p[0] == 'C') {
    fz_conn *fc = &fz_conns[(unsigned)(p[1] - (uint8_t)'0') % NCONN];
    if (fc->c) sig_conn_closed(fc->c);
    fc->c = NULL;
    return;
  }
  fz_conn *fc = &fz_conns[idx];
  if (!fc->c) {
    fc->c = sig_conn_open(ctx, fc);
    fc->close_requested = 0;
  }
  if (!fc->c) return;
  if (fz_verbose) fprintf(stderr, "[%d] -> %.*s\n", idx, (int)n, (const char *)p);
  /* A copy of exactly n bytes, so ASan catches any read past the frame. */
  uint8_t *copy = malloc(n ? n : 1);
  if (!copy) return;
  memcpy(copy, p, n);
  sig_conn_message(fc->c, copy, n, truncated);
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sig_ctx *ctx = fz_setup();
  if (!ctx) return 0;
  size_t start = 0;
  for (size_t i = 0; i <= size; i++) {
    if (i < size && data[i] != '\n') continue;
    fz_line(ctx, data + start, i - start);
    start = i + 1;
  }
  char *m = sig_metrics_text(ctx);
  free(m);
  sig_shutdown(ctx);
  for (int i = 0; i < NCONN; i++)
    if (fz_conns[i].c) sig_conn_closed(fz_conns[i].c);
  sig_ctx_destroy(ctx);
  return 0;
}
