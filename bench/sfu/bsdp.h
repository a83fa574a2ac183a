/* bsdp: the SDP a load generator exchanges with an SFU: one video m-line, VP8, BUNDLE,
 * rtcp-mux, one IPv4 host candidate, no trickle.
 *
 * bsdp_parse reads the remote side of the bounded text (at most BSDP_MAX bytes, lines of at
 * most 1024 bytes): ICE credentials, DTLS fingerprint and setup role, the first IPv4 UDP host
 * candidate of component 1, and of the first video m-line its mid and VP8 payload type. Other
 * m-lines are counted so that an answer can reject them. */
#ifndef BZ_BENCH_BSDP_H
#define BZ_BENCH_BSDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define BSDP_MAX 65536
#define BSDP_MAX_MLINES 8

typedef struct bsdp_remote {
  char ufrag[64], pwd[128], fingerprint[160], setup[16];
  struct sockaddr_in cand; /* sin_port 0 when none */
  int video_index;         /* m-line index of the first video m-line, -1 if none */
  int vp8_pt;              /* -1 if absent */
  int ice_lite;            /* a=ice-lite (buzzd): we must be the controlling agent */
  int n_mlines;
  char mid[BSDP_MAX_MLINES][32];
  char mtype[BSDP_MAX_MLINES][16];
  char mproto[BSDP_MAX_MLINES][40];
} bsdp_remote;

typedef struct bsdp_local {
  const char *ufrag, *pwd, *fingerprint; /* fingerprint "sha-256 AB:..." */
  const char *ip;                        /* our IPv4 address */
  int port;                              /* our UDP port */
  uint32_t ssrc;                         /* publisher only */
  int index;                             /* a number for o= and cname */
  int recvonly;                          /* bsdp_offer: a subscriber's offer (buzzd) */
} bsdp_local;

/* 0, or -1 when the text is too long, lacks credentials, a fingerprint or a candidate. */
int bsdp_parse(const char *sdp, bsdp_remote *r);
/* An offer as Chromium shapes one for a single video transceiver (mid 0, BUNDLE, rtcp-mux,
 * setup:actpass, VP8 as payload type 96 with nack / nack pli / ccm fir): a publisher's is
 * sendonly with its SSRC, a subscriber's (l->recvonly) recvonly without one. Returns length
 * or -1. */
int bsdp_offer(const bsdp_local *l, char *out, size_t cap);
/* A subscriber's answer to r: recvonly on r's video m-line with r's VP8 payload type,
 * setup:passive, every other m-line rejected. Returns length or -1. */
int bsdp_answer(const bsdp_local *l, const bsdp_remote *r, char *out, size_t cap);

#endif
