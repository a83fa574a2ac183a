# nn kernels (SIMD sets, their tests) and the WebAssembly build of nn. Owner: N2.
#
#   build/nn.wasm                 the engine for browsers and node (web/js/nn/nn.js loads it);
#                                 also copied to build/assets/nn.wasm (served at /assets/)
#   build/nn-mt.wasm              the same with threads (shared memory; docs/nn.md "Threads")
#   build/nn-relaxed.wasm         the same with relaxed SIMD (f32x4.relaxed_madd)
#   make test-nn-kernels          every SIMD set this CPU runs vs the scalar set (native)
#   make test-nn-kernels-asan     the same under ASan+UBSan
#   make test-nn-kernels-wasm     wasm SIMD128 vs scalar inside wasm, under node; then
#                                 web/js/nn/nn.js + build/nn.wasm on a real model vs nn-run
#   make bench-nn-kernels         hot kernels on selfie-model layer shapes, native and wasm
#   make nn-profile-wasm          per-node timings of a model under wasm (MODEL=...)
#
# The kernel tests build the kernel directory on their own (no engine needed), so they run
# even while the rest of nn changes.

# clang 16 (Debian's clang-16 + lld-16) for the wasm build: the same source runs 6-8 % faster
# under V8 than built with the default clang 14 (nn/tools/nn-ab-wasm.mjs, docs/nn.md).
NNW_CLANG   ?= clang-16
NNW_NODE    ?= node
NNW_SYSROOT ?= /usr
# Debian's wasi-libc: headers in /usr/include/wasm32-wasi, libc.a in /usr/lib/wasm32-wasi.
# Debian ships no wasm32 compiler-rt, so link with -nodefaultlibs -lc: libc.a has what the
# engine needs (malloc, memcpy, math) and nothing here needs the missing builtins.
NNW_CFLAGS  := --target=wasm32-wasi --sysroot=$(NNW_SYSROOT) -isystem /usr/include/wasm32-wasi \
               $(CSTD) $(WARN) -O3 -msimd128 -fno-exceptions
NNW_LDFLAGS := --target=wasm32-wasi -nodefaultlibs -L/usr/lib/wasm32-wasi -lc \
               -Wl,--stack-first -Wl,-z,stack-size=1048576

NNK_SRC_DIR := nn/src/kernels
NNK_X86     := $(wildcard $(NNK_SRC_DIR)/*_avx2.c $(NNK_SRC_DIR)/*_sse41.c)
NNK_COMMON  := $(filter-out $(NNK_X86) $(wildcard $(NNK_SRC_DIR)/*wasm*),$(wildcard $(NNK_SRC_DIR)/*.c))
NNK_HDRS    := $(wildcard $(NNK_SRC_DIR)/*.h)
NNK_TEST    := nn/tests/kernels/test_kernels.c
NNK_NATIVE_FLAGS = $(CFLAGS_BASE)
nnk_isa = $(if $(filter %_avx2.c,$(1)),-mavx2 -mfma,$(if $(filter %_sse41.c,$(1)),-msse4.1))

# Native kernel test: one compile per kernel source so each gets its ISA flags.
$(BUILD)/nn-kernels/%.o: $(NNK_SRC_DIR)/%.c $(NNK_HDRS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(NNK_NATIVE_FLAGS) $(call nnk_isa,$<) -c $< -o $@
$(BUILD)/nn-kernels-asan/%.o: $(NNK_SRC_DIR)/%.c $(NNK_HDRS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(NNK_NATIVE_FLAGS) $(SANFLAGS) $(call nnk_isa,$<) -c $< -o $@

NNK_OBJS      := $(patsubst $(NNK_SRC_DIR)/%.c,$(BUILD)/nn-kernels/%.o,$(NNK_COMMON) $(NNK_X86))
NNK_ASAN_OBJS := $(patsubst $(NNK_SRC_DIR)/%.c,$(BUILD)/nn-kernels-asan/%.o,$(NNK_COMMON) $(NNK_X86))

$(BUILD)/nn-kernels-test: $(NNK_TEST) $(NNK_OBJS) $(NNK_HDRS)
	$(CC) $(NNK_NATIVE_FLAGS) $(NNK_TEST) $(NNK_OBJS) -lm -o $@
$(BUILD)/nn-kernels-test-asan: $(NNK_TEST) $(NNK_ASAN_OBJS) $(NNK_HDRS)
	$(CC) $(NNK_NATIVE_FLAGS) $(SANFLAGS) $(NNK_TEST) $(NNK_ASAN_OBJS) -lm -o $@

.PHONY: test-nn-kernels test-nn-kernels-asan test-nn-kernels-wasm
test-nn-kernels: $(BUILD)/nn-kernels-test
	timeout 300 $(BUILD)/nn-kernels-test
test-nn-kernels-asan: $(BUILD)/nn-kernels-test-asan
	ASAN_OPTIONS=detect_leaks=1 timeout 600 $(BUILD)/nn-kernels-test-asan 20261124 120

# Wasm kernel test: a WASI command run by node's built-in WASI.
NNK_WASM_SRC := $(NNK_COMMON) $(wildcard $(NNK_SRC_DIR)/*wasm*.c) nn/wasm/builtins.c
$(BUILD)/nn-kernels-test.wasm: $(NNK_TEST) $(NNK_WASM_SRC) $(NNK_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) $(NNK_TEST) $(NNK_WASM_SRC) $(NNW_LDFLAGS) -o $@

# The relaxed-SIMD kernels (fused multiply-add where the CPU has it) against the same scalar
# reference at the same tolerances; node 20 runs relaxed SIMD behind a flag.
$(BUILD)/nn-kernels-test-relaxed.wasm: $(NNK_TEST) $(NNK_WASM_SRC) $(NNK_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) -mrelaxed-simd $(NNK_TEST) $(NNK_WASM_SRC) $(NNW_LDFLAGS) -o $@

test-nn-kernels-wasm: $(BUILD)/nn-kernels-test.wasm $(BUILD)/nn-kernels-test-relaxed.wasm $(BUILD)/nn.wasm $(BUILD)/nn-run
	timeout 300 $(NNW_NODE) --no-warnings nn/tests/kernels/run_wasi.mjs $< 20261124 300
	timeout 300 $(NNW_NODE) --no-warnings --experimental-wasm-relaxed-simd nn/tests/kernels/run_wasi.mjs \
	  $(BUILD)/nn-kernels-test-relaxed.wasm 20261124 300
	timeout 300 $(NNW_NODE) nn/tests/kernels/test_nn_js.mjs $(BUILD)


# Kernel micro-benchmark on selfie-segmentation layer shapes (native and wasm).
NNK_BENCH := nn/tests/kernels/bench_kernels.c
$(BUILD)/nn-kernels-bench: $(NNK_BENCH) $(NNK_OBJS) $(NNK_HDRS)
	$(CC) $(NNK_NATIVE_FLAGS) $(NNK_BENCH) $(NNK_OBJS) -lm -o $@
$(BUILD)/nn-kernels-bench.wasm: $(NNK_BENCH) $(NNK_WASM_SRC) $(NNK_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) $(NNK_BENCH) $(NNK_WASM_SRC) $(NNW_LDFLAGS) -o $@
.PHONY: bench-nn-kernels
bench-nn-kernels: $(BUILD)/nn-kernels-bench $(BUILD)/nn-kernels-bench.wasm
	$(BUILD)/nn-kernels-bench 200
	timeout 300 $(NNW_NODE) --no-warnings nn/tests/kernels/run_wasi.mjs $(BUILD)/nn-kernels-bench.wasm 200

# The engine as wasm: every nn/src C file except the x86 kernel sets, plus nn/wasm glue.
NNW_ENGINE_SRC := $(filter-out %_avx2.c %_sse41.c,$(shell find nn/src -name '*.c' | sort))
NNW_ENGINE_HDRS := $(shell find nn/src nn/include -name '*.h')
NNW_INC := -Inn/include -Inn/src
# The effects core (fx/: image kernels, tier policy) is linked into the same module, so one
# wasm memory holds the frame, the model input and the mask (no copies between modules).
NNW_FX_SRC  := $(sort $(wildcard fx/src/*.c fx/wasm/*.c))
NNW_FX_HDRS := $(wildcard fx/include/*.h fx/src/*.h)
$(BUILD)/nn.wasm: $(NNW_ENGINE_SRC) $(NNW_ENGINE_HDRS) $(wildcard nn/wasm/*.c) $(NNW_FX_SRC) $(NNW_FX_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) $(NNW_INC) -Ifx/include -Ifx/src -mexec-model=reactor $(NNW_ENGINE_SRC) \
	  $(wildcard nn/wasm/*.c) $(NNW_FX_SRC) $(NNW_LDFLAGS) -o $@
$(BUILD)/assets/nn.wasm: $(BUILD)/nn.wasm
	@mkdir -p $(dir $@)
	cp $< $@

# The threaded build (docs/nn.md, "Threads"): the same sources with atomics, on an imported
# shared memory that nn.js creates (NN_MT_PAGES pages initially, at most 2 GiB) and gives
# to every helper Worker. Debian's wasi-libc is built without atomics, so wasm-ld refuses
# --shared-memory unless feature checks are off; that is sound here because only the thread
# that owns the runtime ever enters libc (helpers run kernels: no malloc, stdio or errno).
NNW_MT_PAGES := 128
NNW_MT_FLAGS := -matomics -mbulk-memory
NNW_MT_LDFLAGS := -Wl,--shared-memory,--import-memory,--no-check-features \
                  -Wl,--initial-memory=$(shell echo $$(($(NNW_MT_PAGES) * 65536))),--max-memory=2147483648 \
                  -Wl,--export=__stack_pointer
$(BUILD)/nn-mt.wasm: $(NNW_ENGINE_SRC) $(NNW_ENGINE_HDRS) $(wildcard nn/wasm/*.c) $(NNW_FX_SRC) $(NNW_FX_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) $(NNW_MT_FLAGS) $(NNW_INC) -Ifx/include -Ifx/src -mexec-model=reactor \
	  $(NNW_ENGINE_SRC) $(wildcard nn/wasm/*.c) $(NNW_FX_SRC) $(NNW_LDFLAGS) $(NNW_MT_LDFLAGS) -o $@
# The relaxed-SIMD build (V_FMA = f32x4.relaxed_madd; docs/nn.md, "Relaxed SIMD").
$(BUILD)/nn-relaxed.wasm: $(NNW_ENGINE_SRC) $(NNW_ENGINE_HDRS) $(wildcard nn/wasm/*.c) $(NNW_FX_SRC) $(NNW_FX_HDRS) | $(BUILD)
	$(NNW_CLANG) $(NNW_CFLAGS) -mrelaxed-simd $(NNW_INC) -Ifx/include -Ifx/src -mexec-model=reactor \
	  $(NNW_ENGINE_SRC) $(wildcard nn/wasm/*.c) $(NNW_FX_SRC) $(NNW_LDFLAGS) -o $@
$(BUILD)/assets/nn-mt.wasm: $(BUILD)/nn-mt.wasm
	@mkdir -p $(dir $@)
	cp $< $@
$(BUILD)/assets/nn-relaxed.wasm: $(BUILD)/nn-relaxed.wasm
	@mkdir -p $(dir $@)
	cp $< $@

# Per-node profile of a model under wasm (developer tool): make nn-profile-wasm MODEL=...
$(BUILD)/nn-profile.wasm: nn/tests/kernels/nn_profile.c $(NNW_ENGINE_SRC) $(NNW_ENGINE_HDRS) nn/wasm/builtins.c
	$(NNW_CLANG) $(NNW_CFLAGS) $(NNW_INC) nn/tests/kernels/nn_profile.c $(NNW_ENGINE_SRC) \
	  nn/wasm/builtins.c $(NNW_LDFLAGS) -o $@
$(BUILD)/nn-profile: nn/tests/kernels/nn_profile.c $(BUILD)/libnn.a
	$(CC) $(CFLAGS_BASE) $(NNW_INC) $< $(BUILD)/libnn.a -lm -o $@
.PHONY: nn-profile-wasm
nn-profile-wasm: $(BUILD)/nn-profile.wasm
	$(NNW_NODE) --no-warnings nn/tests/kernels/run_wasi.mjs $< $(or $(MODEL),build/models/selfie_landscape.tflite) 50

ALL_TARGETS += $(BUILD)/nn-kernels-test $(BUILD)/nn.wasm $(BUILD)/assets/nn.wasm \
               $(BUILD)/nn-mt.wasm $(BUILD)/assets/nn-mt.wasm $(BUILD)/nn-relaxed.wasm \
               $(BUILD)/assets/nn-relaxed.wasm
TEST_SUITES += test-nn-kernels test-nn-kernels-asan test-nn-kernels-wasm
BENCH_TARGETS += bench-nn-kernels
