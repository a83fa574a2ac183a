# Hostile black-box tests: raw WebSocket and HTTP abuse against a real build/buzzd
# (docs/protocol.md errors and limits). Needs only buzzd and node (ws from node_modules).
HOSTILE_TESTS := $(sort $(wildcard tests/hostile/*.test.mjs))

.PHONY: test-hostile
test-hostile:
	@test -x $(BUILD)/buzzd || { echo "test-hostile: $(BUILD)/buzzd missing (run make all)"; exit 1; }
	timeout 300 node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec $(HOSTILE_TESTS)

TEST_SUITES += test-hostile
