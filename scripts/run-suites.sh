#!/usr/bin/env bash
# Runs each named make target as a test suite, keeps going after a failure, and ends with
# the one summary line CI reads: "suites: N passed, M failed". Each suite's output is also
# kept in build/suite-logs/<suite>.log; a failed suite's failing lines and last lines are
# repeated just above the summary, because CI often shows only the tail of a run.
set -u
cd "$(dirname "$0")/.."
logs=build/suite-logs
mkdir -p "$logs"
pass=0 fail=0 failed=()
for suite in "$@"; do
  echo "=== suite $suite"
  start=$(date +%s)
  if make --no-print-directory "$suite" 2>&1 | tee "$logs/$suite.log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
    pass=$((pass + 1)); echo "=== suite $suite: ok ($(( $(date +%s) - start )) s)"
  else
    fail=$((fail + 1)); failed+=("$suite"); echo "=== suite $suite: FAILED ($(( $(date +%s) - start )) s)"
  fi
done
for suite in "${failed[@]}"; do
  echo "=== why $suite failed (full log: $logs/$suite.log)"
  grep -n -E 'FAIL|not ok|[Ee]rror|Sanitizer|runtime error|Assertion|timed out' "$logs/$suite.log" | head -n 40
  echo "--- last lines of $suite"
  tail -n 25 "$logs/$suite.log"
done
[ ${#failed[@]} -gt 0 ] && echo "failed suites: ${failed[*]}"
echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
