/* Read-path inspection of plain connections (see guard.h). */
#include "net/guard.h"

#include <stdlib.h>
#include <string.h>

#define HELD_CAP (HEAD_MAX + 16)

void guard_init(net_guard *g) {
  memset(g, 0, sizeof *g);
}

void guard_free(net_guard *g) {
  free(g->held);
  guard_init(g);
}

size_t guard_prefix(net_guard *g, uint8_t *buf, size_t cap) {
  size_t k = g->held_n < cap ? g->held_n : cap;
  if (k) memcpy(buf, g->held, k);
  g->held_n = 0;
  return k;
}

static int hold(net_guard *g, const uint8_t *p, size_t n) {
  if (n > HELD_CAP) return -1;
  if (!g->held && !(g->held = malloc(HELD_CAP))) return -1;
  memmove(g->held, p, n);
  g->held_n = n;
  return 0;
}

/* Index just past the blank line ending a head in p[from..n), or 0 when there is none yet. */
static size_t find_end(const uint8_t *p, size_t n, size_t from) {
  for (size_t i = from; i + 1 < n; i++) {
    if (p[i] != '\n') continue;
    if (p[i + 1] == '\n') return i + 2;
    if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') return i + 3;
  }
  return 0;
}

/* Removes the dropped header lines from the head at p (and shifts what follows, up to *n).
 * Returns the new head length. Drops are recorded in ascending order. */
static size_t apply_drops(uint8_t *p, size_t *n, const http_head *h) {
  size_t removed = 0;
  for (int k = 0; k < h->ndrop; k++) {
    size_t at = h->drop_off[k] - removed, len = h->drop_len[k];
    memmove(p + at, p + at + len, *n - at - len);
    *n -= len;
    removed += len;
  }
  return h->len - removed;
}

/* One step in GUARD_HEAD over p[0..n). Returns bytes passed on (a whole head), 0 when the head
 * is incomplete (held, *stop = 1), or -1 (out of memory). *n shrinks when lines are dropped. */
static long scan_head(net_guard *g, uint8_t *p, size_t *n, guard_head_fn fn, void *ctx,
                      int *verdict, http_head *h, int *stop) {
  if (!g->line_ok) {
    int rc = http_head_line(p, *n, h);
    if (rc < 0) return (*verdict = rc), (*stop = 1), 0;
    if (rc == HEAD_INCOMPLETE) return (*stop = 1), hold(g, p, *n) < 0 ? -1 : 0;
    g->line_ok = 1;
  }
  /* The blank line can only be in bytes not searched before (3 back for a split "\r\n\r\n"). */
  size_t from = g->scanned > 3 ? g->scanned - 3 : 0;
  /* Past the header limit, parse anyway: the answer is 431 even if the blank line never comes. */
  int rc = (find_end(p, *n, from) || *n > HEAD_FIELDS_MAX) ? http_head_parse(p, *n, h)
                                                           : HEAD_INCOMPLETE;
  if (rc == HEAD_INCOMPLETE && *n > HEAD_MAX) rc = HEAD_EFIELDS;
  if (rc == HEAD_INCOMPLETE) {
    g->scanned = *n;
    *stop = 1;
    return hold(g, p, *n) < 0 ? -1 : 0;
  }
  if (rc == HEAD_OK && fn) rc = fn(ctx, p, h);
  if (rc < 0) return (*verdict = rc), (*stop = 1), 0;
  size_t len = apply_drops(p, n, h);
  g->line_ok = 0;
  g->scanned = 0;
  g->phase = h->ws_upgrade ? GUARD_WS : h->body_len ? GUARD_BODY : GUARD_HEAD;
  g->body_left = h->body_len;
  return (long)len;
}

/* GUARD_WS over p[0..n): returns bytes passed on; a lone first header byte at the end is held. */
static long scan_frames(net_guard *g, uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (g->ws_left) {
      size_t take = g->ws_left < n - i ? (size_t)g->ws_left : n - i;
      i += take;
      g->ws_left -= take;
      continue;
    }
    if (g->ws_hn == 0) {
      if (n - i == 1) return hold(g, p + i, 1) < 0 ? -1 : (long)i;
      if (!(p[i + 1] & 0x80)) { /* unmasked: make lws refuse it (1002, "rsv bits") */
        p[i] |= 0x70;
        g->phase = GUARD_PASS;
        g->frames_refused++;
        return (long)n;
      }
      unsigned len7 = p[i + 1] & 0x7f;
      g->ws_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
    }
    g->ws_hdr[g->ws_hn++] = p[i++];
    if (g->ws_hn < g->ws_need) continue;
    unsigned len7 = g->ws_hdr[1] & 0x7f, ext = g->ws_need - 6;
    uint64_t len = len7;
    if (ext) {
      len = 0;
      for (unsigned k = 0; k < ext; k++) len = len << 8 | g->ws_hdr[2 + k];
    }
    g->ws_left = len;
    g->ws_hn = 0;
  }
  return (long)n;
}

long guard_scan(net_guard *g, uint8_t *buf, size_t n, guard_head_fn fn, void *ctx, int *verdict,
                http_head *h) {
  size_t off = 0;
  *verdict = 0;
  memset(h, 0, sizeof *h);
  while (off < n) {
    switch (g->phase) {
      case GUARD_HEAD: {
        size_t rest = n - off;
        int stop = 0;
        long k = scan_head(g, buf + off, &rest, fn, ctx, verdict, h, &stop);
        n = off + rest;
        if (k < 0) return -1;
        if (*verdict) {
          /* A refusal after heads passed on in this same read (pipelining) cannot be answered
           * in order: those answers are not written yet. Close instead. */
          if (off) *verdict = GUARD_ECLOSE;
          g->phase = GUARD_DEAD;
          return (long)off;
        }
        off += (size_t)k;
        if (stop) return (long)off;
        break;
      }
      case GUARD_BODY: {
        size_t take = g->body_left < n - off ? (size_t)g->body_left : n - off;
        off += take;
        g->body_left -= take;
        if (!g->body_left) g->phase = GUARD_HEAD;
        break;
      }
      case GUARD_WS: {
        long k = scan_frames(g, buf + off, n - off);
        return k < 0 ? -1 : (long)off + k;
      }
      case GUARD_PASS:
        return (long)n;
      case GUARD_DEAD:
        return (long)off;
    }
  }
  return (long)off;
}
