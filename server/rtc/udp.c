/* Batched UDP I/O (see udp.h). */
#include "rtc/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

static socklen_t addr_len(const struct sockaddr *sa) {
  return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int udp_open(const char *host, int port, int *bound) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
  if (port < 0 || port > 65535) return -EINVAL;
  if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
  } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
  } else {
    return -EINVAL;
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int off = 0, buf = 4 << 20;
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  /* Larger socket buffers absorb bursts (a keyframe is dozens of packets); the kernel caps
   * them at net.core.[rw]mem_max without failing. */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (bind(fd, (struct sockaddr *)&ss, addr_len((struct sockaddr *)&ss)) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  socklen_t sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  *bound = ntohs(ss.ss_family == AF_INET6 ? s6->sin6_port : s4->sin_port);
  return fd;
}

#ifdef __linux__
int udp_recv_batch(int fd, udp_rx *rx) {
  struct mmsghdr msgs[UDP_BATCH];
  struct iovec iov[UDP_BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < UDP_BATCH; i++) {
    iov[i].iov_base = rx->buf[i];
    iov[i].iov_len = UDP_SLOT;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &rx->from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof rx->from[i];
  }
  int n = recvmmsg(fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
  for (int i = 0; i < n; i++) {
    rx->len[i] = msgs[i].msg_len;
    rx->truncated[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
  }
  return n;
}

void udp_tx_flush(int fd, udp_tx *tx) {
  struct mmsghdr msgs[UDP_BATCH];
  struct iovec iov[UDP_BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < tx->n; i++) {
    iov[i].iov_base = tx->buf[i];
    iov[i].iov_len = tx->len[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &tx->to[i];
    msgs[i].msg_hdr.msg_namelen = addr_len((struct sockaddr *)&tx->to[i]);
  }
  int done = 0;
  while (done < tx->n) {
    int k = sendmmsg(fd, msgs + done, (unsigned)(tx->n - done), MSG_DONTWAIT);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      /* A full buffer (EAGAIN) or an error on the first datagram (say, an unreachable
       * address): drop that one and carry on with the rest. */
      tx->dropped++;
      done++;
      continue;
    }
    for (int i = done; i < done + k; i++) tx->bytes_sent += tx->len[i];
    tx->sent += (uint64_t)k;
    done += k;
  }
  tx->n = 0;
}
#else
int udp_recv_batch(int fd, udp_rx *rx) {
  int n = 0;
  for (; n < UDP_BATCH; n++) {
    socklen_t sl = sizeof rx->from[n];
    ssize_t k = recvfrom(fd, rx->buf[n], UDP_SLOT, 0, (struct sockaddr *)&rx->from[n], &sl);
    if (k < 0) break;
    rx->len[n] = (size_t)k;
    rx->truncated[n] = 0;
  }
  return n;
}

void udp_tx_flush(int fd, udp_tx *tx) {
  for (int i = 0; i < tx->n; i++) {
    const struct sockaddr *to = (const struct sockaddr *)&tx->to[i];
    if (sendto(fd, tx->buf[i], tx->len[i], 0, to, addr_len(to)) < 0) {
      tx->dropped++;
    } else {
      tx->sent++;
      tx->bytes_sent += tx->len[i];
    }
  }
  tx->n = 0;
}
#endif

uint8_t *udp_tx_reserve(int fd, udp_tx *tx) {
  if (tx->n == UDP_BATCH) udp_tx_flush(fd, tx);
  return tx->buf[tx->n];
}

void udp_tx_commit(udp_tx *tx, size_t n, const struct sockaddr *to) {
  if (tx->n == UDP_BATCH || n > UDP_SLOT || (to->sa_family != AF_INET && to->sa_family != AF_INET6))
    return;
  tx->len[tx->n] = n;
  memset(&tx->to[tx->n], 0, sizeof tx->to[tx->n]);
  memcpy(&tx->to[tx->n], to, addr_len(to));
  tx->n++;
}

int udp_tx_push(int fd, udp_tx *tx, const void *p, size_t n, const struct sockaddr *to) {
  if (n > UDP_SLOT || (to->sa_family != AF_INET && to->sa_family != AF_INET6)) return -1;
  if (tx->n == UDP_BATCH) udp_tx_flush(fd, tx);
  memcpy(tx->buf[tx->n], p, n);
  tx->len[tx->n] = n;
  memset(&tx->to[tx->n], 0, sizeof tx->to[tx->n]);
  memcpy(&tx->to[tx->n], to, addr_len(to));
  tx->n++;
  return 0;
}
