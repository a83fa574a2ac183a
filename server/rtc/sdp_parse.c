/* SDP offer parser (see sdp.h). Lines are "<letter>=<value>", CRLF or LF; unknown lines and
 * attributes are skipped, but every value we keep must fit its field. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"

/* Copies v[0..n) into dst[cap] when it fits and has no control bytes. */
static int copy_tok(char *dst, size_t cap, const char *v, size_t n) {
  if (n >= cap) return SDP_ELIMIT;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) return SDP_EPARSE;
  memcpy(dst, v, n);
  dst[n] = '\0';
  return 0;
}

/* Reads an unsigned decimal of at most `max` from *s (advancing it). -1 if none. */
static long read_num(const char **s, const char *end, long max) {
  const char *p = *s;
  long v = 0;
  if (p >= end || *p < '0' || *p > '9') return -1;
  while (p < end && *p >= '0' && *p <= '9') {
    v = v * 10 + (*p - '0');
    if (v > max) return -1;
    p++;
  }
  *s = p;
  return v;
}

static int starts(const char *v, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(v, prefix, k) == 0;
}

static sdp_codec *codec_for(sdp_media *m, long pt) {
  for (int i = 0; i < m->n_codecs; i++)
    if (m->codecs[i].pt == pt) return &m->codecs[i];
  if (m->n_codecs == SDP_MAX_CODECS) return NULL;
  sdp_codec *c = &m->codecs[m->n_codecs++];
  memset(c, 0, sizeof *c);
  c->pt = (uint8_t)pt;
  c->apt = -1;
  return c;
}

/* "m=video 9 UDP/TLS/RTP/SAVPF 96 97 ..." */
static int parse_m(sdp_session *s, const char *v, const char *end) {
  if (s->n_media == SDP_MAX_MEDIA) return SDP_ELIMIT;
  sdp_media *m = &s->media[s->n_media++];
  memset(m, 0, sizeof *m);
  const char *sp = memchr(v, ' ', (size_t)(end - v));
  if (!sp) return SDP_EPARSE;
  size_t kl = (size_t)(sp - v);
  m->kind = kl == 5 && !memcmp(v, "audio", 5)   ? SDP_AUDIO
            : kl == 5 && !memcmp(v, "video", 5) ? SDP_VIDEO
                                                : SDP_OTHER;
  const char *p = sp + 1;
  long port = read_num(&p, end, 65535);
  if (port < 0) return SDP_EPARSE;
  m->port = (int)port;
  if (p < end && *p == '/') { /* port/count */
    p++;
    if (read_num(&p, end, 65535) < 0) return SDP_EPARSE;
  }
  if (p >= end || *p != ' ') return SDP_EPARSE;
  const char *proto = ++p;
  while (p < end && *p != ' ') p++;
  m->proto_ok = (size_t)(p - proto) == 17 && !memcmp(proto, "UDP/TLS/RTP/SAVPF", 17);
  if (m->kind == SDP_OTHER) return 0; /* the format list of data channels is not numeric */
  while (p < end && *p == ' ') {
    p++;
    long pt = read_num(&p, end, 127);
    if (pt < 0) return SDP_EPARSE;
    if (m->n_pts == SDP_MAX_CODECS) return SDP_ELIMIT;
    m->pts[m->n_pts++] = (uint8_t)pt;
  }
  return p == end ? 0 : SDP_EPARSE;
}

/* "a=rtpmap:96 VP8/90000[/2]" */
static int parse_rtpmap(sdp_media *m, const char *v, const char *end) {
  const char *p = v;
  long pt = read_num(&p, end, 127);
  if (pt < 0 || p >= end || *p != ' ') return SDP_EPARSE;
  const char *name = ++p;
  while (p < end && *p != '/') p++;
  if (p >= end) return SDP_EPARSE;
  sdp_codec *c = codec_for(m, pt);
  if (!c) return SDP_ELIMIT;
  int rc = copy_tok(c->name, sizeof c->name, name, (size_t)(p - name));
  if (rc) return rc;
  p++;
  long clock = read_num(&p, end, 1000000);
  if (clock < 0) return SDP_EPARSE;
  c->clock = (uint32_t)clock;
  if (p < end && *p == '/') {
    p++;
    long ch = read_num(&p, end, 16);
    if (ch < 0) return SDP_EPARSE;
    c->channels = (uint8_t)ch;
  }
  return p == end ? 0 : SDP_EPARSE;
}

/* "a=fmtp:97 apt=96" / "a=rtcp-fb:96 nack pli" */
static int parse_fmtp_fb(sdp_media *m, const char *v, const char *end, int fmtp) {
  const char *p = v;
  if (!fmtp && p < end && *p == '*') return 0; /* wildcard feedback: not used by Chromium */
  long pt = read_num(&p, end, 127);
  if (pt < 0 || p >= end || *p != ' ') return SDP_EPARSE;
  p++;
  sdp_codec *c = codec_for(m, pt);
  if (!c) return SDP_ELIMIT;
  size_t n = (size_t)(end - p);
  if (fmtp) {
    int rc = copy_tok(c->fmtp, sizeof c->fmtp, p, n);
    if (rc) return rc;
    const char *apt = strstr(c->fmtp, "apt=");
    if (apt) {
      const char *q = apt + 4;
      long a = read_num(&q, c->fmtp + strlen(c->fmtp), 127);
      if (a < 0) return SDP_EPARSE;
      c->apt = (int)a;
    }
    return 0;
  }
  if (n == 4 && !memcmp(p, "nack", 4))
    c->fb |= SDP_FB_NACK;
  else if (n == 8 && !memcmp(p, "nack pli", 8))
    c->fb |= SDP_FB_PLI;
  else if (n == 7 && !memcmp(p, "ccm fir", 7))
    c->fb |= SDP_FB_FIR;
  else if (n == 12 && !memcmp(p, "transport-cc", 12))
    c->fb |= SDP_FB_TWCC;
  else if (n == 9 && !memcmp(p, "goog-remb", 9))
    c->fb |= SDP_FB_REMB;
  return 0;
}

/* "a=extmap:3[/sendonly] URI" */
static int parse_extmap(sdp_media *m, const char *v, const char *end) {
  const char *p = v;
  long id = read_num(&p, end, 255);
  if (id < 1) return SDP_EPARSE;
  if (p < end && *p == '/')
    while (p < end && *p != ' ') p++;
  if (p >= end || *p != ' ') return SDP_EPARSE;
  p++;
  const char *uri_end = memchr(p, ' ', (size_t)(end - p)); /* extension attributes follow */
  if (!uri_end) uri_end = end;
  if (m->n_ext == SDP_MAX_EXT) return SDP_ELIMIT;
  sdp_ext *e = &m->ext[m->n_ext];
  int rc = copy_tok(e->uri, sizeof e->uri, p, (size_t)(uri_end - p));
  if (rc) return rc;
  e->id = (uint8_t)id;
  m->n_ext++;
  return 0;
}

/* "a=ssrc:123 cname:abc" */
static int parse_ssrc(sdp_media *m, const char *v, const char *end) {
  const char *p = v;
  long ssrc = read_num(&p, end, 4294967295L);
  if (ssrc < 0 || p >= end || *p != ' ') return SDP_EPARSE;
  p++;
  int known = 0;
  for (int i = 0; i < m->n_ssrcs; i++) known |= m->ssrcs[i] == (uint32_t)ssrc;
  if (!known) {
    if (m->n_ssrcs == SDP_MAX_SSRC) return SDP_ELIMIT;
    m->ssrcs[m->n_ssrcs++] = (uint32_t)ssrc;
  }
  if (starts(p, (size_t)(end - p), "cname:") && !m->cname[0])
    return copy_tok(m->cname, sizeof m->cname, p + 6, (size_t)(end - p - 6));
  return 0;
}

static int rid_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '_';
}

/* "a=rid:q send [pt=96;max-width=320]" */
static int parse_rid(sdp_media *m, const char *v, const char *end) {
  const char *p = v;
  while (p < end && rid_char(*p)) p++;
  size_t idn = (size_t)(p - v);
  if (idn == 0 || p >= end || *p != ' ') return SDP_EPARSE;
  if (idn > SDP_RID_MAX) return SDP_ELIMIT;
  const char *dir = ++p;
  while (p < end && *p != ' ') p++;
  size_t dn = (size_t)(p - dir);
  int send = dn == 4 && !memcmp(dir, "send", 4) ? 1 : dn == 4 && !memcmp(dir, "recv", 4) ? 0 : -1;
  if (send < 0) return SDP_EPARSE;
  for (int i = 0; i < m->n_rids; i++)
    if (strlen(m->rids[i].id) == idn && !memcmp(m->rids[i].id, v, idn)) return SDP_EPARSE;
  if (m->n_rids == SDP_MAX_RID) return SDP_ELIMIT;
  sdp_rid *r = &m->rids[m->n_rids++];
  memcpy(r->id, v, idn);
  r->id[idn] = '\0';
  r->send = send;
  return 0;
}

static int rid_index(const sdp_media *m, const char *id, size_t n) {
  for (int i = 0; i < m->n_rids; i++)
    if (strlen(m->rids[i].id) == n && !memcmp(m->rids[i].id, id, n)) return i;
  return -1;
}

/* "a=simulcast:send q;h;f [recv ...]" or "recv ... [send ...]": the send list's streams, each
 * the first of its ','-separated alternatives, a leading '~' (paused) skipped. Every name must
 * be a send rid of the m-line. */
static int parse_simulcast(sdp_media *m, const char *v, const char *end) {
  const char *p = v;
  if (m->n_sim) return SDP_EPARSE; /* one a=simulcast per m-line */
  while (p < end) {
    const char *dir = p;
    while (p < end && *p != ' ') p++;
    size_t dn = (size_t)(p - dir);
    int send = dn == 4 && !memcmp(dir, "send", 4) ? 1 : dn == 4 && !memcmp(dir, "recv", 4) ? 0 : -1;
    if (send < 0 || p >= end || *p != ' ') return SDP_EPARSE;
    p++;
    const char *list = p;
    while (p < end && *p != ' ') p++;
    const char *list_end = p;
    if (list == list_end) return SDP_EPARSE;
    if (p < end) p++; /* the space before the other direction */
    if (!send) continue;
    if (m->n_sim) return SDP_EPARSE; /* two send lists */
    const char *q = list;
    while (q < list_end) {
      int first = 1;
      for (;;) { /* one stream: alternatives separated by ',' */
        if (q < list_end && *q == '~') q++;
        const char *id = q;
        while (q < list_end && rid_char(*q)) q++;
        if (q == id) return SDP_EPARSE;
        if (first) {
          int k = rid_index(m, id, (size_t)(q - id));
          if (k < 0 || !m->rids[k].send) return SDP_EPARSE;
          for (int i = 0; i < m->n_sim; i++)
            if (m->sim[i] == k) return SDP_EPARSE;
          if (m->n_sim == SDP_MAX_RID) return SDP_ELIMIT;
          m->sim[m->n_sim++] = (uint8_t)k;
          first = 0;
        }
        if (q < list_end && *q == ',') {
          q++;
          continue;
        }
        break;
      }
      if (q < list_end && *q != ';') return SDP_EPARSE;
      if (q < list_end) q++;
      if (q == list_end && q[-1] == ';') return SDP_EPARSE;
    }
  }
  return 0;
}

/* Attributes valid at session and media level. */
static int parse_transport_attr(char *ufrag, char *pwd, char *fp, char *setup, const char *v,
                                size_t n, int *handled) {
  *handled = 1;
  if (starts(v, n, "ice-ufrag:")) return copy_tok(ufrag, SDP_TOKEN_MAX + 1, v + 10, n - 10);
  if (starts(v, n, "ice-pwd:")) return copy_tok(pwd, SDP_TOKEN_MAX + 1, v + 8, n - 8);
  if (starts(v, n, "fingerprint:")) return copy_tok(fp, 160, v + 12, n - 12);
  if (starts(v, n, "setup:")) return copy_tok(setup, 16, v + 6, n - 6);
  *handled = 0;
  return 0;
}

static int parse_bundle(sdp_session *s, const char *v, const char *end) {
  const char *p = v;
  while (p < end) {
    while (p < end && *p == ' ') p++;
    const char *tok = p;
    while (p < end && *p != ' ') p++;
    if (p == tok) break;
    if (s->n_bundle == SDP_MAX_MEDIA) return SDP_ELIMIT;
    int rc = copy_tok(s->bundle[s->n_bundle], SDP_MID_MAX + 1, tok, (size_t)(p - tok));
    if (rc) return rc;
    s->n_bundle++;
  }
  return 0;
}

static int parse_media_attr(sdp_media *m, const char *v, size_t n) {
  const char *end = v + n;
  int handled,
      rc = parse_transport_attr(m->ice_ufrag, m->ice_pwd, m->fingerprint, m->setup, v, n, &handled);
  if (handled) return rc;
  if (starts(v, n, "mid:")) return copy_tok(m->mid, sizeof m->mid, v + 4, n - 4);
  if (starts(v, n, "rtpmap:")) return parse_rtpmap(m, v + 7, end);
  if (starts(v, n, "fmtp:")) return parse_fmtp_fb(m, v + 5, end, 1);
  if (starts(v, n, "rtcp-fb:")) return parse_fmtp_fb(m, v + 8, end, 0);
  if (starts(v, n, "extmap:")) return parse_extmap(m, v + 7, end);
  if (starts(v, n, "ssrc:")) return parse_ssrc(m, v + 5, end);
  if (starts(v, n, "msid:")) return copy_tok(m->msid, sizeof m->msid, v + 5, n - 5);
  if (starts(v, n, "rid:")) return parse_rid(m, v + 4, end);
  if (starts(v, n, "simulcast:")) return parse_simulcast(m, v + 10, end);
  if (n == 8 && !memcmp(v, "sendrecv", 8))
    m->dir = SDP_SENDRECV;
  else if (n == 8 && !memcmp(v, "sendonly", 8))
    m->dir = SDP_SENDONLY;
  else if (n == 8 && !memcmp(v, "recvonly", 8))
    m->dir = SDP_RECVONLY;
  else if (n == 8 && !memcmp(v, "inactive", 8))
    m->dir = SDP_INACTIVE;
  else if (n == 8 && !memcmp(v, "rtcp-mux", 8))
    m->rtcp_mux = 1;
  else if (n == 10 && !memcmp(v, "rtcp-rsize", 10))
    m->rtcp_rsize = 1;
  return 0;
}

static int parse_line(sdp_session *s, char type, const char *v, size_t n) {
  sdp_media *m = s->n_media ? &s->media[s->n_media - 1] : NULL;
  if (type == 'm') return parse_m(s, v, v + n);
  if (type != 'a') return 0;
  if (m) return parse_media_attr(m, v, n);
  int handled,
      rc = parse_transport_attr(s->ice_ufrag, s->ice_pwd, s->fingerprint, s->setup, v, n, &handled);
  if (handled) return rc;
  if (starts(v, n, "group:BUNDLE")) return parse_bundle(s, v + 12, v + n);
  return 0;
}

int sdp_parse(const char *p, size_t n, sdp_session *s) {
  memset(s, 0, offsetof(sdp_session, media));
  if (!p || n == 0) return SDP_EPARSE;
  if (n > SDP_MAX_LEN) return SDP_ETOOBIG;
  size_t off = 0;
  int line = 0, rc = 0;
  while (off < n && rc == 0) {
    line++;
    const char *nl = memchr(p + off, '\n', n - off);
    size_t len = nl ? (size_t)(nl - (p + off)) : n - off;
    const char *l = p + off;
    off += len + (nl ? 1 : 0);
    if (len && l[len - 1] == '\r') len--;
    if (len == 0) continue;
    if (len > SDP_MAX_LINE)
      rc = SDP_ELIMIT;
    else if (len < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z')
      rc = SDP_EPARSE;
    else if (line == 1 && !(l[0] == 'v' && len == 3 && l[2] == '0'))
      rc = SDP_EPARSE;
    else
      rc = parse_line(s, l[0], l + 2, len - 2);
  }
  if (rc == 0 && line == 0) rc = SDP_EPARSE;
  if (rc) s->err_line = line;
  return rc;
}

const char *sdp_ice_ufrag(const sdp_session *s, int i) {
  return s->media[i].ice_ufrag[0] ? s->media[i].ice_ufrag : s->ice_ufrag;
}
const char *sdp_ice_pwd(const sdp_session *s, int i) {
  return s->media[i].ice_pwd[0] ? s->media[i].ice_pwd : s->ice_pwd;
}
const char *sdp_fingerprint(const sdp_session *s, int i) {
  return s->media[i].fingerprint[0] ? s->media[i].fingerprint : s->fingerprint;
}

int sdp_ext_id(const sdp_media *m, const char *uri) {
  for (int i = 0; i < m->n_ext; i++)
    if (!strcmp(m->ext[i].uri, uri)) return m->ext[i].id;
  return 0;
}

int sdp_simulcast_send(const sdp_media *m) {
  return m->n_sim >= 2 && sdp_ext_id(m, SDP_EXT_RID) > 0;
}
