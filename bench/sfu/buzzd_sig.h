/* buzzd_sig: buzzd's signaling as the load generator uses it (docs/protocol.md).
 *
 * One room made with POST /api/rooms {"media_mode": "sfu"}; every participant (the publisher
 * and each subscriber) is its own /ws connection that joins it. The publisher offers its
 * "pub" connection (sendonly VP8 with its SSRC); each subscriber offers a "sub" connection
 * with one recvonly video m-line whose mid names the publisher in `mids`. buzzd answers both
 * (ICE-lite, setup:passive), so the generator's peers are the controlling ICE agent and the
 * DTLS client. Everything buzzd sends is untrusted: frames are bounded (ws.h), the answer is
 * parsed by bsdp_parse, a field of the wrong type is treated as absent.
 *
 * A buzz_sig is used by one signaling thread. */
#ifndef BZ_BENCH_BUZZD_SIG_H
#define BZ_BENCH_BUZZD_SIG_H

#include "media.h"

typedef struct buzz_sig buzz_sig;

/* Creates the room on buzzd's HTTP port. 0 or -1. */
int bsig_open(buzz_sig **out, int http_port);
/* Closes every participant's WebSocket (buzzd drops their transports) and frees. */
void bsig_close(buzz_sig *b);
/* Joins the publisher, negotiates its pub connection, waits until ICE and DTLS are up. */
int bsig_publisher(buzz_sig *b, media *m, int cap, mpeer **pub);
/* Joins subscribers until there are `target` (batches: joins, then offers, then the answers
 * applied and the connections awaited). Returns the count reached. */
int bsig_subscribers(buzz_sig *b, media *m, mpeer *pub, mpeer **subs, int have, int target);
/* The N×N meeting (n ≥ 2): n participants, each one /ws connection with a "pub" offer
 * (pubs[k], sendonly VP8) and one "sub" offer (subs[k]) of n − 1 recvonly video m-lines whose
 * `mids` name the other participants; every publisher is connected before the first sub offer
 * (see buzzd_sig.c). Each subscriber's streams are mapped SSRC → publisher from the answer.
 * 0 once all 2n peers are up, or -1. */
int bsig_mesh(buzz_sig *b, media *m, int n, mpeer **pubs, mpeer **subs);
/* Reads and drops what buzzd sent every participant meanwhile (the roster broadcasts of
 * each join), so no socket or send queue fills up. */
void bsig_drain(buzz_sig *b);

#endif
