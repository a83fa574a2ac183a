/* cmocka groups of the media-plane unit tests (server/rtc); test_main.c runs them all. */
#ifndef BZ_RTC_TESTS_H
#define BZ_RTC_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first. */
#include <cmocka.h>

int rtc_tests_stun(void);
int rtc_tests_ice(void);
int rtc_tests_parse(void);
int rtc_tests_dtls(void);
int rtc_tests_worker(void);
int rtc_tests_worker_sfu(void);
int rtc_tests_sdp(void);
int rtc_tests_rewrite(void);
int rtc_tests_simulcast(void);
int rtc_tests_hdrmap(void);
int rtc_tests_numbers(void);
int rtc_tests_speaker(void);
int rtc_tests_cc(void);

/* A throw-away self-signed ECDSA client certificate (X509 *, EVP_PKEY *) and its
 * "sha-256 ..." fingerprint (fp: RTC_FINGERPRINT_MAX bytes). test_dtls.c. */
void rtc_test_client_cert(void **x509, void **key, char *fp);
void rtc_test_client_cert_free(void *x509, void *key);

#endif
