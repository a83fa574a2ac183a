/* Rooms on a worker and the forwarding path: a packet decrypted from one member is
 * re-encrypted for each other member straight into the send batch (one copy per receiver,
 * no allocation). Runs on the worker's thread. */
#include <stdlib.h>
#include <string.h>

#include "rtc/rtc_int.h"

int rtc__room_join(rtc__worker *w, rtc__transport *t, uint64_t id) {
  rtc__room *r = rtc_map_get(w->by_room, &id, sizeof id);
  if (!r) {
    if (!(r = calloc(1, sizeof *r))) return -1;
    r->id = id;
    if (rtc_map_put(w->by_room, &r->id, sizeof r->id, r) < 0) {
      free(r);
      return -1;
    }
  }
  t->room = r;
  t->room_prev = NULL;
  t->room_next = r->members;
  if (r->members) r->members->room_prev = t;
  r->members = t;
  r->n++;
  return 0;
}

void rtc__room_leave(rtc__worker *w, rtc__transport *t) {
  rtc__room *r = t->room;
  if (!r) return;
  if (t->room_prev)
    t->room_prev->room_next = t->room_next;
  else
    r->members = t->room_next;
  if (t->room_next) t->room_next->room_prev = t->room_prev;
  t->room = NULL;
  t->room_prev = t->room_next = NULL;
  if (--r->n == 0) {
    rtc_map_del(w->by_room, &r->id, sizeof r->id);
    free(r);
  }
}

void rtc__forward(rtc__worker *w, rtc__transport *from, const uint8_t *p, size_t n, int rtcp) {
  if (n > UDP_SLOT - RTC_SRTCP_MAX_TRAILER) return;
  uint64_t sent = 0, bytes = 0;
  for (rtc__transport *t = from->room->members; t; t = t->room_next) {
    const struct sockaddr *to = ice_lite_selected(&t->ice);
    if (t == from || !t->srtp || !to) continue;
    uint8_t *slot = udp_tx_reserve(w->fd, w->tx);
    memcpy(slot, p, n);
    size_t len = n;
    int rc = rtcp ? rtc_srtp_protect_rtcp(t->srtp, slot, &len, UDP_SLOT)
                  : rtc_srtp_protect_rtp(t->srtp, slot, &len, UDP_SLOT);
    if (rc < 0) continue; /* the slot is not committed: it is reused by the next packet */
    udp_tx_commit(w->tx, len, to);
    sent++;
    bytes += len;
  }
  rtc__count(&w->c.fwd_packets, sent);
  rtc__count(&w->c.fwd_bytes, bytes);
}
