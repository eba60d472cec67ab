#!/bin/bash
# t/200-server-registry.sh - `drover server add|list|remove|enable|disable`
# against three real pdns_server workers: the probe records the version,
# a wrong key and an unreachable URL are refused with nothing stored, the
# secrets are shown only as "set", readable only by the owner role, and
# appear in no output or log.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

# a fake API that says it is a recursor (t/lib/fakeapi.py), started first so
# the harness's EXIT trap stops it too
FAKE_PORT=$((10000 + 20 * 200 + 18))
FAKE_DIR=$(mktemp -d /tmp/drover-t200.XXXXXX)
echo recursor >"$FAKE_DIR/mode"
python3 "${DROVER_SRCDIR:-.}/t/lib/fakeapi.py" $FAKE_PORT "$FAKE_DIR/mode" "$FAKE_DIR/log" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$FAKE_DIR"' EXIT
harness_start 200-server-registry 200 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
count() { harness_psql -At -c "SELECT count(*) FROM drover.servers$1"; }
transcript=$HARNESS_DIR/transcript # every drover output, grepped for secrets at the end
record() { printf '%s\n%s\n' "$out" "$err" >>"$transcript"; }

run "$DROVER" server add w1 --api "$W1_API" --api-key-file "$W1_API_KEYFILE" --dns "$W1_DNS" \
	--control "$W1_CONTROL" --control-secret-file "$W1_CONTROL_SECRETFILE" "${D[@]}"
record
is "$rc" 0 "server add w1 (TCP control channel) exits 0"
like "$out" "PowerDNS 4.7" "the probe read the PowerDNS version"

run "$DROVER" server add w2 --api "$W2_API/" --api-key-file "$W2_API_KEYFILE" --dns "$W2_DNS" \
	--control "$W2_SOCKDIR/pdns.controlsocket" "${D[@]}"
record
is "$rc" 0 "server add w2 (unix control socket) exits 0"

run "$DROVER" server add w3 --api "$W3_API" --api-key-file "$W3_API_KEYFILE" --dns "$W3_DNS" \
	--no-probe "${D[@]}"
record
is "$rc" 0 "server add w3 --no-probe exits 0"

run "$DROVER" server list "${D[@]}"
record
is "$rc" 0 "server list exits 0"
w1line=$(echo "$out" | grep '^w1 ')
like "$w1line" "4.7.3" "list shows w1's PowerDNS version"
like "$w1line" "$W1_API" "list shows w1's API URL"
like "$w1line" "$W1_CONTROL" "list shows w1's control address"
like "$(echo "$out" | grep '^w2 ')" "$W2_API " "a trailing slash on --api was dropped"
is "$(echo "$out" | grep -c ' set ')" 3 "each API key shows as 'set'"

run "$DROVER" server list --json "${D[@]}"
record
is "$rc" 0 "server list --json exits 0"
is "$(echo "$out" | jq -r '[.[] | .name] | join(",")')" "w1,w2,w3" "--json lists the servers by name"
is "$(echo "$out" | jq -r '.[0].pdns_version')" "4.7.3" "--json carries the probed version"
is "$(echo "$out" | jq -r '[.[] | .api_key] | join(",")')" "set,set,set" "--json shows keys only as 'set'"
is "$(echo "$out" | jq -r '[.[] | .control_secret] | join(",")')" "set,unset,unset" \
	"--json shows the control secret only as 'set'"
is "$(echo "$out" | jq -r '[.[] | .notify] | join(",")')" "true,false,false" \
	"by default only the first server sends NOTIFYs"
is "$(echo "$out" | jq -r '.[2].pdns_version')" "null" "--no-probe stores no version"

# refusals: nothing stored
n=$(count)
echo "wrong-key-$RANDOM" >"$HARNESS_DIR/wrong-key"
run "$DROVER" server add bad1 --api "$W1_API" --api-key-file "$HARNESS_DIR/wrong-key" "${D[@]}"
record
is "$rc" 2 "a wrong API key exits 2"
like "$err" "rejected the API key (HTTP 401)" "the error says the key was rejected"
is "$(count)" "$n" "nothing stored after a wrong key"

free_port=$((10000 + 20 * 200 + 19))
run "$DROVER" server add bad2 --api "http://127.0.0.1:$free_port" --api-key-file "$W1_API_KEYFILE" "${D[@]}"
record
is "$rc" 3 "an unreachable API exits 3"
like "$err" "cannot reach 'http://127.0.0.1:$free_port'" "the error names the unreachable URL"
is "$(count)" "$n" "nothing stored after an unreachable URL"

# something that answers HTTP but is not the PowerDNS API: the worker's DNS port over TCP
run "$DROVER" server add bad3 --api "http://$W1_DNS" --api-key-file "$W1_API_KEYFILE" "${D[@]}"
record
ok "$([ "$rc" -ne 0 ]; echo $?)" "a DNS port given as --api is refused (exit $rc)"
is "$(count)" "$n" "nothing stored after a non-API endpoint"

for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$FAKE_PORT/" && break; sleep 0.1; done
run "$DROVER" server add rec --api "http://127.0.0.1:$FAKE_PORT" --api-key-file "$W1_API_KEYFILE" "${D[@]}"
record
is "$rc" 2 "a PowerDNS recursor's API exits 2"
like "$err" "is a PowerDNS 'recursor', not an authoritative server" "the error says it is not authoritative"
is "$(count)" "$n" "nothing stored after a non-authoritative server"

run "$DROVER" server add w1 --api "$W1_API" --api-key-file "$W1_API_KEYFILE" "${D[@]}"
record
is "$rc" 2 "adding a name twice exits 2"
like "$err" "server 'w1' already exists" "the error names the duplicate"

# enable / disable / remove
run "$DROVER" server disable w2 "${D[@]}"
is "$rc" 0 "server disable w2 exits 0"
is "$(harness_psql -At -c "SELECT enabled FROM drover.servers WHERE name = 'w2'")" f "w2 is disabled"
run "$DROVER" server enable w2 "${D[@]}"
is "$(harness_psql -At -c "SELECT enabled FROM drover.servers WHERE name = 'w2'")" t "w2 is enabled again"
run "$DROVER" server remove w3 "${D[@]}"
is "$rc" 0 "server remove w3 exits 0"
is "$(count " WHERE name = 'w3'")" 0 "w3 is gone"
is "$(harness_psql -At -c "SELECT count(*) FROM drover.server_secrets")" 2 "w3's secrets went with it"
run "$DROVER" server remove w3 "${D[@]}"
is "$rc" 2 "removing an unknown server exits 2"
like "$err" "no server named 'w3'" "the error names the unknown server"
run "$DROVER" server disable nosuch "${D[@]}"
is "$rc" 2 "disabling an unknown server exits 2"

# the secrets table is the owner's alone
run harness_psql_as pdns -c "SELECT * FROM drover.server_secrets"
ok "$([ "$rc" -ne 0 ]; echo $?)" "the pdns role cannot read drover.server_secrets"
like "$err" "permission denied" "PostgreSQL refuses it"

# the stored key is the one in the file (so the daemon can use it)
is "$(harness_psql -At -c "SELECT api_key FROM drover.server_secrets k JOIN drover.servers s ON s.id = k.server_id WHERE s.name = 'w1'")" \
	"$(cat "$W1_API_KEYFILE")" "the API key is stored as given"

# no secret in any output or log
secrets=$(cat "$W1_API_KEYFILE" "$W2_API_KEYFILE" "$W3_API_KEYFILE" "$W1_CONTROL_SECRETFILE")
leaks=
for s in $secrets; do
	if grep -rqF -- "$s" "$transcript" $(find "$HARNESS_DIR" -name '*.log'); then
		leaks="$leaks $s"
	fi
done
is "$leaks" "" "no API key or control secret in drover's output or any server log"

done_testing
