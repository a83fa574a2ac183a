/* rl_take: token buckets per client address. */
#include <stdio.h>
#include <string.h>

#include "net/ratelimit.h"
#include "tests.h"

static int take(rl_table *t, const char *key, uint64_t now) {
  return rl_take(t, key, strlen(key), now);
}

static void test_burst_and_refill(void **state) {
  (void)state;
  static rl_table t;
  rl_init(&t, 1.0, 3); /* 1 per second, burst 3 */
  assert_true(take(&t, "10.0.0.1", 1000));
  assert_true(take(&t, "10.0.0.1", 1000));
  assert_true(take(&t, "10.0.0.1", 1000));
  assert_false(take(&t, "10.0.0.1", 1000));
  assert_false(take(&t, "10.0.0.1", 1500)); /* half a token */
  assert_true(take(&t, "10.0.0.1", 2000));
  assert_false(take(&t, "10.0.0.1", 2000));
  /* Other addresses have their own bucket. */
  assert_true(take(&t, "10.0.0.2", 2000));
  /* Refill is capped at the burst. */
  for (int i = 0; i < 3; i++) assert_true(take(&t, "10.0.0.1", 100000));
  assert_false(take(&t, "10.0.0.1", 100000));
  /* A clock going backwards does not mint tokens. */
  assert_false(take(&t, "10.0.0.1", 50));
}

static void test_table_full(void **state) {
  (void)state;
  static rl_table t;
  rl_init(&t, 0.001, 1);
  char key[32];
  for (int i = 0; i < RL_SLOTS; i++) {
    snprintf(key, sizeof key, "a%d", i);
    assert_true(take(&t, key, 10 + (uint64_t)i));
  }
  assert_false(take(&t, "a5", 10000)); /* still tracked, empty */
  /* One more address evicts the least recently used one (a0), never a busy one. */
  assert_true(take(&t, "newcomer", 20000));
  assert_false(take(&t, "a7", 20000));
  /* Over-long and NULL keys are handled. */
  char longkey[200];
  memset(longkey, 'x', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = '\0';
  assert_true(take(&t, longkey, 30000));
  assert_false(take(&t, longkey, 30000));
  assert_true(rl_take(&t, NULL, 0, 40000));
}

int net_tests_ratelimit(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_burst_and_refill),
      cmocka_unit_test(test_table_full),
  };
  return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
