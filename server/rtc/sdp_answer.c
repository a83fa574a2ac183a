/* SDP answer of buzzd's SFU to a browser's offer (see sdp.h).
 *
 * What the answer says and why:
 * - a=ice-lite, one host candidate (the worker's port on the announced IP), setup:passive
 *   (the browser is the DTLS client), rtcp-mux, every accepted m-line in one BUNDLE group;
 * - audio: Opus only; video: VP8 and the RTX that repairs it; feedback nack, nack pli,
 *   ccm fir; congestion control (cc.c): on m-lines the browser sends on, transport-cc (the
 *   rtcp-fb and its header extension, when offered: buzzd sends the feedback), on m-lines
 *   buzzd sends on, goog-remb (the browser's receive-side estimate is the subscriber's);
 * - header extensions: audio level and abs-send-time only. In particular not the MID
 *   extension: packets are forwarded as they are, and a subscriber's m-line ids differ from
 *   the publisher's, so the subscriber demultiplexes by the SSRCs this answer announces;
 * - directions mirror the offer: what the browser sends we receive; we send on an m-line
 *   only where the caller gives an sdp_send (its SSRC, cname, msid). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rtc/sdp.h"

typedef struct out {
  char *buf;
  size_t cap, len;
  int err;
} out;

__attribute__((format(printf, 2, 3))) static void put(out *o, const char *fmt, ...) {
  if (o->err) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= o->cap - o->len) {
    o->err = SDP_ESPACE;
    return;
  }
  o->len += (size_t)n;
}

const sdp_codec *sdp_pick_codec(const sdp_media *m) {
  if (!m->proto_ok || m->port == 0) return NULL;
  /* In the m-line's preference order. */
  for (int i = 0; i < m->n_pts; i++)
    for (int k = 0; k < m->n_codecs; k++) {
      const sdp_codec *c = &m->codecs[k];
      if (c->pt != m->pts[i]) continue;
      if (m->kind == SDP_AUDIO && !strcasecmp(c->name, "opus") && c->clock == 48000) return c;
      if (m->kind == SDP_VIDEO && !strcasecmp(c->name, "VP8") && c->clock == 90000) return c;
    }
  return NULL;
}

static const sdp_codec *rtx_for(const sdp_media *m, const sdp_codec *main) {
  for (int k = 0; k < m->n_codecs; k++)
    if (!strcasecmp(m->codecs[k].name, "rtx") && m->codecs[k].apt == main->pt) return &m->codecs[k];
  return NULL;
}

#define EXT_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

/* 1 when the browser sends on m-line m (buzzd receives there). */
static int browser_sends(const sdp_media *m) {
  return m->dir == SDP_SENDONLY || m->dir == SDP_SENDRECV;
}

static int ext_wanted(const sdp_media *m, const char *uri) {
  if (!strcmp(uri, EXT_TWCC)) return browser_sends(m);
  if (!strcmp(uri, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time")) return 1;
  /* A simulcast sender names each layer's SSRC only in these (buzzd learns them from the rid;
   * RTX packets carry the repaired rid); the MID goes with them, as JSEP expects. */
  if (m->dir == SDP_SENDONLY && sdp_simulcast_send(m) &&
      (!strcmp(uri, SDP_EXT_RID) || !strcmp(uri, SDP_EXT_RRID) || !strcmp(uri, SDP_EXT_MID)))
    return 1;
  return m->kind == SDP_AUDIO && !strcmp(uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
}

/* RFC 8843 §9.2: in a BUNDLE group an extension id names one extension. An offer that gives
 * one id two URIs (aiortc gives the audio level and abs-send-time both 2) gets neither
 * answered, so that nobody reads a packet's extension under the wrong meaning. */
static int ext_id_ambiguous(const sdp_session *s, uint8_t id, const char *uri) {
  for (int j = 0; j < s->n_media; j++)
    for (int k = 0; k < s->media[j].n_ext; k++)
      if (s->media[j].ext[k].id == id && strcmp(s->media[j].ext[k].uri, uri)) return 1;
  return 0;
}

static int ext_answered(const sdp_session *s, const sdp_media *m, const sdp_ext *e) {
  return ext_wanted(m, e->uri) && !ext_id_ambiguous(s, e->id, e->uri);
}

int sdp_ext_answered(const sdp_session *s, int i, const char *uri) {
  if (i < 0 || i >= s->n_media || !sdp_pick_codec(&s->media[i])) return 0;
  const sdp_media *m = &s->media[i];
  for (int k = 0; k < m->n_ext; k++)
    if (!strcmp(m->ext[k].uri, uri) && ext_answered(s, m, &m->ext[k])) return m->ext[k].id;
  return 0;
}

/* The offer's simulcast send streams, received: "a=rid:<id> recv" each, then
 * "a=simulcast:recv q;h;f" in the offer's order. */
static void simulcast_lines(out *o, const sdp_media *m) {
  if (m->dir != SDP_SENDONLY || !sdp_simulcast_send(m)) return;
  for (int k = 0; k < m->n_sim; k++) put(o, "a=rid:%s recv\r\n", m->rids[m->sim[k]].id);
  put(o, "a=simulcast:recv ");
  for (int k = 0; k < m->n_sim; k++) put(o, "%s%s", k ? ";" : "", m->rids[m->sim[k]].id);
  put(o, "\r\n");
}

static sdp_dir answer_dir(sdp_dir offered, int we_send) {
  switch (offered) {
    case SDP_SENDONLY:
      return SDP_RECVONLY;
    case SDP_RECVONLY:
      return we_send ? SDP_SENDONLY : SDP_INACTIVE;
    case SDP_SENDRECV:
      return we_send ? SDP_SENDRECV : SDP_RECVONLY;
    default:
      return SDP_INACTIVE;
  }
}

static const char *dir_name(sdp_dir d) {
  static const char *names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
  return names[d];
}

/* cc: the congestion-control feedback (SDP_FB_TWCC, SDP_FB_REMB) this m-line may answer. */
static void codec_lines(out *o, const sdp_codec *c, unsigned cc) {
  if (c->channels)
    put(o, "a=rtpmap:%u %s/%u/%u\r\n", c->pt, c->name, c->clock, c->channels);
  else
    put(o, "a=rtpmap:%u %s/%u\r\n", c->pt, c->name, c->clock);
  if (c->fb & SDP_FB_NACK) put(o, "a=rtcp-fb:%u nack\r\n", c->pt);
  if (c->fb & SDP_FB_PLI) put(o, "a=rtcp-fb:%u nack pli\r\n", c->pt);
  if (c->fb & SDP_FB_FIR) put(o, "a=rtcp-fb:%u ccm fir\r\n", c->pt);
  if (c->fb & cc & SDP_FB_TWCC) put(o, "a=rtcp-fb:%u transport-cc\r\n", c->pt);
  if (c->fb & cc & SDP_FB_REMB) put(o, "a=rtcp-fb:%u goog-remb\r\n", c->pt);
  if (c->fmtp[0]) put(o, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
}

static void media_section(out *o, const sdp_session *s, int i, const sdp_answer_opts *a, int v6) {
  const sdp_media *m = &s->media[i];
  const sdp_codec *c = sdp_pick_codec(m);
  const char *kind = m->kind == SDP_AUDIO   ? "audio"
                     : m->kind == SDP_VIDEO ? "video"
                                            : "application";
  if (!c) { /* rejected: port 0, same kind, the first offered format */
    if (m->kind == SDP_OTHER)
      put(o, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n");
    else
      put(o, "m=%s 0 UDP/TLS/RTP/SAVPF %u\r\n", kind, m->n_pts ? m->pts[0] : 0);
    put(o, "c=IN IP4 0.0.0.0\r\n");
    if (m->mid[0]) put(o, "a=mid:%s\r\n", m->mid);
    return;
  }
  const sdp_codec *rtx = m->kind == SDP_VIDEO ? rtx_for(m, c) : NULL;
  if (rtx)
    put(o, "m=%s 9 UDP/TLS/RTP/SAVPF %u %u\r\n", kind, c->pt, rtx->pt);
  else
    put(o, "m=%s 9 UDP/TLS/RTP/SAVPF %u\r\n", kind, c->pt);
  put(o, "c=IN %s %s\r\n", v6 ? "IP6" : "IP4", a->ip);
  put(o, "a=rtcp:9 IN %s %s\r\n", v6 ? "IP6" : "IP4", a->ip);
  put(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", a->ice_ufrag, a->ice_pwd);
  put(o, "a=fingerprint:%s\r\na=setup:passive\r\n", a->fingerprint);
  put(o, "a=mid:%s\r\n", m->mid);
  for (int k = 0; k < m->n_ext; k++)
    if (ext_answered(s, m, &m->ext[k]))
      put(o, "a=extmap:%u %s\r\n", m->ext[k].id, m->ext[k].uri);
  const sdp_send *snd = a->send[i];
  put(o, "a=%s\r\n", dir_name(answer_dir(m->dir, snd != NULL)));
  if (snd && snd->msid[0]) put(o, "a=msid:%s\r\n", snd->msid);
  put(o, "a=rtcp-mux\r\n");
  if (m->rtcp_rsize) put(o, "a=rtcp-rsize\r\n");
  unsigned cc = (browser_sends(m) && sdp_ext_id(m, EXT_TWCC) ? SDP_FB_TWCC : 0) |
                (snd && m->dir != SDP_SENDONLY ? SDP_FB_REMB : 0);
  codec_lines(o, c, cc);
  if (rtx) codec_lines(o, rtx, cc);
  simulcast_lines(o, m);
  if (snd) {
    put(o, "a=ssrc:%u cname:%s\r\n", snd->ssrc, snd->cname[0] ? snd->cname : "buzzd");
    if (snd->msid[0]) put(o, "a=ssrc:%u msid:%s\r\n", snd->ssrc, snd->msid);
  }
  put(o, "a=candidate:1 1 udp 2130706431 %s %d typ host\r\n", a->ip, a->port);
  put(o, "a=end-of-candidates\r\n");
}

/* Printable tokens without spaces (they go into SDP lines verbatim). */
static int token_ok(const char *t, size_t max) {
  if (!t || !*t || strlen(t) > max) return 0;
  for (const char *p = t; *p; p++)
    if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) return 0;
  return 1;
}

int sdp_answer(const sdp_session *s, const sdp_answer_opts *a, char *buf, size_t cap) {
  if (!s || !a || !buf || cap == 0 || !token_ok(a->ice_ufrag, 256) || !token_ok(a->ice_pwd, 256) ||
      !a->fingerprint || strlen(a->fingerprint) > 159 || strchr(a->fingerprint, '\r') ||
      strchr(a->fingerprint, '\n') || !token_ok(a->ip, 63) || a->port < 1 || a->port > 65535)
    return SDP_EARG;
  for (int i = 0; i < s->n_media; i++) {
    const sdp_send *snd = a->send[i];
    if (snd && ((snd->cname[0] && !token_ok(snd->cname, SDP_TOKEN_MAX)) ||
                strchr(snd->msid, '\r') || strchr(snd->msid, '\n')))
      return SDP_EARG;
  }
  int accepted = 0;
  for (int i = 0; i < s->n_media; i++) {
    if (!sdp_pick_codec(&s->media[i])) continue;
    const char *setup = s->media[i].setup[0] ? s->media[i].setup : s->setup;
    if (!sdp_ice_ufrag(s, i)[0] || !sdp_ice_pwd(s, i)[0] || !sdp_fingerprint(s, i)[0] ||
        !s->media[i].mid[0] || (setup[0] && strcmp(setup, "actpass") && strcmp(setup, "active")))
      return SDP_EMISSING;
    accepted++;
  }
  if (!accepted) return SDP_EMISSING;
  int v6 = strchr(a->ip, ':') != NULL;
  out o = {.buf = buf, .cap = cap};
  buf[0] = '\0';
  put(&o, "v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n",
      (unsigned long long)a->session_id);
  put(&o, "a=group:BUNDLE");
  for (int i = 0; i < s->n_media; i++)
    if (sdp_pick_codec(&s->media[i])) put(&o, " %s", s->media[i].mid);
  put(&o, "\r\na=msid-semantic: WMS *\r\n");
  for (int i = 0; i < s->n_media; i++) media_section(&o, s, i, a, v6);
  return o.err ? o.err : (int)o.len;
}
