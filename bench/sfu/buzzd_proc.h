/* buzzd_proc: starts buzzd for one benchmark run and stops it.
 *
 * buzzd listens on 127.0.0.1 only (HTTP/WebSocket on a free TCP port, one media worker on a
 * free UDP port), keeps its data in a fresh temporary directory, runs pinned to `cpu` (every
 * thread: the control thread and the worker; unpinned when cpu < 0) and logs into that
 * directory. The limits a 1 → M fan-out from one address would hit are raised for the run
 * only: participants per room, WebSockets and connections per address, the idle timeout
 * (the generator's signaling sockets are silent while it measures). Killed and the directory
 * removed by buzzd_proc_stop (kept when SFU_BENCH_KEEP is set). */
#ifndef BZ_BENCH_BUZZD_PROC_H
#define BZ_BENCH_BUZZD_PROC_H

#include <sys/types.h>

typedef struct buzzd_proc {
  pid_t pid;
  int http_port, rtc_port;
  char dir[256]; /* the temporary directory: data and buzzd.log */
} buzzd_proc;

/* exe: the buzzd binary. 0 or -1; waits until GET /healthz answers. */
int buzzd_proc_start(buzzd_proc *bp, const char *exe, int max_participants, int cpu);
void buzzd_proc_stop(buzzd_proc *bp);

#endif
