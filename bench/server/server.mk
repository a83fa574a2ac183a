# Control-thread loop latency of buzzd (issue 9): p50/p99 of the loop-lag probe under a
# password flood, a slow store and 5,000 joined clients, each beside the idle figure of the
# same server in the same run. Raises the fd limit for the 5,000 sockets.
.PHONY: bench-loop-lag
bench-loop-lag:
	@test -x $(BUILD)/buzzd || { echo "bench-loop-lag: $(BUILD)/buzzd missing (run make all)"; exit 1; }
	ulimit -n $$(ulimit -Hn) && timeout 400 node bench/server/loop-lag.mjs

BENCH_TARGETS += bench-loop-lag
