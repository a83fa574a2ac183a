/* buzzd process for the SFU benchmark; see buzzd_proc.h. */
#include "buzzd_proc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "http.h"

static int free_port(int type) {
  int fd = socket(AF_INET, type, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof a;
  int port = -1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &l) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

static void exec_buzzd(const buzzd_proc *bp, const char *exe, int max_participants, int cpu) {
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives an interrupted benchmark */
  if (cpu >= 0) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    sched_setaffinity(0, sizeof s, &s); /* inherited by the worker and every other thread */
  }
  char log[300], port[16], rtc[16], maxp[16], data[300];
  snprintf(log, sizeof log, "%s/buzzd.log", bp->dir);
  snprintf(data, sizeof data, "%s/data", bp->dir);
  snprintf(port, sizeof port, "%d", bp->http_port);
  snprintf(rtc, sizeof rtc, "%d", bp->rtc_port);
  snprintf(maxp, sizeof maxp, "%d", max_participants);
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  execl(exe, exe, "--host", "127.0.0.1", "--port", port, "--data-dir", data, "--rtc-port", rtc,
        "--rtc-workers", "1", "--max-participants", maxp, "--max-ws-per-addr", "8192",
        "--max-conns-per-addr", "8192", "--idle-timeout-s", "3600", "--log-level", "warn",
        (char *)NULL);
  _exit(127);
}

int buzzd_proc_start(buzzd_proc *bp, const char *exe, int max_participants, int cpu) {
  memset(bp, 0, sizeof *bp);
  bp->pid = -1;
  snprintf(bp->dir, sizeof bp->dir, "/tmp/sfu-bench-buzzd-XXXXXX");
  if (!mkdtemp(bp->dir)) return -1;
  bp->http_port = free_port(SOCK_STREAM);
  bp->rtc_port = free_port(SOCK_DGRAM);
  if (bp->http_port <= 0 || bp->rtc_port <= 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_buzzd(bp, exe, max_participants, cpu);
  bp->pid = pid;
  return child_wait_http(&bp->pid, bp->http_port, "/healthz");
}

void buzzd_proc_stop(buzzd_proc *bp) {
  child_stop(&bp->pid);
  if (bp->dir[0] && !getenv("SFU_BENCH_KEEP")) {
    char cmd[400];
    /* Our own fresh mkdtemp directory (buzz.db, its WAL files, the log): nothing else. */
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", bp->dir);
    if (system(cmd) != 0) fprintf(stderr, "sfu-bench: could not remove %s\n", bp->dir);
  }
}
