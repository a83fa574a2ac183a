# bench-call: glass-to-glass latency p50/p95 and join → media from everyone, in headless
# Chromium with a clock-painting camera (bench/call/clock-camera.js), for 3 parties through
# buzzd's SFU and through the mesh, and 6 through the SFU, in one run (bench/call/glass.mjs).
# About 2 minutes; results in docs/sfu.md, "Calls in the browser".
.PHONY: bench-call
bench-call: $(BUILD)/buzzd
	timeout 600 node bench/call/glass.mjs --json $(BUILD)/bench-call.json

BENCH_TARGETS += bench-call
