/* What the benchmark reads of the machine and the server; see probe.h. */
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

/* utime + stime of a process, seconds; -1 if unreadable. */
double probe_cpu(int pid) {
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long long ut = 0, st = 0;
  /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14)
   * stime(15) */
  if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double probe_rss_mb(int pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  double mb = -1;
  while (fgets(line, sizeof line, f)) {
    long kb;
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) mb = kb / 1024.0;
  }
  fclose(f);
  return mb;
}

/* Busy seconds of one core so far (/proc/stat "cpuN": everything but idle and iowait; irq and
 * softirq included, since tick accounting charges a softirq tick to the task it interrupted as
 * well, e.g. the loopback delivery of our own packets); -1 if unreadable. Less what our own
 * process on that core used, it is what the machine's other tenants took from the core during
 * a window (give or take a tick or two). */
double probe_core_busy(int cpu) {
  if (cpu < 0) return -1;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  char line[512], want[16];
  snprintf(want, sizeof want, "cpu%d ", cpu);
  double busy = -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long long v[8] = {0};
    if (strncmp(line, want, strlen(want)) != 0) continue;
    if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &v[6], &v[7]) >= 4)
      busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
    break;
  }
  fclose(f);
  return busy;
}

/* The machine's UDP buffer overflows so far (/proc/net/snmp): datagrams dropped because a
 * receiving socket's buffer was full, or a sending one's. Machine-wide, so another tenant's
 * drops count too; on this loopback benchmark they are normally ours. */
void probe_udp_errors(unsigned long long *rcvbuf, unsigned long long *sndbuf) {
  *rcvbuf = *sndbuf = 0;
  FILE *f = fopen("/proc/net/snmp", "r");
  if (!f) return;
  char line[512];
  int seen = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "Udp: ", 5) != 0) continue;
    if (!seen++) continue; /* the header line */
    unsigned long long v[6];
    if (sscanf(line + 5, "%llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5]) == 6)
      *rcvbuf = v[4], *sndbuf = v[5];
    break;
  }
  fclose(f);
}

/* buzzd's worker 0 datagrams the kernel refused to send (buzz_rtc_tx_dropped_total on
 * /metrics); -1 without a buzzd or an answer. */
long long probe_buzzd_tx_dropped(int http_port) {
  if (http_port <= 0) return -1;
  char *body = NULL;
  long long v = -1;
  if (http_request(http_port, "GET", "/metrics", NULL, 2000, &body) == 200 && body) {
    const char *k = strstr(body, "buzz_rtc_tx_dropped_total{worker=\"0\"} ");
    if (k) v = strtoll(k + strlen("buzz_rtc_tx_dropped_total{worker=\"0\"} "), NULL, 10);
  }
  free(body);
  return v;
}
