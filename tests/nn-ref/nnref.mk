# Whole-model accuracy: our engine (native nn-run, scalar and SIMD kernels; nn.wasm through
# web/js/nn/nn.js) against an independent reference runtime (TFLite + XNNPACK wasm) on real
# pictures, for every model of models/manifest.json. Owner: N3. See docs/nn.md.
NNREF_TESTS := $(addprefix tests/nn-ref/,manifest.test.mjs reference.test.mjs native.test.mjs wasm.test.mjs \
                threads.test.mjs)

.PHONY: test-nn-ref test-nn-ref-native test-nn-ref-wasm
# Bounded: the whole suite takes a few minutes on two shared cores.
test-nn-ref: $(BUILD)/models/.stamp $(BUILD)/nn-run $(BUILD)/nn.wasm $(BUILD)/nn-mt.wasm
	timeout 1500 nice node --test --test-concurrency=1 $(NNREF_TESTS)

test-nn-ref-native: $(BUILD)/models/.stamp $(BUILD)/nn-run
	timeout 1200 nice node --test tests/nn-ref/native.test.mjs

test-nn-ref-wasm: $(BUILD)/models/.stamp $(BUILD)/nn.wasm
	timeout 900 nice node --test tests/nn-ref/wasm.test.mjs

TEST_SUITES += test-nn-ref

# Threaded runs against single-threaded ones, bit for bit, every model (also in test-nn-ref).
.PHONY: test-nn-threads
test-nn-threads: $(BUILD)/models/.stamp $(BUILD)/nn-run $(BUILD)/nn.wasm $(BUILD)/nn-mt.wasm
	timeout 900 nice node --test tests/nn-ref/threads.test.mjs
