/* offload: sig_transport.offload on the libuv thread pool of `loop` (a uv_loop_t *). */
#ifndef BZ_OFFLOAD_H
#define BZ_OFFLOAD_H

int bz_offload(void *loop, void (*work)(void *), void (*done)(void *), void *arg);

#endif
