/* Token buckets per client address (see ratelimit.h). */
#include "net/ratelimit.h"

#include <string.h>

void rl_init(rl_table *t, double per_s, double burst) {
  memset(t, 0, sizeof *t);
  t->per_s = per_s;
  t->burst = burst;
}

/* The slot of key, or the least recently used one (reset for key). */
static rl_slot *find_slot(rl_table *t, const char *key, size_t n, uint64_t now_ms) {
  rl_slot *lru = &t->slots[0];
  for (int i = 0; i < RL_SLOTS; i++) {
    rl_slot *s = &t->slots[i];
    if (s->last_ms && strncmp(s->key, key, n) == 0 && s->key[n] == '\0') return s;
    if (s->last_ms < lru->last_ms) lru = s;
  }
  memcpy(lru->key, key, n);
  lru->key[n] = '\0';
  lru->tokens = t->burst;
  lru->last_ms = now_ms ? now_ms : 1;
  return lru;
}

int rl_take(rl_table *t, const char *key, size_t n, uint64_t now_ms) {
  if (n >= RL_KEY_MAX) n = RL_KEY_MAX - 1;
  if (!key) n = 0;
  rl_slot *s = find_slot(t, key ? key : "", n, now_ms);
  if (now_ms > s->last_ms) {
    s->tokens += (double)(now_ms - s->last_ms) / 1000.0 * t->per_s;
    if (s->tokens > t->burst) s->tokens = t->burst;
    s->last_ms = now_ms;
  }
  if (s->tokens < 1.0) return 0;
  s->tokens -= 1.0;
  return 1;
}
