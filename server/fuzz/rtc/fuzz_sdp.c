/* libFuzzer target for the SDP offer parser and the answer writer (server/rtc/sdp_parse.c,
 * sdp_answer.c). The input is an offer. Properties beyond "no crash": a parsed offer's tables
 * are within their bounds and its strings terminated, and any answer written is itself
 * parsed back without error, with as many m-lines as the offer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"

static sdp_session offer, back;
static char answer[65536];

static void check_bounds(const sdp_session *s) {
  if (s->n_media < 0 || s->n_media > SDP_MAX_MEDIA || s->n_bundle > SDP_MAX_MEDIA) abort();
  for (int i = 0; i < s->n_media; i++) {
    const sdp_media *m = &s->media[i];
    if (m->n_codecs > SDP_MAX_CODECS || m->n_ext > SDP_MAX_EXT || m->n_ssrcs > SDP_MAX_SSRC ||
        m->n_pts > SDP_MAX_CODECS)
      abort();
    if (strlen(m->mid) > SDP_MID_MAX || strlen(m->ice_ufrag) > SDP_TOKEN_MAX) abort();
    for (int k = 0; k < m->n_codecs; k++)
      if (strlen(m->codecs[k].fmtp) >= sizeof m->codecs[k].fmtp) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (sdp_parse((const char *)data, size, &offer) != 0) return 0;
  check_bounds(&offer);
  static const sdp_send snd = {.ssrc = 1234, .cname = "c", .msid = "s t"};
  sdp_answer_opts o = {.ice_ufrag = "srvU",
                       .ice_pwd = "serverpassword0123456789",
                       .fingerprint = "sha-256 AA:BB",
                       .ip = "192.0.2.1",
                       .port = 40000,
                       .session_id = 1};
  for (int i = 0; i < offer.n_media; i += 2) o.send[i] = &snd;
  int n = sdp_answer(&offer, &o, answer, sizeof answer);
  if (n < 0) return 0;
  if ((size_t)n >= sizeof answer || strlen(answer) != (size_t)n) abort();
  if (sdp_parse(answer, (size_t)n, &back) != 0) abort();
  if (back.n_media != offer.n_media) abort();
  return 0;
}
