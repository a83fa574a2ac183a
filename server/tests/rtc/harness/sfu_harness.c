/* rtc-sfu-harness: the media plane alone, driven over stdin/stdout by a browser test
 * (server/tests/rtc/browser/sfu.test.mjs), standing in for the signaling that will drive it
 * inside buzzd. One JSON object per line each way:
 *
 *   in:  {"op":"offer","id":N,"room":R,"sdp":"..."}   a browser's offer for transport N
 *        {"op":"stats"}                               the worker's counters
 *   out: {"op":"ready","port":P,"fingerprint":"sha-256 ..."}
 *        {"op":"answer","id":N,"sdp":"..."} or {"op":"error","id":N,"error":"..."}
 *        {"op":"event","type":T,"id":N}               rtc events as they happen
 *        {"op":"stats",...}
 *
 * An offer whose m-lines are sendonly is a publisher: the harness remembers its audio and
 * video SSRC, cname and msid for the room. An offer with recvonly m-lines is a subscriber: the
 * answer announces the room's publisher streams on them, so forwarded packets (same SSRC)
 * are demultiplexed by the browser. Listens on 127.0.0.1 only; stdin EOF shuts it down. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "rtc/rtc.h"
#include "rtc/sdp.h"
#include "util/log.h"

#define LINE_MAX_BYTES (256 * 1024)
#define MAX_ROOMS 16

typedef struct pub {
  uint64_t room;
  int has[3];          /* by sdp_kind */
  sdp_send streams[3]; /* by sdp_kind */
} pub;

static uv_loop_t loop;
static uv_pipe_t in;
static rtc *media;
static pub pubs[MAX_ROOMS];
static char line[LINE_MAX_BYTES + 1];
static size_t line_len;
static int line_overflow;
static int no_cc; /* --no-cc: answers without transport-cc, as buzzd did before 2026-12-04 */

/* Drops the answer's transport-cc lines (its rtcp-fb and the header extension) in place. */
static void strip_cc(char *sdp) {
  char *r = sdp, *w = sdp;
  while (*r) {
    char *eol = strstr(r, "\r\n");
    size_t len = eol ? (size_t)(eol - r) + 2 : strlen(r);
    int drop = (len > 9 && !strncmp(r, "a=extmap:", 9) && memmem(r, len, "transport-wide-cc", 17)) ||
               (len > 9 && !strncmp(r, "a=rtcp-fb:", 10) && memmem(r, len, "transport-cc", 12));
    if (!drop) memmove(w, r, len), w += len;
    r += len;
  }
  *w = '\0';
}

static void emit(json_t *o) {
  char *s = json_dumps(o, JSON_COMPACT);
  if (s) {
    printf("%s\n", s);
    fflush(stdout);
    free(s);
  }
  json_decref(o);
}

static void on_event(void *user, const rtc_event *ev) {
  (void)user;
  emit(json_pack("{s:s, s:i, s:I, s:s, s:i}", "op", "event", "type", (int)ev->type, "id",
                 (json_int_t)ev->transport_id, "addr", ev->addr, "profile", ev->srtp_profile));
}

static pub *room_pub(uint64_t room, int create) {
  for (int i = 0; i < MAX_ROOMS; i++)
    if (pubs[i].room == room) return &pubs[i];
  if (!create) return NULL;
  for (int i = 0; i < MAX_ROOMS; i++)
    if (!pubs[i].room) {
      pubs[i].room = room;
      return &pubs[i];
    }
  return NULL;
}

static void fail(json_int_t id, const char *why) {
  emit(json_pack("{s:s, s:I, s:s}", "op", "error", "id", id, "error", why));
}

static void remember_publisher(const sdp_session *s, uint64_t room) {
  pub *p = room_pub(room, 1);
  if (!p) return;
  for (int i = 0; i < s->n_media; i++) {
    const sdp_media *m = &s->media[i];
    if (m->dir != SDP_SENDONLY || !m->n_ssrcs || m->kind == SDP_OTHER) continue;
    sdp_send *st = &p->streams[m->kind];
    st->ssrc = m->ssrcs[0];
    snprintf(st->cname, sizeof st->cname, "%s", m->cname);
    snprintf(st->msid, sizeof st->msid, "%s", m->msid);
    p->has[m->kind] = 1;
  }
}

static void handle_offer(json_int_t id, json_int_t room, const char *text) {
  static sdp_session s;
  int rc = sdp_parse(text, strlen(text), &s);
  if (rc < 0) return fail(id, "bad offer");
  rtc_transport_params tp;
  memset(&tp, 0, sizeof tp);
  snprintf(tp.ufrag, sizeof tp.ufrag, "h%04d", (int)(id % 10000));
  snprintf(tp.pwd, sizeof tp.pwd, "harnesspassword%010lld", (long long)id);
  int first = -1;
  for (int i = 0; i < s.n_media && first < 0; i++)
    if (sdp_pick_codec(&s.media[i])) first = i;
  if (first < 0) return fail(id, "nothing to accept");
  snprintf(tp.remote_ufrag, sizeof tp.remote_ufrag, "%s", sdp_ice_ufrag(&s, first));
  snprintf(tp.remote_fingerprint, sizeof tp.remote_fingerprint, "%s", sdp_fingerprint(&s, first));
  tp.room = (uint64_t)room;
  if (rtc_transport_add(media, 0, (uint64_t)id, &tp) < 0) return fail(id, "transport refused");
  remember_publisher(&s, (uint64_t)room);
  sdp_answer_opts o = {.ice_ufrag = tp.ufrag,
                       .ice_pwd = tp.pwd,
                       .fingerprint = rtc_fingerprint(media),
                       .ip = rtc_announced_ip(media),
                       .port = rtc_worker_port(media, 0),
                       .session_id = (uint64_t)id};
  pub *p = room_pub((uint64_t)room, 0);
  for (int i = 0; i < s.n_media; i++) {
    sdp_kind k = s.media[i].kind;
    if (p && s.media[i].dir == SDP_RECVONLY && k != SDP_OTHER && p->has[k])
      o.send[i] = &p->streams[k];
  }
  static char answer[32768];
  rc = sdp_answer(&s, &o, answer, sizeof answer);
  if (rc < 0) return fail(id, "no answer");
  if (no_cc) strip_cc(answer);
  emit(json_pack("{s:s, s:I, s:s}", "op", "answer", "id", id, "sdp", answer));
}

static void handle_line(const char *l, size_t n) {
  json_error_t je;
  json_t *o = json_loadb(l, n, 0, &je);
  const char *op = o ? json_string_value(json_object_get(o, "op")) : NULL;
  if (op && !strcmp(op, "offer")) {
    const char *sdp = json_string_value(json_object_get(o, "sdp"));
    json_int_t id = json_integer_value(json_object_get(o, "id"));
    json_int_t room = json_integer_value(json_object_get(o, "room"));
    if (sdp && id > 0 && room > 0)
      handle_offer(id, room, sdp);
    else
      fail(id, "bad request");
  } else if (op && !strcmp(op, "stats")) {
    rtc_worker_stats s;
    rtc_worker_stats_get(media, 0, &s);
    emit(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "op",
                   "stats", "twcc_fb_sent", (json_int_t)s.twcc_fb_sent, "remb_in",
                   (json_int_t)s.remb_in,
                   "nack_in", (json_int_t)s.nack_in, "rtx_sent", (json_int_t)s.rtx_sent,
                   "test_dropped", (json_int_t)s.test_dropped, "rx_packets",
                   (json_int_t)s.rx_packets, "rtp_in", (json_int_t)s.rtp_in, "rtcp_in",
                   (json_int_t)s.rtcp_in, "fwd_packets", (json_int_t)s.fwd_packets, "srtp_rejected",
                   (json_int_t)s.srtp_rejected, "dtls_connected", (json_int_t)s.dtls_connected,
                   "stun_in", (json_int_t)s.stun_in, "transports", (json_int_t)s.transports));
  } else {
    fail(0, "unknown op");
  }
  json_decref(o);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h, (void)suggested;
  static char chunk[65536];
  *buf = uv_buf_init(chunk, sizeof chunk);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  if (n < 0) { /* EOF: stop everything */
    uv_close((uv_handle_t *)s, NULL);
    rtc_destroy(media);
    media = NULL;
    return;
  }
  for (ssize_t i = 0; i < n; i++) {
    char c = buf->base[i];
    if (c == '\n') {
      if (!line_overflow) handle_line(line, line_len);
      line_len = 0;
      line_overflow = 0;
    } else if (line_len < LINE_MAX_BYTES) {
      line[line_len++] = c;
    } else {
      line_overflow = 1;
    }
  }
}

int main(int argc, char **argv) {
  bz_log_set_level(BZ_LOG_WARN);
  uv_loop_init(&loop);
  rtc_options o = {.host = "127.0.0.1", .workers = 1, .control_loop = &loop, .on_event = on_event};
  /* --loss-permille N: the worker drops N/1000 of the RTP it sends (a lossy link). */
  /* --no-cc: no transport-cc in the answers (the figure without feedback). */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--loss-permille") && i + 1 < argc)
      o.test_loss_permille = (uint32_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-cc"))
      no_cc = 1;
  }
  if (rtc_create(&media, &o) < 0) {
    fprintf(stderr, "rtc-sfu-harness: rtc_create failed\n");
    return 1;
  }
  uv_pipe_init(&loop, &in, 0);
  uv_pipe_open(&in, 0);
  uv_read_start((uv_stream_t *)&in, alloc_cb, read_cb);
  emit(json_pack("{s:s, s:i, s:s}", "op", "ready", "port", rtc_worker_port(media, 0), "fingerprint",
                 rtc_fingerprint(media)));
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return 0;
}
