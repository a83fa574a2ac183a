/* child: the server processes the benchmark starts (buzzd, Janus) — waiting until one answers
 * HTTP, and stopping it. */
#ifndef BZ_BENCH_CHILD_H
#define BZ_BENCH_CHILD_H

#include <sys/types.h>

/* Polls GET path on 127.0.0.1:port every 50 ms for up to 10 s: 0 once it answers 200; -1
 * when it does not, or the child exits (then *pid becomes -1). */
int child_wait_http(pid_t *pid, int port, const char *path);
/* SIGTERM, up to 5 s, then SIGKILL; reaps it and sets *pid to -1 (nothing if *pid <= 0). */
void child_stop(pid_t *pid);

#endif
