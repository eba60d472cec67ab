#!/bin/bash
# t/310-run-propagation.sh - with `drover run`, a change made by `drover
# rrset replace`, by raw SQL from another role, and through one worker's
# HTTP API is answered by all three workers within 2 s, though their caches
# hold answers for 20 s; a zone created by raw SQL is answered at once
# (the zone cache refreshes every 300 s), a deleted one is REFUSED at once;
# --wait and status report it; SIGTERM stops the daemon cleanly.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 310-run-propagation 310 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
LOG=$HARNESS_DIR/daemon.log
DEADLINE=2000 # ms; the caches hold answers for 20 s (cache-ttl) and zones for 300 s

register_workers 3
ok $? "three workers registered"
start_daemon "$LOG"
wait_until 10000 daemon_ready
ok $? "drover run leads and every server is healthy"

run "$DROVER" zone create prop.test --ns ns1.prop.test --wait "${D[@]}"
is "$rc" 0 "zone create --wait: applied everywhere"
is "$(echo "$out" | grep -c ': applied')" 3 "--wait reports applied for w1, w2, w3"
"$DROVER" rrset replace prop.test www A 300 192.0.2.1 --wait "${D[@]}" >/dev/null
wait_until $DEADLINE all_answer www.prop.test A 192.0.2.1
ok $? "a new zone and record are answered by every worker"
for i in 1 2 3; do all_answer www.prop.test A 192.0.2.1 >/dev/null; done # fill the caches

# drover rrset replace
t0=$(now_ms)
"$DROVER" rrset replace prop.test www A 300 192.0.2.2 "${D[@]}" >/dev/null
wait_until $DEADLINE all_answer www.prop.test A 192.0.2.2
ok $? "drover rrset replace: every worker answers the new value within 2 s ($(($(now_ms) - t0)) ms)"

# raw SQL from another login role (the pdns role the workers use)
for i in 1 2 3; do all_answer www.prop.test A 192.0.2.2 >/dev/null; done
t0=$(now_ms)
harness_psql_as pdns -d drover -c "UPDATE records SET content = '192.0.2.3' WHERE name = 'www.prop.test' AND type = 'A'" >/dev/null
wait_until $DEADLINE all_answer www.prop.test A 192.0.2.3
ok $? "raw SQL: every worker answers the new value within 2 s ($(($(now_ms) - t0)) ms)"

# a PATCH through worker 1's API: workers 2 and 3 are not told by PowerDNS
for i in 1 2 3; do all_answer www.prop.test A 192.0.2.3 >/dev/null; done
t0=$(now_ms)
status=$(printf 'header = "X-API-Key: %s"\n' "$(cat "$W1_API_KEYFILE")" |
	curl -s -o /dev/null -w '%{http_code}' -K - -X PATCH "$W1_API/api/v1/servers/localhost/zones/prop.test." \
		--data '{"rrsets": [{"name": "www.prop.test.", "type": "A", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "192.0.2.4", "disabled": false}]}]}')
is "$status" 204 "PATCH through worker 1's API"
wait_until $DEADLINE all_answer www.prop.test A 192.0.2.4
ok $? "API PATCH: every worker answers the new value within 2 s ($(($(now_ms) - t0)) ms)"

# a zone created by raw SQL
t0=$(now_ms)
harness_psql -c "BEGIN;
	INSERT INTO domains (name, type) VALUES ('raw.test', 'NATIVE');
	INSERT INTO records (domain_id, name, type, content, ttl)
	  SELECT id, 'raw.test', 'SOA', 'ns1.raw.test hostmaster.raw.test 1 10800 3600 604800 3600', 3600 FROM domains WHERE name = 'raw.test';
	INSERT INTO records (domain_id, name, type, content, ttl)
	  SELECT id, 'www.raw.test', 'A', '192.0.2.50', 300 FROM domains WHERE name = 'raw.test';
	COMMIT" >/dev/null
wait_until $DEADLINE all_answer www.raw.test A 192.0.2.50
ok $? "a zone created by raw SQL is answered by every worker within 2 s ($(($(now_ms) - t0)) ms)"

# a zone deleted by raw SQL
for i in 1 2 3; do all_answer www.raw.test A 192.0.2.50 >/dev/null; done
t0=$(now_ms)
harness_psql -c "DELETE FROM domains WHERE name = 'raw.test'" >/dev/null
wait_until $DEADLINE all_status www.raw.test A REFUSED
ok $? "a deleted zone is REFUSED by every worker within 2 s ($(($(now_ms) - t0)) ms)"

# --wait after a write, and status
run "$DROVER" rrset replace prop.test www TXT 300 '"v1"' --wait=5 "${D[@]}"
is "$rc" 0 "--wait exits 0 when every server applied"
for w in 1 2 3; do
	is "$(harness_dig $w www.prop.test TXT)" '"v1"' "worker $w already serves what --wait reported applied"
done
run "$DROVER" status --json "${D[@]}"
is "$rc" 0 "status exits 0"
is "$(echo "$out" | jq -r '[.servers[] | .health] | join(",")')" "healthy,healthy,healthy" "status: every server healthy"
is "$(echo "$out" | jq -r '[.servers[] | .lag_entries] | add')" 0 "status: no lag"
ok "$([ "$(echo "$out" | jq -r .leader)" != null ]; echo $?)" "status names the leader"

# the log is pruned below every cursor
log_empty() { [ "$(harness_psql -At -c 'SELECT count(*) FROM drover.changes')" = 0 ]; }
wait_until 15000 log_empty
ok $? "the change log is pruned once every server passed it"

stop_daemon "$DAEMON_PID"
is "$?" 0 "SIGTERM: drover run exits 0"
like "$(cat "$LOG")" "stopped" "the daemon logged its stop"
secrets=$(cat "$W1_API_KEYFILE" "$W2_API_KEYFILE" "$W3_API_KEYFILE" "$W1_CONTROL_SECRETFILE")
leaks=
for s in $secrets; do grep -qF -- "$s" "$LOG" && leaks="$leaks $s"; done
is "$leaks" "" "no API key or control secret in the daemon's log"

done_testing
