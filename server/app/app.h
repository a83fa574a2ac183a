/* app: buzzd's process lifecycle on the control thread.
 *
 * Opens the store, creates sig and the network front end on one libuv loop, ticks sig once a
 * second, and on SIGINT/SIGTERM shuts down in order: sig_shutdown (close 1001 to every
 * client), up to ~1 s for the connections to drain, close the network, destroy sig, close the
 * store (which checkpoints SQLite). A second signal skips the drain. */
#ifndef BZ_APP_H
#define BZ_APP_H

#include "app/config.h"

/* Runs until a shutdown signal. Returns the process exit status: 0 after a clean shutdown,
 * 1 when the server could not start (the reason is logged). */
int bz_app_run(const bz_config *cfg);

#endif
