#!/bin/bash
# bench/capture-cost.sh - what change capture (sql/functions/capture.sql)
# costs the writers: a 100,000-row INSERT into one zone in one transaction
# with drover's triggers disabled and enabled (median of RUNS each,
# alternating, and the ratio), then single-row commits/s with pgbench at 1
# and 8 clients in three modes: no triggers, triggers without pg_notify
# (drover.capture_notify=off), triggers as shipped (with a LISTEN session
# reading the notifications, as the daemon's will). Starts its own PostgreSQL through the test
# harness (NUM 139, no worker), prints a table, writes JSON to
# bench/results/ (git-ignored). About 90 s with the defaults.
# Usage: bench/capture-cost.sh   (env: RUNS=5 ROWS=100000 SECS=5 ROUNDS=2 ZONES=1000)
# The pgbench modes run interleaved, ROUNDS times, and the best round counts:
# on a shared machine that is the one least disturbed by other load.
# Note: the harness runs PostgreSQL with fsync=off, so commit rates are
# higher than on a durable server; compare the modes, not the absolutes.
set -u
srcdir=${DROVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export DROVER_SRCDIR=$srcdir DROVER_BUILDDIR=${DROVER_BUILDDIR:-$srcdir}
RUNS=${RUNS:-5} ROWS=${ROWS:-100000} SECS=${SECS:-5} ROUNDS=${ROUNDS:-2} ZONES=${ZONES:-1000}
# shellcheck source=../t/lib/harness.sh
. "$srcdir/t/lib/harness.sh"

harness_start bench-capture-cost 139 0 || exit 1
export PGPASSFILE
PGBENCH=$(harness_pgbin)/pgbench
work=$HARNESS_DIR/bench
mkdir -p "$work"
q() { harness_psql -At -c "$1"; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
triggers() { # on|off - drover's triggers on records (DISABLE TRIGGER USER leaves foreign keys)
	if [ "$1" = on ]; then q "ALTER TABLE records ENABLE TRIGGER USER" >/dev/null
	else q "ALTER TABLE records DISABLE TRIGGER USER" >/dev/null; fi
}

# --- 100,000 rows into one zone, one transaction (an autocommit INSERT: the
# time includes the commit, where the serial bump runs)
harness_psql -q <<'EOF'
INSERT INTO domains (name, type) VALUES ('bulk.test', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl)
	SELECT id, 'bulk.test', 'SOA', 'ns1.bulk.test hostmaster.bulk.test 1 10800 3600 604800 3600', 3600
	FROM domains WHERE name = 'bulk.test';
EOF
zid=$(q "SELECT id FROM domains WHERE name = 'bulk.test'")
bulk_once() { # on|off - print the INSERT's milliseconds
	triggers "$1"
	harness_psql -q <<EOF | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
\\timing on
INSERT INTO records (domain_id, name, type, content, ttl, ordername, auth)
	SELECT $zid, 'h' || i || '.bulk.test', 'A',
		'10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256), 60, NULL, true
	FROM generate_series(1, $ROWS) AS i;
\\timing off
SET session_replication_role = replica;
DELETE FROM records WHERE domain_id = $zid AND type = 'A';
RESET session_replication_role;
VACUUM records;
EOF
}
bulk_once on >/dev/null # warm-up: caches, plans
off_ms='' on_ms=''
for ((i = 1; i <= RUNS; i++)); do
	off_ms="$off_ms $(bulk_once off)"
	on_ms="$on_ms $(bulk_once on)"
done
triggers on
off_med=$(echo "$off_ms" | median)
on_med=$(echo "$on_ms" | median)
ratio=$(awk -v a="$on_med" -v b="$off_med" 'BEGIN { printf "%.2f", a / b }')
entries=$(q "SELECT count(*) FROM drover.changes WHERE zone_name = 'bulk.test'")

# --- single-row commits with pgbench: ZONES zones of one SOA and one A each;
# every transaction changes one A record of a random zone
harness_psql -q <<EOF
ALTER TABLE records DISABLE TRIGGER USER;
INSERT INTO domains (name, type) SELECT 'z' || i || '.test', 'NATIVE' FROM generate_series(1, $ZONES) i;
INSERT INTO records (domain_id, name, type, content, ttl)
	SELECT d.id, d.name, 'SOA', 'ns1.' || d.name || ' hostmaster.' || d.name || ' 1 10800 3600 604800 3600', 3600
	FROM domains d WHERE d.name LIKE 'z%.test'
	UNION ALL SELECT d.id, 'www.' || d.name, 'A', '192.0.2.1', 60 FROM domains d WHERE d.name LIKE 'z%.test';
ALTER TABLE records ENABLE TRIGGER USER;
VACUUM ANALYZE;
EOF
cat >"$work/commit.sql" <<EOF
\\set z random(1, $ZONES)
UPDATE records SET ttl = ttl % 3600 + 1 WHERE name = 'www.z' || :z || '.test' AND type = 'A';
EOF
pgb() { # CLIENTS SECONDS [PGOPTIONS] - print commits/s (without connection time)
	PGOPTIONS=${3:-} "$PGBENCH" -n -M prepared -h 127.0.0.1 -p "$PGPORT" -U pdns -d drover \
		-f "$work/commit.sql" -c "$1" -j "$1" -T "$2" 2>"$work/pgbench.err" |
		sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p'
}
# a listener, as the daemon holds one: it reads the notifications five times
# a second (psql's \watch), so the queue stays drained
printf 'LISTEN drover_changes;\nSELECT 1 \\watch 0.2\n' |
	"$(harness_pgbin)/psql" -X -q -h "$PGHOST_SOCKDIR" -p "$PGPORT" -U postgres -d drover \
		>/dev/null 2>&1 &
listener=$! # psql itself (the last command of the pipeline)
pgb 8 2 >/dev/null # warm-up
declare -A tps
for ((round = 1; round <= ROUNDS; round++)); do
	for c in 1 8; do
		for mode in none nonotify shipped; do
			q "VACUUM records, drover.changes, drover.zone_serials" >/dev/null
			case $mode in
			none) triggers off; r=$(pgb "$c" "$SECS") ;;
			nonotify) triggers on; r=$(pgb "$c" "$SECS" "-c drover.capture_notify=off") ;;
			shipped) triggers on; r=$(pgb "$c" "$SECS") ;;
			esac
			[ -n "$r" ] || { echo "pgbench failed:"; cat "$work/pgbench.err"; r=0; }
			r=${r%.*}
			[ "${tps[$mode,$c]:-0}" -ge "$r" ] || tps[$mode,$c]=$r
		done
	done
done
triggers on
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

# --- report
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(q "SELECT current_setting('server_version')"), fsync=off"
printf '\ncapture cost, %s (%s)\n\n' "$when" "$machine"
printf '%d-row INSERT into one zone, one transaction (median of %d, ms):\n' "$ROWS" "$RUNS"
printf '  triggers disabled  %10s   runs:%s\n' "$off_med" "$off_ms"
printf '  triggers enabled   %10s   runs:%s\n' "$on_med" "$on_ms"
printf '  ratio              %10s   (target < 1.5; %s log entries for %d transactions)\n\n' \
	"$ratio" "$entries" "$((RUNS + 1))"
printf 'single-row commits/s (pgbench, best of %d rounds of %d s, %d zones, random zone per commit):\n' \
	"$ROUNDS" "$SECS" "$ZONES"
printf '  %-34s %10s %10s\n' mode "1 client" "8 clients"
printf '  %-34s %10s %10s\n' "no triggers" "${tps[none,1]}" "${tps[none,8]}"
printf '  %-34s %10s %10s\n' "triggers, no pg_notify" "${tps[nonotify,1]}" "${tps[nonotify,8]}"
printf '  %-34s %10s %10s\n' "triggers as shipped (pg_notify)" "${tps[shipped,1]}" "${tps[shipped,8]}"

mkdir -p "$srcdir/bench/results"
cat >"$srcdir/bench/results/capture-cost-$when.json" <<EOF
{"bench": "capture-cost", "date": "$when", "machine": "$machine",
 "bulk_insert": {"rows": $ROWS, "runs": $RUNS, "off_ms": [$(echo $off_ms | tr ' ' ',')],
  "on_ms": [$(echo $on_ms | tr ' ' ',')], "off_median_ms": $off_med, "on_median_ms": $on_med,
  "ratio": $ratio},
 "commits_per_s": {"seconds": $SECS, "rounds": $ROUNDS, "zones": $ZONES,
  "no_triggers": {"1": ${tps[none,1]}, "8": ${tps[none,8]}},
  "triggers_no_notify": {"1": ${tps[nonotify,1]}, "8": ${tps[nonotify,8]}},
  "triggers_shipped": {"1": ${tps[shipped,1]}, "8": ${tps[shipped,8]}}}}
EOF
printf '\nJSON: bench/results/capture-cost-%s.json\n' "$when"
harness_stop 0
