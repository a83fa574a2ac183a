/* SDP for the load generator; see bsdp.h. */
#include "bsdp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_field(char *dst, size_t cap, const char *src, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = 0;
}

static int starts(const char *line, size_t n, const char *prefix, size_t *plen) {
  size_t l = strlen(prefix);
  *plen = l;
  return n >= l && memcmp(line, prefix, l) == 0;
}

/* "a=candidate:F 1 udp PRIO IP PORT typ host ..." → r->cand when IPv4 and none yet. */
static void parse_candidate(const char *v, size_t n, bsdp_remote *r) {
  if (r->cand.sin_port) return;
  char buf[256], found[8][64];
  copy_field(buf, sizeof buf, v, n);
  int k = 0;
  for (char *save, *t = strtok_r(buf, " ", &save); t && k < 8; t = strtok_r(NULL, " ", &save))
    copy_field(found[k], sizeof found[k], t, strlen(t)), k++;
  if (k < 8 || strcmp(found[1], "1") != 0 || strcasecmp(found[2], "udp") != 0) return;
  long port = strtol(found[5], NULL, 10);
  struct in_addr ip;
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, found[4], &ip) != 1) return;
  r->cand.sin_family = AF_INET;
  r->cand.sin_addr = ip;
  r->cand.sin_port = htons((uint16_t)port);
}

static void parse_mline(const char *v, size_t n, bsdp_remote *r) {
  if (r->n_mlines >= BSDP_MAX_MLINES) {
    r->n_mlines++;
    return;
  }
  int i = r->n_mlines++;
  char buf[256], port[16];
  copy_field(buf, sizeof buf, v, n);
  r->mtype[i][0] = r->mproto[i][0] = r->mid[i][0] = 0;
  if (sscanf(buf, "%15s %15s %39s", r->mtype[i], port, r->mproto[i]) != 3) return;
  if (r->video_index < 0 && !strcmp(r->mtype[i], "video")) r->video_index = i;
}

int bsdp_parse(const char *sdp, bsdp_remote *r) {
  memset(r, 0, sizeof *r);
  r->video_index = -1;
  r->vp8_pt = -1;
  size_t total = strnlen(sdp, BSDP_MAX + 1);
  if (total > BSDP_MAX) return -1;
  const char *p = sdp, *end = sdp + total;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    const char *next = nl ? nl + 1 : end;
    if (n && p[n - 1] == '\r') n--;
    if (n > 1024) return -1;
    size_t pl;
    int cur = r->n_mlines - 1;
    if (starts(p, n, "m=", &pl)) {
      parse_mline(p + pl, n - pl, r);
    } else if (starts(p, n, "a=ice-ufrag:", &pl)) {
      if (!r->ufrag[0]) copy_field(r->ufrag, sizeof r->ufrag, p + pl, n - pl);
    } else if (n == 10 && !memcmp(p, "a=ice-lite", 10)) {
      r->ice_lite = 1;
    } else if (starts(p, n, "a=ice-pwd:", &pl)) {
      if (!r->pwd[0]) copy_field(r->pwd, sizeof r->pwd, p + pl, n - pl);
    } else if (starts(p, n, "a=fingerprint:", &pl)) {
      if (!r->fingerprint[0]) copy_field(r->fingerprint, sizeof r->fingerprint, p + pl, n - pl);
    } else if (starts(p, n, "a=setup:", &pl)) {
      if (!r->setup[0]) copy_field(r->setup, sizeof r->setup, p + pl, n - pl);
    } else if (starts(p, n, "a=candidate:", &pl)) {
      parse_candidate(p + pl, n - pl, r);
    } else if (starts(p, n, "a=mid:", &pl) && cur >= 0 && cur < BSDP_MAX_MLINES) {
      copy_field(r->mid[cur], sizeof r->mid[cur], p + pl, n - pl);
    } else if (starts(p, n, "a=rtpmap:", &pl) && cur >= 0 && cur == r->video_index &&
               r->vp8_pt < 0) {
      char buf[64];
      copy_field(buf, sizeof buf, p + pl, n - pl);
      int pt;
      char codec[32];
      if (sscanf(buf, "%d %31[^/]", &pt, codec) == 2 && pt >= 0 && pt < 128 &&
          !strcasecmp(codec, "VP8"))
        r->vp8_pt = pt;
    }
    p = next;
  }
  return r->ufrag[0] && r->pwd[0] && r->fingerprint[0] && r->cand.sin_port ? 0 : -1;
}

typedef struct out {
  char *p;
  size_t cap, n;
  int err;
} out;

static void put(out *o, const char *fmt, ...) {
  if (o->err) return;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
  va_end(ap);
  if (w < 0 || (size_t)w >= o->cap - o->n)
    o->err = 1;
  else
    o->n += (size_t)w;
}

static void transport(out *o, const bsdp_local *l, const char *setup) {
  put(o, "c=IN IP4 %s\r\na=rtcp:%d IN IP4 %s\r\n", l->ip, l->port, l->ip);
  put(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\na=setup:%s\r\n", l->ufrag, l->pwd,
      l->fingerprint, setup);
  put(o, "a=candidate:1 1 udp 2130706431 %s %d typ host\r\na=end-of-candidates\r\n", l->ip,
      l->port);
}

int bsdp_offer(const bsdp_local *l, char *buf, size_t cap) {
  out o = {buf, cap, 0, 0};
  put(&o, "v=0\r\no=- %d 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n",
      1000 + l->index);
  put(&o, "a=msid-semantic: WMS bench%d\r\n", l->index);
  put(&o, "m=video %d UDP/TLS/RTP/SAVPF 96\r\n", l->port);
  transport(&o, l, "actpass");
  put(&o, "a=mid:0\r\na=%s\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n",
      l->recvonly ? "recvonly" : "sendonly");
  put(&o, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n");
  if (l->recvonly) return o.err ? -1 : (int)o.n;
  put(&o, "a=msid:bench%d v%d\r\n", l->index, l->index);
  put(&o, "a=ssrc:%u cname:bench%d\r\na=ssrc:%u msid:bench%d v%d\r\n", l->ssrc, l->index, l->ssrc,
      l->index, l->index);
  return o.err ? -1 : (int)o.n;
}

int bsdp_answer(const bsdp_local *l, const bsdp_remote *r, char *buf, size_t cap) {
  if (r->video_index < 0 || r->vp8_pt < 0 || r->n_mlines > BSDP_MAX_MLINES) return -1;
  out o = {buf, cap, 0, 0};
  int v = r->video_index;
  put(&o, "v=0\r\no=- %d 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE %s\r\n",
      2000 + l->index, r->mid[v]);
  for (int i = 0; i < r->n_mlines; i++) {
    if (i != v) {
      put(&o, "m=%s 0 %s 0\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\n", r->mtype[i],
          r->mproto[i][0] ? r->mproto[i] : "UDP/TLS/RTP/SAVPF", r->mid[i]);
      continue;
    }
    put(&o, "m=video %d UDP/TLS/RTP/SAVPF %d\r\n", l->port, r->vp8_pt);
    transport(&o, l, "passive");
    put(&o, "a=mid:%s\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:%d VP8/90000\r\n", r->mid[v],
        r->vp8_pt);
    put(&o, "a=rtcp-fb:%d nack\r\na=rtcp-fb:%d nack pli\r\n", r->vp8_pt, r->vp8_pt);
  }
  return o.err ? -1 : (int)o.n;
}
