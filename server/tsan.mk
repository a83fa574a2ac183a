# ThreadSanitizer builds: password checks and store writes run on libuv's pool since issue 9, so
# the signaling unit tests, the net unit tests, the smoke test and the off-thread hostile tests
# (password flood, locked database) also run with every data race reported.
#
#   make test-server-tsan    unit + smoke + off-thread tests against build/buzzd-tsan
#
# TSan cannot share a binary with ASan, hence its own objects. halt_on_error turns the first
# report into a non-zero exit, which every runner below already treats as a failure.

TSANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:history_size=4

$(BUILD)/tests/sig-unit-tsan: $(SIG_SRCS) $(SIG_TEST_SRCS) $(SIG_HDRS) $(SIG_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(TSANFLAGS) $(SIG_SRCS) $(SIG_TEST_SRCS) $(SIG_TEST_FLAGS) -o $@

$(BUILD)/tests/net-unit-tsan: $(NET_PURE_SRCS) $(NET_DEP_SRCS) $(NET_TEST_SRCS) $(NET_TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(TSANFLAGS) $(NET_PURE_SRCS) $(NET_DEP_SRCS) \
	  $(NET_TEST_SRCS) $(NET_TEST_FLAGS) -o $@

$(BUILD)/buzzd-tsan: $(BUZZD_SRCS) $(shell find server -name '*.h' -not -path 'server/tests/*')
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) -O1 -g $(TSANFLAGS) -Iserver $(BUZZD_SRCS) \
	  $(shell pkg-config --cflags --libs $(BUZZD_PKGS)) -lm -o $@

TSAN_HOSTILE := tests/hostile/offthread.test.mjs tests/hostile/chat-history.test.mjs \
                tests/hostile/hardening-tls.test.mjs

.PHONY: test-server-tsan
test-server-tsan: $(BUILD)/tests/sig-unit-tsan $(BUILD)/tests/net-unit-tsan $(BUILD)/buzzd-tsan
	$(TSAN_ENV) timeout 400 $(BUILD)/tests/sig-unit-tsan
	$(TSAN_ENV) timeout 200 $(BUILD)/tests/net-unit-tsan
	$(TSAN_ENV) timeout 500 server/tests/net/smoke.sh $(BUILD)/buzzd-tsan
	BUZZD=$(BUILD)/buzzd-tsan $(TSAN_ENV) timeout 500 $(HOSTILE_NODE) $(TSAN_HOSTILE)

TEST_SUITES += test-server-tsan
