/* Janus VideoRoom signaling for the load generator (janus_api.h underneath): publishers,
 * the fan-out shape's single-stream subscribers, and the N×N shape's multistream ones.
 *
 * Janus offers to subscribers (it is the DTLS client there, the generator answers
 * setup:passive); a publisher offers and Janus answers. Everything Janus sends is untrusted
 * (parsed by jansson and bsdp_parse; a field of the wrong type is absent). One signaling
 * thread. */
#ifndef BZ_BENCH_JANUS_SIG_H
#define BZ_BENCH_JANUS_SIG_H

#include <stdint.h>

#include "janus_api.h"
#include "media.h"

/* A publisher: attach, join the room, configure (video only, `bitrate` cap) with our offer,
 * apply Janus's answer, wait for ICE and DTLS. index: the peer's number (its SSRC is its
 * own; the SDP's o= and cname use index). *feed_id: its id in the room. 0 or -1. */
int jsig_publisher(janus_api *j, media *m, int cap, int index, mpeer **pub, uint64_t *feed_id);
/* Fan-out: adds one-stream subscribers to `feed` until there are `target`, in batches of
 * joins whose offers are then answered. Returns the count reached. */
int jsig_subscribers(janus_api *j, media *m, mpeer *pub, uint64_t feed, mpeer **subs, int have,
                     int target);
/* N×N: one multistream subscriber handle per participant k < n whose join lists the n − 1
 * other feeds in `streams`; Janus's offer (n − 1 video m-lines, one SSRC each) is answered
 * and each stream mapped to its publisher by the offer's `streams` (mid → feed_id). subs[k]
 * gets the receiver. 0 once all n are up, or -1. */
int jsig_mesh_subscribers(janus_api *j, media *m, int n, mpeer *const *pubs, const uint64_t *feeds,
                          mpeer **subs);

#endif
