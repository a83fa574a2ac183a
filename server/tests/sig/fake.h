/* A fake transport for the signaling unit tests: it records every frame sig sends and every
 * close it asks for, and drives a fake clock. */
#ifndef SIG_TEST_FAKE_H
#define SIG_TEST_FAKE_H

#include <jansson.h>
#include <stdint.h>

#include "sig/sig.h"

typedef struct fake_conn {
  sig_ctx *ctx;
  sig_conn *c; /* NULL once closed */
  char **frames;
  int nframes, cap;
  int closes;     /* close requests received */
  int close_code; /* last one */
  char close_reason[64];
  int sent_classes[2]; /* frames sig sent as SIG_TX_MUST / SIG_TX_DROPPABLE */
} fake_conn;

extern uint64_t fake_now_ms;  /* monotonic clock the ctx sees */
extern uint64_t fake_wall_ms; /* wall clock the ctx sees */
extern int fake_sync_close;   /* 1: the close callback reports sig_conn_closed at once */
extern int fake_drop_chat;    /* 1: droppable frames are dropped (not recorded), send says 1 */

/* A ctx with default limits (or `lim`), cheap argon2 and real randomness. */
sig_ctx *fake_ctx(const sig_limits *lim, const sig_turn *turn, bz_store *store);
fake_conn *fake_open(sig_ctx *ctx);
void fake_send(fake_conn *f, const char *json);
void fake_sendb(fake_conn *f, const void *p, size_t n, int truncated);
void fake_closed(fake_conn *f); /* the socket went away: sig_conn_closed */
void fake_free(fake_conn *f);   /* closes (if still open) and frees the recording */
void fake_clear(fake_conn *f);
int fake_count(const fake_conn *f, const char *type);
/* The newest frame of `type` (NULL = any), parsed; caller json_decref()s. NULL if none. */
json_t *fake_last(const fake_conn *f, const char *type);
/* The `code` of the newest frame when it is an error, else "" (static storage). */
const char *fake_error(const fake_conn *f);

/* 1: offloaded jobs (password checks, store writes) wait for fake_run_jobs, which runs
 * them in order (and those they start) and returns how many ran. 0: inline. */
extern int fake_defer_jobs;
int fake_run_jobs(void);
/* sig_room_create, waited for: the REST status and *out the JSON (caller frees). */
int fake_room_create(sig_ctx *ctx, const char *name, const char *password, char **out);

/* Creates a room through the REST helper; writes its id and owner token. */
void fake_room(sig_ctx *ctx, const char *name, const char *password, char id[16],
               char owner_token[64]);
/* Joins `room` as `name` (extra: more JSON fields, starting with ',' or ""), asserts success
 * when expect_ok (expect_ok < 0: only sends), and returns the participant id (static storage, overwritten per call). */
const char *fake_join(fake_conn *f, const char *room, const char *name, const char *extra,
                      int expect_ok);

#endif
