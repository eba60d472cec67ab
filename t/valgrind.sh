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
harness_start valgrind 950 1 || { echo "0 passed, 1 failed"; exit 1; }
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
harness_psql -c "CREATE DATABASE vgempty OWNER drover" >/dev/null
E=(--db "host=127.0.0.1 port=$PGPORT dbname=vgempty user=drover" --config /dev/null)
vg "init --check (empty)" init --check "${E[@]}"
vg "init" init "${E[@]}"
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
vg "zone create" zone create vg.test --ns ns1.vg.test "${D[@]}"
vg "rrset replace" rrset replace vg.test www A 300 192.0.2.1 192.0.2.2 "${D[@]}"
vg "rrset add" rrset add vg.test www A 300 192.0.2.3 "${D[@]}"
vg "rrset replace (every type parser)" rrset replace vg.test t TXT 300 '"a" "b"' "${D[@]}"
vg "zone show --json" zone show vg.test --json "${D[@]}"
vg "zone list" zone list "${D[@]}"
vg "rrset delete" rrset delete vg.test t TXT "${D[@]}"
vg "status" status "${D[@]}"
vg "template add" template add vgt --record '@ A {ip}' --record 'www 300 CNAME @' \
	--record '@ TXT "v=spf1 ip4:{ip} -all"' --description vg "${D[@]}"
vg "template add (a bad line)" template add vgbad --record 'www A {ip' "${D[@]}"
vg "template list --json" template list --json "${D[@]}"
vg "template show" template show vgt "${D[@]}"
vg "zone create --template" zone create vgt.test --ns ns1.vgt.test --template vgt --var ip=192.0.2.9 "${D[@]}"
vg "zone create --template (missing variable)" zone create vgt2.test --ns ns1.vgt.test --template vgt "${D[@]}"
vg "repoint --dry-run --json" repoint 192.0.2.9 192.0.2.10 --include-spf --dry-run --json "${D[@]}"
vg "repoint" repoint 192.0.2.9 192.0.2.10 --include-spf "${D[@]}"
vg "repoint (bad address)" repoint 192.0.2 192.0.2.10 "${D[@]}"
vg "template remove" template remove vgt "${D[@]}"
ZD=${DROVER_SRCDIR:-.}/t/data/zones
vg "zone import" zone import types.test "$ZD/types.test.zone" "${D[@]}"
vg "zone import --replace" zone import types.test "$ZD/types.test.zone" --replace "${D[@]}"
vg "zone import (\$INCLUDE)" zone import incl.test "$ZD/incl.test.zone" --include-dir "$ZD/inc" "${D[@]}"
vg "zone import (errors)" zone import vgbad.test "$ZD/bad/ttl.zone" "${D[@]}"
vg "zone import --dir --keep-going" zone import --dir "$ZD/bad" --keep-going "${D[@]}"
vg "zone export" zone export types.test "${D[@]}"
is "$(harness_psql -At -c "SELECT count(*) FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name IN ('types.test', 'incl.test') AND r.type IS NOT NULL")" \
	42 "the imports under valgrind wrote their records (31 + 11)"

# the daemon's normal run: thousands of changes delivered, then SIGTERM
"$DROVER" server add w1 --api "$W1_API" --api-key-file "$W1_API_KEYFILE" --dns "$W1_DNS" \
	--control "$W1_CONTROL" --control-secret-file "$W1_CONTROL_SECRETFILE" "${D[@]}" >/dev/null
for i in 0 1 2 3 4 5 6 7 8 9; do
	"$DROVER" zone create vg$i.test --ns ns1.vg$i.test "${D[@]}" >/dev/null
	"$DROVER" rrset replace vg$i.test www A 300 192.0.2.1 "${D[@]}" >/dev/null
done
vg "check" check "${D[@]}"
vg "check --json --zone" check --json --zone vg1.test "${D[@]}"
harness_psql -c "UPDATE records SET content = '10.0.0.1' WHERE name = 'www.vg2.test' AND type = 'A'" >/dev/null
vg "check --repair (a stale zone)" check --repair "${D[@]}"
vg "check --sample" check --sample 3 --json "${D[@]}"
vg "check (unknown server)" check --server nosuch "${D[@]}"
vglog=$HARNESS_DIR/vg.daemon.log
# check-interval 1: the periodic check runs several times during the delivery
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$vglog" \
	"$DROVER" run "${D[@]}" --check-interval 1 >"$HARNESS_DIR/daemon.out" 2>&1 &
vgpid=$!
harness_track_pid $vgpid
# 3,000 changes: 300 transactions of 10 updates, spread over ten zones
for t in $(seq 1 300); do
	echo "BEGIN;"
	for k in 0 1 2 3 4 5 6 7 8 9; do
		echo "UPDATE records SET content = '10.$k.$((t / 256)).$((t % 256))' WHERE name = 'www.vg$k.test' AND type = 'A';"
	done
	echo "COMMIT;"
done >"$HARNESS_DIR/changes.sql"
harness_psql -f "$HARNESS_DIR/changes.sql" >/dev/null
synced() {
	[ "$("$DROVER" status --json "${D[@]}" 2>/dev/null | jq -r '[.servers[].lag_entries] | add')" = 0 ]
}
deadline=$(($(date +%s) + 120))
until synced || [ "$(date +%s)" -ge $deadline ]; do sleep 0.5; done
synced
ok $? "valgrind: drover run delivered 3,000 changes"
is "$(harness_dig 1 www.vg9.test A)" "10.9.1.44" "valgrind: the worker serves the last change"
nzones=$(harness_psql -At -c "SELECT count(*) FROM domains")
checked() { [ "$("$DROVER" status --json "${D[@]}" 2>/dev/null | jq -r '.last_check.report.zones')" = "$nzones" ]; }
deadline=$(($(date +%s) + 60))
until checked || [ "$(date +%s)" -ge $deadline ]; do sleep 0.5; done
checked
ok $? "valgrind: drover run's periodic check ran and stored its report"
kill -TERM $vgpid
wait $vgpid
rc=$?
ok "$([ "$rc" = 0 ]; echo $?)" "valgrind: drover run: no memory error, no leak, exit 0 after SIGTERM (status $rc)"
[ "$rc" = 0 ] || diag "$(cat "$vglog")"

done_testing
rc=$?
echo "$((_tap_n - _tap_failed)) passed, $_tap_failed failed"
exit $rc
