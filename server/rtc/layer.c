/* Keyframe detection and layer choice (see layer.h). */
#include "rtc/layer.h"

int rtc_vp8_keyframe(const uint8_t *p, size_t n, uint16_t *w, uint16_t *h) {
  if (n < 1) return 0;
  size_t off = 1;
  uint8_t b0 = p[0];
  if (!(b0 & 0x10) || (b0 & 0x07) != 0) return 0; /* S = 1 and partition index 0 */
  if (b0 & 0x80) {                                /* X: the extension byte */
    if (n < 2) return 0;
    uint8_t x = p[1];
    off = 2;
    if (x & 0x80) { /* I: picture id, 7 or 15 bits */
      if (n <= off) return 0;
      off += (p[off] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) off++; /* L: TL0PICIDX */
    if (x & 0x30) off++; /* T or K: TID / Y / KEYIDX */
  }
  /* The VP8 payload header of a keyframe: 3-byte frame tag, start code, 2 x 16-bit size. */
  if (n < off + 10) return 0;
  const uint8_t *f = p + off;
  if (f[0] & 0x01) return 0; /* P = 1: an inter frame */
  if (f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a) return 0;
  if (w) *w = (uint16_t)((f[6] | f[7] << 8) & 0x3fff);
  if (h) *h = (uint16_t)((f[8] | f[9] << 8) & 0x3fff);
  return 1;
}

static int idr_or_sps(uint8_t nal) {
  uint8_t t = nal & 0x1f;
  return t == 5 || t == 7;
}

int rtc_h264_keyframe(const uint8_t *p, size_t n) {
  if (n < 1) return 0;
  uint8_t t = p[0] & 0x1f;
  if (t >= 1 && t <= 23) return idr_or_sps(p[0]);
  if (t == 24) { /* STAP-A: 16-bit sizes, then the NAL units */
    size_t off = 1;
    while (off + 2 < n) {
      size_t len = (size_t)p[off] << 8 | p[off + 1];
      off += 2;
      if (len == 0 || len > n - off) return 0;
      if (idr_or_sps(p[off])) return 1;
      off += len;
    }
    return 0;
  }
  if (t == 28) /* FU-A: the start fragment names the unit's type */
    return n >= 2 && (p[1] & 0x80) && idr_or_sps(p[1]);
  return 0;
}

/* The size of layer i: known, else derived from a neighbour by factors of two. */
static void layer_size(const rtc_layer_info *l, int n, int i, uint32_t *w, uint32_t *h) {
  for (int d = 0; d < n; d++) {
    int up = i + d, down = i - d;
    if (up < n && l[up].width && l[up].height) {
      *w = (uint32_t)l[up].width >> d, *h = (uint32_t)l[up].height >> d;
      return;
    }
    if (down >= 0 && l[down].width && l[down].height) {
      *w = (uint32_t)l[down].width << d, *h = (uint32_t)l[down].height << d;
      return;
    }
  }
  *w = 1280u >> (n - 1 - i), *h = 720u >> (n - 1 - i);
}

int rtc_layer_choose(const rtc_layer_info *l, int n, const rtc_layer_want *want) {
  if (!l || n < 1 || !want) return -1;
  if (n > RTC_LAYERS_MAX) n = RTC_LAYERS_MAX;
  if (want->has_view && (want->width == 0 || want->height == 0)) return -1;
  int top = -1;
  for (int i = 0; i < n; i++)
    if (l[i].active) top = i;
  if (top < 0) return -1;
  int pick = top;
  if (want->has_view)
    for (int i = 0; i < n; i++) {
      if (!l[i].active) continue;
      uint32_t w, h;
      layer_size(l, n, i, &w, &h);
      if (w * (100u + RTC_LAYER_SLACK_PCT) >= want->width * 100u &&
          h * (100u + RTC_LAYER_SLACK_PCT) >= want->height * 100u) {
        pick = i;
        break;
      }
    }
  if (want->bwe_bps)
    while (l[pick].bps > want->bwe_bps) {
      int lower = -1;
      for (int i = pick - 1; i >= 0 && lower < 0; i--)
        if (l[i].active) lower = i;
      if (lower < 0) break;
      pick = lower;
    }
  return pick;
}

/* 1 when candidate a goes before b: heard later; then sent now; then the lower index. */
static int lastn_before(const rtc_lastn_cand *c, int a, int b) {
  if (c[a].spoke_ms != c[b].spoke_ms) return c[a].spoke_ms > c[b].spoke_ms;
  if (c[a].sent != c[b].sent) return c[a].sent > c[b].sent;
  return a < b;
}

int rtc_lastn_choose(const rtc_lastn_cand *c, int n, uint32_t bwe_bps, uint8_t *keep) {
  if (!c || !keep || n <= 0) return 0;
  for (int i = 0; i < n; i++) keep[i] = bwe_bps == 0;
  if (bwe_bps == 0) return n;
  uint64_t sum = 0;
  int kept = 0;
  /* n is small (the cameras one page shows): pick the next in order each round. */
  for (int round = 0; round < n; round++) {
    int best = -1;
    for (int i = 0; i < n; i++)
      if (keep[i] != 2 && !keep[i] && (best < 0 || lastn_before(c, i, best))) best = i;
    if (best < 0) break;
    uint64_t bps = c[best].min_bps ? c[best].min_bps : RTC_LASTN_GUESS_BPS;
    uint64_t room = c[best].sent ? bwe_bps : (uint64_t)bwe_bps * RTC_LASTN_RESUME_PCT / 100;
    if (kept == 0 || sum + bps <= room) {
      keep[best] = 1;
      sum += bps;
      kept++;
    } else {
      keep[best] = 2; /* looked at, paused */
    }
  }
  for (int i = 0; i < n; i++)
    if (keep[i] == 2) keep[i] = 0;
  return kept;
}
