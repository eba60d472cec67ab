#!/usr/bin/env bash
# t/900-harness-selftest.sh - TAP test of the test harness itself (t/lib/harness.sh).
# Owns t/tmp/900-harness-selftest/ (port block NUM 900) and, for the crash cases, the child
# clusters t/tmp/901-sigterm/ (NUM 901) and t/tmp/902-sigkill/ (NUM 902), started at the
# same time as `make -j2 check` would. Checks: a 3-worker cluster serves a zone written by SQL
# after `rediscover`, passwords matter on TCP, the API needs its key, the TCP control channel
# needs its secret, harness_reset empties the zones, no secret reaches a log or argv, the port
# lock refuses a second user, a stale lock is taken over but busy ports are refused, and stop
# (normal, SIGTERM, SIGKILL via the watchdog) leaves no process, lock or temp folder behind.
# Schema: `drover init` by default; DROVER_HARNESS_SELFTEST_SCHEMA=debian uses the schema file
# Debian's pdns-backend-pgsql ships instead (to test the harness without drover).

srcdir=${DROVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export DROVER_BUILDDIR=${DROVER_BUILDDIR:-.}
export DROVER_SRCDIR=$srcdir
if [ "${DROVER_HARNESS_SELFTEST_SCHEMA:-}" = debian ]; then
	# shellcheck disable=SC2016 # expanded by the harness, which sets PGPORT
	export HARNESS_INIT_CMD='"$(harness_pgbin)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U drover -d drover -f /usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql'
fi
harness=$srcdir/t/lib/harness.sh
# shellcheck source=t/lib/harness.sh
. "$harness"

# --- a tiny TAP writer (this test depends on no other project file) ---
tap_n=0
tap_failed=0
ok() { # STATUS DESCRIPTION - STATUS 0 passes
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		printf 'ok %d - %s\n' "$tap_n" "$2"
	else
		printf 'not ok %d - %s\n' "$tap_n" "$2"
		tap_failed=$((tap_failed + 1))
	fi
}
is() { # GOT WANT DESCRIPTION - on failure also shows what the command wrote to $errf
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
		[ -s "$errf" ] && sed 's/^/#   stderr: /' "$errf"
	fi
	: >"$errf"
}
diag() { printf '# %s\n' "$@"; }

# Secrets are read only inside functions that switch xtrace off, so `bash -x` of this test
# does not print them (the trace would land in the suite's log).
xoff() { case $- in *x*) _x=1 && { set +x; } 2>/dev/null ;; *) _x= ;; esac; }
xon() { [ -z "$_x" ] || set -x; }

now_ms() { _hx_now_ms; }

wait_for() { # SECONDS CMD... - poll CMD every 50 ms until it succeeds; 1 at the deadline
	local end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

state_pids() { # DIR - PIDs recorded in DIR/state (postmaster, workers, watchdog)
	sed -n 's/^HX_\(PG\|W[0-9]*\|WATCHDOG\)_PID=//p' "$1/state" 2>/dev/null | tr '\n' ' '
}

alive_of() { # PIDS... - print those still running
	local p
	for p in "$@"; do _hx_alive "$p" && printf '%s ' "$p"; done
}

procs_in() { # DIR - PIDs of processes whose argv names DIR (pdns_server, postgres, watchdog)
	local f pid cmd
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$$" ] && continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
		case $cmd in *"$1/"* | *"$1 "*) _hx_alive "$pid" && printf '%s ' "$pid" ;; esac
	done
}

dns_status() { # N NAME TYPE - the status word of worker N's answer (NOERROR, REFUSED, ...)
	local port
	eval "port=\$W$1_DNS_PORT"
	dig +tries=1 +time=2 @127.0.0.1 -p "$port" "$2" "$3" 2>/dev/null |
		sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

answers() { # N NAME TYPE WANT - true when worker N answers exactly WANT
	[ "$(harness_dig "$1" "$2" "$3" 2>/dev/null)" = "$4" ]
}

children_gone() { ! _hx_alive "$child_term" && ! _hx_alive "$child_kill"; }

echo "1..30"

# --- a child test program, for the crash cases: starts NUM, reports readiness, then waits ---
# shellcheck disable=SC2016 # expanded by the child shell
child_script='
	trap '\''kill "${sp:-}" 2>/dev/null'\'' EXIT
	. "$1"
	harness_start "$2" "$3" 2 || exit 1
	sleep 300 &
	sp=$!
	printf "%s\n" "$sp" >"$4.tmp" && mv "$4.tmp" "$4"
	wait "$sp"
'
tmpbase=$(cd "$DROVER_BUILDDIR" && pwd)/t/tmp
mkdir -p "$tmpbase"
errf=$tmpbase/900-stderr # stderr of the command under test (kept apart from `bash -x` noise)
rm -f "$tmpbase"/90[12]-*.ready "$tmpbase"/90[12]-*.out
# Started now, so they come up while the main cluster does (two NUMs at once, like make -j2).
bash -c "$child_script" child "$harness" 901-sigterm 901 "$tmpbase/901-sigterm.ready" \
	>"$tmpbase/901-sigterm.out" 2>&1 &
child_term=$!
bash -c "$child_script" child "$harness" 902-sigkill 902 "$tmpbase/902-sigkill.ready" \
	>"$tmpbase/902-sigkill.out" 2>&1 &
child_kill=$!
disown "$child_kill" # no "Killed" job report on stderr: this one dies by SIGKILL

# --- 1-4: start, env, ports, file modes ---
t0=$(now_ms)
harness_start 900-harness-selftest 900 3
rc=$?
ok "$rc" "harness_start 900-harness-selftest 900 3 ($(($(now_ms) - t0)) ms)"
if [ "$rc" != 0 ]; then
	# harness_start printed "Bail out!" and its logs.
	kill "$child_term" "$child_kill" 2>/dev/null
	wait_for 30 children_gone # their traps stop their clusters
	exit 1
fi
dir=$HARNESS_DIR

missing=
for k in HARNESS_DIR PGPORT PGHOST_SOCKDIR PGPASSFILE DROVER_DB PDNS_DB HARNESS_NWORKERS \
	W1_DNS W1_DNS_PORT W1_API W1_API_KEYFILE W1_SOCKDIR W2_DNS W2_DNS_PORT W2_API \
	W2_API_KEYFILE W2_SOCKDIR W3_DNS W3_DNS_PORT W3_API W3_API_KEYFILE W3_SOCKDIR \
	W1_CONTROL W1_CONTROL_SECRETFILE; do
	grep -q "^$k=." "$dir/env" || missing="$missing $k"
	eval "[ -n \"\${$k:-}\" ]" || missing="$missing $k(unexported)"
done
is "${missing:-none}" none "env file has and exports every key"
is "$PGPORT $W2_DNS $W3_API $W1_CONTROL" \
	"28000 127.0.0.1:28003 http://127.0.0.1:28008 127.0.0.1:28010" "ports follow the block 10000+20*900"

modes=$(stat -c '%a' "$PGPASSFILE" "$W1_API_KEYFILE" "$W2_API_KEYFILE" "$W3_API_KEYFILE" \
	"$W1_CONTROL_SECRETFILE" "$dir"/w[123]/pdns.conf | sort -u | tr '\n' ' ')
is "$modes" "600 " "pgpass, api-key, control-secret and pdns.conf files are mode 0600"

# --- 5-7: PostgreSQL over TCP needs the password ---
is "$(harness_psql_as drover -At -c 'select current_user' 2>"$errf")" drover \
	"role drover logs in over TCP with the password from PGPASSFILE"
is "$(harness_psql_as pdns -At -c 'select count(*) from domains' 2>"$errf")" 0 \
	"role pdns logs in over TCP and may read domains"
out=$(PGPASSFILE=$tmpbase/900-no-such-pgpass "$(harness_pgbin)/psql" -X -w -h 127.0.0.1 -p "$PGPORT" -U drover \
	-d drover -c 'select 1' 2>&1)
rc=$?
case $rc:$out in 0:*) rc=1 ;; *password*) rc=0 ;; *) rc=1 ;; esac
ok "$rc" "a TCP login without the password is refused"
[ "$rc" = 0 ] || diag "psql said: $out"

# --- 8: a zone written by SQL ---
harness_psql >/dev/null 2>"$tmpbase/900-psql.err" <<'EOF'
INSERT INTO domains (name, type) VALUES ('example.test', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio, auth)
SELECT id, r.name, r.type, r.content, 3600, 0, true
FROM domains, (VALUES
	('example.test', 'SOA', 'ns1.example.test hostmaster.example.test 1 10800 3600 604800 3600'),
	('example.test', 'NS', 'ns1.example.test'),
	('ns1.example.test', 'A', '192.0.2.1'),
	('www.example.test', 'A', '192.0.2.10')) AS r(name, type, content)
WHERE domains.name = 'example.test';
EOF
rc=$?
ok "$rc" "zone example.test inserted by SQL"
[ "$rc" = 0 ] || diag "$(cat "$tmpbase/900-psql.err")"
rm -f "$tmpbase/900-psql.err"

# --- 9-11: each worker serves it after rediscover through its control socket ---
for i in 1 2 3; do
	reply=$(harness_pdns_control "$i" rediscover 2>"$errf")
	wait_for 5 answers "$i" www.example.test A 192.0.2.10
	rc=$?
	ok "$rc" "worker $i answers www.example.test A 192.0.2.10 after rediscover (reply '$reply')"
	[ "$rc" = 0 ] || diag "worker $i: $(harness_dig "$i" www.example.test A 2>&1) status $(dns_status "$i" www.example.test A)"
done

# --- 12-13: the API wants its key ---
codes=
for i in 1 2 3; do
	eval "api=\$W${i}_API"
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$api/api/v1/servers/localhost")"
done
is "$codes" " 401 401 401" "every worker's API refuses a request without the key"
api_get() { # N PATH - GET from worker N's API with its key (read from its file, never argv)
	local api keyfile
	eval "api=\$W${1}_API keyfile=\$W${1}_API_KEYFILE"
	xoff
	printf 'header = "X-API-Key: %s"\n' "$(cat "$keyfile")" |
		curl -s --max-time 5 -K - "$api$2"
	xon
}
zones=$(api_get 2 /api/v1/servers/localhost/zones)
case $zones in *'"name": "example.test."'* | *'"name":"example.test."'*) rc=0 ;; *) rc=1 ;; esac
ok "$rc" "worker 2's API lists example.test. with its key"

# --- 14-15: the TCP control channel of worker 1 wants its secret ---
control() { # SECRETFILE CMD - one command over worker 1's TCP control channel; the reply
	local reply=
	exec 3<>"/dev/tcp/127.0.0.1/$W1_CONTROL_PORT" || return 1
	xoff
	printf '%s\n%s\n' "$(cat "$1")" "$2" >&3
	xon
	IFS= read -r -t 5 reply <&3
	exec 3>&-
	printf '%s\n' "$reply"
}
# (`ping` exists only under guardian=yes; `rping` is the worker's own ping.)
is "$(control "$W1_CONTROL_SECRETFILE" rping 2>"$errf")" PONG \
	"worker 1 answers rping over TCP control with its secret"
printf 'wrong-secret\n' >"$tmpbase/900-wrong-secret"
is "$(control "$tmpbase/900-wrong-secret" rping 2>"$errf")" "Wrong password" \
	"worker 1 refuses a TCP control command with a wrong secret"

# --- 16-17: harness_reset ---
harness_reset
ok $? "harness_reset succeeds"
st=
for i in 1 2 3; do st="$st $(dns_status "$i" www.example.test A)"; done
is "$st" " REFUSED REFUSED REFUSED" "after harness_reset every worker refuses example.test"

# --- 18-19: the port lock ---
out=$(HARNESS_OWNER_PID='' bash "$harness" start 900-dup 900 3 2>&1)
rc=$?
case $rc:$out in 1:*"locked by PID $$"*) rc=0 ;; *) rc=1 ;; esac
ok "$rc" "a second start on NUM 900 is refused while the lock is held"
[ "$rc" = 0 ] || diag "exit status and output: $out"
lock=/tmp/drover-harness-port-28000.lock
(exit 0) &
dead=$!
wait "$dead"
printf '%s\n' "$dead" >"$lock" # pretend the lock is stale: now the port check must refuse
out=$(HARNESS_OWNER_PID='' bash "$harness" start 900-dup 900 3 2>&1)
rc=$?
case $rc:$out in 1:*"already in use"*28000*) rc=0 ;; *) rc=1 ;; esac
[ -e "$lock" ] && rc=1
[ -e "$tmpbase/900-dup" ] && rc=1
ok "$rc" "a stale lock is taken over, busy ports are refused, nothing is left behind"
[ "$rc" = 0 ] || diag "exit status and output: $out"
printf '%s\n' "$$" >"$lock"

# --- 20-21: secrets stay out of logs and argv ---
secrets_file=$tmpbase/900-secrets # patterns for grep -f, mode 0600, removed below
(umask 077; cat "$dir"/w[123]/api-key "$W1_CONTROL_SECRETFILE" >"$secrets_file")
cut -d: -f5 "$PGPASSFILE" >>"$secrets_file"
nsecrets=$(grep -c . "$secrets_file")
leaks=$(find -L "$dir" -name '*.log' -type f -exec grep -lF -f "$secrets_file" {} + 2>/dev/null)
nlogs=$(find -L "$dir" -name '*.log' -type f | wc -l)
is "${leaks:-none}" none "none of $nsecrets secrets (3 API keys, control secret, 2 passwords) in $nlogs log files"
argv_leaks=
for f in /proc/[0-9]*/cmdline; do
	if tr '\0' ' ' 2>/dev/null <"$f" | grep -qF -f "$secrets_file"; then
		argv_leaks="$argv_leaks ${f%/cmdline}"
	fi
done
is "${argv_leaks:-none}" none "no secret in any process's argv"
rm -f "$secrets_file" "$tmpbase/900-wrong-secret"

# --- 22-25: stop ---
pids=$(state_pids "$dir")
# shellcheck disable=SC2086
set -- $pids
npids=$#
harness_stop "$tap_failed"
# shellcheck disable=SC2086
is "$(alive_of $pids)" "" "after harness_stop none of the $npids recorded PIDs is alive"
ok "$([ ! -e "$lock" ] && echo 0 || echo 1)" "after harness_stop the port lock is released"
if [ "$tap_failed" = 0 ] && [ "${DROVER_TEST_KEEP:-0}" != 1 ]; then
	ok "$([ ! -e "$dir" ] && [ -z "$(procs_in "$dir")" ] && echo 0 || echo 1)" \
		"after harness_stop the folder and its processes are gone"
else
	ok "$([ -d "$dir" ] && [ -z "$(procs_in "$dir")" ] && echo 0 || echo 1)" \
		"after harness_stop the folder is kept (failure or DROVER_TEST_KEEP=1), its processes gone"
fi
harness_stop 0 # again: must be a no-op
ok $? "harness_stop twice is harmless"

# --- 26-30: the children killed by SIGTERM and SIGKILL ---
child_ready() { [ -s "$1" ] || ! _hx_alive "$2"; }
wait_for 90 child_ready "$tmpbase/901-sigterm.ready" "$child_term"
wait_for 90 child_ready "$tmpbase/902-sigkill.ready" "$child_kill"
ok "$([ -s "$tmpbase/901-sigterm.ready" ] && [ -s "$tmpbase/902-sigkill.ready" ] && echo 0 || echo 1)" \
	"two child test programs started clusters 901 and 902 at the same time as 900"
for c in 901-sigterm 902-sigkill; do
	[ -s "$tmpbase/$c.ready" ] || { diag "$c output:"; sed 's/^/#   /' "$tmpbase/$c.out"; }
done

d=$tmpbase/901-sigterm
pids=$(state_pids "$d")
kill -TERM "$child_term"
wait "$child_term"
is "$?" 143 "the child killed by SIGTERM exits with status 143"
# shellcheck disable=SC2086
left="$(alive_of $pids)$(procs_in "$d")"
is "$left" "" "SIGTERM: no recorded PID ($pids) and no process of $d left"
ok "$([ ! -e /tmp/drover-harness-port-28020.lock ] && echo 0 || echo 1)" "SIGTERM: port lock 901 released"

d=$tmpbase/902-sigkill
pids=$(state_pids "$d")
sleeper=$(cat "$tmpbase/902-sigkill.ready" 2>/dev/null)
kill -KILL "$child_kill"
# shellcheck disable=SC2086 # $pids is a list
gone() { [ -z "$(alive_of $pids)$(procs_in "$d")" ] && [ ! -e /tmp/drover-harness-port-28040.lock ]; }
wait_for 20 gone
ok $? "SIGKILL: the watchdog stops cluster 902 and releases its lock"
[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null

# The crash cases keep their folders (a failed test keeps its evidence); this test tidies up.
if [ "$tap_failed" = 0 ] && [ "${DROVER_TEST_KEEP:-0}" != 1 ]; then
	rm -rf "$tmpbase/901-sigterm" "$tmpbase/902-sigkill"
	rm -f "$tmpbase"/90[12]-*.ready "$tmpbase"/90[12]-*.out
fi
rm -f "$errf"
[ "$tap_failed" = 0 ]
