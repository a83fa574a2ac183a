#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int min_level = BZ_LOG_INFO;
static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void bz_log_set_level(int level) { min_level = level; }

int bz_log_enabled(int level) { return level >= min_level && level <= BZ_LOG_ERROR; }

int bz_log_level_from_name(const char *name) {
  for (int i = 0; i < 4; i++)
    if (strcasecmp(name, level_names[i]) == 0) return i;
  return -1;
}

static void vlog(int level, const char *event, const char *fmt, va_list ap);

void bz_log(int level, const char *event, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, event, fmt, ap);
  va_end(ap);
}

int bz_log_budget_take(bz_log_budget *b, const char *event, uint64_t now_ms) {
  if (b->last_ms == 0) b->last_ms = now_ms ? now_ms : 1;
  if (now_ms > b->last_ms) {
    b->tokens += (double)(now_ms - b->last_ms) / 1000.0 * b->per_s;
    if (b->tokens > b->burst) b->tokens = b->burst;
    b->last_ms = now_ms;
  }
  if (b->tokens < 1.0) {
    b->suppressed++;
    return 0;
  }
  b->tokens -= 1.0;
  if (b->suppressed) {
    bz_log(BZ_LOG_WARN, "log_suppressed", "source=%s count=%llu", event,
           (unsigned long long)b->suppressed);
    b->suppressed = 0;
  }
  return 1;
}

void bz_log_limited(bz_log_budget *b, int level, const char *event, const char *fmt, ...) {
  if (level < min_level) return; /* lines nobody would see do not spend the budget */
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  if (!bz_log_budget_take(b, event, now)) return;
  va_list ap;
  va_start(ap, fmt);
  vlog(level, event, fmt, ap);
  va_end(ap);
}

static void vlog(int level, const char *event, const char *fmt, va_list ap) {
  if (level < min_level || level < 0 || level > BZ_LOG_ERROR) return;
  char line[2048];
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, sizeof line - n, ".%03dZ %s %s ", (int)(tv.tv_usec / 1000),
                        level_names[level], event);
  int w = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  /* A truncated line still ends with a newline. */
  n = (w < 0) ? n : (n + (size_t)w < sizeof line - 1 ? n + (size_t)w : sizeof line - 2);
  line[n++] = '\n';
  ssize_t rc = write(STDERR_FILENO, line, n);
  (void)rc;
}
