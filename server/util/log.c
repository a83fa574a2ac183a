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

void bz_log(int level, const char *event, const char *fmt, ...) {
  if (level < min_level || level < 0 || level > BZ_LOG_ERROR) return;
  char line[2048];
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, sizeof line - n, ".%03dZ %s %s ", (int)(tv.tv_usec / 1000),
                        level_names[level], event);
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  va_end(ap);
  /* A truncated line still ends with a newline. */
  n = (w < 0) ? n : (n + (size_t)w < sizeof line - 1 ? n + (size_t)w : sizeof line - 2);
  line[n++] = '\n';
  ssize_t rc = write(STDERR_FILENO, line, n);
  (void)rc;
}
