#!/bin/bash
# bench/run.sh - `make bench`: drover measured side by side with what a user
# would otherwise get, on the real harness (PostgreSQL and three pdns
# workers with default cache settings). Prints one table and writes the same
# figures as JSON to bench/results/ (git-ignored). QUICK=1: a small version
# of everything in a few minutes; the full run stays under 40 minutes.
# Rows whose capability is not built yet print "not yet".
set -u
srcdir=${DROVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export DROVER_SRCDIR=$srcdir DROVER_BUILDDIR=${DROVER_BUILDDIR:-$srcdir}
QUICK=${QUICK:-}
. "$srcdir/t/lib/harness.sh"
. "$srcdir/t/lib/daemon.sh"
PROP=$DROVER_BUILDDIR/bench/propagation
[ -x "$PROP" ] || { echo "bench: build bench/propagation first (make bench)"; exit 2; }

if [ -n "$QUICK" ]; then
	N=30 NB=5 LOAD_S=10 FOOT_S=10
else
	N=200 NB=20 LOAD_S=60 FOOT_S=60
fi
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
results=$srcdir/bench/results
mkdir -p "$results"
json=$results/bench-$stamp.json
rows=()
add_row() { rows+=("$1"); } # "name|compared with|figures|bound by"

harness_start bench 990 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
WORKERS="$W1_DNS,$W2_DNS,$W3_DNS"
register_workers 3

# zones: p* for drover's rows, b* for the baselines without drover
for z in $(seq 0 19); do
	"$DROVER" zone create p$z.bench --ns ns1.p$z.bench "${D[@]}" >/dev/null
	"$DROVER" rrset replace p$z.bench www A 300 192.0.2.1 "${D[@]}" >/dev/null
	"$DROVER" zone create b$z.bench --ns ns1.b$z.bench "${D[@]}" >/dev/null
	"$DROVER" rrset replace b$z.bench www A 300 192.0.2.1 "${D[@]}" >/dev/null
done
for w in 1 2 3; do harness_pdns_control $w rediscover >/dev/null; done

prop() { # ARGS... - run the propagation program, print its JSON
	"$PROP" --db "$DROVER_DB" --workers "$WORKERS" --drover "$DROVER" --api "$W1_API" \
		--api-key-file "$W1_API_KEYFILE" "$@"
}
fig() { # JSON - "p50 X, p95 Y, p99 Z, max M ms (min m, n samples)"
	echo "$1" | jq -r '"p50 \(.p50_ms) ms, p95 \(.p95_ms), p99 \(.p99_ms), max \(.max_ms) (min \(.min_ms), \(.answered)/\(.samples) samples, \(.over_1s) over 1 s)"'
}
echo "[" >"$json"
emit() { echo "$1," >>"$json"; }

# ---- 1. baselines without drover (long by nature: many samples at once)
echo "# baselines without drover (stale windows of ~21 s, REFUSED of ~170-210 s)" >&2
out=$(prop --mode sql --prefix b --samples $NB --zones $NB --parallel 1 --interval-ms 100 --timeout-s 120)
emit "{\"row\": \"baseline-raw-sql\", \"result\": $out}"
add_row "stale window after a raw SQL write, no drover|(baseline)|$(fig "$out")|the workers' cache-ttl (20 s)"
out=$(prop --mode api --prefix b --samples $NB --zones $NB --parallel 1 --interval-ms 100 --timeout-s 120)
emit "{\"row\": \"baseline-api-patch\", \"result\": $out}"
add_row "stale window on other workers after an API PATCH, no drover|(baseline)|$(fig "$out")|the workers' cache-ttl (20 s)"
if [ -z "$QUICK" ]; then
	out=$(prop --mode newzone --prefix bn --samples $NB --parallel 1 --interval-ms 500 --timeout-s 400)
	emit "{\"row\": \"baseline-new-zone\", \"result\": $out}"
	add_row "REFUSED window of a zone created by SQL, no drover|(baseline)|$(fig "$out")|zone-cache-refresh-interval (300 s)"
else
	add_row "REFUSED window of a zone created by SQL, no drover|(baseline)|skipped with QUICK=1 (takes ~4 min)|zone-cache-refresh-interval"
fi

# ---- 2. with drover run
LOG=$HARNESS_DIR/daemon.log
start_daemon "$LOG" --log-level warning
wait_until 20000 daemon_ready && wait_until 20000 in_sync || { echo "bench: daemon not ready"; exit 1; }
for mode in drover sql api newzone; do
	out=$(prop --mode $mode --samples $N --timeout-s 30)
	emit "{\"row\": \"drover-$mode\", \"load\": \"idle\", \"result\": $out}"
	case $mode in
	drover) what="drover rrset replace" ;; sql) what="raw SQL UPDATE" ;;
	api) what="API PATCH on worker 1" ;; newzone) what="new zone by raw SQL" ;;
	esac
	add_row "$what -> all 3 workers, drover run, idle|baselines above|$(fig "$out")|control channel + SOA probe; capture commit"
done

# under a steady query load on worker 1 (the load that exposes the 4.7 purge race)
if command -v dnsperf >/dev/null; then
	printf 'www.p0.bench A\nwww.p1.bench A\nwww.p2.bench A\n' >"$HARNESS_DIR/queries"
	dnsperf -s 127.0.0.1 -p "$W1_DNS_PORT" -d "$HARNESS_DIR/queries" -l 3600 -c 4 -Q 20000 \
		>"$HARNESS_DIR/dnsperf.out" 2>&1 &
	load=$!
	harness_track_pid $load
	sleep 1
	out=$(prop --mode sql --samples $N --timeout-s 30)
	kill -INT $load
	wait $load 2>/dev/null
	qps=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$HARNESS_DIR/dnsperf.out")
	emit "{\"row\": \"drover-sql-under-load\", \"qps\": \"${qps:-?}\", \"result\": $out}"
	add_row "raw SQL UPDATE -> all 3 workers, ${qps%.*} queries/s on worker 1|idle row|$(fig "$out")|worker 1's CPU (shared 2 cores)"
fi

# ---- 3. the floor: one purge on one worker, in isolation (drover's own I/O modules)
out=$(prop --mode floor-ctl --samples 200 --control "$W1_CONTROL" --secret-file "$W1_CONTROL_SECRETFILE")
emit "{\"row\": \"floor-control-purge\", \"result\": $out}"
add_row "floor: control-channel purge of one zone on one worker (TCP)|API flush row|$(fig "$out")|pdns's control channel"
out=$(prop --mode floor-api --samples 200)
emit "{\"row\": \"floor-api-flush\", \"result\": $out}"
add_row "floor: API cache flush of one zone on one worker|control row|$(fig "$out")|the pdns API (a new DB connection per call)"

# ---- 4. daemon footprint under sustained change load
pid=$DAEMON_PID
cpu0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
t_end=$(($(date +%s) + FOOT_S))
commits=0 maxlag=0
while [ "$(date +%s)" -lt $t_end ]; do
	{
		for k in $(seq 1 20); do
			echo "BEGIN;"
			for z in 0 1 2 3 4 5 6 7 8 9; do
				echo "UPDATE records SET content = '10.9.$z.$((RANDOM % 250))' WHERE name = 'www.p$((z + 10 * (k % 2))).bench' AND type = 'A';"
			done
			echo "COMMIT;"
		done
	} | harness_psql >/dev/null
	commits=$((commits + 20))
	lag=$("$DROVER" status --json "${D[@]}" | jq '[.servers[].lag_entries] | max')
	[ "${lag:-0}" -gt "$maxlag" ] && maxlag=$lag
done
wait_until 30000 in_sync
cpu1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
rss=$(awk '/VmHWM/ { print $2 }' /proc/$pid/status)
ticks=$(getconf CLK_TCK)
rate=$((commits * 10 / FOOT_S))
emit "{\"row\": \"daemon-footprint\", \"seconds\": $FOOT_S, \"commits\": $commits, \"changes_per_s\": $rate, \"cpu_s\": $(echo "($cpu1 - $cpu0) / $ticks" | bc -l), \"peak_rss_kb\": $rss, \"max_lag_entries\": $maxlag}"
add_row "drover run under load for ${FOOT_S}s|-|$rate changes/s reached (10 per transaction), CPU $(printf '%.1f' "$(echo "($cpu1 - $cpu0) / $ticks" | bc -l)") s, peak RSS $((rss / 1024)) MiB, max lag $maxlag entries|the load generator (psql) and PostgreSQL"

# ---- 4b. failover repoint across many zones, with drover run delivering it
NR=$([ -n "$QUICK" ] && echo 1000 || echo 10000)
echo "# repoint across $NR zones" >&2
for s in w1 w2 w3; do "$DROVER" server disable $s "${D[@]}" >/dev/null; done
kill -HUP "$DAEMON_PID" # the daemon drops them now, not at its next reload
sleep 1
harness_psql -q -c "
INSERT INTO domains (name, type) SELECT 'r' || i || '.bench', 'NATIVE' FROM generate_series(1, $NR) i;
INSERT INTO records (domain_id, name, type, content, ttl, prio, auth)
SELECT d.id, r.name, r.type, r.content, 3600, 0, true FROM domains d,
 LATERAL (VALUES (d.name, 'SOA', 'ns1.bench hostmaster.bench 1 10800 3600 604800 3600'),
  (d.name, 'NS', 'ns1.bench'), (d.name, 'A', '192.0.2.200'), ('www.' || d.name, 'A', '192.0.2.200'))
  AS r(name, type, content)
WHERE d.name LIKE 'r%.bench';"
# enabled again, each server is purged whole, rediscovers and starts at the head
for s in w1 w2 w3; do "$DROVER" server enable $s "${D[@]}" >/dev/null; done
kill -HUP "$DAEMON_PID"
wait_until 60000 in_sync
# 100 sampled zones, asked of each worker by one dig in batch mode
seq 1 $((NR / 100)) "$NR" | sed 's/.*/www.r&.bench A/' >"$HARNESS_DIR/sample.q"
sample_answers() { # WORKER - the sample's answers, one per line
	local port=W${1}_DNS_PORT
	dig +short +norec +time=1 +tries=1 @127.0.0.1 -p "${!port}" -f "$HARNESS_DIR/sample.q"
}
all_sample() { # every worker answers the new address for every sampled zone
	local w
	for w in 1 2 3; do
		[ "$(sample_answers $w | grep -c '^198\.51\.100\.200$')" = 100 ] || return 1
	done
}
for w in 1 2 3; do sample_answers $w >/dev/null; done # the old answers, cached
t0=$(now_ms)
"$DROVER" repoint 192.0.2.200 198.51.100.200 "${D[@]}" >"$HARNESS_DIR/repoint.out"
t1=$(now_ms)
wait_until 60000 all_sample
t2=$(now_ms)
wait_until 60000 in_sync
t3=$(now_ms)
emit "{\"row\": \"repoint\", \"zones\": $NR, \"records\": $((2 * NR)), \"command_ms\": $((t1 - t0)), \"served_ms\": $((t2 - t1)), \"delivered_ms\": $((t3 - t1))}"
add_row "failover repoint across $NR zones ($((2 * NR)) A records)|a SQL UPDATE by hand: stale for the cache TTL (row 1)|command $((t1 - t0)) ms (one transaction); all 3 workers serve 100 sampled zones $((t2 - t1)) ms after it; every cursor past it at $((t3 - t1)) ms|PostgreSQL (the UPDATE, 1 serial bump per zone) and one whole purge per worker"

stop_daemon "$DAEMON_PID"
harness_stop 0
trap - EXIT

# ---- 5. capture cost (its own PostgreSQL)
if [ -x "$srcdir/bench/capture-cost.sh" ] || [ -f "$srcdir/bench/capture-cost.sh" ]; then
	cc=$(RUNS=${QUICK:+2} SECS=${QUICK:+3} bash "$srcdir/bench/capture-cost.sh" 2>&1 | tail -n 20)
	add_row "capture cost (bench/capture-cost.sh)|triggers off|see below|PostgreSQL"
fi

imp=$(QUICK=$QUICK bash "$srcdir/bench/import.sh" 2>/dev/null | tail -n 1)
if [ -n "$imp" ]; then
	emit "$imp"
	add_row "write throughput: $(echo "$imp" | jq -r '"\(.records) records over \(.zones) zones"') (drover zone import --dir)|raw COPY (triggers off, on); pdns API POST zones and pdnsutil load-zone on a subset, extrapolated|$(echo "$imp" | jq -r '"drover \(.seconds) s (\(.records_per_s) records/s); raw COPY of the same rows \(.copy_triggers_off_s) s with the triggers off, \(.copy_triggers_on_s) s on; pdns API \(.api_records_per_s) records/s (\(.api_subset_zones) zones, so about \(.records / (.api_records_per_s + 0.001) | floor) s for all, extrapolated); pdnsutil load-zone \(.pdnsutil_records_per_s) records/s (\(.pdnsutil_subset_zones) zones, about \(.records / (.pdnsutil_records_per_s + 0.001) | floor) s for all, extrapolated)"')|PostgreSQL's COPY into records (one backend); the API and pdnsutil by one request or process per zone"
else
	add_row "write throughput: 1,000,000 records over 10,000 zones (import)|pdns API, pdnsutil, COPY|bench/import.sh failed|-"
fi
# ---- 6. drover check at scale (its own harness)
if [ -n "$QUICK" ]; then cz=10000; else cz=100000; fi
cs=$(ZONES=$cz RUNS=${QUICK:+1} bash "$srcdir/bench/check-scale.sh" 2>/dev/null | tail -n 1)
add_row "drover check on $cz zones x 3 workers|dnsperf sweep|${cs%%|*}|${cs#*|}"

echo "{\"date\": \"$stamp\", \"host\": \"$(uname -n)\", \"quick\": \"${QUICK:-0}\"}" >>"$json"
echo "]" >>"$json"

printf '\n%-75s | %s\n' "benchmark ($stamp, $(nproc) cores)" "figures | compared with | bound by"
for r in "${rows[@]}"; do
	IFS='|' read -r name cmp figs bound <<<"$r"
	printf '%-75s | %s | %s | %s\n' "$name" "$figs" "$cmp" "$bound"
done
[ -n "${cc:-}" ] && printf '\n%s\n' "$cc"
echo
echo "JSON: $json"
