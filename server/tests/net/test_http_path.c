/* http_path_resolve, http_route_match, http_parse_content_length. */
#include <string.h>

#include "net/http_util.h"
#include "tests.h"

/* Resolves a NUL-terminated path; returns the result code and leaves the output in out. */
static int resolve(const char *p, int decode, char *out, size_t cap) {
  return http_path_resolve(p, strlen(p), decode, out, cap);
}

static void expect_path(const char *in, int decode, const char *want) {
  char out[HTTP_PATH_MAX + 1];
  int rc = resolve(in, decode, out, sizeof out);
  if (rc < 0) fail_msg("%s -> error %d, wanted %s", in, rc, want);
  assert_int_equal(rc, (int)strlen(want));
  assert_string_equal(out, want);
}

static void expect_err(const char *in, int decode, int want) {
  char out[HTTP_PATH_MAX + 1];
  int rc = resolve(in, decode, out, sizeof out);
  if (rc != want) fail_msg("%s -> %d, wanted %d", in, rc, want);
}

static void test_resolve_ok(void **state) {
  (void)state;
  expect_path("/", 1, "index.html");
  expect_path("/index.html", 1, "index.html");
  expect_path("/css/app.css", 1, "css/app.css");
  expect_path("//css///app.css", 1, "css/app.css");
  expect_path("/js/", 1, "js/index.html");
  expect_path("/a%20b.txt", 1, "a b.txt");
  expect_path("/%41%62c", 1, "Abc");
  expect_path("/a..b/c", 1, "a..b/c"); /* dots inside a name are fine */
  expect_path("/caf%C3%A9", 1, "caf\xC3\xA9");
  /* decode == 0: '%' is an ordinary byte (lws already decoded the request line). */
  expect_path("/a%2541", 0, "a%2541");
  expect_path("/%2e%2e", 0, "%2e%2e");
}

static void test_resolve_traversal(void **state) {
  (void)state;
  expect_err("/..", 1, HTTP_EDENIED);
  expect_err("/../etc/passwd", 1, HTTP_EDENIED);
  expect_err("/a/../../b", 1, HTTP_EDENIED);
  expect_err("/%2e%2e/x", 1, HTTP_EDENIED);
  expect_err("/%2E%2e/x", 1, HTTP_EDENIED);
  expect_err("/./x", 1, HTTP_EDENIED);
  expect_err("/.git/config", 1, HTTP_EDENIED);
  expect_err("/a/.env", 1, HTTP_EDENIED);
  expect_err("/a%2f..%2fb", 1, HTTP_EDENIED); /* an encoded '/' never splits a segment */
  expect_err("/a%5c..%5cb", 1, HTTP_EDENIED);
  expect_err("/a\\b", 1, HTTP_EDENIED);
  expect_err("/../x", 0, HTTP_EDENIED);
}

static void test_resolve_malformed(void **state) {
  (void)state;
  char out[HTTP_PATH_MAX + 1];
  expect_err("", 1, HTTP_EINVAL);
  expect_err("x/y", 1, HTTP_EINVAL);
  expect_err("/a%", 1, HTTP_EINVAL);
  expect_err("/a%4", 1, HTTP_EINVAL);
  expect_err("/a%zz", 1, HTTP_EINVAL);
  expect_err("/a%00b", 1, HTTP_EINVAL);
  expect_err("/a%0ab", 1, HTTP_EINVAL);
  expect_err("/a%7fb", 1, HTTP_EINVAL);
  expect_err("/a\tb", 1, HTTP_EINVAL);
  /* An embedded NUL in the raw bytes is refused, not treated as the end. */
  assert_int_equal(http_path_resolve("/a\0b", 4, 1, out, sizeof out), HTTP_EINVAL);
  assert_int_equal(http_path_resolve(NULL, 0, 1, out, sizeof out), HTTP_EINVAL);
}

static void test_resolve_lengths(void **state) {
  (void)state;
  char in[HTTP_PATH_MAX + 2], out[HTTP_PATH_MAX + 1];
  in[0] = '/';
  memset(in + 1, 'a', HTTP_PATH_MAX);
  assert_int_equal(http_path_resolve(in, HTTP_PATH_MAX + 1, 1, out, sizeof out), HTTP_ETOOLONG);
  assert_int_equal(http_path_resolve(in, HTTP_PATH_MAX, 1, out, sizeof out), HTTP_PATH_MAX - 1);
  /* A small output buffer is never overrun. */
  char small[8];
  assert_int_equal(http_path_resolve("/abcdefgh", 9, 1, small, sizeof small), HTTP_ETOOLONG);
  assert_int_equal(http_path_resolve("/", 1, 1, small, sizeof small), HTTP_ETOOLONG);
  assert_int_equal(http_path_resolve("/abc", 4, 1, small, sizeof small), 3);
  assert_string_equal(small, "abc");
  /* Trailing slash needs room for "index.html" too. */
  in[HTTP_PATH_MAX - 1] = '/';
  assert_int_equal(http_path_resolve(in, HTTP_PATH_MAX, 1, out, sizeof out), HTTP_ETOOLONG);
}

static http_route route(http_method m, const char *p, const char **arg, size_t *n) {
  return http_route_match(m, p, strlen(p), arg, n);
}

static void test_routes(void **state) {
  (void)state;
  const char *a = NULL;
  size_t n = 0;
  assert_int_equal(route(HTTP_M_GET, "/healthz", &a, &n), HTTP_ROUTE_HEALTHZ);
  assert_int_equal(route(HTTP_M_HEAD, "/healthz", &a, &n), HTTP_ROUTE_HEALTHZ);
  assert_int_equal(route(HTTP_M_POST, "/healthz", &a, &n), HTTP_ROUTE_BAD_METHOD);
  assert_int_equal(route(HTTP_M_GET, "/metrics", &a, &n), HTTP_ROUTE_METRICS);
  assert_int_equal(route(HTTP_M_POST, "/api/rooms", &a, &n), HTTP_ROUTE_ROOM_CREATE);
  assert_int_equal(route(HTTP_M_GET, "/api/rooms", &a, &n), HTTP_ROUTE_BAD_METHOD);
  assert_int_equal(route(HTTP_M_GET, "/api/rooms/k3x9-a7pq-2mzd", &a, &n), HTTP_ROUTE_ROOM_INFO);
  assert_int_equal(n, 14);
  assert_memory_equal(a, "k3x9-a7pq-2mzd", 14);
  assert_int_equal(route(HTTP_M_POST, "/api/rooms/k3x9", &a, &n), HTTP_ROUTE_BAD_METHOD);
  assert_int_equal(route(HTTP_M_GET, "/api/rooms/", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/api/rooms/AB", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/api/rooms/a/b", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/api/nope", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/api", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/r/k3x9-a7pq-2mzd", &a, &n), HTTP_ROUTE_ROOM_PAGE);
  assert_int_equal(route(HTTP_M_GET, "/r/", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/r/../x", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/assets/m.1a2b.tflite", &a, &n), HTTP_ROUTE_ASSET);
  assert_int_equal(n, 13);
  assert_memory_equal(a, "m.1a2b.tflite", 13);
  assert_int_equal(route(HTTP_M_GET, "/ws", &a, &n), HTTP_ROUTE_WS);
  assert_int_equal(route(HTTP_M_GET, "/api/config", &a, &n), HTTP_ROUTE_CONFIG);
  assert_int_equal(route(HTTP_M_HEAD, "/api/config", &a, &n), HTTP_ROUTE_CONFIG);
  assert_int_equal(route(HTTP_M_POST, "/api/config", &a, &n), HTTP_ROUTE_BAD_METHOD);
  assert_int_equal(route(HTTP_M_GET, "/api/config/", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/api/configs", &a, &n), HTTP_ROUTE_NONE);
  assert_int_equal(route(HTTP_M_GET, "/app.js", &a, &n), HTTP_ROUTE_STATIC);
  assert_int_equal(n, 7);
  assert_int_equal(route(HTTP_M_POST, "/app.js", &a, &n), HTTP_ROUTE_BAD_METHOD);
  assert_int_equal(route(HTTP_M_OTHER, "/", &a, &n), HTTP_ROUTE_BAD_METHOD);
  /* Near misses of exact routes are static files, not the route. */
  assert_int_equal(route(HTTP_M_GET, "/healthzz", &a, &n), HTTP_ROUTE_STATIC);
  assert_int_equal(route(HTTP_M_GET, "/ws/", &a, &n), HTTP_ROUTE_STATIC);
  assert_int_equal(http_route_match(HTTP_M_GET, NULL, 0, &a, &n), HTTP_ROUTE_NONE);
}

static void test_content_length(void **state) {
  (void)state;
  uint64_t v = 7;
  assert_int_equal(http_parse_content_length("0", 1, &v), 0);
  assert_int_equal(v, 0);
  assert_int_equal(http_parse_content_length("65536", 5, &v), 0);
  assert_int_equal(v, 65536);
  assert_int_equal(http_parse_content_length("999999999999999999", 18, &v), 0);
  assert_int_equal(http_parse_content_length("1000000000000000000", 19, &v), HTTP_EINVAL);
  assert_int_equal(http_parse_content_length("", 0, &v), HTTP_EINVAL);
  assert_int_equal(http_parse_content_length("-1", 2, &v), HTTP_EINVAL);
  assert_int_equal(http_parse_content_length("1 2", 3, &v), HTTP_EINVAL);
  assert_int_equal(http_parse_content_length("+5", 2, &v), HTTP_EINVAL);
  assert_string_equal(http_strerror(HTTP_EDENIED), "path not allowed");
}

int net_tests_http_path(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resolve_ok),
      cmocka_unit_test(test_resolve_traversal),
      cmocka_unit_test(test_resolve_malformed),
      cmocka_unit_test(test_resolve_lengths),
      cmocka_unit_test(test_routes),
      cmocka_unit_test(test_content_length),
  };
  return cmocka_run_group_tests_name("http_path", tests, NULL, NULL);
}
