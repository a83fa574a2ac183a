/* Transport-wide congestion control feedback: recording, encoding, parsing (see twcc.h). */
#include "rtc/twcc.h"

#include <string.h>

#include "rtc/be.h"
#include "rtc/rtp.h"

#define TICK_US 250       /* receive delta unit */
#define REF_US 64000      /* reference time unit */
#define RUN_MAX 0x1FFF    /* run-length chunk capacity */
#define HDR_BYTES 20      /* RTCP header, two SSRCs, base, count, reference time, fb count */

int rtc_twcc_seq(const uint8_t *p, size_t n, uint8_t id, uint16_t *seq) {
  rtp_view v;
  const uint8_t *val;
  size_t len;
  int rc = rtp_parse(p, n, &v);
  if (rc < 0) return rc;
  rc = rtp_ext_find(&v, id, &val, &len);
  if (rc <= 0) return rc;
  if (len != 2) return RTP_EEXT;
  *seq = rd16(val);
  return 1;
}

int rtc_twcc_learn(rtc_twcc_learner *l, const uint8_t *p, size_t n, int64_t now_us) {
  if (l->seen >= RTC_TWCC_LEARN_BUDGET) return -1;
  size_t k = l->seen % (RTC_TWCC_LEARN_RUN + 1);
  l->at_us[k] = now_us;
  l->ssrc[k] = n >= RTP_HEADER_MIN ? rd32(p + 8) : 0;
  l->seen++;
  rtp_view v;
  if (rtp_parse(p, n, &v) < 0 || !v.ext) return 0;
  for (uint8_t id = 1; id <= 14; id++) {
    const uint8_t *val;
    size_t len;
    if (rtp_ext_find(&v, id, &val, &len) != 1 || len != 2) {
      l->has[id] = l->run[id] = 0;
      continue;
    }
    uint16_t x = rd16(val);
    l->run[id] = l->has[id] && x == (uint16_t)(l->last[id] + 1) ? (uint8_t)(l->run[id] + 1) : 0;
    l->has[id] = 1;
    l->last[id] = x;
    if (l->run[id] >= RTC_TWCC_LEARN_RUN) return id;
  }
  return 0;
}

void rtc_twcc_learn_replay(const rtc_twcc_learner *l, int id, rtc_twcc *t) {
  if (id < 1 || id > 14 || l->run[id] < RTC_TWCC_LEARN_RUN || l->seen < RTC_TWCC_LEARN_RUN + 1)
    return;
  /* The run is the last RUN + 1 packets, their values last - RUN .. last. */
  for (uint32_t j = 0; j <= RTC_TWCC_LEARN_RUN; j++) {
    uint32_t pkt = l->seen - 1 - RTC_TWCC_LEARN_RUN + j;
    size_t k = pkt % (RTC_TWCC_LEARN_RUN + 1);
    rtc_twcc_record(t, (uint16_t)(l->last[id] - RTC_TWCC_LEARN_RUN + j), l->at_us[k], l->ssrc[k]);
  }
}

static size_t slot(int64_t u) {
  return (size_t)((uint64_t)u % RTC_TWCC_WINDOW);
}

void rtc_twcc_init(rtc_twcc *t) {
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < RTC_TWCC_WINDOW; i++) t->at_us[i] = RTC_TWCC_NONE;
}

/* Empties the window: every slot outside [begin, end) is NONE, always. */
static void clear_window(rtc_twcc *t) {
  for (int64_t u = t->begin; u < t->end; u++) t->at_us[slot(u)] = RTC_TWCC_NONE;
}

void rtc_twcc_record(rtc_twcc *t, uint16_t seq, int64_t now_us, uint32_t ssrc) {
  int64_t u;
  if (!t->started) {
    u = (int64_t)1 << 32 | seq; /* far from 0: numbers stay positive a long way back */
    t->begin = t->next = t->end = u;
    t->started = 1;
  } else {
    int64_t last = t->end - 1;
    u = last + (int16_t)(uint16_t)(seq - (uint16_t)last);
  }
  t->media_ssrc = ssrc;
  if (u < t->begin) {
    t->late++;
    return;
  }
  if (u >= t->end) {
    if (u - (t->end - 1) >= RTC_TWCC_WINDOW) { /* a jump: start over at u */
      clear_window(t);
      t->begin = t->next = t->end = u;
      t->resets++;
    }
    while (u - t->begin >= RTC_TWCC_WINDOW) t->at_us[slot(t->begin++)] = RTC_TWCC_NONE;
    if (t->next < t->begin) {
      t->unreported += (uint64_t)(t->begin - t->next);
      t->next = t->begin;
    }
    t->end = u + 1;
  }
  if (t->at_us[slot(u)] == RTC_TWCC_NONE) t->at_us[slot(u)] = now_us; /* a duplicate: the first */
  if (u < t->next) t->next = u; /* already reported around it: report from here again */
}

int rtc_twcc_pending(const rtc_twcc *t) {
  for (int64_t u = t->next; u < t->end; u++)
    if (t->at_us[slot(u)] != RTC_TWCC_NONE) return 1;
  return 0;
}

/* Rounds (a - b) to TICK_US units, nearest (a, b >= 0 apart by far less than 2^62). */
static int64_t ticks(int64_t a, int64_t b) {
  int64_t d = a - b;
  return d >= 0 ? (d + TICK_US / 2) / TICK_US : -((-d + TICK_US / 2) / TICK_US);
}

/* The status chunks of sym[0..n) into out: run length where 7 or more alike (or the rest is
 * alike), else a 1-bit vector of 14 when no large delta is among them, else a 2-bit vector of
 * 7. Returns the bytes written. */
static size_t encode_chunks(const uint8_t *sym, int n, uint8_t *out) {
  size_t w = 0;
  int i = 0;
  while (i < n) {
    int run = 1;
    while (i + run < n && sym[i + run] == sym[i] && run < RUN_MAX) run++;
    int take14 = n - i < 14 ? n - i : 14, large = 0;
    for (int k = 0; k < take14; k++) large |= sym[i + k] == 2;
    uint16_t chunk;
    if (run >= 14 || (run >= 7 && large) || i + run == n) {
      chunk = (uint16_t)(sym[i] << 13 | run);
      i += run;
    } else if (!large) {
      chunk = 0x8000;
      for (int k = 0; k < take14; k++) chunk |= (uint16_t)(sym[i + k] << (13 - k));
      i += take14;
    } else {
      int take7 = n - i < 7 ? n - i : 7;
      chunk = 0xC000;
      for (int k = 0; k < take7; k++) chunk |= (uint16_t)(sym[i + k] << (12 - 2 * k));
      i += take7;
    }
    wr16(out + w, chunk);
    w += 2;
  }
  return w;
}

int rtc_twcc_build(rtc_twcc *t, uint32_t sender_ssrc, int max_status, uint8_t *out, size_t cap) {
  if (cap < 32) return -1;
  if (cap > RTC_TWCC_FB_MAX) cap = RTC_TWCC_FB_MAX;
  if (max_status < 1 || max_status > RTC_TWCC_MAX_STATUS) max_status = RTC_TWCC_MAX_STATUS;
  if (!t->started) return 0;
  int64_t first = t->next;
  while (first < t->end && t->at_us[slot(first)] == RTC_TWCC_NONE) first++;
  if (first >= t->end) return 0;
  int64_t ref = t->at_us[slot(first)] / REF_US; /* floor: arrival times are >= 0 */
  int64_t prev = ref * REF_US;
  uint8_t sym[RTC_TWCC_MAX_STATUS];
  int16_t delta[RTC_TWCC_MAX_STATUS];
  int n = 0, last_received = -1;
  size_t delta_bytes = 0, budget = cap - HDR_BYTES - 3; /* 3: padding at most */
  for (int64_t u = t->next; u < t->end && n < max_status; u++) {
    int64_t at = t->at_us[slot(u)];
    if (at == RTC_TWCC_NONE) {
      sym[n++] = 0;
    } else {
      int64_t d = ticks(at, prev);
      if (d < INT16_MIN || d > INT16_MAX) break; /* more than 8 s apart: the next packet */
      uint8_t s = d >= 0 && d <= 255 ? 1 : 2;
      /* Chunks cover at least 7 statuses each but the last: at most 2 * (n / 7 + 1) bytes. */
      if (2 * ((size_t)(n + 1) / 7 + 1) + delta_bytes + s > budget) break;
      sym[n] = s;
      delta[n++] = (int16_t)d;
      delta_bytes += s;
      prev += d * TICK_US;
      last_received = n - 1;
    }
  }
  /* Never end on numbers not received (they may still come), unless the packet holds nothing
   * else: a gap longer than max_status, reported as lost up to the packet that ended it. */
  if (last_received >= 0) n = last_received + 1;
  uint8_t *p = out;
  p[1] = 205;
  wr32(p + 4, sender_ssrc);
  wr32(p + 8, t->media_ssrc);
  wr16(p + 12, (uint16_t)t->next);
  wr16(p + 14, (uint16_t)n);
  uint32_t ref24 = (uint32_t)(ref & 0xFFFFFF);
  p[16] = (uint8_t)(ref24 >> 16), p[17] = (uint8_t)(ref24 >> 8), p[18] = (uint8_t)ref24;
  p[19] = t->fb_count++;
  size_t len = HDR_BYTES + encode_chunks(sym, n, p + HDR_BYTES);
  for (int i = 0; i < n; i++) {
    if (sym[i] == 1) p[len++] = (uint8_t)delta[i];
    if (sym[i] == 2) wr16(p + len, (uint16_t)delta[i]), len += 2;
  }
  size_t pad = (4 - len % 4) % 4;
  if (pad) {
    memset(p + len, 0, pad - 1);
    p[len + pad - 1] = (uint8_t)pad; /* RFC 3550 padding: the last byte counts it */
    len += pad;
  }
  p[0] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | RTC_TWCC_FMT);
  wr16(p + 2, (uint16_t)(len / 4 - 1));
  t->next += n;
  return (int)len;
}

int rtc_twcc_parse(const uint8_t *p, size_t n, rtc_twcc_fb *fb, rtc_twcc_status *st, int max) {
  if (n < HDR_BYTES + 2 || p[0] >> 6 != 2 || (p[0] & 0x1F) != RTC_TWCC_FMT || p[1] != 205)
    return -1;
  size_t total = ((size_t)rd16(p + 2) + 1) * 4;
  if (total != n) return -1;
  if (p[0] & 0x20) {
    uint8_t pad = p[n - 1];
    if (pad == 0 || pad > n - HDR_BYTES) return -1;
    n -= pad;
  }
  fb->sender_ssrc = rd32(p + 4);
  fb->media_ssrc = rd32(p + 8);
  fb->base_seq = rd16(p + 12);
  fb->status_count = rd16(p + 14);
  fb->ref_time = (uint32_t)p[16] << 16 | (uint32_t)p[17] << 8 | p[18];
  fb->fb_count = p[19];
  int count = fb->status_count;
  if (count == 0 || count > max) return -1;
  size_t off = HDR_BYTES;
  int k = 0;
  while (k < count) {
    if (n - off < 2) return -1;
    uint16_t c = rd16(p + off);
    off += 2;
    if (!(c & 0x8000)) { /* run length */
      int run = c & RUN_MAX;
      uint8_t s = (uint8_t)((c >> 13) & 3);
      if (s == 3) return -1;
      for (int i = 0; i < run && k < count; i++) st[k++].symbol = s;
    } else if (!(c & 0x4000)) { /* 14 one-bit symbols */
      for (int i = 0; i < 14 && k < count; i++) st[k++].symbol = (uint8_t)((c >> (13 - i)) & 1);
    } else { /* 7 two-bit symbols */
      for (int i = 0; i < 7 && k < count; i++) {
        uint8_t s = (uint8_t)((c >> (12 - 2 * i)) & 3);
        if (s == 3) return -1;
        st[k++].symbol = s;
      }
    }
  }
  int64_t at = (int64_t)fb->ref_time * REF_US;
  for (int i = 0; i < count; i++) {
    st[i].seq = (uint16_t)(fb->base_seq + i);
    st[i].delta = 0;
    st[i].at_us = RTC_TWCC_NONE;
    if (st[i].symbol == 0) continue;
    if (n - off < st[i].symbol) return -1;
    st[i].delta = st[i].symbol == 1 ? (int16_t)p[off] : (int16_t)rd16(p + off);
    off += st[i].symbol;
    at += (int64_t)st[i].delta * TICK_US;
    st[i].at_us = at;
  }
  if (n - off > 3) return -1; /* more than alignment left over */
  return count;
}
