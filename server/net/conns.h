/* conns: every open client connection, indexed by its descriptor, with per-address counts
 * (connections and WebSockets) and the list of idle connections, oldest first.
 *
 * "Idle" means the connection holds no request in progress and no WebSocket: it is waiting
 * for (the rest of) a request head, or for the next request of a keep-alive. Those are the
 * connections buzzd closes first when it runs out of room (see front.c). Pure and
 * socket-free; the caller passes the time and keeps `wsi` opaque. */
#ifndef BZ_CONNS_H
#define BZ_CONNS_H

#include <stddef.h>
#include <stdint.h>

#include "net/guard.h"

#define CONNS_KEY_MAX 64 /* an address as text: an IPv6 literal fits */

enum { CONNS_OK = 0, CONNS_ENOMEM = -1, CONNS_EINVAL = -2, CONNS_ECAP = -3 };

typedef struct conn_addr {
  char key[CONNS_KEY_MAX];
  int conns, ws;
  struct conn_addr *next; /* hash chain */
} conn_addr;

typedef struct conn_slot {
  int in_use;
  int tls;      /* read through SSL_read (net_rx.c guards both kinds) */
  int ws;       /* counted as a WebSocket of its address */
  int evicting; /* asked to close to make room; not yet gone */
  void *wsi;    /* the libwebsockets connection, NULL until bound */
  conn_addr *addr;
  int idle;
  uint64_t idle_since;      /* ms, while idle */
  int idle_prev, idle_next; /* descriptors on the idle list, -1 at its ends */
  net_guard guard;
} conn_slot;

typedef struct conn_table {
  conn_slot *slots; /* nslots, indexed by descriptor */
  int nslots;
  conn_addr **buckets;
  size_t nbuckets;
  int open, ws_open, evicting;
  int idle_head, idle_tail; /* oldest idle at the head */
  int max_per_addr, max_ws_per_addr;
} conn_table;

/* nslots: one past the highest descriptor that can be open (RLIMIT_NOFILE). */
int conns_init(conn_table *t, int nslots, int max_per_addr, int max_ws_per_addr);
/* Frees the table; every slot's guard too. */
void conns_free(conn_table *t);

/* Records a new connection on fd from address `key`, idle since now_ms. With check_cap, fails
 * with CONNS_ECAP when the address already has max_per_addr connections. */
int conns_open(conn_table *t, int fd, const char *key, uint64_t now_ms, int check_cap);
/* Forgets fd (no-op when not open). */
void conns_close(conn_table *t, int fd);
/* The slot of an open fd, or NULL. */
conn_slot *conns_get(conn_table *t, int fd);
/* Moves fd to another address (the client behind a trusted proxy). CONNS_ECAP when that
 * address is at its cap (fd keeps its address then). */
int conns_rekey(conn_table *t, int fd, const char *key);
/* 1 when fd's address may open another WebSocket. */
int conns_ws_allowed(const conn_table *t, int fd);
/* Counts fd as a WebSocket of its address (and not idle any more). */
void conns_ws_open(conn_table *t, int fd);
/* Marks fd idle (on the list, since now_ms) or busy (off it). */
void conns_set_idle(conn_table *t, int fd, int idle, uint64_t now_ms);
/* The descriptor idle longest, or -1. */
int conns_oldest_idle(const conn_table *t);
/* fd was asked to close to make room: off the idle list, counted in t->evicting until it
 * closes. */
void conns_mark_evicting(conn_table *t, int fd);

#endif
