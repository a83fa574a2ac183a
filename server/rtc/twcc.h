/* twcc: transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01) from buzzd, the receiver, to a publishing browser, the sender, whose send-side
 * estimator (GCC in Chromium) needs it to raise its bitrate.
 *
 * The sender numbers every RTP packet of the transport (all SSRCs, audio, video, RTX, probes)
 * in one 16-bit header extension. buzzd records when each number arrived (rtc_twcc_record) and
 * reports the numbers with their arrival times in RTCP RTPFB FMT 15 packets (rtc_twcc_build):
 * base sequence number, status count, a reference time in 64 ms units, a feedback packet
 * counter, status chunks (run length; 1-bit and 2-bit vectors: not received, received with a
 * small delta, received with a large or negative delta) and receive deltas in 250 µs units.
 *
 * Memory is bounded: one rtc_twcc holds the arrival times of the last RTC_TWCC_WINDOW sequence
 * numbers (unwrapped to 64 bits, so the 16-bit wrap is invisible). A number more than a window
 * behind is ignored; one more than a window ahead starts a new window (a sender restart, not
 * a run of a thousand losses); a late packet whose range was already reported is reported
 * again with its neighbours (the sender takes duplicates). One feedback covers at most
 * `max_status` numbers and `cap` bytes; what is left goes in the next (a split).
 *
 * Everything here is pure (the caller passes the clock) and allocates nothing. */
#ifndef BZ_RTC_TWCC_H
#define BZ_RTC_TWCC_H

#include <stddef.h>
#include <stdint.h>

#define RTC_TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define RTC_TWCC_WINDOW 1024    /* sequence numbers whose arrival is remembered */
#define RTC_TWCC_MAX_STATUS 512 /* numbers one feedback packet reports at most */
#define RTC_TWCC_FB_MAX 1200    /* bytes of one feedback packet at most */
#define RTC_TWCC_FMT 15

/* The transport-wide sequence number of the RTP packet p[0..n) under extension `id` (one- or
 * two-byte header extensions): 1 found, 0 not there, < 0 malformed packet or element. */
int rtc_twcc_seq(const uint8_t *p, size_t n, uint8_t id, uint16_t *seq);

typedef struct rtc_twcc rtc_twcc;

/* Learns the extension id from the packets when signaling did not give it: the id whose
 * two-byte value grew by exactly one from each packet of the transport to the next over
 * RTC_TWCC_LEARN_RUN packets in a row (no other extension WebRTC sends does that). Ids 1..14. */
#define RTC_TWCC_LEARN_RUN 16
#define RTC_TWCC_LEARN_BUDGET 4096 /* packets looked at before giving up */
typedef struct rtc_twcc_learner {
  uint16_t last[15];
  uint8_t run[15], has[15];
  uint32_t seen;                             /* packets looked at */
  int64_t at_us[RTC_TWCC_LEARN_RUN + 1];     /* the last packets' arrivals, by seen % (RUN+1) */
  uint32_t ssrc[RTC_TWCC_LEARN_RUN + 1];
} rtc_twcc_learner;
/* One packet that arrived at now_us. The learned id (1..14) once known, else 0; -1 once the
 * budget is spent without one. */
int rtc_twcc_learn(rtc_twcc_learner *l, const uint8_t *p, size_t n, int64_t now_us);
/* Records into t the RTC_TWCC_LEARN_RUN + 1 packets that taught id (the last one included):
 * a sender's first packets carry its first bandwidth probes, which must not go unreported. */
void rtc_twcc_learn_replay(const rtc_twcc_learner *l, int id, rtc_twcc *t);

struct rtc_twcc {
  int64_t at_us[RTC_TWCC_WINDOW]; /* arrival by unwrapped seq % window; RTC_TWCC_NONE: not yet */
  int64_t begin, end;             /* unwrapped numbers [begin, end) are in the window */
  int64_t next;                   /* the first number not reported yet, begin <= next <= end */
  int started;
  uint8_t fb_count;    /* feedback packet counter (wraps) */
  uint32_t media_ssrc; /* the SSRC of the last packet: the feedback's "media source" */
  uint64_t late;       /* packets older than the window: ignored */
  uint64_t resets;     /* jumps of a window or more */
  uint64_t unreported; /* numbers pushed out of the window before they were reported */
};
#define RTC_TWCC_NONE INT64_MIN

void rtc_twcc_init(rtc_twcc *t);
/* Sequence number `seq` of a packet of `ssrc` arrived at now_us (any monotonic clock, >= 0). */
void rtc_twcc_record(rtc_twcc *t, uint16_t seq, int64_t now_us, uint32_t ssrc);
/* 1 when a received number waits to be reported. */
int rtc_twcc_pending(const rtc_twcc *t);
/* Writes the next feedback packet (one RTCP packet, SSRC of packet sender `sender_ssrc`) into
 * out[cap]: its length, 0 when nothing received waits to be reported, -1 when cap < 32.
 * At most max_status numbers (1..RTC_TWCC_MAX_STATUS) and min(cap, RTC_TWCC_FB_MAX) bytes;
 * call again while it returns > 0 to report the rest. */
int rtc_twcc_build(rtc_twcc *t, uint32_t sender_ssrc, int max_status, uint8_t *out, size_t cap);

/* A parsed feedback packet (for the tests and the fuzzer; a send-side estimator later). */
typedef struct rtc_twcc_status {
  uint16_t seq;
  uint8_t symbol;  /* 0 not received, 1 small delta, 2 large or negative delta */
  int16_t delta;   /* 250 µs units, from the previous received packet (the first: from the
                      reference time) */
  int64_t at_us;   /* arrival: reference time + the deltas so far */
} rtc_twcc_status;
typedef struct rtc_twcc_fb {
  uint32_t sender_ssrc, media_ssrc;
  uint16_t base_seq, status_count;
  uint32_t ref_time; /* 24 bits, 64 ms units */
  uint8_t fb_count;
} rtc_twcc_fb;
/* Parses one RTCP packet p[0..n) (header included, padding allowed) as transport-cc
 * feedback; fills up to max statuses. Returns the number of statuses (the packet's status
 * count) or < 0: not RTPFB FMT 15, lengths that do not add up, a reserved symbol, or a status
 * count above max. */
int rtc_twcc_parse(const uint8_t *p, size_t n, rtc_twcc_fb *fb, rtc_twcc_status *st, int max);

#endif
