/* Runs every group; the exit status is the number of failed tests (0 = all passed). */
#include "tests.h"
#include "util/log.h"

int main(void) {
  bz_log_set_level(BZ_LOG_WARN);
  int failed = 0;
  failed += rtc_tests_stun();
  failed += rtc_tests_ice();
  failed += rtc_tests_parse();
  failed += rtc_tests_dtls();
  failed += rtc_tests_sdp();
  failed += rtc_tests_rewrite();
  failed += rtc_tests_simulcast();
  failed += rtc_tests_hdrmap();
  failed += rtc_tests_numbers();
  failed += rtc_tests_speaker();
  failed += rtc_tests_cc();
  failed += rtc_tests_worker();
  failed += rtc_tests_worker_sfu();
  return failed;
}
