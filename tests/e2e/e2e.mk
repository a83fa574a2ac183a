# Browser end-to-end tests: real build/buzzd, the web client from web/, Debian's chromium
# driven by playwright-core with fake camera/microphone/screen, coturn for the relay test.
# Each test file starts and stops its own servers on random loopback ports.
E2E_TESTS := tests/lib/person.test.mjs $(sort $(wildcard tests/e2e/*.test.mjs))

.PHONY: test-e2e
# The call-screen tests (call-fixes, call-features, screens) add about 6 minutes on 2 cores.
test-e2e:
	@test -x $(BUILD)/buzzd || { echo "test-e2e: $(BUILD)/buzzd missing (run make all)"; exit 1; }
	scripts/e2e-run.sh $(E2E_TESTS)

TEST_SUITES += test-e2e

# The same tests against the ASan + UBSan build of buzzd (server/server.mk): any sanitizer
# report or unclean exit fails. Not in TEST_SUITES (it doubles the suite's time); run by hand.
.PHONY: test-e2e-asan
test-e2e-asan: $(BUILD)/buzzd-asan
	BUZZD=$(BUILD)/buzzd-asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  timeout 900 nice node --test --test-concurrency=1 --test-timeout=200000 --test-reporter=spec $(E2E_TESTS)
