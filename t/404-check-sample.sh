#!/bin/bash
# t/404-check-sample.sh - check --sample N: a record changed by raw SQL
# while the daemon is stopped, on workers whose caches still hold the old
# record but already answer the new SOA serial (only the apex was purged).
# The SOA comparison cannot see it; --sample compares the rrsets with the
# database and reports the zone stale, naming the rrset, both answers and
# exit 1; --repair --sample purges the zone and the new record is served.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 404-check-sample 404 2 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
NWORKERS=2

register_workers 2
start_daemon "$HARNESS_DIR/daemon.log"
wait_until 15000 in_sync
"$DROVER" zone create s.test --ns ns1.s.test "${D[@]}" >/dev/null
"$DROVER" rrset replace s.test www A 300 192.0.2.1 192.0.2.9 "${D[@]}" >/dev/null
"$DROVER" rrset replace s.test @ MX 300 "10 mail.s.test." "${D[@]}" >/dev/null
"$DROVER" rrset replace s.test t TXT 300 '"hello world"' "${D[@]}" >/dev/null
wait_until 15000 in_sync
ok $? "the daemon delivered the zone"
stop_daemon "$DAEMON_PID"

run "$DROVER" check --sample 10 --json "${D[@]}"
is "$rc" 0 "--sample 10: clean while the workers serve the database (A, MX, NS, TXT compared)"
is "$(echo "$out" | jq -r '[.servers[].stale | length] | add')" 0 "--sample 10 --json: nothing stale"

harness_psql -c "UPDATE records SET content = '192.0.2.2' WHERE name = 'www.s.test' AND content = '192.0.2.1'"
for w in 1 2; do harness_pdns_control $w purge s.test >/dev/null; done
served() { harness_dig "$1" www.s.test A +norec | sort | paste -sd ' '; }
is "$(served 1) / $(served 2)" "192.0.2.1 192.0.2.9 / 192.0.2.1 192.0.2.9" \
	"both workers still answer the old record from their caches"
run "$DROVER" check "${D[@]}"
is "$rc" 0 "without --sample the new SOA serial hides it (exit 0)"

run "$DROVER" check --sample 10 --json "${D[@]}"
is "$rc" 1 "--sample 10: exit 1"
is "$(echo "$out" | jq -r '[.servers[] | .name + ":" + ([.stale[].zone] | join("+"))] | join(",")')" \
	"w1:s.test,w2:s.test" "--sample --json: s.test stale on both workers"
is "$(echo "$out" | jq -r '.servers[0].stale[0].rrset | .name + " " + .type + " " + (.database | join(",")) + " / " + .answer')" \
	"www.s.test A 192.0.2.2,192.0.2.9 / 192.0.2.1 | 192.0.2.9" \
	"--sample --json: the rrset, the database's records and the answer"
run "$DROVER" check --sample 10 "${D[@]}"
like "$out" "w1: stale zone 's.test.': www.s.test. A answers '192.0.2.1 | 192.0.2.9', the database has '192.0.2.2 | 192.0.2.9'" \
	"--sample: the table names the rrset and both answers"
run "$DROVER" check --sample 1 --json "${D[@]}"
is "$rc" 0 "--sample 1: only the first rrset (s.test MX) is compared, and it is right"

t0=$(now_ms)
run "$DROVER" check --sample 10 --repair --json "${D[@]}"
t=$(($(now_ms) - t0))
is "$rc" 0 "--sample --repair: exit 0"
is "$(echo "$out" | jq -r '[.servers[].repaired[].zone] | join(",")')" "s.test,s.test" \
	"--sample --repair: s.test repaired on both"
is "$(served 1) / $(served 2)" "192.0.2.2 192.0.2.9 / 192.0.2.2 192.0.2.9" \
	"both workers answer the new record (${t} ms, caches hold answers 20 s)"
run "$DROVER" check --sample 10 "${D[@]}"
is "$rc" 0 "--sample 10 afterwards: clean"
run "$DROVER" check --sample x "${D[@]}"
is "$rc" 2 "--sample x: exit 2"

done_testing
