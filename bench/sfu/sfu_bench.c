/* sfu-bench: buzzd's SFU against Janus VideoRoom in the same run, in one of two shapes, each
 * stepped up until quality breaks, then the ratio BuzzStream / Janus:
 *
 *   fanout (default)  1 publisher → M subscribers, M stepped up; streams = M. One server
 *                     started for the run, subscribers added step by step.
 *   mesh              the N×N meeting: N participants, each publishing the clip (its own
 *                     SSRC, sequence numbers and frame ids) and receiving the other N − 1 on
 *                     one multistream connection (buzzd: one "sub" offer of N − 1 m-lines
 *                     with `mids`; Janus: one subscriber handle whose join lists the N − 1
 *                     feeds in `streams`); streams = N × (N − 1). The server is started anew
 *                     for each N, all N publishers are connected before any subscription
 *                     (nothing is renegotiated), and the step measures the settled meeting.
 *
 * The load generator (media.h) replays a VP8 clip encoded once by ffmpeg/libvpx through real
 * ICE + DTLS-SRTP sessions. buzzd is started with one media worker on loopback
 * (buzzd_proc.h) and driven over /ws (buzzd_sig.h: one WebSocket per participant, a "pub"
 * offer per publisher, a "sub" offer per subscriber); Janus is started with a generated
 * loopback configuration (janus_proc.h) and driven through its HTTP REST API (janus_api.h,
 * janus_sig.h).
 * With two or more cores, the server under test (every thread of it) runs on core 1 and the
 * generator (all its threads) on core 0; the servers run one after the other, never together.
 * One line per step and server:
 *
 *   forwarded packets/s, server CPU µs per forwarded packet (utime+stime of /proc/<pid>/stat),
 *   server CPU %, generator CPU % (of its core; the step is discarded above 80 %), loss,
 *   delivered frames / sent frames, forwarding delay p50/p99 (first packet of each frame, from
 *   the publisher's send time), server RSS.
 *
 * Each line also gives the share of the server's and the generator's cores that other
 * processes took (a window above 20 % is measured again, and marked "(contended)" if it stays
 * so), the machine's UDP buffer overflows and, for buzzd, its own send drops.
 *
 * Quality breaks when delivered frames < 90 % of sent or loss > 1 %. Then a summary line per
 * server and one "ratio" line per figure, buzzd / janus: streams and forwarded packets per
 * server core, delay and RSS at each one's last good step; CPU µs per forwarded packet, CPU,
 * loss, frames, delay and RSS at the largest step both passed.
 *
 * Both shapes print the same per-step line (mesh: "n=N streams=S" where fanout has "subs=M"),
 * the same summary and ratio lines; per-core figures are per forwarded stream, and the common
 * step of the ratios is the same M (fanout) or N (mesh).
 *
 *   sfu-bench --clip FILE.ivf [--shape fanout|mesh] [--steps 1,4,16,...] [--seconds S]
 *             [--fps N] [--cap BITS] [--servers buzzd,janus] [--buzzd PATH]
 *             [--janus-libdir DIR]
 */
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
#include "buzzd_proc.h"
#include "buzzd_sig.h"
#include "clip.h"
#include "http.h"
#include "janus_api.h"
#include "janus_proc.h"
#include "janus_sig.h"
#include "media.h"
#include "probe.h"

#ifndef JANUS_LIBDIR
#define JANUS_LIBDIR "/usr/lib/x86_64-linux-gnu/janus"
#endif

#define MAX_SUBS 2048
#define MAX_MESH 64 /* participants: the Janus room's `publishers` */

typedef struct opts {
  const char *clip, *libdir, *buzzd;
  int steps[32], n_steps;
  int seconds, fps, cap;
  int run_buzzd, run_janus;
  int mesh; /* --shape mesh: the N×N meeting; else the 1 → M fan-out */
} opts;

/* One step's figures. */
typedef struct step {
  int subs;    /* fan-out: subscribers; mesh: participants N */
  int streams; /* forwarded streams: subs (fan-out), N × (N − 1) (mesh) */
  double pps, us_per_fwd, cpu_frac, loss, fps_pct, p50, p99, rss;
  unsigned long long rcvbuf_err, sndbuf_err; /* in the window, machine-wide */
  long long tx_dropped;                      /* buzzd's, in the window; -1 for Janus */
  int ok;
  const char *verdict; /* "ok", "broken", each maybe "(contended)"; "discarded(...)" */
} step;

/* One server's run. */
typedef struct server {
  const char *name; /* "buzzd" or "janus" */
  int pid;
  int http_port; /* buzzd's (for /metrics); 0 for Janus */
  media *m;
  janus_api *j;
  uint64_t feed;
  buzz_sig *b;
  step steps[32];
  int n_steps, last_ok;  /* index into steps of the last good one, -1 if none */
  int webrtcup, hangups; /* Janus's events, counted over the run */
} server;

typedef struct sample {
  double wall, server_cpu, gen_cpu;          /* seconds */
  double server_core_busy, gen_core_busy;    /* seconds the two cores were busy (core_busy) */
  unsigned long long rcvbuf_err, sndbuf_err; /* /proc/net/snmp Udp RcvbufErrors, SndbufErrors */
  long long tx_dropped;                      /* buzzd: buzz_rtc_tx_dropped_total, -1 = none */
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

static int server_core = -1, gen_core = -1; /* where the server and the generator are pinned */

static void take(sample *s, int pid, int buzzd_http) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  s->wall = mono();
  s->server_cpu = probe_cpu(pid);
  s->gen_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
               ru.ru_stime.tv_usec / 1e6;
  s->server_core_busy = probe_core_busy(server_core);
  s->gen_core_busy = probe_core_busy(gen_core);
  probe_udp_errors(&s->rcvbuf_err, &s->sndbuf_err);
  s->tx_dropped = probe_buzzd_tx_dropped(buzzd_http);
}

static int parse_opts(int argc, char **argv, opts *o) {
  memset(o, 0, sizeof *o);
  o->libdir = JANUS_LIBDIR;
  o->seconds = 5;
  o->fps = 30;
  o->cap = 2000000;
  o->buzzd = "build/buzzd";
  o->run_buzzd = o->run_janus = 1;
  const char *steps = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--clip"))
      o->clip = argv[i + 1];
    else if (!strcmp(argv[i], "--steps"))
      steps = argv[i + 1];
    else if (!strcmp(argv[i], "--seconds"))
      o->seconds = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--fps"))
      o->fps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--cap"))
      o->cap = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--shape") && !strcmp(argv[i + 1], "mesh"))
      o->mesh = 1;
    else if (!strcmp(argv[i], "--shape") && !strcmp(argv[i + 1], "fanout"))
      o->mesh = 0;
    else if (!strcmp(argv[i], "--janus-libdir"))
      o->libdir = argv[i + 1];
    else if (!strcmp(argv[i], "--buzzd"))
      o->buzzd = argv[i + 1];
    else if (!strcmp(argv[i], "--servers")) {
      o->run_buzzd = strstr(argv[i + 1], "buzzd") != NULL;
      o->run_janus = strstr(argv[i + 1], "janus") != NULL;
    } else
      return -1;
  }
  if (!steps)
    steps = o->mesh ? "2,3,4,6,8,10,12,16,20,24,32,40,48,56,64" : "1,4,16,32,64,128,256,384,512";
  for (const char *s = steps; *s && o->n_steps < 32;) {
    int v = atoi(s);
    if (v < (o->mesh ? 2 : 1) || v > (o->mesh ? MAX_MESH : MAX_SUBS)) return -1;
    o->steps[o->n_steps++] = v;
    const char *c = strchr(s, ',');
    if (!c) break;
    s = c + 1;
  }
  return o->clip && o->n_steps && (o->run_buzzd || o->run_janus) && o->seconds > 0 && o->fps > 0 &&
                 o->fps <= 120
             ? 0
             : -1;
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

static int server_subscribers(server *sv, mpeer *pub, mpeer **subs, int have, int target) {
  return sv->b ? bsig_subscribers(sv->b, sv->m, pub, subs, have, target)
               : jsig_subscribers(sv->j, sv->m, pub, sv->feed, subs, have, target);
}

#define CONTENDED_PCT 20 /* others' use of a core (% of the window) above which it is retried */
#define TRIES 4          /* windows per step at most while contended, 3 s apart */
#define TRIES_BROKEN 12  /* the same when a contended window broke */

/* One measurement window of o->seconds with `have` subscribers (participants) and `streams`
 * received streams into r. Returns the verdict. */
static const char *measure(server *sv, const opts *o, int have, int streams, step *r,
                           double *gen_pct, double *swait, double *gwait, media_stats *st) {
  sample a, b;
  media_window_begin(sv->m);
  take(&a, sv->pid, sv->http_port);
  sleep_s(o->seconds);
  take(&b, sv->pid, sv->http_port);
  media_window_end(sv->m, st);
  double wall = b.wall - a.wall, scpu = b.server_cpu - a.server_cpu, gcpu = b.gen_cpu - a.gen_cpu;
  r->subs = have;
  r->streams = streams;
  r->pps = st->rx_packets / st->seconds;
  uint64_t lost = st->expected > st->rx_packets ? st->expected - st->rx_packets : 0;
  r->loss = st->expected ? 100.0 * (double)lost / (double)st->expected : 100.0;
  /* Each stream against what its own publisher sent (fan-out: frames_sent × subscribers). */
  r->fps_pct = st->frames_expected ? 100.0 * st->frames_rx / (double)st->frames_expected : 0;
  r->us_per_fwd = st->rx_packets ? 1e6 * scpu / st->rx_packets : 0;
  r->cpu_frac = scpu / wall;
  r->p50 = st->delay_p50_ms;
  r->p99 = st->delay_p99_ms;
  r->rss = probe_rss_mb(sv->pid);
  r->rcvbuf_err = b.rcvbuf_err - a.rcvbuf_err;
  r->sndbuf_err = b.sndbuf_err - a.sndbuf_err;
  r->tx_dropped = a.tx_dropped >= 0 && b.tx_dropped >= 0 ? b.tx_dropped - a.tx_dropped : -1;
  *gen_pct = 100.0 * gcpu / wall;
  /* Other tenants' share of each core: its busy time less our own process's. */
  *swait = server_core < 0 ? 0 : 100.0 * (b.server_core_busy - a.server_core_busy - scpu) / wall;
  *gwait = gen_core < 0 ? 0 : 100.0 * (b.gen_core_busy - a.gen_core_busy - gcpu) / wall;
  int contended = *swait > CONTENDED_PCT || *gwait > CONTENDED_PCT;
  if (*gen_pct > 80) return "discarded(generator>80%)";
  if (r->fps_pct < 90 || r->loss > 1) return contended ? "broken(contended)" : "broken";
  return contended ? "ok(contended)" : "ok";
}

/* Measures one step whose peers are up and prints its line; returns whether it was good.
 * The machine may be shared: a window in which other processes used more than
 * CONTENDED_PCT % of the server's or the generator's core measured the neighbours as much as
 * the server, so it is measured again, up to TRIES windows 3 s apart (TRIES_BROKEN when one
 * broke), and the least contended one is kept; if even that one was contended, its verdict
 * says so ("ok(contended)", "broken(contended)"): read those figures as upper bounds of the
 * cost and lower bounds of the capacity. */
static int measure_step(server *sv, const opts *o, int have, int streams, double setup) {
  step *r = &sv->steps[sv->n_steps++];
  const char *verdict = "";
  double gen_pct = 0, swait = 0, gwait = 0, load[1] = {0};
  media_stats st = {0};
  int tries = 0;
  double best = 1e9;
  int limit = TRIES;
  while (tries++ < limit) {
    step t;
    media_stats ts;
    double g, sw, gw;
    const char *v = measure(sv, o, have, streams, &t, &g, &sw, &gw, &ts);
    double worst = sw > gw ? sw : gw;
    if (worst < best) {
      best = worst;
      *r = t, st = ts, gen_pct = g, swait = sw, gwait = gw, verdict = v;
    }
    if (!strstr(v, "contended")) break;
    /* A break seen only under contention would end the run on the neighbours' account: wait
     * longer for a quiet window before believing it. */
    if (!strncmp(v, "broken", 6)) limit = TRIES_BROKEN;
    if (tries < limit) sleep_s(3);
  }
  getloadavg(load, 1);
  r->ok = !strncmp(verdict, "ok", 2);
  r->verdict = verdict;
  char what[64];
  if (o->mesh)
    snprintf(what, sizeof what, "mesh n=%d streams=%d", have, streams);
  else
    snprintf(what, sizeof what, "fanout subs=%d", have);
  printf(
      "sfu-bench %s %s fwd_pps=%.0f cpu_us_per_fwd=%.2f server_cpu_pct=%.1f "
      "gen_cpu_pct=%.1f loss_pct=%.3f frames_delivered_pct=%.1f delay_p50_ms=%.2f "
      "delay_p99_ms=%.2f rss_mb=%.1f plis=%llu plis_total=%llu silent=%d setup_s=%.1f "
      "others_on_server_core_pct=%.1f others_on_gen_core_pct=%.1f loadavg=%.1f windows=%d "
      "udp_rcvbuf_errors=%llu udp_sndbuf_errors=%llu server_tx_dropped=%lld verdict=%s\n",
      sv->name, what, r->pps, r->us_per_fwd, 100.0 * r->cpu_frac, gen_pct, r->loss, r->fps_pct,
      r->p50, r->p99, r->rss, (unsigned long long)st.plis, (unsigned long long)st.plis_total,
      st.silent, setup, swait, gwait, load[0], tries > limit ? limit : tries, r->rcvbuf_err,
      r->sndbuf_err, r->tx_dropped, verdict);
  fflush(stdout);
  if (r->ok) sv->last_ok = sv->n_steps - 1;
  return r->ok;
}

/* The fan-out steps against one started server whose publisher is connected; the run goes
 * on while the quality is ok. */
static void run_steps(server *sv, const opts *o, mpeer *pub, mpeer **subs) {
  int have = 0;
  sv->last_ok = -1;
  for (int s = 0; s < o->n_steps; s++) {
    int target = o->steps[s];
    double t0 = mono();
    have = server_subscribers(sv, pub, subs, have, target);
    if (have < target) {
      printf("sfu-bench %s fanout subs=%d setup failed after %d connected (%.1f s)\n", sv->name,
             target, have, mono() - t0);
      break;
    }
    double setup = mono() - t0;
    sleep_s(1.5); /* the new receivers' first keyframe */
    if (sv->b) bsig_drain(sv->b);
    if (!measure_step(sv, o, have, have, setup)) break;
  }
}

/* Streams per server core: the last good step's receivers over the share of a core the server
 * used for them (a linear extrapolation to 100 % of the core). */
static void summary(const server *sv, int mesh) {
  const step *r = sv->last_ok >= 0 ? &sv->steps[sv->last_ok] : NULL;
  const step *end = sv->n_steps ? &sv->steps[sv->n_steps - 1] : NULL;
  /* How the run ended: at a broken step (the break point), a discarded one (the generator's
   * limit), or with every step passed (none reached). */
  const char *ended = !end ? "no_step" : end->ok ? "every_step_passed" : end->verdict;
  if (mesh)
    printf("sfu-bench %s mesh summary last_ok_n=%d last_ok_streams=%d", sv->name, r ? r->subs : 0,
           r ? r->streams : 0);
  else
    printf("sfu-bench %s fanout summary last_ok_subs=%d", sv->name, r ? r->subs : 0);
  printf(
      " last_ok_fwd_pps=%.0f server_cpu_at_last_ok=%.1f%% streams_per_core=%.0f "
      "fwd_pps_per_core=%.0f ended=%s",
      r ? r->pps : 0, r ? 100 * r->cpu_frac : 0,
      r && r->cpu_frac > 0 ? r->streams / r->cpu_frac : 0,
      r && r->cpu_frac > 0 ? r->pps / r->cpu_frac : 0, ended);
  if (!strcmp(sv->name, "janus")) printf(" webrtcup=%d hangups=%d", sv->webrtcup, sv->hangups);
  printf("\n");
}

static double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

/* One line per figure: both values and buzzd / janus. */
static void ratio_line(const char *figure, const char *at, double bz, double ja) {
  printf("sfu-bench ratio figure=%s buzzd=%.3f janus=%.3f buzzd/janus=%.3f at=%s\n", figure, bz, ja,
         ratio(bz, ja), at);
}

/* buzzd / janus: per-core figures at each one's last good step; the per-packet, quality and
 * memory figures at the largest step both passed (the same number of subscribers), preferring
 * one where neither window was contended. */
static void ratios(const server *bz, const server *ja, int mesh) {
  if (bz->last_ok < 0 || ja->last_ok < 0) {
    printf("sfu-bench ratio none (a server passed no step)\n");
    return;
  }
  const step *b = &bz->steps[bz->last_ok], *j = &ja->steps[ja->last_ok];
  char at[96];
  snprintf(at, sizeof at, "last_good_steps(buzzd=%d,janus=%d)", b->subs, j->subs);
  ratio_line("streams_per_core", at, b->streams / b->cpu_frac, j->streams / j->cpu_frac);
  ratio_line("fwd_pps_per_core", at, b->pps / b->cpu_frac, j->pps / j->cpu_frac);
  ratio_line("delay_p50_ms", at, b->p50, j->p50);
  ratio_line("delay_p99_ms", at, b->p99, j->p99);
  ratio_line("rss_mb", at, b->rss, j->rss);
  const step *cb = NULL, *cj = NULL;
  for (int clean = 1; clean >= 0 && !cb; clean--)
    for (int i = 0; i <= bz->last_ok; i++)
      for (int k = 0; k <= ja->last_ok; k++) {
        const step *x = &bz->steps[i], *y = &ja->steps[k];
        int both_clean = !strcmp(x->verdict, "ok") && !strcmp(y->verdict, "ok");
        if (x->subs == y->subs && (!clean || both_clean)) cb = x, cj = y;
      }
  if (!cb) return;
  snprintf(at, sizeof at, "%s=%d%s", mesh ? "n" : "subs", cb->subs,
           strcmp(cb->verdict, "ok") || strcmp(cj->verdict, "ok") ? "(contended)" : "");
  ratio_line("cpu_us_per_fwd", at, cb->us_per_fwd, cj->us_per_fwd);
  ratio_line("server_cpu_pct", at, 100 * cb->cpu_frac, 100 * cj->cpu_frac);
  ratio_line("loss_pct", at, cb->loss, cj->loss);
  ratio_line("frames_delivered_pct", at, cb->fps_pct, cj->fps_pct);
  ratio_line("delay_p50_ms", at, cb->p50, cj->p50);
  ratio_line("delay_p99_ms", at, cb->p99, cj->p99);
  ratio_line("rss_mb", at, cb->rss, cj->rss);
}

/* Starts buzzd, connects its publisher, runs the steps, stops it. 0 or -1. */
static int run_buzzd(server *sv, const opts *o, const clip *c, int cpu, int max_subs) {
  buzzd_proc bp;
  memset(sv, 0, sizeof *sv);
  sv->name = "buzzd";
  sv->last_ok = -1;
  mpeer *pub = NULL, **subs = calloc(MAX_SUBS, sizeof *subs);
  int rc = -1;
  if (!subs) return -1;
  if (buzzd_proc_start(&bp, o->buzzd, max_subs + 8, cpu) < 0) {
    fprintf(stderr, "sfu-bench: buzzd did not start (log in %s)\n", bp.dir);
    setenv("SFU_BENCH_KEEP", "1", 1);
    goto out;
  }
  sv->pid = bp.pid;
  sv->http_port = bp.http_port;
  /* buzzd announces its listen host (127.0.0.1) in its candidate; loopback works for it. */
  if (media_create(&sv->m, c, o->fps, "127.0.0.1") < 0 || bsig_open(&sv->b, bp.http_port) < 0 ||
      bsig_publisher(sv->b, sv->m, o->cap, &pub) < 0) {
    fprintf(stderr, "sfu-bench: buzzd publisher setup failed (log in %s)\n", bp.dir);
    setenv("SFU_BENCH_KEEP", "1", 1);
    goto out;
  }
  printf("sfu-bench buzzd publisher connected srtp=%s rtc_workers=1 pid=%d\n",
         media_peer_profile(pub), bp.pid);
  fflush(stdout);
  run_steps(sv, o, pub, subs);
  rc = 0;
out:
  media_destroy(sv->m); /* before the signaling: no media to a server that drops transports */
  sv->m = NULL;
  bsig_close(sv->b);
  sv->b = NULL;
  buzzd_proc_stop(&bp);
  free(subs);
  return rc;
}

/* The same for Janus. */
static int run_janus(server *sv, const opts *o, const clip *c, int cpu, const char *ip) {
  janus_proc jp;
  memset(sv, 0, sizeof *sv);
  sv->name = "janus";
  sv->last_ok = -1;
  mpeer *pub = NULL, **subs = calloc(MAX_SUBS, sizeof *subs);
  int rc = -1;
  if (!subs) return -1;
  if (janus_proc_start(&jp, o->libdir, o->cap, cpu) < 0) {
    fprintf(stderr, "sfu-bench: janus did not start (log in %s)\n", jp.dir);
    setenv("SFU_BENCH_KEEP", "1", 1);
    goto out;
  }
  sv->pid = jp.pid;
  if (media_create(&sv->m, c, o->fps, ip) < 0 || japi_open(&sv->j, jp.http_port) < 0 ||
      jsig_publisher(sv->j, sv->m, o->cap, 0, &pub, &sv->feed) < 0) {
    fprintf(stderr, "sfu-bench: janus publisher setup failed (janus log in %s)\n", jp.dir);
    setenv("SFU_BENCH_KEEP", "1", 1);
    goto out;
  }
  printf("sfu-bench janus publisher connected srtp=%s pid=%d\n", media_peer_profile(pub), jp.pid);
  fflush(stdout);
  run_steps(sv, o, pub, subs);
  japi_counts(sv->j, &sv->webrtcup, &sv->hangups);
  summary(sv, 0);
  rc = 0;
out:
  japi_close(sv->j);
  sv->j = NULL;
  media_destroy(sv->m);
  sv->m = NULL;
  janus_proc_stop(&jp);
  free(subs);
  return rc;
}

/* ---- the N×N meeting ---- */

/* One mesh step against a freshly started server: n participants publish, then each
 * subscribes to the other n − 1 (buzzd_sig.h, janus_sig.h). Each step starts the server
 * anew, so a step's CPU, RSS and delay are those of a settled n-participant meeting, not of
 * the joins and leaves before it. Returns 1 when the step was good, 0 when it broke, -1 when
 * it could not be set up. */
static int mesh_step(server *sv, const opts *o, const clip *c, int cpu, const char *ip, int n,
                     int first) {
  mpeer **pubs = calloc((size_t)n, sizeof *pubs), **subs = calloc((size_t)n, sizeof *subs);
  uint64_t *feeds = calloc((size_t)n, sizeof *feeds);
  buzzd_proc bp = {.pid = -1};
  janus_proc jp = {.pid = -1};
  int rc = -1, is_buzzd = !strcmp(sv->name, "buzzd");
  double t0 = mono();
  if (!pubs || !subs || !feeds) goto out;
  if (is_buzzd ? buzzd_proc_start(&bp, o->buzzd, n + 8, cpu)
               : janus_proc_start(&jp, o->libdir, o->cap, cpu)) {
    fprintf(stderr, "sfu-bench: %s did not start (log in %s)\n", sv->name,
            is_buzzd ? bp.dir : jp.dir);
    goto keep;
  }
  sv->pid = is_buzzd ? bp.pid : jp.pid;
  sv->http_port = is_buzzd ? bp.http_port : 0;
  /* buzzd announces its listen host (127.0.0.1); Janus needs the host's address (media_address). */
  if (media_create(&sv->m, c, o->fps, is_buzzd ? "127.0.0.1" : ip) < 0) goto keep;
  if (is_buzzd) {
    if (bsig_open(&sv->b, bp.http_port) < 0 || bsig_mesh(sv->b, sv->m, n, pubs, subs) < 0)
      goto keep;
  } else {
    if (japi_open(&sv->j, jp.http_port) < 0) goto keep;
    for (int k = 0; k < n; k++)
      if (jsig_publisher(sv->j, sv->m, o->cap, k, &pubs[k], &feeds[k]) < 0) goto keep;
    if (jsig_mesh_subscribers(sv->j, sv->m, n, pubs, feeds, subs) < 0) goto keep;
  }
  double setup = mono() - t0;
  if (first) {
    printf("sfu-bench %s mesh connected n=%d srtp=%s pid=%d\n", sv->name, n,
           media_peer_profile(subs[0]), sv->pid);
    fflush(stdout);
  }
  sleep_s(2.5); /* every receiver's first keyframe (the clip has one every 2 s) */
  if (sv->b) bsig_drain(sv->b);
  rc = measure_step(sv, o, n, n * (n - 1), setup);
  goto out;
keep:
  printf("sfu-bench %s mesh n=%d setup failed (%.1f s)\n", sv->name, n, mono() - t0);
  fflush(stdout);
  setenv("SFU_BENCH_KEEP", "1", 1);
out:
  if (sv->j) {
    int up, hang;
    japi_counts(sv->j, &up, &hang);
    sv->webrtcup += up, sv->hangups += hang;
  }
  media_destroy(sv->m); /* before the signaling: no media to a server that drops transports */
  sv->m = NULL;
  bsig_close(sv->b);
  sv->b = NULL;
  japi_close(sv->j);
  sv->j = NULL;
  if (is_buzzd)
    buzzd_proc_stop(&bp);
  else
    janus_proc_stop(&jp);
  free(pubs);
  free(subs);
  free(feeds);
  return rc;
}

/* The mesh steps through one server, N up until quality breaks. */
static void run_mesh(server *sv, const char *name, const opts *o, const clip *c, int cpu,
                     const char *ip) {
  memset(sv, 0, sizeof *sv);
  sv->name = name;
  sv->last_ok = -1;
  for (int s = 0; s < o->n_steps; s++)
    if (mesh_step(sv, o, c, cpu, ip, o->steps[s], s == 0) != 1) break;
  summary(sv, 1);
}

int main(int argc, char **argv) {
  static opts o;
  if (parse_opts(argc, argv, &o) < 0) {
    fprintf(stderr,
            "usage: sfu-bench --clip FILE.ivf [--shape fanout|mesh] [--steps 1,4,16] [--seconds S] "
            "[--fps N] "
            "[--cap BITS] [--servers buzzd,janus] [--buzzd PATH] [--janus-libdir DIR]\n");
    return 2;
  }
  clip c;
  if (clip_load(o.clip, &c) < 0) {
    fprintf(stderr, "sfu-bench: %s: not a VP8 IVF file\n", o.clip);
    return 1;
  }
  int two = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  if (two) {
    pin_self(0);
    gen_core = 0;
    server_core = 1;
  }
  printf("sfu-bench clip=%dx%d frames=%d kbps=%.0f fps=%d cap_bps=%d pinned=%s\n", c.width,
         c.height, c.n, c.bytes * 8.0 * o.fps / c.n / 1000, o.fps, o.cap,
         two ? "server:1,generator:0" : "no");
  fflush(stdout);
  char ip[INET_ADDRSTRLEN];
  if (o.run_janus && media_address(ip) < 0) {
    fprintf(stderr, "sfu-bench: no IPv4 address for the media sockets (set SFU_BENCH_IP)\n");
    return 1;
  }
  int max_subs = 0;
  for (int i = 0; i < o.n_steps; i++)
    if (o.steps[i] > max_subs) max_subs = o.steps[i];
  static server bz, ja;
  int rc = 0;
  if (o.mesh) {
    if (o.run_buzzd) run_mesh(&bz, "buzzd", &o, &c, two ? 1 : -1, ip);
    if (o.run_janus) run_mesh(&ja, "janus", &o, &c, two ? 1 : -1, ip);
    rc = (o.run_buzzd && bz.last_ok < 0) || (o.run_janus && ja.last_ok < 0);
  } else {
    if (o.run_buzzd && run_buzzd(&bz, &o, &c, two ? 1 : -1, max_subs) < 0) rc = 1;
    if (o.run_buzzd) summary(&bz, 0);
    if (o.run_janus && run_janus(&ja, &o, &c, two ? 1 : -1, ip) < 0) rc = 1;
  }
  if (o.run_buzzd && o.run_janus) ratios(&bz, &ja, o.mesh);
  clip_free(&c);
  return rc;
}
