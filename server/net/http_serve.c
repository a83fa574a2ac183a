/* The HTTP half of net: request dispatch, response writing and static files. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net_int.h"
#include "util/log.h"

#define CACHE_HTML "no-cache"
#define CACHE_STATIC "max-age=3600"
#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"

void net__http_reset(net_http *h) {
  if (h->op) sig_room_create_cancel(h->sig, h->op); /* the client left before the answer */
  free(h->body);
  free(h->mem);
  if (h->fd >= 0) close(h->fd);
  memset(h, 0, sizeof *h);
  h->fd = -1;
}

static http_method request_method(struct lws *wsi) {
  if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) return HTTP_M_GET;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI)) return HTTP_M_POST;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI)) return HTTP_M_HEAD;
  return HTTP_M_OTHER;
}

static const char *const method_names[] = {"OTHER", "GET", "HEAD", "POST"};

static void log_request(struct lws *wsi, net_sess *s, int status, uint64_t len) {
  if (status > 0) net__count_status(net__server(wsi), status);
  if (!bz_log_enabled(BZ_LOG_DEBUG)) return;
  char peer[64] = "", path[HTTP_PATH_MAX + 1];
  net__front_peer(wsi, peer, sizeof peer);
  http_log_safe(s->http.path, path, sizeof path); /* the path is the peer's text */
  BZ_DEBUG("http", "method=%s path=%s status=%d bytes=%llu peer=%s", method_names[s->http.method],
           path, status, (unsigned long long)len, peer);
}

int net__http_respond(struct lws *wsi, net_sess *s, int status, const char *ctype,
                      uint64_t content_len, const char *cache, const char *etag) {
  unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                     *end = buf + sizeof buf - 1;
  net_http *h = &s->http;
  h->status = status;
  log_request(wsi, s, status, content_len);
  if (lws_add_http_common_headers(wsi, (unsigned)status, ctype, content_len, &p, end)) return 1;
  http_fill_reason(start, &p, end, status);
  if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                  (const unsigned char *)"nosniff", 7, &p, end))
    return 1;
  /* Cross-origin isolation, so that pages may use SharedArrayBuffer (nn's threaded build);
   * credentialless keeps cross-origin images and --assets-url loading without CORP headers. */
  if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cross-origin-opener-policy:",
                                  (const unsigned char *)"same-origin", 11, &p, end) ||
      lws_add_http_header_by_name(wsi, (const unsigned char *)"cross-origin-embedder-policy:",
                                  (const unsigned char *)"credentialless", 14, &p, end))
    return 1;
  if (cache && lws_add_http_header_by_name(
                   wsi, (const unsigned char *)"cache-control:", (const unsigned char *)cache,
                   (int)strlen(cache), &p, end))
    return 1;
  if (etag && lws_add_http_header_by_name(wsi, (const unsigned char *)"etag:",
                                          (const unsigned char *)etag, (int)strlen(etag), &p, end))
    return 1;
  if (h->allow && lws_add_http_header_by_name(
                      wsi, (const unsigned char *)"allow:", (const unsigned char *)h->allow,
                      (int)strlen(h->allow), &p, end))
    return 1;
  /* 429s (room-creation rate, password budget, max_rooms) tell the client when to retry. */
  if (status == 429 && lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:",
                                                   (const unsigned char *)"1", 1, &p, end))
    return 1;
  if (h->close_after && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                                     (const unsigned char *)"close", 5, &p, end))
    return 1;
  if (lws_finalize_write_http_header(wsi, start, &p, end)) return 1;
  /* HEAD and 304 announce the length but carry no body. */
  int has_body = h->method != HTTP_M_HEAD && status != 304 && content_len > 0;
  h->phase = has_body ? NET_PH_STREAM : NET_PH_SENT;
  lws_callback_on_writable(wsi); /* the body, or the end of the transaction */
  return 0;
}

/* The page a person who follows a dead link sees: the same look as the web client, a way
 * home, no script. Static text, so nothing from the request is echoed into HTML. */
static const char not_found_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<meta name=\"color-scheme\" content=\"dark\"><title>Page not found · BuzzStream</title>"
    "<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/css/app.css\"></head>"
    "<body><main class=\"ended\"><div class=\"card\"><h1>Page not found</h1>"
    "<p>There is nothing at this address. Check the link, or start from the home page.</p>"
    "<div class=\"row\"><a class=\"btn btn-primary\" href=\"/\">Go to the home page</a></div>"
    "</div></main></body></html>\n";

/* A 404 for a browser navigation (Accept names text/html) outside /api/ is an HTML page;
 * programs (curl's and fetch()'s Accept: *\/\*) and the whole API keep the JSON error. */
static int wants_html_404(struct lws *wsi, const net_http *h) {
  if (strncmp(h->path, "/api/", 5) == 0 || strcmp(h->path, "/api") == 0) return 0;
  char accept[1024];
  int n = lws_hdr_copy(wsi, accept, sizeof accept, WSI_TOKEN_HTTP_ACCEPT);
  return n > 0 && strstr(accept, "text/html") != NULL;
}

int net__http_error(struct lws *wsi, net_sess *s, int status, const char *code,
                    const char *message) {
  net_http *h = &s->http;
  if (status == 404 && wants_html_404(wsi, h)) {
    free(h->mem);
    h->mem = strdup(not_found_page);
    h->mem_len = h->mem ? strlen(h->mem) : 0;
    h->mem_off = 0;
    return net__http_respond(wsi, s, 404, "text/html; charset=utf-8", h->mem_len, "no-store",
                             NULL);
  }
  json_t *o = json_pack("{s:s, s:s}", "error", code, "message", message);
  char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  free(h->mem);
  h->mem = text;
  h->mem_len = text ? strlen(text) : 0;
  h->mem_off = 0;
  return net__http_respond(wsi, s, status, "application/json", h->mem_len, "no-store", NULL);
}

static int open_regular(const char *root, const char *rel, struct stat *st) {
  char full[4096 + HTTP_PATH_MAX + 2];
  int n = snprintf(full, sizeof full, "%s/%s", root, rel);
  if (n < 0 || (size_t)n >= sizeof full) return -1;
  int fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Serves root/<normalised arg>. cache_override (NULL = by type) sets Cache-Control. */
int net__http_file(struct lws *wsi, net_sess *s, const char *root, const char *arg, size_t arg_n,
                   const char *cache_override) {
  char rel[HTTP_PATH_MAX + 1];
  /* lws has already percent-decoded the path (and resolved dot segments); we check again. */
  int rn = http_path_resolve(arg, arg_n, 0, rel, sizeof rel);
  if (rn == HTTP_ETOOLONG) return net__http_error(wsi, s, 414, "uri_too_long", http_strerror(rn));
  if (rn == HTTP_EINVAL) return net__http_error(wsi, s, 400, "bad_request", http_strerror(rn));
  if (rn < 0) return net__http_error(wsi, s, 404, "not_found", "no such file");
  struct stat st;
  int fd = open_regular(root, rel, &st);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE)) /* out of descriptors, not of files */
    return net__http_error(wsi, s, 503, "server_busy", "out of file descriptors, retry shortly");
  if (fd < 0) return net__http_error(wsi, s, 404, "not_found", "no such file");
  const char *ctype = http_mime_type(rel, (size_t)rn);
  const char *cache = cache_override                        ? cache_override
                      : strncmp(ctype, "text/html", 9) == 0 ? CACHE_HTML
                                                            : CACHE_STATIC;
  char etag[HTTP_ETAG_MAX];
  http_etag_format(etag, (uint64_t)st.st_size,
                   (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec);
  char inm[512];
  int inm_n = lws_hdr_copy(wsi, inm, sizeof inm, WSI_TOKEN_HTTP_IF_NONE_MATCH);
  if (inm_n > 0 && http_etag_match(inm, (size_t)inm_n, etag)) {
    close(fd);
    return net__http_respond(wsi, s, 304, ctype, (uint64_t)st.st_size, cache, etag);
  }
  s->http.fd = fd;
  s->http.file_left = (uint64_t)st.st_size;
  return net__http_respond(wsi, s, 200, ctype, (uint64_t)st.st_size, cache, etag);
}

/* Ends the transaction: keep-alive for the next request, or close. */
static int http_finish(struct lws *wsi, net_http *h) {
  int close_after = h->close_after;
  net__http_reset(h);
  if (close_after) return -1;
  if (lws_http_transaction_completed(wsi)) return -1;
  net__front_busy(wsi, 0); /* waiting for the next request: may be closed to make room */
  return 0;
}

/* Writes the next chunk of the body; ends the transaction after the last one. */
static int http_writeable(struct lws *wsi, net_sess *s) {
  net_http *h = &s->http;
  if (h->phase == NET_PH_SENT) return http_finish(wsi, h);
  if (h->phase == NET_PH_WAIT) return h->ready ? net__api_wait_done(wsi, s) : 0;
  if (h->phase != NET_PH_STREAM) return 0; /* nothing of ours to write */
  unsigned char buf[LWS_PRE + NET_CHUNK], *p = buf + LWS_PRE;
  size_t n = 0;
  int last = 1;
  if (h->fd >= 0) {
    size_t want = h->file_left < NET_CHUNK ? (size_t)h->file_left : NET_CHUNK;
    ssize_t r = want ? read(h->fd, p, want) : 0;
    if (r < 0 || (r == 0 && want > 0)) return -1; /* file shrank under us: drop the link */
    n = (size_t)r;
    h->file_left -= n;
    last = h->file_left == 0;
  } else if (h->mem) {
    n = h->mem_len - h->mem_off < NET_CHUNK ? h->mem_len - h->mem_off : NET_CHUNK;
    memcpy(p, h->mem + h->mem_off, n);
    h->mem_off += n;
    last = h->mem_off == h->mem_len;
  }
  if (n && lws_write(wsi, p, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n) return -1;
  if (!last) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  return http_finish(wsi, h);
}

static int http_request(struct lws *wsi, net_sess *s, const char *uri, size_t len) {
  net_http *h = &s->http;
  net__http_reset(h);
  net__front_busy(wsi, 1);
  h->wsi = wsi;
  h->method = request_method(wsi);
  size_t pn = len < HTTP_PATH_MAX ? len : HTTP_PATH_MAX;
  memcpy(h->path, uri, pn);
  h->path[pn] = '\0';
  if (len > HTTP_PATH_MAX) return net__http_error(wsi, s, 414, "uri_too_long", "path too long");
  const char *arg = NULL;
  size_t arg_n = 0;
  h->route = http_route_match((http_method)h->method, uri, len, &arg, &arg_n);
  return net__api_dispatch(wsi, s, arg, arg_n);
}

static int http_body(struct lws *wsi, net_sess *s, const void *in, size_t len) {
  net_http *h = &s->http;
  (void)wsi;
  if (h->phase != NET_PH_BODY) return 0; /* a response is already on its way */
  if (h->body_too_large || len > NET_MAX_BODY - h->body_len) {
    h->body_too_large = 1; /* keep reading and dropping until completion, then 413 */
    return 0;
  }
  if (!h->body && !(h->body = malloc(NET_MAX_BODY))) return -1;
  memcpy(h->body + h->body_len, in, len);
  h->body_len += len;
  return 0;
}

int net__http_callback(struct lws *wsi, enum lws_callback_reasons reason, net_sess *s, void *in,
                       size_t len) {
  switch (reason) {
    case LWS_CALLBACK_HTTP:
      return http_request(wsi, s, in ? (const char *)in : "", in ? len : 0);
    case LWS_CALLBACK_HTTP_BODY:
      return http_body(wsi, s, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
      return s->http.phase == NET_PH_BODY ? net__api_body_done(wsi, s) : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return http_writeable(wsi, s);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      net__http_reset(&s->http);
      return 0;
    default:
      return lws_callback_http_dummy(wsi, reason, s, in, len);
  }
}
