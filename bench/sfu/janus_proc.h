/* janus_proc: starts Debian's Janus for one benchmark run and stops it.
 *
 * Writes a loopback-only configuration into a fresh temporary directory: the HTTP transport on
 * a free 127.0.0.1 port and no other transport, no admin API, ICE gathering on `lo` only (IPv4),
 * the VideoRoom plugin alone with one room (VP8 only, no audio, an explicit bitrate cap), no
 * event handlers or loggers. Janus runs pinned to `cpu` (or unpinned when cpu < 0), logging
 * into the directory; it is killed and the directory removed by janus_proc_stop. */
#ifndef BZ_BENCH_JANUS_PROC_H
#define BZ_BENCH_JANUS_PROC_H

#include <sys/types.h>

#define JANUS_ROOM 1234

typedef struct janus_proc {
  pid_t pid;
  int http_port;
  char dir[256]; /* the temporary directory: configs and janus.log */
} janus_proc;

/* bitrate_cap: the room's `bitrate` (bits/s). 0 or -1; waits until the HTTP API answers. */
int janus_proc_start(janus_proc *jp, const char *libdir, int bitrate_cap, int cpu);
void janus_proc_stop(janus_proc *jp);

#endif
