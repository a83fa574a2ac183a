/* The active speaker's decision (see speaker.h) and its place on the worker: levels read from
 * the publishers' packets, one decision per room per tick, an event when it changes. */
#include <stdlib.h>
#include <string.h>

#include "rtc/rtc_int.h"
#include "rtc/speaker.h"

double rtc_spk_amplitude(uint8_t level) {
  level &= 0x7F;
  double a = 1.0;
  for (int i = 0; i < level; i++) a *= 0.891250938; /* 10^(-1/20): one dB down */
  return a;
}

int rtc_spk_decide(rtc_spk_room *s, const uint64_t *ids, const double *amp, int n) {
  int best = -1;
  double cur = 0;
  for (int i = 0; i < n; i++) {
    if (ids[i] == s->current) cur = amp[i];
    if (amp[i] >= RTC_SPK_FLOOR && (best < 0 || amp[i] > amp[best])) best = i;
  }
  if (best < 0 || ids[best] == s->current) {
    s->challenger = 0, s->wins = 0;
    return 0;
  }
  if (cur >= RTC_SPK_FLOOR) { /* the speaker still speaks: a louder one must keep winning */
    if (s->challenger == ids[best]) {
      s->wins++;
    } else {
      s->challenger = ids[best];
      s->wins = 1;
    }
    if (s->wins < RTC_SPK_WINS) return 0;
  }
  s->current = ids[best];
  s->challenger = 0, s->wins = 0;
  return 1;
}

void rtc__speaker_on_rtp(rtc__transport *t, const uint8_t *p, size_t n) {
  if (!t->spk.ext || n < RTP_HEADER_MIN) return;
  rtp_view v;
  if (rtp_parse(p, n, &v) != 0 || v.ssrc != t->spk.ssrc) return;
  const uint8_t *val;
  size_t len;
  if (rtp_ext_find(&v, t->spk.ext, &val, &len) != 1 || len < 1) return;
  t->spk.sum += rtc_spk_amplitude(val[0]);
  t->spk.n++;
}

void rtc__speaker_set(rtc__worker *w, uint64_t id, uint32_t ssrc, int ext) {
  rtc__transport *t = rtc_map_get(w->by_id, &id, sizeof id);
  if (!t) return;
  t->spk.ssrc = ssrc;
  t->spk.ext = ext > 0 && ext < 256 ? (uint8_t)ext : 0;
  t->spk.sum = 0, t->spk.n = 0;
}

#define SPK_ROOM_MAX 256 /* members weighed per room per window (more are not considered) */

void rtc__speaker_tick(rtc__worker *w) {
  uint64_t tick = ++w->spk_tick, now = rtc__now_ms(w);
  for (rtc__transport *t = w->transports; t; t = t->next) {
    rtc__room *r = t->room;
    if (!r || r->spk_tick == tick) continue;
    r->spk_tick = tick;
    uint64_t ids[SPK_ROOM_MAX];
    double amp[SPK_ROOM_MAX];
    int n = 0;
    for (rtc__transport *m = r->members; m; m = m->room_next) {
      if (!m->spk.ext) continue;
      /* A window's packets carry ~15 levels; too few of them is a muted or silent microphone. */
      double mean = m->spk.n >= 3 ? m->spk.sum / m->spk.n : 0;
      m->spk.sum = 0, m->spk.n = 0;
      if (mean >= RTC_SPK_FLOOR) m->spk.spoke_ms = now ? now : 1; /* last-N's order (simulcast.c) */
      if (n < SPK_ROOM_MAX) ids[n] = m->id, amp[n++] = mean;
    }
    if (n && rtc_spk_decide(&r->spk, ids, amp, n)) {
      rtc_event ev = {.type = RTC_EV_SPEAKER, .transport_id = r->spk.current};
      rtc__emit(w, &ev);
    }
  }
}
