# Unit tests for the browser client's pure logic (no browser needed): node --test.
.PHONY: test-web-unit
TEST_SUITES += test-web-unit

test-web-unit:
	timeout 120 node --test tests/web-unit/
