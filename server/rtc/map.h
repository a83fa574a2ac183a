/* map: a small open-addressing hash table from short byte strings (ICE ufrags, UDP addresses)
 * to pointers, owned by one thread (a media worker). Keys are copied in; values are the
 * caller's. Capacity is fixed at creation, so nothing allocates on the packet path. */
#ifndef BZ_RTC_MAP_H
#define BZ_RTC_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RTC_MAP_KEY_MAX 64

typedef struct rtc_map rtc_map;

/* Holds up to `max_entries` keys. NULL when out of memory. */
rtc_map *rtc_map_create(size_t max_entries);
void rtc_map_destroy(rtc_map *m);
/* 0, -1 when full or the key is empty / longer than RTC_MAP_KEY_MAX. Replaces an existing
 * key's value. */
int rtc_map_put(rtc_map *m, const void *key, size_t len, void *value);
void *rtc_map_get(const rtc_map *m, const void *key, size_t len);
/* Removes the key if present (values are not touched). */
void rtc_map_del(rtc_map *m, const void *key, size_t len);
size_t rtc_map_count(const rtc_map *m);

/* The key of an AF_INET / AF_INET6 address: family, port, address bytes. Returns its length
 * (at most 19), 0 for another family. */
size_t rtc_addr_key(const struct sockaddr *sa, uint8_t out[19]);
/* 1 when both are the same family, address and port. */
int rtc_addr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* "1.2.3.4:5" / "[::1]:5" into buf (at least 64 bytes). */
const char *rtc_addr_str(const struct sockaddr *sa, char *buf, size_t cap);

#endif
