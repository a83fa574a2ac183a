/* cmocka groups of the server/net and server/app unit tests; test_main.c runs them all. */
#ifndef BZ_NET_TESTS_H
#define BZ_NET_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first. */
#include <cmocka.h>

int net_tests_http_path(void);
int net_tests_http_meta(void);
int net_tests_ws_buf(void);
int net_tests_config(void);
int net_tests_ratelimit(void);
int net_tests_http_head(void);
int net_tests_hist(void);

#endif
