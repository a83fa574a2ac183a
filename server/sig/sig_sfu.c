/* SFU signaling: a participant of a room in SFU mode opens two connections to buzzd, one that
 * publishes its microphone and camera and one that receives everyone else's
 * (docs/protocol.md, "SFU negotiation"). Both are offered by the browser in `sfu-offer`; sig
 * parses the offer (rtc/sdp.h), creates or keeps the transport on the room's media worker,
 * answers as an ICE-lite, DTLS-passive server and tells the media plane which streams the
 * subscribing connection announces, so nothing else reaches it.
 *
 * Untrusted: the SDP (bounded by the message size and parsed by sdp_parse, which checks every
 * length), the `mids` map (bounded, every key and value checked). Nothing a publisher wrote
 * reaches another participant's SDP except its SSRC numbers: the cname and msid the others
 * see are made here from the publisher's id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"
#include "rtc/sdp_numbers.h"
#include "sig/sig_int.h"
#include "util/log.h"

#define SFU_UFRAG_LEN 8
#define SFU_PWD_LEN 32
#define SFU_ANSWER_MAX (256 * 1024) /* SDP_MAX_MEDIA m-lines of about 700 bytes, and headroom */
#define SFU_RECV_MAX 128 /* streams one subscribing connection may receive (RTC_RECV_MAX) */

enum { SFU_PUB = 0, SFU_SUB = 1 };
static const char *const pc_names[2] = {"pub", "sub"};

/* One of a participant's two transports. */
typedef struct sfu_tp {
  uint64_t id; /* 0 = none */
  char ufrag[SFU_UFRAG_LEN + 1], pwd[SFU_PWD_LEN + 1];
  char remote_ufrag[SDP_TOKEN_MAX + 1];
  char remote_fp[160];
} sfu_tp;

/* What a publisher sends: its microphone, its camera and its screen (the first sendonly audio
 * m-line, the first sendonly video m-line and the second one). */
enum { K_AUDIO = 0, K_VIDEO = 1, K_SCREEN = 2, K_COUNT = 3 };
static const char *const kind_names[K_COUNT] = {"audio", "video", "screen"};
#define SFU_VIEWS_MAX 64 /* tiles in one sfu-view */
#define SFU_SIM_MAX 4    /* simulcast layers of a camera */

/* One tile of the page's last sfu-view. */
typedef struct sfu_view {
  char id[SIG_PID_LEN + 1];
  int width, height; /* device pixels, 0 x 0 = not shown */
} sfu_view;

typedef struct sig_sfu_peer {
  uint64_t peer; /* the media plane's peer id of both transports */
  sfu_tp tp[2];
  int has[K_COUNT];
  uint32_t ssrc[K_COUNT]; /* the camera's is the simulcast group when sim_n > 0 */
  sdp_numbers num[K_COUNT]; /* its payload types and extension ids, for the subscribers' maps */
  /* The camera as simulcast (sim_n layers, lowest first, named by rid); the group (ssrc of
   * K_VIDEO) is made here and kept across renegotiations. */
  int sim_n, sim_ext;
  char sim_rid[SFU_SIM_MAX][SDP_RID_MAX + 1];
  uint32_t sim_group;
  sfu_view views[SFU_VIEWS_MAX];
  int n_views, has_views;
} sig_sfu_peer;

static int publishes(const sig_sfu_peer *s) {
  return s->has[K_AUDIO] || s->has[K_VIDEO] || s->has[K_SCREEN];
}

struct sig_sfu_scratch {
  char answer[SFU_ANSWER_MAX];
  struct sub_plan *plan; /* the sub offer's streams (100 KB: not on the stack) */
  sdp_session offer;     /* last: only its first m-lines are touched (sdp.h) */
};

void sig_ctx_set_media(sig_ctx *ctx, const sig_media *m) {
  if (!ctx || !m || m->workers < 1 || !m->ip || !m->fingerprint || !m->port || !m->add ||
      !m->remove || !m->recv || !m->send)
    return;
  ctx->media = *m;
}

void sig__sfu_ctx_free(sig_ctx *ctx) {
  if (ctx->sfu_scratch) free(ctx->sfu_scratch->plan);
  free(ctx->sfu_scratch);
  ctx->sfu_scratch = NULL;
}

static void tp_drop(sig_ctx *ctx, sig_room *r, sfu_tp *t) {
  if (t->id && ctx->media.workers) ctx->media.remove(ctx->media.user, r->media_worker, t->id);
  memset(t, 0, sizeof *t);
}

/* {"publishers":[{"id","audio","video","screen"}...]}: who sends what, for the subscribers. */
static json_t *publishers_json(sig_room *r) {
  json_t *arr = json_array();
  for (sig_part *q = r->parts; arr && q; q = q->next)
    if (q->sfu && publishes(q->sfu))
      json_array_append_new(arr, json_pack("{s:s, s:b, s:b, s:b}", "id", q->id, "audio",
                                           q->sfu->has[K_AUDIO], "video", q->sfu->has[K_VIDEO],
                                           "screen", q->sfu->has[K_SCREEN]));
  return json_pack("{s:o}", "publishers", arr);
}

static void announce(sig_room *r) {
  sig__broadcast(r, NULL, SIG_OUT_SFU_PUBLISHERS, publishers_json(r));
}

void sig__sfu_part_gone(sig_ctx *ctx, sig_part *p, int announce_it) {
  sig_sfu_peer *s = p->sfu;
  if (!s) return;
  int published = publishes(s);
  tp_drop(ctx, p->room, &s->tp[SFU_PUB]);
  tp_drop(ctx, p->room, &s->tp[SFU_SUB]);
  free(s);
  p->sfu = NULL;
  if (announce_it && published && sig__room_media(p->room) == SIG_MEDIA_SFU) announce(p->room);
}

void sig__sfu_room_off(sig_ctx *ctx, sig_room *r) {
  for (sig_part *q = r->parts; q; q = q->next) sig__sfu_part_gone(ctx, q, 0);
}

void sig__sfu_joined(sig_room *r, json_t *joined) {
  if (sig__room_media(r) != SIG_MEDIA_SFU) return;
  json_t *o = publishers_json(r);
  json_t *arr = json_object_get(o, "publishers");
  if (arr) json_object_set(joined, "publishers", arr);
  json_decref(o);
}

/* n random hex digits (hex is a subset of ice-char). */
static int random_hex(sig_ctx *ctx, char *out, size_t n) {
  uint8_t raw[32];
  if (n / 2 > sizeof raw || sig__random(ctx, raw, n / 2) != 0) return -1;
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n / 2; i++) {
    out[2 * i] = hex[raw[i] >> 4];
    out[2 * i + 1] = hex[raw[i] & 15];
  }
  out[n] = '\0';
  return 0;
}

/* The first m-line we accept: its ICE credentials and fingerprint apply to the bundle. */
static int first_accepted(const sdp_session *s) {
  for (int i = 0; i < s->n_media; i++)
    if (sdp_pick_codec(&s->media[i])) return i;
  return -1;
}

/* Keeps the transport when the browser kept its ICE credentials (a renegotiation), else
 * replaces it (first offer, ICE restart, a new connection after a reload). */
static int tp_ensure(sig_ctx *ctx, sig_part *p, sfu_tp *t, const sdp_session *s, int first,
                     const char **why) {
  const char *ufrag = sdp_ice_ufrag(s, first), *fp = sdp_fingerprint(s, first);
  if (t->id && !strcmp(t->remote_ufrag, ufrag) && !strcmp(t->remote_fp, fp)) return 0;
  sig_room *r = p->room;
  tp_drop(ctx, r, t);
  *why = "cannot create the media transport";
  if (random_hex(ctx, t->ufrag, SFU_UFRAG_LEN) < 0 || random_hex(ctx, t->pwd, SFU_PWD_LEN) < 0)
    return -1;
  snprintf(t->remote_ufrag, sizeof t->remote_ufrag, "%s", ufrag);
  snprintf(t->remote_fp, sizeof t->remote_fp, "%s", fp);
  uint64_t id = ++ctx->media_next;
  sig_media_transport mt = {.ufrag = t->ufrag, .pwd = t->pwd, .remote_ufrag = t->remote_ufrag,
                            .remote_fingerprint = t->remote_fp, .room = r->media_id,
                            .peer = p->sfu->peer};
  if (ctx->media.add(ctx->media.user, r->media_worker, id, &mt) < 0) {
    *why = "the media plane refused the transport (credentials from the offer)";
    memset(t, 0, sizeof *t);
    return -1;
  }
  t->id = id;
  return 0;
}

/* pub: the m-lines by position — the first audio one is the microphone, the first video one
 * the camera, the second video one the screen — each published while it is sendonly with an
 * SSRC we accept (the page keeps the m-line and makes it inactive when the screen share
 * stops). -1 + *why when the offer publishes nothing or reuses an SSRC someone else in the
 * room publishes. */
/* A fresh simulcast group: random, nonzero, not an SSRC anyone else in the room publishes. */
static uint32_t new_group(sig_ctx *ctx, sig_part *p) {
  for (int tries = 0; tries < 8; tries++) {
    uint8_t b[4];
    if (sig__random(ctx, b, sizeof b) != 0) return 0;
    uint32_t g = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    int taken = g == 0;
    for (sig_part *q = p->room->parts; q && !taken; q = q->next)
      for (int k = 0; q->sfu && k < K_COUNT; k++) taken |= q->sfu->has[k] && q->sfu->ssrc[k] == g;
    if (!taken) return g;
  }
  return 0;
}

static int read_publisher(sig_ctx *ctx, sig_part *p, const sdp_session *s, const char **why) {
  int has[K_COUNT] = {0, 0, 0}, seen[K_COUNT] = {0, 0, 0};
  uint32_t ssrc[K_COUNT] = {0, 0, 0};
  sdp_numbers num[K_COUNT];
  memset(num, 0, sizeof num);
  const sdp_media *sim = NULL; /* the camera's m-line when it is simulcast */
  for (int i = 0; i < s->n_media; i++) {
    const sdp_media *m = &s->media[i];
    int k = m->kind == SDP_AUDIO ? K_AUDIO : m->kind == SDP_VIDEO ? K_VIDEO : -1;
    if (k == K_VIDEO && seen[K_VIDEO]) k = K_SCREEN;
    if (k < 0 || seen[k]) continue;
    seen[k] = 1;
    if (m->dir != SDP_SENDONLY || !sdp_pick_codec(m)) continue;
    sdp_numbers_of(s, i, &num[k]);
    if (k == K_VIDEO && sdp_simulcast_send(m)) { /* layers by rid: SSRCs come with the packets */
      sim = m;
      has[k] = 1;
      ssrc[k] = p->sfu->sim_group ? p->sfu->sim_group : new_group(ctx, p);
      if (!ssrc[k]) has[k] = 0, sim = NULL;
      continue;
    }
    if (!m->n_ssrcs) continue;
    has[k] = 1;
    ssrc[k] = m->ssrcs[0];
  }
  *why = "the pub offer sends no audio or video (sendonly m-lines with a=ssrc)";
  if (!has[K_AUDIO] && !has[K_VIDEO] && !has[K_SCREEN]) return -1;
  *why = "an SSRC of the offer is already published in this room";
  if (has[K_VIDEO] && has[K_SCREEN] && ssrc[K_VIDEO] == ssrc[K_SCREEN]) return -1;
  for (sig_part *q = p->room->parts; q; q = q->next) {
    if (q == p || !q->sfu) continue;
    for (int k = 0; k < K_COUNT; k++)
      for (int j = 0; j < K_COUNT; j++)
        if (has[k] && q->sfu->has[j] && q->sfu->ssrc[j] == ssrc[k]) return -1;
  }
  memcpy(p->sfu->has, has, sizeof has);
  memcpy(p->sfu->ssrc, ssrc, sizeof ssrc);
  memcpy(p->sfu->num, num, sizeof num);
  p->sfu->sim_n = 0;
  if (sim) {
    p->sfu->sim_group = ssrc[K_VIDEO];
    p->sfu->sim_ext = sdp_ext_id(sim, SDP_EXT_RID);
    for (int i = 0; i < sim->n_sim && i < SFU_SIM_MAX; i++)
      snprintf(p->sfu->sim_rid[p->sfu->sim_n++], SDP_RID_MAX + 1, "%s", sim->rids[sim->sim[i]].id);
  }
  return 0;
}

/* Tells the media plane what the publishing transport's camera is (layers, or none). */
static int push_simulcast(sig_ctx *ctx, sig_part *p) {
  sig_sfu_peer *s = p->sfu;
  if (!ctx->media.simulcast || !s->tp[SFU_PUB].id) return 0;
  sig_media_simulcast sm = {.group = s->sim_n ? s->sim_group : 0, .rid_ext = s->sim_ext,
                            .n = s->sim_n};
  for (int i = 0; i < s->sim_n; i++) sm.rid[i] = s->sim_rid[i];
  return ctx->media.simulcast(ctx->media.user, p->room->media_worker, s->tp[SFU_PUB].id, &sm);
}

/* Tells the media plane which stream of the publishing transport is the microphone, and the
 * id of its level extension, so that buzzd can name the room's active speaker. */
static int push_audio(sig_ctx *ctx, sig_part *p) {
  sig_sfu_peer *s = p->sfu;
  if (!ctx->media.audio || !s->tp[SFU_PUB].id) return 0;
  int on = s->has[K_AUDIO];
  return ctx->media.audio(ctx->media.user, p->room->media_worker, s->tp[SFU_PUB].id,
                          on ? s->ssrc[K_AUDIO] : 0, on ? s->num[K_AUDIO].ext[SDP_NUM_AUDIO_LEVEL] : 0);
}

/* The participant whose `which` transport (SFU_PUB, SFU_SUB) is `id`, or NULL (gone since). */
static sig_part *part_of_transport(sig_ctx *ctx, int which, uint64_t id) {
  for (size_t b = 0; b < ctx->nbuckets; b++)
    for (sig_room *r = ctx->buckets[b]; r; r = r->hnext) {
      if (!r->media_id) continue;
      for (sig_part *p = r->parts; p; p = p->next)
        if (p->sfu && p->sfu->tp[which].id == id) return p;
    }
  return NULL;
}

void sig_media_speaker(sig_ctx *ctx, uint64_t transport_id) {
  if (!ctx || !transport_id) return;
  sig__enter(ctx);
  sig_part *q = part_of_transport(ctx, SFU_PUB, transport_id);
  if (q && sig__room_media(q->room) == SIG_MEDIA_SFU)
    sig__broadcast(q->room, NULL, SIG_OUT_ACTIVE_SPEAKER, json_pack("{s:s}", "id", q->id));
  sig__leave(ctx);
}

void sig_media_lastn(sig_ctx *ctx, uint64_t transport_id, const uint32_t *groups, int n) {
  if (!ctx || !transport_id || n < 0 || (n && !groups)) return;
  sig__enter(ctx);
  sig_part *p = part_of_transport(ctx, SFU_SUB, transport_id);
  json_t *ids = p && p->conn ? json_array() : NULL;
  for (sig_part *q = ids ? p->room->parts : NULL; q; q = q->next) {
    if (q == p || !q->sfu || !q->sfu->sim_n) continue;
    for (int i = 0; i < n; i++)
      if (groups[i] == q->sfu->sim_group) {
        json_array_append_new(ids, json_string(q->id));
        break;
      }
  }
  if (ids) sig__send(p->conn, SIG_OUT_VIDEO_PAUSED, json_pack("{s:o}", "ids", ids));
  sig__leave(ctx);
}

/* Tells the media plane the sizes of the page's tiles of simulcast cameras (none until the
 * page sent sfu-view: no cap). */
static int push_views(sig_ctx *ctx, sig_part *p) {
  sig_sfu_peer *s = p->sfu;
  if (!ctx->media.view || !s->tp[SFU_SUB].id || !s->has_views) return 0;
  sig_media_view v[SFU_RECV_MAX];
  int n = 0;
  for (int i = 0; i < s->n_views && n < SFU_RECV_MAX; i++) {
    sig_part *q = sig__part_find(p->room, s->views[i].id);
    if (!q || q == p || !q->sfu || !q->sfu->sim_n || !q->sfu->has[K_VIDEO]) continue;
    v[n++] = (sig_media_view){q->sfu->sim_group, s->views[i].width, s->views[i].height};
  }
  return ctx->media.view(ctx->media.user, p->room->media_worker, s->tp[SFU_SUB].id, v, n);
}

struct sub_plan {
  sdp_send send[SDP_MAX_MEDIA];
  uint32_t ssrcs[SFU_RECV_MAX];
  rtc_hdrmap maps[SFU_RECV_MAX]; /* the publisher's numbers to this m-line's */
  int n;
};
typedef struct sub_plan sub_plan;

/* sub: which publisher's stream goes on which recvonly m-line, from `mids` ({mid: id} for the
 * microphone and camera, {mid: "id:screen"} for a screen). A publisher that is gone (or does
 * not publish that kind) gets nothing: its m-line is answered inactive, so a race with a
 * leaving publisher, or a screen share that just stopped, is no error. */
static int plan_subscriber(sig_part *p, json_t *mids, const sdp_session *s, sub_plan *pl,
                           const sdp_send **send, const char **why) {
  *why = "sub needs 'mids': an object {mid: participant id, or \"<id>:screen\"} of at most 128 "
         "entries";
  if (!json_is_object(mids) || json_object_size(mids) > SDP_MAX_MEDIA) return -1;
  const char *mid;
  json_t *v;
  json_object_foreach(mids, mid, v) {
    size_t n = json_is_string(v) ? json_string_length(v) : 0;
    if (strlen(mid) > SDP_MID_MAX ||
        !(n == SIG_PID_LEN ||
          (n == SIG_PID_LEN + 7 && !memcmp(json_string_value(v) + SIG_PID_LEN, ":screen", 7))))
      return -1;
  }
  pl->n = 0;
  for (int i = 0; i < s->n_media; i++) {
    const sdp_media *m = &s->media[i];
    send[i] = NULL;
    int k = m->kind == SDP_AUDIO ? K_AUDIO : m->kind == SDP_VIDEO ? K_VIDEO : -1;
    if (k < 0 || m->dir != SDP_RECVONLY || !m->mid[0] || !sdp_pick_codec(m)) continue;
    json_t *name = json_object_get(mids, m->mid);
    if (!name) continue;
    char id[SIG_PID_LEN + 1];
    snprintf(id, sizeof id, "%s", json_string_value(name));
    if (json_string_length(name) > SIG_PID_LEN) {
      if (k != K_VIDEO) continue; /* a screen is video */
      k = K_SCREEN;
    }
    sig_part *q = sig__part_find(p->room, id);
    if (!q || q == p || !q->sfu || !q->sfu->has[k]) continue;
    if (pl->n == SFU_RECV_MAX) break;
    sdp_send *o = &pl->send[i];
    o->ssrc = q->sfu->ssrc[k];
    snprintf(o->cname, sizeof o->cname, "%s", q->id);
    snprintf(o->msid, sizeof o->msid, "%s %s-%s", q->id, q->id, kind_names[k]);
    send[i] = o;
    sdp_numbers mine;
    sdp_numbers_of(s, i, &mine);
    sdp_numbers_map(&q->sfu->num[k], &mine, &pl->maps[pl->n]);
    pl->ssrcs[pl->n++] = o->ssrc;
  }
  return 0;
}

static const char *sdp_why(int rc) {
  switch (rc) {
    case SDP_ETOOBIG:
      return "sdp: longer than 262144 bytes or a line over 2048";
    case SDP_ELIMIT:
      return "sdp: more m-lines, codecs, extensions or SSRCs than buzzd takes (128 m-lines)";
    case SDP_EMISSING:
      return "sdp: no audio (Opus) or video (VP8) we accept, or ICE credentials, fingerprint, "
             "mid or setup missing";
    default:
      return "sdp: cannot parse the offer";
  }
}

/* p->sfu, made on first use. 0 or -1 (out of memory). */
static int sfu_state(sig_ctx *ctx, sig_part *p) {
  if (p->sfu) return 0;
  if (!(p->sfu = calloc(1, sizeof *p->sfu))) return -1;
  p->sfu->peer = ++ctx->media_next;
  return 0;
}

/* Gives the room its media id and worker on first use. */
static void room_media(sig_ctx *ctx, sig_room *r) {
  if (r->media_id) return;
  r->media_id = ++ctx->media_next;
  r->media_worker = (int)(r->media_id % (uint64_t)ctx->media.workers);
}

void sig__h_sfu_offer(sig_conn *c, json_t *msg, const sig_req *rq) {
  sig_ctx *ctx = c->ctx;
  sig_part *p = c->part;
  sig_room *r = p->room;
  if (sig__room_media(r) != SIG_MEDIA_SFU) {
    sig__error(c, rq, SIG_PE_WRONG_MEDIA, "the room's media is p2p: negotiate with the peers");
    return;
  }
  if (!ctx->media.workers) {
    sig__error(c, rq, SIG_PE_WRONG_MEDIA, "this server has no media plane");
    return;
  }
  const char *pc = NULL, *sdp = NULL;
  size_t pc_len = 0, sdp_len = 0;
  if (sig__opt_string(msg, "pc", &pc, &pc_len) || !pc ||
      sig__opt_string(msg, "sdp", &sdp, &sdp_len) || !sdp) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "sfu-offer needs 'pc' (\"pub\" or \"sub\") and 'sdp'");
    return;
  }
  int which = pc_len == 3 && !memcmp(pc, "pub", 3) ? SFU_PUB
              : pc_len == 3 && !memcmp(pc, "sub", 3) ? SFU_SUB
                                                     : -1;
  if (which < 0) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "'pc' must be \"pub\" or \"sub\"");
    return;
  }
  if (!ctx->sfu_scratch && (ctx->sfu_scratch = malloc(sizeof *ctx->sfu_scratch)) &&
      !(ctx->sfu_scratch->plan = malloc(sizeof *ctx->sfu_scratch->plan))) {
    free(ctx->sfu_scratch);
    ctx->sfu_scratch = NULL;
  }
  if (!ctx->sfu_scratch) {
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  sdp_session *s = &ctx->sfu_scratch->offer;
  int rc = sdp_parse(sdp, sdp_len, s);
  int first = rc == 0 ? first_accepted(s) : -1;
  if (rc == 0 && first < 0) rc = SDP_EMISSING;
  if (rc < 0) {
    char why[160];
    snprintf(why, sizeof why, "%s (line %d)", sdp_why(rc), s->err_line);
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, why);
    return;
  }
  if (sfu_state(ctx, p) < 0) {
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  room_media(ctx, r);
  const char *why = NULL;
  sub_plan *plan = ctx->sfu_scratch->plan;
  sdp_answer_opts o = {0};
  if (which == SFU_PUB ? read_publisher(ctx, p, s, &why) < 0
                       : plan_subscriber(p, json_object_get(msg, "mids"), s, plan, o.send, &why) <
                             0) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, why);
    return;
  }
  sfu_tp *t = &p->sfu->tp[which];
  if (tp_ensure(ctx, p, t, s, first, &why) < 0) {
    sig__error(c, rq, SIG_PE_INTERNAL, why);
    return;
  }
  o.ice_ufrag = t->ufrag;
  o.ice_pwd = t->pwd;
  o.fingerprint = ctx->media.fingerprint;
  o.ip = ctx->media.ip;
  o.port = ctx->media.port(ctx->media.user, r->media_worker);
  o.session_id = t->id;
  char *answer = ctx->sfu_scratch->answer;
  rc = sdp_answer(s, &o, answer, SFU_ANSWER_MAX);
  if (rc < 0) {
    sig__error(c, rq, rc == SDP_EMISSING ? SIG_PE_BAD_MESSAGE : SIG_PE_INTERNAL, sdp_why(rc));
    return;
  }
  /* A publisher may send only the SSRCs it declared (never another's); a subscriber only
   * receives what its answer announced. */
  uint32_t own[K_COUNT];
  int n_own = 0;
  for (int k = 0; k < K_COUNT; k++) /* a simulcast group is buzzd's, never sent by the page */
    if (p->sfu->has[k] && !(k == K_VIDEO && p->sfu->sim_n)) own[n_own++] = p->sfu->ssrc[k];
  if (which == SFU_SUB
          ? (ctx->media.recv_mapped
                 ? ctx->media.recv_mapped(ctx->media.user, r->media_worker, t->id, plan->ssrcs,
                                          plan->maps, plan->n)
                 : ctx->media.recv(ctx->media.user, r->media_worker, t->id, plan->ssrcs, plan->n)) < 0
          : ctx->media.send(ctx->media.user, r->media_worker, t->id, own, n_own) < 0) {
    sig__error(c, rq, SIG_PE_INTERNAL, "the media plane refused the stream list");
    return;
  }
  /* What the streams are: a camera's simulcast layers and the microphone, the page's tiles. */
  if ((which == SFU_PUB ? push_simulcast(ctx, p) | push_audio(ctx, p) : push_views(ctx, p)) < 0) {
    sig__error(c, rq, SIG_PE_INTERNAL, "the media plane refused the stream list");
    return;
  }
  sig__reply(c, rq, SIG_OUT_SFU_ANSWER, json_pack("{s:s, s:s}", "pc", pc_names[which], "sdp", answer));
  if (which == SFU_PUB) announce(r);
}

/* An integer field of a view, 0..SIG_VIEW_MAX_PX. */
static int view_px(json_t *o, const char *key, int *out) {
  json_t *v = json_object_get(o, key);
  if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > SIG_VIEW_MAX_PX)
    return -1;
  *out = (int)json_integer_value(v);
  return 0;
}

/* sfu-view {views: [{id, width, height}]}: the tiles the page shows of the others' cameras and
 * their size in device pixels (0 x 0: not visible). Replaces the last list; checked whole
 * before anything changes. Screens ("<id>:screen") are accepted and do not change anything
 * yet (a screen is one layer). */
void sig__h_sfu_view(sig_conn *c, json_t *msg, const sig_req *rq) {
  sig_ctx *ctx = c->ctx;
  sig_part *p = c->part;
  if (sig__room_media(p->room) != SIG_MEDIA_SFU) {
    sig__error(c, rq, SIG_PE_WRONG_MEDIA, "the room's media is p2p: there is no layer to choose");
    return;
  }
  json_t *arr = json_object_get(msg, "views");
  if (!json_is_array(arr) || json_array_size(arr) > SFU_VIEWS_MAX) {
    sig__error(c, rq, SIG_PE_BAD_MESSAGE, "sfu-view needs 'views': an array of at most 64 "
                                          "{id, width, height}");
    return;
  }
  sfu_view views[SFU_VIEWS_MAX];
  int n = 0;
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    json_t *id = json_object_get(e, "id");
    size_t len = json_is_string(id) ? json_string_length(id) : 0;
    const char *ids = len ? json_string_value(id) : "";
    int screen = len == SIG_PID_LEN + 7 && !memcmp(ids + SIG_PID_LEN, ":screen", 7);
    if (!json_is_object(e) || !(len == SIG_PID_LEN || screen) || ids[0] != 'p') {
      sig__error(c, rq, SIG_PE_BAD_MESSAGE, "sfu-view: each view needs 'id' (a participant id, "
                                            "or \"<id>:screen\")");
      return;
    }
    int w, h;
    if (view_px(e, "width", &w) < 0 || view_px(e, "height", &h) < 0) {
      sig__error(c, rq, SIG_PE_BAD_MESSAGE, "sfu-view: 'width' and 'height' must be integers "
                                            "0..16384 (device pixels)");
      return;
    }
    if (screen) continue;
    for (int k = 0; k < n; k++)
      if (!memcmp(views[k].id, ids, SIG_PID_LEN)) {
        sig__error(c, rq, SIG_PE_BAD_MESSAGE, "sfu-view: an id is listed twice");
        return;
      }
    memcpy(views[n].id, ids, SIG_PID_LEN);
    views[n].id[SIG_PID_LEN] = '\0';
    views[n].width = w && h ? w : 0;
    views[n].height = w && h ? h : 0;
    n++;
  }
  if (sfu_state(ctx, p) < 0) {
    sig__error(c, rq, SIG_PE_INTERNAL, "out of memory");
    return;
  }
  memcpy(p->sfu->views, views, (size_t)n * sizeof *views);
  p->sfu->n_views = n;
  p->sfu->has_views = 1;
  if (push_views(ctx, p) < 0) {
    sig__error(c, rq, SIG_PE_INTERNAL, "the media plane refused the view list");
    return;
  }
  if (rq->id) sig__reply(c, rq, SIG_OUT_OK, json_object());
}
