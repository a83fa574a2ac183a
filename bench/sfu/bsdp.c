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
  r->mport[i] = 0;
  r->mpt[i] = -1;
  r->mssrc[i] = 0;
  if (sscanf(buf, "%15s %15s %39s", r->mtype[i], port, r->mproto[i]) != 3) return;
  long pn = strtol(port, NULL, 10);
  r->mport[i] = pn > 0 && pn <= 65535 ? (int)pn : 0;
  if (r->video_index < 0 && !strcmp(r->mtype[i], "video")) r->video_index = i;
}

/* "a=rtpmap:PT VP8/90000" on m-line cur. */
static void parse_rtpmap(const char *v, size_t n, bsdp_remote *r, int cur) {
  char buf[64], codec[32];
  int pt;
  copy_field(buf, sizeof buf, v, n);
  if (sscanf(buf, "%d %31[^/]", &pt, codec) != 2 || pt < 0 || pt >= 128 || strcasecmp(codec, "VP8"))
    return;
  if (r->mpt[cur] < 0) r->mpt[cur] = pt;
  if (cur == r->video_index && r->vp8_pt < 0) r->vp8_pt = pt;
}

/* "a=ssrc:N ..." names what the remote sends on m-line cur; "a=ssrc-group:FID A B" says that
 * A is the media and B its RTX, so A wins over whichever a=ssrc came first. */
static void parse_ssrc(const char *v, size_t n, bsdp_remote *r, int cur, int group) {
  char buf[128];
  copy_field(buf, sizeof buf, v, n);
  const char *s = buf;
  if (group) {
    s = strchr(buf, ' ');
    if (!s || strncmp(buf, "FID", 3) != 0) return;
  }
  char *end;
  unsigned long x = strtoul(s, &end, 10);
  if (end == s || x == 0 || x > 0xffffffffUL) return;
  if (group || !r->mssrc[cur]) r->mssrc[cur] = (uint32_t)x;
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
    } else if (starts(p, n, "a=rtpmap:", &pl) && cur >= 0 && cur < BSDP_MAX_MLINES) {
      parse_rtpmap(p + pl, n - pl, r, cur);
    } else if (starts(p, n, "a=ssrc-group:", &pl) && cur >= 0 && cur < BSDP_MAX_MLINES) {
      parse_ssrc(p + pl, n - pl, r, cur, 1);
    } else if (starts(p, n, "a=ssrc:", &pl) && cur >= 0 && cur < BSDP_MAX_MLINES) {
      parse_ssrc(p + pl, n - pl, r, cur, 0);
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

/* One video m-line of an offer: the transport on every one (BUNDLE repeats it), the
 * candidate only on the first, as Chromium does. */
static void offer_mline(out *o, const bsdp_local *l, int i, const char *dir) {
  put(o, "m=video %d UDP/TLS/RTP/SAVPF 96\r\n", i ? 9 : l->port);
  if (i) {
    put(o, "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
    put(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\na=setup:actpass\r\n", l->ufrag,
        l->pwd, l->fingerprint);
  } else {
    transport(o, l, "actpass");
  }
  put(o, "a=mid:%d\r\na=%s\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n", i, dir);
  put(o, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n");
}

int bsdp_offer(const bsdp_local *l, char *buf, size_t cap) {
  out o = {buf, cap, 0, 0};
  int n = l->recvonly && l->n_recv > 1 ? l->n_recv : 1;
  if (n > BSDP_MAX_MLINES) return -1;
  put(&o, "v=0\r\no=- %d 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE", 1000 + l->index);
  for (int i = 0; i < n; i++) put(&o, " %d", i);
  put(&o, "\r\na=msid-semantic: WMS bench%d\r\n", l->index);
  for (int i = 0; i < n; i++) offer_mline(&o, l, i, l->recvonly ? "recvonly" : "sendonly");
  if (l->recvonly) return o.err ? -1 : (int)o.n;
  put(&o, "a=msid:bench%d v%d\r\n", l->index, l->index);
  put(&o, "a=ssrc:%u cname:bench%d\r\na=ssrc:%u msid:bench%d v%d\r\n", l->ssrc, l->index, l->ssrc,
      l->index, l->index);
  return o.err ? -1 : (int)o.n;
}

static int accepted(const bsdp_remote *r, int i) {
  return !strcmp(r->mtype[i], "video") && r->mport[i] > 0 && r->mpt[i] >= 0;
}

int bsdp_answer(const bsdp_local *l, const bsdp_remote *r, char *buf, size_t cap) {
  if (r->n_mlines > BSDP_MAX_MLINES) return -1;
  out o = {buf, cap, 0, 0};
  int n_ok = 0;
  put(&o, "v=0\r\no=- %d 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE", 2000 + l->index);
  for (int i = 0; i < r->n_mlines; i++)
    if (accepted(r, i)) put(&o, " %s", r->mid[i]), n_ok++;
  put(&o, "\r\n");
  if (!n_ok) return -1;
  for (int i = 0; i < r->n_mlines; i++) {
    if (!accepted(r, i)) {
      put(&o, "m=%s 0 %s 0\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\n", r->mtype[i],
          r->mproto[i][0] ? r->mproto[i] : "UDP/TLS/RTP/SAVPF", r->mid[i]);
      continue;
    }
    int pt = r->mpt[i];
    put(&o, "m=video %d UDP/TLS/RTP/SAVPF %d\r\n", l->port, pt);
    transport(&o, l, "passive");
    put(&o, "a=mid:%s\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:%d VP8/90000\r\n", r->mid[i], pt);
    put(&o, "a=rtcp-fb:%d nack\r\na=rtcp-fb:%d nack pli\r\n", pt, pt);
  }
  return o.err ? -1 : (int)o.n;
}
