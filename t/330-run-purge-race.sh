#!/bin/bash
# t/330-run-purge-race.sh - PowerDNS 4.7 purges the packet cache before the
# query cache, so a query arriving in between can put the old answer back
# for cache-ttl (20 s). Under a steady query load on worker 1 (dnsperf), 100
# changes in a row: once --wait says applied, no worker may answer the old
# value, neither at once nor a moment later.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

if ! command -v dnsperf >/dev/null; then
	echo "Bail out! dnsperf not found (install dnsperf)"
	exit 1
fi
harness_start 330-run-purge-race 330 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
register_workers 3
start_daemon "$HARNESS_DIR/daemon.log"
wait_until 15000 daemon_ready
"$DROVER" zone create race.test --ns ns1.race.test "${D[@]}" >/dev/null
"$DROVER" rrset replace race.test www A 300 10.0.0.0 --wait "${D[@]}" >/dev/null
ok $? "zone ready on every worker"

printf 'www.race.test A\n' >"$HARNESS_DIR/queries"
# about 20,000 queries/s, the load at which the race was seen (DESIGN.md)
dnsperf -s 127.0.0.1 -p "$W1_DNS_PORT" -d "$HARNESS_DIR/queries" -l 600 -c 4 -Q 20000 \
	>"$HARNESS_DIR/dnsperf.out" 2>&1 &
LOAD=$!
harness_track_pid $LOAD
sleep 1

stale=0 failed=0
for i in $(seq 1 100); do
	want=10.0.$((i / 256)).$((i % 256))
	"$DROVER" rrset replace race.test www A 300 "$want" --wait=10 "${D[@]}" >/dev/null || failed=$((failed + 1))
	for w in 1 2 3; do
		got=$(harness_dig $w www.race.test A)
		if [ "$got" != "$want" ]; then
			stale=$((stale + 1))
			diag "change $i: worker $w answered '$got', want '$want'"
		fi
	done
done
is "$failed" 0 "every change applied on every worker (--wait)"
is "$stale" 0 "no worker answered an old value once --wait said applied"
sleep 0.5
all_answer www.race.test A 10.0.0.100
ok $? "and a moment later every worker still answers the last value"
kill -INT $LOAD
wait $LOAD 2>/dev/null
qps=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$HARNESS_DIR/dnsperf.out")
diag "query load on worker 1: ${qps:-unknown} queries/s"
done_testing
