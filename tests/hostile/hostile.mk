# Hostile black-box tests: raw WebSocket and HTTP abuse against a real buzzd
# (docs/protocol.md errors and limits). Needs only buzzd and node (ws from node_modules).
#   make test-hostile        against build/buzzd
#   make test-hostile-asan   against build/buzzd-asan (server/server.mk): any ASan/UBSan/LSan
#                            report or unclean exit fails the suite
HOSTILE_TESTS := $(sort $(wildcard tests/hostile/*.test.mjs))
HOSTILE_NODE := node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec

.PHONY: test-hostile test-hostile-asan
test-hostile:
	@test -x $(BUILD)/buzzd || { echo "test-hostile: $(BUILD)/buzzd missing (run make all)"; exit 1; }
	timeout 300 $(HOSTILE_NODE) $(HOSTILE_TESTS)

test-hostile-asan: $(BUILD)/buzzd-asan
	BUZZD=$(BUILD)/buzzd-asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  timeout 400 $(HOSTILE_NODE) $(HOSTILE_TESTS)

TEST_SUITES += test-hostile test-hostile-asan
