/* Runs every group; the exit status is the number of failed tests (0 = all passed). */
#include "tests.h"

int main(void) {
  int failed = 0;
  failed += net_tests_http_path();
  failed += net_tests_http_meta();
  failed += net_tests_ws_buf();
  failed += net_tests_config();
  failed += net_tests_ratelimit();
  failed += net_tests_http_head();
  failed += net_tests_hist();
  return failed;
}
