# nn engine: native library, the nn-run CLI, unit tests and the loader fuzzer. Owner: N1.
#
#   build/libnn.a           the engine (every nn/src/**/*.c except *wasm*)
#   build/nn-run            CLI: run a .tflite model on a PNG/PPM image (see docs/nn.md)
#   make test-nn-unit       ops, planner, loader, tiny built models, real selfie models
#   make test-nn-unit-asan  the same under ASan+UBSan
#   make test-nn-cli        black-box checks of nn-run (nn/tests/cli_test.sh)
#   make test-nn-fuzz       ~20 s bounded libFuzzer run of the loader over nn/fuzz/corpus
#   make fuzz-nn-loader     a longer fuzzing run (FUZZ_TARGETS)
#
# Files named *_avx2.c build with -mavx2 -mfma, *_sse41.c with -msse4.1 (kernel sets that
# select.c only picks when the CPU has them).

NN_SRCS    := $(shell find nn/src -name '*.c' -not -name '*wasm*' | sort)
NN_HDRS    := $(shell find nn/src nn/include -name '*.h')
NN_OBJDIR  := $(BUILD)/nn/obj
NN_ASANDIR := $(BUILD)/nn/asan
NN_FUZZDIR := $(BUILD)/nn/fuzz
NN_OBJS    := $(patsubst nn/src/%.c,$(NN_OBJDIR)/%.o,$(NN_SRCS))
NN_ASAN_OBJS := $(patsubst nn/src/%.c,$(NN_ASANDIR)/%.o,$(NN_SRCS))
NN_FUZZ_OBJS := $(patsubst nn/src/%.c,$(NN_FUZZDIR)/%.o,$(NN_SRCS))
NN_INC     := -Inn/include -Inn/src
# -O3 lets the compiler vectorise the scalar reference loops across output channels;
# without -ffast-math that never reorders a sum, so results do not change.
NN_CFLAGS  := $(CFLAGS_BASE) -O3 $(NN_INC)
nn_isa = $(if $(filter %_avx2.c,$(1)),-mavx2 -mfma,$(if $(filter %_sse41.c,$(1)),-msse4.1))

$(NN_OBJDIR)/%.o: nn/src/%.c $(NN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(NN_CFLAGS) $(call nn_isa,$<) -c $< -o $@
$(NN_ASANDIR)/%.o: nn/src/%.c $(NN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(NN_CFLAGS) $(SANFLAGS) $(call nn_isa,$<) -c $< -o $@
$(NN_FUZZDIR)/%.o: nn/src/%.c $(NN_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(NN_INC) -fsanitize=fuzzer-no-link,address,undefined \
	  $(call nn_isa,$<) -c $< -o $@

$(BUILD)/libnn.a: $(NN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libnn-asan.a: $(NN_ASAN_OBJS)
	rm -f $@ && ar rcs $@ $^

# nn-run: the CLI.
NN_RUN_SRCS := $(wildcard nn/tools/*.c)
NN_RUN_HDRS := $(wildcard nn/tools/*.h)
$(BUILD)/nn-run: $(NN_RUN_SRCS) $(NN_RUN_HDRS) $(BUILD)/libnn.a
	$(CC) $(NN_CFLAGS) $(shell pkg-config --cflags libpng) $(NN_RUN_SRCS) $(BUILD)/libnn.a \
	  $(shell pkg-config --libs libpng) -lm -o $@

ALL_TARGETS += $(BUILD)/libnn.a $(BUILD)/nn-run

# Unit tests (cmocka). Allocation wrappers let a test prove nn_run() never allocates.
NN_TEST_SRCS := $(wildcard nn/tests/*.c)
NN_TEST_HDRS := $(wildcard nn/tests/*.h)
NN_TEST_LINK := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc $(shell pkg-config --libs cmocka) -lm
$(BUILD)/nn-unit: $(NN_TEST_SRCS) $(NN_TEST_HDRS) $(BUILD)/libnn.a
	$(CC) $(NN_CFLAGS) -Inn/tests $(NN_TEST_SRCS) $(BUILD)/libnn.a $(NN_TEST_LINK) -o $@
$(BUILD)/nn-unit-asan: $(NN_TEST_SRCS) $(NN_TEST_HDRS) $(BUILD)/libnn-asan.a
	$(CC) $(NN_CFLAGS) $(SANFLAGS) -Inn/tests $(NN_TEST_SRCS) $(BUILD)/libnn-asan.a $(NN_TEST_LINK) -o $@

.PHONY: test-nn-unit test-nn-unit-asan
test-nn-unit: $(BUILD)/nn-unit
	timeout 300 $(BUILD)/nn-unit
test-nn-unit-asan: $(BUILD)/nn-unit-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 timeout 600 $(BUILD)/nn-unit-asan
TEST_SUITES += test-nn-unit test-nn-unit-asan

# Loader fuzzing (clang libFuzzer). The seed corpus in nn/fuzz/corpus/ is committed; regenerate
# it with `make nn-fuzz-corpus` after changing nn/tests/tiny_models.c.
NN_FUZZ_FLAGS := $(CSTD) $(WARN) -O1 -g $(NN_INC) -fsanitize=fuzzer,address,undefined
$(BUILD)/fuzz-nn-loader: nn/fuzz/fuzz_loader.c $(NN_FUZZ_OBJS) $(NN_HDRS)
	$(CLANG) $(NN_FUZZ_FLAGS) $(filter %.c %.o,$^) -lm -o $@
$(BUILD)/nn-gen-corpus: nn/fuzz/gen_corpus.c nn/tests/tiny_models.c nn/tests/tfl_writer.c
	$(CC) $(CFLAGS_BASE) -Inn/tests $^ -o $@

.PHONY: test-nn-fuzz fuzz-nn-loader nn-fuzz-corpus
# Bounded smoke run over a scratch copy of the corpus (new inputs are not committed).
test-nn-fuzz: $(BUILD)/fuzz-nn-loader
	rm -rf $(BUILD)/nn/fuzz-work && mkdir -p $(BUILD)/nn/fuzz-work
	timeout 120 $(BUILD)/fuzz-nn-loader -max_total_time=20 -max_len=4096 -timeout=10 \
	  -rss_limit_mb=2048 $(BUILD)/nn/fuzz-work nn/fuzz/corpus
fuzz-nn-loader: $(BUILD)/fuzz-nn-loader
	mkdir -p $(BUILD)/nn/fuzz-work
	$(BUILD)/fuzz-nn-loader -max_total_time=$(or $(FUZZ_SECONDS),300) -max_len=8192 \
	  -timeout=10 -rss_limit_mb=2048 $(BUILD)/nn/fuzz-work nn/fuzz/corpus
nn-fuzz-corpus: $(BUILD)/nn-gen-corpus
	mkdir -p nn/fuzz/corpus && $(BUILD)/nn-gen-corpus nn/fuzz/corpus

TEST_SUITES += test-nn-fuzz
FUZZ_TARGETS += fuzz-nn-loader

# Black-box CLI checks (file naming, PGM/raw formats, printed lines, refusals).
.PHONY: test-nn-cli
test-nn-cli: $(BUILD)/nn-run
	timeout 300 nn/tests/cli_test.sh
TEST_SUITES += test-nn-cli
