/* A publisher's numbers to a subscriber's (see sdp_numbers.h). */
#include <string.h>
#include <strings.h>

#include "rtc/sdp_numbers.h"

static const char *const end_to_end[SDP_NUM_EXTS] = {
    [SDP_NUM_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    [SDP_NUM_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
};

void sdp_numbers_of(const sdp_session *s, int i, sdp_numbers *out) {
  memset(out, 0, sizeof *out);
  if (i < 0 || i >= s->n_media) return;
  const sdp_media *m = &s->media[i];
  const sdp_codec *c = sdp_pick_codec(m);
  if (!c) return;
  out->ok = 1;
  out->pt = c->pt;
  for (int k = 0; m->kind == SDP_VIDEO && k < m->n_codecs; k++)
    if (!strcasecmp(m->codecs[k].name, "rtx") && m->codecs[k].apt == c->pt) {
      out->rtx_pt = m->codecs[k].pt;
      break;
    }
  for (int e = 0; e < SDP_NUM_EXTS; e++)
    out->ext[e] = (uint8_t)sdp_ext_answered(s, i, end_to_end[e]);
}

void sdp_numbers_map(const sdp_numbers *pub, const sdp_numbers *sub, rtc_hdrmap *out) {
  rtc_hdrmap_init(out);
  if (!pub->ok || !sub->ok) return; /* an empty map refuses every packet */
  rtc_hdrmap_pt(out, pub->pt, sub->pt);
  if (pub->rtx_pt && sub->rtx_pt) rtc_hdrmap_pt(out, pub->rtx_pt, sub->rtx_pt);
  for (int e = 0; e < SDP_NUM_EXTS; e++)
    if (pub->ext[e] && sub->ext[e]) rtc_hdrmap_ext(out, pub->ext[e], sub->ext[e]);
}
