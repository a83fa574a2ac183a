/* probe: what the benchmark reads of the machine and of the server under test, from /proc
 * and (buzzd) /metrics. Each returns -1 (or zeros) when it cannot read. */
#ifndef BZ_BENCH_PROBE_H
#define BZ_BENCH_PROBE_H

/* utime + stime of process pid so far, seconds. */
double probe_cpu(int pid);
/* VmRSS of process pid, MB. */
double probe_rss_mb(int pid);
/* Seconds core `cpu` has been busy so far (/proc/stat: all but idle and iowait). */
double probe_core_busy(int cpu);
/* The machine's UDP RcvbufErrors and SndbufErrors so far (/proc/net/snmp). */
void probe_udp_errors(unsigned long long *rcvbuf, unsigned long long *sndbuf);
/* buzzd's worker 0 buzz_rtc_tx_dropped_total from /metrics on http_port. */
long long probe_buzzd_tx_dropped(int http_port);

#endif
