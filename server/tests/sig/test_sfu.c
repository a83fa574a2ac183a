/* SFU signaling (sig_sfu.c) against a fake media plane: sfu-offer for the publishing and the
 * subscribing connection with Chromium's own offers (server/tests/rtc/fixtures), the answers,
 * the transports and stream lists handed to the media plane, sfu-publishers, and hostile or
 * malformed offers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake.h"
#include "sig/sig_int.h"
#include "tests.h"

#define FAKE_MAX 64
#define FAKE_RECV_MAX 128 /* SFU_RECV_MAX */

typedef struct fake_media {
  int adds, removes, recvs, live;
  uint64_t add_id[FAKE_MAX], add_room[FAKE_MAX], add_peer[FAKE_MAX];
  char add_ufrag[FAKE_MAX][40];
  uint64_t recv_id;
  uint32_t recv_ssrcs[FAKE_RECV_MAX];
  int recv_n;
  int fail_add;
  int sends, send_n;
  uint64_t send_id;
  uint32_t send_ssrcs[3];
  int sims, sim_n, sim_ext;
  uint64_t sim_id;
  uint32_t sim_group;
  char sim_rid[4][17];
  int views, view_n;
  uint64_t view_id;
  sig_media_view view[FAKE_RECV_MAX];
  rtc_hdrmap recv_maps[FAKE_RECV_MAX];
  int mapped;
  int audios, audio_ext;
  uint64_t audio_id;
  uint32_t audio_ssrc;
} fake_media;

static fake_media fm;

static int m_port(void *user, int worker) {
  (void)user;
  return 40000 + worker;
}
static int m_add(void *user, int worker, uint64_t id, const sig_media_transport *t) {
  (void)user;
  assert_true(worker >= 0 && worker < 2);
  if (fm.fail_add) return -1;
  assert_int_equal(strlen(t->ufrag), 8);
  assert_int_equal(strlen(t->pwd), 32);
  assert_true(fm.adds < FAKE_MAX);
  fm.add_id[fm.adds] = id;
  fm.add_room[fm.adds] = t->room;
  fm.add_peer[fm.adds] = t->peer;
  snprintf(fm.add_ufrag[fm.adds], 40, "%s", t->remote_ufrag);
  fm.adds++;
  fm.live++;
  return 0;
}
static int m_remove(void *user, int worker, uint64_t id) {
  (void)user, (void)worker, (void)id;
  fm.removes++;
  fm.live--;
  return 0;
}
static int m_recv(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  (void)user, (void)worker;
  assert_true(n >= 0 && n <= FAKE_RECV_MAX);
  fm.recvs++;
  fm.recv_id = id;
  fm.recv_n = n;
  memcpy(fm.recv_ssrcs, ssrcs, (size_t)n * sizeof *ssrcs);
  return 0;
}

static int m_recv_mapped(void *user, int worker, uint64_t id, const uint32_t *ssrcs,
                         const rtc_hdrmap *maps, int n) {
  m_recv(user, worker, id, ssrcs, n);
  fm.mapped++;
  memcpy(fm.recv_maps, maps, (size_t)n * sizeof *maps);
  return 0;
}

static int m_audio(void *user, int worker, uint64_t id, uint32_t ssrc, int ext) {
  (void)user, (void)worker;
  fm.audios++;
  fm.audio_id = id;
  fm.audio_ssrc = ssrc;
  fm.audio_ext = ext;
  return 0;
}

static int m_send(void *user, int worker, uint64_t id, const uint32_t *ssrcs, int n) {
  (void)user, (void)worker;
  assert_true(n >= 0 && n <= 3);
  fm.sends++;
  fm.send_id = id;
  fm.send_n = n;
  memcpy(fm.send_ssrcs, ssrcs, (size_t)n * sizeof *ssrcs);
  return 0;
}

static int m_simulcast(void *user, int worker, uint64_t id, const sig_media_simulcast *s) {
  (void)user, (void)worker;
  assert_true(s->n >= 0 && s->n <= 4);
  fm.sims++;
  fm.sim_id = id;
  fm.sim_group = s->group;
  fm.sim_n = s->n;
  fm.sim_ext = s->rid_ext;
  for (int i = 0; i < s->n; i++) snprintf(fm.sim_rid[i], sizeof fm.sim_rid[i], "%s", s->rid[i]);
  return 0;
}

static int m_view(void *user, int worker, uint64_t id, const sig_media_view *v, int n) {
  (void)user, (void)worker;
  assert_true(n >= 0 && n <= FAKE_RECV_MAX);
  fm.views++;
  fm.view_id = id;
  fm.view_n = n;
  memcpy(fm.view, v, (size_t)n * sizeof *v);
  return 0;
}

static const sig_media fake_plane = {.workers = 2,
                                     .simulcast = m_simulcast,
                                     .view = m_view,
                                     .ip = "127.0.0.1",
                                     .fingerprint = "sha-256 AA:BB:CC",
                                     .port = m_port,
                                     .add = m_add,
                                     .remove = m_remove,
                                     .recv = m_recv,
                                     .recv_mapped = m_recv_mapped,
                                     .audio = m_audio,
                                     .send = m_send};

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *buf = calloc(1, 65537);
  size_t n = fread(buf, 1, 65536, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

typedef struct env {
  sig_ctx *ctx;
  fake_conn *a, *b, *c;
  char room[16], owner[64], aid[16], bid[16], cid[16];
  char *pub_sdp, *sub_sdp;
} env;

static int env_setup(void **state) {
  env *e = calloc(1, sizeof *e);
  memset(&fm, 0, sizeof fm);
  sig_limits lim;
  sig_limits_default(&lim);
  lim.media_mode = SIG_MEDIA_SFU;
  e->ctx = fake_ctx(&lim, NULL, NULL);
  sig_ctx_set_media(e->ctx, &fake_plane);
  fake_room(e->ctx, "Standup", NULL, e->room, e->owner);
  e->a = fake_open(e->ctx);
  e->b = fake_open(e->ctx);
  e->c = fake_open(e->ctx);
  char extra[128];
  snprintf(extra, sizeof extra, ",\"owner_token\":\"%s\"", e->owner);
  snprintf(e->aid, sizeof e->aid, "%s", fake_join(e->a, e->room, "Alice", extra, 1));
  snprintf(e->bid, sizeof e->bid, "%s", fake_join(e->b, e->room, "Bob", "", 1));
  snprintf(e->cid, sizeof e->cid, "%s", fake_join(e->c, e->room, "Carol", "", 1));
  e->pub_sdp = slurp("server/tests/rtc/fixtures/chromium_offer_sendonly.sdp");
  e->sub_sdp = slurp("server/tests/rtc/fixtures/chromium_offer_recvonly.sdp");
  *state = e;
  return 0;
}

static int env_teardown(void **state) {
  env *e = *state;
  fake_free(e->a);
  fake_free(e->b);
  fake_free(e->c);
  sig_ctx_destroy(e->ctx);
  free(e->pub_sdp);
  free(e->sub_sdp);
  free(e);
  return 0;
}

/* Sends {"type":"sfu-offer","pc":pc,"sdp":sdp[,"mids":mids]} (mids: JSON text or NULL). */
static void offer(fake_conn *f, const char *pc, const char *sdp, const char *mids) {
  json_t *o = json_pack("{s:s, s:s, s:s}", "type", "sfu-offer", "pc", pc, "sdp", sdp);
  if (mids) json_object_set_new(o, "mids", json_loads(mids, 0, NULL));
  char *text = json_dumps(o, JSON_COMPACT);
  fake_clear(f);
  fake_send(f, text);
  free(text);
  json_decref(o);
}

/* The sfu-answer's SDP since the last offer (static storage), "" when there is none. */
static const char *answer_sdp(fake_conn *f, const char *pc) {
  static char buf[256 * 1024];
  buf[0] = '\0';
  json_t *j = fake_last(f, "sfu-answer");
  if (j) {
    assert_string_equal(json_string_value(json_object_get(j, "pc")), pc);
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(j, "sdp")));
  }
  json_decref(j);
  return buf;
}

static int publishers_has(fake_conn *f, const char *id) {
  json_t *j = fake_last(f, "sfu-publishers");
  int found = 0;
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(j, "publishers"), i, p) {
    if (!strcmp(json_string_value(json_object_get(p, "id")), id) &&
        json_is_true(json_object_get(p, "audio")) && json_is_true(json_object_get(p, "video")))
      found = 1;
  }
  json_decref(j);
  return found;
}

static void t_publish_subscribe(void **state) {
  env *e = *state;
  offer(e->a, "pub", e->pub_sdp, NULL);
  const char *sdp = answer_sdp(e->a, "pub");
  assert_non_null(strstr(sdp, "a=ice-lite"));
  assert_non_null(strstr(sdp, "a=recvonly"));
  assert_non_null(strstr(sdp, "a=fingerprint:sha-256 AA:BB:CC"));
  assert_non_null(strstr(sdp, "typ host"));
  assert_int_equal(fm.adds, 1);
  assert_string_equal(fm.add_ufrag[0], "onnK");
  assert_true(fm.add_room[0] != 0 && fm.add_peer[0] != 0);
  assert_true(publishers_has(e->b, e->aid) && publishers_has(e->c, e->aid));
  assert_true(publishers_has(e->a, e->aid));
  /* Alice's publishing transport may send her two SSRCs and nothing else. */
  assert_int_equal(fm.send_id, fm.add_id[0]);
  assert_int_equal(fm.send_n, 2);
  assert_true(fm.send_ssrcs[0] == 3979643779u && fm.send_ssrcs[1] == 3320064464u);
  /* The same credentials again: a renegotiation on the same transport. */
  offer(e->a, "pub", e->pub_sdp, NULL);
  assert_non_null(strstr(answer_sdp(e->a, "pub"), "a=ice-lite"));
  assert_int_equal(fm.adds, 1);

  char mids[96];
  snprintf(mids, sizeof mids, "{\"0\":\"%s\",\"1\":\"%s\"}", e->aid, e->aid);
  offer(e->b, "sub", e->sub_sdp, mids);
  sdp = answer_sdp(e->b, "sub");
  assert_non_null(strstr(sdp, "a=ssrc:3979643779 cname:"));
  assert_non_null(strstr(sdp, "a=ssrc:3320064464 cname:"));
  char msid[64];
  snprintf(msid, sizeof msid, "a=msid:%s %s-video", e->aid, e->aid);
  assert_non_null(strstr(sdp, msid));
  assert_null(strstr(sdp, "2VBUK9ByVRzZWZLx")); /* Alice's own cname stays hers */
  assert_non_null(strstr(sdp, "a=sendonly"));
  assert_int_equal(fm.adds, 2);
  assert_int_equal(fm.add_room[1], fm.add_room[0]);
  assert_true(fm.add_peer[1] != fm.add_peer[0]);
  assert_int_equal(fm.recv_id, fm.add_id[1]);
  assert_int_equal(fm.recv_n, 2);
  /* A publisher that is not there (or is the subscriber itself) gets nothing sent. */
  snprintf(mids, sizeof mids, "{\"0\":\"p00000000\",\"1\":\"%s\"}", e->bid);
  offer(e->b, "sub", e->sub_sdp, mids);
  sdp = answer_sdp(e->b, "sub");
  assert_null(strstr(sdp, "a=ssrc:"));
  assert_int_equal(fm.recv_n, 0);
  assert_int_equal(fm.adds, 2);

  /* Carol offers Alice's SSRCs: refused. */
  offer(e->c, "pub", e->pub_sdp, NULL);
  assert_string_equal(fake_error(e->c), "bad_message");
  json_t *err = fake_last(e->c, "error");
  assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "already published"));
  json_decref(err);

  /* A newcomer learns the publishers from joined. */
  fake_conn *d = fake_open(e->ctx);
  fake_join(d, e->room, "Dave", "", 1);
  json_t *j = fake_last(d, "joined");
  json_t *pubs = json_object_get(j, "publishers");
  assert_int_equal(json_array_size(pubs), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(pubs, 0), "id")), e->aid);
  json_decref(j);
  fake_free(d);

  /* Alice leaves: her transport goes and the room hears that nobody publishes. */
  int removes = fm.removes;
  fake_send(e->a, "{\"type\":\"leave\"}");
  assert_int_equal(fm.removes, removes + 1);
  assert_false(publishers_has(e->b, e->aid));
  assert_true(fake_count(e->b, "sfu-publishers") >= 1);
}

/* s with every `from` replaced by `to` (malloc'd). */
static char *replace_all(const char *s, const char *from, const char *to) {
  size_t n = 0, lf = strlen(from), lt = strlen(to);
  for (const char *q = strstr(s, from); q; q = strstr(q + lf, from)) n++;
  char *out = malloc(strlen(s) + n * (lt > lf ? lt - lf : 0) + 1), *w = out;
  assert_non_null(out);
  for (const char *q; (q = strstr(s, from)); s = q + lf) {
    memcpy(w, s, (size_t)(q - s));
    w += q - s;
    memcpy(w, to, lt);
    w += lt;
  }
  strcpy(w, s);
  return out;
}

/* The fixture offer with its video m-line repeated as mid 2, as Chromium offers a screen share
 * (SSRCs renumbered; `dir` replaces the copy's direction, e.g. "a=inactive"). */
static char *with_screen(const char *sdp, const char *dir_from, const char *dir_to) {
  const char *v = strstr(sdp, "m=video");
  assert_non_null(v);
  char *head = strndup(sdp, (size_t)(v - sdp));
  char *head3 = replace_all(head, "BUNDLE 0 1", "BUNDLE 0 1 2");
  char *a = replace_all(v, "a=mid:1", "a=mid:2");
  char *b = replace_all(a, "3320064464", "1234567890");
  char *c = replace_all(b, "349505106", "1234567891");
  char *d = replace_all(c, dir_from, dir_to);
  size_t n = strlen(head3) + strlen(v) + strlen(d) + 1;
  char *out = malloc(n);
  snprintf(out, n, "%s%s%s", head3, v, d);
  free(head), free(head3), free(a), free(b), free(c), free(d);
  return out;
}

/* A screen share: the pub offer's second video m-line is the screen; subscribers name it
 * "<id>:screen" in mids and get it with msid "<id> <id>-screen"; the share ending (the m-line
 * inactive) takes it off the publishers list and out of the answers. */
static void t_screen(void **state) {
  env *e = *state;
  char *pub3 = with_screen(e->pub_sdp, "a=sendonly", "a=sendonly");
  char *pub3_off = with_screen(e->pub_sdp, "a=sendonly", "a=inactive");
  char *sub3 = with_screen(e->sub_sdp, "a=recvonly", "a=recvonly");
  offer(e->a, "pub", pub3, NULL);
  assert_non_null(strstr(answer_sdp(e->a, "pub"), "a=ice-lite"));
  assert_int_equal(fm.send_n, 3);
  assert_true(fm.send_ssrcs[2] == 1234567890u);
  json_t *j = fake_last(e->b, "sfu-publishers");
  json_t *p0 = json_array_get(json_object_get(j, "publishers"), 0);
  assert_true(json_is_true(json_object_get(p0, "screen")) && json_is_true(json_object_get(p0, "video")));
  json_decref(j);

  char mids[128], msid[64];
  snprintf(mids, sizeof mids, "{\"0\":\"%s\",\"1\":\"%s\",\"2\":\"%s:screen\"}", e->aid, e->aid, e->aid);
  offer(e->b, "sub", sub3, mids);
  const char *sdp = answer_sdp(e->b, "sub");
  assert_non_null(strstr(sdp, "a=ssrc:3320064464 cname:"));
  assert_non_null(strstr(sdp, "a=ssrc:1234567890 cname:"));
  snprintf(msid, sizeof msid, "a=msid:%s %s-screen", e->aid, e->aid);
  assert_non_null(strstr(sdp, msid));
  assert_int_equal(fm.recv_n, 3);
  /* "<id>:screen" names video only; another suffix is malformed. */
  snprintf(mids, sizeof mids, "{\"0\":\"%s:screen\",\"1\":\"%s\"}", e->aid, e->aid);
  offer(e->b, "sub", e->sub_sdp, mids);
  assert_int_equal(fm.recv_n, 1);
  const char *bad[] = {"%s:screen2", "%s:camera", "%s:scree"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char v[32];
    snprintf(v, sizeof v, bad[i], e->aid);
    snprintf(mids, sizeof mids, "{\"2\":\"%s\"}", v);
    offer(e->b, "sub", sub3, mids);
    assert_string_equal(fake_error(e->b), "bad_message");
  }
  /* The share ends: the third m-line goes inactive. */
  offer(e->a, "pub", pub3_off, NULL);
  assert_int_equal(fm.send_n, 2);
  j = fake_last(e->b, "sfu-publishers");
  p0 = json_array_get(json_object_get(j, "publishers"), 0);
  assert_true(json_is_false(json_object_get(p0, "screen")) && json_is_true(json_object_get(p0, "video")));
  json_decref(j);
  snprintf(mids, sizeof mids, "{\"0\":\"%s\",\"1\":\"%s\",\"2\":\"%s:screen\"}", e->aid, e->aid, e->aid);
  offer(e->b, "sub", sub3, mids);
  assert_null(strstr(answer_sdp(e->b, "sub"), "a=ssrc:1234567890"));
  assert_int_equal(fm.recv_n, 2);
  /* Camera and screen under one SSRC: refused. */
  char *same = replace_all(pub3, "1234567890", "3320064464");
  offer(e->c, "pub", same, NULL);
  assert_string_equal(fake_error(e->c), "bad_message");
  free(same);
  free(pub3), free(pub3_off), free(sub3);
}

static void t_bad_offers(void **state) {
  env *e = *state;
  const char *bad[] = {
      "{\"type\":\"sfu-offer\"}",
      "{\"type\":\"sfu-offer\",\"pc\":\"pub\"}",
      "{\"type\":\"sfu-offer\",\"pc\":\"pub\",\"sdp\":7}",
      "{\"type\":\"sfu-offer\",\"pc\":\"both\",\"sdp\":\"v=0\"}",
      "{\"type\":\"sfu-offer\",\"pc\":\"pub\",\"sdp\":\"hello\"}",
      "{\"type\":\"sfu-offer\",\"pc\":\"pub\",\"sdp\":\"\"}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fake_send(e->a, bad[i]);
    assert_string_equal(fake_error(e->a), "bad_message");
  }
  /* A recvonly offer publishes nothing. */
  offer(e->a, "pub", e->sub_sdp, NULL);
  assert_string_equal(fake_error(e->a), "bad_message");
  /* sub needs a well-formed mids map. */
  static char too_many[(FAKE_RECV_MAX + 1) * 20 + 4]; /* one entry more than SFU_RECV_MAX */
  size_t off = 0;
  for (int i = 0; i <= FAKE_RECV_MAX; i++)
    off += (size_t)snprintf(too_many + off, sizeof too_many - off, "%s\"m%d\":\"p00000000\"",
                            i ? "," : "{", i);
  snprintf(too_many + off, sizeof too_many - off, "}");
  const char *mids[] = {NULL, "[]", "{\"0\":1}", "{\"0\":\"short\"}", too_many};
  for (size_t i = 0; i < sizeof mids / sizeof mids[0]; i++) {
    offer(e->b, "sub", e->sub_sdp, mids[i]);
    assert_string_equal(fake_error(e->b), "bad_message");
  }
  /* Truncated offers at every 50th byte (within the rate burst): an error or an answer, never
   * a crash. */
  size_t n = strlen(e->pub_sdp);
  for (size_t cut = 0; cut < n; cut += 50) {
    char save = e->pub_sdp[cut];
    e->pub_sdp[cut] = '\0';
    offer(e->c, "pub", e->pub_sdp, NULL);
    e->pub_sdp[cut] = save;
  }
  assert_true(fm.live <= 1); /* at most Carol's one publishing transport */
  /* The media plane refusing the transport is an internal error (Carol leaves first: one of
   * her truncated offers may have published the fixture's SSRCs). */
  fake_send(e->c, "{\"type\":\"leave\"}");
  assert_int_equal(fm.live, 0);
  fm.fail_add = 1;
  offer(e->b, "pub", e->pub_sdp, NULL);
  assert_string_equal(fake_error(e->b), "internal");
  fm.fail_add = 0;
  assert_int_equal(fake_count(e->a, "sfu-answer"), 0);
}

/* The room leaving SFU mode drops every transport; a p2p room refuses sfu-offer. */
static void t_mode_off(void **state) {
  env *e = *state;
  offer(e->a, "pub", e->pub_sdp, NULL);
  char mids[96];
  snprintf(mids, sizeof mids, "{\"0\":\"%s\",\"1\":\"%s\"}", e->aid, e->aid);
  offer(e->b, "sub", e->sub_sdp, mids);
  assert_int_equal(fm.live, 2);
  fake_send(e->a, "{\"type\":\"set-media-mode\",\"mode\":\"p2p\"}");
  assert_int_equal(fm.live, 0);
  json_t *j = fake_last(e->b, "media-changed");
  assert_string_equal(json_string_value(json_object_get(j, "media")), "p2p");
  json_decref(j);
  offer(e->a, "pub", e->pub_sdp, NULL);
  assert_string_equal(fake_error(e->a), "wrong_media");
  fake_send(e->a, "{\"type\":\"set-media-mode\",\"mode\":\"sfu\"}");
  offer(e->a, "pub", e->pub_sdp, NULL);
  assert_non_null(strstr(answer_sdp(e->a, "pub"), "a=ice-lite"));
  assert_int_equal(fm.live, 1);
}

/* Without a media plane an SFU room answers wrong_media. */
static void t_no_media_plane(void **state) {
  (void)state;
  sig_limits lim;
  sig_limits_default(&lim);
  lim.media_mode = SIG_MEDIA_SFU;
  sig_ctx *ctx = fake_ctx(&lim, NULL, NULL);
  char room[16];
  fake_room(ctx, "Solo", NULL, room, NULL);
  fake_conn *a = fake_open(ctx);
  fake_join(a, room, "Alice", "", 1);
  fake_send(a, "{\"type\":\"sfu-offer\",\"pc\":\"pub\",\"sdp\":\"v=0\"}");
  assert_string_equal(fake_error(a), "wrong_media");
  fake_free(a);
  sig_ctx_destroy(ctx);
}


/* Sends {"type":"sfu-view", ...} (the rest of the object as JSON text). */
static void view(fake_conn *f, const char *rest) {
  char text[8192];
  snprintf(text, sizeof text, "{\"type\":\"sfu-view\"%s}", rest);
  fake_clear(f);
  fake_send(f, text);
}

/* The error message of f's last error, "" when none (static storage). */
static const char *error_text(fake_conn *f) {
  static char buf[256];
  json_t *j = fake_last(f, "error");
  snprintf(buf, sizeof buf, "%s", j ? json_string_value(json_object_get(j, "message")) : "");
  json_decref(j);
  return buf;
}

/* A simulcast camera (Chromium's rid offer): answered with the layers, configured on the media
 * plane under a group SSRC of sig's that stays across renegotiations and is what subscribers
 * are announced; sfu-view's tiles reach the media plane as (group, size), checked first. */
static void t_simulcast_view(void **state) {
  env *e = *state;
  char *sim = slurp("server/tests/rtc/fixtures/chromium_offer_simulcast.sdp");
  offer(e->a, "pub", sim, NULL);
  const char *sdp = answer_sdp(e->a, "pub");
  assert_non_null(strstr(sdp, "a=simulcast:recv q;h;f\r\n"));
  assert_int_equal(fm.sims, 1);
  assert_int_equal(fm.sim_id, fm.add_id[0]);
  assert_int_equal(fm.sim_n, 3);
  assert_int_equal(fm.sim_ext, 10);
  assert_string_equal(fm.sim_rid[0], "q");
  assert_string_equal(fm.sim_rid[2], "f");
  uint32_t group = fm.sim_group;
  assert_true(group != 0);
  /* The page may send its microphone's SSRC; the group is buzzd's own. */
  assert_int_equal(fm.send_n, 1);
  assert_true(fm.send_ssrcs[0] != group);
  offer(e->a, "pub", sim, NULL);
  assert_int_equal(fm.sims, 2);
  assert_int_equal(fm.sim_group, group);

  /* Carol's view before she subscribes: kept, handed over with her sub transport. */
  char rest[4096];
  snprintf(rest, sizeof rest, ",\"id\":5,\"views\":[{\"id\":\"%s\",\"width\":0,\"height\":0}]",
           e->aid);
  view(e->c, rest);
  json_t *ok = fake_last(e->c, "ok");
  assert_non_null(ok);
  json_decref(ok);
  assert_int_equal(fm.views, 0);

  char mids[96];
  snprintf(mids, sizeof mids, "{\"0\":\"%s\",\"1\":\"%s\"}", e->aid, e->aid);
  offer(e->b, "sub", e->sub_sdp, mids);
  char line[64];
  snprintf(line, sizeof line, "a=ssrc:%u cname:%s", group, e->aid);
  assert_non_null(strstr(answer_sdp(e->b, "sub"), line));
  int has = 0;
  for (int i = 0; i < fm.recv_n; i++) has |= fm.recv_ssrcs[i] == group;
  assert_true(has);
  uint64_t bob_sub = fm.recv_id;
  assert_int_equal(fm.views, 0); /* Bob sent no view: no cap */

  snprintf(rest, sizeof rest,
           ",\"views\":[{\"id\":\"%s\",\"width\":320,\"height\":180},{\"id\":\"%s\",\"width\":99,"
           "\"height\":99},{\"id\":\"%s:screen\",\"width\":1280,\"height\":720},{\"id\":"
           "\"p00000000\",\"width\":1,\"height\":1}]",
           e->aid, e->cid, e->aid);
  view(e->b, rest);
  assert_string_equal(fake_error(e->b), "");
  assert_int_equal(fm.views, 1);
  assert_int_equal(fm.view_id, bob_sub);
  assert_int_equal(fm.view_n, 1); /* Carol publishes nothing, the screen and a stranger neither */
  assert_int_equal(fm.view[0].group, group);
  assert_int_equal(fm.view[0].width, 320);
  assert_int_equal(fm.view[0].height, 180);
  /* A zero side hides the tile. */
  snprintf(rest, sizeof rest, ",\"views\":[{\"id\":\"%s\",\"width\":640,\"height\":0}]", e->aid);
  view(e->b, rest);
  assert_int_equal(fm.view[0].width, 0);
  assert_int_equal(fm.view[0].height, 0);

  offer(e->c, "sub", e->sub_sdp, mids);
  assert_int_equal(fm.views, 3);
  assert_int_equal(fm.view_id, fm.recv_id);
  assert_int_equal(fm.view_n, 1);
  assert_int_equal(fm.view[0].width, 0);

  /* Malformed views: precise errors, nothing changed. */
  static const struct {
    const char *rest, *why;
  } bad[] = {
      {"", "needs 'views'"},
      {",\"views\":{}", "needs 'views'"},
      {",\"views\":[7]", "'id'"},
      {",\"views\":[{\"width\":1,\"height\":1}]", "'id'"},
      {",\"views\":[{\"id\":\"p123\",\"width\":1,\"height\":1}]", "'id'"},
      {",\"views\":[{\"id\":\"x0000000a\",\"width\":1,\"height\":1}]", "'id'"},
      {",\"views\":[{\"id\":\"p0000000a\",\"width\":-1,\"height\":1}]", "0..16384"},
      {",\"views\":[{\"id\":\"p0000000a\",\"width\":16385,\"height\":1}]", "0..16384"},
      {",\"views\":[{\"id\":\"p0000000a\",\"width\":1.5,\"height\":1}]", "0..16384"},
      {",\"views\":[{\"id\":\"p0000000a\",\"width\":\"9\",\"height\":1}]", "0..16384"},
      {",\"views\":[{\"id\":\"p0000000a\",\"width\":1}]", "0..16384"},
      {",\"views\":[{\"id\":\"p0000000a\",\"width\":1,\"height\":1},"
       "{\"id\":\"p0000000a\",\"width\":2,\"height\":2}]",
       "twice"},
  };
  int before = fm.views;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    view(e->b, bad[i].rest);
    assert_string_equal(fake_error(e->b), "bad_message");
    if (!strstr(error_text(e->b), bad[i].why)) fail_msg("%s: %s", bad[i].rest, error_text(e->b));
  }
  char many[8192] = ",\"views\":[";
  for (int i = 0; i < 65; i++) {
    char one[64];
    snprintf(one, sizeof one, "%s{\"id\":\"p%08x\",\"width\":1,\"height\":1}", i ? "," : "", i);
    strcat(many, one);
  }
  strcat(many, "]");
  view(e->b, many);
  assert_string_equal(fake_error(e->b), "bad_message");
  assert_int_equal(fm.views, before);
  free(sim);
}

/* The microphone reaches the media plane with its level extension; buzzd's active speaker is
 * announced to the room by participant id; the subscriber's stream map keeps the numbers both
 * Chromium offers share. */
static void t_speaker_and_maps(void **state) {
  env *e = *state;
  offer(e->a, "pub", e->pub_sdp, NULL);
  assert_int_equal(fm.audios, 1);
  assert_int_equal(fm.audio_id, fm.add_id[0]);
  assert_int_equal(fm.audio_ssrc, 3979643779u);
  assert_int_equal(fm.audio_ext, 1); /* ssrc-audio-level in the fixture */
  fake_clear(e->b);
  fake_clear(e->c);
  sig_media_speaker(e->ctx, fm.add_id[0]);
  for (fake_conn *f = e->b;; f = e->c) {
    json_t *j = fake_last(f, "active-speaker");
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "id")), e->aid);
    json_decref(j);
    if (f == e->c) break;
  }
  fake_clear(e->b);
  sig_media_speaker(e->ctx, 987654); /* a transport sig does not know */
  assert_null(fake_last(e->b, "active-speaker"));

  char mids[96];
  snprintf(mids, sizeof mids, "{\"0\":\"%s\",\"1\":\"%s\"}", e->aid, e->aid);
  offer(e->b, "sub", e->sub_sdp, mids);
  assert_int_equal(fm.mapped, 1);
  assert_int_equal(fm.recv_n, 2);
  const rtc_hdrmap *audio = &fm.recv_maps[0];
  assert_true(audio->active && audio->n_pt == 1);
  assert_int_equal(audio->pt_in[0], 111);
  assert_int_equal(audio->pt_out[0], 111);
  assert_int_equal(audio->ext[1], 1); /* the level, 1 on both sides */
}

/* A large room: twenty publishers and one subscriber whose offer (Chromium's own, with the
 * forwarded codecs only, as the client makes it) has forty m-lines: every one is answered with
 * its publisher's stream, and the media plane is told all forty. (Up to 2026-12-04 an offer
 * of more than sixteen m-lines was refused: rooms stopped at nine.) */
static void t_large_room(void **state) {
  env *e = *state;
  enum { N = 20 };
  char *sub = slurp("server/tests/rtc/fixtures/chromium_offer_recvonly_20.sdp");
  fake_conn *pubs[N];
  char ids[N][16];
  char mids[N * 2 * 24 + 8];
  size_t off = 0;
  mids[off++] = '{';
  for (int i = 0; i < N; i++) {
    pubs[i] = fake_open(e->ctx);
    char name[16];
    snprintf(name, sizeof name, "Pub %d", i);
    snprintf(ids[i], sizeof ids[i], "%s", fake_join(pubs[i], e->room, name, "", 1));
    char a[16], v[16];
    snprintf(a, sizeof a, "%u", 1000000u + (unsigned)i);
    snprintf(v, sizeof v, "%u", 2000000u + (unsigned)i);
    char *s1 = replace_all(e->pub_sdp, "3979643779", a);
    char *s2 = replace_all(s1, "3320064464", v);
    offer(pubs[i], "pub", s2, NULL);
    assert_non_null(strstr(answer_sdp(pubs[i], "pub"), "a=ice-lite"));
    free(s1), free(s2);
    off += (size_t)snprintf(mids + off, sizeof mids - off, "%s\"%d\":\"%s\",\"%d\":\"%s\"",
                            i ? "," : "", 2 * i, ids[i], 2 * i + 1, ids[i]);
  }
  snprintf(mids + off, sizeof mids - off, "}");
  offer(e->b, "sub", sub, mids);
  const char *sdp = answer_sdp(e->b, "sub");
  assert_int_equal(fake_count(e->b, "error"), 0);
  assert_int_equal(fm.recv_n, 2 * N);
  for (int i = 0; i < N; i++) {
    char want[64];
    snprintf(want, sizeof want, "a=ssrc:%u cname:%s", 1000000u + (unsigned)i, ids[i]);
    assert_non_null(strstr(sdp, want));
    snprintf(want, sizeof want, "a=ssrc:%u cname:%s", 2000000u + (unsigned)i, ids[i]);
    assert_non_null(strstr(sdp, want));
    snprintf(want, sizeof want, "a=msid:%s %s-video", ids[i], ids[i]);
    assert_non_null(strstr(sdp, want));
  }
  int sendonly = 0;
  for (const char *q = strstr(sdp, "a=sendonly"); q; q = strstr(q + 1, "a=sendonly")) sendonly++;
  assert_int_equal(sendonly, 2 * N);
  for (int i = 0; i < N; i++) fake_free(pubs[i]);
  free(sub);
}

/* Last-N: the media plane paused Alice's camera for Bob (his bandwidth is short): Bob alone
 * gets video-paused naming Alice; an empty list when it resumes; unknown transports and
 * groups are ignored. */
static void t_video_paused(void **state) {
  env *e = *state;
  char *sim = slurp("server/tests/rtc/fixtures/chromium_offer_simulcast.sdp");
  offer(e->a, "pub", sim, NULL);
  uint32_t group = fm.sim_group;
  assert_true(group != 0);
  char mids[96];
  snprintf(mids, sizeof mids, "{\"0\":\"%s\",\"1\":\"%s\"}", e->aid, e->aid);
  offer(e->b, "sub", e->sub_sdp, mids);
  uint64_t bob_sub = fm.recv_id;
  fake_clear(e->b);
  fake_clear(e->c);
  uint32_t groups[2] = {group, 0x12345678u};
  sig_media_lastn(e->ctx, bob_sub, groups, 2);
  json_t *j = fake_last(e->b, "video-paused");
  assert_non_null(j);
  json_t *ids = json_object_get(j, "ids");
  assert_int_equal(json_array_size(ids), 1);
  assert_string_equal(json_string_value(json_array_get(ids, 0)), e->aid);
  json_decref(j);
  assert_int_equal(fake_count(e->c, "video-paused"), 0);
  assert_int_equal(fake_count(e->a, "video-paused"), 0);
  sig_media_lastn(e->ctx, bob_sub, NULL, 0);
  j = fake_last(e->b, "video-paused");
  assert_int_equal(json_array_size(json_object_get(j, "ids")), 0);
  json_decref(j);
  fake_clear(e->b);
  sig_media_lastn(e->ctx, 999999, groups, 1);
  sig_media_lastn(e->ctx, bob_sub, NULL, 1); /* a list that is not there */
  assert_int_equal(fake_count(e->b, "video-paused"), 0);
  free(sim);
}

int tests_sfu(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
  const struct CMUnitTest tests[] = {
      T(t_publish_subscribe),
      T(t_bad_offers),
      T(t_screen),
      T(t_simulcast_view),
      T(t_mode_off),
      T(t_speaker_and_maps),
      T(t_large_room),
      T(t_video_paused),
      cmocka_unit_test(t_no_media_plane),
  };
#undef T
  return cmocka_run_group_tests_name("sig_sfu", tests, NULL, NULL);
}
