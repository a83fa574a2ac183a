/* One media worker: its thread, loop, inbox and UDP packet path (see rtc.h, rtc_int.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtc/demux.h"
#include "rtc/rtc_int.h"
#include "util/log.h"

#define TICK_MS 250        /* consent and DTLS retransmission checks */
#define BATCHES_PER_WAKE 8 /* receive batches per readable event before yielding to timers */

uint64_t rtc__now_ms(rtc__worker *w) {
  return uv_now(&w->loop);
}

static void close_all(rtc__worker *w) {
  rtc__transport_destroy_all(w);
  uv_poll_stop(&w->poll);
  uv_timer_stop(&w->tick);
  uv_timer_stop(&w->cc_timer);
  uv_close((uv_handle_t *)&w->cc_timer, NULL);
  uv_close((uv_handle_t *)&w->poll, NULL);
  uv_close((uv_handle_t *)&w->tick, NULL);
  uv_close((uv_handle_t *)&w->wake, NULL);
}

static void inbox_cb(uv_async_t *a) {
  rtc__worker *w = a->data;
  rtc__msg *m = rtc__queue_take_all(&w->inbox);
  int stop = 0;
  while (m) {
    rtc__msg *next = m->next;
    switch (m->type) {
      case MSG_STOP:
        stop = 1;
        break;
      case MSG_TRANSPORT_ADD:
        if (!stop && rtc__transport_add(w, m->id, &m->params) < 0) {
          rtc_event ev = {.type = RTC_EV_TRANSPORT_REJECTED, .transport_id = m->id};
          rtc__emit(w, &ev);
        }
        break;
      case MSG_TRANSPORT_REMOVE:
        rtc__transport_remove(w, m->id);
        break;
      case MSG_TRANSPORT_RECV:
      case MSG_TRANSPORT_SEND:
        rtc__transport_recv(w, m->id, m->ssrcs, m->n_ssrcs, m->type == MSG_TRANSPORT_SEND);
        if (m->type == MSG_TRANSPORT_RECV)
          rtc__transport_maps(w, m->id, m->has_maps ? m->maps : NULL, m->n_ssrcs);
        break;
      case MSG_TRANSPORT_AUDIO:
        rtc__speaker_set(w, m->id, m->audio_ssrc, m->audio_ext);
        break;
      case MSG_TRANSPORT_SIMULCAST:
      case MSG_TRANSPORT_VIEW:
        rtc__sim_command(w, m);
        break;
    }
    free(m);
    m = next;
  }
  if (stop) close_all(w);
}

static void handle_datagram(rtc__worker *w, uint8_t *p, size_t n, const struct sockaddr *from) {
  switch (rtc_demux(p, n)) {
    case RTC_PKT_STUN:
      rtc__count(&w->c.stun_in, 1);
      rtc__on_stun(w, p, n, from);
      break;
    case RTC_PKT_DTLS:
      rtc__count(&w->c.dtls_in, 1);
      rtc__on_dtls(w, p, n, from);
      break;
    case RTC_PKT_RTP:
      rtc__count(&w->c.rtp_in, 1);
      rtc__on_srtp(w, p, n, from, 0);
      break;
    case RTC_PKT_RTCP:
      rtc__count(&w->c.rtcp_in, 1);
      rtc__on_srtp(w, p, n, from, 1);
      break;
    default:
      rtc__count(&w->c.unknown_in, 1);
      break;
  }
}

static void flush_tx(rtc__worker *w) {
  uint64_t sent = w->tx->sent, bytes = w->tx->bytes_sent, dropped = w->tx->dropped;
  udp_tx_flush(w->fd, w->tx);
  rtc__count(&w->c.tx_packets, w->tx->sent - sent);
  rtc__count(&w->c.tx_bytes, w->tx->bytes_sent - bytes);
  rtc__count(&w->c.tx_dropped, w->tx->dropped - dropped);
}

static void readable_cb(uv_poll_t *h, int status, int events) {
  rtc__worker *w = h->data;
  if (status < 0 || !(events & UV_READABLE)) return;
  for (int b = 0; b < BATCHES_PER_WAKE; b++) {
    int n = udp_recv_batch(w->fd, w->rx);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) {
      rtc__count(&w->c.rx_packets, 1);
      rtc__count(&w->c.rx_bytes, w->rx->len[i]);
      if (w->rx->truncated[i]) {
        rtc__count(&w->c.unknown_in, 1);
        continue;
      }
      handle_datagram(w, w->rx->buf[i], w->rx->len[i], (struct sockaddr *)&w->rx->from[i]);
    }
    flush_tx(w);
    if (n < UDP_BATCH) break;
  }
  flush_tx(w);
}

static void cc_cb(uv_timer_t *t) {
  rtc__worker *w = t->data;
  rtc__cc_flush(w);
  flush_tx(w);
}

static void tick_cb(uv_timer_t *t) {
  rtc__worker *w = t->data;
  rtc__transport_tick(w, rtc__now_ms(w));
  rtc__speaker_tick(w);
  flush_tx(w);
}

int rtc__worker_init(rtc__worker *w, rtc *owner, int index, int fd, int port) {
  memset(w, 0, sizeof *w);
  w->owner = owner;
  w->index = index;
  w->fd = fd;
  w->port = port;
  size_t max =
      owner->o.max_transports_per_worker ? (size_t)owner->o.max_transports_per_worker : 4096;
  w->rx = malloc(sizeof *w->rx);
  w->stop_msg = calloc(1, sizeof *w->stop_msg);
  w->tx = calloc(1, sizeof *w->tx);
  w->by_ufrag = rtc_map_create(max);
  w->by_id = rtc_map_create(max);
  w->by_room = rtc_map_create(max);
  w->by_addr = rtc_map_create(max * ICE_MAX_ADDRS);
  if (!w->rx || !w->tx || !w->stop_msg || !w->by_ufrag || !w->by_id || !w->by_addr || !w->by_room ||
      rtc__queue_init(&w->inbox) < 0)
    goto fail;
  if (uv_loop_init(&w->loop) < 0) {
    rtc__queue_free(&w->inbox);
    goto fail;
  }
  /* Handles are made here, on the control thread, before the worker's thread exists; from
   * uv_thread_create on only the worker touches its loop (uv_async_send is thread-safe). */
  uv_async_init(&w->loop, &w->wake, inbox_cb);
  uv_poll_init(&w->loop, &w->poll, fd);
  uv_timer_init(&w->loop, &w->tick);
  w->wake.data = w->poll.data = w->tick.data = w;
  uv_poll_start(&w->poll, UV_READABLE, readable_cb);
  uv_timer_start(&w->tick, tick_cb, TICK_MS, TICK_MS);
  uv_timer_init(&w->loop, &w->cc_timer);
  w->cc_timer.data = w;
  uv_timer_start(&w->cc_timer, cc_cb, RTC_CC_FB_MS, RTC_CC_FB_MS);
  w->fd_owned = 1;
  return 0;
fail:
  rtc_map_destroy(w->by_ufrag);
  rtc_map_destroy(w->by_id);
  rtc_map_destroy(w->by_addr);
  rtc_map_destroy(w->by_room);
  free(w->rx);
  free(w->tx);
  free(w->stop_msg);
  memset(w, 0, sizeof *w);
  return RTC_ENOMEM;
}

static void thread_main(void *arg) {
  rtc__worker *w = arg;
  uv_run(&w->loop, UV_RUN_DEFAULT);
}

int rtc__worker_start(rtc__worker *w) {
  if (uv_thread_create(&w->thread, thread_main, w) != 0) return RTC_ETHREAD;
  w->thread_started = 1;
  return 0;
}

void rtc__worker_post(rtc__worker *w, rtc__msg *m) {
  rtc__queue_push(&w->inbox, m);
  uv_async_send(&w->wake);
}

void rtc__worker_stop_join(rtc__worker *w) {
  if (!w->fd_owned) return; /* never initialised */
  if (w->thread_started) {
    w->stop_msg->type = MSG_STOP;
    rtc__worker_post(w, w->stop_msg); /* the worker frees it */
    uv_thread_join(&w->thread);
  } else {
    free(w->stop_msg);
    close_all(w);
  }
  w->stop_msg = NULL;
  /* The loop has returned (or never ran): run the close callbacks out here. */
  uv_run(&w->loop, UV_RUN_NOWAIT);
  if (uv_loop_close(&w->loop) != 0) BZ_WARN("rtc_worker_stop", "worker=%d loop_busy=1", w->index);
  rtc__queue_free(&w->inbox);
  close(w->fd);
  rtc_map_destroy(w->by_ufrag);
  rtc_map_destroy(w->by_id);
  rtc_map_destroy(w->by_addr);
  rtc_map_destroy(w->by_room);
  free(w->rx);
  free(w->tx);
  w->fd_owned = 0;
}
