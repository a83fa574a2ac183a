/* Simulcast forwarding on a worker (see rtc.h, "Simulcast"): each publisher's camera layers,
 * learned from the rid header extension, and for each subscriber one layer of it on one SSRC,
 * chosen from its tile size (rtc_transport_view) and its bandwidth estimate (layer.h), and
 * switched only at a keyframe of the new layer, which buzzd requests with a PLI.
 *
 * Everything here runs on the worker's thread, except the two command functions at the end,
 * which run on the control thread and only post messages. */
#include <stdlib.h>
#include <string.h>

#include "rtc/be.h"
#include "rtc/bwe.h"
#include "rtc/layer.h"
#include "rtc/rewrite.h"
#include "rtc/rtc_int.h"

#define SIM_ACTIVE_MS 1000 /* a layer with no packet for this long is not chosen */
#define SIM_RATE_MS 500    /* the per-layer rate is measured over windows this long */
#define SIM_PLI_MS 500     /* buzzd asks for a keyframe of one layer at most this often */
#define SIM_LASTN_MS 500   /* a subscriber's last-N choice is made again this often */
#define SIM_LASTN_HOLD_MS 3000   /* a camera is paused only after its lack lasted this long */
#define SIM_LASTN_PROBE_MS 10000 /* while cameras are paused, one is resumed on trial this often:
                                    a REMB can show little room above what arrives, so it
                                    would not rise on its own */
#define SIM_LASTN_GRACE_MS 10000 /* rtc_options.lastn_grace_ms's default */

typedef struct rtc__sim_src {
  rtc_simulcast cfg;
  uint32_t ssrc[RTC_SIM_LAYERS]; /* learned from the rid extension; 0 = not yet */
  rtc_rtx_buf *rtx[RTC_SIM_LAYERS];
  rtc_layer_info info[RTC_SIM_LAYERS];
  uint64_t last_ms[RTC_SIM_LAYERS], pli_ms[RTC_SIM_LAYERS];
  uint64_t bytes[RTC_SIM_LAYERS], rate_ms;
} rtc__sim_src;

typedef struct rtc__sim_sub {
  uint32_t group; /* 0 = a free entry */
  int cur;        /* the layer it is sent, -1 = none (new, paused, or waiting for a keyframe) */
  int lastn_off;  /* 1: paused by last-N (layer.h) */
  rtc_rewriter rw;
} rtc__sim_sub;

/* The bandwidth estimate of subscriber t in bit/s, 0 = no cap (none yet, or its link is not
 * the limit: bwe.h, cc.c). The single place the estimate enters the layer choice. */
static uint32_t sub_bwe_bps(const rtc__transport *t) {
  return rtc__bwe_bps(t);
}

static int listed(const uint32_t *list, int n, uint32_t ssrc) {
  for (int i = 0; i < n; i++)
    if (list[i] == ssrc) return 1;
  return 0;
}

static int layer_of(const rtc__sim_src *s, uint32_t ssrc) {
  for (int i = 0; i < s->cfg.n; i++)
    if (s->ssrc[i] == ssrc) return i;
  return -1;
}

/* 1 when another member publishes `ssrc` (declared, or a group or layer of its own), so that
 * a publisher cannot take someone else's stream by naming it in a rid packet. */
static int ssrc_taken(const rtc__transport *from, uint32_t ssrc) {
  for (const rtc__transport *m = from->room->members; m; m = m->room_next) {
    if (listed(m->send, m->n_send, ssrc)) return 1;
    if (!m->sim) continue;
    if (m->sim->cfg.group == ssrc || (m != from && layer_of(m->sim, ssrc) >= 0)) return 1;
  }
  return 0;
}

static rtc__sim_src *src_of_group(const rtc__room *r, uint32_t group) {
  for (const rtc__transport *m = r->members; m; m = m->room_next)
    if (m->sim && m->sim->cfg.group == group) return m->sim;
  return NULL;
}

static const rtc__transport *pub_of_group(const rtc__room *r, uint32_t group) {
  for (const rtc__transport *m = r->members; m; m = m->room_next)
    if (m->sim && m->sim->cfg.group == group) return m;
  return NULL;
}

static rtc__sim_sub *sub_find(const rtc__transport *t, uint32_t group) {
  if (!t->sim_subs) return NULL;
  for (int i = 0; i < t->n_sim_subs; i++)
    if (t->sim_subs[i].group == group) return &t->sim_subs[i];
  return NULL;
}

/* Every change of a layer choice goes through here, so the count of cameras sent is redone
 * only after one (it is read for every packet to every subscriber). */
static void set_cur(rtc__transport *t, rtc__sim_sub *e, int layer) {
  if ((e->cur >= 0) != (layer >= 0)) t->sim_sent_stale = 1;
  e->cur = layer;
}

/* t's entry for group, made on first use (in a free slot, or one of a group it no longer
 * receives). NULL when out of memory. */
static rtc__sim_sub *sub_for(rtc__transport *t, uint32_t group) {
  rtc__sim_sub *e = sub_find(t, group);
  if (e) return e;
  if (!t->sim_subs && !(t->sim_subs = calloc(RTC_RECV_MAX, sizeof *t->sim_subs))) return NULL;
  for (int i = 0; i <= t->n_sim_subs && i < RTC_RECV_MAX; i++) {
    e = &t->sim_subs[i];
    if (i < t->n_sim_subs && listed(t->recv, t->n_recv, e->group)) continue;
    if (i == t->n_sim_subs) t->n_sim_subs++;
    e->group = group;
    e->cur = -1;
    e->lastn_off = 0;
    t->sim_sent_stale = 1;
    rtc_rewrite_init(&e->rw, group, 90000);
    return e;
  }
  return NULL; /* cannot happen: t receives at most RTC_RECV_MAX groups */
}

/* The simulcast cameras t is being sent now (a layer chosen), at least 1. */
static uint32_t cameras_sent(rtc__transport *t) {
  if (t->sim_sent_stale) {
    uint32_t k = 0;
    for (int i = 0; i < t->n_sim_subs; i++)
      k += t->sim_subs[i].cur >= 0 && listed(t->recv, t->n_recv, t->sim_subs[i].group);
    t->sim_sent = k;
    t->sim_sent_stale = 0;
  }
  return t->sim_sent ? t->sim_sent : 1;
}

/* What t asks of group's camera: its tile, and an equal share of its estimate among the
 * cameras it is sent (the estimate is the whole link's). */
static void view_of(rtc__transport *t, uint32_t group, rtc_layer_want *want) {
  memset(want, 0, sizeof *want);
  want->bwe_bps = sub_bwe_bps(t);
  if (want->bwe_bps) want->bwe_bps = want->bwe_bps / cameras_sent(t) + 1; /* 0 stays "no cap" */
  if (!t->has_views) return;
  for (int i = 0; i < t->n_views; i++)
    if (t->views[i].group == group) {
      want->has_view = 1;
      want->width = t->views[i].width;
      want->height = t->views[i].height;
    }
}

/* Last-N (layer.h): every SIM_LASTN_MS, which of the cameras t shows fit its estimate at their
 * lowest layers, the most recently heard first; the others are paused (e->lastn_off) and the
 * control thread hears of each change (RTC_EV_LASTN), to tell the page. */
static void lastn_update(rtc__worker *w, rtc__transport *t, uint64_t now) {
  if (t->lastn_ms && now - t->lastn_ms < SIM_LASTN_MS) return;
  t->lastn_ms = now ? now : 1;
  if (!t->lastn_start_ms) t->lastn_start_ms = t->lastn_ms;
  uint32_t grace = w->owner->o.lastn_grace_ms ? w->owner->o.lastn_grace_ms : SIM_LASTN_GRACE_MS;
  rtc_lastn_cand c[RTC_RECV_MAX];
  int idx[RTC_RECV_MAX], n = 0;
  uint8_t keep[RTC_RECV_MAX];
  for (int i = 0; i < t->n_sim_subs; i++) {
    rtc__sim_sub *e = &t->sim_subs[i];
    if (!e->group || (t->recv_filter && !listed(t->recv, t->n_recv, e->group))) continue;
    const rtc__transport *pub = pub_of_group(t->room, e->group);
    rtc_layer_want want;
    view_of(t, e->group, &want);
    int lowest = -1;
    for (int k = 0; pub && k < pub->sim->cfg.n && lowest < 0; k++)
      if (pub->sim->info[k].active) lowest = k;
    if (lowest < 0 || (want.has_view && (!want.width || !want.height))) {
      e->lastn_off = 0; /* not shown, or not sending: nothing to weigh */
      continue;
    }
    c[n] = (rtc_lastn_cand){pub->sim->info[lowest].bps, pub->spk.spoke_ms, !e->lastn_off};
    idx[n++] = i;
  }
  rtc_lastn_choose(c, n, rtc__bwe_remb_bps(t), keep);
  /* Resumes at once; pauses only when the lack has lasted (a dip of the estimate, or a new
   * layer's first measurement, stops no camera). */
  int pausing = 0;
  for (int j = 0; j < n; j++) pausing |= !keep[j] && !t->sim_subs[idx[j]].lastn_off;
  if (!pausing) {
    t->lastn_short_ms = 0;
  } else if (!t->lastn_short_ms || now - t->lastn_short_ms < SIM_LASTN_HOLD_MS ||
             now - t->lastn_start_ms < grace) {
    if (!t->lastn_short_ms) t->lastn_short_ms = now ? now : 1;
    for (int j = 0; j < n; j++)
      if (!t->sim_subs[idx[j]].lastn_off) keep[j] = 1;
  }
  /* A trial: the paused camera heard last comes back; if the estimate does not rise for it,
   * it is paused again after the hold. */
  int trial = -1;
  for (int j = 0; j < n; j++)
    if (!keep[j] && t->sim_subs[idx[j]].lastn_off && (trial < 0 || c[j].spoke_ms > c[trial].spoke_ms))
      trial = j;
  if (trial >= 0 && now - t->lastn_probe_ms >= SIM_LASTN_PROBE_MS) {
    keep[trial] = 1;
    t->lastn_probe_ms = now;
  }
  int changed = 0;
  for (int j = 0; j < n; j++) {
    rtc__sim_sub *e = &t->sim_subs[idx[j]];
    if (e->lastn_off == !keep[j]) continue;
    e->lastn_off = !keep[j];
    if (e->lastn_off) {
      t->lastn_probe_ms = now; /* the next trial in SIM_LASTN_PROBE_MS */
      rtc__count(&w->c.lastn_pauses, 1);
    }
    changed = 1;
  }
  if (!changed) return;
  rtc_event ev = {.type = RTC_EV_LASTN, .transport_id = t->id};
  for (int j = 0; j < n; j++)
    if (!keep[j]) ev.groups[ev.n_groups++] = t->sim_subs[idx[j]].group;
  rtc__emit(w, &ev);
}

/* A PLI (RFC 4585 §6.3.1) for layer i to its publisher, at most one per SIM_PLI_MS. */
static void request_keyframe(rtc__worker *w, rtc__transport *pub, rtc__sim_src *s, int i,
                             uint64_t now) {
  if (i < 0 || !s->ssrc[i] || (s->pli_ms[i] && now - s->pli_ms[i] < SIM_PLI_MS)) return;
  s->pli_ms[i] = now ? now : 1;
  uint8_t pli[12] = {0x81, RTCP_PSFB, 0, 2};
  wr32(pli + 4, s->cfg.group);
  wr32(pli + 8, s->ssrc[i]);
  if (rtc__send_to(w, pub, pli, sizeof pli, 1)) rtc__count(&w->c.plis_sent, 1);
}

/* Copies p into t's send batch rewritten by rw, encrypts it. 1 when queued. */
static int send_rewritten(rtc__worker *w, rtc__transport *t, rtc_rewriter *rw, const uint8_t *p,
                          size_t n, uint64_t now) {
  const struct sockaddr *to = ice_lite_selected(&t->ice);
  if (!t->srtp || !to || n > UDP_SLOT - RTC_SRTCP_MAX_TRAILER) return 0;
  uint8_t *slot = udp_tx_reserve(w->fd, w->tx);
  memcpy(slot, p, n);
  size_t len = n;
  if (rtc_rewrite_rtp(rw, slot, n, now) != 0) return 0;   /* not committed: the slot is reused */
  const rtc_hdrmap *map = rtc__recv_map(t, rw->out_ssrc); /* the subscriber's numbers */
  if (map && rtc_hdrmap_apply(map, slot, &len) != RTC_HDRMAP_OK) {
    rtc__count(&w->c.map_refused, 1);
    return 0;
  }
  if (rtc_esrtp_protect_rtp(t->srtp, slot, &len, UDP_SLOT) < 0) return 0;
  t->cc.tx_bytes += n; /* cc.c: what t is sent, against its estimate */
  udp_tx_commit(w->tx, len, to);
  return 1;
}

/* The layer of packet v, learning its SSRC from the rid extension on first sight. -1 when it
 * is none of this source's layers. */
static int learn(rtc__worker *w, rtc__transport *from, rtc__sim_src *s, const rtp_view *v) {
  int i = layer_of(s, v->ssrc);
  if (i >= 0) return i;
  const uint8_t *val;
  size_t len;
  if (rtp_ext_find(v, s->cfg.rid_ext, &val, &len) != 1) return -1;
  for (i = 0; i < s->cfg.n; i++)
    if (strlen(s->cfg.rid[i]) == len && !memcmp(s->cfg.rid[i], val, len)) break;
  if (i == s->cfg.n || ssrc_taken(from, v->ssrc)) return -1;
  rtc_rtx_destroy(s->rtx[i]);
  s->rtx[i] = rtc_rtx_create(v->ssrc);
  s->ssrc[i] = v->ssrc;
  memset(&s->info[i], 0, sizeof s->info[i]);
  s->last_ms[i] = s->pli_ms[i] = s->bytes[i] = 0;
  (void)w;
  return i;
}

static void account(rtc__sim_src *s, int i, size_t n, uint64_t now) {
  s->bytes[i] += n;
  s->last_ms[i] = now ? now : 1;
  if (!s->rate_ms) s->rate_ms = now;
  if (now - s->rate_ms >= SIM_RATE_MS) {
    for (int k = 0; k < s->cfg.n; k++) {
      s->info[k].bps = (uint32_t)(s->bytes[k] * 8000u / (now - s->rate_ms));
      s->bytes[k] = 0;
    }
    s->rate_ms = now;
  }
  for (int k = 0; k < s->cfg.n; k++)
    s->info[k].active = s->last_ms[k] && now - s->last_ms[k] < SIM_ACTIVE_MS;
}

int rtc__sim_forward(rtc__worker *w, rtc__transport *from, const uint8_t *p, size_t n) {
  rtc__sim_src *s = from->sim;
  rtp_view v;
  if (!s || rtp_parse(p, n, &v) != 0) return 0;
  int L = learn(w, from, s, &v);
  if (L < 0) return 0;
  uint64_t now = rtc__now_ms(w);
  account(s, L, n, now);
  uint16_t kw = 0, kh = 0;
  int key = rtc_vp8_keyframe(v.payload, v.payload_len, &kw, &kh);
  if (key) s->info[L].width = kw, s->info[L].height = kh;
  if (s->rtx[L]) rtc_rtx_put(s->rtx[L], p, n, now);
  uint32_t group = s->cfg.group;
  uint64_t sent = 0, bytes = 0;
  for (rtc__transport *t = from->room->members; t; t = t->room_next) {
    if (t == from || (from->peer && t->peer == from->peer)) continue;
    if (t->recv_filter && !listed(t->recv, t->n_recv, group)) continue;
    rtc__sim_sub *e = sub_for(t, group);
    if (!e) continue;
    lastn_update(w, t, now);
    rtc_layer_want want;
    view_of(t, group, &want);
    int target = e->lastn_off ? -1 : rtc_layer_choose(s->info, s->cfg.n, &want);
    if (target < 0) {
      set_cur(t, e, -1); /* paused: it resumes at a keyframe */
      continue;
    }
    if (e->cur != target) {
      if (L == target && key) {
        rtc_rewrite_switch(&e->rw, v.ssrc);
        set_cur(t, e, target);
        rtc__count(&w->c.layer_switches, 1);
      } else {
        request_keyframe(w, from, s, target, now); /* meanwhile the current layer goes on */
      }
    }
    if (L != e->cur) continue;
    if (send_rewritten(w, t, &e->rw, p, n, now)) {
      sent++;
      bytes += w->tx->len[w->tx->n - 1];
    }
  }
  rtc__count(&w->c.fwd_packets, sent);
  rtc__count(&w->c.fwd_bytes, bytes);
  return 1;
}

int rtc__sim_feedback(rtc__worker *w, rtc__transport *from, const rtcp_fb *fb, uint64_t now) {
  uint32_t group = fb->kind == RTCP_FB_FIR && fb->n_items ? fb->items[0].a : fb->media_ssrc;
  if (fb->kind != RTCP_FB_NACK && fb->kind != RTCP_FB_PLI && fb->kind != RTCP_FB_FIR) return 0;
  rtc__sim_src *s = src_of_group(from->room, group);
  if (!s) return 0;
  rtc__sim_sub *e = sub_find(from, group);
  if (!e || e->cur < 0) return 1; /* it gets nothing yet: its first packet is a keyframe */
  rtc__transport *pub = (rtc__transport *)pub_of_group(from->room, group);
  if (fb->kind != RTCP_FB_NACK) {
    request_keyframe(w, pub, s, e->cur, now);
    return 1;
  }
  rtc__count(&w->c.nack_in, 1);
  if (!s->rtx[e->cur]) return 1;
  uint16_t seqs[RTCP_FB_MAX_ITEMS * 17];
  int k = rtc_nack_seqs(fb, seqs, (int)(sizeof seqs / sizeof seqs[0]));
  uint64_t resent = 0;
  for (int i = 0; i < k; i++) {
    size_t len;
    const uint8_t *pkt =
        rtc_rtx_get(s->rtx[e->cur], (uint16_t)(seqs[i] - e->rw.seq_offset), now, &len);
    if (pkt) resent += (uint64_t)send_rewritten(w, from, &e->rw, pkt, len, now);
  }
  rtc__count(&w->c.rtx_sent, resent);
  return 1;
}

/* Also takes a layer's SDES and BYE (their first SSRC a layer's): the subscribers know the
 * camera under the group's SSRC only, and those would be refused as foreign SSRCs. */
int rtc__sim_sr(rtc__worker *w, rtc__transport *from, const rtcp_view *v) {
  rtc__sim_src *s = from->sim;
  if (!s || v->body_len < 4) return 0;
  if (v->type == RTCP_SDES || v->type == RTCP_BYE) return layer_of(s, rd32(v->body)) >= 0;
  if (v->type != RTCP_SR || v->body_len < 24) return 0;
  int L = layer_of(s, rd32(v->body));
  if (L < 0) return 0;
  /* The SR alone (no report blocks: those are about what `from` receives), under the group's
   * SSRC, its RTP time moved by each subscriber's offset. */
  uint8_t sr[28] = {0x80, RTCP_SR, 0, 6};
  memcpy(sr + 4, v->body, 24);
  for (rtc__transport *t = from->room->members; t; t = t->room_next) {
    if (t == from || (from->peer && t->peer == from->peer)) continue;
    rtc__sim_sub *e = sub_find(t, s->cfg.group);
    if (!e || e->cur != L || !e->rw.has_src || e->rw.switching) continue;
    wr32(sr + 4, s->cfg.group);
    wr32(sr + 12 + 4, rd32(v->body + 12) + e->rw.ts_offset);
    rtc__send_to(w, t, sr, sizeof sr, 1);
  }
  return 1;
}

void rtc__sim_free(rtc__transport *t) {
  if (t->sim)
    for (int i = 0; i < RTC_SIM_LAYERS; i++) rtc_rtx_destroy(t->sim->rtx[i]);
  free(t->sim);
  free(t->sim_subs);
  t->sim = NULL;
  t->sim_subs = NULL;
  t->n_sim_subs = 0;
}

static int same_layers(const rtc_simulcast *a, const rtc_simulcast *b) {
  if (a->group != b->group || a->n != b->n) return 0;
  for (int i = 0; i < a->n; i++)
    if (strcmp(a->rid[i], b->rid[i])) return 0;
  return 1;
}

void rtc__sim_command(rtc__worker *w, const rtc__msg *m) {
  rtc__transport *t = rtc_map_get(w->by_id, &m->id, sizeof m->id);
  if (!t) return;
  if (m->type == MSG_TRANSPORT_VIEW) {
    int n = m->n_ssrcs < 0 ? 0 : m->n_ssrcs > RTC_RECV_MAX ? RTC_RECV_MAX : m->n_ssrcs;
    memcpy(t->views, m->views, (size_t)n * sizeof *t->views);
    t->n_views = n;
    t->has_views = 1;
    return;
  }
  if (!m->sim.group) { /* no simulcast any more (what it receives is kept) */
    if (t->sim)
      for (int i = 0; i < RTC_SIM_LAYERS; i++) rtc_rtx_destroy(t->sim->rtx[i]);
    free(t->sim);
    t->sim = NULL;
    return;
  }
  if (t->sim && same_layers(&t->sim->cfg, &m->sim)) {
    t->sim->cfg.rid_ext = m->sim.rid_ext; /* a renegotiation may renumber the extension */
    return;
  }
  rtc__sim_src *s = calloc(1, sizeof *s);
  if (!s) return;
  s->cfg = m->sim;
  if (t->sim)
    for (int i = 0; i < RTC_SIM_LAYERS; i++) rtc_rtx_destroy(t->sim->rtx[i]);
  free(t->sim);
  t->sim = s;
}

/* ---- control thread ---- */

static int post_msg(rtc *r, int worker, rtc__msg *m) {
  if (!r || worker < 0 || worker >= r->nworkers) {
    free(m);
    return RTC_EARG;
  }
  rtc__worker_post(&r->workers[worker], m);
  return 0;
}

int rtc_transport_simulcast(rtc *r, int worker, uint64_t id, const rtc_simulcast *s) {
  if (!s || (s->group && (s->n < 2 || s->n > RTC_SIM_LAYERS || s->rid_ext == 0))) return RTC_EARG;
  for (int i = 0; s->group && i < s->n; i++)
    if (!memchr(s->rid[i], '\0', sizeof s->rid[i]) || !s->rid[i][0]) return RTC_EARG;
  rtc__msg *m = calloc(1, sizeof *m);
  if (!m) return RTC_ENOMEM;
  m->type = MSG_TRANSPORT_SIMULCAST;
  m->id = id;
  m->sim = *s;
  return post_msg(r, worker, m);
}

int rtc_transport_view(rtc *r, int worker, uint64_t id, const rtc_view *v, int n) {
  if (n < 0 || n > RTC_RECV_MAX || (n && !v)) return RTC_EARG;
  rtc__msg *m = calloc(1, sizeof *m);
  if (!m) return RTC_ENOMEM;
  m->type = MSG_TRANSPORT_VIEW;
  m->id = id;
  if (n) memcpy(m->views, v, (size_t)n * sizeof *v);
  m->n_ssrcs = n;
  return post_msg(r, worker, m);
}
