#!/bin/bash
# t/401-check-drift.sh - drift made for real and reported: worker 3 reads a
# second database in the same cluster, where one zone is missing, one is
# extra and one has a lower serial (missing, extra, behind, and config
# drift in gpgsql-dbname); then worker 2 goes down (unreachable). Each
# shows in the table and in --json, and check exits 1.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 401-check-drift 401 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)

register_workers 3
for z in a b c d; do
	"$DROVER" zone create $z.test --ns ns1.$z.test "${D[@]}" >/dev/null
done
start_daemon "$HARNESS_DIR/daemon.log"
wait_until 15000 in_sync
ok $? "the daemon delivered the zones"
stop_daemon "$DAEMON_PID"
run "$DROVER" check "${D[@]}"
is "$rc" 0 "before any drift: clean"

# worker 3 reads drover2: a copy of the pdns tables, then b.test gone,
# x.test added and c.test's serial lowered, with the capture triggers off
harness_worker_db 3 drover2
ok $? "worker 3 now reads the database drover2"
"$(harness_pgbin)/pg_dump" -h "$PGHOST_SOCKDIR" -p "$PGPORT" -U postgres --data-only \
	--disable-triggers -t domains -t records drover >"$HARNESS_DIR/copy.sql"
serial_c=$(harness_psql -At -c "SELECT split_part(content, ' ', 3) FROM records WHERE name = 'c.test' AND type = 'SOA'")
harness_psql -d drover2 >/dev/null <<EOF
\i $HARNESS_DIR/copy.sql
SET search_path = public;
SET session_replication_role = replica;
DELETE FROM records WHERE domain_id = (SELECT id FROM domains WHERE name = 'b.test');
DELETE FROM domains WHERE name = 'b.test';
INSERT INTO domains (id, name, type) VALUES (100, 'x.test', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, auth)
	VALUES (100, 'x.test', 'SOA', 'ns1.x.test hostmaster.x.test 7 10800 3600 604800 3600', 3600, true);
UPDATE records SET content = regexp_replace(content, ' $serial_c ', ' $((serial_c - 5)) ')
	WHERE name = 'c.test' AND type = 'SOA';
EOF
ok $? "drover2: b.test deleted, x.test added, c.test's serial lowered by 5"
harness_pdns_control 3 rediscover >/dev/null
harness_pdns_control 3 purge >/dev/null

run "$DROVER" check --json "${D[@]}"
is "$rc" 1 "a worker on the wrong database: exit 1"
j=$out
w3() { echo "$j" | jq -r ".servers[] | select(.name == \"w3\") | $1"; }
is "$(echo "$j" | jq -r '.clean')" false "--json: clean is false"
is "$(w3 .state)" drift "--json: w3 drifts"
is "$(w3 '[.missing[].zone] | join(",")')" b.test "--json: w3 misses b.test"
is "$(w3 '[.extra[].zone] | join(",")')" x.test "--json: w3 has the extra zone x.test"
is "$(w3 '.extra[0].worker_serial')" 7 "--json: with its serial 7"
is "$(w3 '[.behind[] | .zone + " " + (.worker_serial | tostring) + " " + (.serial | tostring) + " " + (.lag | tostring)] | join(",")')" \
	"c.test $((serial_c - 5)) $serial_c 5" "--json: w3 is behind on c.test by 5"
is "$(w3 '.stale | length')" 0 "--json: and nothing on w3 counts as stale"
is "$(echo "$j" | jq -r '[.servers[] | select(.name != "w3") | .state] | join(",")')" ok,ok \
	"--json: w1 and w2 are ok"
is "$(echo "$j" | jq -r '[.config_drift[] | .setting + ":" + .values.w1 + "/" + .values.w3] | join(",")')" \
	"gpgsql-dbname:drover/drover2" "--json: config drift in gpgsql-dbname only"

run "$DROVER" check "${D[@]}"
is "$rc" 1 "the table: exit 1"
like "$out" "w3: missing zone 'b.test.'" "the table names the missing zone"
like "$out" "w3: extra zone 'x.test.'" "the table names the extra zone"
like "$out" "w3: behind zone 'c.test.': serial $((serial_c - 5)) in the worker's database, $serial_c in the primary (lag 5)" \
	"the table names the zone behind, with the lag"
like "$out" "config drift: gpgsql-dbname: w1='drover' w2='drover' w3='drover2'" "the table shows the config drift"
like "$(echo "$out" | awk '$1 == "w3"')" "drift" "w3's row says drift"

run "$DROVER" check --server w1 --server w2 "${D[@]}"
is "$rc" 0 "w1 and w2 alone: clean"

# worker 2 down
harness_stop_worker 2
t0=$(now_ms)
run "$DROVER" check --json "${D[@]}"
t=$(($(now_ms) - t0))
is "$rc" 1 "a worker down: exit 1"
is "$(echo "$out" | jq -r '.servers[] | select(.name == "w2") | .state')" unreachable "--json: w2 unreachable"
like "$(echo "$out" | jq -r '.servers[] | select(.name == "w2") | .error')" "API zone list" \
	"--json: its error says the API did not answer"
ok "$([ "$t" -lt 10000 ]; echo $?)" "a worker down does not hold the check up (${t} ms)"
run "$DROVER" check --server w2 "${D[@]}"
is "$rc" 1 "--server w2 (down): exit 1, not 3"
like "$out" "w2: unreachable: API zone list:" "the table says w2 is unreachable and why"
like "$(echo "$out" | awk '$1 == "w2"')" "unreachable" "w2's row says unreachable"

# the API answers but DNS does not: unreachable too
harness_restart_worker 2
ok $? "worker 2 back"
"$DROVER" server remove w2 "${D[@]}" >/dev/null
"$DROVER" server add w2 --api "$W2_API" --api-key-file "$W2_API_KEYFILE" --dns "127.0.0.1:$((PGPORT + 18))" \
	"${D[@]}" >/dev/null
run "$DROVER" check --json --server w2 "${D[@]}"
is "$rc" 1 "a worker whose DNS does not answer: exit 1"
like "$(echo "$out" | jq -r '.servers[0].state + " " + .servers[0].error')" "unreachable DNS 127.0.0.1:$((PGPORT + 18))" \
	"--json: unreachable, the error names the DNS address"

done_testing
