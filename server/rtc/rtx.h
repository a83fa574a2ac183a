/* rtx: a retransmission buffer of one forwarded stream — the last RTX_SLOTS packets (as
 * decrypted from the publisher), indexed by sequence number — so a subscriber's NACK is
 * answered by buzzd from memory instead of asking the publisher again (RFC 4585 generic NACK).
 * One buffer per publisher stream, shared by every subscriber of the room: each resend is
 * encrypted for the subscriber that asked. Fixed memory, no allocation after creation. */
#ifndef BZ_RTC_RTX_H
#define BZ_RTC_RTX_H

#include <stddef.h>
#include <stdint.h>

#include "rtc/rtp.h"

#define RTX_SLOTS 512       /* ~0.35 s of a 1.5 Mbit/s video stream */
#define RTX_SLOT_BYTES 1280 /* longer packets are not kept */
#define RTX_MAX_AGE_MS 1000 /* older packets are not resent: the receiver has moved on */

typedef struct rtc_rtx_buf rtc_rtx_buf;

rtc_rtx_buf *rtc_rtx_create(uint32_t ssrc);
void rtc_rtx_destroy(rtc_rtx_buf *b);
uint32_t rtc_rtx_ssrc(const rtc_rtx_buf *b);
/* Keeps a copy of the plaintext RTP packet p[0..n) (its sequence number is read from it). */
void rtc_rtx_put(rtc_rtx_buf *b, const uint8_t *p, size_t n, uint64_t now_ms);
/* The packet with sequence number seq if held and younger than RTX_MAX_AGE_MS, else NULL. */
const uint8_t *rtc_rtx_get(const rtc_rtx_buf *b, uint16_t seq, uint64_t now_ms, size_t *n);
/* The sequence numbers a NACK asks for (each (pid, blp) item names up to 17), at most max. */
int rtc_nack_seqs(const rtcp_fb *fb, uint16_t *seqs, int max);

#endif
