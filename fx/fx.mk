# fx: effect image kernels and the adaptive tier policy (C), native library + unit tests; the
# same sources are linked into build/nn.wasm (nn/wasm.mk) with fx/wasm/ glue.
#
#   build/libfx.a            every fx/src/*.c except *_simd128.c (wasm-only kernel sets)
#   make test-fx             each fx/tests/test_*.c is its own cmocka binary, all run
#   make test-fx-asan        the same under ASan + UBSan
FX_SRCS    := $(sort $(filter-out %_simd128.c,$(wildcard fx/src/*.c)))
FX_HDRS    := $(wildcard fx/include/*.h fx/src/*.h fx/tests/*.h)
FX_OBJDIR  := $(BUILD)/fx/obj
FX_ASANDIR := $(BUILD)/fx/asan
FX_CFLAGS  := $(CFLAGS_BASE) -O3 -Ifx/include -Ifx/src
FX_TESTS   := $(sort $(wildcard fx/tests/test_*.c))
FX_TEST_BINS      := $(patsubst fx/tests/%.c,$(BUILD)/fx/%,$(FX_TESTS))
FX_TEST_BINS_ASAN := $(patsubst fx/tests/%.c,$(BUILD)/fx/%-asan,$(FX_TESTS))
FX_TEST_LIBS := $(shell pkg-config --libs cmocka) -lm

$(FX_OBJDIR)/%.o: fx/src/%.c $(FX_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(FX_CFLAGS) -c $< -o $@
$(FX_ASANDIR)/%.o: fx/src/%.c $(FX_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(FX_CFLAGS) $(SANFLAGS) -c $< -o $@

$(BUILD)/libfx.a: $(patsubst fx/src/%.c,$(FX_OBJDIR)/%.o,$(FX_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libfx-asan.a: $(patsubst fx/src/%.c,$(FX_ASANDIR)/%.o,$(FX_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fx/test_%: fx/tests/test_%.c $(BUILD)/libfx.a $(FX_HDRS)
	$(CC) $(FX_CFLAGS) -Ifx/tests $< $(BUILD)/libfx.a $(FX_TEST_LIBS) -o $@
$(BUILD)/fx/test_%-asan: fx/tests/test_%.c $(BUILD)/libfx-asan.a $(FX_HDRS)
	$(CC) $(FX_CFLAGS) $(SANFLAGS) -Ifx/tests $< $(BUILD)/libfx-asan.a $(FX_TEST_LIBS) -o $@

.PHONY: test-fx test-fx-asan
test-fx: $(FX_TEST_BINS)
	@set -e; for t in $^; do echo "--- $$t"; timeout 300 $$t; done
test-fx-asan: $(FX_TEST_BINS_ASAN)
	@set -e; for t in $^; do echo "--- $$t"; ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 timeout 600 $$t; done

ALL_TARGETS += $(BUILD)/libfx.a
TEST_SUITES += test-fx test-fx-asan

# ---- image kernels in WebAssembly (owner: fx kernels) ----
#   make test-fx-wasm   SIMD128 kernels vs scalar inside wasm (bit-exact), under node's WASI;
#                       then build/nn.wasm's fx_wasm_* exports driven from JavaScript
#   make bench-fx       per-frame cost of each kernel at 1280×720, scalar vs SIMD128 (wasm)
# Built from the kernel sources only (not policy.c / convert.c), so they run on their own.
FX_KERNEL_SRCS := $(addprefix fx/src/,ctx.c resample.c input.c mask.c blur.c composite.c \
                    background.c kern_scalar.c kern_simd128.c)
FX_KERNEL_HDRS := fx/include/fx.h fx/src/fx_internal.h
FXW_NODE = $(or $(NNW_NODE),node)
# node 20's WASI "fast calls" can let a GC run inside a call and crash node at exit (about
# 1 run in 4 here; nodejs/node#46777); the slow path is correct and costs nothing measurable.
FXW_NODE_FLAGS := --no-warnings --no-turbo-fast-api-calls

$(BUILD)/fx-kernels-test.wasm: fx/tests/wasm_kernels.c $(FX_KERNEL_SRCS) $(FX_KERNEL_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) -Ifx/include -Ifx/src $< $(FX_KERNEL_SRCS) nn/wasm/builtins.c \
	  $(NNW_LDFLAGS) -o $@
$(BUILD)/fx-bench.wasm: fx/tests/bench_fx.c $(FX_KERNEL_SRCS) $(FX_KERNEL_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) -Ifx/include -Ifx/src $< $(FX_KERNEL_SRCS) nn/wasm/builtins.c \
	  $(NNW_LDFLAGS) -o $@

.PHONY: test-fx-wasm bench-fx
test-fx-wasm: $(BUILD)/fx-kernels-test.wasm $(BUILD)/nn.wasm
	timeout 120 $(FXW_NODE) $(FXW_NODE_FLAGS) nn/tests/kernels/run_wasi.mjs $< 20261201 2
	timeout 60 $(FXW_NODE) $(FXW_NODE_FLAGS) fx/tests/fx_exports.mjs $(BUILD)/nn.wasm
bench-fx: $(BUILD)/fx-bench.wasm
	timeout 300 $(FXW_NODE) $(FXW_NODE_FLAGS) nn/tests/kernels/run_wasi.mjs $< $(or $(FX_BENCH_MS),300)

TEST_SUITES += test-fx-wasm
BENCH_TARGETS += bench-fx
