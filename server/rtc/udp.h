/* udp: a media worker's UDP socket with batched receive and send.
 *
 * On Linux one recvmmsg call fills up to UDP_BATCH datagrams and one sendmmsg call sends up to
 * UDP_BATCH; elsewhere the same interface loops over recvfrom / sendto. The buffers live in
 * the structs (allocated once per worker), so the packet path never allocates. A datagram the
 * kernel refuses to send (a full socket buffer) is dropped and counted, as UDP would. */
#ifndef BZ_RTC_UDP_H
#define BZ_RTC_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDP_BATCH 32
#define UDP_SLOT 2048 /* bytes per datagram buffer; longer datagrams arrive truncated */

typedef struct udp_rx {
  uint8_t buf[UDP_BATCH][UDP_SLOT];
  size_t len[UDP_BATCH];
  int truncated[UDP_BATCH]; /* 1 = longer than UDP_SLOT: to be dropped */
  struct sockaddr_storage from[UDP_BATCH];
} udp_rx;

typedef struct udp_tx {
  uint8_t buf[UDP_BATCH][UDP_SLOT];
  size_t len[UDP_BATCH];
  struct sockaddr_storage to[UDP_BATCH];
  int n; /* queued */
  uint64_t sent, dropped, bytes_sent;
} udp_tx;

/* A non-blocking UDP socket bound to host:port (an IPv4 or IPv6 literal; "::" is dual stack;
 * port 0 = any). Returns the fd (>= 0) and the bound port in *bound, or -errno. */
int udp_open(const char *host, int port, int *bound);
/* Receives up to UDP_BATCH datagrams. Returns how many (0 when none is waiting), or -errno. */
int udp_recv_batch(int fd, udp_rx *rx);
/* Queues a copy of one datagram (flushing first when the queue is full). -1 when it is longer
 * than UDP_SLOT or the address is not AF_INET / AF_INET6. */
int udp_tx_push(int fd, udp_tx *tx, const void *p, size_t n, const struct sockaddr *to);
/* Zero-copy variant of push: the buffer (UDP_SLOT bytes) of the next datagram, to be filled
 * and then either committed or abandoned (by not committing). Flushes first when full. */
uint8_t *udp_tx_reserve(int fd, udp_tx *tx);
void udp_tx_commit(udp_tx *tx, size_t n, const struct sockaddr *to);
/* Sends everything queued; what the kernel refuses is counted in tx->dropped. */
void udp_tx_flush(int fd, udp_tx *tx);

#endif
