/* sfu-bench: a 1 → M fan-out through Janus VideoRoom, stepping M up until quality breaks.
 *
 * The load generator (media.h) replays a VP8 clip encoded once by ffmpeg/libvpx through real
 * ICE + DTLS-SRTP sessions; Janus is started with a generated loopback configuration
 * (janus_proc.h) and driven through its HTTP REST API (janus_api.h). With two or more cores,
 * Janus runs on core 1 and the generator (all its threads) on core 0. One line per step:
 *
 *   forwarded packets/s, Janus CPU µs per forwarded packet (utime+stime of /proc/<pid>/stat),
 *   Janus CPU %, generator CPU % (of its core; the step is discarded above 80 %), loss,
 *   delivered frames / sent frames, forwarding delay p50/p99 (first packet of each frame, from
 *   the publisher's send time), Janus RSS.
 *
 * Quality breaks when delivered frames < 90 % of sent or loss > 1 %.
 *
 *   sfu-bench --clip FILE.ivf [--steps 1,4,16,...] [--seconds S] [--fps N] [--cap BITS]
 *             [--janus-libdir DIR]
 *
 * The buzzd half (the same shapes through buzzd's SFU) waits for buzzd's SFU signaling. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bsdp.h"
#include "clip.h"
#include "janus_api.h"
#include "janus_proc.h"
#include "media.h"

#ifndef JANUS_LIBDIR
#define JANUS_LIBDIR "/usr/lib/x86_64-linux-gnu/janus"
#endif

#define MAX_SUBS 2048
#define BATCH 16

typedef struct opts {
  const char *clip, *libdir;
  int steps[32], n_steps;
  int seconds, fps, cap;
} opts;

typedef struct sample {
  double wall, janus_cpu, gen_cpu; /* seconds */
} sample;

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&ts, NULL);
}

/* utime + stime of a process, seconds; -1 if unreadable. */
static double proc_cpu(int pid) {
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

static double proc_rss_mb(int pid) {
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

static void take(sample *s, int pid) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  s->wall = mono();
  s->janus_cpu = proc_cpu(pid);
  s->gen_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int wait_ready(mpeer **peers, int n, double timeout_s) {
  double until = mono() + timeout_s;
  for (;;) {
    int ready = 0, failed = 0;
    for (int i = 0; i < n; i++) {
      int s = media_peer_state(peers[i]);
      ready += s == MPEER_READY;
      failed += s == MPEER_FAILED;
    }
    if (failed) return -1;
    if (ready == n) return 0;
    if (mono() > until) return -1;
    sleep_s(0.02);
  }
}

static int fail(const char *what) {
  fprintf(stderr, "sfu-bench: %s\n", what);
  return -1;
}

/* The publisher: attach, join, configure with our offer, apply Janus's answer. */
static int add_publisher(janus_api *j, media *m, int cap, mpeer **pub, uint64_t *feed_id) {
  uint64_t h;
  mpeer *p;
  if (japi_attach(j, &h) < 0 || media_peer_new(m, 1, 0, &p) < 0) return fail("attach");
  json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "request", "join", "ptype", "publisher", "room",
                           JANUS_ROOM, "display", "bench-pub");
  json_t *ev = NULL;
  int rc = japi_message(j, h, body, NULL, NULL);
  json_decref(body);
  if (rc < 0 || japi_wait(j, h, "joined", 10000, &ev) < 0) return fail("join");
  json_t *data = json_object_get(json_object_get(ev, "plugindata"), "data");
  json_t *id = json_object_get(data, "id");
  *feed_id = json_is_integer(id) ? (uint64_t)json_integer_value(id) : 0;
  json_decref(ev);
  if (!*feed_id) return fail("joined without an id");
  char sdp[4096];
  bsdp_local l = {media_peer_ufrag(p), media_peer_pwd(p), media_fingerprint(m), media_ip(m),
                  media_peer_port(p), media_peer_ssrc(p), 0};
  if (bsdp_offer(&l, sdp, sizeof sdp) < 0) return -1;
  body = json_pack("{s:s, s:b, s:b, s:i}", "request", "configure", "audio", 0, "video", 1,
                   "bitrate", cap);
  json_t *jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", sdp);
  rc = japi_message(j, h, body, jsep, NULL);
  json_decref(body);
  json_decref(jsep);
  if (rc < 0) return fail("configure");
  for (int tries = 0; tries < 8; tries++) {
    if (japi_wait(j, h, "event", 10000, &ev) < 0) return fail("no answer to configure");
    const char *ans = json_string_value(json_object_get(json_object_get(ev, "jsep"), "sdp"));
    bsdp_remote r;
    if (ans && bsdp_parse(ans, &r) == 0) {
      json_decref(ev);
      if (media_peer_go(m, p, &r, NULL) < 0) return fail("peer");
      *pub = p;
      return wait_ready(&p, 1, 15) < 0 ? fail("ICE/DTLS did not complete") : 0;
    }
    json_decref(ev);
  }
  return -1;
}

/* Adds subscribers until there are `target`, in batches of joins whose offers are then
 * answered. Returns the count reached. */
static int add_subscribers(janus_api *j, media *m, mpeer *pub, uint64_t feed, mpeer **subs, int have,
                           int target) {
  while (have < target) {
    int k = target - have < BATCH ? target - have : BATCH;
    uint64_t h[BATCH];
    for (int i = 0; i < k; i++) {
      json_t *body = json_pack("{s:s, s:s, s:i, s:[{s:I}]}", "request", "join", "ptype",
                               "subscriber", "room", JANUS_ROOM, "streams", "feed",
                               (json_int_t)feed);
      int rc = japi_attach(j, &h[i]) < 0 ? -1 : japi_message(j, h[i], body, NULL, NULL);
      json_decref(body);
      if (rc < 0) return have;
    }
    for (int i = 0; i < k; i++) {
      json_t *ev;
      if (japi_wait(j, h[i], "attached", 10000, &ev) < 0) return have;
      const char *offer = json_string_value(json_object_get(json_object_get(ev, "jsep"), "sdp"));
      bsdp_remote r;
      mpeer *p;
      char sdp[4096];
      int ok = offer && bsdp_parse(offer, &r) == 0 && media_peer_new(m, 0, have + i + 1, &p) == 0;
      json_decref(ev);
      if (!ok) return have;
      bsdp_local l = {media_peer_ufrag(p), media_peer_pwd(p), media_fingerprint(m), media_ip(m),
                      media_peer_port(p), 0, have + i + 1};
      if (bsdp_answer(&l, &r, sdp, sizeof sdp) < 0 || media_peer_go(m, p, &r, pub) < 0)
        return have;
      subs[have + i] = p;
      json_t *body = json_pack("{s:s}", "request", "start");
      json_t *jsep = json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp);
      int rc = japi_message(j, h[i], body, jsep, NULL);
      json_decref(body);
      json_decref(jsep);
      if (rc < 0) return have;
    }
    if (wait_ready(subs + have, k, 20) < 0) return have;
    have += k;
  }
  return have;
}

static int parse_opts(int argc, char **argv, opts *o) {
  memset(o, 0, sizeof *o);
  o->libdir = JANUS_LIBDIR;
  o->seconds = 5;
  o->fps = 30;
  o->cap = 2000000;
  const char *steps = "1,4,16,32,64,128,256,384,512";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--clip")) o->clip = argv[i + 1];
    else if (!strcmp(argv[i], "--steps")) steps = argv[i + 1];
    else if (!strcmp(argv[i], "--seconds")) o->seconds = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--fps")) o->fps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--cap")) o->cap = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--janus-libdir")) o->libdir = argv[i + 1];
    else return -1;
  }
  for (const char *s = steps; *s && o->n_steps < 32;) {
    int v = atoi(s);
    if (v < 1 || v > MAX_SUBS) return -1;
    o->steps[o->n_steps++] = v;
    const char *c = strchr(s, ',');
    if (!c) break;
    s = c + 1;
  }
  return o->clip && o->n_steps && o->seconds > 0 && o->fps > 0 && o->fps <= 120 ? 0 : -1;
}

/* Janus 1.1.2 never gathers on a loopback interface (with ice_enforce_list = "lo" it finds
 * nothing to enforce and libnice gathers every non-loopback address), and what it sends from
 * those addresses to 127.0.0.1 does not arrive here. So the generator binds its sockets to the
 * host's first non-loopback IPv4 address, the one Janus picks too: the packets still never
 * leave the machine (a local address is routed through lo). SFU_BENCH_IP overrides it. */
static int media_address(char *out) {
  const char *env = getenv("SFU_BENCH_IP");
  if (env) {
    snprintf(out, INET_ADDRSTRLEN, "%s", env);
    return 0;
  }
  struct ifaddrs *ifs;
  if (getifaddrs(&ifs) < 0) return -1;
  int rc = -1;
  for (struct ifaddrs *i = ifs; i && rc < 0; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
        !(i->ifa_flags & IFF_UP))
      continue;
    if (inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out, INET_ADDRSTRLEN))
      rc = 0;
  }
  freeifaddrs(ifs);
  return rc;
}

static void pin_self(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof s, &s);
}

int main(int argc, char **argv) {
  opts o;
  if (parse_opts(argc, argv, &o) < 0) {
    fprintf(stderr, "usage: sfu-bench --clip FILE.ivf [--steps 1,4,16] [--seconds S] [--fps N] "
                    "[--cap BITS] [--janus-libdir DIR]\n");
    return 2;
  }
  clip c;
  if (clip_load(o.clip, &c) < 0) {
    fprintf(stderr, "sfu-bench: %s: not a VP8 IVF file\n", o.clip);
    return 1;
  }
  int two = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  if (two) pin_self(0);
  printf("sfu-bench clip=%dx%d frames=%d kbps=%.0f fps=%d cap_bps=%d pinned=%s\n", c.width,
         c.height, c.n, c.bytes * 8.0 * o.fps / c.n / 1000, o.fps, o.cap,
         two ? "janus:1,generator:0" : "no");
  char ip[INET_ADDRSTRLEN];
  if (media_address(ip) < 0) {
    fprintf(stderr, "sfu-bench: no IPv4 address for the media sockets (set SFU_BENCH_IP)\n");
    return 1;
  }
  janus_proc jp;
  if (janus_proc_start(&jp, o.libdir, o.cap, two ? 1 : -1) < 0) {
    fprintf(stderr, "sfu-bench: janus did not start (log in %s)\n", jp.dir);
    setenv("SFU_BENCH_KEEP", "1", 1);
    janus_proc_stop(&jp);
    return 1;
  }
  media *m = NULL;
  janus_api *j = NULL;
  mpeer *pub = NULL, **subs = calloc(MAX_SUBS, sizeof *subs);
  uint64_t feed = 0;
  int rc = 1;
  if (!subs || media_create(&m, &c, o.fps, ip) < 0 || japi_open(&j, jp.http_port) < 0 ||
      add_publisher(j, m, o.cap, &pub, &feed) < 0) {
    fprintf(stderr, "sfu-bench: publisher setup failed (janus log in %s)\n", jp.dir);
    setenv("SFU_BENCH_KEEP", "1", 1);
    goto out;
  }
  printf("sfu-bench janus publisher connected srtp=%s\n", media_peer_profile(pub));
  fflush(stdout);
  int have = 0, last_ok = 0;
  double last_ok_pps = 0, last_ok_cpu = 0;
  for (int s = 0; s < o.n_steps; s++) {
    int target = o.steps[s];
    double t0 = mono();
    have = add_subscribers(j, m, pub, feed, subs, have, target);
    if (have < target) {
      printf("sfu-bench janus fanout subs=%d setup failed after %d connected (%.1f s)\n", target,
             have, mono() - t0);
      break;
    }
    sleep_s(1.5); /* the new receivers' first keyframe */
    sample a, b;
    media_stats st;
    media_window_begin(m);
    take(&a, jp.pid);
    sleep_s(o.seconds);
    take(&b, jp.pid);
    media_window_end(m, &st);
    double wall = b.wall - a.wall, jcpu = b.janus_cpu - a.janus_cpu, gcpu = b.gen_cpu - a.gen_cpu;
    double pps = st.rx_packets / st.seconds;
    double loss = st.expected ? 100.0 * (double)(st.expected > st.rx_packets
                                                     ? st.expected - st.rx_packets
                                                     : 0) / (double)st.expected
                              : 100.0;
    double fps_pct =
        st.frames_sent ? 100.0 * st.frames_rx / ((double)st.frames_sent * have) : 0;
    double gen_pct = 100.0 * gcpu / wall;
    const char *verdict = gen_pct > 80 ? "discarded(generator>80%)"
                          : (fps_pct < 90 || loss > 1) ? "broken"
                                                       : "ok";
    printf("sfu-bench janus fanout subs=%d fwd_pps=%.0f cpu_us_per_fwd=%.2f server_cpu_pct=%.1f "
           "gen_cpu_pct=%.1f loss_pct=%.3f frames_delivered_pct=%.1f delay_p50_ms=%.2f "
           "delay_p99_ms=%.2f rss_mb=%.1f plis=%llu plis_total=%llu silent=%d setup_s=%.1f verdict=%s\n",
           have, pps, st.rx_packets ? 1e6 * jcpu / st.rx_packets : 0, 100.0 * jcpu / wall, gen_pct,
           loss, fps_pct, st.delay_p50_ms, st.delay_p99_ms, proc_rss_mb(jp.pid),
           (unsigned long long)st.plis, (unsigned long long)st.plis_total, st.silent, mono() - t0 - 1.5 - o.seconds, verdict);
    fflush(stdout);
    if (strcmp(verdict, "ok") != 0) break;
    last_ok = have;
    last_ok_pps = pps;
    last_ok_cpu = jcpu / wall;
  }
  /* Streams per server core: the last good step's receivers over the share of a core Janus
   * used for them (a linear extrapolation to 100 % of the core). */
  int up, hang;
  japi_counts(j, &up, &hang);
  printf("sfu-bench janus fanout summary last_ok_subs=%d last_ok_fwd_pps=%.0f "
         "server_cpu_at_last_ok=%.1f%% streams_per_core=%.0f fwd_pps_per_core=%.0f webrtcup=%d "
         "hangups=%d\n",
         last_ok, last_ok_pps, 100 * last_ok_cpu, last_ok_cpu > 0 ? last_ok / last_ok_cpu : 0,
         last_ok_cpu > 0 ? last_ok_pps / last_ok_cpu : 0, up, hang);
  rc = 0;
out:
  japi_close(j);
  media_destroy(m);
  janus_proc_stop(&jp);
  free(subs);
  clip_free(&c);
  return rc;
}
