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

/* Frees the retransmission buffers of the streams t published: the room keeps at most
 * ROOM_MAX_RTX, and a meeting where people come and go would otherwise fill them with the
 * streams of those who left, and then answer nobody's NACK. */
static void drop_published_rtx(rtc__room *r, const rtc__transport *t) {
  if (!t->send_filter) return;
  for (int i = 0; i < r->n_rtx;) {
    uint32_t ssrc = rtc_rtx_ssrc(r->rtx[i]);
    int mine = 0;
    for (int k = 0; k < t->n_send && !mine; k++) mine = t->send[k] == ssrc;
    if (!mine) {
      i++;
      continue;
    }
    rtc_rtx_destroy(r->rtx[i]);
    r->n_rtx--;
    r->rtx[i] = r->rtx[r->n_rtx];
    r->kf_ms[i] = r->kf_ms[r->n_rtx];
  }
}

void rtc__room_leave(rtc__worker *w, rtc__transport *t) {
  rtc__room *r = t->room;
  if (!r) return;
  drop_published_rtx(r, t);
  if (t->room_prev)
    t->room_prev->room_next = t->room_next;
  else
    r->members = t->room_next;
  if (t->room_next) t->room_next->room_prev = t->room_prev;
  t->room = NULL;
  t->room_prev = t->room_next = NULL;
  if (--r->n == 0) {
    rtc_map_del(w->by_room, &r->id, sizeof r->id);
    for (int i = 0; i < r->n_rtx; i++) rtc_rtx_destroy(r->rtx[i]);
    free(r);
  }
}

static rtc_rtx_buf *rtx_for(rtc__room *r, uint32_t ssrc, int create) {
  for (int i = 0; i < r->n_rtx; i++)
    if (rtc_rtx_ssrc(r->rtx[i]) == ssrc) return r->rtx[i];
  if (!create || r->n_rtx == ROOM_MAX_RTX) return NULL;
  rtc_rtx_buf *b = rtc_rtx_create(ssrc);
  if (b) r->rtx[r->n_rtx++] = b;
  return b;
}

/* Tests only (rtc_options.test_loss_permille): 1 when this RTP packet is to be lost. */
static int test_loss(rtc__worker *w) {
  uint32_t permille = w->owner->o.test_loss_permille;
  if (!permille) return 0;
  uint64_t x = w->loss_rng ? w->loss_rng : 0x9E3779B97F4A7C15ull;
  x ^= x << 13, x ^= x >> 7, x ^= x << 17;
  w->loss_rng = x;
  if (x % 1000 >= permille) return 0;
  rtc__count(&w->c.test_dropped, 1);
  return 1;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Encrypts plaintext p[0..n) for t into the send batch. 1 when queued. */
static int send_to(rtc__worker *w, rtc__transport *t, const uint8_t *p, size_t n, int rtcp) {
  const struct sockaddr *to = ice_lite_selected(&t->ice);
  if (!t->srtp || !to || n > UDP_SLOT - RTC_SRTCP_MAX_TRAILER) return 0;
  if (!rtcp && test_loss(w)) return 1; /* "sent", and lost on the way */
  uint8_t *slot = udp_tx_reserve(w->fd, w->tx);
  memcpy(slot, p, n);
  size_t len = n;
  /* The subscriber's numbers (hdrmap.h), under the SSRC it is sent (a simulcast group's too). */
  const rtc_hdrmap *map = rtcp || n < RTP_HEADER_MIN ? NULL : rtc__recv_map(t, be32(slot + 8));
  if (map && rtc_hdrmap_apply(map, slot, &len) != RTC_HDRMAP_OK) {
    rtc__count(&w->c.map_refused, 1);
    return 0; /* not committed: the slot is reused */
  }
  int rc = rtcp ? rtc_esrtp_protect_rtcp(t->srtp, slot, &len, UDP_SLOT)
                : rtc_esrtp_protect_rtp(t->srtp, slot, &len, UDP_SLOT);
  if (rc < 0) return 0; /* the slot is not committed: the next packet reuses it */
  udp_tx_commit(w->tx, len, to);
  if (!rtcp) t->cc.tx_bytes += n; /* cc.c: what t is sent, against its estimate */
  return 1;
}

int rtc__send_to(rtc__worker *w, rtc__transport *t, const uint8_t *p, size_t n, int rtcp) {
  return send_to(w, t, p, n, rtcp);
}

#define KEYFRAME_REQUEST_MS 500 /* at most one PLI/FIR per stream this often reaches its sender */

/* 1 when a keyframe request for `ssrc` may go on now (and records it), 0 when one went on less
 * than KEYFRAME_REQUEST_MS ago. Streams the room has not seen are not limited. */
static int keyframe_request_ok(rtc__room *r, uint32_t ssrc, uint64_t now) {
  for (int i = 0; i < r->n_rtx; i++) {
    if (rtc_rtx_ssrc(r->rtx[i]) != ssrc) continue;
    if (r->kf_ms[i] && now - r->kf_ms[i] < KEYFRAME_REQUEST_MS) return 0;
    r->kf_ms[i] = now ? now : 1;
    return 1;
  }
  return 1;
}

static int listed(const uint32_t *list, int n, uint32_t ssrc) {
  for (int i = 0; i < n; i++)
    if (list[i] == ssrc) return 1;
  return 0;
}

/* 1 when a packet a sender writes about its own streams (SR, SDES, BYE, APP: RFC 3550 §6) names
 * only SSRCs that `from` publishes, or when `from` is not filtered; 0 otherwise, or when the
 * packet is too short for what its count says. Receiver-side packets (RR, feedback) pass: their
 * sender SSRC is the receiver's own, which it never publishes. */
static int sender_ok(const rtc__transport *from, const rtcp_view *v) {
  if (!from->send_filter) return 1;
  const uint8_t *b = v->body;
  size_t n = v->body_len;
  switch (v->type) {
    case RTCP_SR:
    case RTCP_APP:
      return n >= 4 && listed(from->send, from->n_send, be32(b));
    case RTCP_BYE:
      if (n < 4 * (size_t)v->count) return 0;
      for (int i = 0; i < v->count; i++)
        if (!listed(from->send, from->n_send, be32(b + 4 * i))) return 0;
      return 1;
    case RTCP_SDES: {
      size_t off = 0;
      for (int i = 0; i < v->count; i++) { /* chunk: SSRC, items, a zero type, pad to 32 bits */
        if (n - off < 4 || !listed(from->send, from->n_send, be32(b + off))) return 0;
        off += 4;
        while (off < n && b[off] != 0) {
          if (n - off < 2 || n - off - 2 < b[off + 1]) return 0;
          off += 2 + (size_t)b[off + 1];
        }
        if (off >= n) return 0;
        off = (off + 4) & ~(size_t)3; /* past the terminating zero, aligned */
        if (off > n) return 0;
      }
      return 1;
    }
    default:
      return 1;
  }
}

/* Answers the NACKs of `from` for streams the room buffers, holds back keyframe requests over
 * the per-stream rate, drops sender packets under SSRCs `from` does not publish (sender_ok),
 * and copies every other packet of the compound into out (what is answered, held back or
 * dropped here reaches nobody). Returns the length of what is left to forward, or -1 when the
 * compound is malformed. */
static int answer_nacks(rtc__worker *w, rtc__transport *from, const uint8_t *p, size_t n,
                        uint8_t *out) {
  if (rtcp_validate(p, n) < 0) return -1;
  rtcp_iter it;
  rtcp_view v;
  rtcp_iter_init(&it, p, n);
  size_t kept = 0;
  uint64_t now = rtc__now_ms(w);
  while (rtcp_next(&it, &v) == 1) {
    rtcp_fb fb;
    rtc_rtx_buf *b = NULL;
    if (rtc__cc_on_rtcp(w, from, &v)) continue; /* a REMB: the subscriber's estimate (cc.c) */
    if (rtc__sim_sr(w, from, &v)) continue; /* a simulcast layer's SR, re-timed per subscriber */
    if ((v.type == RTCP_RTPFB || v.type == RTCP_PSFB) && rtcp_parse_fb(&v, &fb) == 0 &&
        rtc__sim_feedback(w, from, &fb, now))
      continue; /* about a simulcast group: answered in simulcast.c */
    if (!sender_ok(from, &v)) {
      rtc__count(&w->c.rtcp_refused, 1);
      continue; /* an SR or BYE under someone else's SSRC would reach that one's subscribers */
    }
    if (v.type == RTCP_RTPFB && rtcp_parse_fb(&v, &fb) == 0 && fb.kind == RTCP_FB_NACK) {
      rtc__count(&w->c.nack_in, 1);
      b = rtx_for(from->room, fb.media_ssrc, 0);
    } else if (v.type == RTCP_PSFB && rtcp_parse_fb(&v, &fb) == 0 &&
               (fb.kind == RTCP_FB_PLI || fb.kind == RTCP_FB_FIR)) {
      uint32_t target = fb.kind == RTCP_FB_FIR && fb.n_items ? fb.items[0].a : fb.media_ssrc;
      if (!keyframe_request_ok(from->room, target, now)) {
        rtc__count(&w->c.kf_suppressed, 1);
        continue;
      }
    }
    if (!b) {
      memcpy(out + kept, v.body - 4, v.total_len);
      kept += v.total_len;
      continue;
    }
    uint16_t seqs[RTCP_FB_MAX_ITEMS * 17];
    int k = rtc_nack_seqs(&fb, seqs, (int)(sizeof seqs / sizeof seqs[0]));
    uint64_t resent = 0;
    for (int i = 0; i < k; i++) {
      size_t len;
      const uint8_t *pkt = rtc_rtx_get(b, seqs[i], now, &len);
      if (pkt) resent += (uint64_t)send_to(w, from, pkt, len, 0);
    }
    rtc__count(&w->c.rtx_sent, resent);
  }
  return (int)kept;
}

/* 1 when t subscribed to `ssrc` (or takes every stream). */
static int wants(const rtc__transport *t, uint32_t ssrc) {
  return !t->recv_filter || listed(t->recv, t->n_recv, ssrc);
}

void rtc__forward(rtc__worker *w, rtc__transport *from, const uint8_t *p, size_t n, int rtcp) {
  if (n > UDP_SLOT - RTC_SRTCP_MAX_TRAILER) return;
  uint32_t ssrc = 0;
  uint8_t left[UDP_SLOT];
  if (rtcp) {
    int k = answer_nacks(w, from, p, n, left);
    if (k < 0) rtc__count(&w->c.rtcp_dropped, 1);
    if (k <= 0) return;
    p = left;
    n = (size_t)k;
  } else if (n >= RTP_HEADER_MIN) {
    ssrc = be32(p + 8);
    if (from->sim && rtc__sim_forward(w, from, p, n)) return; /* a simulcast layer */
    if (from->send_filter && !listed(from->send, from->n_send, ssrc)) {
      rtc__count(&w->c.send_refused, 1);
      return; /* not a stream it declared: never under someone else's SSRC */
    }
    /* The microphone is not buffered: Opus is not NACKed (its answer has no nack feedback). */
    rtc_rtx_buf *b = ssrc == from->spk.ssrc && from->spk.ssrc ? NULL : rtx_for(from->room, ssrc, 1);
    if (b) rtc_rtx_put(b, p, n, rtc__now_ms(w));
  }
  uint64_t sent = 0, bytes = 0;
  for (rtc__transport *t = from->room->members; t; t = t->room_next) {
    if (t == from || (from->peer && t->peer == from->peer)) continue;
    if (!rtcp && !wants(t, ssrc)) continue;
    if (send_to(w, t, p, n, rtcp)) {
      sent++;
      bytes += w->tx->len[w->tx->n - 1];
    }
  }
  rtc__count(&w->c.fwd_packets, sent);
  rtc__count(&w->c.fwd_bytes, bytes);
}
