#!/bin/bash
# bench/check-scale.sh - `drover check` at scale: ZONES zones (default
# 100,000) made by bulk SQL, three pdns workers, the check timed with cold
# caches (every worker purged first: each SOA query reads PostgreSQL) and
# warm (right after, the answers cached), RUNS times each (median), beside
# a dnsperf sweep of the same SOA queries to the three workers at once (the
# DNS floor: what answering them costs the workers, with no API call and no
# comparison). Starts its own harness (NUM 419), prints one line
# "figures|bound by" last, writes JSON to bench/results/ (git-ignored).
# Usage: bench/check-scale.sh   (env: ZONES=100000 RUNS=3)
set -u
srcdir=${DROVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export DROVER_SRCDIR=$srcdir DROVER_BUILDDIR=${DROVER_BUILDDIR:-$srcdir}
ZONES=${ZONES:-100000} RUNS=${RUNS:-3}
# shellcheck source=../t/lib/harness.sh
. "$srcdir/t/lib/harness.sh"
# shellcheck source=../t/lib/daemon.sh
. "$srcdir/t/lib/daemon.sh"

harness_start bench-check-scale 419 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
register_workers 3 || exit 1
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

t0=$(now_ms)
harness_psql >/dev/null <<EOF
INSERT INTO domains (name, type) SELECT 'z' || i || '.scale', 'NATIVE' FROM generate_series(1, $ZONES) i;
INSERT INTO records (domain_id, name, type, content, ttl, auth)
	SELECT id, name, 'SOA', 'ns1.' || name || ' hostmaster.' || name || ' 1 10800 3600 604800 3600', 3600, true
	FROM domains WHERE name LIKE '%.scale';
INSERT INTO records (domain_id, name, type, content, ttl, auth)
	SELECT id, name, 'NS', 'ns1.' || name, 3600, true FROM domains WHERE name LIKE '%.scale';
EOF
load_ms=$(($(now_ms) - t0))
echo "# $ZONES zones made by bulk SQL in $load_ms ms" >&2
for w in 1 2 3; do harness_pdns_control $w rediscover >/dev/null; done
known() { [ -n "$(harness_dig "$1" "z$ZONES.scale" SOA)" ]; }
for w in 1 2 3; do wait_until 60000 known $w || { echo "bench: worker $w does not know the zones"; exit 1; }; done

purge_all() { for w in 1 2 3; do harness_pdns_control $w purge >/dev/null; done; }
cold='' warm='' findings=0
for r in $(seq 1 "$RUNS"); do
	purge_all
	t0=$(now_ms)
	"$DROVER" check --json "${D[@]}" >"$HARNESS_DIR/cold.json" &
	pid=$!
	hwm=0
	while kill -0 $pid 2>/dev/null; do # peak RSS, read while it runs
		h=$(awk '/VmHWM/ { print $2 }' /proc/$pid/status 2>/dev/null)
		[ "${h:-0}" -gt "$hwm" ] && hwm=$h
		sleep 0.1
	done
	wait $pid
	rc=$?
	[ "$hwm" -gt "${peak_kb:-0}" ] && peak_kb=$hwm
	cold="$cold $(($(now_ms) - t0))"
	t0=$(now_ms)
	"$DROVER" check --json "${D[@]}" >"$HARNESS_DIR/warm.json"
	warm="$warm $(($(now_ms) - t0))"
	n=$(jq '[.servers[] | (.missing + .extra + .behind + .stale) | length] | add' "$HARNESS_DIR/cold.json")
	findings=$((findings + n))
	echo "# run $r: exit $rc, cold $(echo "$cold" | awk '{ print $NF }') ms, warm $(echo "$warm" | awk '{ print $NF }') ms, $n findings" >&2
done
cold_ms=$(echo "$cold" | median)
warm_ms=$(echo "$warm" | median)

# the dnsperf sweep: the same SOA queries, cold, to the three workers at once
sweep=''
if command -v dnsperf >/dev/null; then
	seq 1 "$ZONES" | sed 's/.*/z&.scale SOA/' >"$HARNESS_DIR/queries"
	purge_all
	t0=$(now_ms)
	for w in 1 2 3; do
		port=W${w}_DNS_PORT
		dnsperf -s 127.0.0.1 -p "${!port}" -d "$HARNESS_DIR/queries" -n 1 -c 1 -q 512 -t 2 \
			>"$HARNESS_DIR/dnsperf.$w" 2>&1 &
	done
	wait
	sweep=$(($(now_ms) - t0))
	lost=$(cat "$HARNESS_DIR"/dnsperf.? | sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' | paste -sd+ | bc)
	echo "# dnsperf sweep: $sweep ms, $lost lost" >&2
fi

results=$srcdir/bench/results
mkdir -p "$results"
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cold_list=$(echo $cold | sed 's/ /, /g')
warm_list=$(echo $warm | sed 's/ /, /g')
echo "{\"row\": \"check-scale\", \"zones\": $ZONES, \"workers\": 3, \"runs\": $RUNS, \"cold_ms\": [$cold_list], \"warm_ms\": [$warm_list], \"findings\": $findings, \"dnsperf_sweep_ms\": ${sweep:-null}, \"dnsperf_lost\": ${lost:-null}, \"bulk_sql_ms\": $load_ms, \"peak_rss_kb\": ${peak_kb:-0}, \"date\": \"$stamp\"}" \
	>"$results/check-scale-$stamp.json"
qps=$((ZONES * 3 * 1000 / cold_ms))
echo "cold caches $cold_ms ms ($qps SOA queries/s), warm $warm_ms ms, peak RSS $((${peak_kb:-0} / 1024)) MiB (median of $RUNS; $findings findings); dnsperf sweep of the same queries ${sweep:-?} ms (${lost:-?} lost)|the workers answering uncached SOA queries from PostgreSQL (2 cores shared)"
