/* The active speaker's decision (rtc/speaker.c): levels to amplitude, the floor, the two
 * windows a challenger needs while the speaker still speaks, silence keeping the speaker. */
#include <math.h>

#include "rtc/speaker.h"
#include "tests.h"

static void test_amplitude(void **state) {
  (void)state;
  assert_true(fabs(rtc_spk_amplitude(0) - 1.0) < 1e-9);
  assert_true(fabs(rtc_spk_amplitude(20) - 0.1) < 1e-6);  /* -20 dBov */
  assert_true(fabs(rtc_spk_amplitude(0x80 | 20) - 0.1) < 1e-6); /* the V bit is not level */
  assert_true(rtc_spk_amplitude(127) < 1e-6);
}

static void test_decide(void **state) {
  (void)state;
  rtc_spk_room s = {0};
  const uint64_t ids[3] = {11, 22, 33};
  /* Silence names nobody. */
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0, 0.01, 0}, 3), 0);
  assert_int_equal(s.current, 0);
  /* The first voice above the floor is the speaker at once. */
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0, 0.2, 0.05}, 3), 1);
  assert_int_equal(s.current, 22);
  /* A louder one while 22 still speaks: one window is not enough, two in a row are. */
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0.5, 0.1, 0}, 3), 0);
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0, 0.3, 0}, 3), 0); /* 22 again */
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0.5, 0.1, 0}, 3), 0);
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0.5, 0.1, 0}, 3), 1);
  assert_int_equal(s.current, 11);
  /* Everyone quiet: 11 stays. */
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0, 0, 0}, 3), 0);
  assert_int_equal(s.current, 11);
  /* 11 silent, 33 speaks: no need to wait. */
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0, 0, 0.04}, 3), 1);
  assert_int_equal(s.current, 33);
  /* The speaker left the room (not among the ids): the next voice takes over at once. */
  assert_int_equal(rtc_spk_decide(&s, ids, (double[]){0.3, 0, 0}, 2), 1);
  assert_int_equal(s.current, 11);
}

int rtc_tests_speaker(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_amplitude),
      cmocka_unit_test(test_decide),
  };
  return cmocka_run_group_tests_name("rtc_speaker", tests, NULL, NULL);
}
