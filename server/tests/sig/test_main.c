/* Runs every cmocka group of server/tests/sig and server/tests/store. */
#include <stdio.h>

#include "tests.h"
#include "util/log.h"

int main(void) {
  /* Several tests provoke store errors on purpose; their log lines would only be noise. */
  bz_log_set_level(BZ_LOG_ERROR + 1);
  int failed = tests_msg() + tests_room() + tests_limits() + tests_store() + tests_history() +
               tests_reaction() + tests_media() + tests_sfu();
  printf("sig unit tests: %d failed\n", failed);
  return failed ? 1 : 0;
}
