/* janus_api: Janus's HTTP REST API (janus.plugin.videoroom) as a load generator uses it.
 *
 * One Janus session per benchmark. Requests are synchronous POSTs; asynchronous events come
 * from a long-poll GET on the session, run by a thread this module owns, which also keeps the
 * session alive. Events are queued by sender handle until someone waits for them. Everything
 * Janus sends is untrusted: replies are bounded (http.h) and parsed with jansson, and a field
 * of the wrong type is treated as absent.
 *
 * A janus_api is used by one signaling thread (plus its own poll thread). */
#ifndef BZ_BENCH_JANUS_API_H
#define BZ_BENCH_JANUS_API_H

#include <jansson.h>
#include <stdint.h>

typedef struct janus_api janus_api;

enum { JAPI_EHTTP = -1, JAPI_EREPLY = -2, JAPI_ETIMEOUT = -3, JAPI_EPLUGIN = -4, JAPI_ENOMEM = -5 };

/* Creates a session on Janus's HTTP port and starts the long-poll thread. */
int japi_open(janus_api **out, int port);
/* Stops the poll thread (it returns within one long-poll timeout at most; the poll is bounded
 * by maxev and Janus's 30 s keep-alive), destroys the session, frees. */
void japi_close(janus_api *j);
/* Attaches janus.plugin.videoroom; *handle is the handle id. */
int japi_attach(janus_api *j, uint64_t *handle);
/* Sends a plugin message. body is required, jsep may be NULL; neither is stolen. On a
 * synchronous plugin reply, *reply (when not NULL) gets plugindata.data (a new reference);
 * on an ack it is set to NULL and the answer comes as an event (japi_wait). */
int japi_message(janus_api *j, uint64_t handle, json_t *body, json_t *jsep, json_t **reply);
/* Waits up to timeout_ms for the next event from `handle` whose plugindata.data.videoroom is
 * `kind` (or which carries an "error" in plugindata.data: then JAPI_EPLUGIN). *event gets the
 * whole event (new reference): plugindata.data and jsep inside. Other events of the handle
 * stay queued. */
int japi_wait(janus_api *j, uint64_t handle, const char *kind, int timeout_ms, json_t **event);
/* Events counted since open: "hangup" and "webrtcup" (for the report). */
void japi_counts(janus_api *j, int *webrtcup, int *hangup);

#endif
