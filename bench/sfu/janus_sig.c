/* Janus VideoRoom signaling; see janus_sig.h. */
#include "janus_sig.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bsdp.h"
#include "janus_proc.h"

#define BATCH 16

static int fail(const char *what) {
  fprintf(stderr, "sfu-bench: janus: %s\n", what);
  return -1;
}

/* The publisher: attach, join, configure with our offer, apply Janus's answer. */
int jsig_publisher(janus_api *j, media *m, int cap, int index, mpeer **pub, uint64_t *feed_id) {
  uint64_t h;
  mpeer *p;
  char display[32];
  snprintf(display, sizeof display, index ? "bench-pub-%d" : "bench-pub", index);
  if (japi_attach(j, &h) < 0 || media_peer_new(m, 1, index, &p) < 0) return fail("attach");
  json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "request", "join", "ptype", "publisher", "room",
                           JANUS_ROOM, "display", display);
  json_t *ev = NULL;
  int rc = japi_message(j, h, body, NULL, NULL);
  json_decref(body);
  if (rc < 0 || japi_wait(j, h, "joined", 10000, &ev) < 0) return fail("join");
  json_t *data = json_object_get(json_object_get(ev, "plugindata"), "data");
  json_t *id = json_object_get(data, "id");
  *feed_id = json_is_integer(id) ? (uint64_t)json_integer_value(id) : 0;
  json_decref(ev);
  if (!*feed_id) return fail("joined without an id");
  char sdp[4096];
  bsdp_local l = {media_peer_ufrag(p),
                  media_peer_pwd(p),
                  media_fingerprint(m),
                  media_ip(m),
                  media_peer_port(p),
                  media_peer_ssrc(p),
                  index,
                  0,
                  0};
  if (bsdp_offer(&l, sdp, sizeof sdp) < 0) return -1;
  body = json_pack("{s:s, s:b, s:b, s:i}", "request", "configure", "audio", 0, "video", 1,
                   "bitrate", cap);
  json_t *jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", sdp);
  rc = japi_message(j, h, body, jsep, NULL);
  json_decref(body);
  json_decref(jsep);
  if (rc < 0) return fail("configure");
  for (int tries = 0; tries < 8; tries++) {
    if (japi_wait(j, h, "event", 10000, &ev) < 0) return fail("no answer to configure");
    const char *ans = json_string_value(json_object_get(json_object_get(ev, "jsep"), "sdp"));
    bsdp_remote r;
    if (ans && bsdp_parse(ans, &r) == 0) {
      json_decref(ev);
      if (media_peer_go(m, p, &r, NULL) < 0) return fail("peer");
      *pub = p;
      return media_wait_ready(&p, 1, 15) < 0 ? fail("ICE/DTLS did not complete") : 0;
    }
    json_decref(ev);
  }
  return -1;
}

/* Adds subscribers until there are `target`, in batches of joins whose offers are then
 * answered. Returns the count reached. */
int jsig_subscribers(janus_api *j, media *m, mpeer *pub, uint64_t feed, mpeer **subs, int have,
                     int target) {
  while (have < target) {
    int k = target - have < BATCH ? target - have : BATCH;
    uint64_t h[BATCH];
    for (int i = 0; i < k; i++) {
      json_t *body =
          json_pack("{s:s, s:s, s:i, s:[{s:I}]}", "request", "join", "ptype", "subscriber", "room",
                    JANUS_ROOM, "streams", "feed", (json_int_t)feed);
      int rc = japi_attach(j, &h[i]) < 0 ? -1 : japi_message(j, h[i], body, NULL, NULL);
      json_decref(body);
      if (rc < 0) return have;
    }
    for (int i = 0; i < k; i++) {
      json_t *ev;
      if (japi_wait(j, h[i], "attached", 10000, &ev) < 0) return have;
      const char *offer = json_string_value(json_object_get(json_object_get(ev, "jsep"), "sdp"));
      bsdp_remote r;
      mpeer *p;
      char sdp[4096];
      int ok = offer && bsdp_parse(offer, &r) == 0 && media_peer_new(m, 0, have + i + 1, &p) == 0;
      json_decref(ev);
      if (!ok) return have;
      bsdp_local l = {media_peer_ufrag(p),
                      media_peer_pwd(p),
                      media_fingerprint(m),
                      media_ip(m),
                      media_peer_port(p),
                      0,
                      have + i + 1,
                      0,
                      0};
      if (bsdp_answer(&l, &r, sdp, sizeof sdp) < 0 || media_peer_go(m, p, &r, pub) < 0) return have;
      subs[have + i] = p;
      json_t *body = json_pack("{s:s}", "request", "start");
      json_t *jsep = json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp);
      int rc = japi_message(j, h[i], body, jsep, NULL);
      json_decref(body);
      json_decref(jsep);
      if (rc < 0) return have;
    }
    if (media_wait_ready(subs + have, k, 20) < 0) return have;
    have += k;
  }
  return have;
}

/* Maps Janus's offer to publishers: each entry of the attached event's `streams` names the
 * mid Janus gave a feed's video; the m-line of that mid carries the SSRC Janus sends it under
 * (Janus rewrites SSRCs per subscriber m-line). */
static int mesh_map(json_t *streams, const bsdp_remote *r, int n, mpeer *const *pubs,
                    const uint64_t *feeds, uint32_t *ssrc, mpeer **feed) {
  int got = 0;
  size_t i;
  json_t *s;
  json_array_foreach(streams, i, s) {
    const char *mid = json_string_value(json_object_get(s, "mid"));
    json_t *fid = json_object_get(s, "feed_id");
    if (!mid || !json_is_integer(fid) || got >= BSDP_MAX_MLINES) continue;
    int pub = -1, line = -1;
    for (int k = 0; k < n && pub < 0; k++)
      if (feeds[k] == (uint64_t)json_integer_value(fid)) pub = k;
    for (int l = 0; l < r->n_mlines && l < BSDP_MAX_MLINES && line < 0; l++)
      if (!strcmp(r->mid[l], mid)) line = l;
    if (pub < 0 || line < 0 || !r->mssrc[line] || !r->mport[line]) continue;
    ssrc[got] = r->mssrc[line], feed[got] = pubs[pub], got++;
  }
  return got;
}

/* Participant k's subscriber handle: join with the other feeds, answer, start. */
static int mesh_subscriber(janus_api *j, media *m, int k, int n, mpeer *const *pubs,
                           const uint64_t *feeds, mpeer **sub) {
  uint64_t h;
  if (japi_attach(j, &h) < 0) return fail("attach (subscriber)");
  json_t *list = json_array();
  for (int i = 0; i < n; i++)
    if (i != k) json_array_append_new(list, json_pack("{s:I}", "feed", (json_int_t)feeds[i]));
  json_t *body = json_pack("{s:s, s:s, s:i, s:o}", "request", "join", "ptype", "subscriber", "room",
                           JANUS_ROOM, "streams", list);
  int rc = body ? japi_message(j, h, body, NULL, NULL) : JAPI_ENOMEM;
  json_decref(body);
  json_t *ev = NULL;
  if (rc < 0 || japi_wait(j, h, "attached", 10000, &ev) < 0) return fail("subscriber join");
  json_t *data = json_object_get(json_object_get(ev, "plugindata"), "data");
  const char *offer = json_string_value(json_object_get(json_object_get(ev, "jsep"), "sdp"));
  static bsdp_remote r; /* 13 KB; one signaling thread */
  static char sdp[BSDP_MAX];
  uint32_t ssrc[BSDP_MAX_MLINES];
  mpeer *feed[BSDP_MAX_MLINES];
  int got = -1;
  if (offer && bsdp_parse(offer, &r) == 0)
    got = mesh_map(json_object_get(data, "streams"), &r, n, pubs, feeds, ssrc, feed);
  json_decref(ev);
  if (got != n - 1) {
    fprintf(stderr, "sfu-bench: janus: participant %d: %d of %d streams offered\n", k, got, n - 1);
    return -1;
  }
  mpeer *p;
  if (media_peer_new(m, 0, n + k, &p) < 0) return fail("peer");
  bsdp_local l = {media_peer_ufrag(p),
                  media_peer_pwd(p),
                  media_fingerprint(m),
                  media_ip(m),
                  media_peer_port(p),
                  0,
                  n + k,
                  0,
                  0};
  if (bsdp_answer(&l, &r, sdp, sizeof sdp) < 0 ||
      media_peer_go_streams(m, p, &r, ssrc, feed, got) < 0)
    return fail("answer");
  *sub = p;
  body = json_pack("{s:s}", "request", "start");
  json_t *jsep = json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp);
  rc = japi_message(j, h, body, jsep, NULL);
  json_decref(body);
  json_decref(jsep);
  return rc < 0 ? fail("start") : 0;
}

int jsig_mesh_subscribers(janus_api *j, media *m, int n, mpeer *const *pubs, const uint64_t *feeds,
                          mpeer **subs) {
  for (int k = 0; k < n; k++)
    if (mesh_subscriber(j, m, k, n, pubs, feeds, &subs[k]) < 0) return -1;
  return media_wait_ready(subs, n, 20) < 0 ? fail("mesh: a subscriber did not connect") : 0;
}
