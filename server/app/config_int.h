/* Shared between config.c (table, JSON) and config_cli.c (flags). Not a public interface. */
#ifndef BZ_CONFIG_INT_H
#define BZ_CONFIG_INT_H

#include <stddef.h>

#include "app/config.h"

/* K_URL: a string that is a base URL (see check_base_url in config.c). */
typedef enum { K_INT, K_SIZE, K_DOUBLE, K_STR, K_LEVEL, K_URL } key_kind;

/* One setting: its JSON key (the flag is "--" + key with '_' -> '-'), where it lives in
 * bz_config, and its accepted range (numbers only). */
typedef struct key_spec {
  const char *key;
  key_kind kind;
  size_t off;
  double min, max;
  const char *help;
} key_spec;

extern const key_spec bz_config_keys[];
extern const size_t bz_config_nkeys;

const key_spec *bz_config_find_key(const char *name);
/* Applies a command-line value (text) to a setting of any kind. */
int bz_config_set_text(bz_config *c, const key_spec *ks, const char *v, char *err, size_t errlen);
/* Reads a config file of at most 1 MiB and applies it. */
int bz_config_apply_file(bz_config *c, const char *path, char *err, size_t errlen);
/* Formats err and returns BZ_CONFIG_EINVAL. */
int bz_config_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
