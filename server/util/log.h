/* Leveled, one-line-per-event logging to stderr:
 *   2026-11-24T18:00:00.123Z INFO join room=k3x9-a7pq-2mzd participant=p1a2b3c4
 * `event` is one word; `fmt` formats the key=value fields (printf style). Thread-safe in the
 * sense that each line is written with one write(2). */
#ifndef BZ_LOG_H
#define BZ_LOG_H

#include <stdint.h>

enum { BZ_LOG_DEBUG = 0, BZ_LOG_INFO = 1, BZ_LOG_WARN = 2, BZ_LOG_ERROR = 3 };

void bz_log_set_level(int level);
int bz_log_level_from_name(const char *name); /* "debug".."error"; -1 if unknown */
int bz_log_enabled(int level); /* 1 when lines of `level` are written: skip costly formatting */
void bz_log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A budget for a source of log lines that a peer can trigger at will (libwebsockets' own
 * messages, accept errors, refused connections): at most `burst` lines, refilled at `per_s`
 * lines a second. Lines over the budget are counted, not written; the next line written
 * from the same budget is preceded by "WARN log_suppressed source=<event> count=N".
 * Single-threaded: one budget belongs to one thread. */
typedef struct bz_log_budget {
  double per_s, burst, tokens;
  uint64_t last_ms; /* 0 = never used */
  uint64_t suppressed;
} bz_log_budget;
#define BZ_LOG_BUDGET(per_s, burst) {(per_s), (burst), (burst), 0, 0}

/* Takes one line from the budget at now_ms: returns 1 (write it; a suppressed count was
 * reported first) or 0 (counted as suppressed). */
int bz_log_budget_take(bz_log_budget *b, const char *event, uint64_t now_ms);
/* bz_log under a budget, with the monotonic clock. */
void bz_log_limited(bz_log_budget *b, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define BZ_DEBUG(ev, ...) bz_log(BZ_LOG_DEBUG, ev, __VA_ARGS__)
#define BZ_INFO(ev, ...) bz_log(BZ_LOG_INFO, ev, __VA_ARGS__)
#define BZ_WARN(ev, ...) bz_log(BZ_LOG_WARN, ev, __VA_ARGS__)
#define BZ_ERROR(ev, ...) bz_log(BZ_LOG_ERROR, ev, __VA_ARGS__)

#endif
