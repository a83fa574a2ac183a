/* Janus REST signaling; see janus_api.h. */
#include "janus_api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

#define MAX_QUEUED 8192 /* events kept waiting; the oldest is dropped beyond this */

typedef struct qev {
  struct qev *next;
  uint64_t sender;
  json_t *ev;
} qev;

struct janus_api {
  int port;
  uint64_t session;
  pthread_t poller;
  atomic_int stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  qev *head, *tail;
  int queued;
  int webrtcup, hangup;
  unsigned txn;
};

static uint64_t json_u64(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* POSTs obj to path and parses the reply. Returns the reply (new reference) or NULL. */
static json_t *post(janus_api *j, const char *path, json_t *obj) {
  char *s = json_dumps(obj, JSON_COMPACT);
  if (!s) return NULL;
  char *body = NULL;
  int st = http_request(j->port, "POST", path, s, 10000, &body);
  free(s);
  if (st != 200) {
    free(body);
    return NULL;
  }
  json_error_t e;
  json_t *r = json_loads(body, 0, &e);
  free(body);
  if (r && !json_is_object(r)) {
    json_decref(r);
    r = NULL;
  }
  return r;
}

static json_t *request(janus_api *j, const char *path, const char *verb) {
  char t[32];
  snprintf(t, sizeof t, "t%u", ++j->txn);
  json_t *o = json_pack("{s:s, s:s}", "janus", verb, "transaction", t);
  if (!o) return NULL;
  json_t *r = post(j, path, o);
  json_decref(o);
  return r;
}

static void push_event(janus_api *j, json_t *ev) {
  if (!json_is_object(ev)) return;
  const char *kind = json_string_value(json_object_get(ev, "janus"));
  if (!kind) return;
  pthread_mutex_lock(&j->mu);
  if (!strcmp(kind, "webrtcup")) j->webrtcup++;
  if (!strcmp(kind, "hangup")) j->hangup++;
  if (!strcmp(kind, "event")) {
    qev *q = malloc(sizeof *q);
    if (q) {
      q->next = NULL;
      q->sender = json_u64(ev, "sender");
      q->ev = json_incref(ev);
      if (j->tail)
        j->tail->next = q;
      else
        j->head = q;
      j->tail = q;
      if (++j->queued > MAX_QUEUED) {
        qev *old = j->head;
        j->head = old->next;
        if (!j->head) j->tail = NULL;
        json_decref(old->ev);
        free(old);
        j->queued--;
      }
      pthread_cond_broadcast(&j->cv);
    }
  }
  pthread_mutex_unlock(&j->mu);
}

static void *poll_main(void *arg) {
  janus_api *j = arg;
  char path[96];
  snprintf(path, sizeof path, "/janus/%llu?maxev=16", (unsigned long long)j->session);
  while (!atomic_load(&j->stop)) {
    char *body = NULL;
    int st = http_request(j->port, "GET", path, NULL, 40000, &body);
    if (st != 200) {
      free(body);
      struct timespec ts = {0, 100 * 1000000};
      nanosleep(&ts, NULL);
      continue;
    }
    json_error_t e;
    json_t *r = json_loads(body, 0, &e);
    free(body);
    if (json_is_array(r)) {
      size_t i;
      json_t *ev;
      json_array_foreach(r, i, ev) push_event(j, ev);
    } else {
      push_event(j, r);
    }
    json_decref(r);
  }
  return NULL;
}

int japi_open(janus_api **out, int port) {
  *out = NULL;
  janus_api *j = calloc(1, sizeof *j);
  if (!j) return JAPI_ENOMEM;
  j->port = port;
  pthread_mutex_init(&j->mu, NULL);
  pthread_cond_init(&j->cv, NULL);
  json_t *r = request(j, "/janus", "create");
  const char *ok = r ? json_string_value(json_object_get(r, "janus")) : NULL;
  j->session = ok && !strcmp(ok, "success") ? json_u64(json_object_get(r, "data"), "id") : 0;
  json_decref(r);
  if (!j->session || pthread_create(&j->poller, NULL, poll_main, j) != 0) {
    free(j);
    return JAPI_EREPLY;
  }
  *out = j;
  return 0;
}

void japi_close(janus_api *j) {
  if (!j) return;
  atomic_store(&j->stop, 1);
  char path[64];
  snprintf(path, sizeof path, "/janus/%llu", (unsigned long long)j->session);
  json_decref(request(j, path, "destroy")); /* ends the long poll too */
  pthread_join(j->poller, NULL);
  for (qev *q = j->head, *n; q; q = n) {
    n = q->next;
    json_decref(q->ev);
    free(q);
  }
  pthread_mutex_destroy(&j->mu);
  pthread_cond_destroy(&j->cv);
  free(j);
}

int japi_attach(janus_api *j, uint64_t *handle) {
  char path[64], t[32];
  snprintf(path, sizeof path, "/janus/%llu", (unsigned long long)j->session);
  snprintf(t, sizeof t, "t%u", ++j->txn);
  json_t *o = json_pack("{s:s, s:s, s:s}", "janus", "attach", "plugin", "janus.plugin.videoroom",
                        "transaction", t);
  json_t *r = o ? post(j, path, o) : NULL;
  json_decref(o);
  const char *ok = r ? json_string_value(json_object_get(r, "janus")) : NULL;
  *handle = ok && !strcmp(ok, "success") ? json_u64(json_object_get(r, "data"), "id") : 0;
  json_decref(r);
  return *handle ? 0 : JAPI_EREPLY;
}

int japi_message(janus_api *j, uint64_t handle, json_t *body, json_t *jsep, json_t **reply) {
  if (reply) *reply = NULL;
  char path[96], t[32];
  snprintf(path, sizeof path, "/janus/%llu/%llu", (unsigned long long)j->session,
           (unsigned long long)handle);
  snprintf(t, sizeof t, "t%u", ++j->txn);
  json_t *o = json_pack("{s:s, s:s, s:O}", "janus", "message", "transaction", t, "body", body);
  if (!o) return JAPI_ENOMEM;
  if (jsep) json_object_set(o, "jsep", jsep);
  json_t *r = post(j, path, o);
  json_decref(o);
  if (!r) return JAPI_EHTTP;
  const char *kind = json_string_value(json_object_get(r, "janus"));
  int rc = JAPI_EREPLY;
  if (kind && !strcmp(kind, "ack")) {
    rc = 0;
  } else if (kind && !strcmp(kind, "success")) {
    json_t *data = json_object_get(json_object_get(r, "plugindata"), "data");
    rc = json_object_get(data, "error") ? JAPI_EPLUGIN : 0;
    if (reply && json_is_object(data)) *reply = json_incref(data);
  }
  json_decref(r);
  return rc;
}

int japi_wait(janus_api *j, uint64_t handle, const char *kind, int timeout_ms, json_t **event) {
  *event = NULL;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
  if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
  int rc = JAPI_ETIMEOUT;
  pthread_mutex_lock(&j->mu);
  for (;;) {
    qev *prev = NULL;
    for (qev *q = j->head; q; prev = q, q = q->next) {
      if (q->sender != handle) continue;
      json_t *data = json_object_get(json_object_get(q->ev, "plugindata"), "data");
      const char *vr = json_string_value(json_object_get(data, "videoroom"));
      int err = json_object_get(data, "error") != NULL;
      if (!err && (!vr || strcmp(vr, kind) != 0)) continue;
      if (prev)
        prev->next = q->next;
      else
        j->head = q->next;
      if (j->tail == q) j->tail = prev;
      j->queued--;
      if (err) {
        const char *msg = json_string_value(json_object_get(data, "error"));
        fprintf(stderr, "sfu-bench: janus: %s\n", msg ? msg : "(error)");
        json_decref(q->ev);
        rc = JAPI_EPLUGIN;
      } else {
        *event = q->ev;
        rc = 0;
      }
      free(q);
      goto out;
    }
    if (pthread_cond_timedwait(&j->cv, &j->mu, &until) != 0) break;
  }
out:
  pthread_mutex_unlock(&j->mu);
  return rc;
}

void japi_counts(janus_api *j, int *webrtcup, int *hangup) {
  pthread_mutex_lock(&j->mu);
  *webrtcup = j->webrtcup;
  *hangup = j->hangup;
  pthread_mutex_unlock(&j->mu);
}
