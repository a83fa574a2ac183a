#include "fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sig/sig_int.h"

uint64_t fake_now_ms = 1000000;
uint64_t fake_wall_ms = 1795000000000ull;
int fake_sync_close = 0;

int fake_drop_chat = 0;

static int fk_send(void *user, const char *text, size_t len, int cls) {
  fake_conn *f = user;
  f->sent_classes[cls == SIG_TX_DROPPABLE]++;
  if (cls == SIG_TX_DROPPABLE && fake_drop_chat) return 1; /* a receiver that fell behind */
  if (f->nframes == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 16;
    f->frames = realloc(f->frames, (size_t)f->cap * sizeof *f->frames);
    assert_non_null(f->frames);
  }
  char *copy = malloc(len + 1);
  assert_non_null(copy);
  memcpy(copy, text, len);
  copy[len] = '\0';
  f->frames[f->nframes++] = copy;
  return 0;
}

static void fk_close(void *user, int code, const char *reason) {
  fake_conn *f = user;
  f->closes++;
  f->close_code = code;
  snprintf(f->close_reason, sizeof f->close_reason, "%s", reason);
  if (fake_sync_close) fake_closed(f);
}

static uint64_t fk_now(void *u) {
  (void)u;
  return fake_now_ms;
}

static uint64_t fk_wall(void *u) {
  (void)u;
  return fake_wall_ms;
}

/* Offloaded jobs: run inline (no hook) unless a test defers them to fake_run_jobs. */
int fake_defer_jobs = 0;
typedef struct fake_job {
  void (*work)(void *), (*done)(void *);
  void *arg;
} fake_job;
static fake_job jobs[256];
static int njobs;

static int fk_offload(void *u, void (*work)(void *), void (*done)(void *), void *arg) {
  (void)u;
  if (!fake_defer_jobs) return -1; /* sig runs it inline */
  assert_true(njobs < 256);
  jobs[njobs++] = (fake_job){work, done, arg};
  return 0;
}

int fake_run_jobs(void) {
  int ran = 0;
  while (njobs > 0) {
    fake_job j = jobs[0];
    memmove(jobs, jobs + 1, (size_t)(--njobs) * sizeof *jobs);
    j.work(j.arg);
    j.done(j.arg);
    ran++;
  }
  return ran;
}

static const sig_transport fake_tp = {.send = fk_send,
                                      .close = fk_close,
                                      .now_ms = fk_now,
                                      .wall_ms = fk_wall,
                                      .offload = fk_offload};

sig_ctx *fake_ctx(const sig_limits *lim, const sig_turn *turn, bz_store *store) {
  sig_limits def;
  sig_limits_default(&def);
  sig_ctx *ctx = NULL;
  fake_defer_jobs = 0; /* a failed test may have left jobs behind */
  njobs = 0;
  assert_int_equal(sig_ctx_create(&ctx, lim ? lim : &def, turn, &fake_tp, store), SIG_OK);
  sig__set_argon2_cost(ctx, 1, 64); /* tests check behaviour, not hashing cost */
  return ctx;
}

fake_conn *fake_open(sig_ctx *ctx) {
  fake_conn *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->ctx = ctx;
  f->c = sig_conn_open(ctx, f);
  assert_non_null(f->c);
  return f;
}

void fake_sendb(fake_conn *f, const void *p, size_t n, int truncated) {
  assert_non_null(f->c);
  sig_conn_message(f->c, p, n, truncated);
}

void fake_send(fake_conn *f, const char *json) {
  fake_sendb(f, json, strlen(json), 0);
}

void fake_closed(fake_conn *f) {
  if (!f->c) return;
  sig_conn *c = f->c;
  f->c = NULL;
  sig_conn_closed(c);
}

void fake_clear(fake_conn *f) {
  for (int i = 0; i < f->nframes; i++) free(f->frames[i]);
  f->nframes = 0;
}

void fake_free(fake_conn *f) {
  if (!f) return;
  fake_closed(f);
  fake_clear(f);
  free(f->frames);
  free(f);
}

static int frame_is(const char *frame, const char *type, json_t **out) {
  json_t *j = json_loads(frame, 0, NULL);
  assert_non_null(j); /* sig must only ever send valid JSON */
  const char *t = json_string_value(json_object_get(j, "type"));
  assert_non_null(t);
  if (!type || strcmp(t, type) == 0) {
    *out = j;
    return 1;
  }
  json_decref(j);
  return 0;
}

int fake_count(const fake_conn *f, const char *type) {
  int n = 0;
  for (int i = 0; i < f->nframes; i++) {
    json_t *j = NULL;
    if (frame_is(f->frames[i], type, &j)) n++;
    json_decref(j);
  }
  return n;
}

json_t *fake_last(const fake_conn *f, const char *type) {
  for (int i = f->nframes - 1; i >= 0; i--) {
    json_t *j = NULL;
    if (frame_is(f->frames[i], type, &j)) return j;
  }
  return NULL;
}

const char *fake_error(const fake_conn *f) {
  static char code[64];
  code[0] = '\0';
  json_t *j = fake_last(f, NULL);
  if (j && strcmp(json_string_value(json_object_get(j, "type")), "error") == 0)
    snprintf(code, sizeof code, "%s", json_string_value(json_object_get(j, "code")));
  json_decref(j);
  return code;
}

typedef struct create_res {
  int done, err;
  char *json;
} create_res;

static void created(void *user, int err, const char *json) {
  create_res *r = user;
  r->done++;
  r->err = err;
  r->json = json ? strdup(json) : NULL;
}

int fake_room_create(sig_ctx *ctx, const char *name, const char *password, char **out) {
  create_res r = {0};
  *out = NULL;
  int rc = sig_room_create(ctx, name, password, NULL, "127.0.0.1", created, &r, NULL);
  if (rc != SIG_OK) {
    assert_int_equal(r.done, 0);
    return rc;
  }
  if (!r.done) fake_run_jobs();
  assert_int_equal(r.done, 1);
  *out = r.json;
  return r.err;
}

void fake_room(sig_ctx *ctx, const char *name, const char *password, char id[16],
               char owner_token[64]) {
  char *out = NULL;
  assert_int_equal(fake_room_create(ctx, name, password, &out), SIG_OK);
  json_t *j = json_loads(out, 0, NULL);
  assert_non_null(j);
  snprintf(id, 16, "%s", json_string_value(json_object_get(j, "id")));
  if (owner_token)
    snprintf(owner_token, 64, "%s", json_string_value(json_object_get(j, "owner_token")));
  json_decref(j);
  free(out);
}

const char *fake_join(fake_conn *f, const char *room, const char *name, const char *extra,
                      int expect_ok) {
  static char pid[16];
  char buf[1024];
  snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"%s\"%s}", room, name,
           extra ? extra : "");
  fake_send(f, buf);
  pid[0] = '\0';
  if (expect_ok < 0) return pid; /* answered later (deferred jobs) or checked by the caller */
  json_t *j = fake_last(f, NULL);
  assert_non_null(j);
  int ok = strcmp(json_string_value(json_object_get(j, "type")), "joined") == 0;
  if (ok)
    snprintf(pid, sizeof pid, "%s",
             json_string_value(json_object_get(json_object_get(j, "self"), "id")));
  json_decref(j);
  if (expect_ok) assert_true(ok);
  return pid;
}
