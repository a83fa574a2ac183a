/* DTLS-SRTP server sessions on OpenSSL (see dtls.h). */
#include "rtc/dtls.h"

#include <ctype.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

struct rtc_cert {
  X509 *x509;
  EVP_PKEY *key;
  char fingerprint[RTC_FINGERPRINT_MAX];
};

struct rtc_dtls_ctx {
  SSL_CTX *ssl_ctx;
  int client; /* 1: sessions take the DTLS client role (load generators, tests) */
};

struct rtc_dtls {
  SSL *ssl;
  int client;
  BIO *rbio; /* memory BIO: one received datagram at a time */
  rtc_dtls_state state;
  rtc_dtls_send_fn send;
  void *user;
  char remote_fp[RTC_FINGERPRINT_MAX];
};

/* ---- certificate ---- */

int rtc__x509_fingerprint(const void *x509, char *out) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest((const X509 *)x509, EVP_sha256(), md, &n) || n != 32) return -1;
  int off = snprintf(out, RTC_FINGERPRINT_MAX, "sha-256 ");
  for (unsigned i = 0; i < n; i++)
    off += snprintf(out + off, (size_t)(RTC_FINGERPRINT_MAX - off), i ? ":%02X" : "%02X", md[i]);
  return 0;
}

int rtc_fingerprint_equal(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  if (na != nb) return 0;
  for (size_t i = 0; i < na; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
  return 1;
}

int rtc_cert_generate(rtc_cert **out) {
  *out = NULL;
  rtc_cert *c = calloc(1, sizeof *c);
  if (!c) return RTC_DTLS_ENOMEM;
  c->key = EVP_EC_gen("P-256");
  c->x509 = X509_new();
  X509_NAME *name = NULL;
  uint8_t serial[8];
  int ok = c->key && c->x509 && RAND_bytes(serial, sizeof serial) == 1;
  if (ok) {
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c->x509)) != NULL;
    BN_free(bn);
  }
  ok = ok && X509_set_version(c->x509, 2) &&
       X509_gmtime_adj(X509_getm_notBefore(c->x509), -86400) &&
       X509_gmtime_adj(X509_getm_notAfter(c->x509), 30L * 86400) &&
       X509_set_pubkey(c->x509, c->key) && (name = X509_get_subject_name(c->x509)) &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"buzzd", -1, -1,
                                  0) &&
       X509_set_issuer_name(c->x509, name) && X509_sign(c->x509, c->key, EVP_sha256()) > 0 &&
       rtc__x509_fingerprint(c->x509, c->fingerprint) == 0;
  if (!ok) {
    rtc_cert_free(c);
    ERR_clear_error();
    return RTC_DTLS_ECRYPTO;
  }
  *out = c;
  return 0;
}

void rtc_cert_free(rtc_cert *c) {
  if (!c) return;
  X509_free(c->x509);
  EVP_PKEY_free(c->key);
  free(c);
}

const char *rtc_cert_fingerprint(const rtc_cert *c) {
  return c->fingerprint;
}

/* ---- the send BIO: each write is one datagram handed to the transport ---- */

static BIO_METHOD *send_method;
static uv_once_t method_once = UV_ONCE_INIT;

static int send_write(BIO *b, const char *data, int len) {
  rtc_dtls *d = BIO_get_data(b);
  if (len <= 0) return 0;
  if (d && d->send) d->send(d->user, (const uint8_t *)data, (size_t)len);
  return len;
}

static long send_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)b, (void)num, (void)ptr;
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      return RTC_DTLS_MTU;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    default:
      return 0;
  }
}

static int send_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static void make_method(void) {
  send_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "buzzd-dtls-send");
  if (!send_method) return;
  BIO_meth_set_write(send_method, send_write);
  BIO_meth_set_ctrl(send_method, send_ctrl);
  BIO_meth_set_create(send_method, send_create);
}

/* ---- context ---- */

/* The certificate is self-signed: the chain is not what is checked, the fingerprint from the
 * SDP is (after the handshake, in finish_handshake). */
static int verify_any(int ok, X509_STORE_CTX *store) {
  (void)ok, (void)store;
  return 1;
}

static int ctx_create(rtc_dtls_ctx **out, const rtc_cert *cert, int client) {
  *out = NULL;
  uv_once(&method_once, make_method);
  if (!send_method || !cert) return RTC_DTLS_ECRYPTO;
  rtc_dtls_ctx *c = calloc(1, sizeof *c);
  if (!c) return RTC_DTLS_ENOMEM;
  c->client = client;
  SSL_CTX *s = c->ssl_ctx = SSL_CTX_new(client ? DTLS_client_method() : DTLS_server_method());
  int ok = s && SSL_CTX_set_min_proto_version(s, DTLS1_2_VERSION) &&
           SSL_CTX_use_certificate(s, cert->x509) == 1 &&
           SSL_CTX_use_PrivateKey(s, cert->key) == 1 && SSL_CTX_check_private_key(s) == 1 &&
           /* SSL_CTX_set_tlsext_use_srtp returns 0 on success. */
           SSL_CTX_set_tlsext_use_srtp(s, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") == 0;
  if (!ok) {
    rtc_dtls_ctx_free(c);
    ERR_clear_error();
    return RTC_DTLS_ECRYPTO;
  }
  SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_any);
  SSL_CTX_set_options(s, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
  SSL_CTX_set_read_ahead(s, 1);
  *out = c;
  return 0;
}

int rtc_dtls_ctx_create(rtc_dtls_ctx **out, const rtc_cert *cert) {
  return ctx_create(out, cert, 0);
}

int rtc_dtls_client_ctx_create(rtc_dtls_ctx **out, const rtc_cert *cert) {
  return ctx_create(out, cert, 1);
}

void rtc_dtls_ctx_free(rtc_dtls_ctx *c) {
  if (!c) return;
  SSL_CTX_free(c->ssl_ctx);
  free(c);
}

/* ---- sessions ---- */

int rtc_dtls_create(rtc_dtls **out, rtc_dtls_ctx *ctx, const char *remote_fp, rtc_dtls_send_fn send,
                    void *user) {
  *out = NULL;
  if (!ctx || !send || (remote_fp && strlen(remote_fp) >= RTC_FINGERPRINT_MAX))
    return RTC_DTLS_EARG;
  rtc_dtls *d = calloc(1, sizeof *d);
  if (!d) return RTC_DTLS_ENOMEM;
  d->send = send;
  d->user = user;
  if (remote_fp) snprintf(d->remote_fp, sizeof d->remote_fp, "%s", remote_fp);
  d->ssl = SSL_new(ctx->ssl_ctx);
  d->rbio = BIO_new(BIO_s_mem());
  BIO *wbio = BIO_new(send_method);
  if (!d->ssl || !d->rbio || !wbio) {
    BIO_free(wbio);
    BIO_free(d->rbio);
    SSL_free(d->ssl);
    free(d);
    ERR_clear_error();
    return RTC_DTLS_ECRYPTO;
  }
  BIO_set_mem_eof_return(d->rbio, -1);
  BIO_set_data(wbio, d);
  SSL_set_bio(d->ssl, d->rbio, wbio); /* the SSL owns both BIOs from here */
  d->client = ctx->client;
  if (d->client)
    SSL_set_connect_state(d->ssl);
  else
    SSL_set_accept_state(d->ssl);
  SSL_set_mtu(d->ssl, RTC_DTLS_MTU);
  *out = d;
  return 0;
}

void rtc_dtls_destroy(rtc_dtls *d) {
  if (!d) return;
  SSL_free(d->ssl);
  free(d);
}

static rtc_dtls_state finish_handshake(rtc_dtls *d) {
  X509 *peer = SSL_get1_peer_certificate(d->ssl);
  char fp[RTC_FINGERPRINT_MAX];
  int ok = peer && rtc__x509_fingerprint(peer, fp) == 0 &&
           (!d->remote_fp[0] || rtc_fingerprint_equal(fp, d->remote_fp)) &&
           SSL_get_selected_srtp_profile(d->ssl) != NULL;
  X509_free(peer);
  return d->state = ok ? RTC_DTLS_CONNECTED : RTC_DTLS_FAILED;
}

/* Reads (and drops) application data; notices close_notify. */
static void drain_app_data(rtc_dtls *d) {
  uint8_t scratch[2048];
  for (int i = 0; i < 8; i++) {
    int r = SSL_read(d->ssl, scratch, sizeof scratch);
    if (r > 0) continue;
    int e = SSL_get_error(d->ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN)
      d->state = RTC_DTLS_CLOSED;
    else if (e != SSL_ERROR_WANT_READ)
      d->state = RTC_DTLS_FAILED;
    return;
  }
}

rtc_dtls_state rtc_dtls_connect(rtc_dtls *d) {
  if (!d->client || d->state != RTC_DTLS_HANDSHAKING) return d->state;
  int r = SSL_do_handshake(d->ssl); /* sends the ClientHello through the send callback */
  int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(d->ssl, r);
  if (r != 1 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) d->state = RTC_DTLS_FAILED;
  ERR_clear_error();
  return d->state;
}

rtc_dtls_state rtc_dtls_feed(rtc_dtls *d, const uint8_t *p, size_t n) {
  if (d->state == RTC_DTLS_FAILED || d->state == RTC_DTLS_CLOSED) return d->state;
  if (n == 0 || n > 65535) return d->state;
  if (BIO_write(d->rbio, p, (int)n) != (int)n) return d->state;
  if (d->state == RTC_DTLS_HANDSHAKING) {
    int r = SSL_do_handshake(d->ssl);
    if (r == 1) {
      finish_handshake(d);
    } else {
      int e = SSL_get_error(d->ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) d->state = RTC_DTLS_FAILED;
    }
  } else {
    drain_app_data(d);
  }
  /* Whatever OpenSSL did not consume (a malformed record) is dropped with the datagram. */
  (void)BIO_reset(d->rbio);
  ERR_clear_error();
  return d->state;
}

int rtc_dtls_timeout_ms(rtc_dtls *d) {
  if (d->state != RTC_DTLS_HANDSHAKING) return -1;
  struct timeval tv;
  if (DTLSv1_get_timeout(d->ssl, &tv) != 1) return -1;
  long ms = tv.tv_sec * 1000 + tv.tv_usec / 1000;
  return ms > 60000 ? 60000 : (int)ms;
}

rtc_dtls_state rtc_dtls_timeout(rtc_dtls *d) {
  if (d->state != RTC_DTLS_HANDSHAKING) return d->state;
  if (DTLSv1_handle_timeout(d->ssl) < 0) d->state = RTC_DTLS_FAILED;
  ERR_clear_error();
  return d->state;
}

rtc_dtls_state rtc_dtls_state_get(const rtc_dtls *d) {
  return d->state;
}

int rtc_dtls_srtp_keys(rtc_dtls *d, rtc_srtp_keys *k) {
  memset(k, 0, sizeof *k);
  if (d->state != RTC_DTLS_CONNECTED) return RTC_DTLS_EHANDSHAKE;
  SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(d->ssl);
  size_t kl, sl;
  if (!prof || !rtc_srtp_profile_lengths((int)prof->id, &kl, &sl)) return RTC_DTLS_EHANDSHAKE;
  uint8_t m[2 * (RTC_SRTP_MAX_KEY + RTC_SRTP_MAX_SALT)];
  static const char label[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(d->ssl, m, 2 * (kl + sl), label, sizeof label - 1, NULL, 0, 0) !=
      1) {
    ERR_clear_error();
    return RTC_DTLS_ECRYPTO;
  }
  /* RFC 5764 §4.2: client key, server key, client salt, server salt. */
  k->profile = (int)prof->id;
  k->key_len = kl;
  k->salt_len = sl;
  size_t mine = d->client ? 0 : 1, theirs = 1 - mine;
  memcpy(k->local_key, m + mine * kl, kl);
  memcpy(k->remote_key, m + theirs * kl, kl);
  memcpy(k->local_salt, m + 2 * kl + mine * sl, sl);
  memcpy(k->remote_salt, m + 2 * kl + theirs * sl, sl);
  memset(m, 0, sizeof m);
  return 0;
}
