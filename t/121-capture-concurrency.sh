#!/bin/bash
# t/121-capture-concurrency.sh - change capture under concurrent writers on a
# real PostgreSQL: 8 clients committing 50 times each into one zone get 400
# entries and 400 serials, each one above the last in commit order; clients
# touching two zones in opposite orders do not deadlock; a mix of record,
# metadata and comment writers and a writer that replaces the SOA row with
# a stale serial (as racing API PATCHes do) keeps the serial strictly
# increasing. Clients start together behind an advisory-lock barrier.
# Owns t/tmp/121-capture-concurrency/.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"

harness_start 121-capture-concurrency 121 1 || exit 1
export PGPASSFILE

q() { harness_psql -At -c "$1"; }
mark() { q "SELECT coalesce(max(id), 0) FROM drover.changes"; }
serial() { # ZONE
	q "SELECT string_agg(split_part(r.content, ' ', 3), ',') FROM records r
		JOIN domains d ON d.id = r.domain_id WHERE d.name = '$1' AND r.type = 'SOA'"
}
mkzone() { # NAME SERIAL POLICY NRECORDS
	harness_psql -q <<EOF
BEGIN;
INSERT INTO domains (name, type) VALUES ('$1', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl)
	SELECT id, '$1', 'SOA', 'ns1.$1 hostmaster.$1 $2 10800 3600 604800 3600', 3600
	FROM domains WHERE name = '$1'
	UNION ALL SELECT id, '$1', 'NS', 'ns1.$1', 3600 FROM domains WHERE name = '$1'
	UNION ALL SELECT d.id, 'c' || i || '.$1', 'A', '10.0.0.' || i, 60
		FROM domains d, generate_series(1, $4) i WHERE d.name = '$1';
INSERT INTO domainmetadata (domain_id, kind, content) SELECT id, 'SOA-EDIT-API', '$3'
	FROM domains WHERE name = '$1';
COMMIT;
EOF
}
# Every zone's entries after MARK, checked for: serials distinct, each above
# the one before in commit order (entries of one zone are sealed one at a
# time, in commit order), and each above the serial it replaced.
order_violations() { # MARK ZONE
	q "SELECT count(*) FILTER (WHERE serial <= before OR serial <= prev_serial OR serial IS NULL)
		FROM (SELECT serial, prev_serial, lag(serial) OVER (ORDER BY sealed_at) AS before
			FROM drover.changes WHERE id > $1 AND zone_name = '$2') x"
}

# barrier_start N - hold an advisory lock until N clients wait for it
barrier_start() {
	harness_psql -q -At >"$HARNESS_DIR/barrier.out" 2>&1 <<EOF &
SELECT pg_advisory_lock(121121);
SELECT clock_timestamp() AS t0 \\gset
DO \$\$
BEGIN
	FOR i IN 1..3000 LOOP
		EXIT WHEN (SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND objid = 121121 AND NOT granted) >= $1;
		PERFORM pg_sleep(0.01);
	END LOOP;
END
\$\$;
SELECT 'barrier: ' || count(*) || ' waiting after ' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 1) || ' s'
	FROM pg_locks WHERE locktype = 'advisory' AND objid = 121121 AND NOT granted;
EOF
	barrier_pid=$!
	for _ in $(seq 600); do # until it holds the lock, so no client runs ahead
		[ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 121121 AND granted")" = 1 ] && return 0
		sleep 0.05
	done
	diag "barrier: the lock holder did not start"
}
# client NAME SQLFILE - run SQLFILE as the pdns role once the barrier opens
client() {
	{
		echo "SELECT pg_advisory_lock_shared(121121);"
		echo "SELECT pg_advisory_unlock_shared(121121);"
		cat "$2"
	} | harness_psql_as pdns -q >"$HARNESS_DIR/client-$1.out" 2>&1
}
# run_clients NAME... - start client NAME with $HARNESS_DIR/NAME.sql for each,
# behind one barrier; sets $failed to the clients that exited non-zero
run_clients() {
	local n pids=() names=("$@") i
	barrier_start $#
	for n in "$@"; do
		client "$n" "$HARNESS_DIR/$n.sql" &
		pids+=($!)
	done
	failed=
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || failed="$failed ${names[$i]}"
	done
	wait "$barrier_pid"
	diag "$(grep -o 'barrier: .*' "$HARNESS_DIR/barrier.out")"
	for n in $failed; do
		diag "client $n:" "$(cat "$HARNESS_DIR/client-$n.out")"
	done
}

# --- 8 clients x 50 commits into one zone (INCREASE: the serials are exact)
mkzone conc.test 1000 INCREASE 8
names=()
for c in $(seq 8); do
	for i in $(seq 50); do
		echo "UPDATE records SET content = '10.$c.0.$i' WHERE name = 'c$c.conc.test' AND type = 'A';"
	done >"$HARNESS_DIR/a$c.sql"
	names+=("a$c")
done
m=$(mark)
t0=$(date +%s%N)
run_clients "${names[@]}"
diag "8 x 50 commits took $((($(date +%s%N) - t0) / 1000000)) ms"
is "$failed" "" "8 clients x 50 single-row commits on one zone: all succeed"
is "$(q "SELECT count(*) || ' ' || count(DISTINCT txid) FROM drover.changes WHERE id > $m")" "400 400" \
	"400 commits made 400 entries, one per transaction"
is "$(q "SELECT string_agg(DISTINCT zone_name || ':' || array_to_string(what, ','), ' ') FROM drover.changes WHERE id > $m")" \
	"conc.test:records" "each entry is the zone's, for its records"
is "$(serial conc.test)" 1400 "the serial rose by exactly 400: one bump per commit"
is "$(q "SELECT count(DISTINCT serial) || ' ' || min(serial) || ' ' || max(serial) FROM drover.changes WHERE id > $m")" \
	"400 1001 1400" "the entries carry 400 distinct serials, 1001 to 1400"
is "$(q "SELECT count(*) FROM drover.changes WHERE id > $m AND serial <> prev_serial + 1")" 0 \
	"each entry's serial is the one before it plus one"
is "$(order_violations "$m" conc.test)" 0 "the serials increase strictly in commit order"
is "$(q "SELECT count(*) FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = 'conc.test' AND r.type = 'SOA'")" 1 \
	"the zone still has one SOA row"

# --- two zones, touched in opposite orders: no deadlock, two entries per commit
mkzone ab1.test 5 DEFAULT 8
mkzone ab2.test 5 EPOCH 8
names=()
for c in $(seq 8); do
	for i in $(seq 25); do
		if [ $((c % 2)) = 0 ]; then first=ab1 second=ab2; else first=ab2 second=ab1; fi
		echo "BEGIN;"
		echo "UPDATE records SET content = '10.$c.1.$i' WHERE name = 'c$c.$first.test';"
		echo "UPDATE records SET content = '10.$c.1.$i' WHERE name = 'c$c.$second.test';"
		echo "COMMIT;"
	done >"$HARNESS_DIR/b$c.sql"
	names+=("b$c")
done
m=$(mark)
run_clients "${names[@]}"
is "$failed" "" "8 clients x 25 commits over two zones in opposite orders: no deadlock"
is "$(q "SELECT count(*) || ' ' || count(DISTINCT txid) FROM drover.changes WHERE id > $m")" "400 200" \
	"200 commits made 400 entries, one per zone per transaction"
is "$(q "SELECT count(*) FROM (SELECT txid FROM drover.changes WHERE id > $m GROUP BY txid HAVING count(*) <> 2) x")" 0 \
	"every transaction has one entry for each of the two zones"
today=$(q "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')")
is "$(serial ab1.test)" "$((10#${today}01 + 199))" "DEFAULT zone: YYYYMMDD01, then one more per commit"
is "$(order_violations "$m" ab1.test) $(order_violations "$m" ab2.test)" "0 0" \
	"both zones' serials increase strictly in commit order (DEFAULT and EPOCH)"
is "$(q "SELECT count(DISTINCT serial) FROM drover.changes WHERE id > $m AND zone_name = 'ab2.test'")" 200 \
	"the EPOCH zone got 200 distinct serials"

# --- a mix of writers on one zone, one of them replacing the SOA with a stale serial
mkzone mix.test 7 DEFAULT 8
zid=$(q "SELECT id FROM domains WHERE name = 'mix.test'")
for c in 1 2; do
	for i in $(seq 40); do
		echo "UPDATE records SET content = '10.$c.2.$i' WHERE name = 'c$c.mix.test';"
	done >"$HARNESS_DIR/m$c.sql"
done
for i in $(seq 40); do
	echo "INSERT INTO domainmetadata (domain_id, kind, content) VALUES ($zid, 'X-TEST', '$i');"
	echo "DELETE FROM domainmetadata WHERE domain_id = $zid AND kind = 'X-TEST';"
done >"$HARNESS_DIR/m3.sql"
for i in $(seq 40); do
	echo "INSERT INTO comments (domain_id, name, type, modified_at, comment) VALUES ($zid, 'c3.mix.test', 'A', $i, 'c$i');"
done >"$HARNESS_DIR/m4.sql"
for i in $(seq 40); do
	echo "BEGIN;"
	echo "DELETE FROM records WHERE domain_id = $zid AND name = 'mix.test' AND type = 'SOA';"
	echo "INSERT INTO records (domain_id, name, type, content, ttl) VALUES ($zid, 'mix.test', 'SOA', 'ns1.mix.test hostmaster.mix.test 6 10800 3600 604800 3600', 3600);"
	echo "COMMIT;"
done >"$HARNESS_DIR/m5.sql"
m=$(mark)
run_clients m1 m2 m3 m4 m5
is "$failed" "" "record, metadata, comment and SOA-replacing writers at once: all succeed"
is "$(q "SELECT count(*) || ' ' || count(DISTINCT txid) FROM drover.changes WHERE id > $m")" "240 240" \
	"240 commits made 240 entries"
is "$(order_violations "$m" mix.test)" 0 \
	"the serial increases strictly in commit order, stale SOA writes included"
is "$(q "SELECT count(*) FROM drover.changes WHERE id > $m AND serial_by = 'transaction'")" 0 \
	"a stale serial written by a transaction is never kept"
is "$(serial mix.test)" "$(q "SELECT serial FROM drover.changes WHERE id > $m ORDER BY sealed_at DESC LIMIT 1")" \
	"the zone ends with the last entry's serial"

# --- one transaction over 10,000 zones: linear time (a cached plan that
# scans a table the transaction keeps growing made this quadratic: 48 s)
m=$(mark)
t0=$(date +%s%N)
run harness_psql_as pdns -c "BEGIN" \
	-c "INSERT INTO domains (name, type) SELECT 'bulk' || i || '.test', 'NATIVE' FROM generate_series(1, 10000) i" \
	-c "INSERT INTO records (domain_id, name, type, content, ttl)
		SELECT d.id, d.name, 'SOA', 'ns1.' || d.name || ' hostmaster.' || d.name || ' 1 10800 3600 604800 3600', 3600
		FROM domains d WHERE d.name LIKE 'bulk%.test'
		UNION ALL SELECT d.id, 'www.' || d.name, 'A', '192.0.2.1', 60 FROM domains d WHERE d.name LIKE 'bulk%.test'" \
	-c "COMMIT"
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 0 "one transaction creating 10,000 zones commits"
ok "$([ "$ms" -lt 20000 ]; echo $?)" "within 20 s ($ms ms)"
is "$(q "SELECT count(*) || ' ' || count(DISTINCT txid) || ' ' || count(sealed_at) FROM drover.changes WHERE id > $m")" \
	"10000 1 10000" "10,000 entries, one transaction, all sealed"
m=$(mark)
t0=$(date +%s%N)
run harness_psql_as pdns -c "UPDATE records SET ttl = 61 WHERE type = 'A' AND name LIKE 'www.bulk%.test'"
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 0 "one statement changing a record in each of 10,000 zones commits"
ok "$([ "$ms" -lt 20000 ]; echo $?)" "within 20 s ($ms ms)"
is "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE prev_serial = 1 AND serial = ${today}01) FROM drover.changes WHERE id > $m")" \
	"10000 10000" "10,000 entries, each zone's serial bumped once"

# --- the commit-time state is consistent: one row per zone in drover.zone_serials
is "$(q "SELECT count(*) FROM drover.zone_serials z JOIN domains d ON d.id = z.zone_id
	JOIN records r ON r.domain_id = d.id AND r.name = d.name AND r.type = 'SOA'
	WHERE split_part(r.content, ' ', 3)::bigint <> z.serial")" 0 \
	"each zone's last sealed serial is the one its SOA row carries"

done_testing
