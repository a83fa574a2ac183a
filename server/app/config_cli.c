/* Command-line half of config (see config.h): flag parsing, final checks, usage. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "app/config_int.h"

/* "--max-rooms=5" -> name "max_rooms" (in buf), value "5"; value NULL when there is no '='. */
static int split_flag(const char *arg, char *buf, size_t cap, const char **value) {
  if (strncmp(arg, "--", 2) != 0) return -1;
  const char *s = arg + 2, *eq = strchr(s, '=');
  size_t n = eq ? (size_t)(eq - s) : strlen(s);
  if (n == 0 || n >= cap) return -1;
  for (size_t i = 0; i < n; i++) buf[i] = s[i] == '-' ? '_' : s[i];
  buf[n] = '\0';
  *value = eq ? eq + 1 : NULL;
  return 0;
}

/* Walks argv once. In the first pass (apply == 0) it only looks for --help and --config;
 * in the second it applies every flag except --config. */
static int walk_args(bz_config *c, int argc, char **argv, int apply, const char **config, char *err,
                     size_t errlen) {
  for (int i = 1; i < argc; i++) {
    char name[64];
    const char *val;
    if (strcmp(argv[i], "-h") == 0) return BZ_CONFIG_HELP;
    if (split_flag(argv[i], name, sizeof name, &val) < 0)
      return bz_config_fail(err, errlen, "unexpected argument '%s' (see --help)", argv[i]);
    if (strcmp(name, "help") == 0) return BZ_CONFIG_HELP;
    int is_config = strcmp(name, "config") == 0;
    const key_spec *ks = is_config ? NULL : bz_config_find_key(name);
    if (!is_config && !ks) return bz_config_fail(err, errlen, "unknown flag '%s'", argv[i]);
    if (!val) {
      if (i + 1 >= argc) return bz_config_fail(err, errlen, "%s needs a value", argv[i]);
      val = argv[++i];
    }
    if (is_config && !apply) *config = val;
    if (ks && apply) {
      int rc = bz_config_set_text(c, ks, val, err, errlen);
      if (rc) return rc;
    }
  }
  return 0;
}

static int fill_defaults(bz_config *c) {
  if (!c->host && !(c->host = strdup("0.0.0.0"))) return BZ_CONFIG_ENOMEM;
  if (!c->data_dir && !(c->data_dir = strdup("./data"))) return BZ_CONFIG_ENOMEM;
  if (!c->assets_url && !(c->assets_url = strdup("/assets/"))) return BZ_CONFIG_ENOMEM;
  return 0;
}

int bz_config_load(bz_config *c, int argc, char **argv, char *err, size_t errlen) {
  bz_config_defaults(c);
  const char *config = NULL;
  int rc = walk_args(c, argc, argv, 0, &config, err, errlen);
  if (rc) return rc;
  if (config && (rc = bz_config_apply_file(c, config, err, errlen))) return rc;
  if ((rc = walk_args(c, argc, argv, 1, &config, err, errlen))) return rc;
  if (!c->tls_cert != !c->tls_key)
    return bz_config_fail(err, errlen, "--tls-cert and --tls-key go together");
  if (!c->turn_uri != !c->turn_secret)
    return bz_config_fail(err, errlen, "--turn-uri and --turn-secret go together");
  if (c->limits.rate_burst < 1) return bz_config_fail(err, errlen, "rate_burst must be at least 1");
  unsigned char ip[16];
  if (c->announced_ip && inet_pton(AF_INET, c->announced_ip, ip) != 1 &&
      inet_pton(AF_INET6, c->announced_ip, ip) != 1)
    return bz_config_fail(err, errlen, "announced_ip: '%s' is not an IPv4 or IPv6 address",
                          c->announced_ip);
  /* buzzd's default is auto (docs/protocol.md, "Media modes"): peer to peer for two, the SFU
   * from the third. sig's own default stays p2p for embedders without a media plane. */
  c->limits.media_mode = SIG_MEDIA_AUTO;
  if (c->media_mode) {
    int m = sig_media_mode_parse(c->media_mode, strlen(c->media_mode));
    if (m < 0)
      return bz_config_fail(err, errlen, "media_mode: '%s' is not p2p, sfu or auto", c->media_mode);
    c->limits.media_mode = m;
  }
  return fill_defaults(c);
}

void bz_config_usage(const char *prog) {
  printf(
      "usage: %s [--port N] [--data-dir DIR] [--config FILE] [--host ADDR]\n"
      "       [--tls-cert FILE --tls-key FILE] [--turn-uri URI --turn-secret S]\n"
      "       [--web-dir DIR] [--assets-url URL] [--log-level debug|info|warn|error]\n"
      "       [--trust-proxy 0|1] [--max-conns-per-addr N] [--max-ws-per-addr N]\n"
      "       [--rtc-port N] [--rtc-workers N] [--announced-ip ADDR]\n"
      "       [--help]\n\n"
      "Every setting is also a key of the JSON --config file; flags override the file.\n"
      "Flags take '--name value' or '--name=value'.\n\n",
      prog);
  for (size_t k = 0; k < bz_config_nkeys; k++) {
    char flag[64];
    size_t n = strlen(bz_config_keys[k].key);
    for (size_t i = 0; i <= n && i < sizeof flag; i++)
      flag[i] = bz_config_keys[k].key[i] == '_' ? '-' : bz_config_keys[k].key[i];
    flag[sizeof flag - 1] = '\0';
    printf("  --%-22s %s\n", flag, bz_config_keys[k].help);
  }
  printf("  --%-22s %s\n", "config", "JSON file with any of the keys above");
}
