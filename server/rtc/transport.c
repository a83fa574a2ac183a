/* Transports of one worker: ICE-lite, then DTLS-SRTP, keyed by ufrag and peer address.
 * Everything here runs on the worker's thread. */
#include <stdlib.h>
#include <string.h>

#include "rtc/rtc_int.h"
#include "util/log.h"

#define DTLS_HANDSHAKE_MS 30000 /* a handshake not done this long after it began fails */

static void emit(rtc__transport *t, rtc_event_type type) {
  rtc_event ev = {.type = type, .transport_id = t->id};
  const struct sockaddr *sel = ice_lite_selected(&t->ice);
  if (sel) rtc_addr_str(sel, ev.addr, sizeof ev.addr);
  if (type == RTC_EV_DTLS_CONNECTED) {
    rtc_srtp_keys k;
    if (rtc_dtls_srtp_keys(t->dtls, &k) == 0) ev.srtp_profile = k.profile;
    memset(&k, 0, sizeof k);
  }
  rtc__emit(t->w, &ev);
}

static void unmap_addr(rtc__worker *w, rtc__transport *t, const struct sockaddr *sa) {
  uint8_t key[19];
  size_t n = rtc_addr_key(sa, key);
  if (n && rtc_map_get(w->by_addr, key, n) == t) rtc_map_del(w->by_addr, key, n);
}

static void destroy(rtc__worker *w, rtc__transport *t) {
  if (t->prev)
    t->prev->next = t->next;
  else
    w->transports = t->next;
  if (t->next) t->next->prev = t->prev;
  for (int i = 0; i < t->ice.n_addrs; i++) unmap_addr(w, t, (struct sockaddr *)&t->ice.addrs[i]);
  rtc__room_leave(w, t);
  rtc__sim_free(t);
  free(t->recv_map);
  rtc__cc_free(w, t);
  rtc_map_del(w->by_ufrag, t->ice.ufrag, t->ice.ufrag_len);
  rtc_map_del(w->by_id, &t->id, sizeof t->id);
  rtc_dtls_destroy(t->dtls);
  rtc_esrtp_destroy(t->srtp);
  memset(t, 0, sizeof *t); /* the password and keys do not linger in freed memory */
  free(t);
  rtc__count(&w->c.transports, (uint64_t)-1);
}

int rtc__transport_add(rtc__worker *w, uint64_t id, const rtc_transport_params *p) {
  if (rtc_map_get(w->by_id, &id, sizeof id)) return -1;
  rtc__transport *t = calloc(1, sizeof *t);
  if (!t) return -1;
  t->w = w;
  t->id = id;
  if (ice_lite_init(&t->ice, p->ufrag, p->pwd, p->remote_ufrag, w->owner->o.consent_timeout_ms) <
          0 ||
      rtc_map_get(w->by_ufrag, t->ice.ufrag, t->ice.ufrag_len)) {
    free(t);
    return -1;
  }
  t->peer = p->peer;
  t->recv_filter = p->recv_filter != 0;
  t->send_filter = p->send_filter != 0;
  memcpy(t->remote_fp, p->remote_fingerprint, sizeof t->remote_fp);
  t->remote_fp[sizeof t->remote_fp - 1] = '\0';
  if (rtc_map_put(w->by_id, &t->id, sizeof t->id, t) < 0 ||
      rtc_map_put(w->by_ufrag, t->ice.ufrag, t->ice.ufrag_len, t) < 0) {
    rtc_map_del(w->by_id, &t->id, sizeof t->id);
    free(t);
    return -1;
  }
  if (p->room && rtc__room_join(w, t, p->room) < 0) {
    rtc_map_del(w->by_id, &t->id, sizeof t->id);
    rtc_map_del(w->by_ufrag, t->ice.ufrag, t->ice.ufrag_len);
    free(t);
    return -1;
  }
  t->next = w->transports;
  if (t->next) t->next->prev = t;
  w->transports = t;
  rtc__count(&w->c.transports, 1);
  return 0;
}

void rtc__transport_remove(rtc__worker *w, uint64_t id) {
  rtc__transport *t = rtc_map_get(w->by_id, &id, sizeof id);
  if (t) destroy(w, t);
}

void rtc__transport_recv(rtc__worker *w, uint64_t id, const uint32_t *ssrcs, int n, int send) {
  rtc__transport *t = rtc_map_get(w->by_id, &id, sizeof id);
  if (!t || n < 0 || n > RTC_RECV_MAX) return;
  memcpy(send ? t->send : t->recv, ssrcs, (size_t)n * sizeof *ssrcs);
  if (send) {
    t->n_send = n;
  } else {
    t->n_recv = n;
    t->sim_sent_stale = 1; /* simulcast.c counts the cameras it is sent among these */
  }
}

void rtc__transport_maps(rtc__worker *w, uint64_t id, const rtc_hdrmap *maps, int n) {
  rtc__transport *t = rtc_map_get(w->by_id, &id, sizeof id);
  if (!t || n < 0 || n > RTC_RECV_MAX) return;
  if (!maps) {
    free(t->recv_map);
    t->recv_map = NULL;
    return;
  }
  if (!t->recv_map && !(t->recv_map = calloc(RTC_RECV_MAX, sizeof *t->recv_map))) return;
  memset(t->recv_map, 0, RTC_RECV_MAX * sizeof *t->recv_map);
  memcpy(t->recv_map, maps, (size_t)n * sizeof *maps);
}

const rtc_hdrmap *rtc__recv_map(const rtc__transport *t, uint32_t ssrc) {
  if (!t->recv_map) return NULL;
  for (int i = 0; i < t->n_recv; i++)
    if (t->recv[i] == ssrc) return &t->recv_map[i];
  return NULL;
}

void rtc__transport_destroy_all(rtc__worker *w) {
  while (w->transports) destroy(w, w->transports);
}

static void dtls_failed(rtc__transport *t) {
  rtc__count(&t->w->c.dtls_failed, 1);
  emit(t, RTC_EV_DTLS_FAILED);
}

void rtc__transport_tick(rtc__worker *w, uint64_t now_ms) {
  for (rtc__transport *t = w->transports; t; t = t->next) {
    if (ice_lite_tick(&t->ice, now_ms)) emit(t, RTC_EV_CONSENT_EXPIRED);
    if (!t->dtls || rtc_dtls_state_get(t->dtls) != RTC_DTLS_HANDSHAKING) continue;
    if (now_ms - t->dtls_started_ms > DTLS_HANDSHAKE_MS) {
      rtc_dtls_destroy(t->dtls); /* the peer may start over with a fresh handshake */
      t->dtls = NULL;
      dtls_failed(t);
      continue;
    }
    if (rtc_dtls_timeout_ms(t->dtls) == 0 && rtc_dtls_timeout(t->dtls) == RTC_DTLS_FAILED)
      dtls_failed(t);
  }
}

/* Keeps by_addr in step with the addresses ICE remembers (it may evict one per new check). */
static void sync_addrs(rtc__worker *w, rtc__transport *t, const struct sockaddr_storage *before,
                       int n_before) {
  for (int i = 0; i < n_before; i++)
    if (!ice_lite_knows(&t->ice, (const struct sockaddr *)&before[i]))
      unmap_addr(w, t, (const struct sockaddr *)&before[i]);
  for (int i = 0; i < t->ice.n_addrs; i++) {
    uint8_t key[19];
    size_t n = rtc_addr_key((struct sockaddr *)&t->ice.addrs[i], key);
    if (n) rtc_map_put(w->by_addr, key, n, t);
  }
}

void rtc__on_stun(rtc__worker *w, const uint8_t *p, size_t n, const struct sockaddr *from) {
  stun_msg m;
  const uint8_t *uf;
  size_t uflen;
  rtc__transport *t = NULL;
  int rc = stun_parse(p, n, &m);
  if (rc == 0 && m.type == STUN_BINDING_INDICATION) return; /* a keepalive: nothing to do */
  if (rc < 0 || m.type != STUN_BINDING_REQUEST || ice_username_local(&m, &uf, &uflen) < 0 ||
      !(t = rtc_map_get(w->by_ufrag, uf, uflen))) {
    /* Unknown ufrags are dropped without an answer: no reflection for spoofed sources. */
    rtc__count(&w->c.stun_rejected, 1);
    return;
  }
  struct sockaddr_storage before[ICE_MAX_ADDRS];
  int n_before = t->ice.n_addrs;
  memcpy(before, t->ice.addrs, sizeof before);
  uint8_t out[STUN_MAX_MSG];
  ice_result r = ice_lite_on_request(&t->ice, &m, from, rtc__now_ms(w), out, sizeof out);
  if (r.error) rtc__count(&w->c.stun_rejected, 1);
  if (r.response_len > 0) udp_tx_push(w->fd, w->tx, out, (size_t)r.response_len, from);
  if (r.error) return;
  sync_addrs(w, t, before, n_before);
  if (r.selected_changed) emit(t, RTC_EV_ICE_CONNECTED);
}

static void dtls_send(void *user, const uint8_t *p, size_t n) {
  rtc__transport *t = user;
  if (udp_tx_push(t->w->fd, t->w->tx, p, n, (struct sockaddr *)&t->reply_to) < 0)
    rtc__count(&t->w->c.tx_dropped, 1);
}

static rtc__transport *by_addr(rtc__worker *w, const struct sockaddr *from) {
  uint8_t key[19];
  size_t n = rtc_addr_key(from, key);
  return n ? rtc_map_get(w->by_addr, key, n) : NULL;
}

void rtc__on_dtls(rtc__worker *w, const uint8_t *p, size_t n, const struct sockaddr *from) {
  rtc__transport *t = by_addr(w, from); /* only addresses that passed an ICE check */
  if (!t) return;
  if (!t->dtls) {
    if (rtc_dtls_create(&t->dtls, w->owner->dtls, t->remote_fp, dtls_send, t) < 0) return;
    t->dtls_started_ms = rtc__now_ms(w);
  }
  memset(&t->reply_to, 0, sizeof t->reply_to);
  memcpy(&t->reply_to, from,
         from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
  rtc_dtls_state before = rtc_dtls_state_get(t->dtls);
  rtc_dtls_state st = rtc_dtls_feed(t->dtls, p, n);
  if (st == before) return;
  if (st == RTC_DTLS_CONNECTED) {
    rtc_srtp_keys k;
    int ok = rtc_dtls_srtp_keys(t->dtls, &k) == 0 && rtc_esrtp_create(&t->srtp, &k) == 0;
    memset(&k, 0, sizeof k);
    if (ok) {
      rtc__count(&w->c.dtls_connected, 1);
      emit(t, RTC_EV_DTLS_CONNECTED);
      return;
    }
  }
  if (st == RTC_DTLS_FAILED || st == RTC_DTLS_CONNECTED) dtls_failed(t);
}

void rtc__on_srtp(rtc__worker *w, uint8_t *p, size_t n, const struct sockaddr *from, int rtcp) {
  rtc__transport *t = by_addr(w, from);
  if (!t || !t->srtp) {
    rtc__count(&w->c.srtp_rejected, 1);
    return;
  }
  size_t len = n;
  int rc =
      rtcp ? rtc_esrtp_unprotect_rtcp(t->srtp, p, &len) : rtc_esrtp_unprotect_rtp(t->srtp, p, &len);
  if (rc < 0) {
    rtc__count(&w->c.srtp_rejected, 1);
    return;
  }
  if (!rtcp) rtc__cc_on_rtp(w, t, p, len); /* transport-cc: every packet, forwarded or not */
  if (!rtcp) rtc__speaker_on_rtp(t, p, len);
  if (t->room) rtc__forward(w, t, p, len, rtcp);
}
