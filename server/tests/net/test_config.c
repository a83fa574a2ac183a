/* bz_config: defaults, command line, JSON file, precedence and errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "tests.h"
#include "util/log.h"

typedef struct run {
  bz_config c;
  int rc;
  char err[256];
} run;

/* argv[0] is added; the list ends with NULL. */
static void load(run *r, const char *const *args) {
  char *argv[32];
  int argc = 0;
  argv[argc++] = (char *)"buzzd";
  for (; *args && argc < 31; args++) argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  r->err[0] = '\0';
  r->rc = bz_config_load(&r->c, argc, argv, r->err, sizeof r->err);
}

static void test_defaults(void **state) {
  (void)state;
  run r;
  load(&r, (const char *[]){NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  assert_int_equal(r.c.port, 8080);
  assert_string_equal(r.c.host, "0.0.0.0");
  assert_string_equal(r.c.data_dir, "./data");
  assert_null(r.c.web_dir);
  assert_string_equal(r.c.assets_url, "/assets/");
  assert_null(r.c.tls_cert);
  assert_int_equal(r.c.log_level, BZ_LOG_INFO);
  assert_int_equal(r.c.limits.max_message_bytes, 65536);
  assert_int_equal(r.c.limits.max_participants, 50);
  assert_int_equal(r.c.send_queue_max_msgs, 1024);
  assert_int_equal(r.c.send_queue_max_bytes, 4 << 20);
  bz_config_free(&r.c);
}

static void test_flags(void **state) {
  (void)state;
  run r;
  load(&r,
       (const char *[]){"--port", "9000", "--host=127.0.0.1", "--data-dir", "/tmp/x", "--log-level",
                        "debug", "--max-rooms=5", "--rate-per-s", "2.5", "--tls-cert", "c.pem",
                        "--tls-key", "k.pem", "--web-dir", "w", "--room-ttl-days", "0", NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  assert_int_equal(r.c.limits.room_ttl_days, 0); /* 0 = keep rooms forever */
  assert_int_equal(r.c.port, 9000);
  assert_string_equal(r.c.host, "127.0.0.1");
  assert_string_equal(r.c.data_dir, "/tmp/x");
  assert_int_equal(r.c.log_level, BZ_LOG_DEBUG);
  assert_int_equal(r.c.limits.max_rooms, 5);
  assert_true(r.c.limits.rate_per_s == 2.5);
  assert_string_equal(r.c.tls_cert, "c.pem");
  assert_string_equal(r.c.web_dir, "w");
  bz_config_free(&r.c);
}

static void expect_bad(const char *const *args, const char *needle) {
  run r;
  load(&r, args);
  assert_int_equal(r.rc, BZ_CONFIG_EINVAL);
  if (!strstr(r.err, needle)) fail_msg("error '%s' lacks '%s'", r.err, needle);
  bz_config_free(&r.c);
}

static void test_bad_flags(void **state) {
  (void)state;
  expect_bad((const char *[]){"--bogus", "1", NULL}, "unknown flag");
  expect_bad((const char *[]){"--port", NULL}, "needs a value");
  expect_bad((const char *[]){"--port", "abc", NULL}, "not a number");
  expect_bad((const char *[]){"--port", "8080x", NULL}, "not a number");
  expect_bad((const char *[]){"--port", "70000", NULL}, "out of range");
  expect_bad((const char *[]){"--port", "1.5", NULL}, "not an integer");
  expect_bad((const char *[]){"--max-participants", "0", NULL}, "out of range");
  expect_bad((const char *[]){"--log-level", "loud", NULL}, "debug|info");
  expect_bad((const char *[]){"--tls-cert", "c.pem", NULL}, "go together");
  expect_bad((const char *[]){"--turn-uri", "turn:x", NULL}, "go together");
  expect_bad((const char *[]){"positional", NULL}, "unexpected argument");
  expect_bad((const char *[]){"--host=", NULL}, "1..4096");
  expect_bad((const char *[]){"--rate-per-s", "nan", NULL}, "out of range");
}

static void expect_url(const char *url, const char *want) {
  run r;
  load(&r, (const char *[]){"--assets-url", url, NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  assert_string_equal(r.c.assets_url, want ? want : url);
  bz_config_free(&r.c);
}

static void test_assets_url(void **state) {
  (void)state;
  expect_url("/", NULL);
  expect_url("/assets/", NULL);
  expect_url("/buzz/static/assets/", NULL);
  expect_url("https://cdn.example/bz/", NULL);
  expect_url("http://127.0.0.1:9000/a/", NULL);
  expect_url("https://cdn.example/", NULL);
  expect_url("https://b.example/%7Ex/", NULL);
  run r;
  load(&r, (const char *[]){"--assets-url=https://cdn.example/eq/", NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  assert_string_equal(r.c.assets_url, "https://cdn.example/eq/");
  bz_config_free(&r.c);
  static const struct {
    const char *url, *needle;
  } bad[] = {
      {"assets/", "neither an absolute path"},
      {"ftp://x/", "neither an absolute path"},
      {"HTTPS://x/", "neither an absolute path"},
      {"javascript:alert(1)/", "neither an absolute path"},
      {"/assets", "must end with '/'"},
      {"https://cdn.example", "must end with '/'"},
      {"https://cdn.example/bz", "must end with '/'"},
      {"//cdn.example/", "starts with //"},
      {"https:///x/", "no host"},
      {"https://", "no host"},
      {"/a b/", "0x20"},
      {"/a\tb/", "0x09"},
      {"/a\"b/", "0x22"},
      {"/a'b/", "0x27"},
      {"/a<b/", "0x3c"},
      {"/a>b/", "0x3e"},
      {"/a\\b/", "0x5c"},
      {"/a?b=/", "0x3f"},
      {"/a#b/", "0x23"},
      {"/\x7f/", "0x7f"},
      {"/caf\xc3\xa9/", "0xc3"},
      {"", "1..4096"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    expect_bad((const char *[]){"--assets-url", bad[i].url, NULL}, bad[i].needle);
  /* 1024 bytes pass, 1025 do not. */
  char longest[BZ_ASSETS_URL_MAX + 2];
  memset(longest, 'a', sizeof longest);
  longest[0] = '/';
  longest[BZ_ASSETS_URL_MAX - 1] = '/';
  longest[BZ_ASSETS_URL_MAX] = '\0';
  expect_url(longest, NULL);
  longest[BZ_ASSETS_URL_MAX] = '/';
  longest[BZ_ASSETS_URL_MAX + 1] = '\0';
  expect_bad((const char *[]){"--assets-url", longest, NULL}, "longer than 1024");
}

/* The media-plane settings: defaults, flags, and announced_ip held to an address literal. */
static void test_rtc_settings(void **state) {
  (void)state;
  run r;
  load(&r, (const char *[]){NULL});
  assert_int_equal(r.c.rtc_port, 0);
  assert_int_equal(r.c.rtc_workers, 0);
  assert_null(r.c.announced_ip);
  bz_config_free(&r.c);
  load(&r, (const char *[]){"--rtc-port", "40000", "--rtc-workers=3", "--announced-ip",
                            "203.0.113.7", NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  assert_int_equal(r.c.rtc_port, 40000);
  assert_int_equal(r.c.rtc_workers, 3);
  assert_string_equal(r.c.announced_ip, "203.0.113.7");
  bz_config_free(&r.c);
  load(&r, (const char *[]){"--announced-ip", "2001:db8::1", NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  bz_config_free(&r.c);
  expect_bad((const char *[]){"--announced-ip", "example.com", NULL}, "not an IPv4 or IPv6");
  expect_bad((const char *[]){"--rtc-port", "70000", NULL}, "out of range");
  expect_bad((const char *[]){"--rtc-workers", "65", NULL}, "out of range");
}

static void test_help(void **state) {
  (void)state;
  run r;
  load(&r, (const char *[]){"--port", "1", "--help", NULL});
  assert_int_equal(r.rc, BZ_CONFIG_HELP);
  bz_config_free(&r.c);
  load(&r, (const char *[]){"-h", NULL});
  assert_int_equal(r.rc, BZ_CONFIG_HELP);
  bz_config_free(&r.c);
}

static void test_json(void **state) {
  (void)state;
  bz_config c;
  char err[256];
  bz_config_defaults(&c);
  const char *j =
      "{\"port\": 1234, \"max_message_bytes\": 131072, \"turn_uri\": \"turn:h\","
      " \"turn_secret\": \"s\", \"log_level\": \"warn\", \"idle_timeout_s\": 5,"
      " \"assets_url\": \"https://cdn.example/bz/\"}";
  assert_int_equal(bz_config_apply_json(&c, j, strlen(j), err, sizeof err), 0);
  assert_int_equal(c.port, 1234);
  assert_int_equal(c.limits.max_message_bytes, 131072);
  assert_string_equal(c.turn_uri, "turn:h");
  assert_int_equal(c.log_level, BZ_LOG_WARN);
  assert_int_equal(c.limits.idle_timeout_s, 5);
  assert_string_equal(c.assets_url, "https://cdn.example/bz/");
  static const char *const bad[] = {
      "[1]",
      "{\"port\": \"80\"}",
      "{\"nope\": 1}",
      "{\"port\": 1, \"port\": 2}",
      "{\"host\": 5}",
      "{\"max_rooms\": -1}",
      "{\"room_ttl_days\": -1}",
      "{",
      "",
      "{\"port\": 1e99}",
      "{\"assets_url\": 5}",
      "{\"assets_url\": \"assets\"}",
      "{\"assets_url\": \"https://cdn.example\"}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (bz_config_apply_json(&c, bad[i], strlen(bad[i]), err, sizeof err) != BZ_CONFIG_EINVAL)
      fail_msg("accepted bad config %s", bad[i]);
  bz_config_free(&c);
}

/* The file is read first; flags override it wherever they are on the line. */
static void test_file_precedence(void **state) {
  (void)state;
  char path[] = "/tmp/buzz-config-test-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *j =
      "{\"port\": 1111, \"host\": \"127.0.0.2\", \"max_rooms\": 7,"
      " \"assets_url\": \"https://file.example/a/\"}";
  assert_int_equal(write(fd, j, strlen(j)), (ssize_t)strlen(j));
  close(fd);
  run r;
  load(&r, (const char *[]){"--port", "2222", "--config", path, NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  assert_int_equal(r.c.port, 2222);
  assert_string_equal(r.c.host, "127.0.0.2");
  assert_int_equal(r.c.limits.max_rooms, 7);
  assert_string_equal(r.c.assets_url, "https://file.example/a/");
  bz_config_free(&r.c);
  load(&r, (const char *[]){"--assets-url", "/flag/", "--config", path, NULL});
  assert_int_equal(r.rc, BZ_CONFIG_OK);
  assert_string_equal(r.c.assets_url, "/flag/");
  bz_config_free(&r.c);
  /* A bad value in the file names the file and the key. */
  char bad_path[] = "/tmp/buzz-config-test-XXXXXX";
  fd = mkstemp(bad_path);
  assert_true(fd >= 0);
  const char *bj = "{\"assets_url\": \"cdn/\"}";
  assert_int_equal(write(fd, bj, strlen(bj)), (ssize_t)strlen(bj));
  close(fd);
  load(&r, (const char *[]){"--config", bad_path, NULL});
  assert_int_equal(r.rc, BZ_CONFIG_EINVAL);
  assert_non_null(strstr(r.err, bad_path));
  assert_non_null(strstr(r.err, "assets_url"));
  bz_config_free(&r.c);
  unlink(bad_path);
  unlink(path);
  load(&r, (const char *[]){"--config", path, NULL});
  assert_int_equal(r.rc, BZ_CONFIG_EINVAL);
  assert_non_null(strstr(r.err, path));
  bz_config_free(&r.c);
}

int net_tests_config(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),   cmocka_unit_test(test_flags),
      cmocka_unit_test(test_bad_flags),  cmocka_unit_test(test_help),
      cmocka_unit_test(test_rtc_settings),
      cmocka_unit_test(test_json),       cmocka_unit_test(test_file_precedence),
      cmocka_unit_test(test_assets_url),
  };
  return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
