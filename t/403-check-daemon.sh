#!/bin/bash
# t/403-check-daemon.sh - drover run checks for drift every check-interval
# seconds and keeps the last result for `drover status` (table and JSON):
# clean while every worker serves the database, drift once a worker is
# down, clean again once it is back; a reloaded interval applies; the
# report and the log hold no API key.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 403-check-daemon 403 2 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
LOG=$HARNESS_DIR/daemon.log
NWORKERS=2

register_workers 2
run "$DROVER" status "${D[@]}"
like "$out" "last check: none yet" "status before any check: none yet"
is "$(echo "$("$DROVER" status --json "${D[@]}")" | jq -r '.last_check')" null "status --json: last_check is null"

start_daemon "$LOG" --check-interval 1
wait_until 10000 daemon_ready
ok $? "the daemon leads"
"$DROVER" zone create d.test --ns ns1.d.test "${D[@]}" >/dev/null
wait_until 10000 in_sync
last() { "$DROVER" status --json "${D[@]}" 2>/dev/null | jq -r ".last_check$1"; }
checked_clean() { [ "$(last .clean)" = true ] && [ "$(last .report.zones)" = 1 ]; }
wait_until 10000 checked_clean
ok $? "a periodic check ran and found the one zone clean"
is "$(last '.report.servers | map(.name + "=" + .state) | join(",")')" "w1=ok,w2=ok" \
	"status --json: the stored report has w1 and w2 ok"
like "$(last .summary)" "clean: 2 servers, 1 zones" "status --json: the summary"
like "$(last .holder)" ":$DAEMON_PID" "status --json: which daemon checked"
run "$DROVER" status "${D[@]}"
like "$out" "last check: " "status: a last-check line"
like "$out" "clean: 2 servers, 1 zones" "status: with its summary"

harness_stop_worker 2
drift() { [ "$(last .clean)" = false ]; }
wait_until 15000 drift
ok $? "after worker 2 went down a periodic check found drift"
is "$(last '.report.servers[] | select(.name == "w2") | .state')" unreachable \
	"status --json: w2 unreachable in the stored report"
like "$(last .summary)" "w2 unreachable" "status --json: the summary names w2"
run "$DROVER" status "${D[@]}"
like "$out" "drift: 2 servers, 1 zones" "status: the last check found drift"
grep -q 'warning check: drift: .*w2 unreachable' "$LOG"
ok $? "the daemon logged the drift as a warning"

harness_restart_worker 2
wait_until 15000 checked_clean
ok $? "once worker 2 is back the next check is clean"

# a reloaded interval: 0 stops the checks
printf 'check-interval = 0\n' >"$HARNESS_DIR/drover.conf"
stop_daemon "$DAEMON_PID"
"$DROVER" run --db "$DROVER_DB" --config "$HARNESS_DIR/drover.conf" --log-level info >>"$LOG" 2>&1 &
DAEMON_PID=$!
harness_track_pid $DAEMON_PID
wait_until 10000 daemon_ready
stamp=$(last .finished_at)
sleep 2.5
is "$(last .finished_at)" "$stamp" "check-interval = 0: no check runs"
printf 'check-interval = 1\n' >"$HARNESS_DIR/drover.conf"
kill -HUP "$DAEMON_PID"
newer() { [ "$(last .finished_at)" != "$stamp" ]; }
wait_until 10000 newer
ok $? "SIGHUP with check-interval = 1: checks run again"

leaks=0
all=$("$DROVER" status --json "${D[@]}"; cat "$LOG")
for f in "$W1_API_KEYFILE" "$W2_API_KEYFILE" "$W1_CONTROL_SECRETFILE"; do
	case $all in *"$(cat "$f")"*) leaks=$((leaks + 1)) ;; esac
done
is "$leaks" 0 "no API key or control secret in the stored report or the log"
stop_daemon "$DAEMON_PID"
is $? 0 "the daemon stops cleanly"

done_testing
