/* Janus process and its generated configuration; see janus_proc.h. */
#include "janus_proc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "http.h"

static int free_tcp_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
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

/* Comma-separated names of the .so files in dir other than `keep`. */
static void others(const char *dir, const char *keep, char *out, size_t cap) {
  out[0] = 0;
  DIR *d = opendir(dir);
  if (!d) return;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t l = strlen(e->d_name);
    if (l < 4 || strcmp(e->d_name + l - 3, ".so") != 0 || !strcmp(e->d_name, keep)) continue;
    if (n + l + 2 >= cap) break;
    n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", e->d_name);
  }
  closedir(d);
}

static int write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  int ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_configs(janus_proc *jp, const char *libdir, int bitrate_cap) {
  char pdir[300], tdir[300], plugins_off[2048], transports_off[2048], text[8192];
  snprintf(pdir, sizeof pdir, "%s/plugins", libdir);
  snprintf(tdir, sizeof tdir, "%s/transports", libdir);
  others(pdir, "libjanus_videoroom.so", plugins_off, sizeof plugins_off);
  others(tdir, "libjanus_http.so", transports_off, sizeof transports_off);
  snprintf(text, sizeof text,
           "general: {\n"
           "  configs_folder = \"%s\"\n  plugins_folder = \"%s\"\n"
           "  transports_folder = \"%s\"\n  events_folder = \"%s/events\"\n"
           "  loggers_folder = \"%s/loggers\"\n  debug_level = %d\n  session_timeout = 120\n"
           "}\n"
           "certificates: {\n}\n"
           "media: {\n  ipv6 = false\n  rtp_port_range = \"30000-50000\"\n}\n"
           "nat: {\n  ice_enforce_list = \"%s\"\n}\n"
           "plugins: {\n  disable = \"%s\"\n}\n"
           "transports: {\n  disable = \"%s\"\n}\n"
           "loggers: {\n  disable = \"libjanus_jsonlog.so\"\n}\n"
           "events: {\n  broadcast = false\n}\n",
           jp->dir, pdir, tdir, libdir, libdir,
           getenv("SFU_JANUS_DEBUG") ? atoi(getenv("SFU_JANUS_DEBUG")) : 3,
           getenv("SFU_JANUS_ENFORCE") ? getenv("SFU_JANUS_ENFORCE") : "lo", plugins_off,
           transports_off);
  if (write_file(jp->dir, "janus.jcfg", text) < 0) return -1;
  snprintf(text, sizeof text,
           "general: {\n  json = \"compact\"\n  base_path = \"/janus\"\n  http = true\n"
           "  port = %d\n  ip = \"127.0.0.1\"\n  https = false\n}\n"
           "admin: {\n  admin_http = false\n  admin_https = false\n}\n",
           jp->http_port);
  if (write_file(jp->dir, "janus.transport.http.jcfg", text) < 0) return -1;
  snprintf(text, sizeof text,
           "general: {\n}\n"
           "room-%d: {\n  description = \"sfu-bench\"\n  publishers = 64\n  bitrate = %d\n"
           "  bitrate_cap = true\n  videocodec = \"vp8\"\n  audiocodec = \"opus\"\n"
           "  record = false\n}\n",
           JANUS_ROOM, bitrate_cap);
  return write_file(jp->dir, "janus.plugin.videoroom.jcfg", text);
}

int janus_proc_start(janus_proc *jp, const char *libdir, int bitrate_cap, int cpu) {
  memset(jp, 0, sizeof *jp);
  jp->pid = -1;
  snprintf(jp->dir, sizeof jp->dir, "/tmp/sfu-bench-janus-XXXXXX");
  if (!mkdtemp(jp->dir)) return -1;
  jp->http_port = free_tcp_port();
  if (jp->http_port <= 0 || write_configs(jp, libdir, bitrate_cap) < 0) return -1;
  char cfg[300], log[300];
  snprintf(cfg, sizeof cfg, "%s/janus.jcfg", jp->dir);
  snprintf(log, sizeof log, "%s/janus.log", jp->dir);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives an interrupted benchmark */
    if (cpu >= 0) {
      cpu_set_t s;
      CPU_ZERO(&s);
      CPU_SET(cpu, &s);
      sched_setaffinity(0, sizeof s, &s); /* inherited by every thread Janus starts */
    }
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execlp("janus", "janus", "-C", cfg, "-F", jp->dir, "-o", (char *)NULL);
    _exit(127);
  }
  jp->pid = pid;
  return child_wait_http(&jp->pid, jp->http_port, "/janus/info");
}

void janus_proc_stop(janus_proc *jp) {
  child_stop(&jp->pid);
  if (jp->dir[0] && !getenv("SFU_BENCH_KEEP")) {
    const char *names[] = {"janus.jcfg", "janus.transport.http.jcfg", "janus.plugin.videoroom.jcfg",
                           "janus.log"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
      snprintf(path, sizeof path, "%s/%s", jp->dir, names[i]);
      unlink(path);
    }
    rmdir(jp->dir);
  }
}
