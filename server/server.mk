# S1: the buzzd process and its network layer (server/main.c, server/app, server/net,
# server/util), its unit tests (server/tests/net), its black-box smoke test and the HTTP fuzzer.
#
#   make build/buzzd            the server; links every .c under server/ except tests and fuzz
#   make test-server-net        cmocka unit tests + black-box smoke test against build/buzzd
#   make test-server-net-asan   the unit tests under ASan + UBSan
#   make test-server-http-fuzz  a bounded (~20 s) libFuzzer run of fuzz-http
#   make fuzz-http              a long libFuzzer run

BUZZD_SRCS := $(sort $(shell find server -name '*.c' -not -path 'server/tests/*' \
                -not -path 'server/fuzz/*'))
BUZZD_PKGS := libuv libwebsockets jansson sqlite3 openssl libargon2 libsrtp2
BUZZD_OBJ := $(BUILD)/obj-buzzd
BUZZD_OBJS := $(patsubst %.c,$(BUZZD_OBJ)/%.o,$(BUZZD_SRCS))
BUZZD_CFLAGS = $(CFLAGS_BASE) -Iserver -MMD -MP $(shell pkg-config --cflags $(BUZZD_PKGS))

$(BUZZD_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BUZZD_CFLAGS) -c $< -o $@

$(BUILD)/buzzd: $(BUZZD_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $^ $(shell pkg-config --libs $(BUZZD_PKGS)) -lm -o $@

-include $(BUZZD_OBJS:.o=.d)

# Unit tests: the socket-free parts of net and app (no libwebsockets), with sig/store/turn/util
# linked in for sig_limits_default and the logger.
NET_PURE_SRCS := server/net/http_path.c server/net/http_meta.c server/net/ws_buf.c \
                 server/net/ratelimit.c server/net/http_head.c server/net/guard.c server/net/conns.c \
                 server/app/config.c server/app/config_cli.c
NET_DEP_SRCS := $(sort $(filter server/sig/% server/store/% server/turn/% server/util/%, \
                  $(BUZZD_SRCS)) server/rtc/sdp_parse.c server/rtc/sdp_answer.c \
                  server/rtc/sdp_numbers.c server/rtc/hdrmap.c server/rtc/rtp.c)
NET_TEST_SRCS := $(sort $(wildcard server/tests/net/*.c))
NET_TEST_HDRS := $(wildcard server/net/*.h server/app/*.h server/sig/*.h server/util/*.h \
                   server/tests/net/*.h)
NET_TEST_FLAGS = -Iserver -Iserver/tests/net $(call PKG,jansson sqlite3 openssl libargon2 cmocka) -lm

$(BUILD)/tests/net-unit: $(NET_PURE_SRCS) $(NET_DEP_SRCS) $(NET_TEST_SRCS) $(NET_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(NET_PURE_SRCS) $(NET_DEP_SRCS) $(NET_TEST_SRCS) $(NET_TEST_FLAGS) -o $@

$(BUILD)/tests/net-unit-asan: $(NET_PURE_SRCS) $(NET_DEP_SRCS) $(NET_TEST_SRCS) $(NET_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(SANFLAGS) $(NET_PURE_SRCS) $(NET_DEP_SRCS) \
	  $(NET_TEST_SRCS) $(NET_TEST_FLAGS) -o $@

.PHONY: test-server-net test-server-net-unit test-server-net-smoke test-server-net-asan
test-server-net: test-server-net-unit test-server-net-smoke

test-server-net-unit: $(BUILD)/tests/net-unit
	timeout 120 $<

# Black-box: starts build/buzzd on a free loopback port and drives it with curl and node.
test-server-net-smoke: $(BUILD)/buzzd
	timeout 300 server/tests/net/smoke.sh $(BUILD)/buzzd

# The unit tests and the smoke test, both under ASan + UBSan (leaks included).
test-server-net-asan: $(BUILD)/tests/net-unit-asan $(BUILD)/buzzd-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 timeout 300 $<
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  timeout 400 server/tests/net/smoke.sh $(BUILD)/buzzd-asan

$(BUILD)/buzzd-asan: $(BUZZD_SRCS) $(shell find server -name '*.h' -not -path 'server/tests/*')
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(SANFLAGS) -Iserver $(BUZZD_SRCS) \
	  $(shell pkg-config --cflags --libs $(BUZZD_PKGS)) -lm -o $@

# libFuzzer target over the HTTP path/route/ETag/MIME functions and WebSocket reassembly.
HTTP_FUZZ_SRCS := server/fuzz/http/fuzz_http.c server/net/http_path.c server/net/http_meta.c \
                  server/net/ws_buf.c server/net/http_head.c server/net/guard.c
$(BUILD)/fuzz/fuzz-http: $(HTTP_FUZZ_SRCS) $(wildcard server/net/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -Iserver $(HTTP_FUZZ_SRCS) -o $@

# New inputs go to a scratch directory so the committed seed corpus stays small.
.PHONY: test-server-http-fuzz fuzz-http
test-server-http-fuzz: $(BUILD)/fuzz/fuzz-http
	@rm -rf $(BUILD)/fuzz/http-work && mkdir -p $(BUILD)/fuzz/http-work
	timeout 120 $< -max_total_time=20 -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	  -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/http- \
	  $(BUILD)/fuzz/http-work server/fuzz/http/corpus

fuzz-http: $(BUILD)/fuzz/fuzz-http
	@mkdir -p $(BUILD)/fuzz/http-work
	timeout 900 $< -max_total_time=600 -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=$(BUILD)/fuzz/http- $(BUILD)/fuzz/http-work server/fuzz/http/corpus

ALL_TARGETS += $(BUILD)/buzzd
TEST_SUITES += test-server-net test-server-net-asan test-server-http-fuzz
FUZZ_TARGETS += fuzz-http
