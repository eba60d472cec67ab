#!/bin/bash
# t/500-run-recovery.sh - nothing committed is lost: `kill -9` of the daemon
# in the middle of a burst of 1,000 changes, then a restart; a PostgreSQL
# restart under the daemon; a worker that stops answering (the others are
# not held up, and it catches up when it returns); two daemons at once
# (one leader; the other takes over after a kill); a PostgreSQL restart.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 500-run-recovery 500 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
LOG=$HARNESS_DIR/daemon.log
ZONES="z0.test z1.test z2.test z3.test z4.test z5.test z6.test z7.test z8.test z9.test"

register_workers 3
for z in $ZONES; do
	"$DROVER" zone create $z --ns ns1.$z "${D[@]}" >/dev/null
	"$DROVER" rrset replace $z www A 300 192.0.2.1 "${D[@]}" >/dev/null
done
start_daemon "$LOG"
wait_until 15000 daemon_ready && wait_until 15000 in_sync
ok $? "daemon up, ten zones delivered"

# --- kill -9 in the middle of a burst of 1,000 changes (one transaction each)
{
	for i in $(seq 1 1000); do
		z=z$((i % 10)).test
		echo "UPDATE records SET content = '10.0.$((i / 256)).$((i % 256))' WHERE name = 'www.$z' AND type = 'A';"
	done
} >"$HARNESS_DIR/burst.sql"
harness_psql -f "$HARNESS_DIR/burst.sql" >/dev/null &
burst=$!
sleep 0.3
kill -0 $burst 2>/dev/null
ok $? "the burst is still running when the daemon is killed"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
wait $burst
ok $? "the burst of 1,000 commits finished"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE name LIKE 'www.z%' AND content LIKE '10.0.%'")" 10 \
	"every zone holds a burst value"
start_daemon "$LOG"
wait_until 30000 in_sync
ok $? "after the restart every cursor reaches the head"
serials_served $ZONES
ok $? "every worker serves every zone's last serial"
all_final=0
for i in $(seq 991 1000); do
	z=z$((i % 10)).test
	all_answer www.$z A "10.0.$((i / 256)).$((i % 256))" || all_final=1
done
ok $all_final "every worker answers the last value of every record"

# --- a worker stops answering
kill -STOP "$(worker_pid 3)"
t0=$(now_ms)
"$DROVER" rrset replace z2.test www A 300 192.0.2.102 "${D[@]}" >/dev/null
wait_until 2000 all_answer www.z2.test A 192.0.2.102 2
ok $? "with worker 3 hung, workers 1 and 2 answer the change within 2 s ($(($(now_ms) - t0)) ms)"
run "$DROVER" rrset replace z3.test www A 300 192.0.2.103 --wait=3 "${D[@]}"
is "$rc" 1 "--wait exits 1 when some servers applied and one did not"
like "$out" "w3: " "--wait names the server that did not apply"
like "$out" "w1: applied" "--wait names the servers that did"
kill -CONT "$(worker_pid 3)"
wait_until 60000 all_answer www.z3.test A 192.0.2.103
ok $? "worker 3 catches up once it answers again"
wait_until 30000 in_sync
ok $? "its cursor reaches the head"

# --- two daemons: one leads, the other takes over
LOG2=$HARNESS_DIR/daemon2.log
first=$DAEMON_PID
start_daemon "$LOG2"
second=$DAEMON_PID
sleep 3
is "$(grep -c 'leading as' "$LOG2")" 0 "a second daemon does not lead while the first does"
like "$(cat "$LOG2")" "standby" "the second daemon waits as standby"
kill -KILL "$first"
wait "$first" 2>/dev/null
t0=$(now_ms)
wait_until 15000 grep -q 'leading as' "$LOG2"
ok $? "the second daemon takes over after a kill ($(($(now_ms) - t0)) ms)"
"$DROVER" rrset replace z4.test www A 300 192.0.2.104 "${D[@]}" >/dev/null
wait_until 5000 all_answer www.z4.test A 192.0.2.104
ok $? "and delivers"
DAEMON_PID=$second

# --- PostgreSQL restarts under the daemon (last: a pdns worker run without
# its guardian exits some seconds after its database goes away, when its
# primary communicator next queries; in production its supervisor restarts it)
pg_restart
ok $? "PostgreSQL restarted"
"$DROVER" rrset replace z1.test www A 300 192.0.2.101 "${D[@]}" >/dev/null
wait_until 20000 all_answer www.z1.test A 192.0.2.101
ok $? "after the restart the daemon reconnects and delivers"
like "$(cat "$LOG2")" "database connection lost" "the lost connection was logged"
stop_daemon "$DAEMON_PID"
is $? 0 "the daemon stops cleanly"

done_testing
