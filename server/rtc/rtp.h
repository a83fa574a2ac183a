/* rtp: RTP (RFC 3550) and RTCP headers over (p, n), every length checked before it is read.
 *
 * rtp_parse fills a view of one RTP packet (fixed header, CSRCs, the header extension block and
 * padding all inside n). rtp_ext_find reads one- and two-byte header extensions (RFC 8285).
 * rtcp_next walks a compound RTCP packet one packet at a time; rtcp_parse_fb reads the feedback
 * messages an SFU acts on (generic NACK, PLI, FIR); rtcp_parse_report the SR/RR report
 * blocks. Views point into the caller's buffer. */
#ifndef BZ_RTC_RTP_H
#define BZ_RTC_RTP_H

#include <stddef.h>
#include <stdint.h>

#define RTP_HEADER_MIN 12

enum {
  RTP_ESHORT = -1,
  RTP_EVERSION = -2,
  RTP_EPADDING = -3,
  RTP_EEXT = -4,
  RTP_ELENGTH = -5,
  RTP_ETYPE = -6
};

typedef struct rtp_view {
  uint8_t marker, payload_type, csrc_count;
  uint16_t seq;
  uint32_t timestamp, ssrc;
  uint16_t ext_profile; /* 0xBEDE (one-byte), 0x100X (two-byte), other; 0 = no extension */
  const uint8_t *ext;   /* extension data after its 4-byte header */
  size_t ext_len;       /* bytes */
  const uint8_t *payload;
  size_t payload_len; /* without padding */
  size_t header_len;  /* fixed + CSRCs + extension */
  uint8_t padding_len;
} rtp_view;

int rtp_parse(const uint8_t *p, size_t n, rtp_view *v);
/* The value of extension `id` (1..14 one-byte, 1..255 two-byte): 1 found, 0 not, <0 when the
 * block is malformed. */
int rtp_ext_find(const rtp_view *v, uint8_t id, const uint8_t **val, size_t *len);

enum {
  RTCP_SR = 200,
  RTCP_RR = 201,
  RTCP_SDES = 202,
  RTCP_BYE = 203,
  RTCP_APP = 204,
  RTCP_RTPFB = 205,
  RTCP_PSFB = 206,
  RTCP_XR = 207
};

typedef struct rtcp_view {
  uint8_t count; /* RC / SC / FMT (5 bits) */
  uint8_t type;  /* packet type 192..223 */
  uint8_t padding;
  const uint8_t *body; /* after the 4-byte header */
  size_t body_len;     /* bytes, padding removed */
  size_t total_len;    /* bytes of this packet in the compound */
} rtcp_view;

typedef struct rtcp_iter {
  const uint8_t *p;
  size_t n, off;
} rtcp_iter;

void rtcp_iter_init(rtcp_iter *it, const uint8_t *p, size_t n);
/* 1 = *v is the next packet, 0 = end, <0 = malformed (the rest is not walked). */
int rtcp_next(rtcp_iter *it, rtcp_view *v);
/* Validates a whole compound packet (RFC 3550 §A.2 style: version 2, lengths add up, padding
 * only on the last). 0 or <0. */
int rtcp_validate(const uint8_t *p, size_t n);

typedef struct rtcp_report_block {
  uint32_t ssrc;
  uint8_t fraction_lost;
  int32_t cumulative_lost; /* 24-bit signed */
  uint32_t highest_seq, jitter, lsr, dlsr;
} rtcp_report_block;

typedef struct rtcp_report {
  uint32_t sender_ssrc;
  int is_sr;
  uint64_t ntp; /* SR only */
  uint32_t rtp_ts, packets, octets;
  int n_blocks;
  rtcp_report_block blocks[31];
} rtcp_report;

int rtcp_parse_report(const rtcp_view *v, rtcp_report *r);

#define RTCP_FB_MAX_ITEMS 64

typedef enum { RTCP_FB_NACK = 1, RTCP_FB_PLI, RTCP_FB_FIR, RTCP_FB_OTHER } rtcp_fb_kind;

typedef struct rtcp_fb {
  rtcp_fb_kind kind;
  uint32_t sender_ssrc, media_ssrc;
  int n_items; /* NACK: (pid, blp) pairs; FIR: (ssrc, seq) entries */
  struct {
    uint32_t a;
    uint16_t b;
  } items[RTCP_FB_MAX_ITEMS];
  int truncated; /* more items than RTCP_FB_MAX_ITEMS */
} rtcp_fb;

/* RTPFB / PSFB packets. 0 or <0. */
int rtcp_parse_fb(const rtcp_view *v, rtcp_fb *fb);

#endif
