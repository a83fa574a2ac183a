/* Connection table, per-address counts and the idle list (see conns.h). */
#include "net/conns.h"

#include <stdlib.h>
#include <string.h>

static size_t hash_key(const char *k) {
  size_t h = 1469598103934665603ull & (size_t)-1;
  for (; *k; k++) h = (h ^ (unsigned char)*k) * 1099511628211ull;
  return h;
}

int conns_init(conn_table *t, int nslots, int max_per_addr, int max_ws_per_addr) {
  memset(t, 0, sizeof *t);
  if (nslots <= 0) return CONNS_EINVAL;
  t->slots = calloc((size_t)nslots, sizeof *t->slots);
  t->nbuckets = 256;
  while (t->nbuckets < (size_t)nslots) t->nbuckets *= 2;
  t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
  if (!t->slots || !t->buckets) {
    conns_free(t);
    return CONNS_ENOMEM;
  }
  t->nslots = nslots;
  t->idle_head = t->idle_tail = -1;
  t->max_per_addr = max_per_addr;
  t->max_ws_per_addr = max_ws_per_addr;
  return 0;
}

void conns_free(conn_table *t) {
  for (int fd = 0; t->slots && fd < t->nslots; fd++) conns_close(t, fd);
  free(t->slots);
  free(t->buckets);
  memset(t, 0, sizeof *t);
}

conn_slot *conns_get(conn_table *t, int fd) {
  if (fd < 0 || fd >= t->nslots || !t->slots[fd].in_use) return NULL;
  return &t->slots[fd];
}

/* The entry of key, created when `create` (NULL when out of memory or absent). */
static conn_addr *addr_find(conn_table *t, const char *key, int create) {
  size_t b = hash_key(key) & (t->nbuckets - 1);
  for (conn_addr *a = t->buckets[b]; a; a = a->next)
    if (strcmp(a->key, key) == 0) return a;
  if (!create) return NULL;
  conn_addr *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  strncpy(a->key, key, CONNS_KEY_MAX - 1);
  a->next = t->buckets[b];
  t->buckets[b] = a;
  return a;
}

static void addr_release(conn_table *t, conn_addr *a) {
  if (a->conns > 0 || a->ws > 0) return;
  size_t b = hash_key(a->key) & (t->nbuckets - 1);
  for (conn_addr **pp = &t->buckets[b]; *pp; pp = &(*pp)->next)
    if (*pp == a) {
      *pp = a->next;
      free(a);
      return;
    }
}

static void idle_unlink(conn_table *t, int fd) {
  conn_slot *s = &t->slots[fd];
  if (!s->idle) return;
  if (s->idle_prev >= 0) t->slots[s->idle_prev].idle_next = s->idle_next;
  else t->idle_head = s->idle_next;
  if (s->idle_next >= 0) t->slots[s->idle_next].idle_prev = s->idle_prev;
  else t->idle_tail = s->idle_prev;
  s->idle = 0;
}

static void idle_append(conn_table *t, int fd, uint64_t now_ms) {
  conn_slot *s = &t->slots[fd];
  s->idle = 1;
  s->idle_since = now_ms;
  s->idle_next = -1;
  s->idle_prev = t->idle_tail;
  if (t->idle_tail >= 0) t->slots[t->idle_tail].idle_next = fd;
  else t->idle_head = fd;
  t->idle_tail = fd;
}

int conns_open(conn_table *t, int fd, const char *key, uint64_t now_ms, int check_cap) {
  if (fd < 0 || fd >= t->nslots) return CONNS_EINVAL;
  conns_close(t, fd); /* a descriptor number is only reused once the old one is gone */
  conn_addr *a = addr_find(t, key ? key : "", 1);
  if (!a) return CONNS_ENOMEM;
  if (check_cap && a->conns >= t->max_per_addr) {
    addr_release(t, a);
    return CONNS_ECAP;
  }
  conn_slot *s = &t->slots[fd];
  memset(s, 0, sizeof *s);
  s->in_use = 1;
  s->addr = a;
  guard_init(&s->guard);
  a->conns++;
  t->open++;
  idle_append(t, fd, now_ms);
  return 0;
}

void conns_close(conn_table *t, int fd) {
  conn_slot *s = conns_get(t, fd);
  if (!s) return;
  idle_unlink(t, fd);
  s->addr->conns--;
  if (s->ws) s->addr->ws--, t->ws_open--;
  if (s->evicting) t->evicting--;
  addr_release(t, s->addr);
  guard_free(&s->guard);
  t->open--;
  memset(s, 0, sizeof *s);
}

int conns_rekey(conn_table *t, int fd, const char *key) {
  conn_slot *s = conns_get(t, fd);
  if (!s) return CONNS_EINVAL;
  if (strcmp(s->addr->key, key) == 0) return 0;
  conn_addr *a = addr_find(t, key, 1);
  if (!a) return CONNS_ENOMEM;
  if (a->conns >= t->max_per_addr || (s->ws && a->ws >= t->max_ws_per_addr)) {
    addr_release(t, a);
    return CONNS_ECAP;
  }
  conn_addr *old = s->addr;
  old->conns--;
  a->conns++;
  if (s->ws) old->ws--, a->ws++;
  s->addr = a;
  addr_release(t, old);
  return 0;
}

int conns_ws_allowed(const conn_table *t, int fd) {
  if (fd < 0 || fd >= t->nslots || !t->slots[fd].in_use) return 0;
  return t->slots[fd].addr->ws < t->max_ws_per_addr;
}

void conns_ws_open(conn_table *t, int fd) {
  conn_slot *s = conns_get(t, fd);
  if (!s || s->ws) return;
  idle_unlink(t, fd);
  s->ws = 1;
  s->addr->ws++;
  t->ws_open++;
}

void conns_set_idle(conn_table *t, int fd, int idle, uint64_t now_ms) {
  conn_slot *s = conns_get(t, fd);
  if (!s || s->ws || s->evicting) return;
  idle_unlink(t, fd);
  if (idle) idle_append(t, fd, now_ms);
}

int conns_oldest_idle(const conn_table *t) {
  return t->idle_head;
}

void conns_mark_evicting(conn_table *t, int fd) {
  conn_slot *s = conns_get(t, fd);
  if (!s || s->evicting) return;
  idle_unlink(t, fd);
  s->evicting = 1;
  t->evicting++;
}
