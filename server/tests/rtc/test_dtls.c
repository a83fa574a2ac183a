/* DTLS-SRTP: a real handshake between rtc_dtls (server) and an OpenSSL DTLS client over
 * in-memory datagrams, fingerprint checks, key export, SRTP both ways; libsrtp's published
 * known-answer packets (AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM) through rtc_srtp. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

#include "rtc/dtls.h"
#include "rtc/srtp.h"
#include "rtc/srtp_evp.h"
#include "tests.h"

/* ---- SRTP known answers (libsrtp test/srtp_driver.c, srtp_validate / srtp_validate_gcm) ---- */

static const uint8_t cm_key[30] = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f,
                                   0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39, 0x0e, 0xc6, 0x75, 0xad,
                                   0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
static const uint8_t rtp_plain[28] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                      0xba, 0xbe, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                      0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
static const uint8_t cm_rtp_cipher[38] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e,
    0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d,
    0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};
static const uint8_t rtcp_plain[24] = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,
                                       0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                       0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
static const uint8_t cm_rtcp_cipher[38] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b, 0xe4,
    0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00,
    0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98};
static const uint8_t gcm_key[28] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xa0, 0xa1, 0xa2, 0xa3,
                                    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};
static const uint8_t gcm_rtp_cipher[44] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xc5, 0x00, 0x2e,
    0xde, 0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11, 0x59, 0xe0, 0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97,
    0x68, 0x26, 0xf7, 0x96, 0xb2, 0x01, 0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92};
static const uint8_t gcm_rtcp_cipher[44] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xc9, 0x8b, 0x8b, 0x5d, 0xf0, 0x39, 0x2a,
    0x55, 0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25, 0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3,
    0xb4, 0x46, 0xea, 0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e, 0x80, 0x00, 0x00, 0x01};

static void keys_both(rtc_srtp_keys *k, int profile, const uint8_t *master) {
  memset(k, 0, sizeof *k);
  k->profile = profile;
  assert_true(rtc_srtp_profile_lengths(profile, &k->key_len, &k->salt_len));
  memcpy(k->local_key, master, k->key_len);
  memcpy(k->remote_key, master, k->key_len);
  memcpy(k->local_salt, master + k->key_len, k->salt_len);
  memcpy(k->remote_salt, master + k->key_len, k->salt_len);
}

static void known_answer(int profile, const uint8_t *master, const uint8_t *rtp_c, size_t rtp_clen,
                         const uint8_t *rtcp_c, size_t rtcp_clen) {
  rtc_srtp_keys k;
  keys_both(&k, profile, master);
  rtc_srtp *s;
  assert_int_equal(rtc_srtp_create(&s, &k), 0);
  uint8_t buf[128];
  size_t len = sizeof rtp_plain;
  memcpy(buf, rtp_plain, len);
  assert_int_equal(rtc_srtp_protect_rtp(s, buf, &len, sizeof buf), 0);
  assert_int_equal(len, rtp_clen);
  assert_memory_equal(buf, rtp_c, rtp_clen);
  len = sizeof rtcp_plain;
  memcpy(buf, rtcp_plain, len);
  assert_int_equal(rtc_srtp_protect_rtcp(s, buf, &len, sizeof buf), 0);
  assert_int_equal(len, rtcp_clen);
  assert_memory_equal(buf, rtcp_c, rtcp_clen);
  /* The inbound context takes the reference ciphertexts back to the plaintexts. */
  memcpy(buf, rtp_c, rtp_clen);
  len = rtp_clen;
  assert_int_equal(rtc_srtp_unprotect_rtp(s, buf, &len), 0);
  assert_int_equal(len, sizeof rtp_plain);
  assert_memory_equal(buf, rtp_plain, len);
  /* The same packet again is a replay. */
  memcpy(buf, rtp_c, rtp_clen);
  len = rtp_clen;
  assert_int_equal(rtc_srtp_unprotect_rtp(s, buf, &len), RTC_SRTP_EREPLAY);
  memcpy(buf, rtcp_c, rtcp_clen);
  len = rtcp_clen;
  assert_int_equal(rtc_srtp_unprotect_rtcp(s, buf, &len), 0);
  assert_memory_equal(buf, rtcp_plain, sizeof rtcp_plain);
  rtc_srtp_destroy(s);
  /* A fresh session rejects a forged tag. */
  assert_int_equal(rtc_srtp_create(&s, &k), 0);
  memcpy(buf, rtp_c, rtp_clen);
  buf[rtp_clen - 1] ^= 1;
  len = rtp_clen;
  assert_int_equal(rtc_srtp_unprotect_rtp(s, buf, &len), RTC_SRTP_EAUTH);
  /* Lengths are bounded before libsrtp sees them. */
  len = 4;
  assert_int_equal(rtc_srtp_unprotect_rtp(s, buf, &len), RTC_SRTP_EARG);
  len = 100;
  assert_int_equal(rtc_srtp_protect_rtp(s, buf, &len, 100), RTC_SRTP_EARG);
  rtc_srtp_destroy(s);
}

/* The same published packets through the OpenSSL EVP implementation. */
static void known_answer_evp(int profile, const uint8_t *master, const uint8_t *rtp_c,
                             size_t rtp_clen, const uint8_t *rtcp_c, size_t rtcp_clen) {
  rtc_srtp_keys k;
  keys_both(&k, profile, master);
  rtc_esrtp *s;
  assert_int_equal(rtc_esrtp_create(&s, &k), 0);
  uint8_t buf[128];
  size_t len = sizeof rtp_plain;
  memcpy(buf, rtp_plain, len);
  assert_int_equal(rtc_esrtp_protect_rtp(s, buf, &len, sizeof buf), 0);
  assert_int_equal(len, rtp_clen);
  assert_memory_equal(buf, rtp_c, rtp_clen);
  len = sizeof rtcp_plain;
  memcpy(buf, rtcp_plain, len);
  assert_int_equal(rtc_esrtp_protect_rtcp(s, buf, &len, sizeof buf), 0);
  assert_int_equal(len, rtcp_clen);
  assert_memory_equal(buf, rtcp_c, rtcp_clen);
  memcpy(buf, rtp_c, rtp_clen);
  len = rtp_clen;
  assert_int_equal(rtc_esrtp_unprotect_rtp(s, buf, &len), 0);
  assert_int_equal(len, sizeof rtp_plain);
  assert_memory_equal(buf, rtp_plain, len);
  memcpy(buf, rtp_c, rtp_clen);
  len = rtp_clen;
  assert_int_equal(rtc_esrtp_unprotect_rtp(s, buf, &len), RTC_SRTP_EREPLAY);
  memcpy(buf, rtcp_c, rtcp_clen);
  len = rtcp_clen;
  assert_int_equal(rtc_esrtp_unprotect_rtcp(s, buf, &len), 0);
  assert_int_equal(len, sizeof rtcp_plain);
  assert_memory_equal(buf, rtcp_plain, len);
  memcpy(buf, rtcp_c, rtcp_clen);
  len = rtcp_clen;
  assert_int_equal(rtc_esrtp_unprotect_rtcp(s, buf, &len), RTC_SRTP_EREPLAY);
  rtc_esrtp_destroy(s);
  assert_int_equal(rtc_esrtp_create(&s, &k), 0);
  memcpy(buf, rtp_c, rtp_clen);
  buf[rtp_clen - 1] ^= 1;
  len = rtp_clen;
  assert_int_equal(rtc_esrtp_unprotect_rtp(s, buf, &len), RTC_SRTP_EAUTH);
  memcpy(buf, rtcp_c, rtcp_clen);
  buf[9] ^= 1;
  len = rtcp_clen;
  assert_int_equal(rtc_esrtp_unprotect_rtcp(s, buf, &len), RTC_SRTP_EAUTH);
  len = 4;
  assert_int_equal(rtc_esrtp_unprotect_rtp(s, buf, &len), RTC_SRTP_EARG);
  rtc_esrtp_destroy(s);
}

/* EVP and libsrtp2 interoperate both ways over a long stream: a sequence-number wrap (so the
 * rollover counter counts), reordering within the window, RTCP, random keys, both profiles. */
static void cross_check(int profile) {
  rtc_srtp_keys a = {.profile = profile}, b;
  rtc_srtp_profile_lengths(profile, &a.key_len, &a.salt_len);
  for (size_t i = 0; i < a.key_len; i++)
    a.local_key[i] = (uint8_t)(i * 7 + 1), a.remote_key[i] = (uint8_t)(i * 13 + 5);
  for (size_t i = 0; i < a.salt_len; i++)
    a.local_salt[i] = (uint8_t)(i * 3 + 2), a.remote_salt[i] = (uint8_t)(i * 11 + 9);
  b = a; /* the other end: local and remote swapped */
  memcpy(b.local_key, a.remote_key, sizeof b.local_key);
  memcpy(b.remote_key, a.local_key, sizeof b.remote_key);
  memcpy(b.local_salt, a.remote_salt, sizeof b.local_salt);
  memcpy(b.remote_salt, a.local_salt, sizeof b.remote_salt);
  rtc_esrtp *e;
  rtc_srtp *l;
  assert_int_equal(rtc_esrtp_create(&e, &a), 0);
  assert_int_equal(rtc_srtp_create(&l, &b), 0);
  uint8_t pkt[256], ref[256];
  for (int dir = 0; dir < 2; dir++) {
    for (int i = 0; i < 3000; i++) {
      /* Sequence numbers 64000 .. 65535, 0 .. 1463, with each pair swapped now and then. */
      int j = (i % 50 == 10) ? i + 1 : (i % 50 == 11) ? i - 1 : i;
      uint16_t seq = (uint16_t)(64000 + j);
      memset(pkt, 0, sizeof pkt);
      pkt[0] = 0x90; /* with a one-byte extension block */
      pkt[1] = 96;
      pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq;
      pkt[7] = (uint8_t)j;
      pkt[8] = 0xde, pkt[9] = 0xad, pkt[10] = 0xbe, pkt[11] = (uint8_t)(0xe0 + dir);
      pkt[12] = 0xBE, pkt[13] = 0xDE, pkt[14] = 0, pkt[15] = 1, pkt[16] = 0x10, pkt[17] = 0x42;
      for (int k = 20; k < 120; k++) pkt[k] = (uint8_t)(k + j);
      memcpy(ref, pkt, 120);
      size_t len = 120;
      int rc = dir ? rtc_srtp_protect_rtp(l, pkt, &len, sizeof pkt)
                   : rtc_esrtp_protect_rtp(e, pkt, &len, sizeof pkt);
      assert_int_equal(rc, 0);
      rc = dir ? rtc_esrtp_unprotect_rtp(e, pkt, &len) : rtc_srtp_unprotect_rtp(l, pkt, &len);
      assert_int_equal(rc, 0);
      assert_int_equal(len, 120);
      assert_memory_equal(pkt, ref, 120);
      if (i % 100 == 0) { /* RTCP: an RR with one report block */
        uint8_t r[128] = {0x81, 201, 0, 7, 0xde, 0xad, 0xbe, 0xe9};
        for (int k = 8; k < 32; k++) r[k] = (uint8_t)(k * i);
        uint8_t rr[128];
        memcpy(rr, r, 32);
        len = 32;
        rc = dir ? rtc_srtp_protect_rtcp(l, r, &len, sizeof r)
                 : rtc_esrtp_protect_rtcp(e, r, &len, sizeof r);
        assert_int_equal(rc, 0);
        rc = dir ? rtc_esrtp_unprotect_rtcp(e, r, &len) : rtc_srtp_unprotect_rtcp(l, r, &len);
        assert_int_equal(rc, 0);
        assert_int_equal(len, 32);
        assert_memory_equal(r, rr, 32);
      }
    }
  }
  rtc_esrtp_destroy(e);
  rtc_srtp_destroy(l);
}

static void test_srtp_evp(void **state) {
  (void)state;
  known_answer_evp(RTC_SRTP_AES128_CM_SHA1_80, cm_key, cm_rtp_cipher, sizeof cm_rtp_cipher,
                   cm_rtcp_cipher, sizeof cm_rtcp_cipher);
  known_answer_evp(RTC_SRTP_AEAD_AES_128_GCM, gcm_key, gcm_rtp_cipher, sizeof gcm_rtp_cipher,
                   gcm_rtcp_cipher, sizeof gcm_rtcp_cipher);
  cross_check(RTC_SRTP_AES128_CM_SHA1_80);
  cross_check(RTC_SRTP_AEAD_AES_128_GCM);
  /* Replay window: out of order within 1024 accepted once, older refused. */
  rtc_srtp_keys k;
  keys_both(&k, RTC_SRTP_AEAD_AES_128_GCM, gcm_key);
  rtc_esrtp *tx, *rx;
  assert_int_equal(rtc_esrtp_create(&tx, &k), 0);
  assert_int_equal(rtc_esrtp_create(&rx, &k), 0);
  static uint8_t pk[2000][64];
  static size_t pl[2000];
  for (int i = 0; i < 2000; i++) {
    memset(pk[i], 0, 64);
    pk[i][0] = 0x80, pk[i][1] = 96, pk[i][2] = (uint8_t)(i >> 8), pk[i][3] = (uint8_t)i;
    pk[i][11] = 1;
    pl[i] = 30;
    assert_int_equal(rtc_esrtp_protect_rtp(tx, pk[i], &pl[i], 64), 0);
  }
  uint8_t tmp[64];
  size_t tl;
#define RX(i) (memcpy(tmp, pk[i], 64), tl = pl[i], rtc_esrtp_unprotect_rtp(rx, tmp, &tl))
  assert_int_equal(RX(1500), 0);
  assert_int_equal(RX(1000), 0);                /* 500 behind: inside the window */
  assert_int_equal(RX(1000), RTC_SRTP_EREPLAY); /* once */
  assert_int_equal(RX(400), RTC_SRTP_EREPLAY);  /* 1100 behind: too old */
  assert_int_equal(RX(1999), 0);
  assert_int_equal(RX(1500), RTC_SRTP_EREPLAY);
  assert_int_equal(RX(1501), 0);
#undef RX
  rtc_esrtp_destroy(tx);
  rtc_esrtp_destroy(rx);
  /* Too many SSRCs: refused, not allocated without bound. */
  assert_int_equal(rtc_esrtp_create(&tx, &k), 0);
  int refused = 0;
  for (uint32_t ssrc = 1; ssrc <= RTC_ESRTP_MAX_STREAMS + 10; ssrc++) {
    uint8_t p2[64] = {0x80, 96, 0, 1, 0, 0, 0, 0};
    p2[8] = (uint8_t)(ssrc >> 24), p2[9] = (uint8_t)(ssrc >> 16), p2[10] = (uint8_t)(ssrc >> 8);
    p2[11] = (uint8_t)ssrc;
    size_t l2 = 20;
    refused += rtc_esrtp_protect_rtp(tx, p2, &l2, sizeof p2) != 0;
  }
  assert_int_equal(refused, 10);
  rtc_esrtp_destroy(tx);
}

static void test_srtp_known_answers(void **state) {
  (void)state;
  known_answer(RTC_SRTP_AES128_CM_SHA1_80, cm_key, cm_rtp_cipher, sizeof cm_rtp_cipher,
               cm_rtcp_cipher, sizeof cm_rtcp_cipher);
  known_answer(RTC_SRTP_AEAD_AES_128_GCM, gcm_key, gcm_rtp_cipher, sizeof gcm_rtp_cipher,
               gcm_rtcp_cipher, sizeof gcm_rtcp_cipher);
  rtc_srtp_keys k = {.profile = 99};
  rtc_srtp *s;
  assert_int_equal(rtc_srtp_create(&s, &k), RTC_SRTP_EARG);
  assert_null(s);
}

/* ---- a DTLS client over in-memory datagrams ---- */

#define MAX_DGRAMS 64
typedef struct wire {
  uint8_t buf[MAX_DGRAMS][2048];
  size_t len[MAX_DGRAMS];
  int n;
} wire;

static void capture(void *user, const uint8_t *p, size_t n) {
  wire *w = user;
  assert_true(w->n < MAX_DGRAMS && n <= sizeof w->buf[0]);
  memcpy(w->buf[w->n], p, n);
  w->len[w->n++] = n;
}

typedef struct client {
  SSL_CTX *ctx;
  SSL *ssl;
  BIO *in, *out;
  X509 *x509;
  EVP_PKEY *key;
  char fp[RTC_FINGERPRINT_MAX];
} client;

void rtc_test_client_cert(void **x509_out, void **key_out, char *fp) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x509 = X509_new();
  assert_non_null(key);
  X509_set_version(x509, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x509), 7);
  X509_gmtime_adj(X509_getm_notBefore(x509), 0);
  X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
  X509_set_pubkey(x509, key);
  X509_NAME *name = X509_get_subject_name(x509);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"client", -1, -1, 0);
  X509_set_issuer_name(x509, name);
  assert_true(X509_sign(x509, key, EVP_sha256()) > 0);
  assert_int_equal(rtc__x509_fingerprint(x509, fp), 0);
  *x509_out = x509;
  *key_out = key;
}

void rtc_test_client_cert_free(void *x509, void *key) {
  X509_free(x509);
  EVP_PKEY_free(key);
}

static void client_init(client *c, const char *profiles) {
  memset(c, 0, sizeof *c);
  void *x, *k;
  rtc_test_client_cert(&x, &k, c->fp);
  c->x509 = x;
  c->key = k;
  c->ctx = SSL_CTX_new(DTLS_client_method());
  SSL_CTX_use_certificate(c->ctx, c->x509);
  SSL_CTX_use_PrivateKey(c->ctx, c->key);
  assert_int_equal(SSL_CTX_set_tlsext_use_srtp(c->ctx, profiles), 0);
  c->ssl = SSL_new(c->ctx);
  c->in = BIO_new(BIO_s_mem());
  c->out = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(c->in, -1);
  BIO_set_mem_eof_return(c->out, -1);
  SSL_set_bio(c->ssl, c->in, c->out);
  SSL_set_connect_state(c->ssl);
}

static void client_free(client *c) {
  SSL_free(c->ssl);
  SSL_CTX_free(c->ctx);
  rtc_test_client_cert_free(c->x509, c->key);
}

/* Everything the client wrote since the last call, as one datagram (records may share). */
static size_t client_take(client *c, uint8_t *out, size_t cap) {
  int n = BIO_read(c->out, out, (int)cap);
  return n > 0 ? (size_t)n : 0;
}

/* Runs the handshake; returns the server's final state. */
static rtc_dtls_state handshake(client *c, rtc_dtls *s, wire *w) {
  uint8_t dg[8192];
  rtc_dtls_state st = RTC_DTLS_HANDSHAKING;
  for (int round = 0; round < 20; round++) {
    SSL_do_handshake(c->ssl);
    size_t n = client_take(c, dg, sizeof dg);
    if (n) st = rtc_dtls_feed(s, dg, n);
    for (int i = 0; i < w->n; i++) BIO_write(c->in, w->buf[i], (int)w->len[i]);
    w->n = 0;
    if (st != RTC_DTLS_HANDSHAKING && SSL_is_init_finished(c->ssl)) break;
    if (st == RTC_DTLS_FAILED) break;
  }
  SSL_do_handshake(c->ssl);
  ERR_clear_error();
  return st;
}

static void client_keys(client *c, rtc_srtp_keys *k) {
  SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(c->ssl);
  assert_non_null(p);
  memset(k, 0, sizeof *k);
  k->profile = (int)p->id;
  assert_true(rtc_srtp_profile_lengths(k->profile, &k->key_len, &k->salt_len));
  size_t kl = k->key_len, sl = k->salt_len;
  uint8_t m[60];
  assert_int_equal(
      SSL_export_keying_material(c->ssl, m, 2 * (kl + sl), "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0),
      1);
  memcpy(k->local_key, m, kl); /* we are the client here */
  memcpy(k->remote_key, m + kl, kl);
  memcpy(k->local_salt, m + 2 * kl, sl);
  memcpy(k->remote_salt, m + 2 * kl + sl, sl);
}

static void test_cert(void **state) {
  (void)state;
  rtc_cert *a, *b;
  assert_int_equal(rtc_cert_generate(&a), 0);
  assert_int_equal(rtc_cert_generate(&b), 0);
  const char *fa = rtc_cert_fingerprint(a);
  assert_int_equal(strlen(fa), strlen("sha-256 ") + 32 * 3 - 1);
  assert_memory_equal(fa, "sha-256 ", 8);
  assert_false(rtc_fingerprint_equal(fa, rtc_cert_fingerprint(b)));
  char lower[RTC_FINGERPRINT_MAX];
  strcpy(lower, fa);
  for (char *p = lower; *p; p++)
    if (*p >= 'A' && *p <= 'F') *p = (char)(*p - 'A' + 'a');
  assert_true(rtc_fingerprint_equal(fa, lower));
  rtc_cert_free(a);
  rtc_cert_free(b);
}

static void run_handshake(const char *client_profiles, int want_profile) {
  rtc_cert *cert;
  rtc_dtls_ctx *ctx;
  assert_int_equal(rtc_cert_generate(&cert), 0);
  assert_int_equal(rtc_dtls_ctx_create(&ctx, cert), 0);
  client c;
  client_init(&c, client_profiles);
  static wire w;
  w.n = 0;
  rtc_dtls *s;
  assert_int_equal(rtc_dtls_create(&s, ctx, c.fp, capture, &w), 0);
  /* Garbage before the handshake is dropped without harm. */
  static const uint8_t junk[] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x00, 1, 2};
  assert_int_equal(rtc_dtls_feed(s, junk, sizeof junk), RTC_DTLS_HANDSHAKING);
  assert_int_equal(handshake(&c, s, &w), RTC_DTLS_CONNECTED);
  assert_true(SSL_is_init_finished(c.ssl));
  /* The client saw the server's certificate: its fingerprint is the one for the SDP. */
  X509 *peer = SSL_get1_peer_certificate(c.ssl);
  char fp[RTC_FINGERPRINT_MAX];
  assert_int_equal(rtc__x509_fingerprint(peer, fp), 0);
  assert_string_equal(fp, rtc_cert_fingerprint(cert));
  X509_free(peer);
  rtc_srtp_keys sk, ck;
  assert_int_equal(rtc_dtls_srtp_keys(s, &sk), 0);
  client_keys(&c, &ck);
  assert_int_equal(sk.profile, want_profile);
  assert_int_equal(ck.profile, want_profile);
  assert_memory_equal(sk.local_key, ck.remote_key, sk.key_len);
  assert_memory_equal(sk.remote_salt, ck.local_salt, sk.salt_len);
  /* SRTP both ways with the exported keys. */
  rtc_srtp *ss, *cs;
  assert_int_equal(rtc_srtp_create(&ss, &sk), 0);
  assert_int_equal(rtc_srtp_create(&cs, &ck), 0);
  uint8_t pkt[128];
  for (int dir = 0; dir < 2; dir++) {
    size_t len = sizeof rtp_plain;
    memcpy(pkt, rtp_plain, len);
    assert_int_equal(rtc_srtp_protect_rtp(dir ? ss : cs, pkt, &len, sizeof pkt), 0);
    assert_true(len > sizeof rtp_plain);
    assert_int_equal(rtc_srtp_unprotect_rtp(dir ? cs : ss, pkt, &len), 0);
    assert_memory_equal(pkt, rtp_plain, sizeof rtp_plain);
    len = sizeof rtcp_plain;
    memcpy(pkt, rtcp_plain, len);
    assert_int_equal(rtc_srtp_protect_rtcp(dir ? ss : cs, pkt, &len, sizeof pkt), 0);
    assert_int_equal(rtc_srtp_unprotect_rtcp(dir ? cs : ss, pkt, &len), 0);
    assert_memory_equal(pkt, rtcp_plain, sizeof rtcp_plain);
  }
  /* Application data after the handshake is read and dropped; close_notify closes. */
  assert_true(SSL_write(c.ssl, "hello", 5) == 5);
  size_t n = client_take(&c, pkt, sizeof pkt);
  assert_int_equal(rtc_dtls_feed(s, pkt, n), RTC_DTLS_CONNECTED);
  SSL_shutdown(c.ssl);
  n = client_take(&c, pkt, sizeof pkt);
  assert_int_equal(rtc_dtls_feed(s, pkt, n), RTC_DTLS_CLOSED);
  rtc_srtp_destroy(ss);
  rtc_srtp_destroy(cs);
  rtc_dtls_destroy(s);
  client_free(&c);
  rtc_dtls_ctx_free(ctx);
  rtc_cert_free(cert);
}

static void test_handshake_gcm(void **state) {
  (void)state;
  /* The client prefers AES-CM; the server's preference (GCM) wins. */
  run_handshake("SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", RTC_SRTP_AEAD_AES_128_GCM);
}

static void test_handshake_cm(void **state) {
  (void)state;
  run_handshake("SRTP_AES128_CM_SHA1_80", RTC_SRTP_AES128_CM_SHA1_80);
}

static void test_fingerprint_mismatch(void **state) {
  (void)state;
  rtc_cert *cert;
  rtc_dtls_ctx *ctx;
  assert_int_equal(rtc_cert_generate(&cert), 0);
  assert_int_equal(rtc_dtls_ctx_create(&ctx, cert), 0);
  client c;
  client_init(&c, "SRTP_AEAD_AES_128_GCM");
  static wire w;
  w.n = 0;
  rtc_dtls *s;
  /* The SDP announced another certificate: the handshake must fail. */
  assert_int_equal(rtc_dtls_create(&s, ctx, rtc_cert_fingerprint(cert), capture, &w), 0);
  assert_int_equal(handshake(&c, s, &w), RTC_DTLS_FAILED);
  rtc_srtp_keys k;
  assert_int_equal(rtc_dtls_srtp_keys(s, &k), RTC_DTLS_EHANDSHAKE);
  /* Nothing more happens once failed. */
  assert_int_equal(rtc_dtls_feed(s, (const uint8_t *)"x", 1), RTC_DTLS_FAILED);
  assert_int_equal(rtc_dtls_timeout_ms(s), -1);
  rtc_dtls_destroy(s);
  client_free(&c);
  /* A client without DTLS-SRTP gets no keys either. */
  client_init(&c, "SRTP_AES128_CM_SHA1_32");
  w.n = 0;
  assert_int_equal(rtc_dtls_create(&s, ctx, NULL, capture, &w), 0);
  assert_int_not_equal(handshake(&c, s, &w), RTC_DTLS_CONNECTED);
  rtc_dtls_destroy(s);
  client_free(&c);
  assert_int_equal(rtc_dtls_create(&s, ctx, NULL, NULL, NULL), RTC_DTLS_EARG);
  rtc_dtls_ctx_free(ctx);
  rtc_cert_free(cert);
}

static void test_retransmit_timer(void **state) {
  (void)state;
  rtc_cert *cert;
  rtc_dtls_ctx *ctx;
  assert_int_equal(rtc_cert_generate(&cert), 0);
  assert_int_equal(rtc_dtls_ctx_create(&ctx, cert), 0);
  client c;
  client_init(&c, "SRTP_AEAD_AES_128_GCM");
  static wire w;
  w.n = 0;
  rtc_dtls *s;
  assert_int_equal(rtc_dtls_create(&s, ctx, NULL, capture, &w), 0);
  assert_int_equal(rtc_dtls_timeout_ms(s), -1); /* nothing sent yet */
  uint8_t dg[4096];
  SSL_do_handshake(c.ssl);
  size_t n = client_take(&c, dg, sizeof dg);
  assert_int_equal(rtc_dtls_feed(s, dg, n), RTC_DTLS_HANDSHAKING);
  /* The ClientHello without a cookie is answered at once (no HelloVerifyRequest: ICE has
   * already checked the address); its flight has a retransmission timer running. */
  assert_true(w.n > 0);
  int ms = rtc_dtls_timeout_ms(s);
  assert_true(ms > 0 && ms <= 60000);
  rtc_dtls_destroy(s);
  client_free(&c);
  rtc_dtls_ctx_free(ctx);
  rtc_cert_free(cert);
}

/* The client role (what the SFU load generator uses against buzzd): an rtc_dtls client and an
 * rtc_dtls server, each checking the other's fingerprint, agree on keys that mirror each other;
 * a server session ignores rtc_dtls_connect. */
static void test_client_role(void **state) {
  (void)state;
  rtc_cert *scert, *ccert;
  rtc_dtls_ctx *sctx, *cctx;
  assert_int_equal(rtc_cert_generate(&scert), 0);
  assert_int_equal(rtc_cert_generate(&ccert), 0);
  assert_int_equal(rtc_dtls_ctx_create(&sctx, scert), 0);
  assert_int_equal(rtc_dtls_client_ctx_create(&cctx, ccert), 0);
  static wire to_s, to_c;
  to_s.n = to_c.n = 0;
  rtc_dtls *s, *c;
  assert_int_equal(rtc_dtls_create(&s, sctx, rtc_cert_fingerprint(ccert), capture, &to_c), 0);
  assert_int_equal(rtc_dtls_create(&c, cctx, rtc_cert_fingerprint(scert), capture, &to_s), 0);
  assert_int_equal(rtc_dtls_connect(s), RTC_DTLS_HANDSHAKING);
  assert_int_equal(to_c.n, 0);
  assert_int_equal(rtc_dtls_connect(c), RTC_DTLS_HANDSHAKING);
  assert_true(to_s.n > 0); /* the ClientHello */
  assert_true(rtc_dtls_timeout_ms(c) > 0);
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < to_s.n; i++) rtc_dtls_feed(s, to_s.buf[i], to_s.len[i]);
    to_s.n = 0;
    for (int i = 0; i < to_c.n; i++) rtc_dtls_feed(c, to_c.buf[i], to_c.len[i]);
    to_c.n = 0;
    if (rtc_dtls_state_get(s) != RTC_DTLS_HANDSHAKING &&
        rtc_dtls_state_get(c) != RTC_DTLS_HANDSHAKING)
      break;
  }
  assert_int_equal(rtc_dtls_state_get(s), RTC_DTLS_CONNECTED);
  assert_int_equal(rtc_dtls_state_get(c), RTC_DTLS_CONNECTED);
  rtc_srtp_keys sk, ck;
  assert_int_equal(rtc_dtls_srtp_keys(s, &sk), 0);
  assert_int_equal(rtc_dtls_srtp_keys(c, &ck), 0);
  assert_int_equal(ck.profile, RTC_SRTP_AEAD_AES_128_GCM);
  assert_int_equal(sk.profile, ck.profile);
  assert_memory_equal(sk.local_key, ck.remote_key, sk.key_len);
  assert_memory_equal(sk.remote_key, ck.local_key, sk.key_len);
  assert_memory_equal(sk.local_salt, ck.remote_salt, sk.salt_len);
  assert_memory_equal(sk.remote_salt, ck.local_salt, sk.salt_len);
  assert_memory_not_equal(ck.local_key, ck.remote_key, ck.key_len);
  rtc_esrtp *se, *ce;
  assert_int_equal(rtc_esrtp_create(&se, &sk), 0);
  assert_int_equal(rtc_esrtp_create(&ce, &ck), 0);
  uint8_t pkt[128];
  size_t len = sizeof rtp_plain;
  memcpy(pkt, rtp_plain, len);
  assert_int_equal(rtc_esrtp_protect_rtp(ce, pkt, &len, sizeof pkt), 0);
  assert_int_equal(rtc_esrtp_unprotect_rtp(se, pkt, &len), 0);
  assert_memory_equal(pkt, rtp_plain, sizeof rtp_plain);
  rtc_esrtp_destroy(se);
  rtc_esrtp_destroy(ce);
  rtc_dtls_destroy(s);
  rtc_dtls_destroy(c);
  /* The client checks the server's fingerprint too. */
  to_s.n = to_c.n = 0;
  assert_int_equal(rtc_dtls_create(&s, sctx, NULL, capture, &to_c), 0);
  assert_int_equal(rtc_dtls_create(&c, cctx, rtc_cert_fingerprint(ccert), capture, &to_s), 0);
  rtc_dtls_connect(c);
  for (int round = 0; round < 20 && rtc_dtls_state_get(c) == RTC_DTLS_HANDSHAKING; round++) {
    for (int i = 0; i < to_s.n; i++) rtc_dtls_feed(s, to_s.buf[i], to_s.len[i]);
    to_s.n = 0;
    for (int i = 0; i < to_c.n; i++) rtc_dtls_feed(c, to_c.buf[i], to_c.len[i]);
    to_c.n = 0;
  }
  assert_int_equal(rtc_dtls_state_get(c), RTC_DTLS_FAILED);
  rtc_dtls_destroy(s);
  rtc_dtls_destroy(c);
  rtc_dtls_ctx_free(sctx);
  rtc_dtls_ctx_free(cctx);
  rtc_cert_free(scert);
  rtc_cert_free(ccert);
}

int rtc_tests_dtls(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_srtp_known_answers),
      cmocka_unit_test(test_srtp_evp),
      cmocka_unit_test(test_cert),
      cmocka_unit_test(test_handshake_gcm),
      cmocka_unit_test(test_handshake_cm),
      cmocka_unit_test(test_fingerprint_mismatch),
      cmocka_unit_test(test_retransmit_timer),
      cmocka_unit_test(test_client_role),
  };
  return cmocka_run_group_tests_name("dtls", tests, NULL, NULL);
}
