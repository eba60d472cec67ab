#!/bin/bash
# t/402-check-repair.sh - stale answers made for real: with the daemon
# stopped, raw SQL changes a zone every worker has cached (caches hold
# answers for 20 s), and creates a zone no worker's zone cache knows
# (refreshed every 300 s). check reports both as stale on every worker
# (exit 1); check --repair purges them, over the control channel (TCP on
# w1, the unix socket on w2) and over the API (w3 has no control channel),
# and every worker answers the new serial within 2 s (exit 0).
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 402-check-repair 402 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)

register_workers 2
"$DROVER" server add w3 --api "$W3_API" --api-key-file "$W3_API_KEYFILE" --dns "$W3_DNS" "${D[@]}" >/dev/null
ok $? "w1, w2 with a control channel, w3 without"
start_daemon "$HARNESS_DIR/daemon.log"
wait_until 15000 in_sync
# created once every server has a cursor, so the API flush puts it into
# w3's zone cache (a server's first whole purge reloads the zone list only
# over the control channel)
"$DROVER" zone create s.test --ns ns1.s.test "${D[@]}" >/dev/null
"$DROVER" rrset replace s.test www A 300 192.0.2.1 "${D[@]}" >/dev/null
wait_until 15000 in_sync
ok $? "the daemon delivered the zone"
stop_daemon "$DAEMON_PID"

soa() { harness_psql -At -c "SELECT split_part(content, ' ', 3) FROM records WHERE name = '$1' AND type = 'SOA'"; }
old=$(soa s.test)
run "$DROVER" check "${D[@]}"
is "$rc" 0 "clean before the raw write (and every worker has cached s.test's SOA)"
for w in 1 2 3; do harness_dig $w s.test SOA >/dev/null; done

harness_psql -c "UPDATE records SET content = '192.0.2.2' WHERE name = 'www.s.test' AND type = 'A'"
harness_psql -c "INSERT INTO domains (name, type) VALUES ('n.test', 'NATIVE')"
harness_psql -c "INSERT INTO records (domain_id, name, type, content, ttl, auth)
	SELECT id, 'n.test', 'SOA', 'ns1.n.test hostmaster.n.test 1 10800 3600 604800 3600', 3600, true
	FROM domains WHERE name = 'n.test'"
new=$(soa s.test)
ok "$([ "$new" != "$old" ]; echo $?)" "the raw write bumped s.test's serial ($old -> $new)"
served() { harness_dig "$1" s.test SOA | awk '{ print $3 }'; }
is "$(served 1) $(served 2) $(served 3)" "$old $old $old" "every worker still answers the old serial from its cache"

run "$DROVER" check --json "${D[@]}"
is "$rc" 1 "stale answers: exit 1"
stale() { echo "$out" | jq -r "[.servers[] | select(.name == \"$1\") | .stale[] | .zone + \"=\" + .answer] | join(\",\")"; }
for w in w1 w2 w3; do
	is "$(stale $w)" "n.test=REFUSED without SOA,s.test=serial $old" \
		"--json: $w is stale on s.test (answers $old) and n.test (REFUSED)"
done
is "$(echo "$out" | jq -r '[.servers[] | (.missing + .behind) | length] | add')" 0 \
	"--json: neither zone is missing or behind: every worker's database is right"
run "$DROVER" check "${D[@]}"
like "$out" "w1: stale zone 's.test.': answers serial $old, its database has serial $new" \
	"the table names the stale zone, what it answers and what it should"

t0=$(now_ms)
run "$DROVER" check --repair --json "${D[@]}"
t=$(($(now_ms) - t0))
is "$rc" 0 "check --repair: exit 0 once every stale zone is repaired"
is "$(echo "$out" | jq -r '[.servers[] | .name + ":" + ([.repaired[].zone] | join("+"))] | join(",")')" \
	"w1:n.test+s.test,w2:n.test+s.test,w3:n.test+s.test" "--repair --json: both zones repaired on each worker"
is "$(echo "$out" | jq -r '[.servers[].stale | length] | add')" 0 "--repair --json: nothing left stale"
ok "$([ "$t" -lt 2000 ]; echo $?)" "--repair took ${t} ms, far below the 20 s cache TTL"
is "$(served 1) $(served 2) $(served 3)" "$new $new $new" "every worker now answers the new serial"
is "$(harness_dig 1 www.s.test A) $(harness_dig 2 www.s.test A) $(harness_dig 3 www.s.test A)" \
	"192.0.2.2 192.0.2.2 192.0.2.2" "and the new record"
ns=$(for w in 1 2 3; do harness_dig $w n.test SOA | awk '{ print $3 }'; done | paste -sd ' ')
is "$ns" "1 1 1" "and the zone the zone caches did not know"
run "$DROVER" check "${D[@]}"
is "$rc" 0 "check afterwards: clean"

# a stale zone that cannot be repaired (a worker whose purge fails) stays stale
harness_psql -c "UPDATE records SET content = '192.0.2.3' WHERE name = 'www.s.test' AND type = 'A'"
"$DROVER" server remove w3 "${D[@]}" >/dev/null
echo wrong-key >"$HARNESS_DIR/wrong-key"
"$DROVER" server add w3 --api "$W3_API" --api-key-file "$HARNESS_DIR/wrong-key" --dns "$W3_DNS" \
	--no-probe "${D[@]}" >/dev/null
run "$DROVER" check --repair --server w1 --server w2 "${D[@]}"
is "$rc" 0 "w1 and w2 repaired again"
run "$DROVER" check --repair --json --server w3 "${D[@]}"
is "$rc" 1 "a worker whose API refuses the key: exit 1"
is "$(echo "$out" | jq -r '.servers[0].state')" unreachable "and it is reported unreachable"
like "$(echo "$out" | jq -r '.servers[0].error')" "HTTP 401" "with the API's answer"

done_testing
