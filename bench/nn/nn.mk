# bench-nn: ms per inference of every model (native scalar, native SIMD, WASM SIMD via
# web/js/nn/nn.js, and the TFLite+XNNPACK wasm reference), under node and in a headless
# Chromium Worker (bench/nn/chromium.mjs; there also our threaded and relaxed-SIMD builds and
# a SIMD128 peak calibration, bench/nn/peak.c), in one run, with the ratio to the
# reference and GFLOP/s. Owner: N3. Results are recorded in docs/nn.md and docs/bench.md.
NNB_PEAK_FLAGS := --target=wasm32 -O3 -msimd128 -nostdlib -Wl,--no-entry
$(BUILD)/nn-peak.wasm: bench/nn/peak.c | $(BUILD)
	$(NNW_CLANG) $(NNB_PEAK_FLAGS) $< -o $@
$(BUILD)/nn-peak-relaxed.wasm: bench/nn/peak.c | $(BUILD)
	$(NNW_CLANG) $(NNB_PEAK_FLAGS) -mrelaxed-simd $< -o $@

.PHONY: bench-nn
bench-nn: $(BUILD)/models/.stamp $(BUILD)/nn-run $(BUILD)/nn.wasm $(BUILD)/nn-mt.wasm $(BUILD)/nn-relaxed.wasm \
          $(BUILD)/nn-peak.wasm $(BUILD)/nn-peak-relaxed.wasm
	timeout 1500 node bench/nn/bench-nn.mjs --json $(BUILD)/bench-nn.json

BENCH_TARGETS += bench-nn
