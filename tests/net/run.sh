#!/bin/bash
# Run every network test (tests/net/t_*.sh, or the ones named) and sum up:
# `net: N passed, N failed` (and skipped ones); exit 1 when any failed.
# Each test runs on its own, under a time limit, with its output indented.
cd "$(dirname "$0")" || exit 2
LIMIT=${NET_TEST_TIMEOUT:-180}
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t_*.sh)
passed=0 failed=0 skipped=0 failures=()
t0=$(date +%s)
for t in "${tests[@]}"; do
	t=${t%.sh}.sh
	t=${t#tests/net/}
	s=$(date +%s)
	echo "== $t"
	timeout --foreground -k 10 "$LIMIT" "./$t" 2>&1 | sed 's/^/   /'
	rc=${PIPESTATUS[0]}
	d=$(($(date +%s) - s))
	case $rc in
	0) passed=$((passed + 1)); echo "== $t: passed (${d}s)" ;;
	77) skipped=$((skipped + 1)); echo "== $t: skipped" ;;
	124) failed=$((failed + 1)); failures+=("$t"); echo "== $t: FAILED (timed out after ${LIMIT}s)" ;;
	*) failed=$((failed + 1)); failures+=("$t"); echo "== $t: FAILED (status $rc, ${d}s)" ;;
	esac
done
[ $failed -eq 0 ] || echo "failed: ${failures[*]}"
echo "net: $passed passed, $failed failed$([ $skipped -eq 0 ] || echo ", $skipped skipped") ($(($(date +%s) - t0))s)"
[ $failed -eq 0 ]
