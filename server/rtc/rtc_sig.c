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

static int a_audio(void *user, int worker, uint64_t id, uint32_t ssrc, int ext) {
  rtc *r = *(rtc **)user;
  return r ? rtc_transport_audio(r, worker, id, ssrc, ext) : RTC_EARG;
}

static int a_recv_mapped(void *user, int worker, uint64_t id, const uint32_t *ssrcs,
                         const rtc_hdrmap *maps, int n) {
  rtc *r = *(rtc **)user;
  return r ? rtc_transport_recv_mapped(r, worker, id, ssrcs, maps, n) : RTC_EARG;
}

static int a_recv(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  rtc *r = *(rtc **)user;
  return r ? rtc_transport_recv(r, worker, id, ssrcs, n) : RTC_EARG;
}

static int a_send(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  rtc *r = *(rtc **)user;
  return r ? rtc_transport_send(r, worker, id, ssrcs, n) : RTC_EARG;
}

static int a_simulcast(void *user, int worker, uint64_t id, const sig_media_simulcast *s) {
  rtc *r = *(rtc **)user;
  if (!r || !s || s->n < 0 || s->n > RTC_SIM_LAYERS || s->rid_ext < 0 || s->rid_ext > 255)
    return RTC_EARG;
  rtc_simulcast c = {.group = s->group, .rid_ext = (uint8_t)s->rid_ext, .n = s->n};
  for (int i = 0; i < s->n; i++)
    if (!s->rid[i] || snprintf(c.rid[i], sizeof c.rid[i], "%s", s->rid[i]) >= (int)sizeof c.rid[i])
      return RTC_EARG;
  return rtc_transport_simulcast(r, worker, id, &c);
}

static int a_view(void *user, int worker, uint64_t id, const sig_media_view *v, int n) {
  rtc *r = *(rtc **)user;
  if (!r || n < 0 || n > RTC_RECV_MAX || (n && !v)) return RTC_EARG;
  rtc_view out[RTC_RECV_MAX];
  for (int i = 0; i < n; i++) {
    if (v[i].width < 0 || v[i].width > 65535 || v[i].height < 0 || v[i].height > 65535)
      return RTC_EARG;
    out[i] = (rtc_view){v[i].group, (uint16_t)v[i].width, (uint16_t)v[i].height};
  }
  return rtc_transport_view(r, worker, id, out, n);
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
  out->recv_mapped = a_recv_mapped;
  out->audio = a_audio;
  out->send = a_send;
  out->simulcast = a_simulcast;
  out->view = a_view;
  out->user = rp;
}
