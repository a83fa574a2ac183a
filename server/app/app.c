/* buzzd's lifecycle: start, tick, signals, ordered shutdown (see app.h). */
#include "app/app.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "app/loop_lag.h"
#include "app/offload.h"
#include "net/net.h"
#include "rtc/rtc.h"
#include "rtc/rtc_sig.h"
#include "store/store.h"
#include "util/log.h"

/* How long the shutdown waits for clients to take their close frame and hang up. */
#define DRAIN_MS 1000
#define DRAIN_POLL_MS 25

typedef struct app {
  uv_loop_t loop;
  uv_signal_t sigint, sigterm;
  uv_timer_t tick, drain;
  bz_loop_lag lag;
  uint64_t drain_start;
  int stopping; /* 1 = draining, 2 = network closed */
  int loop_closed;
  int start_failed; /* the network could not start: skip the drain (see loop_drain_close) */
  sig_ctx *sig;
  net_server *net;
  rtc *rtc; /* the media workers, driven by sig for rooms in SFU mode */
} app;

static void tick_cb(uv_timer_t *t) {
  app *a = t->data;
  sig_tick(a->sig);
}

/* Stops our own handles and the network; uv_run returns once lws has let go of the loop. */
static void app_finish(app *a) {
  if (a->stopping == 2) return;
  a->stopping = 2;
  uv_timer_stop(&a->tick);
  uv_timer_stop(&a->drain);
  uv_close((uv_handle_t *)&a->tick, NULL);
  uv_close((uv_handle_t *)&a->drain, NULL);
  bz_loop_lag_stop(&a->lag);
  uv_close((uv_handle_t *)&a->sigint, NULL);
  uv_close((uv_handle_t *)&a->sigterm, NULL);
  rtc_destroy(a->rtc); /* joins the workers; its last handle closes as the loop runs dry */
  a->rtc = NULL;
  BZ_INFO("shutdown_close", "ws_open=%d", net_server_ws_count(a->net));
  net_server_close(a->net);
}

static void drain_cb(uv_timer_t *t) {
  app *a = t->data;
  if (net_server_ws_count(a->net) == 0 || uv_now(&a->loop) - a->drain_start >= DRAIN_MS)
    app_finish(a);
}

static void signal_cb(uv_signal_t *h, int signum) {
  app *a = h->data;
  BZ_INFO("shutdown", "signal=%s ws_open=%d", signum == SIGINT ? "INT" : "TERM",
          net_server_ws_count(a->net));
  if (a->stopping) { /* a second signal: stop waiting */
    app_finish(a);
    return;
  }
  a->stopping = 1;
  sig_shutdown(a->sig); /* close 1001 to every client, queued behind what they already have */
  a->drain_start = uv_now(&a->loop);
  uv_timer_start(&a->drain, drain_cb, DRAIN_POLL_MS, DRAIN_POLL_MS);
}

/* <dir of the executable>/<rel>, so buzzd finds web/ and assets/ from any cwd. */
static char *exe_relative(const char *rel) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return strdup(rel);
  exe[n] = '\0';
  char *out = NULL;
  if (asprintf(&out, "%s/%s", dirname(exe), rel) < 0) return NULL;
  char *real = realpath(out, NULL); /* tidier logs; a missing directory stays as it is */
  if (!real) return out;
  free(out);
  return real;
}

static int make_dirs(const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
      *p = '/';
    }
  return (mkdir(buf, 0755) < 0 && errno != EEXIST) ? -1 : 0;
}

static int open_store(const bz_config *cfg, bz_store **st) {
  if (make_dirs(cfg->data_dir) < 0) {
    BZ_ERROR("start_failed", "data_dir=%s reason=\"%s\"", cfg->data_dir, strerror(errno));
    return -1;
  }
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/buzz.db", cfg->data_dir);
  int rc = bz_store_open(st, path);
  if (rc < 0) {
    BZ_ERROR("start_failed", "db=%s reason=\"%s\"", path, bz_store_strerror(rc));
    return -1;
  }
  return 0;
}

/* The media workers' counters for /metrics (net calls this on the control thread). */
static char *rtc_metrics(void *user) {
  app *a = user;
  if (!a->rtc) return NULL;
  for (size_t cap = 16384; cap <= (1u << 22); cap *= 2) {
    char *buf = malloc(cap);
    size_t len = 0;
    if (!buf) return NULL;
    if (rtc_metrics_text(a->rtc, buf, cap, &len) == 0) return buf;
    free(buf);
  }
  return NULL;
}

static int start_net(app *a, const bz_config *cfg, const char *web, const char *assets) {
  net_options o = {
      .host = cfg->host,
      .port = cfg->port,
      .tls_cert = cfg->tls_cert,
      .tls_key = cfg->tls_key,
      .web_dir = web,
      .assets_dir = assets,
      .assets_url = cfg->assets_url,
      .max_message_bytes = cfg->limits.max_message_bytes,
      .sendq_max_msgs = (size_t)cfg->send_queue_max_msgs,
      .sendq_max_bytes = (size_t)cfg->send_queue_max_bytes,
      .room_create_per_min = cfg->room_create_per_min,
      .room_create_burst = cfg->room_create_burst,
      .max_connections = cfg->max_connections,
      .max_conns_per_addr = cfg->max_conns_per_addr,
      .max_ws_per_addr = cfg->max_ws_per_addr,
      .trust_proxy = cfg->trust_proxy,
      .http_timeout_s = cfg->http_timeout_s,
      .keepalive_timeout_s = cfg->keepalive_timeout_s,
      .loop_lag = &a->lag.hist,
      .more_metrics = rtc_metrics,
      .more_metrics_user = a,
  };
  int rc = net_server_create(&a->net, &a->loop, &o, a->sig);
  if (rc < 0) {
    BZ_ERROR("start_failed", "host=%s port=%d reason=%s", cfg->host, cfg->port,
             rc == NET_ETLS ? "tls_or_listen_failed" : "listen_failed");
    return -1;
  }
  BZ_INFO("listen", "addr=%s://%s:%d web_dir=%s assets_dir=%s assets_url=%s data_dir=%s",
          cfg->tls_cert ? "https" : "http", cfg->host, net_server_port(a->net), web, assets,
          cfg->assets_url, cfg->data_dir);
  return 0;
}

static void on_rtc_event(void *user, const rtc_event *ev) {
  app *a = user;
  BZ_DEBUG("rtc_event", "type=%d worker=%d transport=%llu addr=%s", (int)ev->type, ev->worker,
           (unsigned long long)ev->transport_id, ev->addr[0] ? ev->addr : "-");
  /* rtc_destroy runs before sig_ctx_destroy: sig is alive whenever rtc calls. */
  if (ev->type == RTC_EV_SPEAKER && a->sig) sig_media_speaker(a->sig, ev->transport_id);
  if (ev->type == RTC_EV_LASTN && a->sig)
    sig_media_lastn(a->sig, ev->transport_id, ev->groups, ev->n_groups);
}

/* The media workers: UDP sockets on the same host as HTTP, ports from --rtc-port. */
static int start_rtc(app *a, const bz_config *cfg) {
  rtc_options o = {
      .host = cfg->host,
      .port = cfg->rtc_port,
      .announced_ip = cfg->announced_ip,
      .workers = cfg->rtc_workers,
      .control_loop = &a->loop,
      .on_event = on_rtc_event,
      .user = a,
  };
  int rc = rtc_create(&a->rtc, &o);
  if (rc < 0) {
    BZ_ERROR("start_failed", "rtc_port=%d reason=\"rtc: %s\"", cfg->rtc_port, rtc_strerror(rc));
    return -1;
  }
  return 0;
}

static void start_handles(app *a) {
  uv_signal_init(&a->loop, &a->sigint);
  uv_signal_init(&a->loop, &a->sigterm);
  uv_timer_init(&a->loop, &a->tick);
  uv_timer_init(&a->loop, &a->drain);
  a->sigint.data = a->sigterm.data = a->tick.data = a->drain.data = a;
  uv_signal_start(&a->sigint, signal_cb, SIGINT);
  uv_signal_start(&a->sigterm, signal_cb, SIGTERM);
  uv_timer_start(&a->tick, tick_cb, 1000, 1000);
  bz_loop_lag_start(&a->lag, &a->loop);
}

/* Runs the loop dry (lws finishes its teardown there), then closes it. Idempotent. */
static void loop_drain_close(app *a) {
  if (a->loop_closed) return;
  a->loop_closed = 1;
  if (a->start_failed) {
    /* lws 4.1 tears a half-created context down by unloading its libuv plugin while uv close
     * callbacks into that plugin are still pending: running the loop now would jump into
     * unmapped code. The process is about to exit 1, so leave the loop as it is. */
    return;
  }
  uv_run(&a->loop, UV_RUN_DEFAULT);
  net_server_free(a->net);
  a->net = NULL;
  if (uv_loop_close(&a->loop) == UV_EBUSY) {
    uv_run(&a->loop, UV_RUN_NOWAIT);
    if (uv_loop_close(&a->loop) == UV_EBUSY) BZ_WARN("shutdown", "loop_busy=1");
  }
}

/* sig + network on an open store; returns the exit status. */
static int run_server(app *a, const bz_config *cfg, bz_store *st, const char *web,
                      const char *assets) {
  sig_transport tp;
  sig_turn turn = {.uri = cfg->turn_uri, .secret = cfg->turn_secret, .ttl_s = cfg->turn_ttl_s};
  net_transport(&tp, &a->loop);
  tp.offload = bz_offload; /* ctx_user is the loop */
  int rc = sig_ctx_create(&a->sig, &cfg->limits, &turn, &tp, st);
  if (rc < 0) {
    BZ_ERROR("start_failed", "reason=\"sig: %s\"", sig_strerror(rc));
    return 1;
  }
  rc = start_rtc(a, cfg);
  if (rc == 0) {
    sig_media media; /* SFU rooms drive the workers (docs/architecture.md, "SFU") */
    rtc_sig_media(&a->rtc, &media);
    sig_ctx_set_media(a->sig, &media);
    rc = start_net(a, cfg, web, assets);
    a->start_failed = rc != 0;
    if (rc != 0) {
      rtc_destroy(a->rtc);
      a->rtc = NULL;
    }
  }
  if (rc == 0) {
    start_handles(a);
    uv_run(&a->loop, UV_RUN_DEFAULT);
  }
  /* Every connection reaches sig_conn_closed during the drain, so sig goes last. */
  loop_drain_close(a);
  sig_ctx_destroy(a->sig);
  a->sig = NULL;
  return rc == 0 ? 0 : 1;
}

int bz_app_run(const bz_config *cfg) {
  static app a; /* one per process; static so signal callbacks never outlive it */
  memset(&a, 0, sizeof a);
  bz_log_set_level(cfg->log_level);
  signal(SIGPIPE, SIG_IGN);
  char *web = cfg->web_dir ? strdup(cfg->web_dir) : exe_relative("../web");
  char *assets = cfg->assets_dir ? strdup(cfg->assets_dir) : exe_relative("assets");
  int rc = 1;
  if (web && assets && uv_loop_init(&a.loop) == 0) {
    bz_store *st = NULL;
    if (open_store(cfg, &st) == 0) {
      rc = run_server(&a, cfg, st, web, assets);
      bz_store_close(st); /* checkpoints the WAL */
    }
    loop_drain_close(&a);
  }
  BZ_INFO("exit", "status=%d", rc);
  free(web);
  free(assets);
  return rc;
}
