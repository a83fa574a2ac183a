# The media plane (server/rtc): buzzd links its sources through server/server.mk (every .c
# under server/); this fragment builds and runs its tests and fuzzers.
#
#   make test-rtc            cmocka unit tests (STUN RFC 5769 vectors, ICE-lite, demux, RTP/RTCP,
#                            DTLS-SRTP handshake and SRTP round trips, workers over real UDP)
#   make test-rtc-asan       the same under ASan + UBSan (leaks included)
#   make test-rtc-tsan       the same under ThreadSanitizer (the worker tests cross threads)
#   make test-rtc-browser    Chromium publisher -> one worker -> Chromium subscriber (decoded video)
#   make test-rtc-fuzz       bounded libFuzzer runs (~15 s each) of fuzz-stun, -rtp, -sdp, -srtp,
#                            -twcc
#   make bench-rtc           one worker's CPU per forwarded packet, 1 -> M subscribers
#   make fuzz-rtc            long runs (5 min each) of all five

RTC_SRCS := $(sort $(wildcard server/rtc/*.c)) server/util/log.c
RTC_HDRS := $(wildcard server/rtc/*.h server/util/log.h)
RTC_TEST_SRCS := $(sort $(wildcard server/tests/rtc/*.c))
RTC_TEST_HDRS := $(wildcard server/tests/rtc/*.h)
RTC_PKGS := libuv openssl libsrtp2
RTC_TEST_FLAGS = -Iserver -Iserver/tests/rtc $(call PKG,$(RTC_PKGS) cmocka) -lpthread

$(BUILD)/tests/rtc-unit: $(RTC_SRCS) $(RTC_TEST_SRCS) $(RTC_HDRS) $(RTC_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(RTC_SRCS) $(RTC_TEST_SRCS) $(RTC_TEST_FLAGS) -o $@

$(BUILD)/tests/rtc-unit-asan: $(RTC_SRCS) $(RTC_TEST_SRCS) $(RTC_HDRS) $(RTC_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(SANFLAGS) $(RTC_SRCS) $(RTC_TEST_SRCS) $(RTC_TEST_FLAGS) -o $@

$(BUILD)/tests/rtc-unit-tsan: $(RTC_SRCS) $(RTC_TEST_SRCS) $(RTC_HDRS) $(RTC_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g -fsanitize=thread $(RTC_SRCS) $(RTC_TEST_SRCS) \
	  $(RTC_TEST_FLAGS) -o $@

.PHONY: test-rtc test-rtc-asan test-rtc-tsan test-rtc-fuzz fuzz-rtc
test-rtc: $(BUILD)/tests/rtc-unit
	timeout 120 $<

test-rtc-asan: $(BUILD)/tests/rtc-unit-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 timeout 300 $<

test-rtc-tsan: $(BUILD)/tests/rtc-unit-tsan
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=server/tests/rtc/tsan.supp \
	  timeout 300 $<

# The media plane alone behind a stdin/stdout JSON protocol, for the browser test: a Chromium
# publisher and a Chromium subscriber through one worker (see harness/sfu_harness.c).
$(BUILD)/tests/rtc-sfu-harness: server/tests/rtc/harness/sfu_harness.c $(RTC_SRCS) $(RTC_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $< $(RTC_SRCS) -Iserver $(call PKG,$(RTC_PKGS) jansson) -lpthread -o $@

.PHONY: test-rtc-browser
test-rtc-browser: $(BUILD)/tests/rtc-sfu-harness
	RTC_HARNESS=$< timeout $(if $(RTC_CC_COMPARE),420,300) node --test --test-reporter=spec server/tests/rtc/browser/*.test.mjs

# The forwarding benchmark (bench/fwd_bench.c): one worker, one publisher, M subscribers.
$(BUILD)/tests/rtc-fwd-bench: server/tests/rtc/bench/fwd_bench.c $(RTC_SRCS) $(RTC_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $< $(RTC_SRCS) -Iserver $(call PKG,$(RTC_PKGS)) -lpthread -o $@

.PHONY: bench-rtc
bench-rtc: $(BUILD)/tests/rtc-fwd-bench
	timeout 300 $< 3

# libFuzzer targets: one per parser of untrusted bytes. The parsers are pure, so each target
# links only what it needs (no libuv, no sockets).
RTC_FUZZERS := stun rtp sdp srtp twcc
FUZZ_STUN_SRCS := server/rtc/stun.c server/rtc/ice.c server/rtc/map.c
FUZZ_RTP_SRCS := server/rtc/rtp.c server/rtc/demux.c server/rtc/stun.c server/rtc/rewrite.c \
  server/rtc/hdrmap.c server/rtc/layer.c
FUZZ_SDP_SRCS := server/rtc/sdp_parse.c server/rtc/sdp_answer.c
FUZZ_SRTP_SRCS := server/rtc/srtp_evp.c server/rtc/srtp.c
FUZZ_TWCC_SRCS := server/rtc/twcc.c server/rtc/bwe.c server/rtc/rtp.c
RTC_FUZZ_FLAGS := $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -Iserver

$(BUILD)/fuzz/fuzz-stun: server/fuzz/rtc/fuzz_stun.c $(FUZZ_STUN_SRCS) $(RTC_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(RTC_FUZZ_FLAGS) $< $(FUZZ_STUN_SRCS) $(call PKG,openssl) -o $@

$(BUILD)/fuzz/fuzz-rtp: server/fuzz/rtc/fuzz_rtp.c $(FUZZ_RTP_SRCS) $(RTC_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(RTC_FUZZ_FLAGS) $< $(FUZZ_RTP_SRCS) $(call PKG,openssl) -o $@

$(BUILD)/fuzz/fuzz-sdp: server/fuzz/rtc/fuzz_sdp.c $(FUZZ_SDP_SRCS) $(RTC_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(RTC_FUZZ_FLAGS) $< $(FUZZ_SDP_SRCS) -o $@

$(BUILD)/fuzz/fuzz-srtp: server/fuzz/rtc/fuzz_srtp.c $(FUZZ_SRTP_SRCS) $(RTC_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(RTC_FUZZ_FLAGS) $< $(FUZZ_SRTP_SRCS) $(call PKG,openssl libsrtp2 libuv) -o $@

$(BUILD)/fuzz/fuzz-twcc: server/fuzz/rtc/fuzz_twcc.c $(FUZZ_TWCC_SRCS) $(RTC_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(RTC_FUZZ_FLAGS) $< $(FUZZ_TWCC_SRCS) -o $@

# Longest input per target: datagrams for STUN and RTP, whole offers for SDP.
RTC_FUZZ_MAXLEN_stun := 2048
RTC_FUZZ_MAXLEN_rtp := 2048
RTC_FUZZ_MAXLEN_sdp := 16384
RTC_FUZZ_MAXLEN_srtp := 1601
RTC_FUZZ_MAXLEN_twcc := 2048

# One bounded run of fuzzer $(1) for $(2) seconds. New inputs go to a scratch directory so
# the committed seed corpora stay small.
rtc_fuzz_run = rm -rf $(BUILD)/fuzz/$(1)-work && mkdir -p $(BUILD)/fuzz/$(1)-work && \
  echo "fuzz-$(1)" && timeout $$(( $(2) + 80 )) $(BUILD)/fuzz/fuzz-$(1) -max_total_time=$(2) \
  -max_len=$(RTC_FUZZ_MAXLEN_$(1)) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=$(BUILD)/fuzz/$(1)- $(BUILD)/fuzz/$(1)-work server/fuzz/rtc/corpus-$(1)

test-rtc-fuzz: $(foreach f,$(RTC_FUZZERS),$(BUILD)/fuzz/fuzz-$(f))
	@set -e; $(foreach f,$(RTC_FUZZERS),$(call rtc_fuzz_run,$(f),15);)

fuzz-rtc: $(foreach f,$(RTC_FUZZERS),$(BUILD)/fuzz/fuzz-$(f))
	@set -e; $(foreach f,$(RTC_FUZZERS),$(call rtc_fuzz_run,$(f),300);)

TEST_SUITES += test-rtc test-rtc-asan test-rtc-tsan test-rtc-fuzz test-rtc-browser
FUZZ_TARGETS += fuzz-rtc
BENCH_TARGETS += bench-rtc
