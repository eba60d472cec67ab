#!/bin/bash
# t/340-run-reload-prune.sh - the daemon follows the registry and its config:
# a server disabled or removed does not hold pruning back; one enabled again
# is purged whole and starts at the head of the log; a server added while
# the daemon runs is picked up; SIGHUP rereads the config file.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 340-run-reload-prune 340 3 || exit 1
export PGPASSFILE
CONF=$HARNESS_DIR/drover.conf
printf 'db = %s\nlog-level = notice\n' "$DROVER_DB" >"$CONF"
chmod 600 "$CONF"
D=(--config "$CONF")
LOG=$HARNESS_DIR/daemon.log
register_workers 2
"$DROVER" run "${D[@]}" >>"$LOG" 2>&1 &
DAEMON_PID=$!
harness_track_pid $DAEMON_PID
wait_until 15000 daemon_ready
ok $? "daemon up with two servers"
"$DROVER" zone create rp.test --ns ns1.rp.test --wait "${D[@]}" >/dev/null

log_size() { harness_psql -At -c 'SELECT count(*) FROM drover.changes'; }
log_empty() { [ "$(log_size)" = 0 ]; }

run "$DROVER" server disable w2 "${D[@]}"
is "$rc" 0 "w2 disabled"
is "$(harness_psql -At -c "SELECT count(*) FROM drover.cursors c JOIN drover.servers s ON s.id = c.server_id WHERE s.name = 'w2'")" 0 \
	"disabling drops its cursor"
for i in 1 2 3 4 5; do "$DROVER" rrset replace rp.test www A 300 192.0.2.$i "${D[@]}" >/dev/null; done
wait_until 20000 log_empty
ok $? "a disabled server does not hold pruning back"

run "$DROVER" server enable w2 "${D[@]}"
wait_until 20000 all_answer www.rp.test A 192.0.2.5 2
ok $? "enabled again, w2 is purged whole and serves the current data"
like "$(cat "$LOG")" "[server w2] purged whole" "the whole purge is logged"

W3=(--api "$W3_API" --api-key-file "$W3_API_KEYFILE" --dns "$W3_DNS" --control "$W3_SOCKDIR/pdns.controlsocket")
"$DROVER" server add w3 "${W3[@]}" "${D[@]}" >/dev/null
"$DROVER" rrset replace rp.test www A 300 192.0.2.6 "${D[@]}" >/dev/null
wait_until 20000 all_answer www.rp.test A 192.0.2.6 3
ok $? "a server added while the daemon runs is picked up" ||
	diag "answers: $(harness_dig 1 www.rp.test A) / $(harness_dig 2 www.rp.test A) / $(harness_dig 3 www.rp.test A)"

run "$DROVER" server remove w3 "${D[@]}"
for i in 7 8; do "$DROVER" rrset replace rp.test www A 300 192.0.2.$i "${D[@]}" >/dev/null; done
wait_until 20000 log_empty
ok $? "a removed server does not hold pruning back"

printf 'db = %s\nlog-level = debug\n' "$DROVER_DB" >"$CONF"
kill -HUP "$DAEMON_PID"
wait_until 5000 grep -q "config reloaded (log-level debug)" "$LOG"
ok $? "SIGHUP rereads the config file"
"$DROVER" rrset replace rp.test www A 300 192.0.2.9 "${D[@]}" >/dev/null
wait_until 5000 grep -q "debug fanout" "$LOG"
ok $? "the new log level takes effect"
printf 'db = %s\nlog-levle = debug\n' "$DROVER_DB" >"$CONF"
kill -HUP "$DAEMON_PID"
wait_until 5000 grep -q "config not reloaded" "$LOG"
ok $? "a bad config on SIGHUP is refused with a log line"
kill -0 "$DAEMON_PID"
ok $? "and the daemon runs on"
like "$(grep 'config not reloaded' "$LOG")" "unknown key 'log-levle'" "the log line names the bad key"
stop_daemon "$DAEMON_PID"
is $? 0 "SIGTERM: exit 0"

done_testing
