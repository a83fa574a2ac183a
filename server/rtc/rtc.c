/* The control-thread side of the media plane: create / destroy, commands, events (see rtc.h). */
#include "rtc/rtc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rtc/rtc_int.h"
#include "util/log.h"

const char *rtc_strerror(int err) {
  switch (err) {
    case 0:
      return "ok";
    case RTC_EARG:
      return "bad argument";
    case RTC_ENOMEM:
      return "out of memory";
    case RTC_EBIND:
      return "cannot bind the UDP port";
    case RTC_ECRYPTO:
      return "crypto setup failed";
    case RTC_ETHREAD:
      return "cannot start a worker thread";
    default:
      return "unknown error";
  }
}

/* ---- queues ---- */

int rtc__queue_init(rtc__queue *q) {
  q->head = q->tail = NULL;
  return uv_mutex_init(&q->lock) == 0 ? 0 : RTC_ENOMEM;
}

void rtc__queue_push(rtc__queue *q, rtc__msg *m) {
  m->next = NULL;
  uv_mutex_lock(&q->lock);
  if (q->tail)
    q->tail->next = m;
  else
    q->head = m;
  q->tail = m;
  uv_mutex_unlock(&q->lock);
}

rtc__msg *rtc__queue_take_all(rtc__queue *q) {
  uv_mutex_lock(&q->lock);
  rtc__msg *all = q->head;
  q->head = q->tail = NULL;
  uv_mutex_unlock(&q->lock);
  return all;
}

void rtc__queue_free(rtc__queue *q) {
  rtc__msg *m = rtc__queue_take_all(q);
  while (m) {
    rtc__msg *next = m->next;
    free(m);
    m = next;
  }
  uv_mutex_destroy(&q->lock);
}

/* ---- events: worker -> control ---- */

void rtc__emit(rtc__worker *w, const rtc_event *ev) {
  rtc *r = w->owner;
  if (!r->async_ready) return;
  rtc__msg *m = calloc(1, sizeof *m);
  if (!m) return; /* an event lost to OOM; the control side's timeouts still apply */
  m->ev = *ev;
  m->ev.worker = w->index;
  rtc__queue_push(&r->events, m);
  uv_async_send(&r->events_async);
}

static void events_cb(uv_async_t *a) {
  rtc *r = a->data;
  rtc__msg *m = rtc__queue_take_all(&r->events);
  while (m) {
    rtc__msg *next = m->next;
    if (r->o.on_event) r->o.on_event(r->o.user, &m->ev);
    free(m);
    m = next;
  }
}

/* ---- create / destroy ---- */

static int default_workers(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  return n > RTC_MAX_WORKERS ? RTC_MAX_WORKERS : (int)n;
}

static void free_rtc(rtc *r) {
  free(r->workers);
  rtc_dtls_ctx_free(r->dtls);
  rtc_cert_free(r->cert);
  if (r->async_ready) rtc__queue_free(&r->events);
  free(r);
}

static void events_closed(uv_handle_t *h) {
  free_rtc(h->data);
}

/* Stops what was started, frees what was made. */
static void teardown(rtc *r) {
  for (int i = 0; i < r->nworkers; i++) rtc__worker_stop_join(&r->workers[i]);
  if (r->async_ready) {
    uv_close((uv_handle_t *)&r->events_async, events_closed);
    return; /* freed by the close callback on the control loop */
  }
  free_rtc(r);
}

/* For a wildcard listen address without an announced IP: the first IPv4 address of an
 * interface that is up and not loopback (a browser cannot send to 0.0.0.0), else 127.0.0.1. */
static void wildcard_announce(char out[64]) {
  snprintf(out, 64, "127.0.0.1");
  struct ifaddrs *all = NULL;
  if (getifaddrs(&all) != 0) return;
  for (struct ifaddrs *i = all; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
        (i->ifa_flags & IFF_LOOPBACK))
      continue;
    const struct sockaddr_in *a = (const struct sockaddr_in *)i->ifa_addr;
    if (inet_ntop(AF_INET, &a->sin_addr, out, 64)) break;
  }
  freeifaddrs(all);
}

static int check_options(const rtc_options *o, char *host, char *announced) {
  const char *h = o->host ? o->host : "0.0.0.0";
  if (strlen(h) >= 64 || (o->announced_ip && strlen(o->announced_ip) >= 64)) return RTC_EARG;
  if (o->port < 0 || o->port > 65535 || o->workers < 0 || o->workers > RTC_MAX_WORKERS ||
      o->max_transports_per_worker < 0 || o->test_loss_permille > 1000)
    return RTC_EARG;
  snprintf(host, 64, "%s", h);
  snprintf(announced, 64, "%s", o->announced_ip ? o->announced_ip : h);
  if (!o->announced_ip && !strcmp(h, "0.0.0.0")) wildcard_announce(announced);
  return 0;
}

static int start_workers(rtc *r) {
  int n = r->o.workers ? r->o.workers : default_workers();
  if (r->o.port && r->o.port + n - 1 > 65535) return RTC_EARG;
  r->workers = calloc((size_t)n, sizeof *r->workers);
  if (!r->workers) return RTC_ENOMEM;
  for (int i = 0; i < n; i++) {
    int bound = 0, fd = udp_open(r->host, r->o.port ? r->o.port + i : 0, &bound);
    if (fd < 0) {
      BZ_ERROR("rtc_bind_failed", "host=%s port=%d reason=\"%s\"", r->host,
               r->o.port ? r->o.port + i : 0, strerror(-fd));
      return RTC_EBIND;
    }
    int rc = rtc__worker_init(&r->workers[i], r, i, fd, bound);
    if (rc < 0) {
      close(fd);
      return rc;
    }
    r->nworkers = i + 1; /* from here teardown owns the fd */
    if ((rc = rtc__worker_start(&r->workers[i])) < 0) return rc;
  }
  return 0;
}

int rtc_create(rtc **out, const rtc_options *o) {
  *out = NULL;
  if (!o) return RTC_EARG;
  rtc *r = calloc(1, sizeof *r);
  if (!r) return RTC_ENOMEM;
  r->o = *o;
  int rc = check_options(o, r->host, r->announced);
  if (rc == 0 && (rtc_srtp_global_init() < 0 || rtc_cert_generate(&r->cert) < 0 ||
                  rtc_dtls_ctx_create(&r->dtls, r->cert) < 0))
    rc = RTC_ECRYPTO;
  if (rc == 0 && o->control_loop) {
    if (rtc__queue_init(&r->events) < 0 ||
        uv_async_init(o->control_loop, &r->events_async, events_cb) < 0)
      rc = RTC_ENOMEM;
    else
      r->async_ready = 1;
    r->events_async.data = r;
  }
  if (rc == 0) rc = start_workers(r);
  if (rc < 0) {
    teardown(r);
    return rc;
  }
  for (int i = 0; i < r->nworkers; i++)
    BZ_INFO("rtc_listen", "worker=%d udp=%s:%d announced=%s", i, r->host, r->workers[i].port,
            r->announced);
  *out = r;
  return 0;
}

void rtc_destroy(rtc *r) {
  if (r) teardown(r);
}

int rtc_worker_count(const rtc *r) {
  return r->nworkers;
}

int rtc_worker_port(const rtc *r, int worker) {
  return worker >= 0 && worker < r->nworkers ? r->workers[worker].port : -1;
}

const char *rtc_announced_ip(const rtc *r) {
  return r->announced;
}
const char *rtc_fingerprint(const rtc *r) {
  return rtc_cert_fingerprint(r->cert);
}

/* ---- commands: control -> worker ---- */

static int post(rtc *r, int worker, int type, uint64_t id, const rtc_transport_params *p) {
  if (!r || worker < 0 || worker >= r->nworkers) return RTC_EARG;
  rtc__msg *m = calloc(1, sizeof *m);
  if (!m) return RTC_ENOMEM;
  m->type = type;
  m->id = id;
  if (p) m->params = *p;
  rtc__worker_post(&r->workers[worker], m);
  return 0;
}

int rtc_transport_add(rtc *r, int worker, uint64_t id, const rtc_transport_params *p) {
  if (!p || !memchr(p->ufrag, '\0', sizeof p->ufrag) || !memchr(p->pwd, '\0', sizeof p->pwd) ||
      !memchr(p->remote_ufrag, '\0', sizeof p->remote_ufrag))
    return RTC_EARG;
  /* Checked here too, so a caller learns of bad credentials at once. */
  ice_lite probe;
  if (ice_lite_init(&probe, p->ufrag, p->pwd, p->remote_ufrag, 0) < 0) return RTC_EARG;
  if (memchr(p->remote_fingerprint, '\0', sizeof p->remote_fingerprint) == NULL) return RTC_EARG;
  return post(r, worker, MSG_TRANSPORT_ADD, id, p);
}

int rtc_transport_remove(rtc *r, int worker, uint64_t id) {
  return post(r, worker, MSG_TRANSPORT_REMOVE, id, NULL);
}

/* A command carrying an SSRC list (and, for MSG_TRANSPORT_RECV, maybe their maps). */
static int post_ssrcs(rtc *r, int worker, uint64_t id, const uint32_t *ssrcs,
                      const rtc_hdrmap *maps, int n, int type) {
  if (!r || worker < 0 || worker >= r->nworkers || n < 0 || n > RTC_RECV_MAX || (n && !ssrcs))
    return RTC_EARG;
  rtc__msg *m = calloc(1, sizeof *m);
  if (!m) return RTC_ENOMEM;
  m->type = type;
  m->id = id;
  if (n) memcpy(m->ssrcs, ssrcs, (size_t)n * sizeof *ssrcs);
  m->n_ssrcs = n;
  if (maps && n) memcpy(m->maps, maps, (size_t)n * sizeof *maps);
  m->has_maps = maps != NULL;
  rtc__worker_post(&r->workers[worker], m);
  return 0;
}

int rtc_transport_recv(rtc *r, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  return rtc_transport_recv_mapped(r, worker, id, ssrcs, NULL, n);
}

int rtc_transport_audio(rtc *r, int worker, uint64_t id, uint32_t ssrc, int ext) {
  if (!r || worker < 0 || worker >= r->nworkers || ext < 0 || ext > 255) return RTC_EARG;
  rtc__msg *m = calloc(1, sizeof *m);
  if (!m) return RTC_ENOMEM;
  m->type = MSG_TRANSPORT_AUDIO;
  m->id = id;
  m->audio_ssrc = ssrc;
  m->audio_ext = ext;
  rtc__worker_post(&r->workers[worker], m);
  return 0;
}

int rtc_transport_recv_mapped(rtc *r, int worker, uint64_t id, const uint32_t *ssrcs,
                              const rtc_hdrmap *maps, int n) {
  return post_ssrcs(r, worker, id, ssrcs, maps, n, MSG_TRANSPORT_RECV);
}

int rtc_transport_send(rtc *r, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  return post_ssrcs(r, worker, id, ssrcs, NULL, n, MSG_TRANSPORT_SEND);
}

void rtc_worker_stats_get(const rtc *r, int worker, rtc_worker_stats *s) {
  memset(s, 0, sizeof *s);
  if (worker < 0 || worker >= r->nworkers) return;
  const rtc__counters *c = &r->workers[worker].c;
#define LD(f) s->f = atomic_load_explicit(&c->f, memory_order_relaxed)
  LD(rx_packets);
  LD(rx_bytes);
  LD(tx_packets);
  LD(tx_bytes);
  LD(tx_dropped);
  LD(stun_in);
  LD(stun_rejected);
  LD(dtls_in);
  LD(rtp_in);
  LD(rtcp_in);
  LD(unknown_in);
  LD(transports);
  LD(srtp_rejected);
  LD(dtls_connected);
  LD(dtls_failed);
  LD(fwd_packets);
  LD(fwd_bytes);
  LD(nack_in);
  LD(rtx_sent);
  LD(rtcp_dropped);
  LD(kf_suppressed);
  LD(test_dropped);
  LD(send_refused);
  LD(rtcp_refused);
  LD(map_refused);
  LD(layer_switches);
  LD(plis_sent);
  LD(twcc_fb_sent);
  LD(remb_in);
  LD(lastn_pauses);
#undef LD
}

int rtc_worker_cpu_ns(const rtc *r, int worker, uint64_t *ns) {
  if (worker < 0 || worker >= r->nworkers || !r->workers[worker].thread_started) return RTC_EARG;
  clockid_t cid;
  struct timespec ts;
  /* uv_thread_t is a pthread_t on Unix. */
  if (pthread_getcpuclockid(r->workers[worker].thread, &cid) != 0 || clock_gettime(cid, &ts) != 0)
    return RTC_EARG;
  *ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  return 0;
}

/* ---- /metrics ---- */

typedef struct metric {
  const char *name, *help;
  size_t off; /* in rtc_worker_stats */
} metric;

#define M(field, help) \
  { "buzz_rtc_" #field "_total", help, offsetof(rtc_worker_stats, field) }
static const metric metrics[] = {
    M(rx_packets, "UDP datagrams received by a media worker"),
    M(rx_bytes, "UDP bytes received by a media worker"),
    M(tx_packets, "UDP datagrams sent by a media worker"),
    M(tx_bytes, "UDP bytes sent by a media worker"),
    M(tx_dropped, "datagrams the kernel refused to send"),
    M(stun_in, "STUN messages received"),
    M(stun_rejected, "STUN messages rejected (malformed, unknown ufrag, bad integrity)"),
    M(dtls_in, "DTLS records received"),
    M(rtp_in, "SRTP packets received"),
    M(rtcp_in, "SRTCP packets received"),
    M(unknown_in, "datagrams of no known class, or truncated"),
    M(srtp_rejected, "SRTP/SRTCP packets that failed to decrypt or had no transport"),
    M(dtls_connected, "DTLS-SRTP handshakes completed"),
    M(dtls_failed, "DTLS handshakes failed or timed out"),
    M(fwd_packets, "packets forwarded to room members"),
    M(fwd_bytes, "bytes forwarded to room members"),
    M(nack_in, "RTCP NACK packets received"),
    M(rtx_sent, "packets resent from a retransmission buffer"),
    M(rtcp_dropped, "malformed RTCP compounds from members, not forwarded"),
    M(kf_suppressed, "keyframe requests (PLI/FIR) held back by the per-stream rate limit"),
    M(send_refused, "RTP under an SSRC its sender did not declare, not forwarded"),
    M(rtcp_refused,
      "RTCP sender packets (SR, SDES, BYE, APP) under an SSRC their sender did not "
      "declare, not forwarded"),
    M(map_refused, "RTP of a payload type its subscriber did not negotiate, not sent to it"),
    M(layer_switches, "simulcast layer changes of a subscriber's stream (its first layer included)"),
    M(plis_sent, "keyframe requests (PLI) buzzd sent a publisher to switch a subscriber's layer"),
    M(twcc_fb_sent, "transport-cc feedback packets buzzd sent to publishers"),
    M(remb_in, "REMB estimates received from subscribers (taken, not forwarded)"),
    M(lastn_pauses, "cameras paused for a subscriber whose bandwidth cannot carry them (last-N)"),
};
#undef M

static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= cap - *len) return -1;
  *len += (size_t)n;
  return 0;
}

int rtc_metrics_text(const rtc *r, char *buf, size_t cap, size_t *len) {
  size_t start = *len, at = *len;
  if (at >= cap) return -1;
  rtc_worker_stats st[RTC_MAX_WORKERS];
  for (int i = 0; i < r->nworkers; i++) rtc_worker_stats_get(r, i, &st[i]);
  int rc = 0;
  for (size_t k = 0; k < sizeof metrics / sizeof metrics[0] && !rc; k++) {
    rc = append(buf, cap, &at, "# HELP %s %s\n# TYPE %s counter\n", metrics[k].name,
                metrics[k].help, metrics[k].name);
    for (int i = 0; i < r->nworkers && !rc; i++)
      rc = append(buf, cap, &at, "%s{worker=\"%d\"} %llu\n", metrics[k].name, i,
                  (unsigned long long)*(const uint64_t *)((const char *)&st[i] + metrics[k].off));
  }
  if (!rc)
    rc = append(buf, cap, &at,
                "# HELP buzz_rtc_transports transports on a media worker\n"
                "# TYPE buzz_rtc_transports gauge\n");
  for (int i = 0; i < r->nworkers && !rc; i++)
    rc = append(buf, cap, &at, "buzz_rtc_transports{worker=\"%d\"} %llu\n", i,
                (unsigned long long)st[i].transports);
  if (rc) {
    buf[start] = '\0';
    return -1;
  }
  *len = at;
  return 0;
}
