/* Open-addressing hash table with tombstones (see map.h). */
#include "rtc/map.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
  uint8_t state; /* 0 empty, 1 used, 2 deleted */
  uint8_t len;
  uint8_t key[RTC_MAP_KEY_MAX];
  void *value;
} slot;

struct rtc_map {
  slot *slots;
  size_t cap;              /* power of two, at least twice max */
  size_t max, count, used; /* used = count + tombstones */
};

/* FNV-1a: short keys, one thread, no adversarial flooding concern beyond the fixed bound
 * (a full table refuses new keys, it never grows). */
static uint64_t hash(const uint8_t *k, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ k[i]) * 1099511628211ull;
  return h;
}

rtc_map *rtc_map_create(size_t max_entries) {
  if (max_entries == 0 || max_entries > ((size_t)1 << 24)) return NULL;
  rtc_map *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  size_t cap = 16;
  while (cap < 2 * max_entries) cap <<= 1;
  m->slots = calloc(cap, sizeof *m->slots);
  if (!m->slots) {
    free(m);
    return NULL;
  }
  m->cap = cap;
  m->max = max_entries;
  return m;
}

void rtc_map_destroy(rtc_map *m) {
  if (!m) return;
  free(m->slots);
  free(m);
}

static slot *find(const rtc_map *m, const uint8_t *key, size_t len) {
  size_t mask = m->cap - 1, i = hash(key, len) & mask;
  for (size_t probes = 0; probes < m->cap; probes++, i = (i + 1) & mask) {
    slot *s = &m->slots[i];
    if (s->state == 0) return NULL;
    if (s->state == 1 && s->len == len && memcmp(s->key, key, len) == 0) return s;
  }
  return NULL;
}

/* Drops tombstones by reinserting every live key (in place, through a copy). */
static int rehash(rtc_map *m) {
  slot *old = m->slots;
  slot *fresh = calloc(m->cap, sizeof *fresh);
  if (!fresh) return -1;
  m->slots = fresh;
  m->used = m->count = 0;
  for (size_t i = 0; i < m->cap; i++)
    if (old[i].state == 1) rtc_map_put(m, old[i].key, old[i].len, old[i].value);
  free(old);
  return 0;
}

int rtc_map_put(rtc_map *m, const void *key, size_t len, void *value) {
  if (!m || !key || len == 0 || len > RTC_MAP_KEY_MAX) return -1;
  slot *s = find(m, key, len);
  if (s) {
    s->value = value;
    return 0;
  }
  if (m->count >= m->max) return -1;
  if (m->used + 1 > m->cap * 3 / 4 && rehash(m) < 0) return -1;
  size_t mask = m->cap - 1, i = hash(key, len) & mask;
  while (m->slots[i].state == 1) i = (i + 1) & mask;
  s = &m->slots[i];
  if (s->state == 0) m->used++;
  s->state = 1;
  s->len = (uint8_t)len;
  memcpy(s->key, key, len);
  s->value = value;
  m->count++;
  return 0;
}

void *rtc_map_get(const rtc_map *m, const void *key, size_t len) {
  if (!m || !key || len == 0 || len > RTC_MAP_KEY_MAX) return NULL;
  slot *s = find(m, key, len);
  return s ? s->value : NULL;
}

void rtc_map_del(rtc_map *m, const void *key, size_t len) {
  if (!m || !key || len == 0 || len > RTC_MAP_KEY_MAX) return;
  slot *s = find(m, key, len);
  if (!s) return;
  s->state = 2;
  s->value = NULL;
  m->count--;
}

size_t rtc_map_count(const rtc_map *m) {
  return m ? m->count : 0;
}

size_t rtc_addr_key(const struct sockaddr *sa, uint8_t out[19]) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
    out[0] = 4;
    memcpy(out + 1, &s->sin_port, 2);
    memcpy(out + 3, &s->sin_addr, 4);
    return 7;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
    out[0] = 6;
    memcpy(out + 1, &s->sin6_port, 2);
    memcpy(out + 3, &s->sin6_addr, 16);
    return 19;
  }
  return 0;
}

int rtc_addr_equal(const struct sockaddr *a, const struct sockaddr *b) {
  uint8_t ka[19], kb[19];
  size_t na = rtc_addr_key(a, ka), nb = rtc_addr_key(b, kb);
  return na && na == nb && memcmp(ka, kb, na) == 0;
}

const char *rtc_addr_str(const struct sockaddr *sa, char *buf, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &s->sin_addr, ip, sizeof ip);
    port = ntohs(s->sin_port);
    snprintf(buf, cap, "%s:%d", ip, port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof ip);
    port = ntohs(s->sin6_port);
    snprintf(buf, cap, "[%s]:%d", ip, port);
  } else {
    snprintf(buf, cap, "?");
  }
  return buf;
}
