/* dtls: DTLS-SRTP (RFC 5763/5764) in the server role (and a client role for load generators) on
 * OpenSSL, driven by datagrams.
 *
 * One certificate (ECDSA P-256, self-signed, made at start) and one SSL_CTX serve every
 * transport of every worker; its SHA-256 fingerprint goes into the SDP. Each transport has
 * an rtc_dtls: received DTLS datagrams are fed in, and every datagram OpenSSL wants to send
 * comes out through the send callback, one call per datagram (a custom BIO, so datagram
 * boundaries are kept). The peer's certificate is accepted only if its fingerprint matches the
 * one its SDP announced. After the handshake, rtc_dtls_srtp_keys exports the SRTP keys.
 *
 * rtc_cert and rtc_dtls_ctx are made on one thread and then only read (SSL_new from several
 * threads is safe). An rtc_dtls belongs to one thread. */
#ifndef BZ_RTC_DTLS_H
#define BZ_RTC_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "rtc/srtp.h"

#define RTC_FINGERPRINT_MAX 160 /* "sha-256 " + 32 × "XX:" */
#define RTC_DTLS_MTU 1200

typedef struct rtc_cert rtc_cert;
typedef struct rtc_dtls_ctx rtc_dtls_ctx;
typedef struct rtc_dtls rtc_dtls;

enum {
  RTC_DTLS_EARG = -1,
  RTC_DTLS_ENOMEM = -2,
  RTC_DTLS_ECRYPTO = -3,
  RTC_DTLS_EHANDSHAKE = -4,
  RTC_DTLS_EFINGERPRINT = -5,
  RTC_DTLS_ECLOSED = -6
};

typedef enum {
  RTC_DTLS_HANDSHAKING = 0,
  RTC_DTLS_CONNECTED = 1,
  RTC_DTLS_FAILED = 2,
  RTC_DTLS_CLOSED = 3
} rtc_dtls_state;

int rtc_cert_generate(rtc_cert **out);
void rtc_cert_free(rtc_cert *c);
const char *rtc_cert_fingerprint(const rtc_cert *c); /* "sha-256 AB:CD:..." */

/* Server context over `cert` (which must outlive it). SRTP profiles offered, in order of
 * preference: SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_SHA1_80. */
int rtc_dtls_ctx_create(rtc_dtls_ctx **out, const rtc_cert *cert);
/* The same in the client role (setup:active), for load generators and tests: buzzd itself is
 * always the server. Sessions made on it send their ClientHello on rtc_dtls_connect. */
int rtc_dtls_client_ctx_create(rtc_dtls_ctx **out, const rtc_cert *cert);
void rtc_dtls_ctx_free(rtc_dtls_ctx *c);

/* Called once per datagram to send, synchronously from inside rtc_dtls_feed / _timeout. */
typedef void (*rtc_dtls_send_fn)(void *user, const uint8_t *p, size_t n);

/* remote_fp: the peer's "sha-256 XX:..." (case-insensitive); NULL or "" accepts any. */
int rtc_dtls_create(rtc_dtls **out, rtc_dtls_ctx *ctx, const char *remote_fp, rtc_dtls_send_fn send,
                    void *user);
void rtc_dtls_destroy(rtc_dtls *d);
/* One received datagram. Returns the state after it. Application data is discarded
 * (WebRTC data channels are not supported). */
rtc_dtls_state rtc_dtls_feed(rtc_dtls *d, const uint8_t *p, size_t n);
/* Client role only (a no-op for a server session): starts the handshake, i.e. the
 * ClientHello goes out through the send callback. Retransmissions follow rtc_dtls_timeout. */
rtc_dtls_state rtc_dtls_connect(rtc_dtls *d);
/* Milliseconds until rtc_dtls_timeout should run (retransmission), -1 when none is due. */
int rtc_dtls_timeout_ms(rtc_dtls *d);
rtc_dtls_state rtc_dtls_timeout(rtc_dtls *d);
rtc_dtls_state rtc_dtls_state_get(const rtc_dtls *d);
/* After CONNECTED: the negotiated profile and keys (local = this side's: the server's, or the
 * client's in the client role). 0 or RTC_DTLS_E*. */
int rtc_dtls_srtp_keys(rtc_dtls *d, rtc_srtp_keys *k);
/* "sha-256 AB:..." of an X509 (an X509 *), into out[RTC_FINGERPRINT_MAX]. 0 or -1. */
int rtc__x509_fingerprint(const void *x509, char *out);
/* Compares two fingerprints case-insensitively, ignoring the algorithm name's case. */
int rtc_fingerprint_equal(const char *a, const char *b);

#endif
