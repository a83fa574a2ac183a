/* The WebSocket half of net: /ws connections carried into sig, one sig_conn each.
 *
 * Inbound: fragments and read chunks are reassembled up to max_message_bytes; a bigger message
 * is discarded to its end and reported to sig as truncated (sig answers too_large, the
 * connection lives on). Outbound: sig's replies are copied into a bounded queue; a reply to an
 * idle connection whose socket takes data is written at once, otherwise each writable callback
 * writes as many queued frames as the socket takes (bounded per callback). Chat broadcasts
 * are droppable: a slow reader loses its oldest queued chat; a peer that lets must-deliver
 * frames overflow the queue is closed with 1008. A close asked for by sig is sent after
 * what is already queued. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/net_int.h"
#include "util/log.h"

/* After asking for a close, give the peer this long to take the close frame (a peer that does
 * not read never will); then libwebsockets drops the socket. */
#define CLOSE_GRACE_S 3

/* Most frames / payload bytes one writable callback writes before yielding to other sockets
 * (it asks for another callback for the rest). */
#define WS_BATCH_FRAMES 32
#define WS_BATCH_BYTES (256u * 1024u)

static void ws_request_close(net_sess *s, int code, const char *reason) {
  net_ws *w = &s->ws;
  if (w->closing || !w->wsi) return;
  w->closing = 1;
  w->close_code = code;
  snprintf(w->close_reason, sizeof w->close_reason, "%s", reason ? reason : "");
  lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_GRACE_S);
  lws_callback_on_writable(w->wsi);
}

/* Fast path for the common case of one reply in an idle connection: when the frame just queued
 * is the only one and the socket takes data now, write it at once. Waiting for a writable
 * callback instead costs a loop iteration and two epoll_ctl calls per message, and delays every
 * reply of a burst of reads until all of them were handled. lws buffers a partial write itself
 * (and then reports the pipe choked, so later frames queue). Only for an established
 * connection (w->conn set) that is not closing (tp_send checks ours, peer_closed the peer's).
 * Returns 1 if the frame was taken (a failed write starts the close). */
static int ws_write_now(net_sess *s) {
  net_ws *w = &s->ws;
  ws_sendq_item *it = ws_sendq_peek(&w->tx);
  if (!w->conn || w->peer_closed || w->tx.count != 1 || lws_send_pipe_choked(w->wsi)) return 0;
  size_t len = it->len;
  int n = lws_write(w->wsi, it->data + w->tx.pre, len, LWS_WRITE_TEXT);
  ws_sendq_pop(&w->tx);
  net_server *srv = net__server(w->wsi);
  srv->ws_frames_sent++;
  srv->ws_direct_writes++;
  if (n < 0) ws_request_close(s, 1011, "write failed");
  return 1;
}

/* sig_transport.send. Chat broadcasts are droppable: a receiver that falls behind loses its
 * oldest queued chat (see ws_buf.h) instead of being closed; only a must-deliver frame that
 * does not fit closes it. Returns the droppable frames this receiver lost in this call. */
static int tp_send(void *user, const char *text, size_t len, int cls) {
  net_sess *s = user;
  net_ws *w = &s->ws;
  /* Closing, or the whole server is going down (sig may still announce departures then). */
  if (!w->wsi || w->closing || net__server(w->wsi)->closing) return 0;
  uint64_t dropped = w->tx.dropped;
  int rc = ws_sendq_push_class(&w->tx, text, len,
                               cls == SIG_TX_DROPPABLE ? WS_FRAME_DROPPABLE : WS_FRAME_MUST);
  int lost = (int)(w->tx.dropped - dropped);
  if (lost && dropped == 0)
    BZ_INFO("ws_chat_dropped", "peer=%s queued_msgs=%zu queued_bytes=%zu first_drop=1", w->peer,
            w->tx.count, w->tx.bytes);
  if (rc == WS_BUF_OK) {
    if (!ws_write_now(s)) lws_callback_on_writable(w->wsi);
    return lost;
  }
  if (rc == WS_BUF_DROPPED) return lost; /* nothing new to write */
  net_server *srv = net__server(w->wsi);
  srv->ws_sendq_overflows++;
  BZ_WARN("ws_overflow", "peer=%s queued_msgs=%zu queued_bytes=%zu reason=%s", w->peer, w->tx.count,
          w->tx.bytes, rc == WS_BUF_EFULL ? "send_queue_full" : "out_of_memory");
  ws_sendq_free(&w->tx); /* nothing queued matters any more: get the close frame out */
  ws_request_close(s, 1008, "send queue overflow");
  return lost;
}

/* sig_transport.close */
static void tp_close(void *user, int code, const char *reason) {
  ws_request_close(user, code, reason);
}

static uint64_t clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
static uint64_t tp_now_ms(void *ctx_user) {
  (void)ctx_user;
  return clock_ms(CLOCK_MONOTONIC);
}
static uint64_t tp_wall_ms(void *ctx_user) {
  (void)ctx_user;
  return clock_ms(CLOCK_REALTIME);
}

void net_transport(sig_transport *tp, uv_loop_t *loop) {
  memset(tp, 0, sizeof *tp);
  tp->send = tp_send;
  tp->close = tp_close;
  tp->now_ms = tp_now_ms;
  tp->wall_ms = tp_wall_ms;
  tp->ctx_user = loop;
}

/* Only /ws upgrades; anything else asking for a WebSocket is refused. So is one over its
 * address's WebSocket cap (on plain connections net_rx.c has already answered that one with
 * 429; this catches TLS connections, whose heads it cannot read). */
static int ws_filter(struct lws *wsi) {
  char uri[16];
  int n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
  if (!(n == 3 && memcmp(uri, "/ws", 3) == 0)) return 1;
  return net__front_ws_allowed(wsi) ? 0 : 1;
}

static int ws_established(struct lws *wsi, net_sess *s) {
  net_server *srv = net__server(wsi);
  net_ws *w = &s->ws;
  memset(w, 0, sizeof *w);
  w->wsi = wsi;
  /* The address the caps count: with --trust-proxy the client behind the proxy. */
  net__front_peer(wsi, w->peer, sizeof w->peer);
  ws_reasm_init(&w->rx, srv->max_message_bytes);
  ws_sendq_init(&w->tx, srv->sendq_max_msgs, srv->sendq_max_bytes, LWS_PRE);
  if (srv->closing) return -1;
  w->conn = sig_conn_open(srv->sig, s);
  if (!w->conn) {
    BZ_ERROR("ws_open_failed", "peer=%s reason=out_of_memory", w->peer);
    return -1;
  }
  sig_conn_set_addr(w->conn, w->peer); /* per-address password budget */
  net__front_ws_open(wsi); /* counted against its address; never evicted as idle */
  srv->ws_accepted++;
  srv->ws_open++;
  BZ_INFO("ws_open", "peer=%s tls=%d", w->peer, srv->tls);
  return 0;
}

static int ws_receive(struct lws *wsi, net_sess *s, const void *in, size_t len) {
  net_ws *w = &s->ws;
  if (!w->conn || w->closing) return 0; /* closing: the peer's late messages are moot */
  int final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
  const uint8_t *msg = NULL;
  size_t n = 0;
  int truncated = 0;
  int rc = ws_reasm_feed(&w->rx, in, len, final, &msg, &n, &truncated);
  if (rc < 0) {
    ws_request_close(s, 1011, "out of memory");
    return 0;
  }
  if (rc == 1) {
    static const uint8_t empty[1] = {0};
    sig_conn_message(w->conn, msg ? msg : empty, n, truncated);
  }
  return 0;
}

/* Writes queued frames while the socket takes them. The callback itself means the socket is
 * writable, so the first frame goes without asking; before each further one,
 * lws_send_pipe_choked() asks (one poll(2)), and it also reports choked while lws holds the
 * unsent tail of a partially written frame, when writing another frame is not allowed. The
 * batch is bounded so one busy peer cannot hold the loop. Returns frames written, -1 on a
 * write error. Batching is the point: one writable callback per frame made libuv switch
 * POLLOUT on and off (two epoll_ctl calls) per message. */
static int ws_drain(struct lws *wsi, net_ws *w) {
  int frames = 0;
  size_t bytes = 0;
  ws_sendq_item *it;
  while ((it = ws_sendq_peek(&w->tx)) != NULL) {
    if (frames >= WS_BATCH_FRAMES || bytes >= WS_BATCH_BYTES) break;
    if (frames > 0 && lws_send_pipe_choked(wsi)) break;
    size_t len = it->len;
    int n = lws_write(wsi, it->data + w->tx.pre, len, LWS_WRITE_TEXT);
    ws_sendq_pop(&w->tx);
    if (n < 0) return -1;
    frames++;
    bytes += len;
  }
  return frames;
}

/* Queued frames first; the close goes out in a later callback, once the queue is empty. */
static int ws_writeable(struct lws *wsi, net_sess *s) {
  net_ws *w = &s->ws;
  if (ws_sendq_peek(&w->tx)) {
    int n = ws_drain(wsi, w);
    if (n < 0) return -1;
    net__server(wsi)->ws_frames_sent += (uint64_t)n;
    net__server(wsi)->ws_write_batches++;
    if (ws_sendq_peek(&w->tx) || w->closing) lws_callback_on_writable(wsi);
    return 0;
  }
  if (w->closing && !w->close_started) {
    w->close_started = 1;
    BZ_DEBUG("ws_send_close", "peer=%s code=%d", w->peer, w->close_code);
    lws_close_reason(wsi, (enum lws_close_status)w->close_code, (unsigned char *)w->close_reason,
                     strlen(w->close_reason));
    /* The peer already started the closing handshake: lws finishes it. (lws' polite path
     * below would free the wsi right away in that state, under our feet.) */
    if (w->peer_closed) return -1;
    /* Returning -1 here would drop the socket without the close frame (lws 4.1 treats a
     * failed writable as a dead socket). A synchronous "kill" instead takes lws' polite path:
     * it sends the close frame with the reason set above on the next writable, waits for the
     * peer's answer, then closes. The wsi stays valid until then. */
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
  }
  return 0;
}

static int ws_closed(struct lws *wsi, net_sess *s) {
  net_server *srv = net__server(wsi);
  net_ws *w = &s->ws;
  if (w->conn) {
    sig_conn_closed(w->conn);
    w->conn = NULL;
    srv->ws_open--;
    BZ_INFO("ws_close", "peer=%s code=%d by=%s", w->peer, w->closing ? w->close_code : w->peer_code,
            w->closing ? "server" : "peer");
  }
  w->wsi = NULL;
  ws_reasm_free(&w->rx);
  ws_sendq_free(&w->tx);
  return 0;
}

int net__ws_callback(struct lws *wsi, enum lws_callback_reasons reason, net_sess *s, void *in,
                     size_t len) {
  switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return ws_filter(wsi);
    case LWS_CALLBACK_ESTABLISHED:
      return ws_established(wsi, s);
    case LWS_CALLBACK_RECEIVE:
      return ws_receive(wsi, s, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
      return ws_writeable(wsi, s);
    case LWS_CALLBACK_CLOSED:
      return ws_closed(wsi, s);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      s->ws.peer_closed = 1;
      if (in && len >= 2) {
        const uint8_t *b = in;
        s->ws.peer_code = b[0] << 8 | b[1];
      }
      return 0;
    default:
      return 0;
  }
}
