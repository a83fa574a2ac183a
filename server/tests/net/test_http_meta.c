/* http_mime_type, http_etag_format, http_etag_match. */
#include <string.h>

#include "net/http_util.h"
#include "tests.h"

static const char *mime(const char *name) {
  return http_mime_type(name, strlen(name));
}

static void test_mime(void **state) {
  (void)state;
  assert_string_equal(mime("index.html"), "text/html; charset=utf-8");
  assert_string_equal(mime("a/b/app.js"), "text/javascript; charset=utf-8");
  assert_string_equal(mime("m.mjs"), "text/javascript; charset=utf-8");
  assert_string_equal(mime("style.CSS"), "text/css; charset=utf-8");
  assert_string_equal(mime("nn.wasm"), "application/wasm");
  assert_string_equal(mime("selfie.3f2a.tflite"), "application/octet-stream");
  assert_string_equal(mime("x.json"), "application/json");
  assert_string_equal(mime("logo.svg"), "image/svg+xml");
  assert_string_equal(mime("p.png"), "image/png");
  assert_string_equal(mime("f.woff2"), "font/woff2");
  assert_string_equal(mime("README"), "application/octet-stream");
  assert_string_equal(mime("dir.js/README"), "application/octet-stream");
  assert_string_equal(mime("trailing."), "application/octet-stream");
  assert_string_equal(mime("x.htmlx"), "application/octet-stream");
  assert_string_equal(mime(""), "application/octet-stream");
  assert_string_equal(http_mime_type(NULL, 0), "application/octet-stream");
  /* Only the first n bytes count. */
  assert_string_equal(http_mime_type("a.css.js", 5), "text/css; charset=utf-8");
}

static void test_etag_format(void **state) {
  (void)state;
  char e[HTTP_ETAG_MAX];
  http_etag_format(e, 7, 0x18eb0ea276c1e6c4ull);
  assert_string_equal(e, "\"7-18eb0ea276c1e6c4\"");
  http_etag_format(e, UINT64_MAX, UINT64_MAX);
  assert_true(strlen(e) < HTTP_ETAG_MAX);
  char e2[HTTP_ETAG_MAX];
  http_etag_format(e2, 8, 0x18eb0ea276c1e6c4ull);
  http_etag_format(e, 7, 0x18eb0ea276c1e6c4ull);
  assert_string_not_equal(e, e2); /* size is part of the tag */
}

static int match(const char *hdr, const char *etag) {
  return http_etag_match(hdr, strlen(hdr), etag);
}

static void test_etag_match(void **state) {
  (void)state;
  const char *t = "\"7-abc\"";
  assert_true(match("\"7-abc\"", t));
  assert_true(match("W/\"7-abc\"", t));
  assert_true(match("*", t));
  assert_true(match(" * ", t));
  assert_true(match("\"x\", \"7-abc\"", t));
  assert_true(match("\"x\",W/\"7-abc\" ,\"y\"", t));
  assert_true(match("\"a,b\", \"7-abc\"", t)); /* a comma inside a quoted tag */
  assert_false(match("\"7-ab\"", t));
  assert_false(match("\"7-abcd\"", t));
  assert_false(match("7-abc", t)); /* unquoted */
  assert_false(match("\"7-abc", t));
  assert_false(match("", t));
  assert_false(match(",,,", t));
  assert_false(match("W/", t));
  assert_false(match("\"", t));
  assert_false(match("**", t));
  assert_false(http_etag_match(NULL, 0, t));
  assert_false(http_etag_match("\"7-abc\"", 7, NULL));
  /* Only n bytes are read. */
  assert_false(http_etag_match("\"7-abc\"", 6, t));
}

/* Regression: request paths went into log lines raw, so "%0a" forged whole lines. */
static void test_log_safe(void **state) {
  (void)state;
  char out[16];
  http_log_safe("/a\nINFO x=\"1\" \\", out, sizeof out);
  assert_string_equal(out, "/a?INFO?x=?1???");
  http_log_safe("/0123456789abcdefgh", out, sizeof out);
  assert_string_equal(out, "/0123456789abcd");
  http_log_safe("/\x7f\xc3\xa9", out, sizeof out);
  assert_string_equal(out, "/?\xc3\xa9"); /* UTF-8 stays readable */
  http_log_safe(NULL, out, sizeof out);
  assert_string_equal(out, "");
}

/* Regression: every /assets/ file was immutable, so an upgraded nn.wasm was never fetched. */
static void test_content_hashed(void **state) {
  (void)state;
  /* The names build/assets/manifest.json lists (scripts/assets-manifest.mjs) are all hashed. */
  const char *yes[] = {"models/face.3bc182eb9f33925d.tflite", "a.0123456789abcdef0123.js",
                       "x/y/m.v2.3bc182eb9f33925d.bin", "nn.77de0ddcad2d94c0.wasm",
                       "backgrounds/brick-wall.80a36343be12e7f8.jpg",
                       "backgrounds/brick-wall-thumb.dc8a6d2865686075.jpg"};
  const char *no[] = {"nn.wasm", "models/manifest.json", "manifest.json",
                      "backgrounds/brick-wall.jpg", "models/face.3bc182eb9f3392.tflite",
                      "models/face.3bc182eb9f33925g.tflite", "3bc182eb9f33925d.d/x.js",
                      "m.3bc182eb9f33925d", ""};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    assert_true(http_path_content_hashed(yes[i], strlen(yes[i])));
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    assert_false(http_path_content_hashed(no[i], strlen(no[i])));
}

/* lws leaves the reason phrase of 201 and 429 empty; it is filled in, nothing else moves. */
static void test_fill_reason(void **state) {
  (void)state;
  unsigned char buf[64];
  const char *line = "HTTP/1.1 201 \r\ncontent-length: 2\r\n";
  size_t n = strlen(line);
  memcpy(buf, line, n);
  unsigned char *p = buf + n;
  assert_int_equal(http_fill_reason(buf, &p, buf + sizeof buf, 201), 1);
  assert_int_equal((size_t)(p - buf), n + 7);
  assert_memory_equal(buf, "HTTP/1.1 201 Created\r\ncontent-length: 2\r\n", n + 7);
  /* A phrase already there, an unknown code, no room left: unchanged. */
  assert_int_equal(http_fill_reason(buf, &p, buf + sizeof buf, 201), 0);
  memcpy(buf, "HTTP/1.1 299 \r\n", 15);
  p = buf + 15;
  assert_int_equal(http_fill_reason(buf, &p, buf + sizeof buf, 299), 0);
  memcpy(buf, "HTTP/1.1 429 \r\n", 15);
  p = buf + 15;
  assert_int_equal(http_fill_reason(buf, &p, buf + 20, 429), 0);
  assert_int_equal(http_fill_reason(buf, &p, buf + sizeof buf, 429), 1);
  assert_memory_equal(buf, "HTTP/1.1 429 Too Many Requests\r\n", 32);
  assert_string_equal(http_reason(413), "Payload Too Large");
}

int net_tests_http_meta(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mime),
      cmocka_unit_test(test_etag_format),
      cmocka_unit_test(test_etag_match),
      cmocka_unit_test(test_log_safe),
      cmocka_unit_test(test_content_hashed),
      cmocka_unit_test(test_fill_reason),
  };
  return cmocka_run_group_tests_name("http_meta", tests, NULL, NULL);
}
