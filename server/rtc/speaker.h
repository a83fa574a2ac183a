/* speaker: a room's active speaker from the audio-level header extension (RFC 6464) of its
 * publishers' microphones, so that every page of an SFU room highlights the same person and
 * none has to decode audio levels itself.
 *
 * Each publisher's levels (0 = 0 dBov, the loudest, .. 127 = silence) are averaged as linear
 * amplitude over one window (the worker's 250 ms tick). The loudest above a floor becomes the
 * speaker at once when the current one is silent; while the current one still speaks, a
 * louder one takes over after winning two windows in a row, so that a cough does not move the
 * highlight. Nobody speaking leaves the last speaker in place (as Meet and Jitsi do). */
#ifndef BZ_RTC_SPEAKER_H
#define BZ_RTC_SPEAKER_H

#include <stdint.h>

#define RTC_SPK_FLOOR 0.02 /* mean amplitude of a window that counts as speech (~ -34 dBov) */
#define RTC_SPK_WINS 2     /* windows a challenger must win while the speaker still speaks */

typedef struct rtc_spk_room {
  uint64_t current; /* 0 = nobody yet */
  uint64_t challenger;
  int wins;
} rtc_spk_room;

/* Linear amplitude (0..1] of an RFC 6464 level (the V bit masked off). */
double rtc_spk_amplitude(uint8_t level);
/* One window of a room: amp[i] is member ids[i]'s mean amplitude (0 when it sent no level).
 * Returns 1 when s->current changed. */
int rtc_spk_decide(rtc_spk_room *s, const uint64_t *ids, const double *amp, int n);

#endif
