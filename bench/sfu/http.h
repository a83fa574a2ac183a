/* http: a blocking HTTP/1.0 client for loopback signaling (Janus's REST API).
 *
 * One request per connection (HTTP/1.0, Connection: close), so the reply is never chunked.
 * The server is untrusted: the reply is read into a bounded buffer, the status line and the
 * header block are checked before anything is used, and Content-Length, when present, must
 * match what arrived. */
#ifndef BZ_BENCH_HTTP_H
#define BZ_BENCH_HTTP_H

#include <stddef.h>

#define HTTP_MAX_REPLY (1 << 20) /* bytes, headers included */

enum { HTTP_ECONNECT = -1, HTTP_EIO = -2, HTTP_ETOOBIG = -3, HTTP_EPARSE = -4 };

/* method "GET" or "POST"; body may be NULL. On success returns the status code (100..599) and
 * *body_out is a malloc'ed, NUL-terminated body the caller frees (free()). timeout_ms bounds
 * every read and write. */
int http_request(int port, const char *method, const char *path, const char *body, int timeout_ms,
                 char **body_out);

#endif
