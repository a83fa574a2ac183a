/* libFuzzer target for the pure HTTP/WebSocket input handling of server/net.
 *
 * Input layout: byte 0 picks the flags (bit 0: percent-decode, bits 1-2: method), the rest is
 * split at the first '\n' into a request path and a header value. The path goes through
 * http_path_resolve and http_route_match, the header through http_etag_match and
 * http_parse_content_length, the path also through http_mime_type; then the whole input is fed
 * to ws_reasm in chunks whose sizes come from the bytes themselves. Properties checked beyond
 * "no crash": a resolved path is within bounds, never contains a ".." or hidden segment,
 * and route arguments point inside the input. The whole input is also a request stream for
 * http_head_parse (every offset it reports lies inside the input) and for the read-path guard
 * (fed in chunks sized by the bytes, as recv would: it never passes on more than it was given
 * and never holds more than a head). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/guard.h"
#include "net/http_head.h"
#include "net/http_util.h"
#include "net/ws_buf.h"

static void check_resolved(const char *out, int n, size_t cap) {
  if (n < 0) return;
  if ((size_t)n >= cap || out[n] != '\0' || strlen(out) != (size_t)n) abort();
  /* Every segment is non-empty and does not start with '.'. */
  const char *s = out;
  while (*s) {
    if (*s == '.' || *s == '/') abort();
    const char *slash = strchr(s, '/');
    if (!slash) break;
    s = slash + 1;
  }
}

static void fuzz_path(const uint8_t *d, size_t n, int decode, http_method m) {
  char out[HTTP_PATH_MAX + 1];
  int rn = http_path_resolve((const char *)d, n, decode, out, sizeof out);
  check_resolved(out, rn, sizeof out);
  char tiny[6];
  rn = http_path_resolve((const char *)d, n, decode, tiny, sizeof tiny);
  check_resolved(tiny, rn, sizeof tiny);
  const char *arg = NULL;
  size_t an = 0;
  http_route r = http_route_match(m, (const char *)d, n, &arg, &an);
  if (r >= HTTP_ROUTE_HEALTHZ && arg &&
      (arg < (const char *)d || arg + an > (const char *)d + n))
    abort();
  const char *mime = http_mime_type((const char *)d, n);
  if (!mime || !*mime) abort();
}

static void fuzz_header(const uint8_t *d, size_t n) {
  char etag[HTTP_ETAG_MAX];
  http_etag_format(etag, n, (uint64_t)n * 2654435761u);
  (void)http_etag_match((const char *)d, n, etag);
  (void)http_etag_match((const char *)d, n, "\"x\"");
  uint64_t v;
  if (http_parse_content_length((const char *)d, n, &v) == 0 && n > 18) abort();
}

static void fuzz_reasm(const uint8_t *d, size_t n) {
  ws_reasm r;
  ws_reasm_init(&r, 64);
  size_t i = 0;
  while (i < n) {
    size_t chunk = (d[i] % 40) + 1;
    int final = d[i] & 0x80;
    if (chunk > n - i) chunk = n - i;
    const uint8_t *msg;
    size_t mn;
    int trunc;
    int rc = ws_reasm_feed(&r, d + i, chunk, final, &msg, &mn, &trunc);
    if (rc == 1 && (mn > 64 || (trunc && mn != 0))) abort();
    i += chunk;
  }
  ws_reasm_free(&r);
}

static void fuzz_head(const uint8_t *d, size_t n) {
  http_head h;
  int rc = http_head_parse(d, n, &h);
  if (rc == HEAD_OK) {
    if (h.len > n || h.target_off + h.target_n > n || h.xff_off + h.xff_n > n) abort();
    for (int k = 0; k < h.ndrop; k++)
      if (h.drop_off[k] + h.drop_len[k] > h.len) abort();
  }
  if (rc < 0 && http_head_status(rc) == 0) abort();
}

static int policy(void *ctx, const uint8_t *p, const http_head *h) {
  (void)ctx, (void)p;
  return h->target_n == 7 ? GUARD_ECAP : 0; /* refuse some, as the caps would */
}

static void fuzz_guard(const uint8_t *d, size_t n) {
  enum { CAP = 2 * HEAD_MAX + 64 };
  static uint8_t buf[CAP];
  net_guard g;
  guard_init(&g);
  size_t i = 0;
  while (i < n && g.phase != GUARD_DEAD) {
    size_t k = guard_prefix(&g, buf, CAP);
    size_t chunk = (size_t)(d[i] % 200) * 37 + 1;
    if (chunk > n - i) chunk = n - i;
    if (chunk > CAP - k) chunk = CAP - k;
    memcpy(buf + k, d + i, chunk);
    i += chunk;
    int verdict;
    http_head h;
    long pass = guard_scan(&g, buf, k + chunk, policy, NULL, &verdict, &h);
    if (pass < 0) break;
    if ((size_t)pass > k + chunk || g.held_n > HEAD_MAX + 16) abort();
  }
  guard_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int decode = data[0] & 1;
  http_method m = (http_method)((data[0] >> 1) & 3);
  const uint8_t *rest = data + 1;
  size_t rn = size - 1;
  const uint8_t *nl = memchr(rest, '\n', rn);
  size_t pn = nl ? (size_t)(nl - rest) : rn;
  /* Copies so that reads past the given length are caught by ASan. */
  uint8_t *path = malloc(pn ? pn : 1), *hdr = NULL;
  memcpy(path, rest, pn);
  fuzz_path(path, pn, decode, m);
  if (nl) {
    size_t hn = rn - pn - 1;
    hdr = malloc(hn ? hn : 1);
    memcpy(hdr, nl + 1, hn);
    fuzz_header(hdr, hn);
  }
  fuzz_reasm(data, size);
  uint8_t *all = malloc(size);
  memcpy(all, data, size);
  fuzz_head(all, size);
  fuzz_guard(all, size);
  free(all);
  free(path);
  free(hdr);
  return 0;
}
