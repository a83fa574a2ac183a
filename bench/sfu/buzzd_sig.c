/* buzzd signaling for the load generator; see buzzd_sig.h. */
#include "buzzd_sig.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bsdp.h"
#include "http.h"
#include "ws.h"

#define BSIG_MAX 4096 /* participants */
#define BSIG_BATCH 16
#define BSIG_TIMEOUT_MS 10000

struct buzz_sig {
  int port;
  char room[64];
  char pub_id[32];
  ws_conn *ws[BSIG_MAX];
  int n_ws;
};

static int fail(const char *what, int rc) {
  fprintf(stderr, "sfu-bench: buzzd: %s (%d)\n", what, rc);
  return -1;
}

int bsig_open(buzz_sig **out, int http_port) {
  *out = NULL;
  buzz_sig *b = calloc(1, sizeof *b);
  if (!b) return -1;
  b->port = http_port;
  char *body = NULL;
  int st = http_request(http_port, "POST", "/api/rooms",
                        "{\"name\":\"sfu-bench\",\"media_mode\":\"sfu\"}", 5000, &body);
  json_t *j = st == 201 && body ? json_loads(body, 0, NULL) : NULL;
  const char *id = json_string_value(json_object_get(j, "id"));
  int ok = id && strlen(id) < sizeof b->room;
  if (ok) snprintf(b->room, sizeof b->room, "%s", id);
  json_decref(j);
  free(body);
  if (!ok) {
    free(b);
    return fail("POST /api/rooms did not make a room", st);
  }
  *out = b;
  return 0;
}

void bsig_close(buzz_sig *b) {
  if (!b) return;
  for (int i = 0; i < b->n_ws; i++) ws_close(b->ws[i]);
  free(b);
}

void bsig_drain(buzz_sig *b) {
  for (int i = 0; i < b->n_ws; i++) ws_drain(b->ws[i]);
}

/* Opens a WebSocket and sends its join; the reply is read by joined(). */
static int join_send(buzz_sig *b, const char *name, ws_conn **out) {
  *out = NULL;
  if (b->n_ws == BSIG_MAX) return -1;
  ws_conn *c;
  int rc = ws_open(&c, b->port, "/ws", BSIG_TIMEOUT_MS);
  if (rc < 0) return fail("WebSocket upgrade", rc);
  json_t *msg = json_pack("{s:s, s:i, s:s, s:s, s:{s:b, s:b}}", "type", "join", "id", 1, "room",
                          b->room, "name", name, "state", "mic", 0, "camera", 1);
  rc = msg ? ws_send(c, msg) : WS_EIO;
  json_decref(msg);
  if (rc < 0) {
    ws_close(c);
    return fail("join", rc);
  }
  b->ws[b->n_ws++] = c;
  *out = c;
  return 0;
}

/* Waits for `joined`; copies self.id into id[32]. */
static int joined(ws_conn *c, char *id) {
  json_t *msg;
  int rc = ws_wait(c, "joined", BSIG_TIMEOUT_MS, &msg);
  const char *s = json_string_value(json_object_get(json_object_get(msg, "self"), "id"));
  if (rc == 0 && s && strlen(s) < 32)
    snprintf(id, 32, "%s", s);
  else if (rc == 0)
    rc = -1;
  if (rc == WS_ESERVER)
    fprintf(stderr, "sfu-bench: buzzd: join refused: %s\n",
            json_string_value(json_object_get(msg, "code")));
  json_decref(msg);
  return rc < 0 ? fail("joined", rc) : 0;
}

/* sfu-offer; with mids_pub (a subscriber) the one m-line (mid 0) names that publisher. */
static int offer_send(ws_conn *c, const char *pc, const char *sdp, const char *mids_pub) {
  json_t *msg =
      json_pack("{s:s, s:i, s:s, s:s}", "type", "sfu-offer", "id", 2, "pc", pc, "sdp", sdp);
  if (msg && mids_pub) json_object_set_new(msg, "mids", json_pack("{s:s}", "0", mids_pub));
  int rc = msg ? ws_send(c, msg) : WS_EIO;
  json_decref(msg);
  return rc < 0 ? fail("sfu-offer", rc) : 0;
}

/* Waits for the sfu-answer and parses it. */
static int answer(ws_conn *c, bsdp_remote *r) {
  json_t *msg;
  int rc = ws_wait(c, "sfu-answer", BSIG_TIMEOUT_MS, &msg);
  const char *sdp = json_string_value(json_object_get(msg, "sdp"));
  if (rc == 0 && (!sdp || bsdp_parse(sdp, r) < 0)) rc = -1;
  if (rc == WS_ESERVER)
    fprintf(stderr, "sfu-bench: buzzd: sfu-offer refused: %s: %s\n",
            json_string_value(json_object_get(msg, "code")),
            json_string_value(json_object_get(msg, "message")));
  json_decref(msg);
  return rc < 0 ? fail("sfu-answer", rc) : 0;
}

int bsig_publisher(buzz_sig *b, media *m, int cap, mpeer **pub) {
  (void)cap; /* buzzd has no per-room bitrate cap; the clip is the same ~1.4 Mbit/s */
  *pub = NULL;
  ws_conn *c;
  mpeer *p;
  if (join_send(b, "bench-pub", &c) < 0 || joined(c, b->pub_id) < 0) return -1;
  if (media_peer_new(m, 1, 0, &p) < 0) return fail("peer", -1);
  char sdp[4096];
  bsdp_local l = {media_peer_ufrag(p),
                  media_peer_pwd(p),
                  media_fingerprint(m),
                  media_ip(m),
                  media_peer_port(p),
                  media_peer_ssrc(p),
                  0,
                  0,
                  0};
  bsdp_remote r;
  if (bsdp_offer(&l, sdp, sizeof sdp) < 0 || offer_send(c, "pub", sdp, NULL) < 0 ||
      answer(c, &r) < 0 || media_peer_go(m, p, &r, NULL) < 0)
    return -1;
  *pub = p;
  return media_wait_ready(&p, 1, 15) < 0 ? fail("publisher: ICE/DTLS did not complete", -1) : 0;
}

int bsig_subscribers(buzz_sig *b, media *m, mpeer *pub, mpeer **subs, int have, int target) {
  while (have < target) {
    int k = target - have < BSIG_BATCH ? target - have : BSIG_BATCH;
    ws_conn *c[BSIG_BATCH];
    mpeer *p[BSIG_BATCH];
    for (int i = 0; i < k; i++) {
      char name[32];
      snprintf(name, sizeof name, "bench-sub-%d", have + i + 1);
      if (join_send(b, name, &c[i]) < 0) return have;
    }
    for (int i = 0; i < k; i++) {
      char id[32], sdp[4096];
      if (joined(c[i], id) < 0 || media_peer_new(m, 0, have + i + 1, &p[i]) < 0) return have;
      bsdp_local l = {media_peer_ufrag(p[i]),
                      media_peer_pwd(p[i]),
                      media_fingerprint(m),
                      media_ip(m),
                      media_peer_port(p[i]),
                      0,
                      have + i + 1,
                      1,
                      0};
      if (bsdp_offer(&l, sdp, sizeof sdp) < 0 || offer_send(c[i], "sub", sdp, b->pub_id) < 0)
        return have;
    }
    for (int i = 0; i < k; i++) {
      bsdp_remote r;
      if (answer(c[i], &r) < 0 || media_peer_go(m, p[i], &r, pub) < 0) return have;
      subs[have + i] = p[i];
    }
    if (media_wait_ready(subs + have, k, 20) < 0) return have;
    have += k;
    bsig_drain(b);
  }
  return have;
}

/* The N×N meeting: every participant first publishes (join, "pub" offer, answer, ICE and
 * DTLS up), and only when all N publish does each send its one "sub" offer, with an m-line
 * per other publisher. Building all publishers before any subscription means no sub offer
 * has to be renegotiated as publishers join (a browser would renegotiate its sub on each
 * sfu-publishers; the bench measures the settled meeting, not the joins). */
static int mesh_publish(buzz_sig *b, media *m, int n, char (*ids)[32], ws_conn **c, mpeer **pubs) {
  for (int k = 0; k < n; k++) {
    char name[32];
    snprintf(name, sizeof name, "bench-%d", k);
    if (join_send(b, name, &c[k]) < 0) return -1;
  }
  for (int k = 0; k < n; k++) {
    char sdp[4096];
    if (joined(c[k], ids[k]) < 0 || media_peer_new(m, 1, k, &pubs[k]) < 0) return -1;
    bsdp_local l = {media_peer_ufrag(pubs[k]),
                    media_peer_pwd(pubs[k]),
                    media_fingerprint(m),
                    media_ip(m),
                    media_peer_port(pubs[k]),
                    media_peer_ssrc(pubs[k]),
                    k,
                    0,
                    0};
    if (bsdp_offer(&l, sdp, sizeof sdp) < 0 || offer_send(c[k], "pub", sdp, NULL) < 0) return -1;
  }
  static bsdp_remote r; /* 13 KB; one signaling thread */
  for (int k = 0; k < n; k++)
    if (answer(c[k], &r) < 0 || media_peer_go(m, pubs[k], &r, NULL) < 0) return -1;
  return media_wait_ready(pubs, n, 20) < 0 ? fail("mesh: a publisher did not connect", -1) : 0;
}

/* Participant k's sub offer: mid i names the i-th other participant. */
static int mesh_sub_offer(ws_conn *c, media *m, mpeer *p, int k, int n, char (*ids)[32]) {
  static char sdp[BSDP_MAX];
  bsdp_local l = {media_peer_ufrag(p),
                  media_peer_pwd(p),
                  media_fingerprint(m),
                  media_ip(m),
                  media_peer_port(p),
                  0,
                  n + k,
                  1,
                  n - 1};
  if (bsdp_offer(&l, sdp, sizeof sdp) < 0) return fail("mesh: sub offer too big", -1);
  json_t *mids = json_object();
  for (int i = 0, j = 0; j < n; j++) {
    if (j == k) continue;
    char mid[16];
    snprintf(mid, sizeof mid, "%d", i++);
    json_object_set_new(mids, mid, json_string(ids[j]));
  }
  json_t *msg = json_pack("{s:s, s:i, s:s, s:s, s:o}", "type", "sfu-offer", "id", 3, "pc", "sub",
                          "sdp", sdp, "mids", mids);
  int rc = msg ? ws_send(c, msg) : WS_EIO;
  json_decref(msg);
  return rc < 0 ? fail("sfu-offer sub", rc) : 0;
}

/* Maps the answer's m-lines back to publishers: mid i is the i-th other participant, and
 * the SSRC buzzd sends there is the m-line's a=ssrc. */
static int mesh_sub_go(media *m, mpeer *p, const bsdp_remote *r, int k, int n, mpeer **pubs) {
  uint32_t ssrc[BSDP_MAX_MLINES];
  mpeer *feed[BSDP_MAX_MLINES];
  int got = 0;
  for (int i = 0; i < r->n_mlines && i < BSDP_MAX_MLINES; i++) {
    char *end;
    long mid = strtol(r->mid[i], &end, 10);
    if (end == r->mid[i] || *end || mid < 0 || mid >= n - 1) continue;
    int j = (int)mid < k ? (int)mid : (int)mid + 1;
    if (!r->mssrc[i] || r->mport[i] == 0) {
      fprintf(stderr, "sfu-bench: buzzd: participant %d: mid %ld answered without an SSRC\n", k,
              mid);
      return -1;
    }
    ssrc[got] = r->mssrc[i], feed[got] = pubs[j], got++;
  }
  if (got != n - 1) {
    fprintf(stderr, "sfu-bench: buzzd: participant %d: %d of %d streams answered\n", k, got, n - 1);
    return -1;
  }
  return media_peer_go_streams(m, p, r, ssrc, feed, got);
}

int bsig_mesh(buzz_sig *b, media *m, int n, mpeer **pubs, mpeer **subs) {
  if (n < 2 || n > BSIG_MAX / 2 || n - 1 > BSDP_MAX_MLINES) return -1;
  char(*ids)[32] = calloc((size_t)n, sizeof *ids);
  ws_conn **c = calloc((size_t)n, sizeof *c);
  int rc = -1;
  if (!ids || !c || mesh_publish(b, m, n, ids, c, pubs) < 0) goto out;
  for (int k = 0; k < n; k++)
    if (media_peer_new(m, 0, n + k, &subs[k]) < 0 ||
        mesh_sub_offer(c[k], m, subs[k], k, n, ids) < 0)
      goto out;
  static bsdp_remote r;
  for (int k = 0; k < n; k++)
    if (answer(c[k], &r) < 0 || mesh_sub_go(m, subs[k], &r, k, n, pubs) < 0) goto out;
  rc = media_wait_ready(subs, n, 20) < 0 ? fail("mesh: a subscriber did not connect", -1) : 0;
  bsig_drain(b);
out:
  free(ids);
  free(c);
  return rc;
}
