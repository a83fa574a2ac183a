/* buzzd: the BuzzStream server. Parses the configuration and hands over to app. */
#include <stdio.h>

#include "app/app.h"
#include "app/config.h"

int main(int argc, char **argv) {
  bz_config cfg;
  char err[512] = "";
  int rc = bz_config_load(&cfg, argc, argv, err, sizeof err);
  if (rc == BZ_CONFIG_HELP) {
    bz_config_usage(argv[0]);
    bz_config_free(&cfg);
    return 0;
  }
  if (rc != BZ_CONFIG_OK) {
    fprintf(stderr, "buzzd: %s\n", rc == BZ_CONFIG_ENOMEM ? "out of memory" : err);
    bz_config_free(&cfg);
    return 2;
  }
  rc = bz_app_run(&cfg);
  bz_config_free(&cfg);
  return rc;
}
