# bench-nn: ms per inference of every model (native scalar, native SIMD, WASM SIMD via
# web/js/nn/nn.js, and the TFLite+XNNPACK wasm reference), under node and in a headless
# Chromium Worker (bench/nn/chromium.mjs), in one run, with the ratio to the
# reference and GFLOP/s. Owner: N3. Results are recorded in docs/nn.md and docs/bench.md.
.PHONY: bench-nn
bench-nn: $(BUILD)/models/.stamp $(BUILD)/nn-run $(BUILD)/nn.wasm
	timeout 1500 node bench/nn/bench-nn.mjs --json $(BUILD)/bench-nn.json

BENCH_TARGETS += bench-nn
