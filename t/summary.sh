#!/bin/sh
# t/summary.sh - read automake's .trs files and print the one line CI
# reads: "N passed, N failed" (a test program that failed as a whole, e.g.
# a crash or a wrong plan, counts as one more failure).
passed=0
failed=0
for trs in "$@"; do
	[ -f "$trs" ] || { failed=$((failed + 1)); continue; }
	p=$(grep -c '^:test-result: \(PASS\|XFAIL\|SKIP\)' "$trs")
	f=$(grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)' "$trs")
	passed=$((passed + p))
	failed=$((failed + f))
	# a program whose own status failed, with no failed assertion, counts once
	if [ "$f" -eq 0 ] && grep -q '^:global-test-result: \(FAIL\|ERROR\)' "$trs"; then
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
