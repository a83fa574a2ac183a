# Browser end-to-end tests: real build/buzzd, the web client from web/, Debian's chromium
# driven by playwright-core with fake camera/microphone/screen, coturn for the relay test.
# Each test file starts and stops its own servers on random loopback ports.
E2E_TESTS := $(sort $(wildcard tests/e2e/*.test.mjs))

.PHONY: test-e2e
test-e2e:
	@test -x $(BUILD)/buzzd || { echo "test-e2e: $(BUILD)/buzzd missing (run make all)"; exit 1; }
	timeout 600 nice node --test --test-concurrency=1 --test-timeout=200000 --test-reporter=spec $(E2E_TESTS)

TEST_SUITES += test-e2e
