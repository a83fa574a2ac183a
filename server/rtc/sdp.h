/* sdp: the subset of SDP (RFC 8866, JSEP RFC 8829) buzzd needs to answer a browser's offer.
 *
 * sdp_parse reads an offer over (p, n): every line and field is bounded (SDP_MAX_LEN bytes,
 * SDP_MAX_LINE per line, fixed-size tables for m-lines, codecs, extensions and SSRCs; what does
 * not fit is an error, never a truncation). sdp_answer writes the answer of an ICE-lite,
 * DTLS-passive, BUNDLE-only, rtcp-mux-only server: Opus for audio, VP8 (+ its RTX) for video,
 * every other m-line rejected (port 0). Both are pure functions with no allocation; an
 * sdp_session is large (~2.4 MB, mostly untouched: see below): keep it on the heap. */
#ifndef BZ_RTC_SDP_H
#define BZ_RTC_SDP_H

#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_LEN (256 * 1024) /* SDP_MAX_MEDIA m-lines of Chromium's ~2 KB; a message is smaller by default */
#define SDP_MAX_LINE 2048
#define SDP_MAX_MEDIA 128 /* a sub offer: two per other participant (50 a room), and screens */
#define SDP_MAX_CODECS 48
#define SDP_MAX_EXT 24
#define SDP_MAX_SSRC 8
#define SDP_MID_MAX 32
#define SDP_TOKEN_MAX 256 /* ufrag, pwd, msid, cname */
#define SDP_MAX_RID 4     /* simulcast streams of one m-line (a=rid) */
#define SDP_RID_MAX 16    /* characters of a rid (RFC 8851 rid-id; WebRTC's limit) */

enum {
  SDP_EPARSE = -1,
  SDP_ETOOBIG = -2,
  SDP_ELIMIT = -3,
  SDP_EMISSING = -4,
  SDP_ESPACE = -5,
  SDP_EARG = -6
};

typedef enum { SDP_AUDIO = 1, SDP_VIDEO, SDP_OTHER } sdp_kind;
typedef enum { SDP_SENDRECV = 0, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE } sdp_dir;

enum { SDP_FB_NACK = 1, SDP_FB_PLI = 2, SDP_FB_FIR = 4, SDP_FB_TWCC = 8, SDP_FB_REMB = 16 };

typedef struct sdp_codec {
  uint8_t pt;
  char name[16]; /* "opus", "VP8", "rtx", ... */
  uint32_t clock;
  uint8_t channels; /* 0 = not given */
  int apt;          /* rtx: the payload type it repairs; -1 otherwise */
  unsigned fb;      /* SDP_FB_* */
  char fmtp[256];
} sdp_codec;

typedef struct sdp_ext {
  uint8_t id;
  char uri[128];
} sdp_ext;

/* "a=rid:<id> send|recv [params]" (RFC 8851); the params are not kept. */
typedef struct sdp_rid {
  char id[SDP_RID_MAX + 1]; /* alphanumerics, '-' and '_' */
  int send;                 /* 1 send, 0 recv */
} sdp_rid;

typedef struct sdp_media {
  sdp_kind kind;
  int port;
  int proto_ok; /* UDP/TLS/RTP/SAVPF */
  char mid[SDP_MID_MAX + 1];
  sdp_dir dir;
  int rtcp_mux, rtcp_rsize;
  char ice_ufrag[SDP_TOKEN_MAX + 1], ice_pwd[SDP_TOKEN_MAX + 1];
  char fingerprint[160], setup[16];
  char msid[SDP_TOKEN_MAX + 1];
  uint8_t pts[SDP_MAX_CODECS]; /* the m-line's format list, in preference order */
  int n_pts;
  sdp_codec codecs[SDP_MAX_CODECS];
  int n_codecs;
  sdp_ext ext[SDP_MAX_EXT];
  int n_ext;
  uint32_t ssrcs[SDP_MAX_SSRC];
  int n_ssrcs;
  char cname[SDP_TOKEN_MAX + 1];
  sdp_rid rids[SDP_MAX_RID]; /* in the order of their a=rid lines */
  int n_rids;
  /* "a=simulcast:send q;h;f" (RFC 8853): the send streams, indices into rids, in the offer's
   * order (the first alternative of each; '~' paused ones included). n_sim = 0: no simulcast
   * (or only a recv list, which buzzd does not use). */
  uint8_t sim[SDP_MAX_RID];
  int n_sim;
} sdp_media;

typedef struct sdp_session {
  char ice_ufrag[SDP_TOKEN_MAX + 1], ice_pwd[SDP_TOKEN_MAX + 1];
  char fingerprint[160], setup[16];
  char bundle[SDP_MAX_MEDIA][SDP_MID_MAX + 1];
  int n_bundle;
  int n_media;
  int err_line; /* 1-based line of the first error */
  /* Last, and only media[0..n_media) is ever written or read: a parse clears what comes
   * before it and each m-line as it starts (the whole array is 2.4 MB). */
  sdp_media media[SDP_MAX_MEDIA];
} sdp_session;

/* Parses an offer. 0 or SDP_E* (s->err_line says where). */
int sdp_parse(const char *p, size_t n, sdp_session *s);

/* A stream buzzd sends on an m-line (a subscriber's view of a publisher's track). */
typedef struct sdp_send {
  uint32_t ssrc;
  char cname[SDP_TOKEN_MAX + 1];
  char msid[SDP_TOKEN_MAX + 1]; /* "stream track" */
} sdp_send;

typedef struct sdp_answer_opts {
  const char *ice_ufrag, *ice_pwd; /* ours */
  const char *fingerprint;         /* ours: "sha-256 AB:..." */
  const char *ip;                  /* the candidate: announced IP and worker port */
  int port;
  uint64_t session_id;
  const sdp_send *send[SDP_MAX_MEDIA]; /* per offered m-line; NULL = we send nothing there */
} sdp_answer_opts;

/* The answer's text into out[cap] (NUL-terminated). Returns its length or SDP_E*
 * (SDP_EMISSING: the offer lacks ICE credentials or a fingerprint, or offers no audio or video
 * we accept; SDP_ESPACE: cap too small). */
int sdp_answer(const sdp_session *offer, const sdp_answer_opts *o, char *out, size_t cap);
/* The ICE and DTLS parameters that apply to m-line i (media level, else session level). */
const char *sdp_ice_ufrag(const sdp_session *s, int i);
const char *sdp_ice_pwd(const sdp_session *s, int i);
const char *sdp_fingerprint(const sdp_session *s, int i);
/* The id of header extension `uri` on m-line m, or 0. */
int sdp_ext_id(const sdp_media *m, const char *uri);
/* The id under which sdp_answer accepts header extension `uri` on m-line i of s, or 0 (not
 * offered, not one buzzd takes there, or an id the offer also gives another extension). */
int sdp_ext_answered(const sdp_session *s, int i, const char *uri);
#define SDP_EXT_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define SDP_EXT_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define SDP_EXT_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
/* 1 when m-line m sends simulcast that buzzd takes: a=simulcast:send naming 2 or more send rids
 * and the rid header extension offered. */
int sdp_simulcast_send(const sdp_media *m);
/* The codec of m-line m chosen by sdp_answer (opus / VP8), or NULL. */
const sdp_codec *sdp_pick_codec(const sdp_media *m);

#endif
