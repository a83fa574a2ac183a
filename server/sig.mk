# S2: the signaling core (server/sig), its SQLite store (server/store), TURN credentials
# (server/turn), their cmocka tests and the signaling fuzzer. buzzd itself links these
# sources through server/server.mk; this fragment only builds and runs tests and fuzzers.

# sig writes the SFU's SDP answers itself (sig_sfu.c): the pure SDP code of server/rtc comes along.
SIG_SDP_SRCS := server/rtc/sdp_parse.c server/rtc/sdp_answer.c server/rtc/sdp_numbers.c \
  server/rtc/hdrmap.c server/rtc/rtp.c
SIG_SRCS := $(sort $(wildcard server/sig/*.c server/store/*.c server/turn/*.c)) server/util/log.c \
  $(SIG_SDP_SRCS)
SIG_HDRS := $(wildcard server/sig/*.h server/store/*.h server/turn/*.h server/util/log.h) \
  server/rtc/sdp.h server/rtc/sdp_numbers.h server/rtc/hdrmap.h
SIG_TEST_SRCS := $(sort $(wildcard server/tests/sig/*.c server/tests/store/*.c))
SIG_TEST_HDRS := $(wildcard server/tests/sig/*.h)
SIG_PKGS := jansson sqlite3 openssl libargon2
SIG_TEST_FLAGS = -Iserver -Iserver/tests/sig $(call PKG,$(SIG_PKGS) cmocka)

$(BUILD)/tests/sig-unit: $(SIG_SRCS) $(SIG_TEST_SRCS) $(SIG_HDRS) $(SIG_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SIG_SRCS) $(SIG_TEST_SRCS) $(SIG_TEST_FLAGS) -o $@

$(BUILD)/tests/sig-unit-asan: $(SIG_SRCS) $(SIG_TEST_SRCS) $(SIG_HDRS) $(SIG_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(SANFLAGS) $(SIG_SRCS) $(SIG_TEST_SRCS) $(SIG_TEST_FLAGS) -o $@

.PHONY: test-server-unit test-server-unit-asan
test-server-unit: $(BUILD)/tests/sig-unit
	timeout 300 $<

test-server-unit-asan: $(BUILD)/tests/sig-unit-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 timeout 300 $<

# libFuzzer target: bytes -> sig_conn_message (server/fuzz/sig/fuzz_sig.c explains the input).
SIG_FUZZ_CORPUS := server/fuzz/sig/corpus
$(BUILD)/fuzz/fuzz-sig: server/fuzz/sig/fuzz_sig.c $(SIG_SRCS) $(SIG_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -Iserver $< $(SIG_SRCS) $(call PKG,$(SIG_PKGS)) -o $@

# The fuzzer writes new inputs to a scratch copy, so the committed seed corpus stays small.
.PHONY: test-server-fuzz fuzz-sig
test-server-fuzz: $(BUILD)/fuzz/fuzz-sig
	@rm -rf $(BUILD)/fuzz/sig-work && mkdir -p $(BUILD)/fuzz/sig-work
	timeout 120 $< -max_total_time=20 -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	  -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/sig- $(BUILD)/fuzz/sig-work $(SIG_FUZZ_CORPUS)

fuzz-sig: $(BUILD)/fuzz/fuzz-sig
	@mkdir -p $(BUILD)/fuzz/sig-work
	timeout 900 $< -max_total_time=600 -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=$(BUILD)/fuzz/sig- $(BUILD)/fuzz/sig-work $(SIG_FUZZ_CORPUS)

TEST_SUITES += test-server-unit test-server-unit-asan test-server-fuzz
FUZZ_TARGETS += fuzz-sig
