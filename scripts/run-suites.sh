#!/usr/bin/env bash
# Runs each named make target as a test suite, keeps going after a failure, and ends with
# the one summary line CI reads: "suites: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 failed=()
for suite in "$@"; do
  echo "=== suite $suite"
  start=$(date +%s)
  if make --no-print-directory "$suite"; then
    pass=$((pass + 1)); echo "=== suite $suite: ok ($(( $(date +%s) - start )) s)"
  else
    fail=$((fail + 1)); failed+=("$suite"); echo "=== suite $suite: FAILED ($(( $(date +%s) - start )) s)"
  fi
done
[ ${#failed[@]} -gt 0 ] && echo "failed suites: ${failed[*]}"
echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
