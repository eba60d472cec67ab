#!/bin/bash
# t/valgrind.sh - `make valgrind`: run drover's commands under valgrind
# against a real PostgreSQL and pdns worker, and fail on any memory error or
# definite or indirect leak. Prints TAP lines, then "N passed, N failed".
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

if ! command -v valgrind >/dev/null; then
	echo "Bail out! valgrind not found (install valgrind)"
	echo "0 passed, 1 failed"
	exit 1
fi
HARNESS_INIT_CMD=: harness_start valgrind 950 1 || { echo "0 passed, 1 failed"; exit 1; }
export PGPASSFILE

vg() { # DESCRIPTION ARGS... - one drover run under valgrind
	local what=$1 log
	shift
	log=$HARNESS_DIR/vg.$_tap_n.log
	valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--log-file="$log" "$DROVER" "$@" >/dev/null 2>&1
	local rc=$?
	ok "$([ "$rc" -ne 99 ]; echo $?)" "valgrind: drover $what: no memory error, no leak"
	[ "$rc" -ne 99 ] || diag "$(cat "$log")"
}

D=(--db "$DROVER_DB" --config /dev/null)
vg "init --check (empty)" init --check "${D[@]}"
vg "init" init "${D[@]}"
vg "init (twice)" init "${D[@]}"
vg "server add" server add w1 --api "$W1_API" --api-key-file "$W1_API_KEYFILE" \
	--dns "$W1_DNS" --control "$W1_CONTROL" --control-secret-file "$W1_CONTROL_SECRETFILE" "${D[@]}"
vg "server add (wrong key)" server add w2 --api "$W1_API" --api-key-file /dev/null "${D[@]}"
vg "server list" server list "${D[@]}"
vg "server list --json" server list --json "${D[@]}"
vg "server disable" server disable w1 "${D[@]}"
vg "server remove" server remove w1 "${D[@]}"
vg "help" help
vg "unknown option" init --frob

done_testing
rc=$?
echo "$((_tap_n - _tap_failed)) passed, $_tap_failed failed"
exit $rc
