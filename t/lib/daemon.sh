# t/lib/daemon.sh - helpers for tests of `drover run`, sourced after
# t/lib/harness.sh and t/lib/tap.sh: register the harness's workers, start
# and stop daemons, and poll every worker's DNS answer against a deadline
# far below the cache TTLs (so a test cannot pass by waiting for expiry).
DROVER=${DROVER_BUILDDIR:-.}/drover

now_ms() { echo $(($(date +%s%N) / 1000000)); }

register_workers() { # N - add w1..wN (w1 over the TCP control channel, others the unix socket)
	local i api key dns sock
	for ((i = 1; i <= $1; i++)); do
		api=W${i}_API key=W${i}_API_KEYFILE dns=W${i}_DNS sock=W${i}_SOCKDIR
		if [ "$i" = 1 ]; then
			"$DROVER" server add w1 --api "${!api}" --api-key-file "${!key}" --dns "${!dns}" \
				--control "$W1_CONTROL" --control-secret-file "$W1_CONTROL_SECRETFILE" \
				--db "$DROVER_DB" --config /dev/null >/dev/null || return 1
		else
			"$DROVER" server add "w$i" --api "${!api}" --api-key-file "${!key}" --dns "${!dns}" \
				--control "${!sock}/pdns.controlsocket" --db "$DROVER_DB" --config /dev/null \
				>/dev/null || return 1
		fi
	done
}

start_daemon() { # LOGFILE [extra args] - sets DAEMON_PID
	local log=$1
	shift
	"$DROVER" run --db "$DROVER_DB" --config /dev/null --log-level info "$@" >>"$log" 2>&1 &
	DAEMON_PID=$!
	harness_track_pid $DAEMON_PID
}

stop_daemon() { # PID - SIGTERM, wait; returns the daemon's exit status
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

wait_until() { # DEADLINE_MS COMMAND... - poll every 20 ms until COMMAND succeeds
	local deadline=$(($(now_ms) + $1))
	shift
	while ! "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

all_answer() { # NAME TYPE WANT [NWORKERS] - every worker answers WANT (dig +short, '|'-joined)
	local w got
	for ((w = 1; w <= ${4:-3}; w++)); do
		got=$(harness_dig "$w" "$1" "$2" | sort | paste -sd '|')
		[ "$got" = "$3" ] || return 1
	done
}

all_status() { # NAME TYPE STATUS [NWORKERS] - every worker answers with that rcode
	local w port
	for ((w = 1; w <= ${4:-3}; w++)); do
		port=W${w}_DNS_PORT
		dig +norec +time=1 +tries=1 @127.0.0.1 -p "${!port}" "$1" "$2" | grep -q "status: $3," || return 1
	done
}

daemon_ready() { # every enabled server healthy, a leader
	"$DROVER" status --db "$DROVER_DB" --config /dev/null >/dev/null 2>&1
}

worker_pid() { # N - the pdns_server PID of worker N
	sed -n "s/^HX_W${1}_PID=//p" "$HARNESS_DIR/state" | tail -n 1
}

pg_restart() { # restart the test's PostgreSQL (fast shutdown), wait until it answers
	local data log bin
	data=$(sed -n 's/^HX_PGDATA=//p' "$HARNESS_DIR/state" | tail -n 1)
	log=$(sed -n 's/^HX_PGLOG=//p' "$HARNESS_DIR/state" | tail -n 1)
	bin=$(harness_pgbin)
	_hx_pg "$bin/pg_ctl" -D "$data" -l "$log" -m fast -w -t 60 restart >/dev/null 2>&1
}

in_sync() { # every enabled server's cursor at the head of the log, no lag
	local out
	out=$("$DROVER" status --json --db "$DROVER_DB" --config /dev/null 2>/dev/null) || return 1
	[ "$(echo "$out" | jq -r '[.servers[] | select(.enabled) | .lag_entries] | add')" = 0 ]
}

serials_served() { # ZONE... - every worker answers each zone's committed SOA serial
	local z want w got
	for z in "$@"; do
		want=$(harness_psql -At -c "SELECT split_part(content, ' ', 3) FROM records WHERE name = '$z' AND type = 'SOA'")
		for ((w = 1; w <= ${NWORKERS:-3}; w++)); do
			got=$(harness_dig "$w" "$z" SOA | awk '{ print $3 }')
			[ "$got" = "$want" ] || return 1
		done
	done
}
