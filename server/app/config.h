/* config: buzzd's settings from defaults, an optional JSON file and the command line.
 *
 * Precedence: built-in defaults < --config FILE < command-line flags. Every setting has one
 * name used both as a JSON key ("max_rooms") and as a flag ("--max-rooms N" or
 * "--max-rooms=N"); the keys and their ranges are in one table in config.c. Unknown keys,
 * wrong types and out-of-range values are errors, so a typo never silently falls back to a
 * default. */
#ifndef BZ_CONFIG_H
#define BZ_CONFIG_H

#include <stddef.h>

#include "sig/sig.h"

typedef struct bz_config {
  int port;         /* 0..65535; 0 = any free port (the log says which) */
  char *host;       /* listen address, "0.0.0.0" by default */
  char *data_dir;   /* "./data" by default; created when missing */
  char *web_dir;    /* NULL = <dir of the executable>/../web */
  char *assets_dir; /* NULL = <dir of the executable>/assets */
  char *assets_url; /* base URL clients load nn.wasm, models, backgrounds from; "/assets/" */
  char *tls_cert;   /* both or neither of these two */
  char *tls_key;
  char *turn_uri;
  char *turn_secret;
  int turn_ttl_s;
  int log_level;           /* BZ_LOG_* */
  int send_queue_max_msgs; /* per WebSocket connection */
  int send_queue_max_bytes;
  double room_create_per_min; /* POST /api/rooms per client address */
  double room_create_burst;
  int max_connections;    /* 0 = from RLIMIT_NOFILE (see docs/protocol.md, "Connections") */
  int max_conns_per_addr; /* client connections per address */
  int max_ws_per_addr;    /* WebSockets per address */
  int trust_proxy;        /* 0/1: the client address is the last X-Forwarded-For entry */
  int http_timeout_s;     /* request head / body deadline */
  int keepalive_timeout_s; /* idle keep-alive connections */
  int rtc_port;           /* media worker i binds UDP rtc_port + i; 0 = any free port each */
  int rtc_workers;        /* media worker threads; 0 = one per core */
  char *announced_ip;     /* address put in SDP candidates (1:1 NAT); NULL = host */
  char *media_mode;       /* "p2p" (default), "sfu" or "auto": rooms without a mode of their
                             own; parsed into limits.media_mode */
  sig_limits limits;
} bz_config;

/* Longest assets_url (bytes). */
#define BZ_ASSETS_URL_MAX 1024

enum { BZ_CONFIG_OK = 0, BZ_CONFIG_HELP = 1, BZ_CONFIG_EINVAL = -1, BZ_CONFIG_ENOMEM = -2 };

/* Fills *c with defaults only. */
void bz_config_defaults(bz_config *c);
/* Defaults, then --config FILE (if given anywhere in argv), then the other flags.
 * Returns BZ_CONFIG_OK, BZ_CONFIG_HELP (--help / -h seen), or a negative code with a
 * one-line reason in err. *c must be released with bz_config_free in every case. */
int bz_config_load(bz_config *c, int argc, char **argv, char *err, size_t errlen);
/* Applies one JSON object's keys (the --config file format). */
int bz_config_apply_json(bz_config *c, const char *text, size_t n, char *err, size_t errlen);
void bz_config_free(bz_config *c);
/* Writes the usage text to stdout. */
void bz_config_usage(const char *prog);

#endif
