# Signaling benchmark: buzzd against a minimal node `ws` relay (ref-server.mjs), same load,
# same run; one line per figure with ratio=buzz/ref. Raises the fd limit for 5,000 sockets.
.PHONY: bench-signaling
bench-signaling:
	@test -x $(BUILD)/buzzd || { echo "bench-signaling: $(BUILD)/buzzd missing (run make all)"; exit 1; }
	ulimit -n $$(ulimit -Hn) && timeout 360 node bench/signaling/run.mjs --conns 1000,5000

BENCH_TARGETS += bench-signaling
