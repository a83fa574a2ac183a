/* nn-run --profile: time per operator kind, from nn_run_traced() callbacks. */
#include <stdio.h>
#include <string.h>

#include "nn_run.h"

#define MAX_KINDS 32

typedef struct prof {
  const char *names[MAX_KINDS];
  double ms[MAX_KINDS];
  int calls[MAX_KINDS];
  int nk, cur;
  double t;
} prof;

static void on_step(void *user, int step, const char *op) {
  prof *p = user;
  double now = nnr_now_ms();
  (void)step;
  if (p->cur >= 0) p->ms[p->cur] += now - p->t, p->calls[p->cur]++;
  p->cur = -1;
  if (op) {
    int k = 0;
    while (k < p->nk && strcmp(p->names[k], op) != 0) k++;
    if (k == p->nk && p->nk < MAX_KINDS) p->names[p->nk++] = op;
    p->cur = k < MAX_KINDS ? k : -1;
  }
  p->t = nnr_now_ms();
}

void nnr_profile(nn_model *m, int runs) {
  prof p;
  memset(&p, 0, sizeof p);
  p.cur = -1;
  for (int r = 0; r < runs; r++) nn_run_traced(m, on_step, &p);
  double total = 0;
  for (int k = 0; k < p.nk; k++) total += p.ms[k];
  printf("profile over %d runs (ms per run):\n", runs);
  for (int k = 0; k < p.nk; k++)
    printf("  %-28s %8.3f ms %5.1f%%  (%d per run)\n", p.names[k], p.ms[k] / runs,
           total > 0 ? 100 * p.ms[k] / total : 0.0, p.calls[k] / runs);
  printf("  %-28s %8.3f ms\n", "total", total / runs);
}
