/* The generator's media loop; see media.h. */
#include "media.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtc/be.h"
#include "rtc/demux.h"
#include "rtc/dtls.h"
#include "rtc/rtp.h"
#include "rtc/srtp_evp.h"
#include "rtc/stun.h"

#define MAX_PEERS 4096
#define VP8_MAX_CHUNK 1100 /* VP8 payload bytes per RTP packet */
#define PID_SPACE 32768    /* 15-bit picture ids */
#define HIST_US 20         /* delay histogram bucket (µs) */
#define HIST_N 100000      /* up to 2 s */
#define PT_PUB 96
#define MAX_STREAMS BSDP_MAX_MLINES /* received streams per peer */

/* One stream a receiver gets: an SSRC and the publisher that sends it. */
typedef struct rstream {
  uint32_t ssrc; /* 0: any SSRC (the fan-out shape's single stream) */
  mpeer *feed;   /* its publisher: the send times for the delay and the expected counts */
  int seq_init;
  uint32_t ext_high, base; /* extended sequence numbers: highest seen, first of the window */
  uint64_t rx, frames;     /* packets and complete frames in the window */
} rstream;

struct mpeer {
  media *m;
  int fd, publisher, index;
  atomic_int state;
  char lufrag[16], lpwd[40];
  bsdp_remote r;
  struct sockaddr_in raddr;
  int controlling, ice_ok;
  uint64_t tiebreaker, next_check_ns;
  unsigned checks;
  rtc_dtls *dtls;
  int dtls_client, dtls_started; /* client role when the SFU answered setup:passive (buzzd) */
  rtc_esrtp *srtp;
  int profile;
  /* publisher */
  uint32_t ssrc, ts;
  uint16_t seq;
  int clip_idx, want_key;
  uint32_t frame_id;
  uint64_t *send_ns; /* [PID_SPACE] */
  uint64_t frames_sent, packets_sent, plis;
  uint64_t win_frames0, win_packets0; /* frames_sent, packets_sent when the window began */
  uint64_t next_send_ns;              /* its next frame; 0 until its first */
  /* receiver */
  rstream rs[MAX_STREAMS];
  int n_rs;
};

struct media {
  const clip *c;
  struct in_addr ip; /* where every peer socket is bound */
  char ip_text[INET_ADDRSTRLEN];
  int fps;
  rtc_cert *cert;
  rtc_dtls_ctx *ctx, *client_ctx; /* server and client role, one certificate */
  int ep, evfd;
  pthread_t thread;
  atomic_int stop;
  pthread_mutex_t mu; /* guards pending[] */
  mpeer *pending[MAX_PEERS];
  int n_pending;
  mpeer *peers[MAX_PEERS]; /* loop thread only */
  int n_peers;
  atomic_int cmd; /* 1 = begin window, 2 = end window; the loop sets it back to 0 */
  media_stats *out;
  uint64_t win_start_ns, win_frames0, win_packets0, win_plis0;
  uint32_t *hist;
  uint64_t hist_n;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void rand_chars(char *out, size_t n) {
  static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint8_t b[64];
  RAND_bytes(b, (int)n);
  for (size_t i = 0; i < n; i++) out[i] = al[b[i] % (sizeof al - 1)];
  out[n] = 0;
}

/* ---- peers (signaling thread) ---- */

int media_peer_new(media *m, int publisher, int index, mpeer **out) {
  *out = NULL;
  mpeer *p = calloc(1, sizeof *p);
  if (!p) return -1;
  p->m = m;
  p->publisher = publisher;
  p->index = index;
  rand_chars(p->lufrag, 8);
  rand_chars(p->lpwd, 24);
  RAND_bytes((uint8_t *)&p->tiebreaker, sizeof p->tiebreaker);
  RAND_bytes((uint8_t *)&p->ssrc, sizeof p->ssrc);
  RAND_bytes((uint8_t *)&p->seq, sizeof p->seq);
  RAND_bytes((uint8_t *)&p->ts, sizeof p->ts);
  p->controlling = publisher; /* the offerer controls (RFC 8445 §6.1.1) */
  if (publisher && !(p->send_ns = calloc(PID_SPACE, sizeof *p->send_ns))) goto fail;
  p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (p->fd < 0) goto fail;
  int buf = 1 << 20;
  if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr = m->ip;
  if (bind(p->fd, (struct sockaddr *)&a, sizeof a) < 0) goto fail;
  *out = p;
  return 0;
fail:
  if (p->fd > 0) close(p->fd);
  free(p->send_ns);
  free(p);
  return -1;
}

int media_peer_port(const mpeer *p) {
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  return getsockname(p->fd, (struct sockaddr *)&a, &l) == 0 ? ntohs(a.sin_port) : -1;
}
const char *media_peer_ufrag(const mpeer *p) {
  return p->lufrag;
}
const char *media_peer_pwd(const mpeer *p) {
  return p->lpwd;
}
uint32_t media_peer_ssrc(const mpeer *p) {
  return p->ssrc;
}
int media_peer_state(const mpeer *p) {
  return atomic_load(&p->state);
}
const char *media_peer_profile(const mpeer *p) {
  return rtc_srtp_profile_name(p->profile);
}

int media_wait_ready(mpeer **peers, int n, double timeout_s) {
  uint64_t until = now_ns() + (uint64_t)(timeout_s * 1e9);
  for (;;) {
    int ready = 0, failed = 0;
    for (int i = 0; i < n; i++) {
      int s = media_peer_state(peers[i]);
      ready += s == MPEER_READY;
      failed += s == MPEER_FAILED;
    }
    if (failed) return -1;
    if (ready == n) return 0;
    if (now_ns() > until) return -1;
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
  }
}

static void dtls_send(void *user, const uint8_t *b, size_t n) {
  mpeer *p = user;
  sendto(p->fd, b, n, 0, (struct sockaddr *)&p->raddr, sizeof p->raddr);
}

int media_peer_go(media *m, mpeer *p, const bsdp_remote *r, mpeer *feed) {
  uint32_t any = 0;
  return media_peer_go_streams(m, p, r, &any, &feed, feed ? 1 : 0);
}

int media_peer_go_streams(media *m, mpeer *p, const bsdp_remote *r, const uint32_t *ssrcs,
                          mpeer *const *feeds, int n) {
  if (n < 0 || n > MAX_STREAMS || (p->publisher && n)) return -1;
  p->r = *r;
  p->raddr = r->cand;
  for (int i = 0; i < n; i++) {
    if (!feeds[i] || !feeds[i]->publisher) return -1;
    p->rs[i].ssrc = ssrcs[i];
    p->rs[i].feed = feeds[i];
  }
  p->n_rs = n;
  /* An ICE-lite SFU (buzzd) is always controlled; one that answers setup:passive expects us to
   * be the DTLS client, which we start once our first check has been answered. */
  if (r->ice_lite) p->controlling = 1;
  p->dtls_client = !strcmp(r->setup, "passive");
  if (rtc_dtls_create(&p->dtls, p->dtls_client ? m->client_ctx : m->ctx, r->fingerprint, dtls_send,
                      p) < 0)
    return -1;
  pthread_mutex_lock(&m->mu);
  int ok = m->n_pending < MAX_PEERS;
  if (ok) m->pending[m->n_pending++] = p;
  pthread_mutex_unlock(&m->mu);
  if (!ok) return -1;
  uint64_t one = 1;
  if (write(m->evfd, &one, sizeof one) < 0) return -1;
  return 0;
}

static void peer_free(mpeer *p) {
  if (p->fd >= 0) close(p->fd);
  rtc_dtls_destroy(p->dtls);
  rtc_esrtp_destroy(p->srtp);
  free(p->send_ns);
  free(p);
}

/* ---- ICE (loop thread) ---- */

static void send_check(mpeer *p) {
  uint8_t req[512], tid[STUN_TID_LEN];
  char user[200];
  RAND_bytes(tid, sizeof tid);
  snprintf(user, sizeof user, "%s:%s", p->r.ufrag, p->lufrag);
  stun_builder b;
  stun_build_init(&b, req, sizeof req, STUN_BINDING_REQUEST, tid);
  stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user));
  stun_build_u32(&b, STUN_ATTR_PRIORITY, 1862270975u); /* peer-reflexive priority */
  stun_build_u64(&b, p->controlling ? STUN_ATTR_ICE_CONTROLLING : STUN_ATTR_ICE_CONTROLLED,
                 p->tiebreaker);
  if (p->controlling) stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
  stun_build_integrity(&b, (const uint8_t *)p->r.pwd, strlen(p->r.pwd));
  stun_build_fingerprint(&b);
  int n = stun_build_finish(&b);
  if (n > 0) sendto(p->fd, req, (size_t)n, 0, (struct sockaddr *)&p->raddr, sizeof p->raddr);
  p->checks++;
}

static void on_stun(mpeer *p, const uint8_t *b, size_t n, const struct sockaddr_in *from) {
  stun_msg s;
  int e = stun_parse(b, n, &s);
  if (getenv("SFU_BENCH_DEBUG"))
    fprintf(stderr, "peer %d: stun %zu bytes parse=%d type=%04x err=%d ctl=%d\n", p->index, n, e,
            e == 0 ? s.type : 0, e == 0 && s.has_error ? s.error_code : 0, p->controlling);
  if (e < 0 || stun_check_fingerprint(&s) < 0) return;
  if (s.type == STUN_BINDING_REQUEST) {
    size_t ul = strlen(p->lufrag);
    if (!s.username || s.username_len <= ul || memcmp(s.username, p->lufrag, ul) != 0 ||
        s.username[ul] != ':' ||
        stun_check_integrity(&s, (const uint8_t *)p->lpwd, strlen(p->lpwd)) < 0)
      return;
    if (s.ice_controlling) p->controlling = 0;
    if (s.ice_controlled) p->controlling = 1;
    if (s.use_candidate) p->raddr = *from;
    uint8_t resp[512];
    stun_builder rb;
    stun_build_init(&rb, resp, sizeof resp, STUN_BINDING_SUCCESS, s.tid);
    stun_build_xor_addr(&rb, STUN_ATTR_XOR_MAPPED_ADDRESS, (const struct sockaddr *)from);
    stun_build_integrity(&rb, (const uint8_t *)p->lpwd, strlen(p->lpwd));
    stun_build_fingerprint(&rb);
    int rn = stun_build_finish(&rb);
    if (rn > 0) sendto(p->fd, resp, (size_t)rn, 0, (const struct sockaddr *)from, sizeof *from);
  } else if (s.type == STUN_BINDING_SUCCESS) {
    if (stun_check_integrity(&s, (const uint8_t *)p->r.pwd, strlen(p->r.pwd)) == 0) p->ice_ok = 1;
    if (p->ice_ok && p->dtls_client && !p->dtls_started) {
      p->dtls_started = 1;
      if (rtc_dtls_connect(p->dtls) == RTC_DTLS_FAILED) atomic_store(&p->state, MPEER_FAILED);
    }
  } else if (s.type == STUN_BINDING_ERROR && s.has_error && s.error_code == 487) {
    p->controlling = !p->controlling;
    p->next_check_ns = 0;
  }
}

/* ---- media (loop thread) ---- */

static void on_dtls(mpeer *p, const uint8_t *b, size_t n) {
  if (getenv("SFU_BENCH_DEBUG")) fprintf(stderr, "peer %d: dtls %zu bytes\n", p->index, n);
  if (rtc_dtls_feed(p->dtls, b, n) == RTC_DTLS_CONNECTED && !p->srtp) {
    rtc_srtp_keys k;
    if (rtc_dtls_srtp_keys(p->dtls, &k) == 0 && rtc_esrtp_create(&p->srtp, &k) == 0) {
      p->profile = k.profile;
      atomic_store(&p->state, MPEER_READY);
    } else {
      atomic_store(&p->state, MPEER_FAILED);
    }
  } else if (rtc_dtls_state_get(p->dtls) == RTC_DTLS_FAILED) {
    atomic_store(&p->state, MPEER_FAILED);
  }
}

static void on_rtcp(mpeer *p, uint8_t *b, size_t n) {
  if (!p->publisher || rtc_esrtp_unprotect_rtcp(p->srtp, b, &n) < 0) return;
  rtcp_iter it;
  rtcp_view v;
  rtcp_iter_init(&it, b, n);
  while (rtcp_next(&it, &v) == 1) {
    rtcp_fb fb;
    if (v.type == RTCP_PSFB && rtcp_parse_fb(&v, &fb) == 0 &&
        (fb.kind == RTCP_FB_PLI || fb.kind == RTCP_FB_FIR)) {
      p->want_key = 1;
      p->plis++;
    }
  }
}

static void hist_add(media *m, uint64_t ns) {
  uint64_t i = ns / (HIST_US * 1000);
  if (i >= HIST_N) i = HIST_N - 1;
  m->hist[i]++;
  m->hist_n++;
}

static void on_rtp(mpeer *p, uint8_t *b, size_t n, uint64_t now) {
  rtp_view v;
  if (p->publisher || rtc_esrtp_unprotect_rtp(p->srtp, b, &n) < 0 || rtp_parse(b, n, &v) < 0)
    return;
  rstream *s = NULL;
  for (int i = 0; i < p->n_rs && !s; i++)
    if (!p->rs[i].ssrc || p->rs[i].ssrc == v.ssrc) s = &p->rs[i];
  if (!s) return; /* an SSRC the answer did not announce: not a stream we measure */
  if (!s->seq_init) {
    s->seq_init = 1;
    s->ext_high = v.seq;
    s->base = v.seq;
  } else {
    int16_t d = (int16_t)(uint16_t)(v.seq - (uint16_t)s->ext_high);
    if (d > 0) s->ext_high += (uint32_t)d;
  }
  s->rx++;
  if (v.marker) s->frames++;
  /* RFC 7741 §4.2: X|R|N|S|R|PID, then I|L|T|K, then M + 7 or 15 bits of picture id. */
  const uint8_t *d = v.payload;
  size_t dl = v.payload_len;
  if (dl < 4 || !(d[0] & 0x80) || !(d[0] & 0x10) || (d[0] & 0x0f) || !(d[1] & 0x80)) return;
  uint32_t pid = d[2] & 0x80 ? (uint32_t)(d[2] & 0x7f) << 8 | d[3] : d[2] & 0x7fu;
  uint64_t sent = s->feed->send_ns[pid % PID_SPACE];
  if (sent && now > sent && now - sent < 2000000000u) hist_add(p->m, now - sent);
}

static void send_frame(mpeer *p, uint64_t now) {
  const clip *c = p->m->c;
  if (p->want_key) {
    int i = (p->clip_idx + 1) % c->n;
    while (!c->key[i]) i = (i + 1) % c->n;
    p->clip_idx = i;
    p->want_key = 0;
  }
  const uint8_t *f = c->data[p->clip_idx];
  size_t left = c->len[p->clip_idx];
  uint32_t pid = p->frame_id++ & (PID_SPACE - 1);
  p->send_ns[pid] = now;
  int first = 1;
  while (left) {
    uint8_t pkt[1500];
    size_t chunk = left > VP8_MAX_CHUNK ? VP8_MAX_CHUNK : left;
    left -= chunk;
    pkt[0] = 0x80;
    pkt[1] = (uint8_t)(PT_PUB | (left ? 0 : 0x80));
    wr16(pkt + 2, p->seq++);
    wr32(pkt + 4, p->ts);
    wr32(pkt + 8, p->ssrc);
    pkt[12] = (uint8_t)(0x80 | (first ? 0x10 : 0)); /* X, S, partition 0 */
    pkt[13] = 0x80;                                 /* I */
    pkt[14] = (uint8_t)(0x80 | pid >> 8);           /* M: 15-bit picture id */
    pkt[15] = (uint8_t)pid;
    memcpy(pkt + 16, f, chunk);
    f += chunk;
    size_t len = 16 + chunk;
    if (rtc_esrtp_protect_rtp(p->srtp, pkt, &len, sizeof pkt) == 0 &&
        sendto(p->fd, pkt, len, 0, (struct sockaddr *)&p->raddr, sizeof p->raddr) > 0)
      p->packets_sent++;
    first = 0;
  }
  p->ts += (uint32_t)(90000 / p->m->fps);
  p->clip_idx = (p->clip_idx + 1) % c->n;
  p->frames_sent++;
}

static void on_readable(mpeer *p) {
  for (int i = 0; i < 64; i++) {
    uint8_t b[2048];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(p->fd, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
    if (n <= 0) return;
    if (fl != sizeof from || from.sin_family != AF_INET) continue;
    switch (rtc_demux(b, (size_t)n)) {
      case RTC_PKT_STUN:
        on_stun(p, b, (size_t)n, &from);
        break;
      case RTC_PKT_DTLS:
        on_dtls(p, b, (size_t)n);
        break;
      case RTC_PKT_RTP:
        if (p->srtp) on_rtp(p, b, (size_t)n, now_ns());
        break;
      case RTC_PKT_RTCP:
        if (p->srtp) on_rtcp(p, b, (size_t)n);
        break;
      default:
        break;
    }
  }
}

static void housekeeping(media *m, uint64_t now) {
  for (int i = 0; i < m->n_peers; i++) {
    mpeer *p = m->peers[i];
    if (now >= p->next_check_ns) {
      send_check(p);
      p->next_check_ns = now + (p->ice_ok ? 2000000000u : 50000000u);
    }
    if (rtc_dtls_state_get(p->dtls) == RTC_DTLS_HANDSHAKING && rtc_dtls_timeout_ms(p->dtls) == 0)
      if (rtc_dtls_timeout(p->dtls) == RTC_DTLS_FAILED) atomic_store(&p->state, MPEER_FAILED);
  }
}

static void adopt_pending(media *m) {
  uint64_t v;
  if (read(m->evfd, &v, sizeof v) < 0 && errno != EAGAIN) return;
  pthread_mutex_lock(&m->mu);
  for (int i = 0; i < m->n_pending && m->n_peers < MAX_PEERS; i++) {
    mpeer *p = m->pending[i];
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = p};
    if (epoll_ctl(m->ep, EPOLL_CTL_ADD, p->fd, &ev) == 0) m->peers[m->n_peers++] = p;
  }
  m->n_pending = 0;
  pthread_mutex_unlock(&m->mu);
}

static void window_cmd(media *m, int cmd, uint64_t now) {
  uint64_t frames = 0, pkts = 0, plis = 0;
  for (int i = 0; i < m->n_peers; i++) {
    mpeer *p = m->peers[i];
    frames += p->frames_sent;
    pkts += p->packets_sent;
    plis += p->plis;
  }
  if (cmd == 1) {
    for (int i = 0; i < m->n_peers; i++) {
      mpeer *p = m->peers[i];
      p->win_frames0 = p->frames_sent;
      p->win_packets0 = p->packets_sent;
      for (int k = 0; k < p->n_rs; k++) {
        rstream *s = &p->rs[k];
        if (s->seq_init) s->base = s->ext_high + 1;
        s->rx = s->frames = 0;
      }
    }
    memset(m->hist, 0, HIST_N * sizeof *m->hist);
    m->hist_n = 0;
    m->win_start_ns = now;
    m->win_frames0 = frames;
    m->win_packets0 = pkts;
    m->win_plis0 = plis;
    return;
  }
  media_stats *st = m->out;
  memset(st, 0, sizeof *st);
  st->seconds = (double)(now - m->win_start_ns) / 1e9;
  st->frames_sent = frames - m->win_frames0;
  st->packets_sent = pkts - m->win_packets0;
  st->plis = plis - m->win_plis0;
  st->plis_total = plis;
  /* Per received stream: what its own publisher sent in the window is what it should get. */
  for (int i = 0; i < m->n_peers; i++) {
    mpeer *p = m->peers[i];
    for (int k = 0; k < p->n_rs; k++) {
      rstream *s = &p->rs[k];
      st->receivers++;
      st->rx_packets += s->rx;
      st->frames_rx += s->frames;
      st->frames_expected += s->feed->frames_sent - s->feed->win_frames0;
      if (!s->rx) {
        st->silent++;
        st->expected += s->feed->packets_sent - s->feed->win_packets0;
      } else {
        st->expected += s->ext_high >= s->base ? s->ext_high - s->base + 1 : s->rx;
      }
    }
  }
  st->delay_samples = m->hist_n;
  uint64_t acc = 0, q50 = (m->hist_n + 1) / 2, q99 = (m->hist_n * 99 + 99) / 100;
  int got50 = 0;
  for (int i = 0; i < HIST_N && m->hist_n; i++) {
    acc += m->hist[i];
    if (!got50 && acc >= q50) st->delay_p50_ms = (i + 0.5) * HIST_US / 1000.0, got50 = 1;
    if (acc >= q99) {
      st->delay_p99_ms = (i + 0.5) * HIST_US / 1000.0;
      break;
    }
  }
}

/* Sends the frame of every publisher whose time has come; returns the earliest next one (0
 * when there is no publisher). Publishers are spread over the frame period by the golden
 * ratio of their index, as independent cameras would be, so that N of them do not burst
 * into the server at the same instant; the first (index 0, the fan-out shape's only one)
 * sends on the loop's first tick, as before. */
static uint64_t publish(media *m, uint64_t now, uint64_t period) {
  uint64_t next = 0;
  for (int i = 0; i < m->n_peers; i++) {
    mpeer *p = m->peers[i];
    if (!p->publisher || !p->srtp) continue;
    if (!p->next_send_ns) {
      double phase = (double)p->index * 0.6180339887;
      p->next_send_ns = now + (uint64_t)((phase - (double)(uint64_t)phase) * (double)period);
    }
    if (now >= p->next_send_ns) {
      send_frame(p, now);
      p->next_send_ns += period;
      if (now > p->next_send_ns + 5 * period) p->next_send_ns = now + period; /* no burst */
    }
    if (!next || p->next_send_ns < next) next = p->next_send_ns;
  }
  return next;
}

static void *loop_main(void *arg) {
  media *m = arg;
  uint64_t period = 1000000000u / (uint64_t)m->fps, next_tick = now_ns(), next_house = 0;
  while (!atomic_load(&m->stop)) {
    uint64_t now = now_ns();
    uint64_t due = next_tick < next_house ? next_tick : next_house;
    /* Nanosecond timeout: with N publishers spread over the frame period the next send is
     * often under 1 ms away, and epoll_wait's milliseconds would round that to 0 and spin
     * (that spin was counted as generator CPU). */
    uint64_t wait = due > now ? due - now : 0;
    struct timespec timeout = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
    struct epoll_event evs[128];
    int n = epoll_pwait2(m->ep, evs, 128, &timeout, NULL);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL)
        adopt_pending(m);
      else
        on_readable(evs[i].data.ptr);
    }
    now = now_ns();
    if (now >= next_tick) {
      next_tick = publish(m, now, period);
      if (!next_tick) next_tick = now + period;
    }
    if (now >= next_house) {
      housekeeping(m, now);
      next_house = now + 20000000u;
    }
    int cmd = atomic_load(&m->cmd);
    if (cmd) {
      window_cmd(m, cmd, now);
      atomic_store(&m->cmd, 0);
    }
  }
  return NULL;
}

/* ---- lifetime ---- */

int media_create(media **out, const clip *c, int fps, const char *ip) {
  *out = NULL;
  media *m = calloc(1, sizeof *m);
  if (!m) return -1;
  if (inet_pton(AF_INET, ip, &m->ip) != 1) {
    free(m);
    return -1;
  }
  snprintf(m->ip_text, sizeof m->ip_text, "%s", ip);
  m->c = c;
  m->fps = fps;
  m->ep = m->evfd = -1;
  pthread_mutex_init(&m->mu, NULL);
  m->hist = calloc(HIST_N, sizeof *m->hist);
  if (!m->hist || rtc_cert_generate(&m->cert) < 0 || rtc_dtls_ctx_create(&m->ctx, m->cert) < 0 ||
      rtc_dtls_client_ctx_create(&m->client_ctx, m->cert) < 0)
    goto fail;
  m->ep = epoll_create1(0);
  m->evfd = eventfd(0, EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (m->ep < 0 || m->evfd < 0 || epoll_ctl(m->ep, EPOLL_CTL_ADD, m->evfd, &ev) < 0) goto fail;
  if (pthread_create(&m->thread, NULL, loop_main, m) != 0) goto fail;
  *out = m;
  return 0;
fail:
  if (m->ep >= 0) close(m->ep);
  if (m->evfd >= 0) close(m->evfd);
  rtc_dtls_ctx_free(m->ctx);
  rtc_dtls_ctx_free(m->client_ctx);
  rtc_cert_free(m->cert);
  free(m->hist);
  free(m);
  return -1;
}

void media_destroy(media *m) {
  if (!m) return;
  atomic_store(&m->stop, 1);
  uint64_t one = 1;
  if (write(m->evfd, &one, sizeof one) < 0) { /* the loop still wakes within a tick */
  }
  pthread_join(m->thread, NULL);
  for (int i = 0; i < m->n_peers; i++) peer_free(m->peers[i]);
  for (int i = 0; i < m->n_pending; i++) peer_free(m->pending[i]);
  close(m->ep);
  close(m->evfd);
  rtc_dtls_ctx_free(m->ctx);
  rtc_dtls_ctx_free(m->client_ctx);
  rtc_cert_free(m->cert);
  free(m->hist);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

const char *media_fingerprint(const media *m) {
  return rtc_cert_fingerprint(m->cert);
}
const char *media_ip(const media *m) {
  return m->ip_text;
}

static void run_cmd(media *m, int cmd) {
  atomic_store(&m->cmd, cmd);
  while (atomic_load(&m->cmd)) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

void media_window_begin(media *m) {
  run_cmd(m, 1);
}

void media_window_end(media *m, media_stats *st) {
  m->out = st;
  run_cmd(m, 2);
}
