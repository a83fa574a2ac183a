/* ws: a small blocking WebSocket client (RFC 6455) for buzzd's /ws signaling on loopback.
 *
 * Plain TCP, the HTTP/1.1 upgrade, masked text frames out; text, binary, ping (answered with a
 * pong), pong and close frames in, fragmented messages reassembled. The server is untrusted:
 * the upgrade reply must be a 101 with the right Sec-WebSocket-Accept, frames from the server
 * must be unmasked, every length is checked against what arrived, and a message over
 * WS_MAX_MESSAGE fails the connection. Messages are JSON objects (jansson).
 *
 * A ws_conn is used by one thread. */
#ifndef BZ_BENCH_WS_H
#define BZ_BENCH_WS_H

#include <jansson.h>

#define WS_MAX_MESSAGE (4 << 20) /* bytes */

typedef struct ws_conn ws_conn;

enum {
  WS_ECONNECT = -1, /* TCP connect or the upgrade failed */
  WS_EIO = -2,      /* read/write error, or the server closed */
  WS_EPROTO = -3,   /* a malformed frame, a masked server frame, a message too big */
  WS_ETIMEOUT = -4,
  WS_EJSON = -5,  /* a text message that is not a JSON object */
  WS_ESERVER = -6 /* ws_wait got {"type":"error"} */
};

/* Connects to 127.0.0.1:port and upgrades `path`. 0 or WS_E*. */
int ws_open(ws_conn **out, int port, const char *path, int timeout_ms);
/* Sends one masked text frame with msg serialized (msg is not stolen). */
int ws_send(ws_conn *c, json_t *msg);
/* The next JSON message within timeout_ms; *msg is a new reference. */
int ws_recv(ws_conn *c, int timeout_ms, json_t **msg);
/* Skips messages until one whose "type" is `type` (returned in *msg) or "error" (returned in
 * *msg too, with WS_ESERVER). On any other failure *msg is NULL. */
int ws_wait(ws_conn *c, const char *type, int timeout_ms, json_t **msg);
/* Reads and discards whatever has arrived, without blocking (pings are answered). 0 or WS_E*. */
int ws_drain(ws_conn *c);
/* Sends a close frame and closes the socket. NULL is a no-op. */
void ws_close(ws_conn *c);

#endif
