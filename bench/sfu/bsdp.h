/* bsdp: the SDP a load generator exchanges with an SFU: video m-lines only, VP8, BUNDLE,
 * rtcp-mux, one IPv4 host candidate, no trickle. A publisher offers one sendonly m-line; a
 * subscriber receives one or (the N×N shape) several recvonly m-lines on one bundled
 * transport.
 *
 * bsdp_parse reads the remote side of the bounded text (at most BSDP_MAX bytes, lines of at
 * most 1024 bytes): ICE credentials, DTLS fingerprint and setup role, the first IPv4 UDP host
 * candidate of component 1, and of every m-line (up to BSDP_MAX_MLINES; more are counted
 * so that an answer can fail) its type, port, mid, VP8 payload type and the SSRC the remote
 * sends on it (the first a=ssrc, or the first of an a=ssrc-group, i.e. not the RTX one). */
#ifndef BZ_BENCH_BSDP_H
#define BZ_BENCH_BSDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define BSDP_MAX 65536
#define BSDP_MAX_MLINES 128 /* what buzzd accepts in one offer */

typedef struct bsdp_remote {
  char ufrag[64], pwd[128], fingerprint[160], setup[16];
  struct sockaddr_in cand; /* sin_port 0 when none */
  int video_index;         /* m-line index of the first video m-line, -1 if none */
  int vp8_pt;              /* of the first video m-line; -1 if absent */
  int ice_lite;            /* a=ice-lite (buzzd): we must be the controlling agent */
  int n_mlines;
  char mid[BSDP_MAX_MLINES][32];
  char mtype[BSDP_MAX_MLINES][16];
  char mproto[BSDP_MAX_MLINES][40];
  int mport[BSDP_MAX_MLINES];      /* 0: a rejected m-line */
  int mpt[BSDP_MAX_MLINES];        /* VP8 payload type of each m-line, -1 if none */
  uint32_t mssrc[BSDP_MAX_MLINES]; /* what the remote sends there, 0 if it names none */
} bsdp_remote;

typedef struct bsdp_local {
  const char *ufrag, *pwd, *fingerprint; /* fingerprint "sha-256 AB:..." */
  const char *ip;                        /* our IPv4 address */
  int port;                              /* our UDP port */
  uint32_t ssrc;                         /* publisher only */
  int index;                             /* a number for o= and cname */
  int recvonly;                          /* bsdp_offer: a subscriber's offer (buzzd) */
  int n_recv; /* recvonly: its m-lines, mids "0".."n_recv-1" (0 is taken as 1) */
} bsdp_local;

/* 0, or -1 when the text is too long, lacks credentials, a fingerprint or a candidate. */
int bsdp_parse(const char *sdp, bsdp_remote *r);
/* An offer as Chromium shapes one for its video transceivers (mids 0, 1, ..., all in one
 * BUNDLE group, rtcp-mux, setup:actpass, VP8 as payload type 96 with nack / nack pli / ccm
 * fir, the transport attributes repeated on every m-line and the candidate on the first): a
 * publisher's is one sendonly m-line with its SSRC, a subscriber's (l->recvonly) l->n_recv
 * recvonly m-lines without one. Returns length or -1. */
int bsdp_offer(const bsdp_local *l, char *out, size_t cap);
/* A subscriber's answer to r: recvonly on every video m-line of r that is not rejected and
 * offers VP8 (with that payload type), bundled, setup:passive; every other m-line rejected.
 * Returns length or -1 (none accepted, or more m-lines than BSDP_MAX_MLINES). */
int bsdp_answer(const bsdp_local *l, const bsdp_remote *r, char *out, size_t cap);

#endif
