/* The sig_media adapter over the media workers (see rtc_sig.h). */
#include "rtc/rtc_sig.h"

#include <stdio.h>
#include <string.h>

static int a_port(void *user, int worker) {
  rtc *r = *(rtc **)user;
  return r ? rtc_worker_port(r, worker) : RTC_EARG;
}

/* Every transport signaling makes is filtered both ways: a publishing one is sent no RTP and
 * may publish only the SSRCs its offer declared (rtc_transport_send), a subscribing one is sent
 * only what its answer announced (rtc_transport_recv) and may publish nothing. */
static int a_add(void *user, int worker, uint64_t id, const sig_media_transport *t) {
  rtc *r = *(rtc **)user;
  if (!r || !t || !t->ufrag || !t->pwd || !t->remote_ufrag || !t->remote_fingerprint)
    return RTC_EARG;
  rtc_transport_params p;
  memset(&p, 0, sizeof p);
  if (snprintf(p.ufrag, sizeof p.ufrag, "%s", t->ufrag) >= (int)sizeof p.ufrag ||
      snprintf(p.pwd, sizeof p.pwd, "%s", t->pwd) >= (int)sizeof p.pwd ||
      snprintf(p.remote_ufrag, sizeof p.remote_ufrag, "%s", t->remote_ufrag) >=
          (int)sizeof p.remote_ufrag ||
      snprintf(p.remote_fingerprint, sizeof p.remote_fingerprint, "%s", t->remote_fingerprint) >=
          (int)sizeof p.remote_fingerprint)
    return RTC_EARG;
  p.room = t->room;
  p.peer = t->peer;
  p.recv_filter = 1;
  p.send_filter = 1;
  return rtc_transport_add(r, worker, id, &p);
}

static int a_remove(void *user, int worker, uint64_t id) {
  rtc *r = *(rtc **)user;
  return r ? rtc_transport_remove(r, worker, id) : RTC_EARG;
}

static int a_recv(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  rtc *r = *(rtc **)user;
  return r ? rtc_transport_recv(r, worker, id, ssrcs, n) : RTC_EARG;
}

static int a_send(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  rtc *r = *(rtc **)user;
  return r ? rtc_transport_send(r, worker, id, ssrcs, n) : RTC_EARG;
}

void rtc_sig_media(rtc **rp, sig_media *out) {
  memset(out, 0, sizeof *out);
  rtc *r = *rp;
  if (!r) return;
  out->workers = rtc_worker_count(r);
  out->ip = rtc_announced_ip(r);
  out->fingerprint = rtc_fingerprint(r);
  out->port = a_port;
  out->add = a_add;
  out->remove = a_remove;
  out->recv = a_recv;
  out->send = a_send;
  out->user = rp;
}
