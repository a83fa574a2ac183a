/* child: see child.h. */
#include "child.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "http.h"

static void nap_ms(long ms) {
  struct timespec ts = {0, ms * 1000000};
  nanosleep(&ts, NULL);
}

int child_wait_http(pid_t *pid, int port, const char *path) {
  for (int i = 0; i < 200; i++) {
    char *body = NULL;
    int st = http_request(port, "GET", path, NULL, 1000, &body);
    free(body);
    if (st == 200) return 0;
    int status;
    if (waitpid(*pid, &status, WNOHANG) == *pid) {
      *pid = -1;
      return -1;
    }
    nap_ms(50);
  }
  return -1;
}

void child_stop(pid_t *pid) {
  if (*pid <= 0) return;
  kill(*pid, SIGTERM);
  int status;
  for (int i = 0; i < 50 && waitpid(*pid, &status, WNOHANG) == 0; i++) nap_ms(100);
  if (waitpid(*pid, &status, WNOHANG) == 0) {
    kill(*pid, SIGKILL);
    waitpid(*pid, &status, 0);
  }
  *pid = -1;
}
