/* Settings table, JSON config file and command-line parsing (see config.h). */
#include "app/config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config_int.h"
#include "util/log.h"

/* A base URL (assets_url) reaches every client (GET /api/config), which resolves asset paths
 * against it, so it is held to a plain shape: an absolute path or an http(s) URL with a host,
 * ending in '/', printable ASCII with no spaces, quotes, '<', '>', '\\', query or fragment. */
static int check_base_url(const char *key, const char *v, char *err, size_t errlen) {
  size_t n = strlen(v);
  if (n > BZ_ASSETS_URL_MAX)
    return bz_config_fail(err, errlen, "%s: longer than %d bytes", key, BZ_ASSETS_URL_MAX);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)v[i];
    if (ch <= 0x20 || ch >= 0x7f || strchr("\"'<>\\?#", ch))
      return bz_config_fail(err, errlen,
                            "%s: byte %zu (0x%02x) is not allowed (no spaces, quotes, <, >, \\, "
                            "?, #, control or non-ASCII bytes)",
                            key, i + 1, ch);
  }
  size_t host = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;
  if (!host && v[0] != '/')
    return bz_config_fail(err, errlen,
                          "%s: '%s' is neither an absolute path (/assets/) nor an http:// or "
                          "https:// URL",
                          key, v);
  if (!host && v[1] == '/')
    return bz_config_fail(err, errlen, "%s: '%s' starts with // (write https://HOST/...)", key, v);
  if (host && (v[host] == '/' || v[host] == '\0'))
    return bz_config_fail(err, errlen, "%s: '%s' has no host", key, v);
  if (v[n - 1] != '/') return bz_config_fail(err, errlen, "%s: '%s' must end with '/'", key, v);
  return 0;
}

#define OFF(f) offsetof(bz_config, f)
const key_spec bz_config_keys[] = {
    {"port", K_INT, OFF(port), 0, 65535, "TCP port (0 = any free port)"},
    {"host", K_STR, OFF(host), 0, 0, "listen address"},
    {"data_dir", K_STR, OFF(data_dir), 0, 0, "directory of buzz.db (created if missing)"},
    {"web_dir", K_STR, OFF(web_dir), 0, 0, "static files (default <exe dir>/../web)"},
    {"assets_dir", K_STR, OFF(assets_dir), 0, 0, "/assets/ files (default <exe dir>/assets)"},
    {"assets_url", K_URL, OFF(assets_url), 0, 0,
     "client base URL of nn.wasm, models, backgrounds (default /assets/)"},
    {"tls_cert", K_STR, OFF(tls_cert), 0, 0, "PEM certificate: serve https and wss"},
    {"tls_key", K_STR, OFF(tls_key), 0, 0, "PEM private key for tls_cert"},
    {"turn_uri", K_STR, OFF(turn_uri), 0, 0, "TURN server URI handed to clients"},
    {"turn_secret", K_STR, OFF(turn_secret), 0, 0, "coturn static-auth-secret"},
    {"turn_ttl_s", K_INT, OFF(turn_ttl_s), 60, 604800, "TURN credential lifetime"},
    {"log_level", K_LEVEL, OFF(log_level), 0, 0, "debug|info|warn|error"},
    {"send_queue_max_msgs", K_INT, OFF(send_queue_max_msgs), 16, 1000000,
     "per-connection send queue bound (messages)"},
    {"send_queue_max_bytes", K_INT, OFF(send_queue_max_bytes), 65536, 1 << 30,
     "per-connection send queue bound (bytes)"},
    {"room_create_per_min", K_DOUBLE, OFF(room_create_per_min), 0.01, 1e6,
     "POST /api/rooms per client address per minute"},
    {"room_create_burst", K_DOUBLE, OFF(room_create_burst), 1, 1e6,
     "POST /api/rooms burst per client address"},
    {"max_connections", K_INT, OFF(max_connections), 0, 1 << 20,
     "client connections in all (0 = RLIMIT_NOFILE less a reserve)"},
    {"max_conns_per_addr", K_INT, OFF(max_conns_per_addr), 1, 1 << 20,
     "client connections per address (429 above)"},
    {"max_ws_per_addr", K_INT, OFF(max_ws_per_addr), 1, 1 << 20,
     "WebSockets per address (429 above)"},
    {"trust_proxy", K_INT, OFF(trust_proxy), 0, 1,
     "1 = behind a reverse proxy: client address from X-Forwarded-For"},
    {"http_timeout_s", K_INT, OFF(http_timeout_s), 1, 3600,
     "a request head or body must arrive within this"},
    {"keepalive_timeout_s", K_INT, OFF(keepalive_timeout_s), 1, 3600,
     "close idle keep-alive connections after this"},
    {"rtc_port", K_INT, OFF(rtc_port), 0, 65535,
     "media UDP port of worker 0 (worker i: +i; 0 = any free port)"},
    {"rtc_workers", K_INT, OFF(rtc_workers), 0, 64, "media worker threads (0 = one per core)"},
    {"announced_ip", K_STR, OFF(announced_ip), 0, 0,
     "IP address put in media candidates (behind 1:1 NAT; default: host)"},
    {"media_mode", K_STR, OFF(media_mode), 0, 0,
     "p2p|sfu|auto: media of rooms created without a mode (default auto)"},
    {"max_message_bytes", K_SIZE, OFF(limits.max_message_bytes), 1024, 16 << 20,
     "largest WebSocket message"},
    {"rate_per_s", K_DOUBLE, OFF(limits.rate_per_s), 0.01, 1e6, "messages/s per connection"},
    {"rate_burst", K_DOUBLE, OFF(limits.rate_burst), 1, 1e7, "message burst per connection"},
    {"max_participants", K_INT, OFF(limits.max_participants), 1, 100000, "per room"},
    {"max_rooms", K_INT, OFF(limits.max_rooms), 1, 10000000, "rooms per server"},
    {"max_name_chars", K_INT, OFF(limits.max_name_chars), 1, 1024, "display name length"},
    {"max_chat_chars", K_INT, OFF(limits.max_chat_chars), 1, 1000000, "chat message length"},
    {"idle_timeout_s", K_INT, OFF(limits.idle_timeout_s), 1, 86400, "close silent sockets"},
    {"reconnect_grace_s", K_INT, OFF(limits.reconnect_grace_s), 0, 86400,
     "keep a dropped participant"},
    {"password_cpu_ms_per_s", K_DOUBLE, OFF(limits.password_cpu_ms_per_s), 1, 1e6,
     "argon2 CPU ms per second, whole server"},
    {"password_addr_cpu_ms_per_s", K_DOUBLE, OFF(limits.password_addr_cpu_ms_per_s), 0.001, 1e6,
     "argon2 CPU ms per second per client address"},
    {"password_queue_max", K_INT, OFF(limits.password_queue_max), 1, 100000,
     "password checks waiting, whole server"},
    {"password_addr_queue_max", K_INT, OFF(limits.password_addr_queue_max), 1, 100000,
     "password checks waiting per client address"},
    {"room_ttl_days", K_INT, OFF(limits.room_ttl_days), 0, 36500,
     "delete rooms empty and unused this long (0 = never)"},
    {"join_history_msgs", K_INT, OFF(limits.join_history_msgs), 0, 100,
     "most chat messages sent in joined (older: chat-history)"},
    {"join_history_bytes", K_INT, OFF(limits.join_history_bytes), 16384, 16 << 20,
     "most chat bytes in joined and in one chat-history reply"},
};
#define NKEYS (sizeof bz_config_keys / sizeof bz_config_keys[0])
const size_t bz_config_nkeys = NKEYS;

int bz_config_fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && errlen) vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return BZ_CONFIG_EINVAL;
}

void bz_config_defaults(bz_config *c) {
  memset(c, 0, sizeof *c);
  c->port = 8080;
  c->turn_ttl_s = 86400;
  c->log_level = BZ_LOG_INFO;
  c->send_queue_max_msgs = 1024;
  c->send_queue_max_bytes = 4 << 20;
  c->room_create_per_min = 60;
  c->room_create_burst = 30;
  c->max_connections = 0;
  c->max_conns_per_addr = 256;
  c->max_ws_per_addr = 128;
  c->trust_proxy = 0;
  c->http_timeout_s = 10;
  c->keepalive_timeout_s = 10;
  sig_limits_default(&c->limits);
}

void bz_config_free(bz_config *c) {
  for (size_t k = 0; k < NKEYS; k++)
    if (bz_config_keys[k].kind == K_STR || bz_config_keys[k].kind == K_URL) {
      char **s = (char **)((char *)c + bz_config_keys[k].off);
      free(*s);
      *s = NULL;
    }
}

const key_spec *bz_config_find_key(const char *name) {
  for (size_t k = 0; k < NKEYS; k++)
    if (strcmp(bz_config_keys[k].key, name) == 0) return &bz_config_keys[k];
  return NULL;
}

static int set_number(bz_config *c, const key_spec *ks, double v, char *err, size_t errlen) {
  if (!isfinite(v) || v < ks->min || v > ks->max)
    return bz_config_fail(err, errlen, "%s: %g is out of range [%g, %g]", ks->key, v, ks->min,
                          ks->max);
  if (ks->kind != K_DOUBLE && v != floor(v))
    return bz_config_fail(err, errlen, "%s: %g is not an integer", ks->key, v);
  void *dst = (char *)c + ks->off;
  if (ks->kind == K_INT) *(int *)dst = (int)v;
  if (ks->kind == K_SIZE) *(size_t *)dst = (size_t)v;
  if (ks->kind == K_DOUBLE) *(double *)dst = v;
  return 0;
}

static int set_string(bz_config *c, const key_spec *ks, const char *v, char *err, size_t errlen) {
  if (ks->kind == K_LEVEL) {
    int lv = bz_log_level_from_name(v);
    if (lv < 0)
      return bz_config_fail(err, errlen, "%s: '%s' is not debug|info|warn|error", ks->key, v);
    c->log_level = lv;
    return 0;
  }
  if (strlen(v) == 0 || strlen(v) > 4096)
    return bz_config_fail(err, errlen, "%s: must be 1..4096 characters", ks->key);
  int rc = ks->kind == K_URL ? check_base_url(ks->key, v, err, errlen) : 0;
  if (rc) return rc;
  char *dup = strdup(v);
  if (!dup) return BZ_CONFIG_ENOMEM;
  char **dst = (char **)((char *)c + ks->off);
  free(*dst);
  *dst = dup;
  return 0;
}

int bz_config_set_text(bz_config *c, const key_spec *ks, const char *v, char *err, size_t errlen) {
  if (ks->kind == K_STR || ks->kind == K_LEVEL || ks->kind == K_URL)
    return set_string(c, ks, v, err, errlen);
  char *end = NULL;
  errno = 0;
  double d = strtod(v, &end);
  if (errno || end == v || *end != '\0')
    return bz_config_fail(err, errlen, "--%s: '%s' is not a number", ks->key, v);
  return set_number(c, ks, d, err, errlen);
}

static int set_from_json(bz_config *c, const key_spec *ks, json_t *v, char *err, size_t errlen) {
  if (ks->kind == K_STR || ks->kind == K_LEVEL || ks->kind == K_URL) {
    if (!json_is_string(v)) return bz_config_fail(err, errlen, "%s: expected a string", ks->key);
    return set_string(c, ks, json_string_value(v), err, errlen);
  }
  if (!json_is_number(v)) return bz_config_fail(err, errlen, "%s: expected a number", ks->key);
  return set_number(c, ks, json_number_value(v), err, errlen);
}

int bz_config_apply_json(bz_config *c, const char *text, size_t n, char *err, size_t errlen) {
  json_error_t je;
  json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
  if (!root) return bz_config_fail(err, errlen, "line %d: %s", je.line, je.text);
  int rc = 0;
  if (!json_is_object(root))
    rc = bz_config_fail(err, errlen, "the top level must be a JSON object");
  const char *name;
  json_t *v;
  json_object_foreach(root, name, v) {
    if (rc) break;
    const key_spec *ks = bz_config_find_key(name);
    rc = ks ? set_from_json(c, ks, v, err, errlen)
            : bz_config_fail(err, errlen, "unknown key '%s'", name);
  }
  json_decref(root);
  return rc;
}

int bz_config_apply_file(bz_config *c, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) return bz_config_fail(err, errlen, "--config %s: %s", path, strerror(errno));
  enum { MAX = 1 << 20 };
  char *buf = malloc(MAX + 1);
  size_t n = buf ? fread(buf, 1, MAX + 1, f) : 0;
  int bad_read = ferror(f);
  fclose(f);
  if (!buf) return BZ_CONFIG_ENOMEM;
  int rc;
  if (bad_read)
    rc = bz_config_fail(err, errlen, "--config %s: read error", path);
  else if (n > MAX)
    rc = bz_config_fail(err, errlen, "--config %s: larger than 1 MiB", path);
  else {
    char inner[200];
    rc = bz_config_apply_json(c, buf, n, inner, sizeof inner);
    if (rc == BZ_CONFIG_EINVAL) bz_config_fail(err, errlen, "--config %s: %s", path, inner);
  }
  free(buf);
  return rc;
}
