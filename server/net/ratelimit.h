/* ratelimit: token buckets keyed by client address, in a small fixed table.
 *
 * Used for POST /api/rooms (creating a room hashes a password with argon2 and writes to SQLite,
 * so it must not be free to spam). The table holds RL_SLOTS addresses; a new address takes the
 * slot idle longest, which at worst hands a returning client a fresh, full bucket. Pure and
 * socket-free: the caller passes the time. */
#ifndef BZ_RATELIMIT_H
#define BZ_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RL_SLOTS 256
#define RL_KEY_MAX 64 /* longest address text kept; longer keys are cut */

typedef struct rl_slot {
  char key[RL_KEY_MAX];
  double tokens;
  uint64_t last_ms; /* last refill; 0 = unused */
} rl_slot;

typedef struct rl_table {
  double per_s; /* refill rate */
  double burst; /* bucket size */
  rl_slot slots[RL_SLOTS];
} rl_table;

void rl_init(rl_table *t, double per_s, double burst);
/* Takes one token for key (n bytes) at now_ms. Returns 1 if allowed, 0 if over the rate. */
int rl_take(rl_table *t, const char *key, size_t n, uint64_t now_ms);

#endif
