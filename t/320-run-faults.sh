#!/bin/bash
# t/320-run-faults.sh - bad API answers (401, 500, invalid JSON, a server
# that accepts and never answers), injected by a fake API beside a real
# worker: each gives a clear log line and a retry, the daemon does not
# crash, the other server is not held up, and the faulty server's cursor
# does not move until it answers well again, then it catches up.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

if ! command -v python3 >/dev/null; then
	echo "Bail out! python3 not found (the fake API needs it)"
	exit 1
fi
# the fake starts first, so the harness's EXIT trap (which runs the one
# set before it) stops it too
FAKE_PORT=$((10000 + 20 * 320 + 19))
FAKE_DIR=$(mktemp -d /tmp/drover-t320.XXXXXX)
MODE=$FAKE_DIR/fake.mode
echo ok >"$MODE"
python3 "${DROVER_SRCDIR:-.}/t/lib/fakeapi.py" $FAKE_PORT "$MODE" "$FAKE_DIR/fake.log" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$FAKE_DIR"' EXIT
harness_start 320-run-faults 320 1 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
LOG=$HARNESS_DIR/daemon.log
wait_until 5000 curl -s -o /dev/null "http://127.0.0.1:$FAKE_PORT/"
ok $? "the fake API answers"

register_workers 1
echo fake-key >"$HARNESS_DIR/fake-key"
# the fake takes the API's place; its DNS is the real worker's, so it is
# proven served as soon as the fake lets a flush through
"$DROVER" server add fake --api "http://127.0.0.1:$FAKE_PORT" --api-key-file "$HARNESS_DIR/fake-key" \
	--dns "$W1_DNS" --no-probe "${D[@]}" >/dev/null
"$DROVER" zone create f.test --ns ns1.f.test "${D[@]}" >/dev/null
start_daemon "$LOG" --log-level info
wait_until 15000 in_sync
ok $? "both servers in sync while the fake answers well"

cursor() { harness_psql -At -c "SELECT c.txid || '/' || c.id FROM drover.cursors c JOIN drover.servers s ON s.id = c.server_id WHERE s.name = '$1'"; }
ok "$([ -n "$(cursor fake)" ]; echo $?)" "the fake has a cursor ($(cursor fake))"
n=0
for mode in 401 500 badjson hang; do
	n=$((n + 1))
	echo $mode >"$MODE"
	before=$(cursor fake)
	lines=$(grep -c 'server fake.*delivery failed' "$LOG")
	"$DROVER" rrset replace f.test www A 300 192.0.2.$n "${D[@]}" >/dev/null
	wait_until 2000 all_answer www.f.test A 192.0.2.$n 1
	ok $? "$mode: the real worker is not held up"
	more_failures() { [ "$(grep -c 'server fake.*delivery failed' "$LOG")" -gt "$lines" ]; }
	wait_until 20000 more_failures
	ok $? "$mode: the failure is logged"
	case $mode in
	401) want="HTTP 401" ;;
	500) want="HTTP 500" ;;
	badjson) want="invalid JSON" ;;
	hang) want="API: " ;;
	esac
	like "$(grep 'server fake.*delivery failed' "$LOG" | tail -n 1)" "$want" "$mode: the log line says why"
	like "$(grep 'server fake.*delivery failed' "$LOG" | tail -n 1)" "retry in" "$mode: and that it retries"
	is "$(cursor fake)" "$before" "$mode: the fake's cursor did not move"
	kill -0 "$DAEMON_PID"
	ok $? "$mode: the daemon is still running"
done
run "$DROVER" status --json "${D[@]}"
like "$(echo "$out" | jq -r '.servers[] | select(.name == "fake") | .health + " " + .last_error')" "API" \
	"status shows the fake failing, with its last error"
is "$rc" 1 "status exits 1 while a server fails"

echo ok >"$MODE"
wait_until 60000 in_sync
ok $? "once the fake answers well it catches up"
ok "$([ "$(cursor fake)" = "$(cursor w1)" ]; echo $?)" "its cursor reaches the same place as the real worker's"
is "$(grep -c 'X-API\|fake-key' "$LOG")" 0 "the fake's API key is not in the log"
stop_daemon "$DAEMON_PID"
is $? 0 "the daemon stops cleanly"

done_testing
